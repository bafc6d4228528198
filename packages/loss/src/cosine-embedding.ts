import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import {
  add, constant, div, equal, maximum, mul, norm, relu, reshape, sub, sum, type Variable, type VariableLike,
} from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, sampleWeightInputsSchema, type SampleWeightInputs } from './base.js';
import { convertOperand, floatDtypeOf, hostValues, reshapeCheck } from './validation.js';

/**
 * Options of {@link CosineEmbeddingLoss}.
 *
 * @example
 * ```ts
 * cosineEmbeddingLossSchema.parse({ margin: 0.5 });   // { weight: null, batchAxis: 0, margin: 0.5 }
 * ```
 */
export const cosineEmbeddingLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `margin`: dissimilar pairs are penalised only above this cosine similarity. */
  margin: z._default(z.number(), 0).check(z.describe('Gluon `margin`: cosine similarity above which dissimilar pairs are penalised')),
  /** Gluon `batch_axis`: accepted for compatibility; the inputs are (batch, features), so it must be 0. */
  batchAxis: z._default(z.literal(0), 0).check(z.describe('Gluon `batch_axis`: must be 0 (inputs are (batch, features))')),
});
/**
 * Options of {@link CosineEmbeddingLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: CosineEmbeddingLossOptions = { margin: 0.2 };
 * new CosineEmbeddingLoss(options);
 * ```
 */
export type CosineEmbeddingLossOptions = z.input<typeof cosineEmbeddingLossSchema>;

/** The floor of the norm product, as in Gluon, so that a zero vector gives cos = 0, not NaN. */
const NORM_FLOOR = 1e-12;

/**
 * Gluon's `CosineEmbeddingLoss`: makes similar pairs (label 1) point the same way and dissimilar
 * pairs (label -1) have cosine similarity at most `margin`.
 *
 * With `cos = (input1·input2) / max(|input1|·|input2|, 1e-12)` per row:
 * `L = 1 - cos` where label = 1, `max(0, cos - margin)` where label = -1; then `· sampleWeight ·
 * weight`. The output has shape `(batch,)`.
 *
 * Options (Gluon names in brackets): `margin` [`margin`, default 0], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, must be 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(input1, input2, label, { sampleWeight })`;
 * `input2` is `(batch, features)`, `input1` is reshaped to its shape, `label` holds `batch` values,
 * each 1 or -1; the sample weight broadcasts to `(batch, 1)`.
 *
 * @example
 * ```ts
 * new CosineEmbeddingLoss().forward([[1, 0], [1, 0]], [[1, 1], [1, 1]], [1, -1]).toArray();
 * // [1 - 0.7071, 0.7071]
 * ```
 */
export class CosineEmbeddingLoss extends lossClass('CosineEmbeddingLoss', cosineEmbeddingLossSchema)<[input1: VariableLike, input2: VariableLike, label: VariableLike, inputs?: SampleWeightInputs]> {
  protected compute(input1: VariableLike, input2: VariableLike, label: VariableLike, inputs?: SampleWeightInputs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const dtype = floatDtypeOf(input2);
    const readB = this.readOperand(input2, 'input2', dtype);
    if (readB.shape.length !== 2) throw new RangeError(`${this.name}: input2 must have shape (batch, features), got shape ${T.formatShape(readB.shape)}`);
    const readA = this.readOperand(input1, 'input1', dtype);
    reshapeCheck(this.name, 'input1', readA.shape, readB.shape, 'input2');
    const batch = readB.shape[0]!;
    const { values, shape } = hostValues(this.name, 'label', label);
    if (values.length !== batch) {
      throw new RangeError(`${this.name}: label of shape ${T.formatShape(shape)} must hold one value per sample (${batch}, input2 has shape ${T.formatShape(readB.shape)})`);
    }
    const bad = values.findIndex((v) => v !== 1 && v !== -1);
    if (bad >= 0) throw new RangeError(`${this.name}: label must hold 1 (similar) or -1 (dissimilar), got ${values[bad]} at flat index ${bad}`);
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, [batch, 1], dtype);
    const b = convertOperand(readB, dtype);
    const a = reshape(convertOperand(readA, dtype), b.shape);
    const y = constant(T.tensor(values, [batch, 1], b.dtype));
    const dot = sum(mul(a, b), -1, true);
    const cos = div(dot, maximum(mul(norm(a, 2, -1, true), norm(b, 2, -1, true)), NORM_FLOOR));
    const similar = mul(sub(1, cos), equal(y, 1));
    const dissimilar = relu(mul(equal(y, -1), sub(cos, this.options.margin)));
    return reshape(this.applyWeighting(add(similar, dissimilar), sampleWeight), [batch]);
  }
}
