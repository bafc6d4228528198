import { resultDType, type BinaryOp, type ReduceOp, type UnaryOp } from './primitives.js';
import { assertDType, isFloat, promoteTypes, type DType } from './dtype.js';
import { getBackend } from './registry.js';
import {
  assertShape, broadcastShapes, formatShape, normalizeAxes, normalizeAxis, reducedShape, shapesEqual, sizeOf, type Shape,
} from './shape.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './creation.js';

// ---------------------------------------------------------------- elementwise unary

function unary(op: UnaryOp, x: TensorLike): Tensor {
  const t = toTensor(x, 'x');
  return getBackend().unary(op, t, resultDType(op, t.dtype));
}

/** -x, elementwise. @param x - the input @example neg(tensor([1, -2]))  // [-1, 2] */
export const neg = (x: TensorLike): Tensor => unary('neg', x);
/** e^x, elementwise. @param x - the input @example exp(tensor([0, 1]))  // [1, 2.7183] */
export const exp = (x: TensorLike): Tensor => unary('exp', x);
/** e^x - 1, accurate near 0. @param x - the input @example expm1(tensor([1e-8])) */
export const expm1 = (x: TensorLike): Tensor => unary('expm1', x);
/** Natural logarithm, elementwise (log 0 = -Infinity). @param x - the input @example log(tensor([1, Math.E]))  // [0, 1] */
export const log = (x: TensorLike): Tensor => unary('log', x);
/** log(1 + x), accurate near 0. @param x - the input @example log1p(tensor([1e-8])) */
export const log1p = (x: TensorLike): Tensor => unary('log1p', x);
/** Square root. @param x - the input @example sqrt(tensor([4, 9]))  // [2, 3] */
export const sqrt = (x: TensorLike): Tensor => unary('sqrt', x);
/** 1 / sqrt(x). @param x - the input @example rsqrt(tensor([4]))  // [0.5] */
export const rsqrt = (x: TensorLike): Tensor => unary('rsqrt', x);
/** x * x. @param x - the input @example square(tensor([3]))  // [9] */
export const square = (x: TensorLike): Tensor => unary('square', x);
/** 1 / x. @param x - the input @example reciprocal(tensor([4]))  // [0.25] */
export const reciprocal = (x: TensorLike): Tensor => unary('reciprocal', x);
/** |x|. @param x - the input @example abs(tensor([-1, 2]))  // [1, 2] */
export const abs = (x: TensorLike): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of x. @param x - the input @example sign(tensor([-3, 0, 2]))  // [-1, 0, 1] */
export const sign = (x: TensorLike): Tensor => unary('sign', x);
/** Hyperbolic tangent. @param x - the input @example tanh(tensor([0]))  // [0] */
export const tanh = (x: TensorLike): Tensor => unary('tanh', x);
/** 1 / (1 + e^-x), stable for large |x|. @param x - the input @example sigmoid(tensor([0]))  // [0.5] */
export const sigmoid = (x: TensorLike): Tensor => unary('sigmoid', x);
/** log(1 + e^x), stable for large |x|. @param x - the input @example softplus(tensor([0]))  // [0.6931] */
export const softplus = (x: TensorLike): Tensor => unary('softplus', x);
/** max(x, 0). @param x - the input @example relu(tensor([-1, 2]))  // [0, 2] */
export const relu = (x: TensorLike): Tensor => unary('relu', x);
/** Largest integer <= x. @param x - the input @example floor(tensor([1.5]))  // [1] */
export const floor = (x: TensorLike): Tensor => unary('floor', x);
/** Smallest integer >= x. @param x - the input @example ceil(tensor([1.5]))  // [2] */
export const ceil = (x: TensorLike): Tensor => unary('ceil', x);
/** Nearest integer, halves away from zero. @param x - the input @example round(tensor([1.5]))  // [2] */
export const round = (x: TensorLike): Tensor => unary('round', x);
/** Sine. @param x - the input @example sin(tensor([0]))  // [0] */
export const sin = (x: TensorLike): Tensor => unary('sin', x);
/** Cosine. @param x - the input @example cos(tensor([0]))  // [1] */
export const cos = (x: TensorLike): Tensor => unary('cos', x);

// ---------------------------------------------------------------- elementwise binary

/** Converts two operands, letting a plain number take the other operand's dtype. */
function operands(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b !== 'number') {
    const tb = toTensor(b, 'b');
    return [toTensor(a, 'a', tb.dtype), tb];
  }
  const ta = toTensor(a, 'a');
  return [ta, toTensor(b, 'b', ta.dtype)];
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(a, b);
  const outShape = shapesEqual(ta.shape, tb.shape) ? ta.shape : broadcastShapes(ta.shape, tb.shape, op);
  return getBackend().binary(op, ta, tb, outShape, resultDType(op, promoteTypes(ta.dtype, tb.dtype)));
}

/**
 * a + b with NumPy broadcasting.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * add(tensor([1, 2]), 10)  // [11, 12]
 * ```
 */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/**
 * a - b with broadcasting.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * sub(tensor([[1], [2]]), tensor([1, 2]))  // [[0, -1], [1, 0]]
 * ```
 */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/**
 * a * b with broadcasting.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * mul(tensor([1, 2]), 3)  // [3, 6]
 * ```
 */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/**
 * a / b with broadcasting (true division: int32 / int32 gives float32).
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * div(1, tensor([2]))  // [0.5]
 * ```
 */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/**
 * a ** b with broadcasting.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2)  // [4, 9]
 * ```
 */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/**
 * Elementwise larger of a and b.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * maximum(tensor([1, 5]), 3)  // [3, 5]
 * ```
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/**
 * Elementwise smaller of a and b.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * minimum(tensor([1, 5]), 3)  // [1, 3]
 * ```
 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/**
 * 1 where a == b, else 0 (in the promoted dtype).
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * equal(tensor([1, 2]), 2)  // [0, 1]
 * ```
 */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', a, b);
/**
 * 1 where a != b, else 0.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * notEqual(tensor([1, 2]), 2)  // [1, 0]
 * ```
 */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binary('notEqual', a, b);
/**
 * 1 where a < b, else 0.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * less(tensor([1, 2]), 2)  // [1, 0]
 * ```
 */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('less', a, b);
/**
 * 1 where a <= b, else 0.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * lessEqual(tensor([1, 2]), 2)  // [1, 1]
 * ```
 */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary('lessEqual', a, b);
/**
 * 1 where a > b, else 0.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * greater(tensor([1, 2]), 1)  // [0, 1]
 * ```
 */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', a, b);
/**
 * 1 where a >= b, else 0.
 * @param a - the left operand
 * @param b - the right operand (broadcasts with `a`)
 *
 * @example
 * ```ts
 * greaterEqual(tensor([1, 2]), 2)  // [0, 1]
 * ```
 */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binary('greaterEqual', a, b);

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere; all three broadcast together.
 * @param cond - the condition: non-zero picks `a`
 * @param a - the values where `cond` is non-zero
 * @param b - the values where `cond` is zero
 * @example
 * ```ts
 * where(tensor([1, 0]), tensor([1, 2]), tensor([3, 4]))  // [1, 4]
 * ```
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const tc = toTensor(cond, 'cond');
  const [ta, tb] = operands(a, b);
  const outShape = broadcastShapes(broadcastShapes(tc.shape, ta.shape, 'where'), tb.shape, 'where');
  return getBackend().where(tc, ta, tb, outShape, promoteTypes(ta.dtype, tb.dtype));
}

/**
 * Limits every element to [low, high].
 * @param x - the input
 * @param low - the lower bound
 * @param high - the upper bound (>= low)
 * @example
 * ```ts
 * clip(tensor([-2, 0.5, 3]), 0, 1)  // [0, 0.5, 1]
 * ```
 */
export function clip(x: TensorLike, low: number, high: number): Tensor {
  if (typeof low !== 'number' || typeof high !== 'number' || Number.isNaN(low) || Number.isNaN(high) || low > high) {
    throw new RangeError(`clip: expected numbers low <= high, got low=${String(low)}, high=${String(high)}`);
  }
  const t = toTensor(x, 'x');
  // Float tensors take the fused primitive; int32 keeps the composition, whose bounds convert to int32 first.
  return isFloat(t.dtype) ? getBackend().clip(t, low, high) : minimum(maximum(t, low), high);
}

/**
 * Converts to another dtype (float to int32 truncates toward zero).
 * @param x - the input
 * @param dtype - the target dtype
 * @example
 * ```ts
 * cast(tensor([1.7, -1.7]), 'int32')  // [1, -1]
 * ```
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'x');
  const d = assertDType(dtype);
  return t.dtype === d ? t : getBackend().cast(t, d);
}

// ---------------------------------------------------------------- reductions

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
  const t = floatTensor(x, 'x');
  const axes = normalizeAxes(axis, t.rank, 'axis');
  let count = 1;
  for (const a of axes) count *= t.shape[a]!;
  const s = sum(t, axes, keepDims);
  return div(s, count);
}

function argReduce(op: 'argmax' | 'argmin', x: TensorLike, axis: number | undefined, keepDims: boolean): Tensor {
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

/** `x` as a tensor, int32 promoted to float32 (for ops whose results are fractional). */
function floatTensor(x: TensorLike, name: string): Tensor {
  const t = toTensor(x, name);
  return t.dtype === 'int32' ? cast(t, 'float32') : t;
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
  const f = floatTensor(x, 'x');
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
  const f = floatTensor(x, 'x');
  return getBackend().logSoftmax(f, normalizeAxis(axis, f.rank, 'axis'));
}

/**
 * The gradient of {@link logSoftmax} along `axis`: `dy - exp(y) * sum(dy, axis, keepDims)`, given
 * its output `y` and the gradient `dy` arriving at it, in one fused kernel.
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
  const fy = floatTensor(y, 'y');
  const tdy = toTensor(dy, 'dy', fy.dtype);
  if (!shapesEqual(tdy.shape, fy.shape)) {
    throw new RangeError(`logSoftmaxGrad: dy has shape ${formatShape(tdy.shape)} but y has shape ${formatShape(fy.shape)}`);
  }
  const fdy = tdy.dtype === fy.dtype ? tdy : cast(tdy, fy.dtype);
  return getBackend().logSoftmaxGrad(fdy, fy, normalizeAxis(axis, fy.rank, 'axis'));
}

/**
 * The gradient of {@link logSumExp} over `axis`: `dy * exp(x - y)`, given its input `x`, its output
 * `y` and the gradient `dy` arriving at it, in one fused kernel. `dy` and `y` have the reduced
 * shape, with or without the reduced axes kept as size 1; the result has x's shape. Where x and y
 * are both -Infinity the result is NaN (exp(-inf - -inf)), as the composed formula gives.
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
  const fx = floatTensor(x, 'x');
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
  return getBackend().logSumExpGrad(asKept(dy, 'dy'), fx, asKept(y, 'y'));
}

/**
 * Runs `fn` as a scratch scope of the current backend: every tensor the backend makes meanwhile
 * is treated as a temporary whose memory may be reused by later ops, except the tensors
 * `keep(result)` lists (and views sharing their storage). The autograd engine runs each backward
 * pass this way; the caller promises that nothing else made inside `fn` is used afterwards.
 * Backends without the hooks just run `fn`. If `fn` throws, nothing is reused.
 *
 * @param fn - the computation
 * @param keep - the tensors of the result that live on
 * @returns what `fn` returns
 * @example
 * ```ts
 * const y = withScratch(() => add(mul(x, 2), 1), (r) => [r]);   // the product's memory is recycled
 * ```
 */
export function withScratch<R>(fn: () => R, keep: (result: R) => readonly Tensor[]): R {
  const backend = getBackend();
  if (backend.beginScratch === undefined || backend.endScratch === undefined) return fn();
  backend.beginScratch();
  let kept: readonly Tensor[] | null = null;
  try {
    const result = fn();
    kept = keep(result);
    return result;
  } finally {
    backend.endScratch(kept);
  }
}

// ---------------------------------------------------------------- shape ops

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

// ---------------------------------------------------------------- indexing

/**
 * The largest value of each int32 index tensor already checked to hold no negative index. Tensors
 * are immutable, so a gather and its adjoint's scatter (or every step of a recurrence reusing one
 * index tensor) check the same indices once, then compare one number with the bound.
 */
const checkedIndexMax = new WeakMap<Tensor, number>();

/** Converts indices to int32, checking integrality and range when reading them is free. */
function indexTensor(indices: TensorLike, argName: string, bound: number, opName: string): Tensor {
  let t = toTensor(indices, argName, 'int32');
  const backend = getBackend();
  const knownMax = t.dtype === 'int32' ? checkedIndexMax.get(t) : undefined;
  if (knownMax !== undefined && knownMax < bound) return t;
  if (backend.readIsFree || !(indices instanceof Tensor)) {
    const values = t.dataNoCopy();
    let max = -1;
    if (values instanceof Int32Array) {
      // Int32 values are integers: only the range needs checking, and one min/max pass (no
      // per-element branch to the error) costs a fraction of the general loop below. CTC builds
      // fresh index tensors of ~10^5 entries on every call, so this check ran on all of them.
      let min = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        min = v < min ? v : min;
        max = v > max ? v : max;
      }
      if (min >= 0 && max < bound) {
        checkedIndexMax.set(t, max);
        return t;
      }
      max = -1;
    }
    // The general check; for int32 input it only runs to name the first index out of range.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= bound) {
        throw new RangeError(`${opName}: ${argName} must hold integers in [0, ${bound}), found ${v} at flat position ${i}`);
      }
      if (v > max) max = v;
    }
    if (t.dtype === 'int32') checkedIndexMax.set(t, max);
  }
  if (t.dtype !== 'int32') t = backend.cast(t, 'int32');
  return t;
}

/**
 * TF-style gather: takes the slices of `x` along `axis` at `indices` (any shape).
 * Result shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * @param x - the input
 * @param indices - integer indices into `axis`, of any shape
 * @param axis - the axis to take from (default 0)
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4]]), [1, 1, 0])  // [[3, 4], [3, 4], [1, 2]]
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  return getBackend().gather(t, indexTensor(indices, 'indices', t.shape[a]!, 'gather'), a);
}

/**
 * The adjoint of {@link gather}: adds each slice of `updates` into a zero tensor of `shape` at
 * the position along `axis` that its index names (repeated indices accumulate).
 * @param updates - the slices to add, shaped like the result of the matching {@link gather}
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 * @example
 * ```ts
 * scatterAdd(tensor([1, 2, 3]), [0, 0, 2], 0, [3])  // [3, 0, 3]
 * ```
 */
export function scatterAdd(updates: TensorLike, indices: TensorLike, axis: number, shape: Shape): Tensor {
  const u = toTensor(updates, 'updates');
  const out = assertShape(shape, 'scatterAdd: shape');
  const a = normalizeAxis(axis, out.length, 'axis');
  const idx = indexTensor(indices, 'indices', out[a]!, 'scatterAdd');
  const expected = [...out.slice(0, a), ...idx.shape, ...out.slice(a + 1)];
  if (!shapesEqual(u.shape, expected)) {
    throw new RangeError(`scatterAdd: updates has shape ${formatShape(u.shape)} but indices ${formatShape(idx.shape)} into shape ${formatShape(out)} along axis ${a} need ${formatShape(expected)}`);
  }
  return getBackend().scatterAdd(u, idx, a, out);
}

function checkAlongAxis(x: Shape, idx: Shape, a: number, opName: string, xName: string): void {
  if (idx.length !== x.length || idx.some((d, i) => i !== a && d !== x[i])) {
    throw new RangeError(`${opName}: indices shape ${formatShape(idx)} must match ${xName} shape ${formatShape(x)} on every axis except ${a}`);
  }
}

/**
 * NumPy `take_along_axis` (torch.gather): `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis`.
 * @param x - the input
 * @param indices - integer indices, of x's rank
 * @param axis - the axis to index along
 * @example
 * ```ts
 * takeAlongAxis(tensor([[1, 2], [3, 4]]), tensor([[1], [0]], undefined, 'int32'), 1)  // [[2], [3]]
 * ```
 */
export function takeAlongAxis(x: TensorLike, indices: TensorLike, axis: number): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  const idx = indexTensor(indices, 'indices', t.shape[a]!, 'takeAlongAxis');
  checkAlongAxis(t.shape, idx.shape, a, 'takeAlongAxis', 'x');
  return getBackend().takeAlongAxis(t, idx, a);
}

/**
 * The adjoint of {@link takeAlongAxis}: zeros of `shape` with `updates` added at the positions
 * `indices` names along `axis` (repeated indices accumulate).
 * @param updates - the values to add, of the shape of `indices`
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 * @example
 * ```ts
 * scatterAlongAxis(tensor([[5]]), tensor([[1]], undefined, 'int32'), 1, [1, 3])  // [[0, 5, 0]]
 * ```
 */
export function scatterAlongAxis(updates: TensorLike, indices: TensorLike, axis: number, shape: Shape): Tensor {
  const u = toTensor(updates, 'updates');
  const out = assertShape(shape, 'scatterAlongAxis: shape');
  const a = normalizeAxis(axis, out.length, 'axis');
  const idx = indexTensor(indices, 'indices', out[a]!, 'scatterAlongAxis');
  checkAlongAxis(out, idx.shape, a, 'scatterAlongAxis', 'output');
  if (!shapesEqual(u.shape, idx.shape)) throw new RangeError(`scatterAlongAxis: updates shape ${formatShape(u.shape)} must equal indices shape ${formatShape(idx.shape)}`);
  return getBackend().scatterAlongAxis(u, idx, a, out);
}

/**
 * MXNet's pick: the element of `x` along `axis` at `index`, where `index` has x's shape without
 * that axis (or with it as size 1). Unlike MXNet, an out-of-range index is an error, not clipped.
 * @param x - the input
 * @param index - the indices to pick, with x's shape less `axis`
 * @param axis - the axis to pick along (default -1)
 * @param keepDims - keep the picked axis as size 1 (default false)
 * @example
 * ```ts
 * pick(tensor([[1, 2], [3, 4]]), [1, 0])  // [2, 3]
 * ```
 */
export function pick(x: TensorLike, index: TensorLike, axis = -1, keepDims = false): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  let idx = toTensor(index, 'index', 'int32');
  const without = t.shape.filter((_, i) => i !== a);
  const withOne = reducedShape(t.shape, [a], true);
  if (shapesEqual(idx.shape, without)) idx = getBackend().reshape(idx, withOne);
  else if (!shapesEqual(idx.shape, withOne)) {
    throw new RangeError(`pick: index shape ${formatShape(idx.shape)} must be x shape ${formatShape(t.shape)} without axis ${a} (${formatShape(without)})`);
  }
  const picked = getBackend().takeAlongAxis(t, indexTensor(idx, 'index', t.shape[a]!, 'pick'), a);
  return keepDims ? picked : getBackend().reshape(picked, without);
}

/**
 * One-hot rows of length `depth` for integer `indices`; out-of-range indices give rows of `offValue`.
 * @param indices - integer class indices
 * @param depth - the length of each one-hot row
 * @param onValue - the value at the index (default 1)
 * @param offValue - the value elsewhere (default 0)
 * @param dtype - the result's element type (default float32)
 * @example
 * ```ts
 * oneHot([0, 2], 3)  // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`oneHot: depth must be a non-negative integer, got ${String(depth)}`);
  let t = toTensor(indices, 'indices', 'int32');
  if (t.dtype !== 'int32') t = getBackend().cast(t, 'int32');
  return getBackend().oneHot(t, depth, onValue, offValue, assertDType(dtype));
}

// ---------------------------------------------------------------- matmul

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (a) or column (b) and
 * the added axis removed afterwards; leading batch axes broadcast.
 * @param a - the left operand
 * @param b - the right operand
 * @param transposeA - use the transpose of `a`'s last two axes (default false)
 * @param transposeB - use the transpose of `b`'s last two axes (default false)
 * @example
 * ```ts
 * matmul(tensor([[1, 2]]), tensor([[3], [4]]))  // [[11]]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  let ta = toTensor(a, 'a');
  let tb = toTensor(b, 'b');
  if (ta.rank === 0 || tb.rank === 0) throw new RangeError(`matmul: operands must have rank >= 1, got shapes ${formatShape(ta.shape)} and ${formatShape(tb.shape)}`);
  const aVector = ta.rank === 1;
  const bVector = tb.rank === 1;
  const backend = getBackend();
  if (aVector) ta = backend.reshape(ta, [1, ta.shape[0]!]);
  if (bVector) tb = backend.reshape(tb, [tb.shape[0]!, 1]);
  const [m, k] = transposeA ? [ta.shape[ta.rank - 1]!, ta.shape[ta.rank - 2]!] : [ta.shape[ta.rank - 2]!, ta.shape[ta.rank - 1]!];
  const [k2, n] = transposeB ? [tb.shape[tb.rank - 1]!, tb.shape[tb.rank - 2]!] : [tb.shape[tb.rank - 2]!, tb.shape[tb.rank - 1]!];
  if (k !== k2) {
    throw new RangeError(`matmul: inner dimensions differ: a ${formatShape(ta.shape)}${transposeA ? ' (transposed)' : ''} has ${k} columns, b ${formatShape(tb.shape)}${transposeB ? ' (transposed)' : ''} has ${k2} rows`);
  }
  const batch = broadcastShapes(ta.shape.slice(0, -2), tb.shape.slice(0, -2), 'matmul batch axes');
  const rank = batch.length + 2;
  if (ta.rank < rank) ta = backend.reshape(ta, [...new Array<number>(rank - ta.rank).fill(1), ...ta.shape]);
  if (tb.rank < rank) tb = backend.reshape(tb, [...new Array<number>(rank - tb.rank).fill(1), ...tb.shape]);
  let outDtype = promoteTypes(ta.dtype, tb.dtype);
  if (ta.dtype !== outDtype) ta = backend.cast(ta, outDtype);
  if (tb.dtype !== outDtype) tb = backend.cast(tb, outDtype);
  const out = backend.matmul(ta, tb, transposeA, transposeB, [...batch, m, n], outDtype);
  if (!aVector && !bVector) return out;
  const finalShape = [...batch, ...(aVector ? [] : [m]), ...(bVector ? [] : [n])];
  return backend.reshape(out, finalShape);
}

