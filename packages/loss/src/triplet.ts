import * as z from 'zod/mini';
import { add, relu, reshape, square, sub, sum, type Variable, type VariableLike } from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, sampleWeightInputsSchema, type SampleWeightInputs } from './base.js';
import { convertOperand, floatDtypeOf, reshapeCheck } from './validation.js';

/**
 * Options of {@link TripletLoss}.
 *
 * @example
 * ```ts
 * tripletLossSchema.parse({}).margin;   // 1
 * ```
 */
export const tripletLossSchema = z.extend(lossOptionsSchema, {
  /** Gluon `margin`: how much closer the positive must be than the negative; any finite number. */
  margin: z._default(z.number(), 1).check(z.describe('Gluon `margin`: the required gap between negative and positive squared distances')),
});
/**
 * Options of {@link TripletLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: TripletLossOptions = { margin: 0.2 };
 * new TripletLoss(options).forward(anchor, positive, negative);
 * ```
 */
export type TripletLossOptions = z.input<typeof tripletLossSchema>;

/**
 * Gluon's `TripletLoss`: pulls an anchor towards a positive sample and pushes it from a negative
 * one, in squared Euclidean distance.
 *
 * `L = max(0, Σ (positive - pred)² - Σ (negative - pred)² + margin)`, the sums over every axis
 * except the batch axis, then `· sampleWeight · weight`. The output has shape `(batch,)`.
 *
 * Options (Gluon names in brackets): `margin` [`margin`, default 1], `weight` [`weight`, default null],
 * `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, positive, negative, { sampleWeight })`;
 * `positive` and `negative` are reshaped to pred's shape; the optional sample weight broadcasts
 * to `(batch,)`.
 *
 * @example
 * ```ts
 * new TripletLoss().forward([[0, 0]], [[1, 0]], [[0, 3]]).toArray();   // [max(0, 1 - 9 + 1)] = [0]
 * ```
 */
export class TripletLoss extends lossClass('TripletLoss', tripletLossSchema)<[pred: VariableLike, positive: VariableLike, negative: VariableLike, inputs?: SampleWeightInputs]> {
  protected compute(pred: VariableLike, positive: VariableLike, negative: VariableLike, inputs?: SampleWeightInputs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const dtype = floatDtypeOf(pred);
    const readPred = this.readOperand(pred, 'pred', dtype);
    const readPositive = this.readOperand(positive, 'positive', dtype);
    const readNegative = this.readOperand(negative, 'negative', dtype);
    reshapeCheck(this.name, 'positive', readPositive.shape, readPred.shape, 'pred');
    reshapeCheck(this.name, 'negative', readNegative.shape, readPred.shape, 'pred');
    this.checkBatchAxis(readPred.shape.length);
    const batch = readPred.shape.length === 0 ? [] : [readPred.shape[this.batchAxis]!];
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, batch, dtype);
    const p = convertOperand(readPred, dtype);
    const pos = reshape(convertOperand(readPositive, dtype), p.shape);
    const negs = reshape(convertOperand(readNegative, dtype), p.shape);
    let gap = sub(square(sub(pos, p)), square(sub(negs, p)));
    const axes = p.shape.map((_, a) => a).filter((a) => a !== this.batchAxis);
    if (axes.length > 0 && p.rank > 0) gap = sum(gap, axes);
    return this.applyWeighting(relu(add(gap, this.options.margin)), sampleWeight);
  }
}
