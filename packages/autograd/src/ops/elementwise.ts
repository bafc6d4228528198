/**
 * Elementwise ops and their derivatives. Each entry reads `name, forward, d/d(input)`: `g` is the
 * gradient arriving at the output `y`, and each rule returns `g` times the local derivative.
 * Binary ops broadcast like NumPy, and their rules' results are summed back to each input's
 * shape (`sumTo`) by the `binaryOp` builder.
 */
import * as T from '@lossgraph/tensor';
import type { DType, Tensor, TensorLike } from '@lossgraph/tensor';
import { isGradEnabled } from '../mode.js';
import { constantOf, defineOp, recording, recordOp, toVariable, Variable, type VariableLike } from '../variable.js';
import { sumTo } from './reduce.js';

/**
 * An elementwise op of one operand.
 *
 * @example
 * ```ts
 * const activation: UnaryFn = relu;
 * activation(variable([-1, 2]));   // [0, 2]
 * ```
 */
export type UnaryFn = (x: VariableLike) => Variable;
/**
 * An elementwise op of two broadcasting operands.
 *
 * @example
 * ```ts
 * const combine: BinaryFn = maximum;
 * combine(variable([1, 5]), 3);   // [3, 5]
 * ```
 */
export type BinaryFn = (a: VariableLike, b: VariableLike) => Variable;

type UnaryRule = (g: Variable, x: Variable, y: Variable) => Variable;
type BinaryRule = (g: Variable, a: Variable, b: Variable, y: Variable) => Variable;

/** The tensor inside an operand (constants stay as given: the tensor package converts them). @internal */
export function unwrap(x: VariableLike): TensorLike {
  return x instanceof Variable ? x.value : x;
}

function requires(x: VariableLike): boolean {
  return x instanceof Variable && x.requiresGrad;
}

function unaryOp(name: string, forward: (x: TensorLike) => Tensor, rule: UnaryRule): UnaryFn {
  const op = defineOp<undefined>(name, (g, node, y) => rule(g, node.inputs[0]!, y));
  return (x) => {
    if (!(x instanceof Variable)) return constantOf(forward(x));
    const out = forward(x.value);
    return x.requiresGrad && isGradEnabled() ? recordOp(op, [x], out, undefined) : constantOf(out);
  };
}

function binaryOp(name: string, forward: (a: TensorLike, b: TensorLike) => Tensor, ruleA: BinaryRule, ruleB: BinaryRule): BinaryFn {
  const op = defineOp<undefined>(name, (g, node, y, i) => {
    const a = node.inputs[0]!;
    const b = node.inputs[1]!;
    return i === 0 ? sumTo(ruleA(g, a, b, y), a.shape) : sumTo(ruleB(g, a, b, y), b.shape);
  });
  return (a, b) => {
    if (!isGradEnabled() || !(requires(a) || requires(b))) return constantOf(forward(unwrap(a), unwrap(b)));
    // Recorded: a constant operand becomes a Variable first (a number taking the other operand's
    // dtype, as the tensor package does), so the node can list it and the tensor is made once.
    const va = a instanceof Variable ? a : toVariable(a, 'a', (b as Variable).dtype);
    const vb = b instanceof Variable ? b : toVariable(b, 'b', va.dtype);
    return recordOp(op, [va, vb], forward(va.value, vb.value), undefined);
  };
}

/** Ops whose derivative is zero wherever it exists: their results are constants. */
function constantUnary(forward: (x: TensorLike) => Tensor): UnaryFn {
  return (x) => constantOf(forward(unwrap(x)));
}

function constantBinary(forward: (a: TensorLike, b: TensorLike) => Tensor): BinaryFn {
  return (a, b) => constantOf(forward(unwrap(a), unwrap(b)));
}

// ---------------------------------------------------------------- unary: d/dx

/** -x. d/dx = -1. @example neg(x) */
export const neg: UnaryFn = unaryOp('neg', T.neg, (g) => neg(g));
/** x². d/dx = 2x. @example square(x) */
export const square: UnaryFn = unaryOp('square', T.square, (g, x) => mul(g, mul(x, 2)));
/** √x. d/dx = 1 / (2√x). @example sqrt(x) */
export const sqrt: UnaryFn = unaryOp('sqrt', T.sqrt, (g, _x, y) => div(g, mul(y, 2)));
/** 1/√x. d/dx = -x^(-3/2) / 2 = -y³/2. @example rsqrt(x) */
export const rsqrt: UnaryFn = unaryOp('rsqrt', T.rsqrt, (g, _x, y) => mul(g, mul(mul(y, square(y)), -0.5)));
/** 1/x. d/dx = -1/x² = -y². @example reciprocal(x) */
export const reciprocal: UnaryFn = unaryOp('reciprocal', T.reciprocal, (g, _x, y) => neg(mul(g, square(y))));
/** eˣ. d/dx = eˣ = y. @example exp(x) */
export const exp: UnaryFn = unaryOp('exp', T.exp, (g, _x, y) => mul(g, y));
/** eˣ - 1, accurate near 0. d/dx = eˣ = y + 1. @example expm1(x) */
export const expm1: UnaryFn = unaryOp('expm1', T.expm1, (g, _x, y) => mul(g, add(y, 1)));
/** ln x. d/dx = 1/x. @example log(x) */
export const log: UnaryFn = unaryOp('log', T.log, (g, x) => div(g, x));
/** ln(1 + x), accurate near 0. d/dx = 1/(1 + x). @example log1p(x) */
export const log1p: UnaryFn = unaryOp('log1p', T.log1p, (g, x) => div(g, add(x, 1)));
/** |x|. d/dx = sign(x) (0 at 0, a subgradient). @example abs(x) */
export const abs: UnaryFn = unaryOp('abs', T.abs, (g, x) => mul(g, sign(x)));
/** sin x. d/dx = cos x. @example sin(x) */
export const sin: UnaryFn = unaryOp('sin', T.sin, (g, x) => mul(g, cos(x)));
/** cos x. d/dx = -sin x. @example cos(x) */
export const cos: UnaryFn = unaryOp('cos', T.cos, (g, x) => neg(mul(g, sin(x))));
/** tanh x. d/dx = 1 - tanh²x = 1 - y². @example tanh(x) */
export const tanh: UnaryFn = unaryOp('tanh', T.tanh, (g, _x, y) => mul(g, sub(1, square(y))));
/** σ(x) = 1/(1 + e⁻ˣ). d/dx = σ(x)(1 - σ(x)) = y(1 - y). @example sigmoid(x) */
export const sigmoid: UnaryFn = unaryOp('sigmoid', T.sigmoid, (g, _x, y) => mul(g, mul(y, sub(1, y))));
/** ln(1 + eˣ), stable for large |x|. d/dx = σ(x). @example softplus(x) */
export const softplus: UnaryFn = unaryOp('softplus', T.softplus, (g, x) => mul(g, sigmoid(x)));
/** ln σ(x) = -softplus(-x), stable for large |x|. d/dx = 1 - σ(x) = σ(-x). @example logSigmoid(x) */
export const logSigmoid: UnaryFn = unaryOp('logSigmoid', (x) => T.neg(T.softplus(T.neg(x))), (g, x) => mul(g, sigmoid(neg(x))));
/** max(x, 0). d/dx = 1 where x > 0, else 0 (0 at 0, as in PyTorch). @example relu(x) */
export const relu: UnaryFn = unaryOp('relu', T.relu, (g, x) => mul(g, greater(x, 0)));

/** -1, 0 or 1 by the sign of x. Piecewise constant: the result is a constant (no gradient). @example sign(x) */
export const sign: UnaryFn = constantUnary(T.sign);
/** Largest integer <= x; a constant (no gradient). @example floor(x) */
export const floor: UnaryFn = constantUnary(T.floor);
/** Smallest integer >= x; a constant (no gradient). @example ceil(x) */
export const ceil: UnaryFn = constantUnary(T.ceil);
/** Nearest integer, halves away from zero; a constant (no gradient). @example round(x) */
export const round: UnaryFn = constantUnary(T.round);

// ---------------------------------------------------------------- binary: d/da, d/db

/** a + b (broadcasting). d/da = 1, d/db = 1. @example add(x, 1) */
export const add: BinaryFn = binaryOp('add', T.add, (g) => g, (g) => g);
/** a - b (broadcasting). d/da = 1, d/db = -1. @example sub(x, y) */
export const sub: BinaryFn = binaryOp('sub', T.sub, (g) => g, (g) => neg(g));
/** a · b (broadcasting). d/da = b, d/db = a. @example mul(x, w) */
export const mul: BinaryFn = binaryOp('mul', T.mul, (g, _a, b) => mul(g, b), (g, a) => mul(g, a));
/** a / b (broadcasting). d/da = 1/b, d/db = -a/b² = -y/b. @example div(x, 2) */
export const div: BinaryFn = binaryOp('div', T.div, (g, _a, b) => div(g, b), (g, _a, b, y) => neg(mul(g, div(y, b))));

/**
 * xᵖ (broadcasting). d/dx = p·x^(p-1), taken as 0 where p = 0 (so 0⁰ has no NaN gradient);
 * d/dp = xᵖ·ln x, taken as 0 where x <= 0 (where it is real only at integer p and undefined at 0).
 * @example
 * ```ts
 * pow(x, 3)
 * ```
 */
export const pow: BinaryFn = binaryOp(
  'pow',
  T.pow,
  (g, x, p) => mul(g, where(equal(p, 0), 0, mul(p, pow(x, sub(p, 1))))),
  (g, x, _p, y) => {
    const positive = greater(x, 0);
    return mul(g, where(positive, mul(y, log(where(positive, x, 1))), 0));
  },
);

/** Weights of `winner` in the gradient of maximum/minimum: 1 where it wins, 1/2 at a tie, 0 where it loses. */
function tieShare(winner: Variable, other: Variable, beats: (a: TensorLike, b: TensorLike) => Tensor): Variable {
  return constantOf(T.add(beats(winner.value, other.value), T.mul(T.equal(winner.value, other.value), 0.5)));
}

/**
 * Elementwise larger of a and b (broadcasting). The gradient goes to the larger operand; at a tie
 * it is split equally (1/2 each), as in PyTorch.
 * @example
 * ```ts
 * maximum(x, 0)
 * ```
 */
export const maximum: BinaryFn = binaryOp('maximum', T.maximum, (g, a, b) => mul(g, tieShare(a, b, T.greater)), (g, a, b) => mul(g, tieShare(b, a, T.greater)));
/**
 * Elementwise smaller of a and b (broadcasting). The gradient goes to the smaller operand; at a
 * tie it is split equally (1/2 each).
 * @example
 * ```ts
 * minimum(x, 1)
 * ```
 */
export const minimum: BinaryFn = binaryOp('minimum', T.minimum, (g, a, b) => mul(g, tieShare(a, b, T.less)), (g, a, b) => mul(g, tieShare(b, a, T.less)));

/** 1 where a == b, else 0; a constant (no gradient). @example equal(x, 0) */
export const equal: BinaryFn = constantBinary(T.equal);
/** 1 where a != b, else 0; a constant (no gradient). @example notEqual(x, 0) */
export const notEqual: BinaryFn = constantBinary(T.notEqual);
/** 1 where a < b, else 0; a constant (no gradient). @example less(x, 0) */
export const less: BinaryFn = constantBinary(T.less);
/** 1 where a <= b, else 0; a constant (no gradient). @example lessEqual(x, 0) */
export const lessEqual: BinaryFn = constantBinary(T.lessEqual);
/** 1 where a > b, else 0; a constant (no gradient). @example greater(x, 0) */
export const greater: BinaryFn = constantBinary(T.greater);
/** 1 where a >= b, else 0; a constant (no gradient). @example greaterEqual(x, 0) */
export const greaterEqual: BinaryFn = constantBinary(T.greaterEqual);

// ---------------------------------------------------------------- where, clip, cast

const WHERE = defineOp<undefined>('where', (g, node, _y, i) => {
  const cond = node.inputs[0]!;
  if (i === 1) return sumTo(where(cond, g, 0), node.inputs[1]!.shape);
  if (i === 2) return sumTo(where(cond, 0, g), node.inputs[2]!.shape);
  return null;
});

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
  if (!isGradEnabled() || !(requires(a) || requires(b))) return constantOf(T.where(unwrap(cond), unwrap(a), unwrap(b)));
  const vc = toVariable(cond, 'cond');
  const va = a instanceof Variable ? a : toVariable(a, 'a', (b as Variable).dtype);
  const vb = b instanceof Variable ? b : toVariable(b, 'b', va.dtype);
  return recordOp(WHERE, [vc, va, vb], T.where(vc.value, va.value, vb.value), undefined);
}

/**
 * Attributes of a recorded clip.
 *
 * @example
 * ```ts
 * const y = clip(variable([-2, 0.5]), 0, 1);
 * (y.node!.attrs as ClipAttrs).high;   // 1
 * ```
 */
export interface ClipAttrs {
  /** The lower bound. */
  readonly low: number;
  /** The upper bound. */
  readonly high: number;
}

const CLIP = defineOp<ClipAttrs>('clip', (g, node, y) => {
  // x lies in [low, high] exactly where clipping left it unchanged (NaN equals nothing: 0).
  const inside = T.equal(node.inputs[0]!.value, y.value);
  return mul(g, constantOf(inside));
});

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
  const v = toVariable(x, 'x');
  const out = T.clip(v.value, low, high);
  return recording(v) ? recordOp(CLIP, [v], out, { low, high }) : constantOf(out);
}

/**
 * Attributes of a recorded cast.
 *
 * @example
 * ```ts
 * const y = cast(variable([1.5]), 'float64');
 * (y.node!.attrs as CastAttrs).dtype;   // 'float64'
 * ```
 */
export interface CastAttrs {
  /** The dtype cast to. */
  readonly dtype: DType;
}

const CAST = defineOp<CastAttrs>('cast', (g, node) => cast(g, node.inputs[0]!.dtype));

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
  const v = toVariable(x, 'x');
  const out = T.cast(v.value, dtype);
  if (out === v.value) return v;
  if (!T.isFloat(out.dtype) || !recording(v)) return constantOf(out);
  return recordOp(CAST, [v], out, { dtype: out.dtype });
}
