/**
 * Reductions and normalisations, and their derivatives. A reduction's gradient spreads `g` back
 * over the reduced axes: `g` is first reshaped to the kept-dims shape (`gk` below) so it
 * broadcasts against the input.
 */
import * as T from '@lossgraph/tensor';
import type { Shape, Tensor, TensorLike } from '@lossgraph/tensor';
import { constantOf, defineOp, recording, recordOp, toVariable, type OpDef, type Variable, type VariableLike } from '../variable.js';
import { div, equal, exp, mul, neg, sub, where, abs } from './elementwise.js';
import { broadcastTo, reshape } from './shape.js';

/**
 * One axis, several, or (undefined) every axis.
 *
 * @example
 * ```ts
 * const axes: Axis = [0, -1];
 * sum(variable(ones([2, 3, 4])), axes);   // shape [3]
 * ```
 */
export type Axis = number | readonly number[];

/**
 * Attributes of a recorded reduction.
 *
 * @example
 * ```ts
 * const y = sum(variable(ones([2, 3])), 1);
 * (y.node!.attrs as ReduceAttrs).keptShape;   // [2, 1]
 * ```
 */
export interface ReduceAttrs {
  /** The reduced axes, non-negative and sorted. */
  readonly axes: readonly number[];
  /** Whether the reduced axes were kept as size 1. */
  readonly keepDims: boolean;
  /** The input's shape with the reduced axes set to 1: the shape `g` is viewed in to broadcast. */
  readonly keptShape: Shape;
}

type Reducer = (x: TensorLike, axis?: Axis, keepDims?: boolean) => Tensor;

function reduction(op: OpDef<ReduceAttrs>, forward: Reducer, x: VariableLike, axis: Axis | undefined, keepDims: boolean): Variable {
  const v = toVariable(x, 'x');
  const out = forward(v.value, axis, keepDims);
  if (!recording(v)) return constantOf(out);
  const axes = T.normalizeAxes(axis, v.rank, 'axis');
  return recordOp(op, [v], out, { axes, keepDims, keptShape: T.reducedShape(v.shape, axes, true) });
}

/** `g` viewed with the reduced axes kept as size 1. */
function kept(g: Variable, attrs: ReduceAttrs): Variable {
  return reshape(g, attrs.keptShape);
}

/** The share of each element in the gradient of max/min: 1/k for each of the k tied extremes, 0 elsewhere. */
function extremeShare(x: Tensor, y: Tensor, attrs: ReduceAttrs): Variable {
  const isExtreme = T.equal(x, T.reshape(y, attrs.keptShape));
  return constantOf(T.div(isExtreme, T.sum(isExtreme, attrs.axes, true)));
}

// ---------------------------------------------------------------- the rules

/** sum: d/dx = 1 for every element, so g is broadcast back. */
const SUM = defineOp<ReduceAttrs>('sum', (g, node) => broadcastTo(kept(g, node.attrs), node.inputs[0]!.shape));
/** mean: d/dx = 1/n for each of the n averaged elements. */
const MEAN = defineOp<ReduceAttrs>('mean', (g, node) => {
  const x = node.inputs[0]!;
  let count = 1;
  for (const a of node.attrs.axes) count *= x.shape[a]!;
  // Dividing before broadcasting divides the (small) reduced gradient, not the full-size one.
  return broadcastTo(div(kept(g, node.attrs), count), x.shape);
});
/** max: d/dx = 1 at the maximum; k tied maxima share it equally (1/k each). */
const MAX = defineOp<ReduceAttrs>('max', (g, node, y) => mul(kept(g, node.attrs), extremeShare(node.inputs[0]!.value, y.value, node.attrs)));
/** min: like max. */
const MIN = defineOp<ReduceAttrs>('min', (g, node, y) => mul(kept(g, node.attrs), extremeShare(node.inputs[0]!.value, y.value, node.attrs)));
/** logSumExp: d/dx = exp(x - y), the softmax over the reduced axes (one fused kernel: {@link logSumExpGrad}). */
const LOG_SUM_EXP = defineOp<ReduceAttrs>('logSumExp', (g, node, y) =>
  logSumExpGrad(kept(g, node.attrs), node.inputs[0]!, kept(y, node.attrs), node.attrs.axes));
/**
 * logSumExpGrad(g, x, y) = g e with e = exp(x - y), g and y in the kept-dims shape: hᵀ·d/dg is
 * Σ h e over the reduced axes, hᵀ·d/dx is h g e, and hᵀ·d/dy is -Σ h g e.
 */
const LOG_SUM_EXP_GRAD = defineOp<ReduceAttrs>('logSumExpGrad', (h, node, _out, i) => {
  const [g, x, y] = node.inputs as [Variable, Variable, Variable];
  const { axes } = node.attrs;
  const he = mul(h, exp(sub(x, y)));
  if (i === 0) return sum(he, axes, true);
  const hge = mul(he, g);
  return i === 1 ? hge : neg(sum(hge, axes, true));
});
/** norm (2-norm): d/dx = x / y, taken as 0 where y = 0 (a subgradient). */
const NORM = defineOp<ReduceAttrs>('norm', (g, node, y) => {
  const yk = kept(y, node.attrs);
  const safe = where(equal(yk, 0), 1, yk);
  return mul(kept(g, node.attrs), div(node.inputs[0]!, safe));
});

/**
 * Attributes of a recorded softmax or logSoftmax.
 *
 * @example
 * ```ts
 * const y = softmax(variable(ones([2, 3])));
 * (y.node!.attrs as SoftmaxAttrs).axis;   // 1
 * ```
 */
export interface SoftmaxAttrs {
  /** The normalised axis, non-negative. */
  readonly axis: number;
}

/** softmax: J = diag(y) - y yᵀ, so gᵀJ = y (g - Σ g y). */
const SOFTMAX = defineOp<SoftmaxAttrs>('softmax', (g, node, y) => mul(y, sub(g, sum(mul(g, y), node.attrs.axis, true))));
/** logSoftmax: J = I - 1 softmaxᵀ, so gᵀJ = g - exp(y) Σ g (one fused kernel: {@link logSoftmaxGrad}). */
const LOG_SOFTMAX = defineOp<SoftmaxAttrs>('logSoftmax', (g, node, y) => logSoftmaxGrad(g, y, node.attrs.axis));
/**
 * logSoftmaxGrad(g, y) = g - exp(y) S with S = Σ g: d/dg is I - 1 exp(y)ᵀ, so hᵀ·d/dg = h - Σ h exp(y);
 * d/dy is -diag(exp(y)) S, so hᵀ·d/dy = -h exp(y) S.
 */
const LOG_SOFTMAX_GRAD = defineOp<SoftmaxAttrs>('logSoftmaxGrad', (h, node, _out, i) => {
  const [g, y] = node.inputs as [Variable, Variable];
  const { axis } = node.attrs;
  const p = exp(y);
  if (i === 0) return sub(h, sum(mul(h, p), axis, true));
  return neg(mul(mul(h, p), sum(g, axis, true)));
});

// ---------------------------------------------------------------- the ops

/**
 * Sum over `axis` (one axis, a list, or every axis when omitted); negative axes count from the end.
 *
 * @param x - the input
 * @param axis - the axes to reduce (default: all)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 *
 * @example
 * ```ts
 * sum(x);          // a scalar
 * sum(x, -1, true);
 * ```
 */
export function sum(x: VariableLike, axis?: Axis, keepDims = false): Variable {
  return reduction(SUM, T.sum, x, axis, keepDims);
}

/**
 * Mean over `axis` (every axis when omitted).
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 * @example
 * ```ts
 * mean(x, 0);
 * ```
 */
export function mean(x: VariableLike, axis?: Axis, keepDims = false): Variable {
  return reduction(MEAN, T.mean, x, axis, keepDims);
}

/**
 * Maximum over `axis` (every axis when omitted). The gradient goes to the maximal elements; when
 * k elements tie for the maximum each receives 1/k of it (so the total is preserved), as in
 * TensorFlow's reduce_max.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 *
 * @example
 * ```ts
 * max(x, -1);
 * ```
 */
export function max(x: VariableLike, axis?: Axis, keepDims = false): Variable {
  return reduction(MAX, T.max, x, axis, keepDims);
}

/**
 * Minimum over `axis` (every axis when omitted); tied minima share the gradient equally, as in {@link max}.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 * @example
 * ```ts
 * min(x, 0, true);
 * ```
 */
export function min(x: VariableLike, axis?: Axis, keepDims = false): Variable {
  return reduction(MIN, T.min, x, axis, keepDims);
}

/**
 * log Σ exp(x) over `axis` (every axis when omitted), computed stably by the tensor package's
 * fused primitive. Its gradient is the softmax of x over the same axes.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 *
 * @example
 * ```ts
 * logSumExp(logits, -1);
 * ```
 */
export function logSumExp(x: VariableLike, axis?: Axis, keepDims = false): Variable {
  return reduction(LOG_SUM_EXP, T.logSumExp, x, axis, keepDims);
}

function normalise(op: OpDef<SoftmaxAttrs>, forward: (x: TensorLike, axis: number) => Tensor, x: VariableLike, axis: number): Variable {
  const v = toVariable(x, 'x');
  const out = forward(v.value, axis);
  return recording(v) ? recordOp(op, [v], out, { axis: T.normalizeAxis(axis, v.rank, 'axis') }) : constantOf(out);
}

/**
 * exp(x) / Σ exp(x) along `axis` (default -1), computed stably.
 * @param x - the input
 * @param axis - the axis to normalise over (default -1)
 * @example
 * ```ts
 * softmax(logits);
 * ```
 */
export function softmax(x: VariableLike, axis = -1): Variable {
  return normalise(SOFTMAX, T.softmax, x, axis);
}

/**
 * x - logSumExp(x) along `axis` (default -1), computed stably.
 * @param x - the input
 * @param axis - the axis to normalise over (default -1)
 * @example
 * ```ts
 * logSoftmax(logits, 1);
 * ```
 */
export function logSoftmax(x: VariableLike, axis = -1): Variable {
  return normalise(LOG_SOFTMAX, T.logSoftmax, x, axis);
}

/**
 * The gradient of {@link logSoftmax} along `axis` given its output `y` and the gradient `g`
 * arriving at it: `g - exp(y) * sum(g, axis, true)`, one fused kernel of the tensor backend.
 * Differentiable in both `g` and `y`, so gradients of gradients through logSoftmax work.
 *
 * @param g - the gradient with respect to y (y's shape)
 * @param y - the output of `logSoftmax(x, axis)`
 * @param axis - the normalised axis (default -1)
 *
 * @example
 * ```ts
 * const y = logSoftmax(x);
 * logSoftmaxGrad(onesLike(y.value), y);   // the gradient of sum(y) with respect to x
 * ```
 */
export function logSoftmaxGrad(g: VariableLike, y: VariableLike, axis = -1): Variable {
  const vy = toVariable(y, 'y');
  const vg = toVariable(g, 'g', vy.dtype);
  const out = T.logSoftmaxGrad(vg.value, vy.value, axis);
  if (!recording(vg) && !recording(vy)) return constantOf(out);
  return recordOp(LOG_SOFTMAX_GRAD, [vg, vy], out, { axis: T.normalizeAxis(axis, vy.rank, 'axis') });
}

/**
 * The gradient of {@link logSumExp} over `axis` given its input `x`, its output `y` and the
 * gradient `g` arriving at it: `g * exp(x - y)`, one fused kernel of the tensor backend. `g` and
 * `y` have the reduced shape, with or without the reduced axes kept as size 1; the result has x's
 * shape. Differentiable in `g`, `x` and `y`, so gradients of gradients through logSumExp work.
 *
 * @param g - the gradient with respect to y (y's shape)
 * @param x - the input of `logSumExp(x, axis)`
 * @param y - the output of `logSumExp(x, axis)`
 * @param axis - the reduced axes (default: all)
 *
 * @example
 * ```ts
 * const y = logSumExp(x, -1);
 * logSumExpGrad(onesLike(y.value), x, y, -1);   // the gradient of sum(y) with respect to x: softmax(x)
 * ```
 */
export function logSumExpGrad(g: VariableLike, x: VariableLike, y: VariableLike, axis?: Axis): Variable {
  const vx = toVariable(x, 'x');
  const vy = toVariable(y, 'y', vx.dtype);
  const vg = toVariable(g, 'g', vx.dtype);
  const out = T.logSumExpGrad(vg.value, vx.value, vy.value, axis);
  if (!recording(vg) && !recording(vx) && !recording(vy)) return constantOf(out);
  const axes = T.normalizeAxes(axis, vx.rank, 'axis');
  const keptShape = T.reducedShape(vx.shape, axes, true);
  // The recorded inputs are viewed in the kept-dims shape, so each VJP returns its input's shape.
  const gk = T.shapesEqual(vg.shape, keptShape) ? vg : reshape(vg, keptShape);
  const yk = T.shapesEqual(vy.shape, keptShape) ? vy : reshape(vy, keptShape);
  return recordOp(LOG_SUM_EXP_GRAD, [gk, vx, yk], out, { axes, keepDims: true, keptShape });
}

/**
 * The orders {@link norm} computes.
 *
 * @example
 * ```ts
 * const ord: NormOrder = 1;
 * norm(variable([3, -4]), ord);   // 7
 * ```
 */
export type NormOrder = 1 | 2 | 'fro';

/**
 * The norm of the elements over `axis` (every axis when omitted), as MXNet's norm: `ord` 2 or
 * 'fro' is the square root of the sum of squares (over every given axis, so a two-axis norm is
 * the Frobenius norm, not the spectral one), `ord` 1 the sum of absolute values. The gradient of
 * the 2-norm at 0 is taken as 0 (a subgradient), so `norm` never yields NaN gradients.
 *
 * @param x - the input
 * @param ord - 2 (default), 'fro' or 1
 * @param axis - the axes to reduce (default: all)
 * @param keepDims - keep the reduced axes as size 1
 *
 * @example
 * ```ts
 * norm(tensor([3, 4]));   // 5
 * ```
 */
export function norm(x: VariableLike, ord: NormOrder = 2, axis?: Axis, keepDims = false): Variable {
  if (ord === 1) return sum(abs(x), axis, keepDims);
  if (ord !== 2 && ord !== 'fro') throw new RangeError(`norm: ord must be 1, 2 or 'fro', got ${JSON.stringify(ord)}`);
  return reduction(NORM, (t, a, k) => T.sqrt(T.sum(T.square(t), a, k)), x, axis, keepDims);
}

/**
 * Sums `x` down to `shape`, undoing a NumPy broadcast: leading axes `shape` lacks are summed away,
 * and so are the axes where `shape` has 1 and `x` does not. This is how the gradient of a
 * broadcast operand returns to its shape.
 *
 * @param x - a Variable whose shape `shape` broadcasts to
 * @param shape - the target shape
 * @throws RangeError when `shape` does not broadcast to x's shape
 *
 * @example
 * ```ts
 * sumTo(ones([4, 2, 3]), [2, 1]).shape;   // [2, 1], every element 12
 * ```
 */
export function sumTo(x: VariableLike, shape: Shape): Variable {
  const v = toVariable(x, 'x');
  if (T.shapesEqual(v.shape, shape)) return v;
  const lead = v.rank - shape.length;
  const fail = (): RangeError => new RangeError(`sumTo: shape ${T.formatShape(shape)} does not broadcast to ${T.formatShape(v.shape)}`);
  if (lead < 0) throw fail();
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < shape.length; i++) {
    const from = v.shape[i + lead]!;
    if (shape[i] === from) continue;
    if (shape[i] !== 1) throw fail();
    axes.push(i + lead);
  }
  return reshape(axes.length > 0 ? sum(v, axes, true) : v, shape);
}

/**
 * The inner product of two tensors of the same shape: Σ a·b, a scalar (used for
 * Hessian-vector products: `grad(x => dot(grad(f)(x), v))`).
 * @param a - a vector
 * @param b - a vector of the same length
 *
 * @example
 * ```ts
 * dot([1, 2], [3, 4]);   // 11
 * ```
 */
export function dot(a: VariableLike, b: VariableLike): Variable {
  const va = toVariable(a, 'a');
  const vb = toVariable(b, 'b', va.dtype);
  if (!T.shapesEqual(va.shape, vb.shape)) throw new RangeError(`dot: a and b must have the same shape, got ${T.formatShape(va.shape)} and ${T.formatShape(vb.shape)}`);
  return sum(mul(va, vb));
}
