import * as z from 'zod';
import * as T from '@lossgraph/tensor';
import { logSoftmax, mul, neg, pick, reshape, sum, type Variable, type VariableLike } from '@lossgraph/autograd';
import { Loss, lossOptionsSchema, sampleWeightInputsSchema, type PredLabelArgs } from './base.js';
import { floatDtypeOf, hostValues, integerCheck, reshapeCheck } from './validation.js';

/**
 * Options of {@link SoftmaxCrossEntropyLoss}.
 *
 * @example
 * ```ts
 * softmaxCELossSchema.parse({ sparseLabel: false });   // { ..., axis: -1, sparseLabel: false, fromLogits: false }
 * ```
 */
export const softmaxCELossSchema = lossOptionsSchema.extend({
  /** Gluon `axis`: the class axis of pred (negative counts from the end). */
  axis: z.number().int().default(-1).describe('Gluon `axis`: the class axis (negative counts from the end)'),
  /** Gluon `sparse_label`: labels are class indices (true) or distributions of pred's shape (false). */
  sparseLabel: z.boolean().default(true).describe('Gluon `sparse_label`: labels are class indices rather than probability distributions'),
  /** Gluon `from_logits`: pred already holds log-probabilities, so no log-softmax is applied. */
  fromLogits: z.boolean().default(false).describe('Gluon `from_logits`: pred holds log-probabilities'),
});
/**
 * Options of {@link SoftmaxCrossEntropyLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SoftmaxCELossOptions = { sparseLabel: false, axis: 1 };
 * new SoftmaxCELoss(options).forward([[1, 2, 3]], [[0, 0, 1]]);
 * ```
 */
export type SoftmaxCELossOptions = z.input<typeof softmaxCELossSchema>;

/**
 * Checks a class axis against a rank and returns it non-negative.
 * @throws RangeError naming the option
 * @internal
 */
export function classAxis(lossName: string, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) {
    throw new RangeError(`${lossName}: option 'axis' is ${axis}, but pred has ${rank} ${rank === 1 ? 'axis' : 'axes'} (it must be in [${-rank}, ${rank}))`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Gluon's `SoftmaxCrossEntropyLoss` (alias {@link SoftmaxCELoss}): the cross-entropy of a
 * softmax over the class axis.
 *
 * With `logp = logSoftmax(pred, axis)` (or `pred` itself when `fromLogits`):
 * sparse labels give `L = -pick(logp, label, axis)`, dense labels `L = -Σ_axis logp · label`
 * (both keeping the class axis as size 1); then `· sampleWeight · weight` and the mean over the
 * non-batch axes. The output has shape `(batch,)`.
 *
 * Options (Gluon names in brackets): `axis` [`axis`, default -1], `sparseLabel` [`sparse_label`,
 * default true], `fromLogits` [`from_logits`, default false], `weight` [`weight`, default null], `batchAxis`
 * [`batch_axis`, default 0]. Inputs: `forward(pred, label, { sampleWeight })`. A sparse label has pred's
 * shape without the class axis (or with it as size 1) and holds integers in [0, classes)
 * (int32 or integer-valued floats; unlike MXNet, out-of-range indices are an error, not clipped).
 * A dense label is reshaped to pred's shape. The sample weight broadcasts to the loss shape
 * before the mean: pred's shape with the class axis as size 1, e.g. `(batch, 1)`. The class axis
 * must differ from `batchAxis` (a RangeError otherwise, at construction for a non-negative `axis`).
 *
 * @example
 * ```ts
 * const loss = new SoftmaxCrossEntropyLoss();
 * loss.forward([[0, 2], [1, 4]], [0, 1]).toArray();   // [2.1269, 0.0486]
 * ```
 */
export class SoftmaxCrossEntropyLoss extends Loss<z.infer<typeof softmaxCELossSchema>> {
  /** The options' zod schema (types, defaults, validation and docs). */
  static readonly schema = softmaxCELossSchema;

  /**
   * @param options - `axis`, `sparseLabel`, `fromLogits`, `weight`, `batchAxis`
   * @throws RangeError when `axis` is non-negative and equal to `batchAxis`
   */
  constructor(options: SoftmaxCELossOptions = {}) {
    super('SoftmaxCrossEntropyLoss', softmaxCELossSchema, options);
    // A non-negative axis is known now; a negative one only against pred's rank (in forward).
    if (this.options.axis >= 0) this.checkClassAxisIsNotBatchAxis(this.options.axis);
  }

  /** The class axis summed over by the softmax cannot also be the axis the batch runs along. */
  private checkClassAxisIsNotBatchAxis(axis: number): void {
    if (axis !== this.batchAxis) return;
    throw new RangeError(
      `${this.name}: option 'axis' (${this.options.axis}) is the batch axis (batchAxis ${this.batchAxis}): ` +
        'the classes and the samples of a batch must lie along different axes',
    );
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const p = this.toVariable(pred, 'pred', floatDtypeOf(pred));
    const axis = classAxis(this.name, this.options.axis, p.rank);
    this.checkClassAxisIsNotBatchAxis(axis);
    const lossShape = T.reducedShape(p.shape, [axis], true);
    this.checkBatchAxis(lossShape.length);
    if (this.options.sparseLabel) {
      const index = this.sparseIndex(label, p.shape, axis);
      const sampleWeight = this.prepareSampleWeight(given.sampleWeight, lossShape, p.dtype);
      const logp = this.options.fromLogits ? p : logSoftmax(p, axis);
      return this.meanOverNonBatchAxes(this.applyWeighting(neg(pick(logp, index, axis, true)), sampleWeight));
    }
    let l = this.toVariable(label, 'label', p.dtype);
    reshapeCheck(this.name, 'label', l.shape, p.shape, 'pred');
    l = reshape(l, p.shape);
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, lossShape, p.dtype);
    const logp = this.options.fromLogits ? p : logSoftmax(p, axis);
    return this.meanOverNonBatchAxes(this.applyWeighting(neg(sum(mul(logp, l), axis, true)), sampleWeight));
  }

  /** The sparse label as int32 indices of pred's shape with the class axis as size 1, checked. */
  private sparseIndex(label: VariableLike, predShape: readonly number[], axis: number): T.Tensor {
    const { values, shape } = hostValues(this.name, 'label', label);
    const without = predShape.filter((_, i) => i !== axis);
    const kept = T.reducedShape(predShape, [axis], true);
    if (!T.shapesEqual(shape, without) && !T.shapesEqual(shape, kept)) {
      throw new RangeError(
        `${this.name}: a sparse label must have pred's shape without the class axis ${axis}, ${T.formatShape(without)} ` +
          `(or ${T.formatShape(kept)}), got shape ${T.formatShape(shape)}`,
      );
    }
    const classes = predShape[axis]!;
    integerCheck(this.name, 'label', values, shape, 0, classes, `class indices must lie in [0, ${classes}) for pred's ${classes} classes along axis ${axis}`);
    return T.tensor(Int32Array.from(values), kept, 'int32');
  }
}

/** Gluon's alias of {@link SoftmaxCrossEntropyLoss}. @example new SoftmaxCELoss({ sparseLabel: false }) */
export const SoftmaxCELoss = SoftmaxCrossEntropyLoss;
/** Gluon's alias of {@link SoftmaxCrossEntropyLoss}. */
export type SoftmaxCELoss = SoftmaxCrossEntropyLoss;
