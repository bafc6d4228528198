import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { add, logSoftmax, mul, neg, pick, reshape, sum, type Variable, type VariableLike } from '@lossgraph/autograd';
import { Loss, lossOptionsSchema, sampleWeightInputsSchema, type PerSampleLosses, type PredLabelArgs, type ResolvedLossOptions } from './base.js';
import { convertOperand, floatDtypeOf, hostValues, integerCheck, reshapeCheck } from './validation.js';

/**
 * Options of {@link SoftmaxCrossEntropyLoss}.
 *
 * @example
 * ```ts
 * softmaxCELossSchema.parse({ sparseLabel: false });   // { ..., axis: -1, sparseLabel: false, fromLogits: false }
 * ```
 */
export const softmaxCELossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `axis`: the class axis of pred (negative counts from the end). */
  axis: z._default(z.number().check(z.int()), -1).check(z.describe('Gluon `axis`: the class axis (negative counts from the end)')),
  /** Gluon `sparse_label`: labels are class indices (true) or distributions of pred's shape (false). */
  sparseLabel: z._default(z.boolean(), true).check(z.describe('Gluon `sparse_label`: labels are class indices rather than probability distributions')),
  /** Gluon `from_logits`: pred already holds log-probabilities, so no log-softmax is applied. */
  fromLogits: z._default(z.boolean(), false).check(z.describe('Gluon `from_logits`: pred holds log-probabilities')),
  /** PyTorch `ignore_index`: a sparse label equal to it gives loss 0 and is left out of 'mean'; null for none. */
  ignoreIndex: z._default(z.nullable(z.number().check(z.int())), null).check(z.describe("PyTorch `ignore_index`: sparse labels equal to it give 0 and are left out of 'mean'; null for none")),
  /** PyTorch `weight`: one non-negative weight per class; null for none. */
  classWeight: z._default(z.nullable(z.array(z.number().check(z.nonnegative()))), null).check(z.describe('PyTorch `weight`: one non-negative weight per class; null for none')),
  /** PyTorch `label_smoothing`: the share ε of the target mass spread uniformly over the classes, in [0, 1). */
  labelSmoothing: z._default(z.number().check(z.minimum(0), z.lt(1)), 0).check(z.describe('PyTorch `label_smoothing`: share of the target mass spread uniformly over the classes, in [0, 1)')),
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
 * What {@link CrossEntropyLoss} computes with: the cross-entropy options of
 * {@link SoftmaxCrossEntropyLoss}, which NLLLoss fixes in part.
 * @internal
 */
export interface CrossEntropySettings {
  readonly axis: number;
  readonly sparseLabel: boolean;
  readonly fromLogits: boolean;
  readonly ignoreIndex: number | null;
  readonly classWeight: readonly number[] | null;
  readonly labelSmoothing: number;
}

/**
 * The cross-entropy shared by {@link SoftmaxCrossEntropyLoss} and NLLLoss: Gluon's per-sample
 * loss, with PyTorch's `ignore_index`, class `weight` and `label_smoothing`, and PyTorch's
 * weighted `'mean'` (the summed loss over the summed class weights of the counted labels).
 *
 * @typeParam Options - the loss's resolved options
 * @example
 * ```ts
 * const loss: CrossEntropyLoss<z.infer<typeof softmaxCELossSchema>> = new SoftmaxCELoss({ labelSmoothing: 0.1 });
 * ```
 */
export abstract class CrossEntropyLoss<Options extends ResolvedLossOptions> extends Loss<Options> {
  /** The cross-entropy options in force. */
  protected abstract get settings(): CrossEntropySettings;

  /**
   * The class axis summed over by the softmax cannot also be the axis the batch runs along.
   * @param axis - the class axis, non-negative
   * @throws RangeError when it is the batch axis
   */
  protected checkClassAxisIsNotBatchAxis(axis: number): void {
    if (axis !== this.batchAxis) return;
    throw new RangeError(
      `${this.name}: option 'axis' (${this.settings.axis}) is the batch axis (batchAxis ${this.batchAxis}): ` +
        'the classes and the samples of a batch must lie along different axes',
    );
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable | PerSampleLosses {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const { sparseLabel, fromLogits, ignoreIndex, classWeight, labelSmoothing } = this.settings;
    // Every check runs on the operands as read, before any cast: a refused call runs no kernel.
    const dtype = floatDtypeOf(pred);
    const readPred = this.readOperand(pred, 'pred', dtype);
    const predShape = readPred.shape;
    const axis = classAxis(this.name, this.settings.axis, predShape.length);
    this.checkClassAxisIsNotBatchAxis(axis);
    const lossShape = T.reducedShape(predShape, [axis], true);
    this.checkBatchAxis(lossShape.length);
    const classes = predShape[axis]!;
    if (classWeight !== null && classWeight.length !== classes) {
      throw new RangeError(`${this.name}: option 'classWeight' has ${classWeight.length} entries, but pred has ${classes} classes along axis ${axis}`);
    }
    // The class weights as a tensor along the class axis, for the terms summed over the classes.
    const weightAlongAxis = (): T.Tensor | undefined =>
      classWeight === null ? undefined : T.tensor([...classWeight], predShape.map((d, i) => (i === axis ? d : 1)), dtype);
    if (sparseLabel) {
      const { index, labels } = this.sparseIndex(label, predShape, axis);
      const sampleWeight = this.prepareSampleWeight(given.sampleWeight, lossShape, dtype);
      const p = convertOperand(readPred, dtype);
      const logp = fromLogits ? p : logSoftmax(p, axis);
      const picked = pick(logp, index, axis, true);
      if (classWeight === null && ignoreIndex === null && labelSmoothing === 0) {
        return this.meanOverNonBatchAxes(this.applyWeighting(neg(picked), sampleWeight));
      }
      // Per label: its class weight (1 without classWeight), 0 where it is ignored.
      const labelWeight = labels.map((k) => (k === ignoreIndex ? 0 : (classWeight?.[k] ?? 1)));
      let loss = mul(picked, T.tensor(labelWeight.map((w) => w * (1 - labelSmoothing)), lossShape, dtype));
      if (labelSmoothing > 0) {
        // PyTorch: ε/C · Σ_c w_c · (-logp_c), 0 where the label is ignored.
        const along = weightAlongAxis();
        const spread = sum(along === undefined ? logp : mul(logp, along), axis, true);
        const share = labelSmoothing / classes;
        loss = add(loss, mul(spread, ignoreIndex === null ? share : T.tensor(labels.map((k) => (k === ignoreIndex ? 0 : share)), lossShape, dtype)));
      }
      const perSample = this.meanOverNonBatchAxes(this.applyWeighting(neg(loss), sampleWeight));
      if (classWeight === null && ignoreIndex === null) return perSample;
      // PyTorch's 'mean' divides the summed loss by the summed weights of the counted labels.
      const perSampleElements = T.sizeOf(lossShape) / Math.max(lossShape[this.batchAxis] ?? 1, 1);
      return { perSample, meanDivisor: labelWeight.reduce((a, w) => a + w, 0) / perSampleElements };
    }
    if (ignoreIndex !== null) throw new RangeError(`${this.name}: option 'ignoreIndex' needs sparse labels (sparseLabel: true), as in PyTorch`);
    const readLabel = this.readOperand(label, 'label', dtype);
    reshapeCheck(this.name, 'label', readLabel.shape, predShape, 'pred');
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, lossShape, dtype);
    const p = convertOperand(readPred, dtype);
    const l = reshape(convertOperand(readLabel, dtype), p.shape);
    const logp = fromLogits ? p : logSoftmax(p, axis);
    // PyTorch's smoothed target (1 - ε)·label + ε/C, weighted per class.
    let target = labelSmoothing === 0 ? l : add(mul(l, 1 - labelSmoothing), labelSmoothing / classes);
    const along = weightAlongAxis();
    if (along !== undefined) target = mul(target, along);
    return this.meanOverNonBatchAxes(this.applyWeighting(neg(sum(mul(logp, target), axis, true)), sampleWeight));
  }

  /** The sparse label as int32 indices of pred's shape with the class axis as size 1 (ignored labels as 0), checked, and its values. */
  private sparseIndex(label: VariableLike, predShape: readonly number[], axis: number): { index: T.Tensor; labels: number[] } {
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
    const { ignoreIndex } = this.settings;
    const counted = ignoreIndex === null ? values : values.map((v) => (v === ignoreIndex ? 0 : v));
    const why = `class indices must lie in [0, ${classes}) for pred's ${classes} classes along axis ${axis}` + (ignoreIndex === null ? '' : `, or equal ignoreIndex ${ignoreIndex}`);
    integerCheck(this.name, 'label', counted, shape, 0, classes, why);
    return { index: T.tensor(Int32Array.from(counted), kept, 'int32'), labels: Array.from(values) };
  }
}

/**
 * Gluon's `SoftmaxCrossEntropyLoss` (alias {@link SoftmaxCELoss}): the cross-entropy of a
 * softmax over the class axis, with PyTorch's `ignore_index`, class `weight` and `label_smoothing`.
 *
 * With `logp = logSoftmax(pred, axis)` (or `pred` itself when `fromLogits`):
 * sparse labels give `L = -pick(logp, label, axis)`, dense labels `L = -Σ_axis logp · label`
 * (both keeping the class axis as size 1); then `· sampleWeight · weight` and the mean over the
 * non-batch axes. The output has shape `(batch,)`.
 *
 * The PyTorch options, as 1.13's `F.cross_entropy(pred, label, weight, ignore_index,
 * label_smoothing, reduction)`: with class weights w (`classWeight`) and smoothing ε
 * (`labelSmoothing`), a sparse label y gives `L = -(1 - ε)·w_y·logp_y - ε/C·Σ_c w_c·logp_c`, and 0
 * where y equals `ignoreIndex`; a dense label t gives `L = -Σ_c w_c·((1 - ε)·t_c + ε/C)·logp_c`
 * (`ignoreIndex` needs sparse labels). `reduction: 'mean'` with `classWeight` or `ignoreIndex`
 * divides the summed loss by the summed `w_y` of the counted labels, as PyTorch.
 *
 * Options (Gluon or PyTorch names in brackets): `axis` [`axis`, default -1], `sparseLabel`
 * [`sparse_label`, default true], `fromLogits` [`from_logits`, default false], `ignoreIndex`
 * [`ignore_index`, default null], `classWeight` [`weight` (PyTorch's), C non-negative numbers, default
 * null], `labelSmoothing` [`label_smoothing`, in [0, 1), default 0], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`. A sparse
 * label has pred's shape without the class axis (or with it as size 1) and holds integers in
 * [0, classes) or `ignoreIndex` (int32 or integer-valued floats; unlike MXNet, out-of-range indices
 * are an error, not clipped). A dense label is reshaped to pred's shape. The sample weight
 * broadcasts to the loss shape before the mean: pred's shape with the class axis as size 1, e.g.
 * `(batch, 1)`. The class axis must differ from `batchAxis` (a RangeError otherwise, at
 * construction for a non-negative `axis`).
 *
 * @example
 * ```ts
 * const loss = new SoftmaxCrossEntropyLoss();
 * loss.forward([[0, 2], [1, 4]], [0, 1]).toArray();   // [2.1269, 0.0486]
 * new SoftmaxCrossEntropyLoss({ ignoreIndex: -100, reduction: 'mean' }).forward([[0, 2], [1, 4]], [0, -100]).item();   // 2.1269
 * ```
 */
export class SoftmaxCrossEntropyLoss extends CrossEntropyLoss<z.infer<typeof softmaxCELossSchema>> {
  /** The options' zod schema (types, defaults, validation and docs). */
  static readonly schema = softmaxCELossSchema;

  /**
   * @param options - `axis`, `sparseLabel`, `fromLogits`, `ignoreIndex`, `classWeight`, `labelSmoothing`, `weight`, `batchAxis`, `reduction`
   * @throws RangeError when `axis` is non-negative and equal to `batchAxis`
   */
  constructor(options: SoftmaxCELossOptions = {}) {
    super('SoftmaxCrossEntropyLoss', softmaxCELossSchema, options);
    // A non-negative axis is known now; a negative one only against pred's rank (in forward).
    if (this.options.axis >= 0) this.checkClassAxisIsNotBatchAxis(this.options.axis);
    if (!this.options.sparseLabel && this.options.ignoreIndex !== null) {
      throw new RangeError(`${this.name}: option 'ignoreIndex' needs sparse labels (sparseLabel: true), as in PyTorch`);
    }
  }

  protected get settings(): CrossEntropySettings {
    return this.options;
  }
}

/** Gluon's alias of {@link SoftmaxCrossEntropyLoss}. @example new SoftmaxCELoss({ sparseLabel: false }) */
export const SoftmaxCELoss = SoftmaxCrossEntropyLoss;
/** Gluon's alias of {@link SoftmaxCrossEntropyLoss}. */
export type SoftmaxCELoss = SoftmaxCrossEntropyLoss;
