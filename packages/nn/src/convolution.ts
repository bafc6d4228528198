/**
 * Convolution layers (Gluon's `nn.Conv1D`, `nn.Conv2D`): y = activation(conv(x, W) + b) over NCW
 * and NCHW inputs, W of shape `[channels, inChannels / groups, ...kernelSize]` as MXNet stores it.
 */
import * as T from '@lossgraph/tensor';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { add, conv1d, conv2d, reshape, scope, toVariable, Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { activationSchema, applyActivation, type ActivationName } from './activation.js';
import { Block, blockNameSchema } from './block.js';
import { initializerLikeSchema } from './initializer.js';
import { floatDTypeSchema } from './options.js';
import { Parameter, UNKNOWN_DIM } from './parameter.js';

/** A count for every spatial axis (one number) or per axis. */
function perAxis(dims: 1 | 2, min: 0 | 1) {
  const count = min === 1 ? z.number().check(z.int(), z.positive()) : z.number().check(z.int(), z.nonnegative());
  return z.union([count, z.array(count).check(z.length(dims))]);
}

function convLayerSchema(dims: 1 | 2) {
  return z.strictObject({
    /** Kernel extent, a number (every axis) or one per axis; required. */
    kernelSize: perAxis(dims, 1),
    /** Step between output positions (default 1). */
    strides: z._default(perAxis(dims, 1), 1),
    /** Zeros added on both sides of each spatial axis (default 0). */
    padding: z._default(perAxis(dims, 0), 0),
    /** Step between kernel taps (default 1). */
    dilation: z._default(perAxis(dims, 1), 1),
    /** Channel groups (default 1): input and output channels split into this many independent convolutions. */
    groups: z._default(z.number().check(z.int(), z.positive()), 1),
    /** Number of input channels; omitted, it is inferred from the first input (deferred initialisation). */
    inChannels: z.optional(z.number().check(z.int(), z.positive())),
    /** Applied to the output: `'relu'`, `'sigmoid'`, `'tanh'`, `'softrelu'`/`'softplus'`, or none (default). */
    activation: activationSchema,
    /** Whether to add a bias per output channel (default true). */
    useBias: z._default(z.boolean(), true),
    /** Parameter dtype (default float32). */
    dtype: z._default(floatDTypeSchema, 'float32'),
    /** Initialiser of the weight (default: the one passed to `initialize`). */
    weightInitializer: z.optional(initializerLikeSchema),
    /** Initialiser of the bias (default zeros). */
    biasInitializer: z._default(initializerLikeSchema, 'zeros'),
    /** The name it takes inside its parent (default `'conv0'`, `'conv1'`, ...). */
    name: z.optional(blockNameSchema),
  });
}

/**
 * Zod schema of {@link Conv1DOptions}.
 * @example
 * ```ts
 * Conv1DOptionsSchema.parse({ kernelSize: 3 }).useBias   // true
 * ```
 */
export const Conv1DOptionsSchema = convLayerSchema(1);
/**
 * Zod schema of {@link Conv2DOptions}.
 * @example
 * ```ts
 * Conv2DOptionsSchema.parse({ kernelSize: [3, 3], padding: 1 }).groups   // 1
 * ```
 */
export const Conv2DOptionsSchema = convLayerSchema(2);

/**
 * Options of {@link Conv1D}: `kernelSize` (required), `strides`, `padding`, `dilation`, `groups`,
 * `inChannels`, `activation`, `useBias`, `dtype`, initialisers and `name`.
 * @example
 * ```ts
 * const options: Conv1DOptions = { kernelSize: 3, padding: 1, activation: 'relu' };
 * ```
 */
export type Conv1DOptions = z.input<typeof Conv1DOptionsSchema>;
/**
 * Options of {@link Conv2D}: as {@link Conv1DOptions}, each spatial option a number or `[height, width]`.
 * @example
 * ```ts
 * const options: Conv2DOptions = { kernelSize: 3, strides: [2, 1], inChannels: 16 };
 * ```
 */
export type Conv2DOptions = z.input<typeof Conv2DOptionsSchema>;

type ParsedConvOptions = z.output<typeof Conv2DOptionsSchema> | z.output<typeof Conv1DOptionsSchema>;

/**
 * What {@link Conv1D} and {@link Conv2D} share: the `weight` and `bias` parameters, deferred
 * `inChannels`, the bias added per channel and the activation.
 *
 * @example
 * ```ts
 * const layers: ConvBlock[] = [new Conv1D(8, { kernelSize: 3 }), new Conv2D(8, { kernelSize: 3 })];
 * ```
 */
export abstract class ConvBlock extends Block {
  /** Number of output channels. */
  readonly channels: number;
  /** The activation applied to the output. */
  readonly activation: ActivationName;
  /** Channel groups. */
  readonly groups: number;
  /** The weight, `[channels, inChannels / groups, ...kernelSize]`. */
  readonly weight: Parameter;
  /** The bias, `[channels]`, or null with `useBias: false`. */
  readonly bias: Parameter | null;
  /** The convolution's options as the autograd op takes them. */
  protected readonly convOptions: { strides: number | number[]; padding: number | number[]; dilation: number | number[]; groups: number };
  private readonly spatialDims: number;
  private readonly className: string;

  /**
   * @param className - the subclass's name, for messages
   * @param dims - spatial axes: 1 (NCW) or 2 (NCHW)
   * @param channels - number of output channels
   * @param parsed - the parsed options
   */
  protected constructor(className: string, dims: 1 | 2, channels: number, parsed: ParsedConvOptions) {
    super(parsed.name === undefined ? {} : { name: parsed.name });
    this.className = className;
    this.spatialDims = dims;
    this.channels = parseArgument(className, 'channels', z.number().check(z.int(), z.positive()), channels);
    if (this.channels % parsed.groups !== 0) throw new RangeError(`${className}: channels (${this.channels}) must be a multiple of groups (${parsed.groups})`);
    if (parsed.inChannels !== undefined && parsed.inChannels % parsed.groups !== 0) {
      throw new RangeError(`${className}: inChannels (${parsed.inChannels}) must be a multiple of groups (${parsed.groups})`);
    }
    this.activation = parsed.activation;
    this.groups = parsed.groups;
    const kernel = typeof parsed.kernelSize === 'number' ? new Array<number>(dims).fill(parsed.kernelSize) : [...parsed.kernelSize];
    this.convOptions = {
      strides: copy(parsed.strides), padding: copy(parsed.padding), dilation: copy(parsed.dilation), groups: parsed.groups,
    };
    this.weight = this.registerParameter(new Parameter('weight', {
      shape: [this.channels, parsed.inChannels === undefined ? UNKNOWN_DIM : parsed.inChannels / parsed.groups, ...kernel],
      dtype: parsed.dtype,
      ...(parsed.weightInitializer === undefined ? {} : { init: parsed.weightInitializer }),
    }));
    this.bias = parsed.useBias
      ? this.registerParameter(new Parameter('bias', { shape: [this.channels], dtype: parsed.dtype, init: parsed.biasInitializer }))
      : null;
  }

  override get kind(): string {
    return 'conv';
  }

  /** Number of input channels, or undefined until the first input sets it. */
  get inChannels(): number | undefined {
    const perGroup = this.weight.shape[1]!;
    return perGroup === UNKNOWN_DIM ? undefined : perGroup * this.groups;
  }

  /** The convolution itself (no bias). @param x - the input @param w - the weight */
  protected abstract convolve(x: Variable, w: Variable): Variable;

  /**
   * Computes the layer on a batch. The first call fixes `inChannels` when it was not given.
   *
   * @param x - `[N, inChannels, W]` (Conv1D) or `[N, inChannels, H, W]` (Conv2D)
   * @returns `[N, channels, Wo]` or `[N, channels, Ho, Wo]`
   * @throws RangeError when x is not NCW / NCHW or its channels do not match `inChannels`
   * @example
   * ```ts
   * new Conv2D(16, { kernelSize: 3 }).forward(randn([2, 1, 8, 8]));
   * ```
   */
  forward(x: VariableLike): Variable {
    const input = x instanceof Variable ? x : toVariable(T.toTensor(x, 'x', this.weight.dtype), 'x');
    const rank = this.spatialDims + 2;
    if (input.rank !== rank) {
      throw new RangeError(`${this.className} '${this.scopeName}': x must be ${rank === 3 ? '[N, C, W]' : '[N, C, H, W]'}, got shape ${T.formatShape(input.shape)}`);
    }
    const c = input.shape[1]!;
    const known = this.inChannels;
    if (known === undefined) {
      if (c % this.groups !== 0) throw new RangeError(`${this.className} '${this.scopeName}': x's ${c} channels are not a multiple of groups (${this.groups})`);
      this.weight.inferShape([this.channels, c / this.groups, ...this.weight.shape.slice(2)]);
    } else if (known !== c) {
      throw new RangeError(`${this.className} '${this.scopeName}': expected ${known} input channels (inChannels), got x of shape ${T.formatShape(input.shape)}`);
    }
    return scope(this.scopeName, () => {
      let y = this.convolve(input, this.weight.variable);
      if (this.bias !== null) y = add(y, reshape(this.bias.variable, [this.channels, ...new Array<number>(this.spatialDims).fill(1)]));
      return applyActivation(y, this.activation);
    });
  }
}

function copy(value: number | readonly number[]): number | number[] {
  return typeof value === 'number' ? value : [...value];
}

/**
 * A 1-D convolution layer over NCW inputs: `activation(conv1d(x, W) + b)` with `weight`
 * `[channels, inChannels / groups, kernelSize]` and `bias` `[channels]`. Without `inChannels`, the
 * weight's second extent is inferred from the first input.
 *
 * @example
 * ```ts
 * const layer = new Conv1D(8, { kernelSize: 3, padding: 1, activation: 'relu' });
 * layer.initialize({ init: new Xavier(), seed: 0 });
 * layer.forward(zeros([2, 4, 10])).shape;   // [2, 8, 10]; weight is now [8, 4, 3]
 * ```
 */
export class Conv1D extends ConvBlock {
  /**
   * @param channels - number of output channels (a positive integer)
   * @param options - {@link Conv1DOptions}; `kernelSize` is required
   * @throws TypeError naming `channels` or the bad option
   */
  constructor(channels: number, options: Conv1DOptions) {
    super('Conv1D', 1, channels, parseOptions('Conv1D', Conv1DOptionsSchema, options));
  }

  /** conv1d with the layer's options. @param x - `[N, C, W]` @param w - the weight */
  protected convolve(x: Variable, w: Variable): Variable {
    const one = (v: number | number[]): number => (typeof v === 'number' ? v : v[0]!);
    const o = this.convOptions;
    return conv1d(x, w, { strides: one(o.strides), padding: one(o.padding), dilation: one(o.dilation), groups: o.groups });
  }
}

/**
 * A 2-D convolution layer over NCHW inputs: `activation(conv2d(x, W) + b)` with `weight`
 * `[channels, inChannels / groups, kh, kw]` and `bias` `[channels]`. Without `inChannels`, the
 * weight's second extent is inferred from the first input.
 *
 * @example
 * ```ts
 * const layer = new Conv2D(16, { kernelSize: 3, padding: 1, activation: 'relu' });
 * layer.initialize({ init: new Xavier(), seed: 0 });
 * layer.forward(zeros([2, 1, 8, 8])).shape;   // [2, 16, 8, 8]; weight is now [16, 1, 3, 3]
 * ```
 */
export class Conv2D extends ConvBlock {
  /**
   * @param channels - number of output channels (a positive integer)
   * @param options - {@link Conv2DOptions}; `kernelSize` is required
   * @throws TypeError naming `channels` or the bad option
   */
  constructor(channels: number, options: Conv2DOptions) {
    super('Conv2D', 2, channels, parseOptions('Conv2D', Conv2DOptionsSchema, options));
  }

  /** conv2d with the layer's options. @param x - `[N, C, H, W]` @param w - the weight */
  protected convolve(x: Variable, w: Variable): Variable {
    return conv2d(x, w, this.convOptions);
  }
}
