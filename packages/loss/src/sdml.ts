import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { add, expandDims, log, logSoftmax, mul, neg, square, sub, sum, transpose, type Variable, type VariableLike } from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, type SampleWeightInputs, sampleWeightInputsSchema } from './base.js';
import { floatDtypeOf } from './validation.js';

/**
 * Options of {@link SDMLLoss}.
 *
 * @example
 * ```ts
 * sdmlLossSchema.parse({}).smoothingParameter;   // 0.3
 * ```
 */
export const sdmlLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `smoothing_parameter`: the probability mass moved from each true pair to the other pairs, in [0, 1]. */
  smoothingParameter: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.3).check(z.describe('Gluon `smoothing_parameter`: label smoothing of the identity targets, in [0, 1]')),
  batchAxis: z._default(z.union([z.literal(0), z.literal(1)]), 0).check(z.describe('Gluon `batch_axis`: 0 for (batch, dim) inputs, 1 for (dim, batch)')),
});
/**
 * Options of {@link SDMLLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: SDMLLossOptions = { smoothingParameter: 0.1 };
 * new SDMLLoss(options);
 * ```
 */
export type SDMLLossOptions = z.input<typeof sdmlLossSchema>;

/** Inside the logarithm of the targets, as in Gluon's KLDivLoss. */
const LOG_EPSILON = 1e-12;

/**
 * Gluon's `SDMLLoss` (Smoothed Deep Metric Learning, Bonadiman et al. 2019), as MXNet 1.9.1 computes it.
 *
 * x1[i] and x2[i] form a positive pair; the other rows of the batch are its negatives. With the
 * squared Euclidean distances `D[i][j] = Σ_d (x1[i][d] - x2[j][d])²` of every pair and
 * `logp = logSoftmax(-D, axis 1)`, the targets are the identity smoothed by s =
 * `smoothingParameter`: `Y = I·(1 - s) + (1 - I)·s/(B - 1)`; then the KL divergence
 * `L = Σ_j Y[i][j]·(log(Y[i][j] + 1e-12) - logp[i][j])` for sample i, summed over j as 1.9.1's KLDivLoss does;
 * then `· sampleWeight · weight`. The output has shape `(batch,)`.
 *
 * MXNet 1.9.1 ignores `weight` (its default is 1) and `batch_axis`; this library applies `weight`
 * as every loss does (default null: none), and `batchAxis: 1` reads the inputs as (dim, batch).
 *
 * Options (Gluon names in brackets): `smoothingParameter` [`smoothing_parameter`, default 0.3],
 * `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0; 0 or 1], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(x1, x2, { sampleWeight })`; x1 and x2 are 2-d, of the same shape, with a batch of at
 * least 2; the sample weight broadcasts to `(batch,)`.
 *
 * @example
 * ```ts
 * const loss = new SDMLLoss();
 * loss.forward([[0, 0], [3, 4]], [[0, 1], [3, 3]]).toArray();   // two well-separated pairs: small losses
 * ```
 */
export class SDMLLoss extends lossClass('SDMLLoss', sdmlLossSchema)<[x1: VariableLike, x2: VariableLike, inputs?: SampleWeightInputs]> {
  protected compute(x1: VariableLike, x2: VariableLike, inputs?: SampleWeightInputs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    let a = this.toVariable(x1, 'x1', floatDtypeOf(x1));
    let b = this.toVariable(x2, 'x2', a.dtype);
    if (a.rank !== 2) throw new RangeError(`${this.name}: x1 must have 2 axes (batch and dim), got shape ${T.formatShape(a.shape)}`);
    if (!T.shapesEqual(a.shape, b.shape)) {
      throw new RangeError(`${this.name}: x2 of shape ${T.formatShape(b.shape)} must have x1's shape ${T.formatShape(a.shape)}`);
    }
    if (this.batchAxis === 1) {
      a = transpose(a);
      b = transpose(b);
    }
    const batch = a.shape[0]!;
    if (batch < 2) throw new RangeError(`${this.name}: x1 holds a batch of ${batch}; SDML needs at least 2 pairs (the other pairs are the negatives)`);
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, [batch], a.dtype);
    const s = this.options.smoothingParameter;
    const targets: number[] = [];
    for (let i = 0; i < batch; i++) for (let j = 0; j < batch; j++) targets.push(i === j ? 1 - s : s / (batch - 1));
    const labels = T.tensor(targets, [batch, batch], a.dtype);
    const distances = sum(square(sub(expandDims(a, 1), expandDims(b, 0))), 2);
    const logp = logSoftmax(neg(distances), 1);
    const loss = sum(mul(labels, sub(log(add(labels, LOG_EPSILON)), logp)), 1);
    return this.applyWeighting(loss, sampleWeight);
  }
}
