/**
 * Stochastic gradient descent with momentum, in MXNet's form.
 */
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';
import { BaseOptimizerOptionsSchema, Optimizer, type ParamsInput } from './optimizer.js';

/**
 * Zod schema of {@link SGDOptions}.
 * @example
 * ```ts
 * SGDOptionsSchema.parse({}).learningRate   // 0.01
 * ```
 */
export const SGDOptionsSchema = z.extend(BaseOptimizerOptionsSchema, {
  /** Step size (default 0.01, as MXNet). */
  learningRate: z._default(z.number().check(z.positive()), 0.01),
  /** Momentum coefficient in [0, 1) (default 0: plain SGD). */
  momentum: z._default(z.number().check(z.minimum(0), z.lt(1)), 0),
  /** Nesterov momentum (default false); needs a positive `momentum`. */
  nesterov: z._default(z.boolean(), false),
}).check(z.refine((o) => !o.nesterov || o.momentum > 0, { message: 'Nesterov momentum needs a positive momentum', path: ['nesterov'] }));

/**
 * Options of {@link SGD}: `learningRate`, `momentum`, `nesterov`, `weightDecay`, `rescaleGrad`, `clipGradient`, `lrScheduler`.
 * @example
 * ```ts
 * const options: SGDOptions = { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 };
 * ```
 */
export type SGDOptions = z.input<typeof SGDOptionsSchema>;

/**
 * SGD with MXNet's update: `g = clip(rescale · grad) + wd · w`, then without momentum
 * `w ← w − lr · g`, and with momentum `mom ← momentum · mom − lr · g; w ← w + mom`
 * (`mom` starts at 0). With a constant learning rate this is the same trajectory as
 * `torch.optim.SGD(momentum, weight_decay)`, whose buffer is `−mom / lr`.
 *
 * With `nesterov: true`, PyTorch's (and MXNet's NAG) form: `buf ← momentum · buf + g`,
 * `w ← w − lr · (g + momentum · buf)`.
 *
 * @example
 * ```ts
 * const opt = new SGD(net, { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 });
 * loss.backward();
 * opt.step(batchSize);
 * opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<{ mom: Tensor | null }> {
  /** The momentum coefficient. */
  readonly momentum: number;
  /** Whether the momentum is Nesterov's. */
  readonly nesterov: boolean;

  /**
   * @param params - a block, its `collectParams()` map, or Parameters/Variables
   * @param options - {@link SGDOptions}
   * @throws TypeError naming a bad option
   */
  constructor(params: ParamsInput, options: SGDOptions = {}) {
    const parsed = parseOptions('SGD', SGDOptionsSchema, options);
    const { momentum, nesterov, ...base } = parsed;
    super(params, base, 'SGD');
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  protected createState(weight: Tensor): { mom: Tensor | null } {
    return { mom: this.momentum === 0 ? null : T.zerosLike(weight) };
  }

  protected update(weight: Tensor, grad: Tensor, state: { mom: Tensor | null }): Tensor {
    if (this.nesterov) {
      state.mom = T.add(T.mul(state.mom!, this.momentum), grad);
      return T.sub(weight, T.mul(T.add(grad, T.mul(state.mom, this.momentum)), this.learningRate));
    }
    const step = T.mul(grad, this.learningRate);
    if (state.mom === null) return T.sub(weight, step);
    state.mom = T.sub(T.mul(state.mom, this.momentum), step);
    return T.add(weight, state.mom);
  }
}
