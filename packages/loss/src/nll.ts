import * as z from 'zod/mini';
import { lossOptionsSchema } from './base.js';
import { CrossEntropyLoss, softmaxCELossSchema, type CrossEntropySettings } from './softmax-ce.js';

/**
 * Options of {@link NLLLoss}.
 *
 * @example
 * ```ts
 * nllLossSchema.parse({ ignoreIndex: -100 });   // { weight: null, batchAxis: 0, reduction: 'none', classWeight: null, ignoreIndex: -100 }
 * ```
 */
export const nllLossSchema = z.extend(lossOptionsSchema, {
  classWeight: softmaxCELossSchema.shape.classWeight,
  ignoreIndex: softmaxCELossSchema.shape.ignoreIndex,
});
/**
 * Options of {@link NLLLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: NLLLossOptions = { classWeight: [1, 2, 0.5], reduction: 'mean' };
 * new NLLLoss(options);
 * ```
 */
export type NLLLossOptions = z.input<typeof nllLossSchema>;

/**
 * PyTorch's `NLLLoss`: the negative log-likelihood of sparse labels under log-probabilities, as
 * 1.13's `F.nll_loss(pred, label, weight, ignore_index, reduction)`.
 *
 * pred holds log-probabilities `(batch, C, d1, ...)` (the class axis is 1, as PyTorch's); a label y
 * gives `L = -w_y·pred_y` (w = `classWeight`, 1 without), 0 where y equals `ignoreIndex`; then
 * `· sampleWeight · weight` and the mean over the non-batch axes. `reduction: 'mean'` divides the
 * summed loss by the summed `w_y` of the counted labels, as PyTorch; without `classWeight` and
 * `ignoreIndex` that is the plain mean.
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `classWeight` [`weight`, C
 * non-negative numbers, default null], `ignoreIndex` [`ignore_index`, default null], `weight`
 * [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(pred, label, { sampleWeight })`; label has pred's shape without the class axis, and holds
 * integers in [0, C) or `ignoreIndex`.
 *
 * @example
 * ```ts
 * new NLLLoss({ classWeight: [1, 2] }).forward([[Math.log(0.25), Math.log(0.75)]], [1]).toArray();   // [2·-log 0.75]
 * ```
 */
export class NLLLoss extends CrossEntropyLoss<z.infer<typeof nllLossSchema>> {
  /** The options' zod schema (types, defaults, validation and docs). */
  static readonly schema = nllLossSchema;

  /** @param options - `classWeight`, `ignoreIndex`, `weight`, `batchAxis`, `reduction` */
  constructor(options: NLLLossOptions = {}) {
    super('NLLLoss', nllLossSchema, options);
  }

  protected get settings(): CrossEntropySettings {
    const { classWeight, ignoreIndex } = this.options;
    return { axis: 1, sparseLabel: true, fromLogits: true, labelSmoothing: 0, classWeight, ignoreIndex };
  }
}
