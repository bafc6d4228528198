import * as z from 'zod/mini';
import { add, log, mul, neg, softplus, sub, type Variable, type VariableLike } from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, sampleWeightInputsSchema } from './base.js';
import { broadcastCheck, convertOperand, floatDtypeOf, hostValues, optionalOperand, valueCheck, type ReadOperand } from './validation.js';

/**
 * Options of {@link SigmoidBinaryCrossEntropyLoss}.
 *
 * @example
 * ```ts
 * sigmoidBCELossSchema.parse({ fromSigmoid: true });   // { weight: null, batchAxis: 0, fromSigmoid: true }
 * ```
 */
export const sigmoidBCELossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `from_sigmoid`: pred already holds probabilities in (0, 1) rather than logits. */
  fromSigmoid: z._default(z.boolean(), false).check(z.describe('Gluon `from_sigmoid`: pred holds probabilities, not logits')),
});
/**
 * Options of {@link SigmoidBinaryCrossEntropyLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SigmoidBCELossOptions = { fromSigmoid: true };
 * new SigmoidBCELoss(options).forward([[0.9, 0.2]], [[1, 0]]);
 * ```
 */
export type SigmoidBCELossOptions = z.input<typeof sigmoidBCELossSchema>;

/**
 * The trailing inputs of {@link SigmoidBinaryCrossEntropyLoss.forward}.
 *
 * @example
 * ```ts
 * sigmoidBCEInputsSchema.parse({ posWeight: [2, 1], sampleWeight: null });
 * ```
 */
export const sigmoidBCEInputsSchema = z.extend(sampleWeightInputsSchema, {
  /** Weight of the positive term, broadcast to pred's shape (e.g. one per class). */
  posWeight: optionalOperand,
});
/**
 * The trailing inputs of {@link SigmoidBinaryCrossEntropyLoss.forward}.
 *
 * @example
 * ```ts
 * const inputs: SigmoidBCEInputs = { posWeight: [3, 1] };   // weigh positives of class 0 three times
 * new SigmoidBCELoss().forward([[0.5, -1]], [[1, 0]], inputs);
 * ```
 */
export type SigmoidBCEInputs = z.input<typeof sigmoidBCEInputsSchema>;

/** Added inside the logarithms of the `fromSigmoid` form, as in Gluon, so that p = 0 or 1 stays finite. */
const PROBABILITY_EPSILON = 1e-12;

/**
 * Binary cross-entropy from logits, `-(posWeight·z·log σ(x) + (1 - z)·log σ(-x))`, written as
 * `posWeight·z·softplus(-x) + (1 - z)·softplus(x)` (as -log σ(x) = softplus(-x)) so that it is exact
 * in both tails (|x| up to 100 and beyond in float32), smooth at x = 0, and costs two softplus and
 * no negations of whole sums. It equals Gluon's `relu(x) - x·z + softrelu(-|x|)` (and its posWeight
 * form) exactly.
 *
 * @param logits - the scores x
 * @param label - the targets z in [0, 1]
 * @param posWeight - optional weight of the positive term
 *
 * @example
 * ```ts
 * sigmoidCrossEntropy(variable([0]), constant([1])).item();   // ln 2
 * ```
 */
export function sigmoidCrossEntropy(logits: Variable, label: VariableLike, posWeight?: VariableLike): Variable {
  const positive = mul(label, softplus(neg(logits)));
  const negative = mul(sub(1, label), softplus(logits));
  return add(posWeight === undefined ? positive : mul(positive, posWeight), negative);
}

/**
 * Gluon's `SigmoidBinaryCrossEntropyLoss` (alias {@link SigmoidBCELoss}): binary cross-entropy
 * of independent sigmoid outputs, for labels in [0, 1] (soft labels allowed).
 *
 * From logits x (default), with an optional positive weight `pw`:
 * `L = -(pw·z·log σ(x) + (1 - z)·log σ(-x))`, which is Gluon's `relu(x) - x·z + softrelu(-|x|)`
 * (`pw = 1`) evaluated stably. With `fromSigmoid`, from probabilities p:
 * `L = -(pw·z·log(p + 1e-12) + (1 - z)·log(1 - p + 1e-12))`, and pred outside [0, 1] (or NaN) is
 * an error naming pred, as PyTorch's `BCELoss` raises (Gluon returns NaN). Then
 * `· sampleWeight · weight` and the mean over the non-batch axes.
 *
 * Options (Gluon names in brackets): `fromSigmoid` [`from_sigmoid`, default false], `weight`
 * [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight, posWeight })`;
 * `label` is reshaped to pred's shape; `posWeight` [`pos_weight`] must broadcast to pred's shape.
 *
 * @example
 * ```ts
 * const loss = new SigmoidBinaryCrossEntropyLoss();
 * loss.forward([[0, 2]], [[1, 0]], { posWeight: [2, 1] }).toArray();   // [(2·ln 2 + softplus(2)) / 2]
 * ```
 */
export class SigmoidBinaryCrossEntropyLoss extends lossClass('SigmoidBinaryCrossEntropyLoss', sigmoidBCELossSchema)<[pred: VariableLike, label: VariableLike, inputs?: SigmoidBCEInputs]> {
  protected compute(pred: VariableLike, label: VariableLike, inputs?: SigmoidBCEInputs): Variable {
    const given = this.readInputs(sigmoidBCEInputsSchema, inputs);
    const dtype = floatDtypeOf(pred);
    let readPosWeight: ReadOperand | undefined;
    if (given.posWeight !== undefined && given.posWeight !== null) {
      readPosWeight = this.readOperand(given.posWeight, 'posWeight', dtype);
      broadcastCheck(this.name, 'posWeight', readPosWeight.shape, this.readOperand(pred, 'pred', dtype).shape, "pred's shape");
    }
    if (this.options.fromSigmoid) {
      const { values, shape } = hostValues(this.name, 'pred', pred);
      valueCheck(this.name, 'pred', values, shape, (v) => v >= 0 && v <= 1, 'with fromSigmoid: true, pred holds probabilities, which must lie in [0, 1]; pass logits with fromSigmoid: false');
    }
    const { pred: p, label: z, sampleWeight } = this.preparePair(pred, label, given.sampleWeight);
    const posWeight = readPosWeight === undefined ? undefined : convertOperand(readPosWeight, dtype);
    let loss: Variable;
    if (!this.options.fromSigmoid) loss = sigmoidCrossEntropy(p, z, posWeight);
    else {
      const positive = mul(log(add(p, PROBABILITY_EPSILON)), z);
      // (1 - p) + eps, in that order: at p = 1 the sum is eps, not 0, even in float32.
      const negative = mul(log(add(sub(1, p), PROBABILITY_EPSILON)), sub(1, z));
      loss = neg(add(posWeight === undefined ? positive : mul(positive, posWeight), negative));
    }
    return this.meanOverNonBatchAxes(this.applyWeighting(loss, sampleWeight));
  }
}

/** Gluon's alias of {@link SigmoidBinaryCrossEntropyLoss}. @example new SigmoidBCELoss({ fromSigmoid: true }) */
export const SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss;
/** Gluon's alias of {@link SigmoidBinaryCrossEntropyLoss}. */
export type SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss;
