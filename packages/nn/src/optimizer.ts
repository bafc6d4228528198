/**
 * The optimiser base: which parameters to update, the gradient preprocessing every MXNet
 * optimiser shares (rescale, clip, weight decay), and `step`/`zeroGrad`.
 */
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import { noGrad, Variable } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { parseArgument } from '@lossgraph/tensor';
import { Block } from './block.js';
import { Parameter } from './parameter.js';
import { LRScheduler } from './scheduler.js';
import { SavedParameterSchema, type SavedParameter } from './serialize.js';

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
  learningRate: z.number().check(z.positive()),
  /** L2 penalty: `weightDecay · weight` is added to the gradient (default 0). */
  weightDecay: z._default(z.number().check(z.nonnegative()), 0),
  /** Gradients are multiplied by this (and divided by `step`'s batch size) first (default 1). */
  rescaleGrad: z._default(z.number().check(z.positive()), 1),
  /** When given, rescaled gradients are clipped to [-clipGradient, clipGradient] (MXNet's clip_gradient). */
  clipGradient: z.optional(z.number().check(z.positive())),
  /**
   * A schedule ({@link LRScheduler}): update number t (counted from 1) uses
   * `lrScheduler.learningRate(t)`, and `learningRate` is not used.
   */
  lrScheduler: z.optional(z.custom<LRScheduler>((v) => v instanceof LRScheduler, { message: 'expected an LRScheduler (e.g. a FactorScheduler or CosineScheduler)' })),
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
  /** The learning-rate schedule, if any. */
  readonly lrScheduler: LRScheduler | undefined;
  /**
   * Whether weight decay is applied to the weight directly (AdamW's `w ← w·(1 − lr·wd)`) instead
   * of being added to the gradient (L2, the default).
   */
  protected readonly decoupledWeightDecay: boolean = false;
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
    this.lrScheduler = options.lrScheduler;
  }

  /**
   * The learning rate of the next update (of the running one, inside `step`): the constant
   * rate, or the schedule's rate for update number `stepCount + 1`.
   */
  get learningRate(): number {
    return this.lrScheduler === undefined ? this.lr : this.lrScheduler.learningRate(this.steps + 1);
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
    if (this.lrScheduler !== undefined) throw new Error(`${this.constructor.name}.setLearningRate: this optimiser follows its lrScheduler; change the schedule instead`);
    this.lr = parseArgument(`${this.constructor.name}.setLearningRate`, 'value', z.number().check(z.positive()), value);
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
    const scale = this.rescaleGrad / parseArgument(`${this.constructor.name}.step`, 'batchSize', z.number().check(z.positive()), batchSize);
    const decay = this.decoupledWeightDecay ? 1 - this.learningRate * this.weightDecay : 1;
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
          let decayed = weight;
          if (this.weightDecay !== 0) {
            if (this.decoupledWeightDecay) decayed = T.mul(weight, decay);
            else g = T.add(g, T.mul(weight, this.weightDecay));
          }
          if (slot.state === null) slot.state = this.createState(weight);
          return { value: this.update(decayed, g, slot.state), state: tensorsOf(slot.state) };
        });
        for (const t of updated.state) T.keep(t);
        for (const t of oldState) if (!updated.state.includes(t)) t.dispose();
        leaf.assign(updated.value);
        if (leaf.value !== weight) weight.dispose();
      }
    });
    this.steps++;
  }

  /**
   * The optimiser's state as a JSON string (as Gluon's `trainer.save_states`, without file I/O):
   * the number of steps and, per parameter in order, its state (moments, momentum buffers,
   * counters). Parameters not updated yet have no state.
   * @example
   * ```ts
   * fs.writeFileSync('opt.json', opt.saveStates());
   * ```
   */
  saveStates(): string {
    const slots = this.slots.map((slot, i) => {
      const state: Record<string, SavedParameter | number | null> | null = slot.state === null ? null : {};
      if (slot.state !== null) {
        for (const [key, value] of Object.entries(slot.state as object)) state![key] = value instanceof T.Tensor ? encodeTensor(value) : (value as number | null);
      }
      return { name: targetName(slot.target, i), state };
    });
    const file: SavedStates = { optimizer: this.constructor.name, stepCount: this.steps, slots };
    return JSON.stringify(file);
  }

  /**
   * Restores a state saved by {@link Optimizer.saveStates} of an optimiser of the same class
   * over the same parameters (checked by name, in order, and shape) before anything changes.
   * @param saved - the JSON string
   * @throws TypeError for a malformed file or another optimiser class; RangeError naming the
   *   parameter whose name or shape differs
   * @example
   * ```ts
   * opt.loadStates(fs.readFileSync('opt.json', 'utf8'));
   * ```
   */
  loadStates(saved: string): void {
    const where = `${this.constructor.name}.loadStates`;
    let raw: unknown;
    try {
      raw = JSON.parse(parseArgument(where, 'saved', z.string(), saved));
    } catch (e) {
      if (e instanceof TypeError && e.message.startsWith(where)) throw e;
      throw new TypeError(`${where}: saved is not valid JSON (${(e as Error).message})`);
    }
    const file = parseArgument(where, 'saved', SavedStatesSchema, raw);
    if (file.optimizer !== this.constructor.name) throw new TypeError(`${where}: the states were saved by ${file.optimizer}, not ${this.constructor.name}`);
    if (file.slots.length !== this.slots.length) throw new RangeError(`${where}: the states hold ${file.slots.length} parameters, this optimiser updates ${this.slots.length}`);
    const states = file.slots.map((entry, i) => {
      const slot = this.slots[i]!;
      const name = targetName(slot.target, i);
      if (entry.name !== name) throw new RangeError(`${where}: parameter ${i} is '${name}' here but '${entry.name}' in the states`);
      if (entry.state === null) return null;
      const leaf = leafOf(slot.target);
      const state: Record<string, T.Tensor | number | null> = {};
      for (const [key, value] of Object.entries(entry.state)) {
        if (value === null || typeof value === 'number') {
          state[key] = value;
          continue;
        }
        if (leaf !== null && !T.shapesEqual(value.shape, leaf.shape)) {
          throw new RangeError(`${where}: the state '${key}' of parameter '${name}' has shape ${T.formatShape(value.shape)}, the parameter ${T.formatShape(leaf.shape)}`);
        }
        state[key] = decodeTensor(value, leaf?.dtype ?? 'float32');
      }
      return state as S;
    });
    states.forEach((state, i) => {
      this.slots[i]!.state = state;
    });
    this.steps = file.stepCount;
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

/** A name for an optimiser's i-th target in saved states. */
function targetName(target: Parameter | Variable, index: number): string {
  return target instanceof Parameter ? target.name : target.name ?? `#${index}`;
}

function encodeTensor(value: T.Tensor): SavedParameter {
  const data = Array.from(value.dataSync(), (v) => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'));
  return { shape: [...value.shape], dtype: value.dtype, data } as SavedParameter;
}

function decodeTensor(saved: SavedParameter, dtype: T.DType): T.Tensor {
  const values = saved.data.map((v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity));
  return T.tensor(values, saved.shape, dtype);
}

/**
 * Zod schema of the file {@link Optimizer.saveStates} writes.
 * @example
 * ```ts
 * SavedStatesSchema.parse(JSON.parse(opt.saveStates())).stepCount
 * ```
 */
export const SavedStatesSchema = z.strictObject({
  /** The optimiser's class name. */
  optimizer: z.string(),
  /** The number of steps taken. */
  stepCount: z.number().check(z.int(), z.nonnegative()),
  /** Per parameter, in the optimiser's order: its name and its state (null before its first update). */
  slots: z.array(z.strictObject({
    name: z.string(),
    state: z.nullable(z.record(z.string(), z.union([SavedParameterSchema, z.number(), z.null()]))),
  })),
});

/**
 * The file {@link Optimizer.saveStates} writes.
 * @example
 * ```ts
 * const file: SavedStates = JSON.parse(opt.saveStates());
 * ```
 */
export type SavedStates = z.infer<typeof SavedStatesSchema>;
