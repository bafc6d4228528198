/**
 * Shape ops and their derivatives. They move elements without changing them, so each gradient
 * moves `g` back: reshape undoes reshape, the inverse permutation undoes a transpose, padding
 * undoes a slice, a sum undoes a broadcast.
 */
import * as T from '@lossgraph/tensor';
import type { Shape } from '@lossgraph/tensor';
import { constantOf, defineOp, recording, recordOp, toVariable, type OpDef, type Variable, type VariableLike } from '../variable.js';
import { isGradEnabled } from '../mode.js';
import { sumTo } from './reduce.js';

/** reshape-like ops: d/dx is the identity on the elements, so g takes x's shape back. */
const RESHAPE = defineOp<undefined>('reshape', (g, node) => reshape(g, node.inputs[0]!.shape));
const EXPAND_DIMS = defineOp<undefined>('expandDims', (g, node) => reshape(g, node.inputs[0]!.shape));
const SQUEEZE = defineOp<undefined>('squeeze', (g, node) => reshape(g, node.inputs[0]!.shape));

/**
 * Attributes of a recorded transpose.
 *
 * @example
 * ```ts
 * const y = transpose(variable(ones([2, 3])));
 * (y.node!.attrs as TransposeAttrs).perm;   // [1, 0]
 * ```
 */
export interface TransposeAttrs {
  /** Result axis i is input axis `perm[i]`. */
  readonly perm: readonly number[];
}

/** transpose: g is permuted back by the inverse permutation. */
const TRANSPOSE = defineOp<TransposeAttrs>('transpose', (g, node) => {
  const { perm } = node.attrs;
  const inverse = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inverse[perm[i]!] = i;
  return transpose(g, inverse);
});

/** broadcastTo: every copy of an element sends its gradient back to it, so g is summed. */
const BROADCAST_TO = defineOp<undefined>('broadcastTo', (g, node) => sumTo(g, node.inputs[0]!.shape));

/**
 * Attributes of a recorded slice.
 *
 * @example
 * ```ts
 * const y = slice(variable(arange(10)), [2], [3]);
 * (y.node!.attrs as SliceAttrs).begin;   // [2]
 * ```
 */
export interface SliceAttrs {
  /** Where the box starts on every axis (non-negative). */
  readonly begin: readonly number[];
}

/** slice: g goes back into its box, zeros elsewhere. */
const SLICE = defineOp<SliceAttrs>('slice', (g, node) => {
  const { shape } = node.inputs[0]!;
  const { begin } = node.attrs;
  return pad(g, shape.map((d, i) => [begin[i]!, d - begin[i]! - g.shape[i]!] as const));
});

/**
 * Attributes of a recorded pad.
 *
 * @example
 * ```ts
 * const y = pad(variable([1, 2]), [[1, 0]], -1);
 * (y.node!.attrs as PadAttrs).value;   // -1
 * ```
 */
export interface PadAttrs {
  /** `[before, after]` per axis. */
  readonly paddings: readonly (readonly [number, number])[];
  /** The fill value. */
  readonly value: number;
}

/** pad: the padding is constant, so only the original box of g flows back. */
const PAD = defineOp<PadAttrs>('pad', (g, node) => slice(g, node.attrs.paddings.map((p) => p[0]), node.inputs[0]!.shape));

/**
 * Attributes of a recorded concat.
 *
 * @example
 * ```ts
 * const y = concat([variable(ones([2])), variable(ones([3]))]);
 * (y.node!.attrs as ConcatAttrs).offsets;   // [0, 2]
 * ```
 */
export interface ConcatAttrs {
  /** The joined axis (non-negative). */
  readonly axis: number;
  /** Where each input starts along `axis`. */
  readonly offsets: readonly number[];
}

/** concat: input i gets its own slab of g back. */
const CONCAT = defineOp<ConcatAttrs>('concat', (g, node, _y, i) => {
  const { axis, offsets } = node.attrs;
  const begin = new Array<number>(g.rank).fill(0);
  begin[axis] = offsets[i]!;
  return slice(g, begin, node.inputs[i]!.shape);
});

function unaryShapeOp<A>(op: OpDef<A>, v: Variable, out: T.Tensor, attrs: A): Variable {
  if (out === v.value) return v;
  return recording(v) ? recordOp(op, [v], out, attrs) : constantOf(out);
}

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
  const v = toVariable(x, 'x');
  return unaryShapeOp(RESHAPE, v, T.reshape(v.value, shape), undefined);
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
  const v = toVariable(x, 'x');
  const out = T.transpose(v.value, perm);
  if (out === v.value || !recording(v)) return out === v.value ? v : constantOf(out);
  const p = perm === undefined ? v.shape.map((_, i) => v.rank - 1 - i) : perm.map((a) => T.normalizeAxis(a, v.rank, 'perm'));
  return recordOp(TRANSPOSE, [v], out, { perm: p });
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
  const v = toVariable(x, 'x');
  return unaryShapeOp(EXPAND_DIMS, v, T.expandDims(v.value, axis), undefined);
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
  const v = toVariable(x, 'x');
  return unaryShapeOp(SQUEEZE, v, T.squeeze(v.value, axis), undefined);
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
  const v = toVariable(x, 'x');
  return unaryShapeOp(BROADCAST_TO, v, T.broadcastTo(v.value, shape), undefined);
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
  const v = toVariable(x, 'x');
  const out = T.slice(v.value, begin, size);
  if (!recording(v)) return constantOf(out);
  const b = v.shape.map((d, i) => {
    const bi = i < begin.length ? begin[i]! : 0;
    return bi < 0 ? bi + d : bi;
  });
  return recordOp(SLICE, [v], out, { begin: b });
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
  const v = toVariable(x, 'x');
  const out = T.pad(v.value, paddings, value);
  if (out === v.value) return v;
  if (!recording(v)) return constantOf(out);
  return recordOp(PAD, [v], out, { paddings: paddings.map((p) => [p[0], p[1]] as const), value });
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
  const vs = operandList(xs, 'concat');
  const out = T.concat(vs.map((v) => v.value), axis);
  if (vs.length === 1 && out === vs[0]!.value) return vs[0]!;
  if (!isGradEnabled() || !vs.some((v) => v.requiresGrad)) return constantOf(out);
  const a = T.normalizeAxis(axis, vs[0]!.rank, 'axis');
  const offsets: number[] = [];
  let offset = 0;
  for (const v of vs) {
    offsets.push(offset);
    offset += v.shape[a]!;
  }
  return recordOp(CONCAT, vs, out, { axis: a, offsets });
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
