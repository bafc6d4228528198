import * as z from 'zod';
import { abs, greater, mul, square, sub, where } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link HuberLoss}.
 *
 * @example
 * ```ts
 * huberLossSchema.parse({}).rho;   // 1
 * huberLossSchema.safeParse({ rho: 0 }).success;   // false: rho must be > 0
 * ```
 */
export const huberLossSchema = lossOptionsSchema.extend({
  /** Gluon `rho`: where the loss turns from quadratic to linear; must be > 0. */
  rho: z.number().positive().default(1).describe('Gluon `rho`: threshold between the quadratic and the linear part; > 0'),
});
/**
 * Options of {@link HuberLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: HuberLossOptions = { rho: 0.5 };
 * new HuberLoss(options);
 * ```
 */
export type HuberLossOptions = z.input<typeof huberLossSchema>;

/**
 * Gluon's `HuberLoss` (smoothed L1): quadratic for small errors, linear for large ones.
 *
 * With `a = |label - pred|`: `L = a - rho/2` where `a > rho`, else `a² / (2·rho)`; then
 * `· sampleWeight · weight` and the mean over the non-batch axes.
 *
 * Options (Gluon names in brackets): `rho` [`rho`, default 1, must be > 0], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0]. Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped
 * to pred's shape.
 *
 * @example
 * ```ts
 * new HuberLoss({ rho: 1 }).forward([[0, 0]], [[0.5, 3]]).toArray();   // [(0.125 + 2.5) / 2]
 * ```
 */
export class HuberLoss extends elementwiseLoss('HuberLoss', huberLossSchema, (pred, label, { rho }) => {
  const a = abs(sub(label, pred));
  return where(greater(a, rho), sub(a, rho / 2), mul(square(a), 0.5 / rho));
}) {}
