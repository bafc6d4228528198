/**
 * A trainable parameter: a named leaf Variable whose shape may be only partly known until the
 * first forward pass (Gluon's deferred initialisation).
 */
import * as T from '@lossgraph/tensor';
import type { Shape, Tensor, TensorLike } from '@lossgraph/tensor';
import { variable, Variable } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';
import { floatDTypeSchema, seedSchema } from './options.js';
import { Uniform, initializerLikeSchema, toInitializer, type FloatDType, type Initializer, type InitializerLike } from './initializer.js';

/**
 * Marks an extent that is not known yet (inferred on the first forward pass).
 * @example
 * ```ts
 * new Parameter('weight', { shape: [10, UNKNOWN_DIM] })
 * ```
 */
export const UNKNOWN_DIM = -1;

/**
 * Zod schema of {@link ParameterOptions}.
 * @example
 * ```ts
 * ParameterOptionsSchema.parse({ shape: [3] }).requiresGrad   // true
 * ```
 */
export const ParameterOptionsSchema = z.strictObject({
  /** The shape; an extent of -1 is inferred later by the owning block (deferred initialisation). */
  shape: z.array(z.number().check(z.int(), z.minimum(UNKNOWN_DIM, 'extents must be non-negative integers, or -1 for not known yet'))),
  /** Element type, default float32. */
  dtype: z._default(floatDTypeSchema, 'float32'),
  /** This parameter's own initialiser; it wins over the one given to `initialize` (as Gluon's). */
  init: z.optional(initializerLikeSchema),
  /** Whether gradients flow to it (default true); false freezes it. */
  requiresGrad: z._default(z.boolean(), true),
});

/**
 * Options of {@link Parameter}.
 * @example
 * ```ts
 * new Parameter('bias', { shape: [3], init: 'zeros' } satisfies ParameterOptions)
 * ```
 */
export type ParameterOptions = z.input<typeof ParameterOptionsSchema>;

/**
 * Zod schema of {@link ParameterInitOptions}.
 * @example
 * ```ts
 * ParameterInitOptionsSchema.parse({ seed: 0 }).force   // false
 * ```
 */
export const ParameterInitOptionsSchema = z.strictObject({
  /** The initialiser for parameters that have none of their own (default `new Uniform(0.07)`, as Gluon). */
  init: z.optional(initializerLikeSchema),
  /**
   * Base seed: each parameter draws with a seed derived from this one and its name, so values do
   * not depend on the order in which deferred parameters get their shapes. Omitted: the tensor
   * package's global stream (see `setSeed`).
   */
  seed: z.optional(seedSchema),
  /** Re-draw parameters that already have a value (default false: they are left alone). */
  force: z._default(z.boolean(), false),
});

/**
 * Options of {@link Parameter.initialize} and `Block.initialize`.
 * @example
 * ```ts
 * net.initialize({ init: new Xavier(), seed: 0 } satisfies ParameterInitOptions)
 * ```
 */
export type ParameterInitOptions = z.input<typeof ParameterInitOptionsSchema>;

/**
 * The block a parameter is registered in: only the dotted prefix of its name is needed. @internal
 * @example `const owner: ParameterOwner = { path: ['dense0'] };`
 */
export interface ParameterOwner {
  /** The path of the owning block from the root, e.g. `['sequential0', 'dense1']`. */
  readonly path: readonly string[];
}

/** FNV-1a over the name, mixed with the base seed: a stable per-parameter seed. */
function deriveSeed(base: number, name: string): number {
  let h = 0x811c9dc5 ^ (base | 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * A named, trainable tensor. It holds a leaf {@link Variable} that stays the same object for the
 * parameter's whole life: optimisers and {@link Parameter.setData} replace the Variable's value,
 * never the Variable, so references to it stay valid.
 *
 * Blocks make their parameters; make one yourself for a custom block (and register it there).
 *
 * @example
 * ```ts
 * const w = new Parameter('weight', { shape: [3, -1], init: new Xavier() });
 * w.initialize({ seed: 0 });   // deferred: the -1 extent is unknown
 * w.inferShape([3, 4]);        // now drawn
 * w.data().shape;              // [3, 4]
 * ```
 */
export class Parameter {
  /** The name inside its block, e.g. `'weight'`. */
  readonly localName: string;
  /** Element type. */
  readonly dtype: FloatDType;
  /** Whether gradients flow to it. */
  readonly requiresGrad: boolean;
  /** Its own initialiser, if it has one. */
  readonly init: Initializer | undefined;
  private currentShape: number[];
  private leaf: Variable | null = null;
  private pending: { init: Initializer; seed: number | undefined } | null = null;
  /** @internal Set by the block that registers it. */
  owner: ParameterOwner | null = null;

  /**
   * @param name - its name inside the owning block (no dots)
   * @param options - {@link ParameterOptions}: `shape` (required), `dtype`, `init`, `requiresGrad`
   * @throws TypeError naming the bad option
   */
  constructor(name: string, options: ParameterOptions) {
    if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
      throw new TypeError(`Parameter: name must be a non-empty string without dots, got ${JSON.stringify(name)}`);
    }
    const parsed = parseOptions(`Parameter '${name}'`, ParameterOptionsSchema, options);
    this.localName = name;
    this.currentShape = [...parsed.shape];
    this.dtype = parsed.dtype;
    this.requiresGrad = parsed.requiresGrad;
    this.init = parsed.init === undefined ? undefined : toInitializer(parsed.init, 'init');
  }

  /** The full dotted name from the root block, e.g. `'dense0.weight'` (its stable identity in saved files). */
  get name(): string {
    return this.owner === null || this.owner.path.length === 0 ? this.localName : `${this.owner.path.join('.')}.${this.localName}`;
  }

  /** The shape; -1 marks an extent not known yet. */
  get shape(): Shape {
    return this.currentShape;
  }

  /** True once the shape is fully known (no -1 left). */
  get hasShape(): boolean {
    return !this.currentShape.includes(UNKNOWN_DIM);
  }

  /** True once the parameter holds a value. */
  get isInitialized(): boolean {
    return this.leaf !== null;
  }

  /**
   * The leaf Variable to compute with (always the same object).
   * @throws Error naming the parameter when it has no value yet
   */
  get variable(): Variable {
    if (this.leaf === null) throw new Error(this.notReadyMessage());
    const name = this.name;
    if (this.leaf.name !== name) this.leaf.setName(name);
    return this.leaf;
  }

  /**
   * The current value.
   * @throws Error naming the parameter when it has no value yet
   * @example
   * ```ts
   * net.collectParams().get('dense0.bias')!.data().toArray()
   * ```
   */
  data(): Tensor {
    return this.variable.value;
  }

  /** The accumulated gradient, or null when there is none (before `backward`, or after `zeroGrad`). @example w.grad()?.toArray() */
  grad(): Tensor | null {
    return this.leaf?.grad?.value ?? null;
  }

  /** Forgets the accumulated gradient. @example w.zeroGrad() */
  zeroGrad(): void {
    this.leaf?.zeroGrad();
  }

  /**
   * Replaces the value (converted to this parameter's dtype), keeping the Variable. On a parameter
   * without a value yet, it sets the value and completes a partly known shape.
   *
   * @param value - the new value; its shape must match the known extents
   * @throws RangeError naming the parameter on a shape mismatch
   * @example
   * ```ts
   * w.setData(zeros([3, 4]))
   * ```
   */
  setData(value: TensorLike): void {
    let t = T.toTensor(value, 'value', this.dtype);
    if (!this.shapeFits(t.shape)) {
      throw new RangeError(`Parameter '${this.name}': expected a value of shape ${describeShape(this.currentShape)}, got ${T.formatShape(t.shape)}`);
    }
    if (t.dtype !== this.dtype) t = T.cast(t, this.dtype);
    if (this.leaf === null) {
      this.currentShape = [...t.shape];
      this.pending = null;
      this.leaf = variable(t, { requiresGrad: this.requiresGrad, name: this.name, parameter: true });
    } else {
      this.leaf.assign(t);
    }
  }

  /**
   * Draws the value with its own initialiser, else `options.init`, else Uniform(0.07) (Gluon's
   * default). With unknown extents the draw waits for {@link Parameter.inferShape}.
   *
   * @param options - {@link ParameterInitOptions}: `init`, `seed`, `force`
   * @example
   * ```ts
   * new Parameter('b', { shape: [3], init: 'zeros' }).initialize()
   * ```
   */
  initialize(options: ParameterInitOptions = {}): void {
    const parsed = parseOptions(`Parameter '${this.name}'.initialize`, ParameterInitOptionsSchema, options);
    if (this.leaf !== null && !parsed.force) return;
    const init = this.init ?? (parsed.init === undefined ? new Uniform() : toInitializer(parsed.init));
    this.pending = { init, seed: parsed.seed === undefined ? undefined : deriveSeed(parsed.seed, this.name) };
    if (this.hasShape) this.draw();
  }

  /**
   * Completes a partly known shape (deferred initialisation) and, when `initialize` already ran,
   * draws the value. Blocks call this on their first forward pass.
   *
   * @param shape - the full shape; it must agree with the known extents
   * @throws RangeError naming the parameter when it does not
   * @example
   * ```ts
   * w.inferShape([3, 4])
   * ```
   */
  inferShape(shape: Shape): void {
    if (!this.shapeFits(shape)) {
      throw new RangeError(`Parameter '${this.name}': inferred shape ${T.formatShape(shape)} does not match its shape ${describeShape(this.currentShape)}`);
    }
    if (this.hasShape) return;
    this.currentShape = [...shape];
    if (this.pending !== null) this.draw();
  }

  /** A one-line summary. */
  toString(): string {
    return `Parameter '${this.name}' ${describeShape(this.currentShape)} ${this.dtype}${this.isInitialized ? '' : ' (not initialised)'}`;
  }

  private draw(): void {
    const { init, seed } = this.pending!;
    let value: Tensor;
    try {
      value = init.init(this.currentShape, seed === undefined ? { dtype: this.dtype } : { seed, dtype: this.dtype });
    } catch (e) {
      throw new RangeError(`Parameter '${this.name}': ${(e as Error).message}`);
    }
    this.pending = null;
    if (this.leaf === null) this.leaf = variable(value, { requiresGrad: this.requiresGrad, name: this.name, parameter: true });
    else this.leaf.assign(value);
  }

  private shapeFits(shape: Shape): boolean {
    return shape.length === this.currentShape.length && shape.every((d, i) => this.currentShape[i] === UNKNOWN_DIM || this.currentShape[i] === d);
  }

  private notReadyMessage(): string {
    if (this.pending !== null) {
      return `Parameter '${this.name}' has shape ${describeShape(this.currentShape)} with extents still unknown; run a forward pass first so they can be inferred`;
    }
    return `Parameter '${this.name}' is not initialised; call initialize() on the model (or set its value with setData) before using it`;
  }
}

/**
 * Formats a shape with unknown extents shown as `?`.
 * @param shape - the shape; -1 marks an unknown extent
 * @example
 * ```ts
 * describeShape([10, -1])   // '[10, ?]'
 * ```
 */
export function describeShape(shape: Shape): string {
  return `[${shape.map((d) => (d === UNKNOWN_DIM ? '?' : String(d))).join(', ')}]`;
}
