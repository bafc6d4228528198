/**
 * The derivatives table: every differentiable primitive of lossgraph, one row each, read as
 *
 *     name = family('name', forward call into @lossgraph/tensor, 'its derivative', rule)
 *
 * In a rule, `g` is the gradient arriving at the output `y`. A rule returns the gradients of all
 * its inputs at once, so the work they share is done once; an input's gradient that costs work is
 * written `() => ...`, and the engine calls that only when the input needs a gradient, so a
 * constant operand costs nothing (see {@link InputGrad}). Rules are written with the rows of this
 * table, so a backward pass can record itself and gradients of any order come from the graph; the
 * fused backward primitives (logSoftmaxGrad, logSumExpGrad) have rows of their own for that reason.
 * The formula string is the row's derivative as a person writes it: graph inspection shows it at
 * each node, and {@link DERIVATIVE_FORMULAS} lists them all.
 *
 * What every row of a family shares is done once, by its builder at the end of the file: constants
 * in give constants out; the attributes a rule reads are recorded on the node; the gradients of a
 * broadcasting op are summed back to each operand's shape (so no rule does it). The public
 * functions under `ops/` check arguments, give defaults and document each op; the composites
 * (norm, dot, stack, logSigmoid, ...) live there too.
 */
import * as T from '@lossgraph/tensor';
import type { Conv2dParams, DType, Pair, Pool2dParams, Shape, Tensor, TensorLike } from '@lossgraph/tensor';
import { CAST, castVariable, type PartGrad, type PartsOpDef } from './engine.js';
import { isGradEnabled } from './mode.js';
import type {
  Axis, BinaryFn, ClipAttrs, ConcatAttrs, ConvAttrs, IndexAttrs, MatmulAttrs, MaxPoolAttrs, PadAttrs, PickAttrs, PoolAttrs,
  ReduceAttrs, SliceAttrs, SoftmaxAttrs, SplitAttrs, SplitPartAttrs, TransposeAttrs, UnaryFn,
} from './op-types.js';
import { defineOp, type GradRule, type InputGrad, type OpDef } from './op-def.js';
import { constantOf, recording, recordOp, toVariable, unwrap, Variable, type Node, type VariableLike } from './variable.js';

/** 2/√π, the scale of erf's derivative. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** A row's call: its operand, then the op's own arguments (axes, shapes, indices). */
type Op<P extends unknown[]> = (x: VariableLike, ...args: P) => Variable;
type Reduction = Op<[axis: Axis | undefined, keepDims: boolean]>;
type Normalisation = Op<[axis: number]>;

/** Each row's name and formula, in table order (the rows fill it as they load, so it comes first). */
const formulas: [string, string][] = [];

// ---------------------------------------------------------------- unary: y = f(x); the rule is g·f'(x)

export const neg: UnaryFn = unary('neg', T.neg, 'd/dx -x = -1', (g) => neg(g));
export const square: UnaryFn = unary('square', T.square, 'd/dx x² = 2x', (g, x) => mul(g, mul(x, 2)));
export const sqrt: UnaryFn = unary('sqrt', T.sqrt, 'd/dx √x = 1/(2√x) = 1/(2y)', (g, _x, y) => div(g, mul(y, 2)));
export const rsqrt: UnaryFn = unary('rsqrt', T.rsqrt, 'd/dx 1/√x = -x^(-3/2)/2 = -y³/2', (g, _x, y) => mul(g, mul(mul(y, square(y)), -0.5)));
export const reciprocal: UnaryFn = unary('reciprocal', T.reciprocal, 'd/dx 1/x = -1/x² = -y²', (g, _x, y) => neg(mul(g, square(y))));
export const exp: UnaryFn = unary('exp', T.exp, 'd/dx exp(x) = exp(x) = y', (g, _x, y) => mul(g, y));
export const expm1: UnaryFn = unary('expm1', T.expm1, 'd/dx (exp(x) - 1) = exp(x) = y + 1', (g, _x, y) => mul(g, add(y, 1)));
export const log: UnaryFn = unary('log', T.log, 'd/dx ln x = 1/x', (g, x) => div(g, x));
export const log1p: UnaryFn = unary('log1p', T.log1p, 'd/dx ln(1 + x) = 1/(1 + x)', (g, x) => div(g, add(x, 1)));
export const abs: UnaryFn = unary('abs', T.abs, 'd/dx |x| = sign(x) (0 at 0)', (g, x) => mul(g, sign(x)));
export const sin: UnaryFn = unary('sin', T.sin, 'd/dx sin x = cos x', (g, x) => mul(g, cos(x)));
export const cos: UnaryFn = unary('cos', T.cos, 'd/dx cos x = -sin x', (g, x) => neg(mul(g, sin(x))));
export const tanh: UnaryFn = unary('tanh', T.tanh, 'd/dx tanh x = 1 - tanh²x = 1 - y²', (g, _x, y) => mul(g, sub(1, square(y))));
export const sigmoid: UnaryFn = unary('sigmoid', T.sigmoid, 'd/dx σ(x) = σ(x)(1 - σ(x)) = y(1 - y)', (g, _x, y) => mul(g, mul(y, sub(1, y))));
export const softplus: UnaryFn = unary('softplus', T.softplus, 'd/dx ln(1 + exp(x)) = σ(x)', (g, x) => mul(g, sigmoid(x)));
export const relu: UnaryFn = unary('relu', T.relu, 'd/dx max(x, 0) = [x > 0] (0 at 0)', (g, x) => mul(g, greater(x, 0)));
export const erf: UnaryFn = unary('erf', T.erf, 'd/dx erf(x) = (2/√π)·exp(-x²)', (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));

// piecewise constant: zero derivative wherever it exists, so the result is a constant
export const sign: UnaryFn = zeroGradient('sign', T.sign, 'd/dx sign(x) = 0');
export const floor: UnaryFn = zeroGradient('floor', T.floor, 'd/dx ⌊x⌋ = 0');
export const ceil: UnaryFn = zeroGradient('ceil', T.ceil, 'd/dx ⌈x⌉ = 0');
export const round: UnaryFn = zeroGradient('round', T.round, 'd/dx round(x) = 0');

// ---------------------------------------------------------------- binary: y = f(a, b); the rule is [g·∂y/∂a, g·∂y/∂b]
// Operands broadcast; `binary` sums each gradient back to its operand's shape.

export const add: BinaryFn = binary('add', T.add, 'd/da a + b = 1, d/db a + b = 1', (g) => [g, g]);
export const sub: BinaryFn = binary('sub', T.sub, 'd/da a - b = 1, d/db a - b = -1', (g) => [g, () => neg(g)]);
export const mul: BinaryFn = binary('mul', T.mul, 'd/da a·b = b, d/db a·b = a', (g, a, b) => [() => mul(g, b), () => mul(g, a)]);
export const div: BinaryFn = binary('div', T.div, 'd/da a/b = 1/b, d/db a/b = -a/b² = -y/b', (g, _a, b, y) => [() => div(g, b), () => neg(mul(g, div(y, b)))]);
/** aᵇ; the two cases keep 0⁰ and the logarithm of a non-positive base free of NaN. */
export const pow: BinaryFn = binary('pow', T.pow, 'd/da aᵇ = b·aᵇ⁻¹ (0 where b = 0), d/db aᵇ = aᵇ·ln a (0 where a <= 0)', (g, a, b, y) => [
  () => mul(g, where(equal(b, 0), 0, mul(b, pow(a, sub(b, 1))))),
  () => {
    const positive = greater(a, 0);
    return mul(g, where(positive, mul(y, log(where(positive, a, 1))), 0));
  },
]);
/** The larger of a and b; a tie splits the gradient equally, as in PyTorch. */
export const maximum: BinaryFn = binary('maximum', T.maximum, 'd/da max(a, b) = [a > b] + [a = b]/2, d/db max(a, b) = [b > a] + [a = b]/2',
  (g, a, b) => [() => mul(g, tieShare(a, b, T.greater)), () => mul(g, tieShare(b, a, T.greater))]);
/** The smaller of a and b; a tie splits the gradient equally. */
export const minimum: BinaryFn = binary('minimum', T.minimum, 'd/da min(a, b) = [a < b] + [a = b]/2, d/db min(a, b) = [b < a] + [a = b]/2',
  (g, a, b) => [() => mul(g, tieShare(a, b, T.less)), () => mul(g, tieShare(b, a, T.less))]);

// comparisons: 0/1 results, piecewise constant in both operands
export const equal: BinaryFn = zeroGradientBinary('equal', T.equal, 'd/da [a = b] = 0, d/db [a = b] = 0');
export const notEqual: BinaryFn = zeroGradientBinary('notEqual', T.notEqual, 'd/da [a ≠ b] = 0, d/db [a ≠ b] = 0');
export const less: BinaryFn = zeroGradientBinary('less', T.less, 'd/da [a < b] = 0, d/db [a < b] = 0');
export const lessEqual: BinaryFn = zeroGradientBinary('lessEqual', T.lessEqual, 'd/da [a <= b] = 0, d/db [a <= b] = 0');
export const greater: BinaryFn = zeroGradientBinary('greater', T.greater, 'd/da [a > b] = 0, d/db [a > b] = 0');
export const greaterEqual: BinaryFn = zeroGradientBinary('greaterEqual', T.greaterEqual, 'd/da [a >= b] = 0, d/db [a >= b] = 0');

// ---------------------------------------------------------------- where, clip, cast

/** `a` where `cond` holds, else `b`; all three broadcast, and `cond` gets no gradient. */
export const where: (cond: VariableLike, a: VariableLike, b: VariableLike) => Variable =
  select('where', T.where, 'd/da where(c, a, b) = [c], d/db where(c, a, b) = [not c]', (g, cond) => [() => where(cond, g, 0), () => where(cond, 0, g)]);
/** x limited to [low, high]: x lies inside exactly where clipping left it unchanged (NaN equals nothing: 0). */
export const clip: Op<[low: number, high: number]> = withAttrs('clip', T.clip, clipAttrs, 'd/dx clip(x, low, high) = [low <= x <= high]',
  (g, x, y) => mul(g, constantOf(T.equal(x.value, y.value))));
/** x converted to another dtype, g cast back: the engine's own primitive (it casts every gradient to its input's dtype), listed here. */
export const cast = castVariable;
listed(CAST);

// ---------------------------------------------------------------- reductions over `axes`
// `kept(g)` is g viewed with the reduced axes kept as size 1, so that it broadcasts against x.

export const sum: Reduction = reduction('sum', T.sum, 'd/dx Σx = 1 (g broadcast back)', (g, x, _y, a) => broadcastTo(kept(g, a), x.shape));
/** The mean: dividing before broadcasting divides the small reduced gradient, not the full-size one. */
export const mean: Reduction = reduction('mean', T.mean, 'd/dx mean(x) = 1/n for each of the n averaged elements',
  (g, x, _y, a) => broadcastTo(div(kept(g, a), countOf(x.shape, a.axes)), x.shape));
export const max: Reduction = reduction('max', T.max, 'd/dx max(x) = [x = max]/k over k tied maxima', (g, x, y, a) => mul(kept(g, a), extremeShare(x.value, y.value, a)));
export const min: Reduction = reduction('min', T.min, 'd/dx min(x) = [x = min]/k over k tied minima', (g, x, y, a) => mul(kept(g, a), extremeShare(x.value, y.value, a)));
/** log Σ exp(x): its gradient is the softmax of x, one fused kernel. */
export const logSumExp: Reduction = reduction('logSumExp', T.logSumExp, 'd/dx log Σ exp(x) = exp(x - y), the softmax of x',
  (g, x, y, a) => logSumExpGrad(kept(g, a), x, kept(y, a), a.axes));
/** The 2-norm √(Σx²), its gradient taken as 0 where the norm is 0 (a subgradient). */
export const norm: Reduction = reduction('norm', (x, axis, keepDims) => T.sqrt(T.sum(T.square(x), axis, keepDims)), 'd/dx ‖x‖ = x/‖x‖ (0 where ‖x‖ = 0)',
  (g, x, y, a) => {
    const yk = kept(y, a);
    return mul(kept(g, a), div(x, where(equal(yk, 0), 1, yk)));
  });

// ---------------------------------------------------------------- normalisations along `axis`, and their fused backward primitives

/** exp(x)/Σexp(x): J = diag(y) - y yᵀ. */
export const softmax: Normalisation = normalisation('softmax', T.softmax, 'gᵀ·d/dx softmax(x) = y·(g - Σ g·y)', (g, _x, y, { axis }) => mul(y, sub(g, sum(mul(g, y), axis, true))));
/** x - logSumExp(x): J = I - 1·softmaxᵀ, one fused kernel. */
export const logSoftmax: Normalisation = normalisation('logSoftmax', T.logSoftmax, 'gᵀ·d/dx logSoftmax(x) = g - exp(y)·Σ g', (g, _x, y, { axis }) => logSoftmaxGrad(g, y, axis));

/** logSoftmaxGrad(g, y) = g - exp(y)·Σg: the terms h·exp(y) of both gradients computed once. */
const LOG_SOFTMAX_GRAD = primitive<SoftmaxAttrs>('logSoftmaxGrad', 'hᵀ·d/dg = h - Σ h·exp(y), hᵀ·d/dy = -h·exp(y)·Σ g',
  (h, [g, y], _out, { axis }) => {
    const hp = mul(h, exp(y));
    return [() => sub(h, sum(hp, axis, true)), () => neg(mul(hp, sum(g, axis, true)))];
  });

/** logSumExpGrad(g, x, y) = g·e with e = exp(x - y), g and y in the kept-dims shape. */
const LOG_SUM_EXP_GRAD = primitive<ReduceAttrs>('logSumExpGrad', 'with e = exp(x - y): hᵀ·d/dg = Σ h·e, hᵀ·d/dx = h·g·e, hᵀ·d/dy = -Σ h·g·e',
  (h, [g, x, y], _out, { axes }) => {
    const he = mul(h, exp(sub(x, y)));
    const hge = once(() => mul(he, g));
    return [() => sum(he, axes, true), hge, () => neg(sum(hge(), axes, true))];
  });

// ---------------------------------------------------------------- shape ops: they move elements, so each rule moves g back

export const reshape: Op<[shape: Shape]> = shapeOp('reshape', T.reshape, noAttrs, 'd/dx reshape(x) = 1 (g takes x\'s shape back)', (g, x) => reshape(g, x.shape));
export const expandDims: Op<[axis: number]> = shapeOp('expandDims', T.expandDims, noAttrs, 'd/dx expandDims(x) = 1 (g takes x\'s shape back)', (g, x) => reshape(g, x.shape));
export const squeeze: Op<[axis?: Axis]> = shapeOp('squeeze', T.squeeze, noAttrs, 'd/dx squeeze(x) = 1 (g takes x\'s shape back)', (g, x) => reshape(g, x.shape));
export const transpose: Op<[perm?: readonly number[]]> = shapeOp('transpose', T.transpose, transposeAttrs, 'd/dx transpose(x, p) = transpose back by p⁻¹',
  (g, _x, _y, { perm }) => transpose(g, inversePermutation(perm)));
/** Copies along broadcast axes: every copy sends its gradient back to its element. */
export const broadcastTo: Op<[shape: Shape]> = shapeOp('broadcastTo', T.broadcastTo, noAttrs, 'd/dx broadcastTo(x) = 1 (g summed over the copies)', (g, x) => sumTo(g, x.shape));
export const slice: Op<[begin: readonly number[], size?: readonly number[]]> = shapeOp('slice', T.slice, sliceAttrs, 'd/dx slice(x) = 1 in the box (g padded back with zeros)',
  (g, x, _y, { begin }) => pad(g, x.shape.map((d, i) => [begin[i]!, d - begin[i]! - g.shape[i]!] as const), 0));
export const pad: Op<[paddings: readonly (readonly [number, number])[], value: number]> = shapeOp('pad', T.pad, padAttrs, 'd/dx pad(x) = 1 on x\'s box (the border is constant)',
  (g, x, _y, { paddings }) => slice(g, paddings.map((p) => p[0]), x.shape));

/** Operands joined along `axis`: input i gets its own slab of g back. */
const CONCAT = primitive<ConcatAttrs>('concat', 'd/dxᵢ concat(x₀, x₁, ...) = 1 on xᵢ\'s slab',
  (g, inputs, _y, { axis, offsets }) => inputs.map((x, i) => () => slice(g, offsetAlong(g.rank, axis, offsets[i]!), x.shape)));

// ---------------------------------------------------------------- indexing: reading by index is linear; its adjoint writes g back (adding where an index repeats)

export const gather: Op<[indices: Tensor, axis: number]> = indexing('gather', T.gather, indexAttrs, 'd/dx gather(x, i) = g scatter-added back to the rows read',
  (g, x, _y, { indices, axis }) => scatterAdd(g, indices, axis, x.shape));
export const scatterAdd: Op<[indices: Tensor, axis: number, shape: Shape]> = indexing('scatterAdd', T.scatterAdd, scatterAttrs, 'd/du scatterAdd(u, i) = g gathered from the rows written',
  (g, _u, _y, { indices, axis }) => gather(g, indices, axis));
export const takeAlongAxis: Op<[indices: Tensor, axis: number]> = indexing('takeAlongAxis', T.takeAlongAxis, indexAttrs, 'd/dx takeAlongAxis(x, i) = g scattered back to the elements read',
  (g, x, _y, { indices, axis }) => scatterAlongAxis(g, indices, axis, x.shape));
export const scatterAlongAxis: Op<[indices: Tensor, axis: number, shape: Shape]> = indexing('scatterAlongAxis', T.scatterAlongAxis, scatterAttrs, 'd/du scatterAlongAxis(u, i) = g read back at the elements written',
  (g, _u, _y, { indices, axis }) => takeAlongAxis(g, indices, axis));
export const pick: Op<[indices: Tensor, axis: number, keepDims: boolean]> = indexing('pick', T.pick, pickAttrs, 'd/dx pick(x, i) = g scattered back to the picked elements',
  (g, x, _y, { indices, axis, keptShape }) => scatterAlongAxis(reshape(g, keptShape), indices, axis, x.shape));

// integer results, or rows of constants: zero gradient
export const argmax: Op<[axis?: number, keepDims?: boolean]> = zeroGradient('argmax', T.argmax, 'd/dx argmax(x) = 0');
export const argmin: Op<[axis?: number, keepDims?: boolean]> = zeroGradient('argmin', T.argmin, 'd/dx argmin(x) = 0');
export const oneHot: Op<[depth: number, onValue: number, offValue: number, dtype: DType]> = zeroGradient('oneHot', T.oneHot, 'd/di oneHot(i) = 0');

// ---------------------------------------------------------------- matmul: y = op(A)·op(B), op transposing an operand when asked
// Broadcast batch axes are summed back; a 1-D operand is viewed as the row (a) or column (b) the
// forward pass made of it, and g in the product's shape before that axis was dropped.

const MATMUL = primitive<MatmulAttrs>('matmul', 'd/dA A·B = g·Bᵀ, d/dB A·B = Aᵀ·g', (g, [a, b], _y, { transposeA, transposeB }) => {
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const g2 = a.rank === 1 || b.rank === 1 ? reshape(g, fullProductShape(a2.shape, b2.shape, transposeA, transposeB)) : g;
  return [
    // dA = g·op(B)ᵀ, or its transpose op(B)·gᵀ when A was transposed.
    () => reshape(sumTo(transposeA ? matmul(b2, g2, transposeB, true) : matmul(g2, b2, false, !transposeB), a2.shape), a.shape),
    // dB = op(A)ᵀ·g, or its transpose gᵀ·op(A) when B was transposed.
    () => reshape(sumTo(transposeB ? matmul(g2, a2, true, transposeA) : matmul(a2, g2, !transposeA, false), b2.shape), b.shape),
  ];
});

// ---------------------------------------------------------------- sliding windows over NCHW (1-D ops view their input with height 1)
// A convolution is bilinear in (x, w), and its two adjoints are convolutions too: each of the three
// rows' gradients is one of the three, so gradients of every order stay within them.

const CONV2D = primitive<ConvAttrs>('conv2d', 'd/dx conv(x, w) = convᵀ(g, w) (conv2dInputGrad), d/dw conv(x, w) = conv2dWeightGrad(x, g)',
  (g, [x, w], _y, { params }) => [() => conv2dInputGrad(g, w, params, planeSize(x)), () => conv2dWeightGrad(x, g, params, planeSize(w))]);
/** conv2dInputGrad(g, w) = convᵀ(g, w), linear in g and in w. */
const CONV2D_INPUT_GRAD = primitive<ConvAttrs>('conv2dInputGrad', 'hᵀ·d/dg convᵀ(g, w) = conv(h, w), hᵀ·d/dw convᵀ(g, w) = conv2dWeightGrad(h, g)',
  (h, [g, w], _y, { params }) => [() => conv2d(h, w, params), () => conv2dWeightGrad(h, g, params, planeSize(w))]);
/** conv2dWeightGrad(x, g), linear in x and in g. */
const CONV2D_WEIGHT_GRAD = primitive<ConvAttrs>('conv2dWeightGrad', 'hᵀ·d/dx conv2dWeightGrad(x, g) = convᵀ(g, h), hᵀ·d/dg conv2dWeightGrad(x, g) = conv(x, h)',
  (h, [x, g], _y, { params }) => [() => conv2dInputGrad(g, h, params, planeSize(x)), () => conv2d(x, h, params)]);

/** Each window's g spread evenly over its input positions; avgPool2dGrad is linear, its adjoint the pooling itself. */
const AVG_POOL2D = primitive<PoolAttrs>('avgPool2d', 'd/dx avgPool(x) = 1/|window| on each window (avgPool2dGrad(g))',
  (g, [x], _y, { params }) => [avgPool2dGrad(g, params, planeSize(x))]);
const AVG_POOL2D_GRAD = primitive<PoolAttrs>('avgPool2dGrad', 'hᵀ·d/dg avgPool2dGrad(g) = avgPool(h)',
  (h, _inputs, _y, { params }) => [avgPool2d(h, params)]);
/** Reading each window's first maximum: g goes back to that element, through the indexing rows. */
const MAX_POOL2D = primitive<MaxPoolAttrs>('maxPool2d', 'd/dx maxPool(x) = 1 at each window\'s first maximum (g scattered back there)',
  (g, [x], _y, { indices }) => {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return [reshape(scatterAlongAxis(reshape(g, indices.shape), indices, 2, [n, c, h * w]), x.shape)];
  });
export const maxPool2dIndices: Op<[params: Pool2dParams]> = zeroGradient('maxPool2dIndices', T.maxPool2dIndices, 'd/dx maxPool2dIndices(x) = 0');

// ---------------------------------------------------------------- several outputs: split and unstack
// The parts hang off one hidden "whole" node. Each part sends its gradient on unchanged, and the
// engine hands them all to the whole, which joins them in one concat (zeros for a part that got
// none): k parts cost O(size), where padding each part's gradient to the whole would cost O(k·size).

const SPLIT_PART = primitive<SplitPartAttrs>('splitPart', 'd/dx part(x) = 1 (g collected by the whole)', (g) => [g]);

const SPLIT: PartsOpDef<SplitAttrs> = Object.freeze({
  ...listed(defineOp<SplitAttrs>('split', 'd/dx split(x) = 1 (the parts\' gradients joined back along the axis)', (g) => [g])),
  collect(parts: readonly PartGrad[], node: Node<SplitAttrs>, whole: Variable): Variable {
    const { axis, partShapes, dropAxis } = node.attrs;
    const grads: (Variable | null)[] = partShapes.map(() => null);
    for (const { node: partNode, grad } of parts) {
      const i = (partNode.attrs as SplitPartAttrs).index;
      const previous = grads[i];
      grads[i] = previous === null || previous === undefined ? grad : add(previous, grad);
    }
    const pieces = grads.map((gi, i) => gi ?? constantOf(T.zeros(partShapes[i]!, whole.dtype)));
    return concat(dropAxis ? pieces.map((p) => expandDims(p, axis)) : pieces, axis);
  },
});

// ---------------------------------------------------------------- the formulas, for teaching views

/**
 * The derivative of every primitive of the package as a line of text, by op name, in the order of
 * the derivatives table (the ops whose derivative is zero, such as `sign` or `argmax`, included):
 * what a teaching view shows next to each op. A recorded node carries its own as
 * `node.op.formula`, and {@link graphOf} puts it in each op node's description.
 *
 * @example
 * ```ts
 * DERIVATIVE_FORMULAS.exp;                              // 'd/dx exp(x) = exp(x) = y'
 * DERIVATIVE_FORMULAS.mul;                              // 'd/da a·b = b, d/db a·b = a'
 * mul(variable([1, 2]), 3).node!.op.formula;           // the same
 * ```
 */
export const DERIVATIVE_FORMULAS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(formulas));

// ================================================================ how the rows are recorded

function listed<O extends OpDef<never>>(op: O): O {
  formulas.push([op.name, op.formula]);
  return op;
}

/** A row's op: {@link defineOp}, and its formula listed. */
function primitive<A>(name: string, formula: string, rule: GradRule<A>): OpDef<A> {
  return listed(defineOp<A>(name, formula, rule));
}

/** An input's gradient from what a rule gave for it. */
function resolve(grad: InputGrad): Variable | null {
  return typeof grad === 'function' ? grad() : grad;
}

/** A gradient two inputs share, computed the first time either asks for it. */
function once(compute: () => Variable): () => Variable {
  let value: Variable | null = null;
  return () => (value ??= compute());
}

/**
 * Each gradient summed back to its input's shape, undoing the broadcast of the forward op; still
 * lazy, so an input that needs no gradient costs nothing.
 */
function summedBack(grads: readonly InputGrad[], inputs: readonly Variable[]): InputGrad[] {
  return grads.map((grad, i) => {
    if (grad === null) return null;
    const shape = inputs[i]!.shape;
    return () => {
      const d = resolve(grad);
      return d === null ? null : sumTo(d, shape);
    };
  });
}

function unary(name: string, forward: (x: TensorLike) => Tensor, formula: string, rule: (g: Variable, x: Variable, y: Variable) => Variable): UnaryFn {
  const op = primitive<undefined>(name, formula, (g, [x], y) => [rule(g, x, y)]);
  return (x) => {
    if (!(x instanceof Variable)) return constantOf(forward(x));
    const out = forward(x.value);
    return x.requiresGrad && isGradEnabled() ? recordOp(op, [x], out, undefined) : constantOf(out);
  };
}

function binary(
  name: string,
  forward: (a: TensorLike, b: TensorLike) => Tensor,
  formula: string,
  rule: (g: Variable, a: Variable, b: Variable, y: Variable) => readonly [InputGrad, InputGrad],
): BinaryFn {
  const op = primitive<undefined>(name, formula, (g, inputs, y) => summedBack(rule(g, inputs[0]!, inputs[1]!, y), inputs));
  return (a, b) => {
    if (!isGradEnabled() || !(requires(a) || requires(b))) return constantOf(forward(unwrap(a), unwrap(b)));
    // Recorded: a constant operand becomes a Variable first (a number taking the other operand's
    // dtype, as the tensor package does), so the node can list it and the tensor is made once.
    // Written out here, not in a helper: this is the path of every recorded add and mul.
    const va = a instanceof Variable ? a : toVariable(a, 'a', (b as Variable).dtype);
    const vb = b instanceof Variable ? b : toVariable(b, 'b', va.dtype);
    return recordOp(op, [va, vb], forward(va.value, vb.value), undefined);
  };
}

/** `where`: a binary op in its two branches, with a selector that gets no gradient. */
function select(
  name: string,
  forward: (cond: TensorLike, a: TensorLike, b: TensorLike) => Tensor,
  formula: string,
  rule: (g: Variable, cond: Variable) => readonly [InputGrad, InputGrad],
): (cond: VariableLike, a: VariableLike, b: VariableLike) => Variable {
  const op = primitive<undefined>(name, formula, (g, inputs) => summedBack([null, ...rule(g, inputs[0]!)], inputs));
  return (cond, a, b) => {
    if (!isGradEnabled() || !(requires(a) || requires(b))) return constantOf(forward(unwrap(cond), unwrap(a), unwrap(b)));
    const vc = toVariable(cond, 'cond');
    const va = a instanceof Variable ? a : toVariable(a, 'a', (b as Variable).dtype);
    const vb = b instanceof Variable ? b : toVariable(b, 'b', va.dtype);
    return recordOp(op, [vc, va, vb], forward(vc.value, va.value, vb.value), undefined);
  };
}

/** A row whose derivative is zero wherever it exists: its results are constants, and only its formula is listed. */
function zeroGradient<P extends unknown[]>(name: string, forward: (x: TensorLike, ...args: P) => Tensor, formula: string): (x: VariableLike, ...args: P) => Variable {
  formulas.push([name, formula]);
  return (x, ...args) => constantOf(forward(unwrap(x), ...args));
}

function zeroGradientBinary(name: string, forward: (a: TensorLike, b: TensorLike) => Tensor, formula: string): BinaryFn {
  formulas.push([name, formula]);
  return (a, b) => constantOf(forward(unwrap(a), unwrap(b)));
}

type OneInputRule<A> = (g: Variable, x: Variable, y: Variable, attrs: A) => Variable;

/**
 * What an op of one operand gives when the tensor package hands that operand back unchanged (a
 * reshape to its own shape, an empty pad): a node anyway, or the operand itself.
 */
type WhenUnchanged = 'record' | 'return the operand';

/** A row of an op of one operand: its name, forward call, attributes, formula and rule. */
type OneOperandRow<P extends unknown[], A> = [
  name: string,
  forward: (x: Tensor, ...args: P) => Tensor,
  attrsOf: (x: Variable, ...args: P) => A,
  formula: string,
  rule: OneInputRule<A>,
];

function oneOperand<P extends unknown[], A>(whenUnchanged: WhenUnchanged, ...[name, forward, attrsOf, formula, rule]: OneOperandRow<P, A>): Op<P> {
  const op = primitive<A>(name, formula, (g, [x], y, attrs) => [rule(g, x, y, attrs)]);
  return (x, ...args) => {
    const v = toVariable(x, 'x');
    const out = forward(v.value, ...args);
    if (out === v.value && whenUnchanged === 'return the operand') return v;
    return recording(v) ? recordOp(op, [v], out, attrsOf(v, ...args)) : constantOf(out);
  };
}

/**
 * An op of one operand and non-Variable arguments, recorded with the attributes `attrsOf` makes of
 * them (only when recording, after the forward call has validated them).
 */
function withAttrs<P extends unknown[], A>(...row: OneOperandRow<P, A>): Op<P> {
  return oneOperand('record', ...row);
}

/** {@link withAttrs} for an op that moves elements: a no-op (its operand handed back) makes no node. */
function shapeOp<P extends unknown[], A>(...row: OneOperandRow<P, A>): Op<P> {
  return oneOperand('return the operand', ...row);
}

function reduction(
  name: string,
  forward: (x: Tensor, axis: Axis | undefined, keepDims: boolean) => Tensor,
  formula: string,
  rule: OneInputRule<ReduceAttrs>,
): Reduction {
  return withAttrs(name, forward, reduceAttrs, formula, rule);
}

function normalisation(
  name: string,
  forward: (x: Tensor, axis: number) => Tensor,
  formula: string,
  rule: OneInputRule<SoftmaxAttrs>,
): Normalisation {
  return withAttrs(name, forward, (x, axis): SoftmaxAttrs => ({ axis: T.normalizeAxis(axis, x.rank, 'axis') }), formula, rule);
}

/** {@link withAttrs} for an op reading or writing at int32 `indices`, a tensor already (the public op converts them once). */
function indexing<P extends unknown[], A>(
  name: string,
  forward: (x: Tensor, indices: Tensor, ...args: P) => Tensor,
  attrsOf: (x: Variable, indices: Tensor, ...args: P) => A,
  formula: string,
  rule: OneInputRule<A>,
): Op<[indices: Tensor, ...args: P]> {
  return withAttrs(name, forward, attrsOf, formula, rule);
}

// ---------------------------------------------------------------- the recorders of the rows with several inputs

/**
 * The gradient of {@link logSoftmax} along `axis` (non-negative or not) given its output `y` and
 * the gradient `g` arriving at it.
 */
export function logSoftmaxGrad(g: VariableLike, y: VariableLike, axis: number): Variable {
  const vy = toVariable(y, 'y');
  const vg = toVariable(g, 'g', vy.dtype);
  const out = T.logSoftmaxGrad(vg.value, vy.value, axis);
  if (!recording(vg) && !recording(vy)) return constantOf(out);
  return recordOp(LOG_SOFTMAX_GRAD, [vg, vy], out, { axis: T.normalizeAxis(axis, vy.rank, 'axis') });
}

/**
 * The gradient of {@link logSumExp} over `axis` given its input `x`, its output `y` and the
 * gradient `g` arriving at it (`g` and `y` with or without the reduced axes kept).
 */
export function logSumExpGrad(g: VariableLike, x: VariableLike, y: VariableLike, axis: Axis | undefined): Variable {
  const vx = toVariable(x, 'x');
  const vy = toVariable(y, 'y', vx.dtype);
  const vg = toVariable(g, 'g', vx.dtype);
  const out = T.logSumExpGrad(vg.value, vx.value, vy.value, axis);
  if (!recording(vg) && !recording(vx) && !recording(vy)) return constantOf(out);
  const axes = T.normalizeAxes(axis, vx.rank, 'axis');
  const keptShape = T.reducedShape(vx.shape, axes, true);
  // The recorded inputs are viewed in the kept-dims shape, so each rule returns its input's shape.
  const gk = T.shapesEqual(vg.shape, keptShape) ? vg : reshape(vg, keptShape);
  const yk = T.shapesEqual(vy.shape, keptShape) ? vy : reshape(vy, keptShape);
  return recordOp(LOG_SUM_EXP_GRAD, [gk, vx, yk], out, { axes, keepDims: true, keptShape });
}

/** Operands joined along `axis`; one operand the tensor package returns as it is stays itself. */
export function concat(vs: readonly Variable[], axis: number): Variable {
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

/** The matrix product (arguments checked by the public op); constants are not wrapped unless recorded. */
export function matmul(a: VariableLike, b: VariableLike, transposeA: boolean, transposeB: boolean): Variable {
  const out = T.matmul(unwrap(a), unwrap(b), transposeA, transposeB);
  if (!isGradEnabled() || !(requires(a) || requires(b))) return constantOf(out);
  return recordOp(MATMUL, [toVariable(a, 'a'), toVariable(b, 'b')], out, { transposeA, transposeB });
}

/** The 2-D convolution (arguments checked by the tensor package); constants are not wrapped unless recorded. */
export function conv2d(x: VariableLike, w: VariableLike, params: Conv2dParams): Variable {
  const out = T.conv2d(unwrap(x), unwrap(w), params);
  if (!isGradEnabled() || !(requires(x) || requires(w))) return constantOf(out);
  return recordOp(CONV2D, [toVariable(x, 'x'), toVariable(w, 'w')], out, { params });
}

/** The adjoint of {@link conv2d} in its input, for an input plane of `inputSize`. */
export function conv2dInputGrad(g: VariableLike, w: VariableLike, params: Conv2dParams, inputSize: Pair): Variable {
  const out = T.conv2dInputGrad(unwrap(g), unwrap(w), params, inputSize);
  if (!isGradEnabled() || !(requires(g) || requires(w))) return constantOf(out);
  return recordOp(CONV2D_INPUT_GRAD, [toVariable(g, 'g'), toVariable(w, 'w')], out, { params });
}

/** The adjoint of {@link conv2d} in its weight, for a kernel of `kernelSize`. */
export function conv2dWeightGrad(x: VariableLike, g: VariableLike, params: Conv2dParams, kernelSize: Pair): Variable {
  const out = T.conv2dWeightGrad(unwrap(x), unwrap(g), params, kernelSize);
  if (!isGradEnabled() || !(requires(x) || requires(g))) return constantOf(out);
  return recordOp(CONV2D_WEIGHT_GRAD, [toVariable(x, 'x'), toVariable(g, 'g')], out, { params });
}

/** 2-D average pooling (arguments checked by the tensor package). */
export function avgPool2d(x: VariableLike, params: Pool2dParams): Variable {
  const v = toVariable(x, 'x');
  const out = T.avgPool2d(v.value, params);
  return recording(v) ? recordOp(AVG_POOL2D, [v], out, { params }) : constantOf(out);
}

/** The adjoint of {@link avgPool2d}, for an input plane of `inputSize`. */
export function avgPool2dGrad(g: VariableLike, params: Pool2dParams, inputSize: Pair): Variable {
  const v = toVariable(g, 'g');
  const out = T.avgPool2dGrad(v.value, params, inputSize);
  return recording(v) ? recordOp(AVG_POOL2D_GRAD, [v], out, { params }) : constantOf(out);
}

/**
 * 2-D max pooling. Recorded, the values are read at the indices of each window's first maximum,
 * so the values and the elements their gradient goes back to are the same by construction.
 */
export function maxPool2d(x: VariableLike, params: Pool2dParams): Variable {
  const v = toVariable(x, 'x');
  if (!recording(v)) return constantOf(T.maxPool2d(v.value, params));
  const at = T.maxPool2dIndices(v.value, params);
  const [n, c, ho, wo] = at.shape as [number, number, number, number];
  const indices = T.reshape(at, [n, c, ho * wo]);
  const [, , h, w] = v.shape as [number, number, number, number];
  const out = T.reshape(T.takeAlongAxis(T.reshape(v.value, [n, c, h * w]), indices, 2), at.shape);
  return recordOp(MAX_POOL2D, [v], out, { params, indices });
}

/** Cuts `v` along axis `a` into parts of the given extents; with `dropAxis` (unstack) each part loses that axis. */
export function cut(v: Variable, sizes: readonly number[], a: number, { dropAxis }: { readonly dropAxis: boolean }): Variable[] {
  const begin = new Array<number>(v.rank).fill(0);
  const size = new Array<number>(v.rank).fill(-1);
  const values: Tensor[] = [];
  const partShapes: Shape[] = [];
  let offset = 0;
  for (const n of sizes) {
    begin[a] = offset;
    size[a] = n;
    let part = T.slice(v.value, begin, size);
    if (dropAxis) part = T.reshape(part, v.shape.filter((_, i) => i !== a));
    values.push(part);
    partShapes.push(part.shape);
    offset += n;
  }
  if (!recording(v)) return values.map(constantOf);
  const whole = recordOp(SPLIT, [v], v.value, { axis: a, sizes: [...sizes], partShapes, dropAxis });
  return values.map((value, index) => recordOp(SPLIT_PART, [whole], value, { index }));
}

// ---------------------------------------------------------------- attributes and helpers of the rules

function requires(x: VariableLike): boolean {
  return x instanceof Variable && x.requiresGrad;
}

function noAttrs(): undefined {
  return undefined;
}

function clipAttrs(_x: Variable, low: number, high: number): ClipAttrs {
  return { low, high };
}

function reduceAttrs(x: Variable, axis: Axis | undefined, keepDims: boolean): ReduceAttrs {
  const axes = T.normalizeAxes(axis, x.rank, 'axis');
  return { axes, keepDims, keptShape: T.reducedShape(x.shape, axes, true) };
}

function transposeAttrs(x: Variable, perm?: readonly number[]): TransposeAttrs {
  return { perm: perm === undefined ? x.shape.map((_, i) => x.rank - 1 - i) : perm.map((a) => T.normalizeAxis(a, x.rank, 'perm')) };
}

function sliceAttrs(x: Variable, begin: readonly number[]): SliceAttrs {
  return {
    begin: x.shape.map((d, i) => {
      const b = i < begin.length ? begin[i]! : 0;
      return b < 0 ? b + d : b;
    }),
  };
}

function padAttrs(_x: Variable, paddings: readonly (readonly [number, number])[], value?: number): PadAttrs {
  return { paddings: paddings.map((p) => [p[0], p[1]] as const), value: value ?? 0 };
}

/** The int32 form of the indices, kept for the backward pass (made only when recording). */
function asInt(indices: Tensor): Tensor {
  return indices.dtype === 'int32' ? indices : T.cast(indices, 'int32');
}

function indexAttrs(x: Variable, indices: Tensor, axis?: number): IndexAttrs {
  return { indices: asInt(indices), axis: T.normalizeAxis(axis ?? 0, x.rank, 'axis') };
}

function scatterAttrs(_updates: Variable, indices: Tensor, axis: number, shape: Shape): IndexAttrs {
  return { indices: asInt(indices), axis: T.normalizeAxis(axis, shape.length, 'axis') };
}

function pickAttrs(x: Variable, indices: Tensor, axis?: number): PickAttrs {
  const a = T.normalizeAxis(axis ?? -1, x.rank, 'axis');
  const keptShape = T.reducedShape(x.shape, [a], true);
  return { indices: T.reshape(asInt(indices), keptShape), axis: a, keptShape };
}

/** The last two extents of an NCHW tensor or OIHW weight. */
function planeSize(v: Variable): Pair {
  return [v.shape[2]!, v.shape[3]!];
}

/** `g` viewed with the reduced axes kept as size 1. */
function kept(g: Variable, attrs: ReduceAttrs): Variable {
  return reshape(g, attrs.keptShape);
}

function countOf(shape: Shape, axes: readonly number[]): number {
  let count = 1;
  for (const a of axes) count *= shape[a]!;
  return count;
}

/** The share of each element in the gradient of max/min: 1/k for each of the k tied extremes, 0 elsewhere. */
function extremeShare(x: Tensor, y: Tensor, attrs: ReduceAttrs): Variable {
  const isExtreme = T.equal(x, T.reshape(y, attrs.keptShape));
  return constantOf(T.div(isExtreme, T.sum(isExtreme, attrs.axes, true)));
}

/** Weights of `winner` in the gradient of maximum/minimum: 1 where it wins, 1/2 at a tie, 0 where it loses. */
function tieShare(winner: Variable, other: Variable, beats: (a: TensorLike, b: TensorLike) => Tensor): Variable {
  return constantOf(T.add(beats(winner.value, other.value), T.mul(T.equal(winner.value, other.value), 0.5)));
}

function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inverse[perm[i]!] = i;
  return inverse;
}

/** A slice's begin: `offset` along `axis`, 0 elsewhere. */
function offsetAlong(rank: number, axis: number, offset: number): number[] {
  const begin = new Array<number>(rank).fill(0);
  begin[axis] = offset;
  return begin;
}

/** The product's shape before 1-D operands' added axes were dropped. */
function fullProductShape(a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): number[] {
  const batch = T.broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul batch axes');
  const m = transposeA ? a[a.length - 1]! : a[a.length - 2]!;
  const n = transposeB ? b[b.length - 2]! : b[b.length - 1]!;
  return [...batch, m, n];
}

/**
 * Sums `x` down to `shape`, undoing a NumPy broadcast: leading axes `shape` lacks are summed away,
 * and so are the axes where `shape` has 1 and `x` does not.
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
