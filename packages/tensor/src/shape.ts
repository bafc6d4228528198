/**
 * A tensor shape: one non-negative integer per axis, outermost first.
 *
 * @example
 * ```ts
 * const shape: Shape = [2, 3];
 * zeros(shape).size;   // 6
 * ```
 */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for a scalar).
 * @param shape - the shape
 *
 * @example
 * ```ts
 * sizeOf([2, 3, 4]);   // 24
 * sizeOf([]);          // 1
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * True when two shapes have the same rank and extents.
 * @param a - a shape
 * @param b - the other shape
 *
 * @example
 * ```ts
 * shapesEqual([2, 3], [2, 3]);   // true
 * ```
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Formats a shape as `[2, 3]` for error messages.
 * @param shape - the shape to format
 *
 * @example
 * ```ts
 * formatShape([2, 3]);   // '[2, 3]'
 * ```
 */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that `shape` is a list of non-negative integers.
 * @throws TypeError naming `argName`
 */
export function assertShape(shape: unknown, argName = 'shape'): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${argName}: expected an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new TypeError(`${argName}: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
  return [...(shape as number[])];
}

/**
 * The NumPy broadcast of two shapes: align on the right, size-1 axes stretch.
 * @param a - a shape
 * @param b - the other shape
 * @param opName - the op named in the error (default 'broadcast')
 * @throws RangeError naming both shapes when they do not broadcast
 *
 * @example
 * ```ts
 * broadcastShapes([2, 1], [3]);   // [2, 3]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, opName = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)]!;
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)]!;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new RangeError(`${opName}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (axis ${i - rank} has ${da} vs ${db})`);
  }
  return out;
}

/**
 * Normalises one axis (negative counts from the end) against `rank`.
 * @param axis - the axis (negative counts from the end)
 * @param rank - the rank of the tensor it indexes
 * @param argName - the argument named in errors (default 'axis')
 * @throws RangeError / TypeError naming `argName` for a non-integer or out-of-range axis
 *
 * @example
 * ```ts
 * normalizeAxis(-1, 3);   // 2
 * ```
 */
export function normalizeAxis(axis: unknown, rank: number, argName = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new TypeError(`${argName}: expected an integer axis, got ${JSON.stringify(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    throw new RangeError(`${argName}: axis ${axis} is out of range for a tensor of rank ${rank} (expected ${-rank} <= axis < ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises an optional axis or list of axes to a sorted, de-duplicated list.
 * `undefined` or `null` means every axis.
 * @param axis - an axis, a list of axes, or undefined/null for every axis
 * @param rank - the rank of the tensor they index
 * @param argName - the argument named in errors (default 'axis')
 *
 * @example
 * ```ts
 * normalizeAxes([-1, 0], 3);    // [0, 2]
 * normalizeAxes(undefined, 2);  // [0, 1]
 * ```
 */
export function normalizeAxes(axis: number | readonly number[] | undefined | null, rank: number, argName = 'axis'): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : Array.isArray(axis) ? axis : null;
  if (list === null) throw new TypeError(`${argName}: expected an integer or an array of integers, got ${JSON.stringify(axis)}`);
  const out = list.map((a) => normalizeAxis(a, rank, argName));
  const unique = [...new Set(out)].sort((x, y) => x - y);
  if (unique.length !== out.length) throw new RangeError(`${argName}: repeated axis in ${JSON.stringify(axis)}`);
  return unique;
}

/**
 * The shape left after reducing `axes` of `shape`, keeping them as size 1 when `keepDims`.
 * @param shape - the input shape
 * @param axes - the reduced axes (normalised)
 * @param keepDims - keep them as size 1
 *
 * @example
 * ```ts
 * reducedShape([2, 3, 4], [1], true);    // [2, 1, 4]
 * reducedShape([2, 3, 4], [1], false);   // [2, 4]
 * ```
 */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}
