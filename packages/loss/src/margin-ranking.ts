import * as z from 'zod/mini';
import { add, mul, neg, relu, reshape, sub, type Variable, type VariableLike } from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, sampleWeightInputsSchema, type SampleWeightInputs } from './base.js';
import { floatDtypeOf, hostValues, reshapeCheck, valueCheck } from './validation.js';

/**
 * Options of {@link MarginRankingLoss}.
 *
 * @example
 * ```ts
 * marginRankingLossSchema.parse({}).margin;   // 0
 * ```
 */
export const marginRankingLossSchema = z.extend(lossOptionsSchema, {
  /** PyTorch `margin`: how far input1 must rank above input2 (label 1) or below it (label -1). */
  margin: z._default(z.number(), 0).check(z.describe('PyTorch `margin`: the margin by which the better input must win')),
});
/**
 * Options of {@link MarginRankingLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: MarginRankingLossOptions = { margin: 0.5 };
 * new MarginRankingLoss(options);
 * ```
 */
export type MarginRankingLossOptions = z.input<typeof marginRankingLossSchema>;

/**
 * PyTorch's `MarginRankingLoss`: for labels y = ±1 saying which input should rank higher,
 * `L = max(0, -y·(input1 - input2) + margin)`, then `· sampleWeight · weight` and the mean over the
 * non-batch axes (PyTorch's 'none' keeps every element; its 'mean' equals this library's 'mean').
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `margin` [`margin`, default 0],
 * `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs:
 * `forward(input1, input2, label, { sampleWeight })`; input2 and label are reshaped to input1's
 * shape; labels other than -1 and 1 are an error naming label.
 *
 * @example
 * ```ts
 * new MarginRankingLoss({ margin: 1 }).forward([[0.5, 2]], [[1, 0]], [[1, -1]]).toArray();   // [(1.5 + 3) / 2]
 * ```
 */
export class MarginRankingLoss extends lossClass('MarginRankingLoss', marginRankingLossSchema)<[input1: VariableLike, input2: VariableLike, label: VariableLike, inputs?: SampleWeightInputs]> {
  protected compute(input1: VariableLike, input2: VariableLike, label: VariableLike, inputs?: SampleWeightInputs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const x1 = this.toVariable(input1, 'input1', floatDtypeOf(input1));
    let x2 = this.toVariable(input2, 'input2', x1.dtype);
    reshapeCheck(this.name, 'input2', x2.shape, x1.shape, 'input1');
    x2 = reshape(x2, x1.shape);
    const { values, shape } = hostValues(this.name, 'label', label);
    valueCheck(this.name, 'label', values, shape, (v) => v === 1 || v === -1, 'labels must be 1 (input1 ranks higher) or -1');
    const { label: y, sampleWeight } = this.preparePair(x1, label, given.sampleWeight);
    const loss = relu(add(mul(neg(y), sub(x1, x2)), this.options.margin));
    return this.meanOverNonBatchAxes(this.applyWeighting(loss, sampleWeight));
  }
}
