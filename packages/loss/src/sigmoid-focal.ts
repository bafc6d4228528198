import * as z from 'zod/mini';
import { add, mul, neg, pow, sigmoid, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';
import { sigmoidCrossEntropy } from './sigmoid-bce.js';

/**
 * Options of {@link SigmoidFocalLoss}.
 *
 * @example
 * ```ts
 * sigmoidFocalLossSchema.parse({});   // { weight: null, batchAxis: 0, reduction: 'none', alpha: 0.25, gamma: 2 }
 * ```
 */
export const sigmoidFocalLossSchema = z.extend(lossOptionsSchema, {
  /** torchvision `alpha`: weight of the positive class in [0, 1]; a negative value turns the weighting off. */
  alpha: z._default(z.number().check(z.maximum(1)), 0.25).check(z.describe('PyTorch `alpha` (torchvision): weight of positives in [0, 1]; negative for no weighting')),
  /** torchvision `gamma`: the focusing exponent, ≥ 0. */
  gamma: z._default(z.number().check(z.nonnegative()), 2).check(z.describe('PyTorch `gamma` (torchvision): focusing exponent, >= 0')),
});
/**
 * Options of {@link SigmoidFocalLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SigmoidFocalLossOptions = { alpha: -1, gamma: 1 };
 * new SigmoidFocalLoss(options);
 * ```
 */
export type SigmoidFocalLossOptions = z.input<typeof sigmoidFocalLossSchema>;

/**
 * torchvision's `sigmoid_focal_loss` (Lin et al. 2017) from logits x and labels y in [0, 1].
 *
 * `L = α_t·(1 - p_t)^γ·BCE(x, y)` with `p = σ(x)`, `p_t = p·y + (1 - p)·(1 - y)` and
 * `α_t = α·y + (1 - α)·(1 - y)` (no α_t when α < 0), as torchvision writes it; `1 - p_t` is
 * evaluated as `y·σ(-x) + (1 - y)·σ(x)` (the same value without the cancellation of 1 - p_t, so
 * that γ < 1 keeps finite gradients at large |x|), and BCE as the stable sigmoid cross-entropy.
 * Then `· sampleWeight · weight` and the mean over the non-batch axes (torchvision's 'none' keeps
 * every element; its 'mean' equals this library's).
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `alpha` [`alpha`, default 0.25],
 * `gamma` [`gamma`, default 2], `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`; label is reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new SigmoidFocalLoss({ alpha: -1, gamma: 0 }).forward([[0]], [[1]]).toArray();   // [ln 2]
 * ```
 */
export class SigmoidFocalLoss extends elementwiseLoss('SigmoidFocalLoss', sigmoidFocalLossSchema, (pred, label, { alpha, gamma }) => {
  const notLabel = sub(1, label);
  const oneMinusPt = add(mul(label, sigmoid(neg(pred))), mul(notLabel, sigmoid(pred)));
  const loss = mul(sigmoidCrossEntropy(pred, label), pow(oneMinusPt, gamma));
  return alpha < 0 ? loss : mul(loss, add(mul(label, alpha), mul(notLabel, 1 - alpha)));
}) {}
