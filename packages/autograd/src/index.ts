/**
 * Variables, the tape, differentiable ops with their gradient rules, grad/valueAndGrad and
 * gradcheck. Every op on a Variable that requires grad is recorded; `backward` and `grad` replay
 * the record backwards, and can record themselves for higher-order gradients.
 *
 * @packageDocumentation
 */
export { Variable, Node, variable, constant, toVariable, recordOp, type VariableLike, type VariableOptions } from './variable.js';
export { defineOp, type OpDef, type GradRule, type InputGrad } from './op-def.js';
export { DERIVATIVE_FORMULAS } from './derivatives.js';
export type {
  UnaryFn, BinaryFn, Axis, ClipAttrs, CastAttrs, ReduceAttrs, SoftmaxAttrs, TransposeAttrs, SliceAttrs, PadAttrs, ConcatAttrs,
  IndexAttrs, PickAttrs, MatmulAttrs, SplitAttrs, SplitPartAttrs, ConvAttrs, PoolAttrs, MaxPoolAttrs,
} from './op-types.js';
export { noGrad, enableGrad, isGradEnabled } from './mode.js';
export { scope, currentScope, scopeFrames, scopePath, type ScopeFrame } from './scope.js';
export {
  runBackward, gradients,
  type BackwardOptions, type BackwardPass, type BackwardVisit, type GradientsOptions,
} from './engine.js';
export { grad, valueAndGrad, type Differentiable, type GradOptions, type ValueAndGrads } from './functional.js';
export {
  gradcheck, assertGradcheck, GradcheckError,
  type GradcheckOptions, type GradcheckResult, type GradcheckInputReport, type GradcheckWorst,
} from './gradcheck.js';
export {
  neg, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, abs, sin, cos, erf, tanh, sigmoid, softplus, logSigmoid, relu,
  sign, floor, ceil, round,
  add, sub, mul, div, pow, maximum, minimum,
  equal, notEqual, less, lessEqual, greater, greaterEqual,
  where, clip, cast,
} from './ops/elementwise.js';
export {
  sum, mean, max, min, logSumExp, softmax, logSoftmax, logSoftmaxGrad, logSumExpGrad, norm, sumTo, dot, type NormOrder,
} from './ops/reduce.js';
export { reshape, transpose, expandDims, squeeze, broadcastTo, slice, concat, stack, pad } from './ops/shape.js';
export { split, unstack } from './ops/split.js';
export { gather, scatterAdd, takeAlongAxis, scatterAlongAxis, pick, oneHot, argmax, argmin } from './ops/indexing.js';
export { matmul } from './ops/linalg.js';
export {
  conv1d, conv2d, maxPool1d, maxPool2d, avgPool1d, avgPool2d,
  Conv1dOptionsSchema, Conv2dOptionsSchema, Pool1dOptionsSchema, Pool2dOptionsSchema,
  type Conv1dOptions, type Conv2dOptions, type Pool1dOptions, type Pool2dOptions,
} from './ops/convolution.js';
export { summarize, type TensorSummary, type SummaryOptions } from './inspect/summary.js';
export {
  graphOf,
  type GraphDescription, type GraphNode, type GraphEdge, type GraphScope, type GraphNodeKind, type GraphOptions, type JsonValue,
} from './inspect/graph.js';
export { toDot, toMermaid, toJSON, escapeDot, escapeMermaid, type RenderOptions } from './inspect/render.js';
export { backwardTrace, formatTrace, type BackwardTrace, type BackwardStep, type TraceContribution } from './inspect/trace.js';
