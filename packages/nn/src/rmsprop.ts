/**
 * RMSProp in PyTorch's form (`torch.optim.RMSprop`).
 */
import * as T from '@lossgraph/tensor';
import { parseOptions } from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { BaseOptimizerOptionsSchema, Optimizer, type ParamsInput } from './optimizer.js';


/**
 * Zod schema of {@link RMSPropOptions}.
 * @example
 * ```ts
 * RMSPropOptionsSchema.parse({}).rho   // 0.99
 * ```
 */
export const RMSPropOptionsSchema = z.extend(BaseOptimizerOptionsSchema, {
  /** Step size (default 0.01, as PyTorch). */
  learningRate: z._default(z.number().check(z.positive()), 0.01),
  /** Decay of the running mean of squared gradients, in [0, 1) (PyTorch's `alpha`; default 0.99). */
  rho: z._default(z.number().check(z.minimum(0), z.lt(1)), 0.99),
  /** Momentum of the update, in [0, 1) (default 0). */
  momentum: z._default(z.number().check(z.minimum(0), z.lt(1)), 0),
  /** Added to the root mean square, outside the square root (default 1e-8). */
  epsilon: z._default(z.number().check(z.positive()), 1e-8),
  /** Whether to divide by the centred root mean square, sqrt(E[g²] − E[g]²) (default false). */
  centered: z._default(z.boolean(), false),
});

/**
 * Options of {@link RMSProp}: `learningRate`, `rho`, `momentum`, `epsilon`, `centered`, `weightDecay`, `rescaleGrad`, `clipGradient`, `lrScheduler`.
 * @example
 * ```ts
 * const options: RMSPropOptions = { learningRate: 1e-3, centered: true, momentum: 0.9 };
 * ```
 */
export type RMSPropOptions = z.input<typeof RMSPropOptionsSchema>;

/**
 * Per-parameter state of {@link RMSProp}.
 * @example
 * ```ts
 * const state: RMSPropState = { squareAvg: zeros([3]), gradAvg: null, momentumBuffer: null };
 * ```
 */
export interface RMSPropState {
  /** The running mean of g². */
  squareAvg: Tensor;
  /** The running mean of g (with `centered`), else null. */
  gradAvg: Tensor | null;
  /** The momentum buffer (with `momentum` > 0), else null. */
  momentumBuffer: Tensor | null;
}

/**
 * RMSProp as `torch.optim.RMSprop` (with `alpha` named `rho`): with `g` preprocessed as every
 * optimiser does (weight decay added to the gradient),
 * `s ← ρ·s + (1−ρ)·g²`; with `centered`, `a ← ρ·a + (1−ρ)·g` and `d = sqrt(s − a²) + ε`, else
 * `d = sqrt(s) + ε` (ε outside the root, unlike MXNet 1.x); then with momentum
 * `b ← momentum·b + g/d; w ← w − lr·b`, without it `w ← w − lr·g/d`.
 *
 * @example
 * ```ts
 * const opt = new RMSProp(net, { learningRate: 1e-3, centered: true });
 * ```
 */
export class RMSProp extends Optimizer<RMSPropState> {
  /** Decay of the running means. */
  readonly rho: number;
  /** Momentum coefficient. */
  readonly momentum: number;
  /** Denominator offset. */
  readonly epsilon: number;
  /** Whether the denominator is centred. */
  readonly centered: boolean;

  /**
   * @param params - a block, its `collectParams()` map, or Parameters/Variables
   * @param options - {@link RMSPropOptions}
   * @throws TypeError naming a bad option
   */
  constructor(params: ParamsInput, options: RMSPropOptions = {}) {
    const { rho, momentum, epsilon, centered, ...base } = parseOptions('RMSProp', RMSPropOptionsSchema, options);
    super(params, base, 'RMSProp');
    this.rho = rho;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.centered = centered;
  }

  protected createState(weight: Tensor): RMSPropState {
    return {
      squareAvg: T.zerosLike(weight),
      gradAvg: this.centered ? T.zerosLike(weight) : null,
      momentumBuffer: this.momentum > 0 ? T.zerosLike(weight) : null,
    };
  }

  protected update(weight: Tensor, grad: Tensor, state: RMSPropState): Tensor {
    state.squareAvg = T.add(T.mul(state.squareAvg, this.rho), T.mul(T.square(grad), 1 - this.rho));
    let meanSquare = state.squareAvg;
    if (state.gradAvg !== null) {
      state.gradAvg = T.add(T.mul(state.gradAvg, this.rho), T.mul(grad, 1 - this.rho));
      meanSquare = T.sub(meanSquare, T.square(state.gradAvg));
    }
    const scaled = T.div(grad, T.add(T.sqrt(meanSquare), this.epsilon));
    if (state.momentumBuffer === null) return T.sub(weight, T.mul(scaled, this.learningRate));
    state.momentumBuffer = T.add(T.mul(state.momentumBuffer, this.momentum), scaled);
    return T.sub(weight, T.mul(state.momentumBuffer, this.learningRate));
  }
}
