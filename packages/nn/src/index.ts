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
export { ConvBlock, Conv1D, Conv2D, Conv1DOptionsSchema, Conv2DOptionsSchema, type Conv1DOptions, type Conv2DOptions } from './convolution.js';
export {
  PoolBlock, GlobalPoolBlock, MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D, GlobalAvgPool1D, GlobalAvgPool2D, Flatten,
  Pool1DOptionsSchema, Pool2DOptionsSchema, NameOnlyOptionsSchema, type Pool1DOptions, type Pool2DOptions, type NameOnlyOptions,
} from './pooling.js';
export {
  Activation, applyActivation, ACTIVATIONS, activationSchema, ActivationOptionsSchema,
  type ActivationName, type ActivationOptions,
} from './activation.js';
export {
  Optimizer, BaseOptimizerOptionsSchema, SavedStatesSchema, type BaseOptimizerOptions, type ParamsInput, type SavedStates,
} from './optimizer.js';
export { SGD, SGDOptionsSchema, type SGDOptions } from './sgd.js';
export {
  Adam, AdamW, AdamOptionsSchema, AdamWOptionsSchema, type AdamOptions, type AdamWOptions, type AdamState,
} from './adam.js';
export { RMSProp, RMSPropOptionsSchema, type RMSPropOptions, type RMSPropState } from './rmsprop.js';
export {
  LRScheduler, FactorScheduler, CosineScheduler, FactorSchedulerOptionsSchema, CosineSchedulerOptionsSchema,
  type FactorSchedulerOptions, type CosineSchedulerOptions,
} from './scheduler.js';
export { clipGlobalNorm } from './clip.js';
export { DataLoader, DataLoaderOptionsSchema, type DataLoaderOptions, type Batch } from './data.js';
export { fit, FitOptionsSchema, type FitLoss, type LossLike, type FitOptions, type FitProgress, type FitResult } from './fit.js';
export { accuracy, Accuracy, AccuracyOptionsSchema, type AccuracyOptions } from './metrics.js';
export {
  saveParameters, loadParameters, parametersToJSON, SavedParameterSchema, SavedParametersSchema, LoadOptionsSchema,
  type SavedParameter, type SavedParameters, type LoadOptions, type ParameterSource,
} from './serialize.js';
export { floatDTypeSchema } from './options.js';
export { Embedding, EmbeddingOptionsSchema, type EmbeddingOptions } from './embedding.js';
export { Dropout, DropoutOptionsSchema, type DropoutOptions } from './dropout.js';
export {
  LayerNorm, BatchNorm, LayerNormOptionsSchema, BatchNormOptionsSchema, type LayerNormOptions, type BatchNormOptions,
} from './normalization.js';
export {
  RecurrentLayer, RNN, GRU, LSTM, RecurrentOptionsSchema, RNNOptionsSchema, type RecurrentOptions, type RNNOptions, type RecurrentState,
} from './rnn.js';
