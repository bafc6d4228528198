/**
 * The public reductions and normalisations. Each primitive is its row of the derivatives table
 * (`src/derivatives.ts`), documented here with its arguments and defaults. Composites: dot, the
 * 1-norm, and sumTo (written next to the table, whose rules sum broadcast gradients back with it).
 */
import * as T from '@lossgraph/tensor';
import type { Shape } from '@lossgraph/tensor';
import * as D from '../derivatives.js';
import type { Axis } from '../op-types.js';
import { toVariable, type Variable, type VariableLike } from '../variable.js';

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
  return D.sum(x, axis, keepDims);
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
  return D.mean(x, axis, keepDims);
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
  return D.max(x, axis, keepDims);
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
  return D.min(x, axis, keepDims);
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
  return D.logSumExp(x, axis, keepDims);
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
  return D.softmax(x, axis);
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
  return D.logSoftmax(x, axis);
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
  return D.logSoftmaxGrad(g, y, axis);
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
  return D.logSumExpGrad(g, x, y, axis);
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
  if (ord === 1) return sum(D.abs(x), axis, keepDims);
  if (ord !== 2 && ord !== 'fro') throw new RangeError(`norm: ord must be 1, 2 or 'fro', got ${JSON.stringify(ord)}`);
  return D.norm(x, axis, keepDims);
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
  return D.sumTo(x, shape);
}

/**
 * The inner product of two tensors of the same shape: Σ a·b, a scalar (used for
 * Hessian-vector products: `grad(x => dot(grad(f)(x), v))`).
 * @param a - a tensor
 * @param b - a tensor of a's shape
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
  return sum(D.mul(va, vb));
}
