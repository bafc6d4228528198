/**
 * Reductions over axes (sum, max, min, logSumExp, mean, argmax, argmin), the normalisations along
 * one axis (softmax, logSoftmax) and their fused gradients (logSoftmaxGrad, logSumExpGrad).
 */
import type { Backend } from '../backend.js';
import { getBackend } from '../registry.js';
import { resultDType, type ArgReduceOp, type ReduceOp } from '../primitives.js';
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toFloatTensor, toTensor, type TensorLike } from '../creation.js';
import { cast, div } from './elementwise.js';

function reduce(op: ReduceOp, x: TensorLike, axis: number | readonly number[] | undefined, keepDims: boolean, name: string): Tensor {
  const t = toTensor(x, 'x');
  const axes = normalizeAxes(axis, t.rank, 'axis');
  if (typeof keepDims !== 'boolean') throw new TypeError(`${name}: keepDims must be a boolean, got ${String(keepDims)}`);
  const reduced = getBackend().reduce(op, t, axes, resultDType(op, t.dtype));
  return keepDims ? getBackend().reshape(reduced, reducedShape(t.shape, axes, true)) : reduced;
}

/**
 * Sum over `axis` (an axis, a list, or every axis when omitted).
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), -1)  // [3, 7]
 * ```
 */
export function sum(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduce('sum', x, axis, keepDims, 'sum');
}

/**
 * Maximum over `axis` (every axis when omitted); -Infinity for an empty axis.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 *
 * @example
 * ```ts
 * max(tensor([1, 3, 2]))  // 3
 * ```
 */
export function max(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduce('max', x, axis, keepDims, 'max');
}

/**
 * Minimum over `axis` (every axis when omitted); Infinity for an empty axis.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 *
 * @example
 * ```ts
 * min(tensor([1, 3, 2]))  // 1
 * ```
 */
export function min(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduce('min', x, axis, keepDims, 'min');
}

/**
 * log(sum(exp(x))) over `axis`, computed stably by shifting by the maximum.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 * @example
 * ```ts
 * logSumExp(tensor([0, 0]))  // 0.6931
 * ```
 */
export function logSumExp(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduce('logSumExp', x, axis, keepDims, 'logSumExp');
}

/**
 * Mean over `axis` (every axis when omitted); int32 input gives float32. The mean of an empty axis is NaN, as in NumPy.
 * @param x - the input
 * @param axis - the axis or axes to reduce (default: every axis)
 * @param keepDims - keep the reduced axes as size 1 (default false)
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]]), 0)  // [2, 3]
 * ```
 */
export function mean(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = toFloatTensor(x, 'x');
  const axes = normalizeAxes(axis, t.rank, 'axis');
  let count = 1;
  for (const a of axes) count *= t.shape[a]!;
  const s = sum(t, axes, keepDims);
  return div(s, count);
}

function argReduce(op: ArgReduceOp, x: TensorLike, axis: number | undefined, keepDims: boolean): Tensor {
  let t = toTensor(x, 'x');
  let ax: number;
  if (axis === undefined) {
    t = getBackend().reshape(t, [t.size]);
    ax = 0;
  } else ax = normalizeAxis(axis, t.rank, 'axis');
  if (t.shape[ax] === 0) throw new RangeError(`${op}: cannot take ${op} over an empty axis (shape ${formatShape(t.shape)})`);
  const out = getBackend().argReduce(op, t, ax);
  if (!keepDims || axis === undefined) return out;
  return getBackend().reshape(out, reducedShape(t.shape, [ax], true));
}

/**
 * Index (int32) of the first maximum along `axis`, or of the flattened tensor when omitted.
 * @param x - the input
 * @param axis - the axis to search (default: the flattened input)
 * @param keepDims - keep the searched axis as size 1 (default false; only with `axis`)
 *
 * @example
 * ```ts
 * argmax(tensor([[1, 3], [4, 2]]), 1)  // [1, 0]
 * ```
 */
export function argmax(x: TensorLike, axis?: number, keepDims = false): Tensor {
  return argReduce('argmax', x, axis, keepDims);
}

/**
 * Index (int32) of the first minimum along `axis`, or of the flattened tensor when omitted.
 * @param x - the input
 * @param axis - the axis to search (default: the flattened input)
 * @param keepDims - keep the searched axis as size 1 (default false; only with `axis`)
 *
 * @example
 * ```ts
 * argmin(tensor([3, 1, 2]))  // 1
 * ```
 */
export function argmin(x: TensorLike, axis?: number, keepDims = false): Tensor {
  return argReduce('argmin', x, axis, keepDims);
}

/**
 * exp(x) / sum(exp(x)) along `axis` (default -1), computed stably.
 * @param x - the input
 * @param axis - the axis to normalise over (default -1)
 *
 * @example
 * ```ts
 * softmax(tensor([0, 0]))  // [0.5, 0.5]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const f = toFloatTensor(x, 'x');
  return getBackend().softmax(f, normalizeAxis(axis, f.rank, 'axis'));
}

/**
 * x - logSumExp(x) along `axis` (default -1), computed stably.
 * @param x - the input
 * @param axis - the axis to normalise over (default -1)
 *
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0]))  // [-0.6931, -0.6931]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const f = toFloatTensor(x, 'x');
  return getBackend().logSoftmax(f, normalizeAxis(axis, f.rank, 'axis'));
}

/**
 * The gradient of {@link logSoftmax} along `axis`: `dy - exp(y) * sum(dy, axis, keepDims)`, given
 * its output `y` and the gradient `dy` arriving at it: one fused kernel where the backend has one
 * (cpu), else the composition of its primitives.
 * @param dy - the incoming gradient, y's shape
 * @param y - the output of `logSoftmax(x, axis)`
 * @param axis - the normalised axis (default -1)
 * @throws RangeError when the shapes differ
 * @example
 * ```ts
 * logSoftmaxGrad(tensor([1, 0]), logSoftmax(tensor([0, 0])))  // [0.5, -0.5]
 * ```
 */
export function logSoftmaxGrad(dy: TensorLike, y: TensorLike, axis = -1): Tensor {
  const fy = toFloatTensor(y, 'y');
  const tdy = toTensor(dy, 'dy', fy.dtype);
  if (!shapesEqual(tdy.shape, fy.shape)) {
    throw new RangeError(`logSoftmaxGrad: dy has shape ${formatShape(tdy.shape)} but y has shape ${formatShape(fy.shape)}`);
  }
  const fdy = tdy.dtype === fy.dtype ? tdy : cast(tdy, fy.dtype);
  const a = normalizeAxis(axis, fy.rank, 'axis');
  const backend = getBackend();
  return backend.logSoftmaxGrad !== undefined ? backend.logSoftmaxGrad(fdy, fy, a) : composedLogSoftmaxGrad(backend, fdy, fy, a);
}

/**
 * `dy - exp(y) · sum(dy, axis)` from a backend's primitives (a sum, exp, a broadcast product and a
 * difference), for backends without a fused {@link Backend.logSoftmaxGrad}.
 */
function composedLogSoftmaxGrad(backend: Backend, dy: Tensor, y: Tensor, axis: number): Tensor {
  const total = backend.reduce('sum', dy, [axis], dy.dtype);
  const totalKept = backend.reshape(total, reducedShape(y.shape, [axis], true));
  const probabilities = backend.unary('exp', y, y.dtype);
  const scaled = backend.binary('mul', probabilities, totalKept, y.shape, y.dtype);
  const result = backend.binary('sub', dy, scaled, y.shape, y.dtype);
  for (const t of [total, totalKept, probabilities, scaled]) t.dispose();
  return result;
}

/**
 * The gradient of {@link logSumExp} over `axis`: `dy * exp(x - y)`, given its input `x`, its output
 * `y` and the gradient `dy` arriving at it: one backend call, which a backend may fuse (none does
 * today; see the composition below). `dy` and `y` have the reduced shape, with or without the
 * reduced axes kept as size 1; the result has x's shape. Where x and y are both -Infinity the
 * result is NaN (exp(-inf - -inf)), as the composed formula gives.
 * @param dy - the incoming gradient, y's shape
 * @param x - the input of `logSumExp(x, axis)`
 * @param y - the output of `logSumExp(x, axis)`
 * @param axis - the reduced axes (default: all)
 * @throws RangeError when dy or y does not have the reduced shape
 * @example
 * ```ts
 * logSumExpGrad(tensor([1]), tensor([0, 0]), logSumExp(tensor([0, 0]), 0, true))  // [0.5, 0.5]
 * ```
 */
export function logSumExpGrad(dy: TensorLike, x: TensorLike, y: TensorLike, axis?: number | readonly number[]): Tensor {
  const fx = toFloatTensor(x, 'x');
  const axes = normalizeAxes(axis, fx.rank, 'axis');
  const keptShape = reducedShape(fx.shape, axes, true);
  const droppedShape = reducedShape(fx.shape, axes, false);
  const asKept = (v: TensorLike, name: string): Tensor => {
    const t = toTensor(v, name, fx.dtype);
    if (!shapesEqual(t.shape, keptShape) && !shapesEqual(t.shape, droppedShape)) {
      throw new RangeError(`logSumExpGrad: ${name} has shape ${formatShape(t.shape)} but the reduced shape is ${formatShape(keptShape)}`);
    }
    const f = t.dtype === fx.dtype ? t : cast(t, fx.dtype);
    return shapesEqual(f.shape, keptShape) ? f : getBackend().reshape(f, keptShape);
  };
  const keptDy = asKept(dy, 'dy');
  const keptY = asKept(y, 'y');
  const backend = getBackend();
  return backend.logSumExpGrad !== undefined ? backend.logSumExpGrad(keptDy, fx, keptY) : composedLogSumExpGrad(backend, keptDy, fx, keptY);
}

/**
 * `dy · exp(x - y)` from a backend's primitives (a broadcast difference, exp, a broadcast product),
 * for backends without a fused {@link Backend.logSumExpGrad}. dy and y have the kept-dims shape, so
 * broadcasting places them; where x and y are both -Infinity the difference is NaN, and so the result.
 */
function composedLogSumExpGrad(backend: Backend, dy: Tensor, x: Tensor, y: Tensor): Tensor {
  const shifted = backend.binary('sub', x, y, x.shape, x.dtype);
  const weights = backend.unary('exp', shifted, x.dtype);
  const result = backend.binary('mul', dy, weights, x.shape, x.dtype);
  for (const t of [shifted, weights]) t.dispose();
  return result;
}
