/**
 * Multi-output shape ops: split and unstack cut a tensor into parts along an axis. Their gradient
 * is the inverse cut, a concat (or stack) of the parts' gradients, with zeros for a part that got
 * none. The parts hang off one hidden "whole" node, so the engine hands all the parts' gradients
 * to that node at once and the whole's gradient costs one concat. Slicing the parts one by one
 * would instead pad each part's gradient to the whole size: O(k · size) for k parts, which is
 * what makes reading a recurrence's inputs step by step quadratic in the number of steps.
 */
import * as T from '@lossgraph/tensor';
import type { Shape } from '@lossgraph/tensor';
import { constantOf, defineOp, recording, recordOp, toVariable, type Node, type Variable, type VariableLike } from '../variable.js';
import type { PartGrad, PartsOpDef } from '../engine.js';
import { add } from './elementwise.js';
import { concat, stack } from './shape.js';

/**
 * Attributes of the hidden whole of a recorded split or unstack.
 *
 * @example
 * ```ts
 * const [head] = split(variable(arange(5)), [2, 3]);
 * const whole = head!.node!.inputs[0]!;
 * (whole.node!.attrs as SplitAttrs).sizes;   // [2, 3]
 * ```
 */
export interface SplitAttrs {
  /** The cut axis (non-negative). */
  readonly axis: number;
  /** Each part's extent along `axis` (all 1 for unstack). */
  readonly sizes: readonly number[];
  /** The parts' shapes (for unstack, without `axis`). */
  readonly partShapes: readonly Shape[];
  /** True for unstack: the parts lost `axis`, so their gradients are stacked, not concatenated. */
  readonly dropAxis: boolean;
}

/**
 * Attributes of one recorded part.
 *
 * @example
 * ```ts
 * const [, tail] = split(variable(arange(5)), [2, 3]);
 * (tail!.node!.attrs as SplitPartAttrs).index;   // 1
 * ```
 */
export interface SplitPartAttrs {
  /** Which part this is, in order along the axis. */
  readonly index: number;
}

/**
 * The whole is `x` itself (same tensor), so its gradient passes to `x` unchanged; `collect` joins
 * the parts' gradients back along the axis.
 */
const SPLIT: PartsOpDef<SplitAttrs> = Object.freeze({
  name: 'split',
  vjp: (g: Variable): Variable => g,
  collect(parts: readonly PartGrad[], node: Node<SplitAttrs>, whole: Variable): Variable {
    const { axis, partShapes, dropAxis } = node.attrs;
    const grads: (Variable | null)[] = partShapes.map(() => null);
    for (const { node: partNode, grad } of parts) {
      const i = (partNode.attrs as SplitPartAttrs).index;
      const previous = grads[i];
      grads[i] = previous === null || previous === undefined ? grad : add(previous, grad);
    }
    const pieces = grads.map((gi, i) => gi ?? constantOf(T.zeros(partShapes[i]!, whole.dtype)));
    return dropAxis ? stack(pieces, axis) : concat(pieces, axis);
  },
});

/** `x` as a Variable and `axis` normalised against it; a scalar has nothing to cut. */
function cutAxis(caller: string, x: VariableLike, axis: number): { v: Variable; a: number } {
  const v = toVariable(x, 'x');
  if (v.rank === 0) throw new RangeError(`${caller}: x must have at least one axis, got a scalar`);
  return { v, a: T.normalizeAxis(axis, v.rank, 'axis') };
}

/**
 * A part's rule sends its gradient on as it is, in the part's shape: the engine collects it for the
 * whole (see `SPLIT.collect`) instead of adding it to a whole-sized gradient.
 */
const SPLIT_PART = defineOp<SplitPartAttrs>('splitPart', (g) => g);

/** Cuts `v` along axis `a` into parts of the given extents (each dropping the axis when `dropAxis`). */
function cut(v: Variable, parts: readonly number[], a: number, dropAxis: boolean): Variable[] {
  const begin = new Array<number>(v.rank).fill(0);
  const size = new Array<number>(v.rank).fill(-1);
  const values: T.Tensor[] = [];
  const partShapes: Shape[] = [];
  let offset = 0;
  for (const n of parts) {
    begin[a] = offset;
    size[a] = n;
    let part = T.slice(v.value, begin, size);
    if (dropAxis) part = T.reshape(part, v.shape.filter((_, i) => i !== a));
    values.push(part);
    partShapes.push(part.shape);
    offset += n;
  }
  if (!recording(v)) return values.map(constantOf);
  const whole = recordOp(SPLIT, [v], v.value, { axis: a, sizes: [...parts], partShapes, dropAxis });
  return values.map((value, index) => recordOp(SPLIT_PART, [whole], value, { index }));
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
  return cut(v, list, a, false);
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
  return cut(v, new Array<number>(v.shape[a]!).fill(1), a, true);
}
