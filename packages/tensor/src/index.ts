/**
 * Tensors, shapes and dtypes, and the primitive ops that run on a pluggable backend:
 * `cpu` (typed-array loops) or `gpujs` (GPU.js kernels, registered by importing
 * `@lossgraph/tensor/gpujs`).
 *
 * @packageDocumentation
 */
export { Tensor, nextTask, type NestedArray } from './tensor.js';
export { type DType, type TypedArray, promoteTypes, isFloat, assertDType } from './dtype.js';
export {
  type Shape, sizeOf, broadcastShapes, normalizeAxis, normalizeAxes, shapesEqual, formatShape, reducedShape,
} from './shape.js';
export { type Backend, type BackendStats } from './backend.js';
export {
  PRIMITIVES, UNARY_OPS, BINARY_OPS, primitivesOf, resultDType, missingKernel, type PrimitiveName, type PrimitiveSpec, type PrimitiveFamily,
  type PrimitiveOf, type DTypeRule, type SimdCodes, type SimdOp, type UnaryOp, type BinaryOp, type ReduceOp, type ArgReduceOp,
  type FusableOp,
} from './primitives.js';
export {
  setBackend, getBackend, getStats, resetStats, registerBackend, backendOptionsSchema, gpuJsModeSchema,
  type BackendOptions, type GpuJsMode, type BackendFactory,
} from './registry.js';
export {
  tensor, hostArray, scalar, zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, toTensor,
  randOptionsSchema, randnOptionsSchema, type TensorInput, type TensorLike, type RandOptions, type RandnOptions,
} from './creation.js';
export { setSeed, Random } from './random.js';
export { parseOptions, parseArgument, describeValue, type ParsedKind } from './options.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/indexing.js';
export * from './ops/linalg.js';
export * from './ops/convolution.js';
export * from './ops/memory.js';
export { tidy, keep, isKept, memory, registerTensorHolder, collectMade, type BackendMemory, type TensorHolderVisitor } from './lifetime.js';
export { CpuBackend } from './backends/cpu.js';
