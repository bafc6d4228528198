import * as z from 'zod/mini';
import { mul, relu, square, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link SquaredHingeLoss}.
 *
 * @example
 * ```ts
 * squaredHingeLossSchema.parse({ margin: 2 });   // { weight: null, batchAxis: 0, margin: 2 }
 * ```
 */
export const squaredHingeLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `margin`: the margin the score must clear; any finite number. */
  margin: z._default(z.number(), 1).check(z.describe('Gluon `margin`: the margin between the score and the decision boundary')),
});
/**
 * Options of {@link SquaredHingeLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SquaredHingeLossOptions = { margin: 2 };
 * new SquaredHingeLoss(options);
 * ```
 */
export type SquaredHingeLossOptions = z.input<typeof squaredHingeLossSchema>;

/**
 * Gluon's `SquaredHingeLoss` (soft-margin SVM loss) for labels in {-1, 1}.
 *
 * `L = max(0, margin - pred · label)²`, then `· sampleWeight · weight` and the mean over the
 * non-batch axes.
 *
 * Options (Gluon names in brackets): `margin` [`margin`, default 1], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`; `label` is
 * reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new SquaredHingeLoss().forward([[0.5, -2]], [[1, -1]]).toArray();   // [0.125]
 * ```
 */
export class SquaredHingeLoss extends elementwiseLoss('SquaredHingeLoss', squaredHingeLossSchema, (pred, label, { margin }) =>
  square(relu(sub(margin, mul(pred, label)))),
) {}
