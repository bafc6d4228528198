import type * as z from 'zod/mini';
import { abs, sub } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema } from './base.js';

/**
 * Options of {@link L1Loss}: the common `weight` and `batchAxis`.
 *
 * @example
 * ```ts
 * l1LossSchema.parse({});   // { weight: null, batchAxis: 0 }
 * ```
 */
export const l1LossSchema = lossOptionsSchema;
/**
 * Options of {@link L1Loss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: L1LossOptions = { weight: 0.1 };
 * new L1Loss(options);
 * ```
 */
export type L1LossOptions = z.input<typeof l1LossSchema>;

/**
 * Gluon's `L1Loss`: the absolute error, averaged over every axis except the batch axis.
 *
 * `L = weight · sampleWeight · |label - pred|`, then the mean over the non-batch axes. The
 * gradient at `pred == label` is 0 (the subgradient autograd's `abs` uses).
 *
 * Options (Gluon names in brackets): `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum'].
 * Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped to pred's shape.
 *
 * @example
 * ```ts
 * new L1Loss().forward([1, 2, 3, 4], [1, 3, 5, 7]).toArray();   // [0, 1, 2, 3]
 * ```
 */
export class L1Loss extends elementwiseLoss('L1Loss', l1LossSchema, (pred, label) => abs(sub(label, pred))) {}
