import { z } from 'zod';
import { abs, greater, mul, square, sub, where, type Variable } from '@lossgraph/autograd';
import { Loss, lossOptionsSchema, type PredLabelArgs } from './base.js';

/** Options of {@link HuberLoss}. */
export const huberLossSchema = lossOptionsSchema.extend({
  /** Gluon `rho`: where the loss turns from quadratic to linear; must be > 0. */
  rho: z.number().positive().default(1).describe('Gluon `rho`: threshold between the quadratic and the linear part; > 0'),
});
/** Options of {@link HuberLoss} as passed to its constructor. */
export type HuberLossOptions = z.input<typeof huberLossSchema>;

/**
 * Gluon's `HuberLoss` (smoothed L1): quadratic for small errors, linear for large ones.
 *
 * With `a = |label - pred|`: `L = a - rho/2` where `a > rho`, else `a² / (2·rho)`; then
 * `· sampleWeight · weight` and the mean over the non-batch axes.
 *
 * Options (Gluon names in brackets): `rho` [`rho`, default 1, must be > 0], `weight` [`weight`],
 * `batchAxis` [`batch_axis`]. Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped
 * to pred's shape.
 *
 * @example
 * ```ts
 * new HuberLoss({ rho: 1 }).forward([[0, 0]], [[0.5, 3]]).toArray();   // [(0.125 + 2.5) / 2]
 * ```
 */
export class HuberLoss extends Loss<z.infer<typeof huberLossSchema>> {
  /** The options' zod schema (types, defaults, validation and docs). */
  static readonly schema = huberLossSchema;

  /** @param options - `rho`, `weight`, `batchAxis` */
  constructor(options: HuberLossOptions = {}) {
    super('HuberLoss', huberLossSchema, options);
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
    const { rho } = this.options;
    return this.pipeline(pred, label, inputs, (p, l) => {
      const diff = sub(l, p);
      const a = abs(diff);
      // The quadratic branch squares diff itself, so it stays smooth at diff = 0.
      return where(greater(a, rho), sub(a, 0.5 * rho), mul(square(diff), 0.5 / rho));
    });
  }
}
