import { z } from 'zod';
import { square, sub, type Variable } from '@lossgraph/autograd';
import { Loss, lossOptionsSchema, type PredLabelArgs } from './base.js';

/**
 * Options of {@link L2Loss}: `weight` defaults to 1 here, as in Gluon.
 *
 * @example
 * ```ts
 * l2LossSchema.parse({}).weight;   // 1
 * L2Loss.schema === l2LossSchema;   // true
 * ```
 */
export const l2LossSchema = lossOptionsSchema.extend({
  weight: z.number().nullable().default(1).describe('Gluon `weight`: global scalar weight (default 1; null is taken as 1); the loss carries a further factor 1/2'),
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
 * Options (Gluon names in brackets): `weight` [`weight`, default 1], `batchAxis` [`batch_axis`, default 0].
 * Inputs: `forward(pred, label, { sampleWeight })`; `label` is reshaped to pred's shape (same
 * number of elements).
 *
 * @example
 * ```ts
 * const loss = new L2Loss();
 * loss.forward([[1, 2], [3, 4]], [[1, 0], [3, 3]]).toArray();   // [1, 0.25]
 * ```
 */
export class L2Loss extends Loss<z.infer<typeof l2LossSchema>> {
  /** The options' zod schema (types, defaults, validation and docs). */
  static readonly schema = l2LossSchema;

  /** @param options - `weight`, `batchAxis`; validated (unknown names are errors) */
  constructor(options: L2LossOptions = {}) {
    super('L2Loss', l2LossSchema, options);
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
    // Gluon folds the 1/2 into the scalar weight.
    // (pred - label)² equals (label - pred)² bit for bit, and sub's gradient to its first operand
    // is g itself, so pred's gradient costs no negation.
    return this.pipeline(pred, label, inputs, (p, l) => square(sub(p, l)), { weight: (this.weight ?? 1) / 2 });
  }
}
