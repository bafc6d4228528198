/**
 * Normalisation layers (Gluon's `nn.LayerNorm` and `nn.BatchNorm`), composed of autograd ops so
 * their gradients (of any order) come from the graph.
 */
import * as T from '@lossgraph/tensor';
import { parseOptions } from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import { add, mean, mul, noGrad, reshape, rsqrt, scope, square, sub, toVariable, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block, blockNameSchema } from './block.js';
import { initializerLikeSchema } from './initializer.js';
import {floatDTypeSchema } from './options.js';
import { Parameter, UNKNOWN_DIM } from './parameter.js';

const normOptionFields = {
  /** Added to the variance before the square root (default 1e-5). */
  epsilon: z._default(z.number().check(z.positive()), 1e-5),
  /** Whether to add the learned offset `beta` (default true). */
  center: z._default(z.boolean(), true),
  /** Whether to multiply by the learned scale `gamma` (default true). */
  scale: z._default(z.boolean(), true),
  /** Extent of the normalised axis; omitted, it is inferred from the first input. */
  inChannels: z.optional(z.number().check(z.int(), z.positive())),
  /** Parameter dtype (default float32). */
  dtype: z._default(floatDTypeSchema, 'float32'),
  /** Initialiser of `gamma` (default ones). */
  gammaInitializer: z._default(initializerLikeSchema, 'ones'),
  /** Initialiser of `beta` (default zeros). */
  betaInitializer: z._default(initializerLikeSchema, 'zeros'),
  /** The name it takes inside its parent. */
  name: z.optional(blockNameSchema),
};

/**
 * Zod schema of {@link LayerNormOptions}.
 * @example
 * ```ts
 * LayerNormOptionsSchema.parse({}).axis   // -1
 * ```
 */
export const LayerNormOptionsSchema = z.strictObject({
  /** The axis normalised over (default -1, the last). */
  axis: z._default(z.number().check(z.int()), -1),
  ...normOptionFields,
});

/**
 * Options of {@link LayerNorm}.
 * @example
 * ```ts
 * const options: LayerNormOptions = { axis: -1, epsilon: 1e-6 };
 * ```
 */
export type LayerNormOptions = z.input<typeof LayerNormOptionsSchema>;

/**
 * Zod schema of {@link BatchNormOptions}.
 * @example
 * ```ts
 * BatchNormOptionsSchema.parse({}).momentum   // 0.9
 * ```
 */
export const BatchNormOptionsSchema = z.strictObject({
  /** The channel axis: statistics are taken over every other axis (default 1, as NCHW). */
  axis: z._default(z.number().check(z.int()), 1),
  /** Weight of the old running statistics in each update, in [0, 1] (default 0.9, MXNet's convention). */
  momentum: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.9),
  /** Initialiser of `running_mean` (default zeros). */
  runningMeanInitializer: z._default(initializerLikeSchema, 'zeros'),
  /** Initialiser of `running_var` (default ones). */
  runningVarianceInitializer: z._default(initializerLikeSchema, 'ones'),
  ...normOptionFields,
});

/**
 * Options of {@link BatchNorm}.
 * @example
 * ```ts
 * const options: BatchNormOptions = { axis: 1, momentum: 0.9 };
 * ```
 */
export type BatchNormOptions = z.input<typeof BatchNormOptionsSchema>;

type NormParsed = z.output<typeof LayerNormOptionsSchema> | z.output<typeof BatchNormOptionsSchema>;

/** The shared parts: the channel axis, `gamma`, `beta`, and the affine step. */
abstract class ChannelNorm extends Block {
  /** The axis as given (negative counts from the end). */
  readonly axis: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** The scale, `[channels]`, or null with `scale: false`. */
  readonly gamma: Parameter | null;
  /** The offset, `[channels]`, or null with `center: false`. */
  readonly beta: Parameter | null;
  /** The class name, for messages. */
  protected abstract readonly where: string;

  protected constructor(parsed: NormParsed) {
    super(parsed.name === undefined ? {} : { name: parsed.name });
    this.axis = parsed.axis;
    this.epsilon = parsed.epsilon;
    const shape = [parsed.inChannels ?? UNKNOWN_DIM];
    this.gamma = parsed.scale ? this.registerParameter(new Parameter('gamma', { shape, dtype: parsed.dtype, init: parsed.gammaInitializer })) : null;
    this.beta = parsed.center ? this.registerParameter(new Parameter('beta', { shape, dtype: parsed.dtype, init: parsed.betaInitializer })) : null;
  }

  /** The non-negative channel axis of `x`, after checking it and inferring the channel count. */
  protected channelAxis(x: Variable): number {
    const rank = x.rank;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 0 || axis >= rank) {
      throw new RangeError(`${this.where} '${this.scopeName}': axis ${this.axis} is out of range for x of shape ${T.formatShape(x.shape)}`);
    }
    const channels = x.shape[axis]!;
    for (const param of this.channelParams()) {
      if (param.hasShape && param.shape[0] !== channels) {
        throw new RangeError(`${this.where} '${this.scopeName}': expected ${param.shape[0]} channels on axis ${this.axis} (inChannels), got x of shape ${T.formatShape(x.shape)}`);
      }
      param.inferShape([channels]);
    }
    return axis;
  }

  /** The parameters of one value per channel. */
  protected channelParams(): Parameter[] {
    return [this.gamma, this.beta].filter((p): p is Parameter => p !== null);
  }

  /** `xhat · gamma + beta`, with the per-channel vectors shaped to broadcast along `axis`. */
  protected affine(xhat: Variable, axis: number): Variable {
    let y = xhat;
    if (this.gamma !== null) y = mul(y, alongAxis(this.gamma.variable, axis, xhat.rank));
    if (this.beta !== null) y = add(y, alongAxis(this.beta.variable, axis, xhat.rank));
    return y;
  }
}

/** A per-channel vector reshaped to `[1, ..., C, ..., 1]` so it broadcasts along `axis`. */
function alongAxis<V extends Variable | Tensor>(v: V, axis: number, rank: number): V {
  if (axis === rank - 1) return v;
  const shape = Array.from({ length: rank }, (_, i) => (i === axis ? v.shape[0]! : 1));
  return (v instanceof T.Tensor ? T.reshape(v, shape) : reshape(v, shape)) as V;
}

/**
 * Layer normalisation over one axis (Gluon's `nn.LayerNorm`): each slice along `axis` is
 * shifted to mean 0 and scaled to variance 1 (the biased variance, ε inside the square root),
 * then `gamma` and `beta` (one value per position of `axis`) are applied. The same in training
 * and evaluation. With `axis: -1` it is `torch.nn.LayerNorm(C)`.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm();
 * norm.initialize();
 * norm.forward(randn([2, 5, 8])).shape;   // [2, 5, 8]; gamma and beta are [8]
 * ```
 */
export class LayerNorm extends ChannelNorm {
  protected readonly where = 'LayerNorm';

  /**
   * @param options - {@link LayerNormOptions}: `axis` (-1), `epsilon` (1e-5), `center`, `scale`, `inChannels`, `dtype`
   * @throws TypeError naming the bad option
   */
  constructor(options: LayerNormOptions = {}) {
    super(parseOptions('LayerNorm', LayerNormOptionsSchema, options));
  }

  override get kind(): string {
    return 'layernorm';
  }

  /**
   * Normalises `x` along `axis`.
   * @param x - a float input with the channel axis
   * @returns the same shape as `x`
   */
  forward(x: VariableLike): Variable {
    const input = toVariable(x, 'x');
    const axis = this.channelAxis(input);
    return scope(this.scopeName, () => {
      const centred = sub(input, mean(input, axis, true));
      const variance = mean(square(centred), axis, true);
      return this.affine(mul(centred, rsqrt(add(variance, this.epsilon))), axis);
    });
  }
}

/**
 * Batch normalisation (Gluon's `nn.BatchNorm`), following MXNet's CPU operator.
 *
 * - Training mode (see `Block.train`): each channel is normalised with the batch's mean and
 *   biased variance over every axis except `axis` (the gradient flows through both), then
 *   `running = momentum · running + (1 − momentum) · batch` for the mean and the biased variance.
 * - Evaluation mode (`Block.eval`): normalised with `running_mean` and `running_var`.
 *
 * How this differs from `torch.nn.BatchNorm*d`: PyTorch's `momentum` weighs the new batch, so
 * MXNet's 0.9 is PyTorch's 0.1; and PyTorch updates its running variance with the unbiased batch
 * variance (n/(n−1) times larger), while it too normalises with the biased one.
 *
 * Parameters: `gamma`, `beta` (trained), `running_mean` (starts at 0) and `running_var` (starts
 * at 1), the last two without gradients, saved with the others (MXNet's names).
 *
 * @example
 * ```ts
 * const bn = new BatchNorm();          // channels on axis 1, inferred
 * bn.initialize();
 * bn.forward(randn([8, 3, 4, 4]));    // training: batch statistics, running ones updated
 * bn.eval();
 * bn.forward(randn([1, 3, 4, 4]));    // running statistics
 * ```
 */
export class BatchNorm extends ChannelNorm {
  protected readonly where = 'BatchNorm';
  /** Weight of the old running statistics in each update. */
  readonly momentum: number;
  /** The running mean, `[channels]` (MXNet's `running_mean`). */
  readonly runningMean: Parameter;
  /** The running biased variance, `[channels]` (MXNet's `running_var`). */
  readonly runningVar: Parameter;

  /**
   * @param options - {@link BatchNormOptions}: `axis` (1), `momentum` (0.9), `epsilon` (1e-5), `center`, `scale`, `inChannels`, `dtype`
   * @throws TypeError naming the bad option
   */
  constructor(options: BatchNormOptions = {}) {
    const parsed = parseOptions('BatchNorm', BatchNormOptionsSchema, options);
    super(parsed);
    this.momentum = parsed.momentum;
    const shape = [parsed.inChannels ?? UNKNOWN_DIM];
    this.runningMean = this.registerParameter(new Parameter('running_mean', { shape, dtype: parsed.dtype, init: parsed.runningMeanInitializer, requiresGrad: false }));
    this.runningVar = this.registerParameter(new Parameter('running_var', { shape, dtype: parsed.dtype, init: parsed.runningVarianceInitializer, requiresGrad: false }));
  }

  override get kind(): string {
    return 'batchnorm';
  }

  protected override channelParams(): Parameter[] {
    return [...super.channelParams(), this.runningMean, this.runningVar];
  }

  /**
   * Normalises `x` per channel: with the batch's statistics in training mode (updating the
   * running ones), with the running statistics in evaluation mode.
   * @param x - a float input with the channel axis
   * @returns the same shape as `x`
   */
  forward(x: VariableLike): Variable {
    const input = toVariable(x, 'x');
    const axis = this.channelAxis(input);
    const rank = input.rank;
    if (!this.training) {
      return scope(this.scopeName, () => {
        const runningMean = alongAxis(this.runningMean.data(), axis, rank);
        const invStd = T.rsqrt(T.add(alongAxis(this.runningVar.data(), axis, rank), this.epsilon));
        return this.affine(mul(sub(input, runningMean), invStd), axis);
      });
    }
    const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
    return scope(this.scopeName, () => {
      const batchMean = mean(input, others, true);
      const centred = sub(input, batchMean);
      const batchVar = mean(square(centred), others, true);
      noGrad(() => {
        const m = this.momentum;
        const channels = [input.shape[axis]!];
        const blend = (running: Parameter, batch: Tensor): void =>
          running.setData(T.add(T.mul(running.data(), m), T.mul(T.reshape(T.cast(batch, running.dtype), channels), 1 - m)));
        blend(this.runningMean, batchMean.value);
        blend(this.runningVar, batchVar.value);
      });
      return this.affine(mul(centred, rsqrt(add(batchVar, this.epsilon))), axis);
    });
  }
}
