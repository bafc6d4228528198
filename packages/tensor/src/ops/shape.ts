/** The shape ops: reshape, transpose, expandDims, squeeze, broadcastTo, slice, concat, stack, pad. */
import { promoteTypes } from '../dtype.js';
import { getBackend } from '../registry.js';
import { assertShape, broadcastShapes, formatShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from '../creation.js';
import { cast } from './elementwise.js';

/**
 * Same values in a new shape; one extent may be -1 and is inferred.
 * @param x - the input
 * @param shape - the new shape, same number of elements; one extent may be -1 (inferred)
 * @example
 * ```ts
 * reshape(arange(6), [2, -1])  // shape [2, 3]
 * ```
 */
export function reshape(x: TensorLike, shape: Shape): Tensor {
  const t = toTensor(x, 'x');
  if (!Array.isArray(shape)) throw new TypeError(`reshape: shape must be an array of integers, got ${String(shape)}`);
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new RangeError(`reshape: at most one -1 is allowed in shape ${formatShape(out)}`);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || t.size % known !== 0) throw new RangeError(`reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) into ${formatShape(out)}`);
    out[unknown] = t.size / known;
  }
  assertShape(out, 'reshape: shape');
  if (sizeOf(out) !== t.size) throw new RangeError(`reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) into ${formatShape(out)} (${sizeOf(out)} elements)`);
  return shapesEqual(out, t.shape) ? t : getBackend().reshape(t, out);
}

/**
 * Permutes the axes: result axis i is input axis `perm[i]` (default: reversed).
 * @param x - the input
 * @param perm - the axis order: result axis i is input axis `perm[i]` (default: reversed)
 * @example
 * ```ts
 * transpose(zeros([2, 3])).shape  // [3, 2]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = toTensor(x, 'x');
  if (perm !== undefined && !Array.isArray(perm)) throw new TypeError(`transpose: perm must be an array of axes, got ${String(perm)}`);
  const p = perm === undefined ? t.shape.map((_, i) => t.rank - 1 - i) : perm.map((a) => normalizeAxis(a, t.rank, 'perm'));
  if (p.length !== t.rank || new Set(p).size !== t.rank) {
    throw new RangeError(`transpose: perm ${JSON.stringify(perm)} is not a permutation of the ${t.rank} axes of shape ${formatShape(t.shape)}`);
  }
  if (p.every((a, i) => a === i)) return t;
  return getBackend().transpose(t, p);
}

/**
 * Inserts a size-1 axis at `axis`.
 * @param x - the input
 * @param axis - where the new axis goes (default 0)
 * @example
 * ```ts
 * expandDims(zeros([3]), 0).shape  // [1, 3]
 * ```
 */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank + 1, 'axis');
  const shape = [...t.shape];
  shape.splice(a, 0, 1);
  return getBackend().reshape(t, shape);
}

/**
 * Removes size-1 axes (the listed ones, or all).
 * @param x - the input
 * @param axis - the size-1 axes to remove (default: all of them)
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape  // [3]
 * ```
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'x');
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axis, t.rank, 'axis');
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} of shape ${formatShape(t.shape)} has size ${t.shape[a]}, not 1`);
  }
  return getBackend().reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Broadcasts to `shape` with NumPy rules.
 * @param x - the input
 * @param shape - the target shape
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2])
 * ```
 */
export function broadcastTo(x: TensorLike, shape: Shape): Tensor {
  const t = toTensor(x, 'x');
  const target = assertShape(shape, 'broadcastTo: shape');
  const b = broadcastShapes(t.shape, target, 'broadcastTo');
  if (!shapesEqual(b, target)) throw new RangeError(`broadcastTo: shape ${formatShape(t.shape)} cannot be broadcast to ${formatShape(target)}`);
  return shapesEqual(t.shape, target) ? t : getBackend().broadcastTo(t, target);
}

/**
 * The box starting at `begin` with extents `size` (-1: to the end). Short lists cover leading axes.
 * @param x - the input
 * @param begin - the start of the box on each leading axis
 * @param size - the box's extent on each leading axis (-1: to the end; default: to the end)
 * @example
 * ```ts
 * slice(arange(10), [2], [3])  // [2, 3, 4]
 * ```
 */
export function slice(x: TensorLike, begin: readonly number[], size?: readonly number[]): Tensor {
  const t = toTensor(x, 'x');
  if (!Array.isArray(begin) || begin.length > t.rank) throw new RangeError(`slice: begin must be an array of at most ${t.rank} integers for shape ${formatShape(t.shape)}, got ${JSON.stringify(begin)}`);
  if (size !== undefined && (!Array.isArray(size) || size.length !== begin.length)) throw new RangeError(`slice: size must have as many entries as begin (${begin.length}), got ${JSON.stringify(size)}`);
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    const dim = t.shape[i]!;
    let bi = i < begin.length ? begin[i]! : 0;
    if (!Number.isInteger(bi)) throw new TypeError(`slice: begin[${i}] must be an integer, got ${String(bi)}`);
    if (bi < 0) bi += dim;
    let si = size !== undefined && i < size.length ? size[i]! : -1;
    if (!Number.isInteger(si) || si < -1) throw new TypeError(`slice: size[${i}] must be a non-negative integer or -1, got ${String(si)}`);
    if (si === -1) si = dim - bi;
    if (bi < 0 || bi > dim || si < 0 || bi + si > dim) throw new RangeError(`slice: axis ${i} begins at ${bi} with size ${si}, outside the extent ${dim} of shape ${formatShape(t.shape)}`);
    b.push(bi);
    s.push(si);
  }
  return getBackend().slice(t, b, s);
}

/**
 * Joins tensors along `axis`; their other extents must match.
 * @param xs - the inputs; extents must match except along `axis`
 * @param axis - the axis to join along (default 0)
 * @example
 * ```ts
 * concat([zeros([2, 1]), ones([2, 2])], 1).shape  // [2, 3]
 * ```
 */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('concat: expected a non-empty array of tensors');
  const ts = xs.map((x, i) => toTensor(x, `xs[${i}]`));
  const first = ts[0]!;
  const a = normalizeAxis(axis, first.rank, 'axis');
  let total = 0;
  let dtype = first.dtype;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new RangeError(`concat: xs[${i}] has shape ${formatShape(t.shape)}, which does not match xs[0] ${formatShape(first.shape)} outside axis ${a}`);
    }
    total += t.shape[a]!;
    dtype = promoteTypes(dtype, t.dtype);
  }
  const outShape = [...first.shape];
  outShape[a] = total;
  const same = ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  if (same.length === 1) return same[0]!;
  return getBackend().concat(same, a, outShape);
}

/**
 * Stacks equal-shape tensors along a new axis.
 * @param xs - the inputs, all of one shape
 * @param axis - the position of the new axis in the result (default 0)
 * @example
 * ```ts
 * stack([zeros([2]), ones([2])]).shape  // [2, 2]
 * ```
 */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('stack: expected a non-empty array of tensors');
  return concat(xs.map((x, i) => expandDims(toTensor(x, `xs[${i}]`), axis)), axis);
}

/**
 * Pads each axis with `paddings[i] = [before, after]` elements of `value` (default 0).
 * @param x - the input
 * @param paddings - `[before, after]` counts for each axis
 * @param value - the fill value (default 0)
 * @example
 * ```ts
 * pad(tensor([1, 2]), [[1, 0]])  // [0, 1, 2]
 * ```
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const t = toTensor(x, 'x');
  if (!Array.isArray(paddings) || paddings.length !== t.rank) {
    throw new RangeError(`pad: paddings must have one [before, after] pair per axis (${t.rank}) of shape ${formatShape(t.shape)}, got ${JSON.stringify(paddings)}`);
  }
  for (const [i, p] of paddings.entries()) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`pad: paddings[${i}] must be two non-negative integers, got ${JSON.stringify(p)}`);
    }
  }
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return t;
  return getBackend().pad(t, paddings, value);
}
