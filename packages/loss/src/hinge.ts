import * as z from 'zod/mini';
import { mul, relu, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link HingeLoss}.
 *
 * @example
 * ```ts
 * hingeLossSchema.parse({}).margin;   // 1
 * ```
 */
export const hingeLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `margin`: the margin the score must clear; any finite number. */
  margin: z._default(z.number(), 1).check(z.describe('Gluon `margin`: the margin between the score and the decision boundary')),
});
/**
 * Options of {@link HingeLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: HingeLossOptions = { margin: 0.5 };
 * new HingeLoss(options);
 * ```
 */
export type HingeLossOptions = z.input<typeof hingeLossSchema>;

/**
 * Gluon's `HingeLoss` (SVM loss) for labels in {-1, 1}.
 *
 * `L = max(0, margin - pred · label)`, then `· sampleWeight · weight` and the mean over the
 * non-batch axes.
 *
 * Options (Gluon names in brackets): `margin` [`margin`, default 1], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`; `label` is
 * reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new HingeLoss().forward([[0.3, -2]], [[1, -1]]).toArray();   // [0.35]
 * ```
 */
export class HingeLoss extends elementwiseLoss('HingeLoss', hingeLossSchema, (pred, label, { margin }) => relu(sub(margin, mul(pred, label)))) {}
