import * as z from 'zod/mini';
import { abs, div, greaterEqual, mul, sub, where } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';
import { FLOAT32_SMALLEST_NORMAL } from './huber.js';

/**
 * Options of {@link SmoothL1Loss}.
 *
 * @example
 * ```ts
 * smoothL1LossSchema.parse({}).beta;   // 1
 * ```
 */
export const smoothL1LossSchema = z.extend(lossOptionsSchema, {
  /** PyTorch `beta`: where the loss turns from quadratic to linear, ≥ 0 (0 gives L1). */
  beta: z._default(z.number().check(z.nonnegative()), 1).check(z.describe('PyTorch `beta`: threshold between the quadratic and the linear part, >= 0 (0 is L1)')),
});
/**
 * Options of {@link SmoothL1Loss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SmoothL1LossOptions = { beta: 0.5 };
 * new SmoothL1Loss(options);
 * ```
 */
export type SmoothL1LossOptions = z.input<typeof smoothL1LossSchema>;

/**
 * PyTorch's `SmoothL1Loss`: with `n = |pred - label|`, `L = 0.5·n²/beta` where `n < beta`, else
 * `n - 0.5·beta` (beta = 0 is the L1 loss, as PyTorch); then `· sampleWeight · weight` and the mean
 * over the non-batch axes (PyTorch's 'none' keeps every element; its 'mean' equals this library's).
 * It is {@link HuberLoss} with rho = beta, and like it evaluates the quadratic branch on
 * `min(n, beta)` so that neither branch overflows for tiny beta.
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `beta` [`beta`, default 1, ≥ 0],
 * `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(pred, label, { sampleWeight })`; label is reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new SmoothL1Loss().forward([[0, 0]], [[0.5, 3]]).toArray();   // [(0.125 + 2.5) / 2]
 * ```
 */
export class SmoothL1Loss extends elementwiseLoss('SmoothL1Loss', smoothL1LossSchema, (pred, label, { beta }) => {
  const n = abs(sub(pred, label));
  // beta = 0 is L1, as PyTorch; so, within beta/2 < 6e-39, is a beta below float32's smallest normal (see HuberLoss).
  if (beta === 0 || (pred.dtype === 'float32' && beta < FLOAT32_SMALLEST_NORMAL)) return n;
  const linear = greaterEqual(n, beta);
  const q = where(linear, beta, n);
  return where(linear, sub(n, 0.5 * beta), mul(div(q, beta), mul(q, 0.5)));
}) {}
