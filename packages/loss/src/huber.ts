import { z } from 'zod';
import { clip, mul, sub, type Variable } from '@lossgraph/autograd';
import { Loss, lossOptionsSchema, type PredLabelArgs } from './base.js';

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
    // With d = pred - label and c = clip(d, -rho, rho), c·(d - c/2) is d²/2 inside [-rho, rho] and
    // rho·(|d| - rho/2) outside: rho times the Huber loss, in one formula with no branch to mask.
    // It is smooth at d = 0 and at |d| = rho (both sides have slope c), and the 1/rho joins the
    // scalar weight, which scales the reduced loss rather than every element.
    return this.pipeline(
      pred,
      label,
      inputs,
      (p, l) => {
        const d = sub(p, l);
        const c = clip(d, -rho, rho);
        return mul(c, sub(d, mul(c, 0.5)));
      },
      { weight: (this.weight ?? 1) / rho },
    );
  }
}
