/**
 * The elementwise ops: one public wrapper per unary and binary primitive (its result dtype from the
 * primitives table), and where, clip and cast. Operands may be plain numbers, which take the other
 * operand's dtype.
 */
import { assertDType, isFloat, promoteTypes, type DType } from '../dtype.js';
import { resultDType, type BinaryOp, type UnaryOp } from '../primitives.js';
import { getBackend } from '../registry.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from '../creation.js';

// ---------------------------------------------------------------- one operand

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
/** The error function 2/√π ∫₀ˣ e^(−t²) dt (int32 input gives float32). @param x - the input @example erf(tensor([0, 0.5]))  // [0, 0.5205] */
export const erf = (x: TensorLike): Tensor => unary('erf', x);

// ---------------------------------------------------------------- two operands, NumPy broadcasting

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
