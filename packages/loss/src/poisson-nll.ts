import * as z from 'zod/mini';
import { add, exp, greater, log, mul, sub, where } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link PoissonNLLLoss}.
 *
 * @example
 * ```ts
 * poissonNLLLossSchema.parse({ fromLogits: false });   // { ..., fromLogits: false, computeFull: false, epsilon: 1e-8 }
 * ```
 */
export const poissonNLLLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `from_logits`: pred is the log of the rate (true, the default) or the rate itself (false). */
  fromLogits: z._default(z.boolean(), true).check(z.describe('Gluon `from_logits`: pred is the log-rate (true) or the rate (false)')),
  /** Gluon `compute_full`: add the Stirling approximation of log(target!) (where target > 1). */
  computeFull: z._default(z.boolean(), false).check(z.describe('Gluon `compute_full`: add the Stirling term of log(target!)')),
  /** Gluon `epsilon` (a forward argument there): added to the rate inside the log when `fromLogits` is false. */
  epsilon: z._default(z.number().check(z.nonnegative()), 1e-8).check(z.describe('Gluon `epsilon`: added to the rate inside log() when fromLogits is false')),
});
/**
 * Options of {@link PoissonNLLLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: PoissonNLLLossOptions = { fromLogits: false, computeFull: true };
 * new PoissonNLLLoss(options).forward([[2, 3]], [[1, 4]]);
 * ```
 */
export type PoissonNLLLossOptions = z.input<typeof poissonNLLLossSchema>;

/**
 * Gluon's `PoissonNLLLoss`: the negative log-likelihood of targets under a Poisson distribution.
 *
 * From the log-rate (default): `L = exp(pred) - target·pred`; from the rate:
 * `L = pred - target·log(pred + epsilon)`. With `computeFull` the Stirling term
 * `target·log(target) - target + ½·log(2π·target)` is added where target > 1 (exactly 0 elsewhere,
 * with no NaN at target 0). Then `· sampleWeight · weight` and the mean over the non-batch axes:
 * the output has shape `(batch,)` (MXNet 2.x; the 1.9.1 source returns a scalar mean).
 *
 * Options (Gluon names in brackets): `fromLogits` [`from_logits`, default true], `computeFull`
 * [`compute_full`, default false], `epsilon` [`epsilon`, default 1e-8], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, target, { sampleWeight })`; `target` is
 * reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new PoissonNLLLoss().forward([[0, 0]], [[1, 2]]).toArray();   // [1]
 * ```
 */
export class PoissonNLLLoss extends elementwiseLoss(
  'PoissonNLLLoss',
  poissonNLLLossSchema,
  (pred, target, { fromLogits, computeFull, epsilon }) => {
    const loss = fromLogits ? sub(exp(pred), mul(target, pred)) : sub(pred, mul(target, log(add(pred, epsilon))));
    if (!computeFull) return loss;
    const big = greater(target, 1);
    // Where target <= 1 the term is evaluated at 1 and discarded, so log never sees 0.
    const safe = where(big, target, 1);
    const stirling = add(sub(mul(safe, log(safe)), safe), mul(log(mul(safe, 2 * Math.PI)), 0.5));
    return add(loss, where(big, stirling, 0));
  },
  { labelName: 'target' },
) {}
