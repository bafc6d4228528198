import * as z from 'zod/mini';
import { add, div, log, maximum, mul, reshape, square, sub, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as T from '@lossgraph/tensor';
import { lossClass, lossOptionsSchema, sampleWeightInputsSchema, type SampleWeightInputs } from './base.js';
import { hostValues, valueCheck } from './validation.js';

/**
 * Options of {@link GaussianNLLLoss}.
 *
 * @example
 * ```ts
 * gaussianNLLLossSchema.parse({}).eps;   // 1e-6
 * ```
 */
export const gaussianNLLLossSchema = z.extend(lossOptionsSchema, {
  /** PyTorch `full`: add the constant 0.5·log(2π). */
  full: z._default(z.boolean(), false).check(z.describe('PyTorch `full`: include the constant term 0.5·log(2π)')),
  /** PyTorch `eps`: the variance is clamped to at least eps (the gradient passes the clamp unchanged, as PyTorch's). */
  eps: z._default(z.number().check(z.positive()), 1e-6).check(z.describe('PyTorch `eps`: lower clamp of the variance, for stability')),
});
/**
 * Options of {@link GaussianNLLLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: GaussianNLLLossOptions = { full: true };
 * new GaussianNLLLoss(options);
 * ```
 */
export type GaussianNLLLossOptions = z.input<typeof gaussianNLLLossSchema>;

/**
 * PyTorch's `GaussianNLLLoss`: the negative log-likelihood of target under a Gaussian of mean pred
 * and variance `variance`.
 *
 * With `v = max(variance, eps)`: `L = 0.5·(log v + (pred - target)² / v)` (+ `0.5·log(2π)` when
 * `full`); then `· sampleWeight · weight` and the mean over the non-batch axes (PyTorch's 'none'
 * keeps every element; its 'mean' equals this library's). As in PyTorch, the clamp is outside the
 * graph: where variance < eps the gradient is the one at eps, passed to variance unchanged.
 *
 * Options (PyTorch names in brackets, Gluon's for the common ones): `full` [`full`, default false],
 * `eps` [`eps`, default 1e-6], `weight` [`weight`, default null], `batchAxis` [`batch_axis`, default 0], `reduction` [`reduction`, 'none' (default), 'mean' or 'sum']. Inputs: `forward(pred, target, variance, { sampleWeight })`; target is reshaped to
 * pred's shape; variance has pred's shape, or pred's shape with the last axis 1 or without it (one
 * variance for every element of the last axis, as PyTorch); a negative variance is an error.
 *
 * @example
 * ```ts
 * new GaussianNLLLoss().forward([[0, 1]], [[1, 1]], [[1, 1]]).toArray();   // [0.25]
 * ```
 */
export class GaussianNLLLoss extends lossClass('GaussianNLLLoss', gaussianNLLLossSchema)<[pred: VariableLike, target: VariableLike, variance: VariableLike, inputs?: SampleWeightInputs]> {
  protected compute(pred: VariableLike, target: VariableLike, variance: VariableLike, inputs?: SampleWeightInputs): Variable {
    const given = this.readInputs(sampleWeightInputsSchema, inputs);
    const { pred: p, label: t, sampleWeight } = this.preparePair(pred, target, given.sampleWeight, { labelName: 'target' });
    let v = this.toVariable(variance, 'variance', p.dtype);
    const lastOne = [...p.shape.slice(0, -1), 1];
    if (T.shapesEqual(v.shape, p.shape.slice(0, -1)) && !T.shapesEqual(v.shape, p.shape)) v = reshape(v, lastOne);
    if (!T.shapesEqual(v.shape, p.shape) && !T.shapesEqual(v.shape, lastOne)) {
      throw new RangeError(
        `${this.name}: variance of shape ${T.formatShape(v.shape)} must have pred's shape ${T.formatShape(p.shape)}, ` +
          `or it with the last axis 1 ${T.formatShape(lastOne)} or without it ${T.formatShape(p.shape.slice(0, -1))}`,
      );
    }
    const { values, shape } = hostValues(this.name, 'variance', v);
    valueCheck(this.name, 'variance', values, shape, (x) => x >= 0, 'variances must be non-negative');
    // PyTorch clamps a copy of the variance under no_grad: the value is max(v, eps), the gradient v's.
    const held = v.detach();
    const clamped = add(v, sub(maximum(held, this.options.eps), held));
    let loss = mul(add(log(clamped), div(square(sub(p, t)), clamped)), 0.5);
    if (this.options.full) loss = add(loss, 0.5 * Math.log(2 * Math.PI));
    return this.meanOverNonBatchAxes(this.applyWeighting(loss, sampleWeight));
  }
}
