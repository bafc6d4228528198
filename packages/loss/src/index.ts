/**
 * The Gluon losses as first-class graph nodes: every loss call is one named scope of autograd
 * ops, so its gradient (and its gradient's gradient) comes from the tape, and a graph shows it
 * as one composite node. Options are validated with zod schemas, which also give their types.
 *
 * @packageDocumentation
 */
export {
  Loss, lossOptionsSchema, sampleWeightInputsSchema, reductionSchema, type Reduction, type PerSampleLosses,
  type LossOptions, type ResolvedLossOptions, type BaseResolvedOptions, type SampleWeightInputs, type PredLabelArgs,
  type PreparedPair, type PrepareOptions, elementwiseLoss, ElementwiseLoss, type ElementwiseFormula, type ElementwiseLossClass, lossClass, type LossClass,
} from './base.js';
export { defineLoss, type DefineLossConfig, type DefinedLossClass, type DefinedLossOptions, type DefinedLossInput } from './define-loss.js';
export { L2Loss, l2LossSchema, type L2LossOptions } from './l2.js';
export { L1Loss, l1LossSchema, type L1LossOptions } from './l1.js';
export {
  SigmoidBinaryCrossEntropyLoss, SigmoidBCELoss, sigmoidBCELossSchema, sigmoidBCEInputsSchema, sigmoidCrossEntropy,
  type SigmoidBCELossOptions, type SigmoidBCEInputs,
} from './sigmoid-bce.js';
export {
  SoftmaxCrossEntropyLoss, SoftmaxCELoss, softmaxCELossSchema, CrossEntropyLoss, type CrossEntropySettings, type SoftmaxCELossOptions,
} from './softmax-ce.js';
export { KLDivLoss, klDivLossSchema, type KLDivLossOptions } from './kldiv.js';
export { CTCLoss, ctcLossSchema, ctcInputsSchema, type CTCLossOptions, type CTCInputs } from './ctc.js';
export {
  ctcGreedyDecode, ctcBeamSearch, ctcBeamSearchPaths, ctcDecodeOptionsSchema, ctcBeamSearchOptionsSchema,
  type CTCDecodeOptions, type CTCBeamSearchOptions, type CTCHypothesis,
} from './ctc-decode.js';
export { HuberLoss, huberLossSchema, type HuberLossOptions } from './huber.js';
export { HingeLoss, hingeLossSchema, type HingeLossOptions } from './hinge.js';
export { SquaredHingeLoss, squaredHingeLossSchema, type SquaredHingeLossOptions } from './squared-hinge.js';
export { LogisticLoss, logisticLossSchema, type LogisticLossOptions } from './logistic.js';
export { TripletLoss, tripletLossSchema, type TripletLossOptions } from './triplet.js';
export { PoissonNLLLoss, poissonNLLLossSchema, type PoissonNLLLossOptions } from './poisson-nll.js';
export { CosineEmbeddingLoss, cosineEmbeddingLossSchema, type CosineEmbeddingLossOptions } from './cosine-embedding.js';
export { SDMLLoss, sdmlLossSchema, type SDMLLossOptions } from './sdml.js';
export { NLLLoss, nllLossSchema, type NLLLossOptions } from './nll.js';
export { MarginRankingLoss, marginRankingLossSchema, type MarginRankingLossOptions } from './margin-ranking.js';
export { GaussianNLLLoss, gaussianNLLLossSchema, type GaussianNLLLossOptions } from './gaussian-nll.js';
export { MultiLabelSoftMarginLoss, multiLabelSoftMarginLossSchema, type MultiLabelSoftMarginLossOptions } from './multilabel-soft-margin.js';
export { SigmoidFocalLoss, sigmoidFocalLossSchema, type SigmoidFocalLossOptions } from './sigmoid-focal.js';
export { SmoothL1Loss, smoothL1LossSchema, type SmoothL1LossOptions } from './smooth-l1.js';
export { isVariableLike, operandSchema, convertOperand, type ReadOperand } from './validation.js';
