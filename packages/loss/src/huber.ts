import * as z from 'zod/mini';
import { abs, div, greater, mul, sub, where } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/** 2^-126: below it float32 values are subnormal, which WebGL flushes to 0. @internal */
export const FLOAT32_SMALLEST_NORMAL = 2 ** -126;

/**
 * Options of {@link HuberLoss}.
 *
 * @example
 * ```ts
 * huberLossSchema.parse({}).rho;   // 1
 * huberLossSchema.safeParse({ rho: 0 }).success;   // false: rho must be > 0
 * ```
 */
export const huberLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `rho`: where the loss turns from quadratic to linear; must be > 0. */
  rho: z._default(z.number().check(z.positive()), 1).check(z.describe('Gluon `rho`: threshold between the quadratic and the linear part; > 0')),
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
 * `· sampleWeight · weight` and the mean over the non-batch axes. The quadratic branch is
 * evaluated on `q = min(a, rho)` as `(q/rho)·q/2`, so that neither branch overflows where it is
 * not taken (Gluon's `a²·(0.5/rho)` gives Infinity, and NaN gradients, for rho = 1e-40 in float32):
 * the loss and its gradient are finite for every rho > 0. In float32, a rho below 2^-126 (which
 * WebGL flushes to 0) gives |d|, within rho/2 of the Huber loss.
 *
 * Options (Gluon names in brackets): `rho` [`rho`, default 1, must be > 0], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped
 * to pred's shape.
 *
 * @example
 * ```ts
 * new HuberLoss({ rho: 1 }).forward([[0, 0]], [[0.5, 3]]).toArray();   // [(0.125 + 2.5) / 2]
 * ```
 */
export class HuberLoss extends elementwiseLoss('HuberLoss', huberLossSchema, (pred, label, { rho }) => {
  const a = abs(sub(label, pred));
  // A rho below float32's smallest normal is 0 where subnormals flush (WebGL) or round to 0, and q/rho
  // would be 0/0: there the loss is |d|, within rho/2 < 6e-39 of Huber's.
  if (pred.dtype === 'float32' && rho < FLOAT32_SMALLEST_NORMAL) return a;
  const linear = greater(a, rho);
  const q = where(linear, rho, a);
  return where(linear, sub(a, rho / 2), mul(div(q, rho), mul(q, 0.5)));
}) {}
