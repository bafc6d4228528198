/**
 * Adam with bias correction, in PyTorch's form.
 */
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';
import { BaseOptimizerOptionsSchema, Optimizer, type ParamsInput } from './optimizer.js';

/**
 * Zod schema of {@link AdamOptions}.
 * @example
 * ```ts
 * AdamOptionsSchema.parse({ learningRate: 1e-3 }).beta2   // 0.999
 * ```
 */
export const AdamOptionsSchema = z.extend(BaseOptimizerOptionsSchema, {
  /** Step size (default 0.001). */
  learningRate: z._default(z.number().check(z.positive()), 0.001),
  /** Decay of the first moment, in [0, 1) (default 0.9). */
  beta1: z._default(z.number().check(z.minimum(0), z.lt(1)), 0.9),
  /** Decay of the second moment, in [0, 1) (default 0.999). */
  beta2: z._default(z.number().check(z.minimum(0), z.lt(1)), 0.999),
  /** Added to the denominator for stability (default 1e-8). */
  epsilon: z._default(z.number().check(z.positive()), 1e-8),
});

/**
 * Options of {@link Adam}: `learningRate`, `beta1`, `beta2`, `epsilon`, `weightDecay`, `rescaleGrad`, `clipGradient`.
 * @example
 * ```ts
 * const options: AdamOptions = { learningRate: 1e-3, weightDecay: 1e-4 };
 * ```
 */
export type AdamOptions = z.input<typeof AdamOptionsSchema>;

/**
 * Per-parameter state: the moments and the number of updates.
 *
 * @example
 * ```ts
 * class MyAdam extends Adam {
 *   protected override createState(weight: Tensor): AdamState {
 *     return { m: zerosLike(weight), v: zerosLike(weight), t: 0 };
 *   }
 * }
 * ```
 */
export interface AdamState {
  /** The running mean of the gradient (first moment). */
  m: Tensor;
  /** The running mean of the squared gradient (second moment). */
  v: Tensor;
  /** The number of updates made so far (for the bias correction). */
  t: number;
}

/**
 * Adam: with `g` preprocessed as every optimiser does (weight decay added to the gradient, L2
 * style, as both MXNet and `torch.optim.Adam` do), `m ← β1·m + (1−β1)·g`,
 * `v ← β2·v + (1−β2)·g²`, and `w ← w − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε)`:
 * PyTorch's formula. MXNet adds ε before the bias correction of the denominator instead, which
 * differs only by ε·sqrt(1−β2ᵗ).
 *
 * @example
 * ```ts
 * const opt = new Adam(net, { learningRate: 1e-3 });
 * ```
 */
export class Adam extends Optimizer<AdamState> {
  /** First-moment decay. */
  readonly beta1: number;
  /** Second-moment decay. */
  readonly beta2: number;
  /** Denominator offset. */
  readonly epsilon: number;

  /**
   * @param params - a block, its `collectParams()` map, or Parameters/Variables
   * @param options - {@link AdamOptions}
   * @throws TypeError naming a bad option
   */
  constructor(params: ParamsInput, options: AdamOptions = {}) {
    const parsed = parseOptions('Adam', AdamOptionsSchema, options);
    const { beta1, beta2, epsilon, ...base } = parsed;
    super(params, base, 'Adam');
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  protected createState(weight: Tensor): AdamState {
    return { m: T.zerosLike(weight), v: T.zerosLike(weight), t: 0 };
  }

  protected update(weight: Tensor, grad: Tensor, state: AdamState): Tensor {
    state.t++;
    state.m = T.add(T.mul(state.m, this.beta1), T.mul(grad, 1 - this.beta1));
    state.v = T.add(T.mul(state.v, this.beta2), T.mul(T.square(grad), 1 - this.beta2));
    const correction1 = 1 - this.beta1 ** state.t;
    const correction2 = 1 - this.beta2 ** state.t;
    const denom = T.add(T.mul(T.sqrt(state.v), 1 / Math.sqrt(correction2)), this.epsilon);
    return T.sub(weight, T.mul(T.div(state.m, denom), this.learningRate / correction1));
  }
}

/**
 * Zod schema of {@link AdamWOptions}: Adam's, with `weightDecay` defaulting to 0.01 (PyTorch's).
 * @example
 * ```ts
 * AdamWOptionsSchema.parse({}).weightDecay   // 0.01
 * ```
 */
export const AdamWOptionsSchema = z.extend(AdamOptionsSchema, {
  /** Decoupled weight decay: `w ← w·(1 − lr·weightDecay)` before each Adam step (default 0.01). */
  weightDecay: z._default(z.number().check(z.nonnegative()), 0.01),
});

/**
 * Options of {@link AdamW}: `learningRate`, `beta1`, `beta2`, `epsilon`, `weightDecay`, `rescaleGrad`, `clipGradient`, `lrScheduler`.
 * @example
 * ```ts
 * const options: AdamWOptions = { learningRate: 1e-3, weightDecay: 0.05 };
 * ```
 */
export type AdamWOptions = z.input<typeof AdamWOptionsSchema>;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as `torch.optim.AdamW`: first
 * `w ← w·(1 − lr·weightDecay)`, then the {@link Adam} step with the gradient alone (the decay
 * is not added to the gradient, so it does not pass through the moments).
 *
 * @example
 * ```ts
 * const opt = new AdamW(net, { learningRate: 1e-3, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends Adam {
  protected override readonly decoupledWeightDecay = true;

  /**
   * @param params - a block, its `collectParams()` map, or Parameters/Variables
   * @param options - {@link AdamWOptions}
   * @throws TypeError naming a bad option
   */
  constructor(params: ParamsInput, options: AdamWOptions = {}) {
    super(params, parseOptions('AdamW', AdamWOptionsSchema, options));
  }
}
