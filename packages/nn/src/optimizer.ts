/**
 * The optimiser base: which parameters to update, the gradient preprocessing every MXNet
 * optimiser shares (rescale, clip, weight decay), and `step`/`zeroGrad`.
 */
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import { noGrad, Variable } from '@lossgraph/autograd';
import { z } from 'zod';
import { Block } from './block.js';
import { parseOptions } from './options.js';
import { Parameter } from './parameter.js';

/**
 * What an optimiser updates: a block (all its parameters), the map `collectParams()` returns, or
 * a list of Parameters and/or leaf Variables.
 * @example
 * ```ts
 * new SGD(net.collectParams(/weight$/) satisfies ParamsInput, { learningRate: 0.1 })
 * ```
 */
export type ParamsInput = Block | ReadonlyMap<string, Parameter> | Iterable<Parameter | Variable>;

/**
 * Zod schema of the options every optimiser shares ({@link BaseOptimizerOptions}).
 * @example
 * ```ts
 * BaseOptimizerOptionsSchema.parse({ learningRate: 0.1 }).rescaleGrad   // 1
 * ```
 */
export const BaseOptimizerOptionsSchema = z.strictObject({
  /** Step size. */
  learningRate: z.number().positive(),
  /** L2 penalty: `weightDecay · weight` is added to the gradient (default 0). */
  weightDecay: z.number().nonnegative().default(0),
  /** Gradients are multiplied by this (and divided by `step`'s batch size) first (default 1). */
  rescaleGrad: z.number().positive().default(1),
  /** When given, rescaled gradients are clipped to [-clipGradient, clipGradient] (MXNet's clip_gradient). */
  clipGradient: z.number().positive().optional(),
});

/**
 * The options every optimiser shares.
 * @example
 * ```ts
 * const options: BaseOptimizerOptions = { learningRate: 0.1, clipGradient: 5 };
 * ```
 */
export type BaseOptimizerOptions = z.input<typeof BaseOptimizerOptionsSchema>;

/** One parameter as the optimiser tracks it, with its per-parameter state. */
interface Slot<S> {
  readonly target: Parameter | Variable;
  state: S | null;
}

function leafOf(target: Parameter | Variable): Variable | null {
  if (target instanceof Variable) return target;
  return target.isInitialized ? target.variable : null;
}

/**
 * Updates parameters from their accumulated gradients. Subclasses ({@link SGD}, {@link Adam})
 * give the update rule; the base class does the shared preprocessing, in MXNet's order:
 * `g = clip(grad · rescaleGrad / batchSize) + weightDecay · weight`.
 *
 * The update runs under `noGrad` with tensor ops and writes the new value into each parameter's
 * Variable (`assign`): the Variable objects stay the same, so existing references remain valid.
 * Parameters without a gradient (not used since the last `zeroGrad`) are skipped, as in PyTorch.
 * Memory stays flat: the step disposes its temporaries, the replaced parameter values (a tensor
 * read earlier with `param.data()` is disposed by the next step: copy it with `dataSync()`) and
 * the replaced state; `zeroGrad` disposes the gradients.
 *
 * @typeParam S - the per-parameter state (momentum, moments...)
 *
 * @example
 * ```ts
 * for (const { x, y } of loader) {
 *   opt.zeroGrad();
 *   const loss = sum(crossEntropy(net.forward(x), y));
 *   loss.backward();
 *   opt.step(x.shape[0]);   // gradients of a summed loss, averaged over the batch
 * }
 * ```
 */
export abstract class Optimizer<S = unknown> {
  private readonly slots: Slot<S>[];
  private lr: number;
  /** L2 penalty coefficient. */
  readonly weightDecay: number;
  /** The base gradient scale (before division by the batch size). */
  readonly rescaleGrad: number;
  /** The gradient clipping bound, if any. */
  readonly clipGradient: number | undefined;
  private steps = 0;

  /**
   * @param params - see {@link ParamsInput}
   * @param options - the shared options; subclasses parse their own and pass them here
   * @param where - the class name, for messages
   */
  protected constructor(params: ParamsInput, options: z.output<typeof BaseOptimizerOptionsSchema>, where: string) {
    this.slots = collectTargets(params, where).map((target) => ({ target, state: null }));
    this.lr = options.learningRate;
    this.weightDecay = options.weightDecay;
    this.rescaleGrad = options.rescaleGrad;
    this.clipGradient = options.clipGradient;
  }

  /** The current learning rate. */
  get learningRate(): number {
    return this.lr;
  }

  /**
   * Changes the learning rate (for schedules), as Gluon's `trainer.set_learning_rate`.
   * @param value - a positive number
   * @example
   * ```ts
   * opt.setLearningRate(opt.learningRate * 0.5)
   * ```
   */
  setLearningRate(value: number): void {
    this.lr = parseOptions(z.number().positive(), value, `${this.constructor.name}.setLearningRate`, 'value');
  }

  /** Number of `step` calls so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The parameters and Variables this optimiser updates. */
  get targets(): ReadonlyArray<Parameter | Variable> {
    return this.slots.map((s) => s.target);
  }

  /**
   * Applies one update to every parameter that has a gradient.
   *
   * @param batchSize - gradients are divided by it (with `rescaleGrad`), as Gluon's
   *   `Trainer.step(batch_size)`: pass the batch size when the loss was summed (or, as Gluon's
   *   losses, left per-sample) over the batch; keep 1 (default) for a mean loss
   * @throws TypeError for a batch size that is not a positive number
   * @example
   * ```ts
   * opt.step(64)
   * ```
   */
  step(batchSize = 1): void {
    const scale = this.rescaleGrad / parseOptions(z.number().positive(), batchSize, `${this.constructor.name}.step`, 'batchSize');
    this.steps++;
    noGrad(() => {
      for (const slot of this.slots) {
        const leaf = leafOf(slot.target);
        const gradVar = leaf?.grad;
        if (leaf === null || gradVar === null || gradVar === undefined) continue;
        const weight = leaf.value;
        const oldState = tensorsOf(slot.state);
        // Every temporary of the update is disposed when it ends; the new value and the new state
        // are what it hands on. The replaced value and state are disposed too, so a step leaves
        // exactly as many tensors as it found (a gpujs texture each).
        const updated = T.tidy(() => {
          let g = gradVar.value;
          if (g.dtype !== weight.dtype) g = T.cast(g, weight.dtype);
          if (scale !== 1) g = T.mul(g, scale);
          if (this.clipGradient !== undefined) g = T.clip(g, -this.clipGradient, this.clipGradient);
          if (this.weightDecay !== 0) g = T.add(g, T.mul(weight, this.weightDecay));
          if (slot.state === null) slot.state = this.createState(weight);
          return { value: this.update(weight, g, slot.state), state: tensorsOf(slot.state) };
        });
        for (const t of updated.state) T.keep(t);
        for (const t of oldState) if (!updated.state.includes(t)) t.dispose();
        leaf.assign(updated.value);
        if (leaf.value !== weight) weight.dispose();
      }
    });
  }

  /** Forgets the gradients of every parameter (call it before each backward: gradients accumulate). @example opt.zeroGrad() */
  zeroGrad(): void {
    for (const slot of this.slots) leafOf(slot.target)?.zeroGrad();
  }

  /** The initial state of one parameter, made at its first update. @param weight - the parameter's current value */
  protected abstract createState(weight: Tensor): S;

  /**
   * The new value of one parameter.
   * @param weight - its current value
   * @param grad - its preprocessed gradient
   * @param state - its state, to update in place
   */
  protected abstract update(weight: Tensor, grad: Tensor, state: S): Tensor;
}

/** The tensors an optimiser keeps in one parameter's state (its own enumerable fields). */
function tensorsOf(state: unknown): T.Tensor[] {
  if (state === null || typeof state !== 'object') return [];
  return Object.values(state).filter((v): v is T.Tensor => v instanceof T.Tensor);
}

function collectTargets(params: ParamsInput, where: string): Array<Parameter | Variable> {
  let list: unknown[];
  if (params instanceof Block) list = params.parameters();
  else if (params instanceof Map) list = [...(params as ReadonlyMap<string, Parameter>).values()];
  else if (params !== null && typeof params === 'object' && Symbol.iterator in params) list = [...(params as Iterable<unknown>)];
  else throw new TypeError(`${where}: params must be a Block, a Map from collectParams(), or a list of Parameters or Variables; got ${params === null ? 'null' : typeof params}`);
  const out: Array<Parameter | Variable> = [];
  const seen = new Set<unknown>();
  list.forEach((p, i) => {
    if (p instanceof Variable) {
      if (!p.isLeaf) throw new TypeError(`${where}: params[${i}] is not a leaf Variable (it was computed by '${p.node!.op.name}'); only leaves can be updated`);
      if (!p.requiresGrad) throw new TypeError(`${where}: params[${i}] does not require grad, so it never gets a gradient`);
    } else if (!(p instanceof Parameter)) {
      throw new TypeError(`${where}: params[${i}] must be a Parameter or a Variable, got ${p === null ? 'null' : typeof p}`);
    }
    if (!seen.has(p)) out.push(p);
    seen.add(p);
  });
  return out;
}
