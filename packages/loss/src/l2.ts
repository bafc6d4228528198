import * as z from 'zod/mini';
import { mul, square, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link L2Loss}: `weight` defaults to 1 here, as in Gluon.
 *
 * @example
 * ```ts
 * l2LossSchema.parse({}).weight;   // 1
 * L2Loss.schema === l2LossSchema;   // true
 * ```
 */
export const l2LossSchema = z.extend(lossOptionsSchema, {
  weight: z._default(z.nullable(z.number()), 1).check(z.describe('Gluon `weight`: global scalar weight (default 1; null is taken as 1); the loss carries a further factor 1/2')),
});
/**
 * Options of {@link L2Loss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: L2LossOptions = { weight: 2, batchAxis: 1 };
 * new L2Loss(options);
 * ```
 */
export type L2LossOptions = z.input<typeof l2LossSchema>;

/**
 * Gluon's `L2Loss`: half the squared error, averaged over every axis except the batch axis.
 *
 * `L = weight/2 · sampleWeight · (label - pred)²`, then the mean over the non-batch axes.
 *
 * Options (Gluon names in brackets): `weight` [`weight`, default 1], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum'].
 * Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped to pred's shape (same
 * number of elements).
 *
 * @example
 * ```ts
 * const loss = new L2Loss();
 * loss.forward([[1, 2], [3, 4]], [[1, 0], [3, 3]]).toArray();   // [1, 0.25]
 * ```
 */
export class L2Loss extends elementwiseLoss('L2Loss', l2LossSchema, (pred, label) => mul(square(sub(label, pred)), 0.5)) {}
