/**
 * Layers, initialisers, optimisers, data loading, metrics and parameter files: what it takes to
 * train a small net end to end, in the shape of MXNet Gluon's API.
 *
 * @example
 * ```ts
 * import { Sequential, Dense, Xavier, SGD, DataLoader, Accuracy } from '@lossgraph/nn';
 * const net = new Sequential().add(new Dense(128, { activation: 'relu' }), new Dense(10));
 * net.initialize({ init: new Xavier(), seed: 0 });
 * const opt = new SGD(net, { learningRate: 0.1, momentum: 0.9 });
 * ```
 *
 * @packageDocumentation
 */
export {
  Initializer, Xavier, Uniform, Normal, Constant, Zero, One, toInitializer, INITIALIZER_NAMES,
  InitOptionsSchema, XavierOptionsSchema, initializerLikeSchema,
  type InitOptions, type XavierOptions, type InitializerLike, type FloatDType,
} from './initializer.js';
export {
  Parameter, UNKNOWN_DIM, describeShape, ParameterOptionsSchema, ParameterInitOptionsSchema,
  type ParameterOptions, type ParameterInitOptions, type ParameterOwner,
} from './parameter.js';
export { Block, BlockOptionsSchema, blockNameSchema, type BlockOptions } from './block.js';
export { Sequential } from './sequential.js';
export { Dense, DenseOptionsSchema, type DenseOptions } from './dense.js';
export {
  Activation, applyActivation, ACTIVATIONS, activationSchema, ActivationOptionsSchema,
  type ActivationName, type ActivationOptions,
} from './activation.js';
export { Optimizer, BaseOptimizerOptionsSchema, type BaseOptimizerOptions, type ParamsInput } from './optimizer.js';
export { SGD, SGDOptionsSchema, type SGDOptions } from './sgd.js';
export { Adam, AdamOptionsSchema, type AdamOptions, type AdamState } from './adam.js';
export { DataLoader, DataLoaderOptionsSchema, type DataLoaderOptions, type Batch } from './data.js';
export { fit, FitOptionsSchema, type FitLoss, type FitOptions, type FitProgress, type FitResult } from './fit.js';
export { accuracy, Accuracy, AccuracyOptionsSchema, type AccuracyOptions } from './metrics.js';
export {
  saveParameters, loadParameters, parametersToJSON, SavedParameterSchema, SavedParametersSchema, LoadOptionsSchema,
  type SavedParameter, type SavedParameters, type LoadOptions, type ParameterSource,
} from './serialize.js';
export { parseOptions, floatDTypeSchema } from './options.js';
