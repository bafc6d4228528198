/**
 * Initialisers: how a parameter's first value is drawn. Names and conventions follow MXNet's
 * `mx.init` (Xavier's magnitude, Uniform's scale, Normal's sigma), and every random one is seeded.
 */
import * as T from '@lossgraph/tensor';
import type { Shape, Tensor } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { floatDTypeSchema, seedSchema } from './options.js';

/**
 * The dtypes a parameter can hold.
 * @example
 * ```ts
 * const dtype: FloatDType = 'float64';
 * ```
 */
export type FloatDType = z.infer<typeof floatDTypeSchema>;

/**
 * Zod schema of {@link InitOptions}.
 * @example
 * ```ts
 * InitOptionsSchema.parse({ seed: 1 }).dtype   // 'float32'
 * ```
 */
export const InitOptionsSchema = z.strictObject({
  /** Seed of the random draw; omitted, the tensor package's global stream (see `setSeed`). */
  seed: z.optional(seedSchema),
  /** Element type of the result (default float32). */
  dtype: z._default(floatDTypeSchema, 'float32'),
});

/**
 * Options of {@link Initializer.init}.
 * @example
 * ```ts
 * new Xavier().init([4, 3], { seed: 1, dtype: 'float64' } satisfies InitOptions)
 * ```
 */
export type InitOptions = z.input<typeof InitOptionsSchema>;

/**
 * Draws the first value of a parameter of a given shape. Subclass it for a custom scheme; the
 * built-in ones are {@link Xavier}, {@link Uniform}, {@link Normal}, {@link Zero}, {@link One}
 * and {@link Constant}.
 *
 * @example
 * ```ts
 * class Identity extends Initializer {
 *   readonly kind = 'identity';
 *   protected draw(shape: Shape, options: { dtype: FloatDType }): Tensor {
 *     return eye(shape[0]!, shape[1], options.dtype);
 *   }
 * }
 * new Dense(4, { inUnits: 4, weightInitializer: new Identity() });
 * ```
 */
export abstract class Initializer {
  /** A short name for messages, e.g. `'xavier'`. */
  abstract readonly kind: string;

  /**
   * Makes a value of `shape`.
   *
   * @param shape - the parameter's shape
   * @param options - `seed` (omitted: the global random stream) and `dtype` (default float32)
   * @returns a new tensor of `shape`
   * @throws TypeError for bad options; RangeError when the scheme cannot handle the shape
   *
   * @example
   * ```ts
   * new Xavier().init([128, 784], { seed: 1 });
   * ```
   */
  init(shape: Shape, options: InitOptions = {}): Tensor {
    const parsed = parseOptions(`${this.kind} initializer`, InitOptionsSchema, options);
    const checked = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
    if (!checked) throw new TypeError(`${this.kind} initializer: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    return this.draw(shape, parsed);
  }

  /**
   * The scheme itself, given a checked shape and parsed options.
   * @param shape - the checked shape to fill
   * @param options - the parsed options: the seed (if any) and the dtype
   */
  protected abstract draw(shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor;

  /** The kind, for messages. */
  toString(): string {
    return this.kind;
  }
}

/**
 * Zod schema of {@link XavierOptions}.
 * @example
 * ```ts
 * XavierOptionsSchema.parse({}).magnitude   // 3
 * ```
 */
export const XavierOptionsSchema = z.strictObject({
  /** `'uniform'` draws U(-s, s); `'gaussian'` draws N(0, s²). Default `'uniform'`. */
  rndType: z._default(z.enum(['uniform', 'gaussian']), 'uniform'),
  /** Which fan sets the scale: the mean of both (`'avg'`, default), fan-in (`'in'`) or fan-out (`'out'`). */
  factorType: z._default(z.enum(['avg', 'in', 'out']), 'avg'),
  /** The numerator of the scale: s = sqrt(magnitude / factor). Default 3. */
  magnitude: z._default(z.number().check(z.positive()), 3),
});

/**
 * Options of {@link Xavier}, with MXNet's defaults (`rndType: 'uniform'`, `factorType: 'avg'`, `magnitude: 3`).
 * @example
 * ```ts
 * new Xavier({ rndType: 'gaussian', factorType: 'in', magnitude: 2 } satisfies XavierOptions)
 * ```
 */
export type XavierOptions = z.input<typeof XavierOptionsSchema>;

/**
 * The Xavier/Glorot scheme with MXNet's conventions: for a weight of shape `[out, in, ...k]`,
 * fanIn = in·prod(k), fanOut = out·prod(k), factor is their mean (`'avg'`), fanIn (`'in'`) or
 * fanOut (`'out'`), s = sqrt(magnitude / factor), and values are U(-s, s) or N(0, s²). The
 * defaults give Glorot-uniform, s = sqrt(6 / (fanIn + fanOut)). Needs at least two axes.
 *
 * @example
 * ```ts
 * const w = new Xavier({ rndType: 'gaussian', factorType: 'in', magnitude: 2 }).init([64, 32], { seed: 0 });  // He-normal
 * ```
 */
export class Xavier extends Initializer {
  readonly kind = 'xavier';
  /** The parsed options. */
  readonly options: Readonly<z.output<typeof XavierOptionsSchema>>;

  /** @param options - {@link XavierOptions}; all optional */
  constructor(options: XavierOptions = {}) {
    super();
    this.options = Object.freeze(parseOptions('Xavier', XavierOptionsSchema, options));
  }

  /**
   * The bound (uniform) or standard deviation (gaussian) this initialiser uses for `shape`.
   * @param shape - the parameter's shape (its fans come from it)
   * @example
   * ```ts
   * new Xavier().scaleFor([10, 20])  // sqrt(3 / 15) = 0.4472
   * ```
   */
  scaleFor(shape: Shape): number {
    if (shape.length < 2) {
      throw new RangeError(`Xavier: needs a shape with at least 2 axes to know fan-in and fan-out, got [${shape.join(', ')}] (use Zero, Uniform or Normal for biases)`);
    }
    const receptive = T.sizeOf(shape.slice(2));
    const fanIn = shape[1]! * receptive;
    const fanOut = shape[0]! * receptive;
    const factor = this.options.factorType === 'avg' ? (fanIn + fanOut) / 2 : this.options.factorType === 'in' ? fanIn : fanOut;
    if (factor === 0) throw new RangeError(`Xavier: the ${this.options.factorType} fan of shape [${shape.join(', ')}] is 0`);
    return Math.sqrt(this.options.magnitude / factor);
  }

  protected draw(shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor {
    const s = this.scaleFor(shape);
    return drawRandom(this.options.rndType, s, shape, options);
  }
}

const scaleSchema = z.number().check(z.positive());

/** Uniform values in [-spread, spread) or normal ones of deviation `spread`, seeded when a seed is given. */
function drawRandom(kind: 'uniform' | 'gaussian', spread: number, shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor {
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  return kind === 'uniform'
    ? T.rand(shape, { low: -spread, high: spread, dtype: options.dtype, ...seed })
    : T.randn(shape, { std: spread, dtype: options.dtype, ...seed });
}

/**
 * Uniform values in [-scale, scale), as MXNet's `mx.init.Uniform(scale=0.07)` (Gluon's default initialiser).
 * @example
 * ```ts
 * new Uniform(0.1).init([3, 2], { seed: 4 });
 * ```
 */
export class Uniform extends Initializer {
  readonly kind = 'uniform';
  /** Half the width of the interval. */
  readonly scale: number;

  /** @param scale - positive half-width (default 0.07, as MXNet) */
  constructor(scale = 0.07) {
    super();
    this.scale = parseArgument('Uniform', 'scale', scaleSchema, scale);
  }

  protected draw(shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor {
    return drawRandom('uniform', this.scale, shape, options);
  }
}

/**
 * Normal values N(0, sigma²), as MXNet's `mx.init.Normal(sigma=0.01)`.
 * @example
 * ```ts
 * new Normal(0.02).init([3, 2], { seed: 4 });
 * ```
 */
export class Normal extends Initializer {
  readonly kind = 'normal';
  /** Standard deviation. */
  readonly sigma: number;

  /** @param sigma - positive standard deviation (default 0.01, as MXNet) */
  constructor(sigma = 0.01) {
    super();
    this.sigma = parseArgument('Normal', 'sigma', scaleSchema, sigma);
  }

  protected draw(shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor {
    return drawRandom('gaussian', this.sigma, shape, options);
  }
}

/**
 * Every element `value`, as MXNet's `mx.init.Constant`.
 * @example
 * ```ts
 * new Constant(0.1).init([2]);   // [0.1, 0.1]
 * ```
 */
export class Constant extends Initializer {
  readonly kind: string = 'constant';
  /** The fill value. */
  readonly value: number;

  /** @param value - the finite fill value */
  constructor(value: number) {
    super();
    this.value = parseArgument('Constant', 'value', z.number(), value);
  }

  protected draw(shape: Shape, options: { seed?: number | undefined; dtype: FloatDType }): Tensor {
    return T.full(shape, this.value, options.dtype);
  }
}

/**
 * All zeros, as MXNet's `mx.init.Zero` (the default for biases).
 * @example
 * ```ts
 * new Zero().init([3]);   // [0, 0, 0]
 * ```
 */
export class Zero extends Constant {
  /** `'zeros'`, for messages. */
  override readonly kind: string = 'zeros';
  constructor() {
    super(0);
  }
}

/**
 * All ones, as MXNet's `mx.init.One`.
 * @example
 * ```ts
 * new One().init([2, 2]);   // [[1, 1], [1, 1]]
 * ```
 */
export class One extends Constant {
  /** `'ones'`, for messages. */
  override readonly kind: string = 'ones';
  constructor() {
    super(1);
  }
}

/**
 * The names {@link toInitializer} understands, each meaning its class with default options.
 * @example
 * ```ts
 * INITIALIZER_NAMES.includes('xavier')   // true
 * ```
 */
export const INITIALIZER_NAMES = ['zeros', 'ones', 'xavier', 'uniform', 'normal'] as const;

/**
 * An {@link Initializer}, or the name of a built-in one with its default options (as Gluon accepts `'zeros'`).
 * @example
 * ```ts
 * new Dense(10, { biasInitializer: 'ones' satisfies InitializerLike })
 * ```
 */
export type InitializerLike = Initializer | (typeof INITIALIZER_NAMES)[number];

/**
 * Zod schema accepting an {@link InitializerLike}.
 * @example
 * ```ts
 * initializerLikeSchema.parse('zeros')
 * ```
 */
export const initializerLikeSchema = z.union([
  z.enum(INITIALIZER_NAMES),
  z.custom<Initializer>((v) => v instanceof Initializer, { message: `expected an Initializer or one of ${INITIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}` }),
]);

/**
 * Turns an {@link InitializerLike} into an {@link Initializer}.
 *
 * @param like - an Initializer or a name such as `'zeros'`
 * @param argName - the argument name used in the error
 * @throws TypeError naming `argName` for anything else
 *
 * @example
 * ```ts
 * toInitializer('xavier');   // new Xavier()
 * ```
 */
export function toInitializer(like: InitializerLike, argName = 'init'): Initializer {
  if (like instanceof Initializer) return like;
  switch (like) {
    case 'zeros': return new Zero();
    case 'ones': return new One();
    case 'xavier': return new Xavier();
    case 'uniform': return new Uniform();
    case 'normal': return new Normal();
    default:
      throw new TypeError(`${argName}: expected an Initializer or one of ${INITIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(like)}`);
  }
}
