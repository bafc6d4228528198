/**
 * The public shape ops. Each primitive is its row of the derivatives table (`src/derivatives.ts`),
 * documented here with its arguments and defaults; stack is a composite.
 */
import type { Shape } from '@lossgraph/tensor';
import * as D from '../derivatives.js';
import { toVariable, type Variable, type VariableLike } from '../variable.js';

/**
 * The same elements in a new shape; one extent may be -1 and is inferred.
 * @param x - the input
 * @param shape - the new shape, same number of elements; one extent may be -1 (inferred)
 * @example
 * ```ts
 * reshape(x, [2, -1]);
 * ```
 */
export function reshape(x: VariableLike, shape: Shape): Variable {
  return D.reshape(x, shape);
}

/**
 * Permutes the axes: result axis i is input axis `perm[i]` (default: all axes reversed).
 * @param x - the input
 * @param perm - the axis order: result axis i is input axis `perm[i]` (default: reversed)
 * @example
 * ```ts
 * transpose(x);            // a matrix transpose for rank 2
 * transpose(x, [0, 2, 1]);
 * ```
 */
export function transpose(x: VariableLike, perm?: readonly number[]): Variable {
  return D.transpose(x, perm);
}

/**
 * Inserts a size-1 axis at `axis` (default 0).
 * @param x - the input
 * @param axis - where the new axis goes (default 0)
 * @example
 * ```ts
 * expandDims(x, -1);
 * ```
 */
export function expandDims(x: VariableLike, axis = 0): Variable {
  return D.expandDims(x, axis);
}

/**
 * Removes size-1 axes (the listed ones, or all).
 * @param x - the input
 * @param axis - the size-1 axes to remove (default: all of them)
 * @example
 * ```ts
 * squeeze(x, 1);
 * ```
 */
export function squeeze(x: VariableLike, axis?: number | readonly number[]): Variable {
  return D.squeeze(x, axis);
}

/**
 * Broadcasts to `shape` with NumPy rules; the gradient is summed back over the copies.
 * @param x - the input
 * @param shape - the target shape
 * @example
 * ```ts
 * broadcastTo(bias, [batch, 10]);
 * ```
 */
export function broadcastTo(x: VariableLike, shape: Shape): Variable {
  return D.broadcastTo(x, shape);
}

/**
 * The box starting at `begin` with extents `size` (-1: to the end; negative begins count from the
 * end). Short lists cover the leading axes.
 * @param x - the input
 * @param begin - the start of the box on each leading axis
 * @param size - the box's extent on each leading axis (-1: to the end; default: to the end)
 * @example
 * ```ts
 * slice(x, [0, 1], [-1, 2]);
 * ```
 */
export function slice(x: VariableLike, begin: readonly number[], size?: readonly number[]): Variable {
  return D.slice(x, begin, size);
}

/**
 * Pads each axis with `paddings[i] = [before, after]` elements of `value` (default 0).
 * @param x - the input
 * @param paddings - `[before, after]` counts for each axis
 * @param value - the fill value (default 0)
 * @example
 * ```ts
 * pad(x, [[0, 0], [1, 1]]);
 * ```
 */
export function pad(x: VariableLike, paddings: readonly (readonly [number, number])[], value = 0): Variable {
  return D.pad(x, paddings, value);
}

function operandList(xs: readonly VariableLike[], caller: string): Variable[] {
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError(`${caller}: expected a non-empty array of operands, got ${Array.isArray(xs) ? 'an empty array' : typeof xs}`);
  return xs.map((x, i) => toVariable(x, `xs[${i}]`));
}

/**
 * Joins operands along `axis` (default 0); their other extents must match.
 * @param xs - the inputs; extents must match except along `axis`
 * @param axis - the axis to join along (default 0)
 * @example
 * ```ts
 * concat([a, b], -1);
 * ```
 */
export function concat(xs: readonly VariableLike[], axis = 0): Variable {
  return D.concat(operandList(xs, 'concat'), axis);
}

/**
 * Stacks equal-shape operands along a new axis (default 0): expandDims each, then concat.
 * @param xs - the inputs, all of one shape
 * @param axis - the position of the new axis in the result (default 0)
 * @example
 * ```ts
 * stack([a, b]);
 * ```
 */
export function stack(xs: readonly VariableLike[], axis = 0): Variable {
  const vs = operandList(xs, 'stack');
  return concat(vs.map((v) => expandDims(v, axis)), axis);
}
