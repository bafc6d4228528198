import * as z from 'zod/mini';
import { add, log, logSoftmax, mul, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';
import { classAxis } from './softmax-ce.js';

/**
 * Options of {@link KLDivLoss}.
 *
 * @example
 * ```ts
 * klDivLossSchema.parse({ fromLogits: false });   // { ..., fromLogits: false, axis: -1 }
 * ```
 */
export const klDivLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `from_logits`: pred holds log-probabilities (true, the default); false applies log-softmax over `axis`. */
  fromLogits: z._default(z.boolean(), true).check(z.describe('Gluon `from_logits`: pred holds log-probabilities; false applies log-softmax over `axis`')),
  /** Gluon `axis`: the axis of the distribution, used when `fromLogits` is false. */
  axis: z._default(z.number().check(z.int()), -1).check(z.describe('Gluon `axis`: the distribution axis for the log-softmax')),
});
/**
 * Options of {@link KLDivLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: KLDivLossOptions = { fromLogits: false };
 * new KLDivLoss(options).forward([[1, 2]], [[0.5, 0.5]]);
 * ```
 */
export type KLDivLossOptions = z.input<typeof klDivLossSchema>;

/** Inside the logarithm, as in Gluon, so that label = 0 contributes 0 rather than NaN. */
const LOG_EPSILON = 1e-12;

/**
 * Gluon's `KLDivLoss`: the Kullback-Leibler divergence of the label distribution from the
 * predicted one.
 *
 * With `logp = pred` (or `logSoftmax(pred, axis)` when `fromLogits` is false):
 * `L = label · (log(label + 1e-12) - logp)`, then `· sampleWeight · weight` and the **mean** over
 * the non-batch axes (as the Gluon docs and MXNet ≤ 1.8 and 2.x do; the 1.9.0/1.9.1 source sums).
 *
 * Options (Gluon names in brackets): `fromLogits` [`from_logits`, default true], `axis` [`axis`,
 * default -1], `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(pred, label, { sampleWeight })`; `label` must broadcast to pred's shape.
 *
 * @example
 * ```ts
 * const loss = new KLDivLoss();
 * loss.forward([[Math.log(0.5), Math.log(0.5)]], [[0.5, 0.5]]).toArray();   // [0]
 * ```
 */
export class KLDivLoss extends elementwiseLoss(
  'KLDivLoss',
  klDivLossSchema,
  (pred, label, { fromLogits, axis }) => {
    const logp = fromLogits ? pred : logSoftmax(pred, classAxis('KLDivLoss', axis, pred.rank));
    return mul(label, sub(log(add(label, LOG_EPSILON)), logp));
  },
  { reshapeLabel: false, broadcastLabel: true },
) {}
