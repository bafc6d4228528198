/**
 * The public multi-output ops: split and unstack cut a tensor into parts along an axis, all
 * hanging off one hidden node (see the split rows of `src/derivatives.ts`: the parts' gradients
 * are joined back in one concat, so k parts cost O(size), not O(k · size), in the backward pass).
 * Here are their argument checks.
 */
import * as T from '@lossgraph/tensor';
import * as D from '../derivatives.js';
import { toVariable, type Variable, type VariableLike } from '../variable.js';

/** `x` as a Variable and `axis` normalised against it; a scalar has nothing to cut. */
function cutAxis(caller: string, x: VariableLike, axis: number): { v: Variable; a: number } {
  const v = toVariable(x, 'x');
  if (v.rank === 0) throw new RangeError(`${caller}: x must have at least one axis, got a scalar`);
  return { v, a: T.normalizeAxis(axis, v.rank, 'axis') };
}

/**
 * Cuts `x` along `axis` (default 0) into parts of the given extents, which must add up to
 * `x.shape[axis]`; a number `k` instead cuts it into k equal parts. The inverse of
 * {@link concat}: the gradient concatenates the parts' gradients, in one op however many parts
 * there are.
 *
 * @param x - the input, of rank at least 1
 * @param sizes - each part's extent along `axis` (non-negative integers), or the number of equal parts
 * @param axis - the axis to cut (default 0; negative counts from the end)
 * @returns one Variable per part, in order along `axis`
 * @throws RangeError when the sizes do not add up to the axis' extent, or k does not divide it
 *
 * @example
 * ```ts
 * const [head, tail] = split(x, [1, 3], 1);   // x: [2, 4] -> [2, 1] and [2, 3]
 * const thirds = split(y, 3);                  // y: [6, 5] -> three [2, 5]
 * ```
 */
export function split(x: VariableLike, sizes: number | readonly number[], axis = 0): Variable[] {
  const { v, a } = cutAxis('split', x, axis);
  const extent = v.shape[a]!;
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1 || extent % sizes !== 0) {
      throw new RangeError(`split: sizes = ${sizes} must be a positive integer that divides the extent ${extent} of axis ${a}`);
    }
    list = new Array<number>(sizes).fill(extent / sizes);
  } else {
    if (!Array.isArray(sizes) || sizes.length === 0) throw new RangeError('split: sizes must be a number of parts or a non-empty array of extents');
    list = [...sizes];
    list.forEach((n, i) => {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`split: sizes[${i}] must be a non-negative integer, got ${n}`);
    });
    const total = list.reduce((s, n) => s + n, 0);
    if (total !== extent) throw new RangeError(`split: sizes [${list.join(', ')}] add up to ${total}, but axis ${a} of x (shape ${T.formatShape(v.shape)}) has extent ${extent}`);
  }
  return D.cut(v, list, a, { dropAxis: false });
}

/**
 * The slices of `x` along `axis` (default 0), each without that axis: the inverse of
 * {@link stack}. The gradient stacks the slices' gradients in one op, so reading every time step
 * of a sequence costs O(size) in the backward pass (a step-by-step `gather` or `slice` costs
 * O(steps · size)).
 *
 * @param x - the input, of rank at least 1
 * @param axis - the axis to take apart (default 0; negative counts from the end)
 * @returns `x.shape[axis]` Variables of shape `x.shape` without `axis`
 *
 * @example
 * ```ts
 * const steps = unstack(emissions, 0);   // emissions: [T, N, S] -> T Variables of shape [N, S]
 * ```
 */
export function unstack(x: VariableLike, axis = 0): Variable[] {
  const { v, a } = cutAxis('unstack', x, axis);
  return D.cut(v, new Array<number>(v.shape[a]!).fill(1), a, { dropAxis: true });
}
