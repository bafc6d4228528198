/**
 * Pooling and reshaping layers (Gluon's `nn.MaxPool1D/2D`, `nn.AvgPool1D/2D`,
 * `nn.GlobalAvgPool1D/2D`, `nn.Flatten`) over NCW and NCHW inputs. They hold no parameters.
 */
import { parseOptions } from '@lossgraph/tensor';
import {
  avgPool1d, avgPool2d, maxPool1d, maxPool2d, mean, reshape, scope, toVariable, type Variable, type VariableLike,
} from '@lossgraph/autograd';
import * as T from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { Block, blockNameSchema } from './block.js';


/** A count for every spatial axis (one number) or per axis. */
function perAxis(dims: 1 | 2, min: 0 | 1) {
  const count = min === 1 ? z.number().check(z.int(), z.positive()) : z.number().check(z.int(), z.nonnegative());
  return z.union([count, z.array(count).check(z.length(dims))]);
}

function poolLayerSchema(dims: 1 | 2) {
  return z.strictObject({
    /** Window extent, a number (every axis) or one per axis (default 2, as Gluon). */
    poolSize: z._default(perAxis(dims, 1), 2),
    /** Step between windows (default: the window extent). */
    strides: z.optional(perAxis(dims, 1)),
    /** Padding on both sides of each axis, at most half the window (default 0). */
    padding: z._default(perAxis(dims, 0), 0),
    /** The name it takes inside its parent (default `'pool0'`, ...). */
    name: z.optional(blockNameSchema),
  });
}

/**
 * Zod schema of {@link Pool1DOptions}.
 * @example
 * ```ts
 * Pool1DOptionsSchema.parse({}).poolSize   // 2
 * ```
 */
export const Pool1DOptionsSchema = poolLayerSchema(1);
/**
 * Zod schema of {@link Pool2DOptions}.
 * @example
 * ```ts
 * Pool2DOptionsSchema.parse({ poolSize: 3, strides: 2 }).padding   // 0
 * ```
 */
export const Pool2DOptionsSchema = poolLayerSchema(2);

/**
 * Options of {@link MaxPool1D} and {@link AvgPool1D}: `poolSize`, `strides`, `padding`, `name`.
 * @example
 * ```ts
 * const options: Pool1DOptions = { poolSize: 3, strides: 2, padding: 1 };
 * ```
 */
export type Pool1DOptions = z.input<typeof Pool1DOptionsSchema>;
/**
 * Options of {@link MaxPool2D} and {@link AvgPool2D}: `poolSize`, `strides`, `padding` (each a
 * number or `[height, width]`), `name`.
 * @example
 * ```ts
 * const options: Pool2DOptions = { poolSize: [2, 2] };
 * ```
 */
export type Pool2DOptions = z.input<typeof Pool2DOptionsSchema>;

function poolOptionsOf(parsed: { poolSize: number | number[]; strides?: number | number[] | undefined; padding: number | number[] }) {
  return parsed.strides === undefined
    ? { poolSize: parsed.poolSize, padding: parsed.padding }
    : { poolSize: parsed.poolSize, strides: parsed.strides, padding: parsed.padding };
}

/**
 * What the window pools share: their options (`poolSize`, `strides`, `padding`, `name`), the
 * kind `'pool'`, and a forward that runs one autograd pooling op in the layer's scope.
 *
 * @example
 * ```ts
 * const pools: PoolBlock[] = [new MaxPool1D(), new AvgPool2D({ poolSize: 3 })];
 * ```
 */
export abstract class PoolBlock<
  Options extends z.output<typeof Pool1DOptionsSchema> | z.output<typeof Pool2DOptionsSchema> = z.output<typeof Pool1DOptionsSchema> | z.output<typeof Pool2DOptionsSchema>,
> extends Block {
  /** The pooling's options as the autograd op takes them. */
  readonly options: Readonly<Options>;
  private readonly pool: (x: VariableLike) => Variable;

  /**
   * @param options - the parsed options
   * @param pool - the autograd op (maxPool1d, avgPool2d, ...) with these options
   */
  protected constructor(options: Options, pool: (x: VariableLike) => Variable) {
    super(options.name === undefined ? {} : { name: options.name });
    this.options = options;
    this.pool = pool;
  }

  override get kind(): string {
    return 'pool';
  }

  /**
   * Pools each channel.
   *
   * @param x - `[N, C, W]` for the 1-D pools, `[N, C, H, W]` for the 2-D ones
   * @returns `[N, C, Wo]` or `[N, C, Ho, Wo]`
   * @example
   * ```ts
   * new MaxPool1D().forward(randn([1, 4, 10]));
   * ```
   */
  forward(x: VariableLike): Variable {
    return scope(this.scopeName, () => this.pool(x));
  }
}

/**
 * 1-D max pooling over NCW inputs (see the autograd op `maxPool1d`): padding is −∞, output sizes
 * round down, each window's gradient goes to its first maximum.
 *
 * @example
 * ```ts
 * new MaxPool1D({ poolSize: 2 }).forward(randn([1, 4, 10])).shape;   // [1, 4, 5]
 * ```
 */
export class MaxPool1D extends PoolBlock<z.output<typeof Pool1DOptionsSchema>> {
  /** @param options - {@link Pool1DOptions}: `poolSize` (default 2), `strides` (default poolSize), `padding` (default 0) */
  constructor(options: Pool1DOptions = {}) {
    const parsed = parseOptions('MaxPool1D', Pool1DOptionsSchema, options);
    super(parsed, (x) => maxPool1d(x, poolOptionsOf(parsed)));
  }
}

/**
 * 2-D max pooling over NCHW inputs (see the autograd op `maxPool2d`): padding is −∞, output sizes
 * round down, each window's gradient goes to its first maximum.
 *
 * @example
 * ```ts
 * new MaxPool2D().forward(randn([1, 4, 8, 8])).shape;   // [1, 4, 4, 4]
 * ```
 */
export class MaxPool2D extends PoolBlock<z.output<typeof Pool2DOptionsSchema>> {
  /** @param options - {@link Pool2DOptions}: `poolSize` (default 2), `strides` (default poolSize), `padding` (default 0) */
  constructor(options: Pool2DOptions = {}) {
    const parsed = parseOptions('MaxPool2D', Pool2DOptionsSchema, options);
    super(parsed, (x) => maxPool2d(x, poolOptionsOf(parsed)));
  }
}

/**
 * 1-D average pooling over NCW inputs (see the autograd op `avgPool1d`): padded zeros count in
 * each average, as Gluon's and PyTorch's defaults.
 *
 * @example
 * ```ts
 * new AvgPool1D({ poolSize: 3, strides: 1, padding: 1 }).forward(randn([1, 4, 10])).shape;   // [1, 4, 10]
 * ```
 */
export class AvgPool1D extends PoolBlock<z.output<typeof Pool1DOptionsSchema>> {
  /** @param options - {@link Pool1DOptions}: `poolSize` (default 2), `strides` (default poolSize), `padding` (default 0) */
  constructor(options: Pool1DOptions = {}) {
    const parsed = parseOptions('AvgPool1D', Pool1DOptionsSchema, options);
    super(parsed, (x) => avgPool1d(x, poolOptionsOf(parsed)));
  }
}

/**
 * 2-D average pooling over NCHW inputs (see the autograd op `avgPool2d`): padded zeros count in
 * each average, as Gluon's and PyTorch's defaults.
 *
 * @example
 * ```ts
 * new AvgPool2D({ poolSize: 2 }).forward(randn([1, 4, 8, 8])).shape;   // [1, 4, 4, 4]
 * ```
 */
export class AvgPool2D extends PoolBlock<z.output<typeof Pool2DOptionsSchema>> {
  /** @param options - {@link Pool2DOptions}: `poolSize` (default 2), `strides` (default poolSize), `padding` (default 0) */
  constructor(options: Pool2DOptions = {}) {
    const parsed = parseOptions('AvgPool2D', Pool2DOptionsSchema, options);
    super(parsed, (x) => avgPool2d(x, poolOptionsOf(parsed)));
  }
}

/**
 * Zod schema of the options of the global pools and {@link Flatten}: only `name`.
 * @example
 * ```ts
 * NameOnlyOptionsSchema.parse({ name: 'gap' })
 * ```
 */
export const NameOnlyOptionsSchema = z.strictObject({
  /** The name it takes inside its parent (default: its kind and a counter). */
  name: z.optional(blockNameSchema),
});

/**
 * Options of the global pools and {@link Flatten}.
 * @example
 * ```ts
 * const options: NameOnlyOptions = { name: 'gap' };
 * ```
 */
export type NameOnlyOptions = z.input<typeof NameOnlyOptionsSchema>;

/**
 * What the global pools share: the mean of each channel over every spatial axis, kept as size 1.
 *
 * @example
 * ```ts
 * const pools: GlobalPoolBlock[] = [new GlobalAvgPool1D(), new GlobalAvgPool2D()];
 * ```
 */
export abstract class GlobalPoolBlock extends Block {
  private readonly dims: 1 | 2;
  private readonly className: string;

  /**
   * @param className - the subclass's name, for messages
   * @param dims - spatial axes: 1 (NCW) or 2 (NCHW)
   * @param options - {@link NameOnlyOptions}
   */
  protected constructor(className: string, dims: 1 | 2, options: NameOnlyOptions) {
    super(parseOptions(className, NameOnlyOptionsSchema, options));
    this.className = className;
    this.dims = dims;
  }

  override get kind(): string {
    return 'pool';
  }

  /**
   * Averages each channel.
   *
   * @param x - `[N, C, W]` (1-D) or `[N, C, H, W]` (2-D)
   * @returns `[N, C, 1]` or `[N, C, 1, 1]`
   * @example
   * ```ts
   * new GlobalAvgPool2D().forward(randn([2, 4, 8, 8]));
   * ```
   */
  forward(x: VariableLike): Variable {
    return scope(this.scopeName, () => {
      const v = toVariable(x, 'x');
      if (v.rank !== this.dims + 2) {
        throw new RangeError(`${this.className} '${this.scopeName}': x must be ${this.dims === 1 ? '[N, C, W]' : '[N, C, H, W]'}, got shape ${T.formatShape(v.shape)}`);
      }
      return mean(v, this.dims === 1 ? [2] : [2, 3], true);
    });
  }
}

/**
 * The mean of each channel over its whole length: `[N, C, W]` to `[N, C, 1]` (Gluon's `GlobalAvgPool1D`).
 *
 * @example
 * ```ts
 * new GlobalAvgPool1D().forward(randn([2, 4, 10])).shape;   // [2, 4, 1]
 * ```
 */
export class GlobalAvgPool1D extends GlobalPoolBlock {
  /** @param options - {@link NameOnlyOptions}: `name` */
  constructor(options: NameOnlyOptions = {}) {
    super('GlobalAvgPool1D', 1, options);
  }
}

/**
 * The mean of each channel over its whole plane: `[N, C, H, W]` to `[N, C, 1, 1]` (Gluon's `GlobalAvgPool2D`).
 *
 * @example
 * ```ts
 * new GlobalAvgPool2D().forward(randn([2, 4, 8, 8])).shape;   // [2, 4, 1, 1]
 * ```
 */
export class GlobalAvgPool2D extends GlobalPoolBlock {
  /** @param options - {@link NameOnlyOptions}: `name` */
  constructor(options: NameOnlyOptions = {}) {
    super('GlobalAvgPool2D', 2, options);
  }
}

/**
 * Flattens every axis after the first: `[N, ...]` to `[N, product of the rest]` (Gluon's `Flatten`).
 *
 * @example
 * ```ts
 * new Flatten().forward(randn([2, 4, 3, 3])).shape;   // [2, 36]
 * ```
 */
export class Flatten extends Block {
  /** @param options - {@link NameOnlyOptions}: `name` */
  constructor(options: NameOnlyOptions = {}) {
    super(parseOptions('Flatten', NameOnlyOptionsSchema, options));
  }

  override get kind(): string {
    return 'flatten';
  }

  /** Flattens. @param x - `[N, ...]`, rank at least 1 @returns `[N, features]` @example flatten.forward(randn([2, 4, 3, 3])) */
  forward(x: VariableLike): Variable {
    const v = toVariable(x, 'x');
    if (v.rank < 1) throw new RangeError(`Flatten '${this.scopeName}': x must have a batch axis, got a scalar`);
    return reshape(v, [v.shape[0]!, T.sizeOf(v.shape.slice(1))]);
  }
}
