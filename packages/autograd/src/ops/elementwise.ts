/**
 * The public elementwise ops. Each is its row of the derivatives table (`src/derivatives.ts`,
 * which holds its forward call and gradient rule), documented here with the conventions its
 * gradient follows; logSigmoid is a composite.
 */
import type { DType } from '@lossgraph/tensor';
import * as D from '../derivatives.js';
import type { BinaryFn, UnaryFn } from '../op-types.js';
import { toVariable, type Variable, type VariableLike } from '../variable.js';

// ---------------------------------------------------------------- unary: d/dx

/** -x. d/dx = -1. @example neg(x) */
export const neg: UnaryFn = D.neg;
/** x². d/dx = 2x. @example square(x) */
export const square: UnaryFn = D.square;
/** √x. d/dx = 1 / (2√x). @example sqrt(x) */
export const sqrt: UnaryFn = D.sqrt;
/** 1/√x. d/dx = -x^(-3/2) / 2 = -y³/2. @example rsqrt(x) */
export const rsqrt: UnaryFn = D.rsqrt;
/** 1/x. d/dx = -1/x² = -y². @example reciprocal(x) */
export const reciprocal: UnaryFn = D.reciprocal;
/** eˣ. d/dx = eˣ = y. @example exp(x) */
export const exp: UnaryFn = D.exp;
/** eˣ - 1, accurate near 0. d/dx = eˣ = y + 1. @example expm1(x) */
export const expm1: UnaryFn = D.expm1;
/** ln x. d/dx = 1/x. @example log(x) */
export const log: UnaryFn = D.log;
/** ln(1 + x), accurate near 0. d/dx = 1/(1 + x). @example log1p(x) */
export const log1p: UnaryFn = D.log1p;
/** |x|. d/dx = sign(x) (0 at 0, a subgradient). @example abs(x) */
export const abs: UnaryFn = D.abs;
/** sin x. d/dx = cos x. @example sin(x) */
export const sin: UnaryFn = D.sin;
/** cos x. d/dx = -sin x. @example cos(x) */
export const cos: UnaryFn = D.cos;
/** The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt. d/dx = 2/√π · e^(−x²). @example erf(x) */
export const erf: UnaryFn = D.erf;
/** tanh x. d/dx = 1 - tanh²x = 1 - y². @example tanh(x) */
export const tanh: UnaryFn = D.tanh;
/** σ(x) = 1/(1 + e⁻ˣ). d/dx = σ(x)(1 - σ(x)) = y(1 - y). @example sigmoid(x) */
export const sigmoid: UnaryFn = D.sigmoid;
/** ln(1 + eˣ), stable for large |x|. d/dx = σ(x). @example softplus(x) */
export const softplus: UnaryFn = D.softplus;
/** max(x, 0). d/dx = 1 where x > 0, else 0 (0 at 0, as in PyTorch). @example relu(x) */
export const relu: UnaryFn = D.relu;

/** -1, 0 or 1 by the sign of x. Piecewise constant: the result is a constant (no gradient). @example sign(x) */
export const sign: UnaryFn = D.sign;
/** Largest integer <= x; a constant (no gradient). @example floor(x) */
export const floor: UnaryFn = D.floor;
/** Smallest integer >= x; a constant (no gradient). @example ceil(x) */
export const ceil: UnaryFn = D.ceil;
/** Nearest integer, halves away from zero; a constant (no gradient). @example round(x) */
export const round: UnaryFn = D.round;

// ---------------------------------------------------------------- binary: d/da, d/db

/** a + b (broadcasting). d/da = 1, d/db = 1. @example add(x, 1) */
export const add: BinaryFn = D.add;
/** a - b (broadcasting). d/da = 1, d/db = -1. @example sub(x, y) */
export const sub: BinaryFn = D.sub;
/** a · b (broadcasting). d/da = b, d/db = a. @example mul(x, w) */
export const mul: BinaryFn = D.mul;
/** a / b (broadcasting). d/da = 1/b, d/db = -a/b² = -y/b. @example div(x, 2) */
export const div: BinaryFn = D.div;

/**
 * xᵖ (broadcasting). d/dx = p·x^(p-1), taken as 0 where p = 0 (so 0⁰ has no NaN gradient);
 * d/dp = xᵖ·ln x, taken as 0 where x <= 0 (where it is real only at integer p and undefined at 0).
 * @example
 * ```ts
 * pow(x, 3)
 * ```
 */
export const pow: BinaryFn = D.pow;

/**
 * Elementwise larger of a and b (broadcasting). The gradient goes to the larger operand; at a tie
 * it is split equally (1/2 each), as in PyTorch.
 * @example
 * ```ts
 * maximum(x, 0)
 * ```
 */
export const maximum: BinaryFn = D.maximum;
/**
 * Elementwise smaller of a and b (broadcasting). The gradient goes to the smaller operand; at a
 * tie it is split equally (1/2 each).
 * @example
 * ```ts
 * minimum(x, 1)
 * ```
 */
export const minimum: BinaryFn = D.minimum;

/** 1 where a == b, else 0; a constant (no gradient). @example equal(x, 0) */
export const equal: BinaryFn = D.equal;
/** 1 where a != b, else 0; a constant (no gradient). @example notEqual(x, 0) */
export const notEqual: BinaryFn = D.notEqual;
/** 1 where a < b, else 0; a constant (no gradient). @example less(x, 0) */
export const less: BinaryFn = D.less;
/** 1 where a <= b, else 0; a constant (no gradient). @example lessEqual(x, 0) */
export const lessEqual: BinaryFn = D.lessEqual;
/** 1 where a > b, else 0; a constant (no gradient). @example greater(x, 0) */
export const greater: BinaryFn = D.greater;
/** 1 where a >= b, else 0; a constant (no gradient). @example greaterEqual(x, 0) */
export const greaterEqual: BinaryFn = D.greaterEqual;

// ---------------------------------------------------------------- where, clip, cast

/**
 * `a` where `cond` is non-zero, else `b`; all three broadcast together. d/da = [cond], d/db = [not cond];
 * `cond` gets no gradient.
 *
 * @param cond - the selector (any dtype; non-zero means true)
 * @param a - chosen where `cond` holds
 * @param b - chosen elsewhere
 *
 * @example
 * ```ts
 * where(greater(x, 0), x, mul(x, 0.01));   // leaky ReLU
 * ```
 */
export function where(cond: VariableLike, a: VariableLike, b: VariableLike): Variable {
  return D.where(cond, a, b);
}

/**
 * Limits every element to [low, high]. d/dx = 1 inside the closed interval (the bounds included,
 * as in PyTorch's clamp), 0 outside.
 * @param x - the input
 * @param low - the lower bound
 * @param high - the upper bound (>= low)
 *
 * @example
 * ```ts
 * clip(x, 0, 1);
 * ```
 */
export function clip(x: VariableLike, low: number, high: number): Variable {
  return D.clip(x, low, high);
}

/**
 * Converts to another dtype. Between float types the gradient is cast back; a cast to int32 is a
 * constant (no gradient).
 * @param x - the input
 * @param dtype - the target dtype
 *
 * @example
 * ```ts
 * cast(x, 'float64');
 * ```
 */
export function cast(x: VariableLike, dtype: DType): Variable {
  return D.cast(toVariable(x, 'x'), dtype);
}

// ---------------------------------------------------------------- composites

/**
 * ln σ(x), stable for large |x|: the composite -softplus(-x), so its gradient σ(-x) = 1 - σ(x)
 * comes from the rows of neg and softplus.
 * @param x - the input
 * @example
 * ```ts
 * logSigmoid(x)
 * ```
 */
export function logSigmoid(x: VariableLike): Variable {
  return neg(softplus(neg(x)));
}
