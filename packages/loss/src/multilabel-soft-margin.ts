import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { mul } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';
import { sigmoidCrossEntropy } from './sigmoid-bce.js';

/**
 * Options of {@link MultiLabelSoftMarginLoss}.
 *
 * @example
 * ```ts
 * multiLabelSoftMarginLossSchema.parse({ classWeight: [1, 2] }).classWeight;   // [1, 2]
 * ```
 */
export const multiLabelSoftMarginLossSchema = z.extend(lossOptionsSchema, {
  /** PyTorch `weight`: one non-negative weight per class (the last axis); null for none. */
  classWeight: z._default(z.nullable(z.array(z.number().check(z.nonnegative()))), null).check(z.describe('PyTorch `weight`: one non-negative weight per class (last axis); null for none')),
});
/**
 * Options of {@link MultiLabelSoftMarginLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: MultiLabelSoftMarginLossOptions = { classWeight: [1, 0.5, 2] };
 * new MultiLabelSoftMarginLoss(options);
 * ```
 */
export type MultiLabelSoftMarginLossOptions = z.input<typeof multiLabelSoftMarginLossSchema>;

/**
 * PyTorch's `MultiLabelSoftMarginLoss`: one-versus-all logistic loss over C classes, labels in {0, 1}.
 *
 * `L = -w_c·(y·log σ(x) + (1 - y)·log σ(-x))` per class c (w = `classWeight`, 1 without), evaluated
 * stably as the sigmoid cross-entropy; then `· sampleWeight · weight` and the mean over the
 * non-batch axes, which for `(batch, C)` is PyTorch's mean over the classes: its 'none', 'mean' and
 * 'sum' equal this library's.
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `classWeight` [`weight`, one
 * per entry of the last axis, default null], `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0],
 * `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`; label is reshaped to
 * pred's shape.
 *
 * @example
 * ```ts
 * new MultiLabelSoftMarginLoss().forward([[0, 0]], [[1, 0]]).toArray();   // [ln 2]
 * ```
 */
export class MultiLabelSoftMarginLoss extends elementwiseLoss('MultiLabelSoftMarginLoss', multiLabelSoftMarginLossSchema, (pred, label, { classWeight }) => {
  const classes = pred.shape[pred.rank - 1] ?? 1;
  if (classWeight !== null && classWeight.length !== classes) {
    throw new RangeError(`MultiLabelSoftMarginLoss: option 'classWeight' has ${classWeight.length} entries, but pred has ${classes} classes (its last axis)`);
  }
  const loss = sigmoidCrossEntropy(pred, label);
  return classWeight === null ? loss : mul(loss, T.tensor([...classWeight], [classes], pred.dtype));
}) {}
