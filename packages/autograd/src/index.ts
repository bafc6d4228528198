/**
 * Variables, the tape, differentiable ops with their gradient rules, grad/valueAndGrad and
 * gradcheck. Every op on a Variable that requires grad is recorded; `backward` and `grad` replay
 * the record backwards, and can record themselves for higher-order gradients.
 *
 * @packageDocumentation
 */
export {
  Variable, Node, variable, constant, toVariable, defineOp, recordOp,
  type VariableLike, type VariableOptions, type OpDef, type GradRule,
} from './variable.js';
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
  neg, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, abs, sin, cos, tanh, sigmoid, softplus, logSigmoid, relu,
  sign, floor, ceil, round,
  add, sub, mul, div, pow, maximum, minimum,
  equal, notEqual, less, lessEqual, greater, greaterEqual,
  where, clip, cast,
  type UnaryFn, type BinaryFn, type ClipAttrs, type CastAttrs,
} from './ops/elementwise.js';
export {
  sum, mean, max, min, logSumExp, softmax, logSoftmax, logSoftmaxGrad, logSumExpGrad, norm, sumTo, dot,
  type Axis, type NormOrder, type ReduceAttrs, type SoftmaxAttrs,
} from './ops/reduce.js';
export {
  reshape, transpose, expandDims, squeeze, broadcastTo, slice, concat, stack, pad,
  type TransposeAttrs, type SliceAttrs, type PadAttrs, type ConcatAttrs,
} from './ops/shape.js';
export { split, unstack, type SplitAttrs, type SplitPartAttrs } from './ops/split.js';
export {
  gather, scatterAdd, takeAlongAxis, scatterAlongAxis, pick, oneHot, argmax, argmin,
  type IndexAttrs, type PickAttrs,
} from './ops/indexing.js';
export { matmul, type MatmulAttrs } from './ops/linalg.js';
export { summarize, type TensorSummary, type SummaryOptions } from './inspect/summary.js';
export {
  graphOf,
  type GraphDescription, type GraphNode, type GraphEdge, type GraphScope, type GraphNodeKind, type GraphOptions, type JsonValue,
} from './inspect/graph.js';
export { toDot, toMermaid, toJSON, escapeDot, escapeMermaid, type RenderOptions } from './inspect/render.js';
export { backwardTrace, formatTrace, type BackwardTrace, type BackwardStep, type TraceContribution } from './inspect/trace.js';
