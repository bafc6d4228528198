import * as z from 'zod/mini';
import { add, div } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';
import { sigmoidCrossEntropy } from './sigmoid-bce.js';
import { hostValues, valueCheck } from './validation.js';

/**
 * Options of {@link LogisticLoss}.
 *
 * @example
 * ```ts
 * logisticLossSchema.parse({}).labelFormat;   // 'signed'
 * ```
 */
export const logisticLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `label_format`: 'signed' for labels in {-1, 1}, 'binary' for labels in {0, 1}. */
  labelFormat: z._default(z.enum(['signed', 'binary']), 'signed').check(z.describe("Gluon `label_format`: 'signed' (labels -1/1) or 'binary' (labels 0/1)")),
});
/**
 * Options of {@link LogisticLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: LogisticLossOptions = { labelFormat: 'binary' };
 * new LogisticLoss(options).forward([[0, 0]], [[1, 0]]);
 * ```
 */
export type LogisticLossOptions = z.input<typeof logisticLossSchema>;

/**
 * Gluon's `LogisticLoss`: the logistic loss of scores for binary labels.
 *
 * With z = (label + 1)/2 for signed labels (z = label for binary ones):
 * `L = relu(pred) - pred·z + softrelu(-|pred|)`, evaluated stably as
 * `-(z·log σ(pred) + (1 - z)·log σ(-pred))`; then `· sampleWeight · weight` and the mean over the
 * non-batch axes. For signed labels it is `log(1 + exp(-pred·label))`.
 *
 * Options (Gluon names in brackets): `labelFormat` [`label_format`, 'signed' (default) or
 * 'binary'], `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(pred, label, { sampleWeight })`; `label` is reshaped to pred's shape and must hold -1 or 1
 * ('signed') or 0 or 1 ('binary'): any other value is an error naming label and the format.
 *
 * @example
 * ```ts
 * new LogisticLoss().forward([[0, 0]], [[1, -1]]).toArray();   // [ln 2]
 * ```
 */
export class LogisticLoss extends elementwiseLoss('LogisticLoss', logisticLossSchema, (pred, label, { labelFormat }) => {
  const allowed = labelFormat === 'signed' ? [-1, 1] : [0, 1];
  const { values, shape } = hostValues('LogisticLoss', 'label', label);
  valueCheck('LogisticLoss', 'label', values, shape, (v) => allowed.includes(v), `labelFormat '${labelFormat}' takes labels ${allowed.join(' or ')}`);
  return sigmoidCrossEntropy(pred, labelFormat === 'signed' ? div(add(label, 1), 2) : label);
}) {}
