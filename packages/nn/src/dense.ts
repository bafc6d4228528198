/**
 * The fully connected layer (Gluon's `nn.Dense`): y = activation(x · Wᵀ + b), with W of shape
 * `[units, inUnits]` as MXNet stores it.
 */
import * as T from '@lossgraph/tensor';
import { add, matmul, reshape, scope, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { activationSchema, applyActivation, type ActivationName } from './activation.js';
import { Block, blockNameSchema, layerInput } from './block.js';
import { initializerLikeSchema } from './initializer.js';
import { floatDTypeSchema } from './options.js';
import { Parameter, UNKNOWN_DIM } from './parameter.js';

/**
 * Zod schema of {@link DenseOptions}.
 * @example
 * ```ts
 * DenseOptionsSchema.parse({ activation: 'relu' }).useBias   // true
 * ```
 */
export const DenseOptionsSchema = z.strictObject({
  /** Applied to the output: `'relu'`, `'sigmoid'`, `'tanh'`, `'softrelu'`/`'softplus'`, or none (default). */
  activation: activationSchema,
  /** Whether to add a bias (default true). */
  useBias: z._default(z.boolean(), true),
  /**
   * Whether to flatten every axis after the first into the features (default true, as Gluon): an
   * input `[batch, a, b]` is read as `[batch, a·b]`. With false, the layer acts on the last axis.
   */
  flatten: z._default(z.boolean(), true),
  /** Number of input features; omitted, it is inferred from the first input (deferred initialisation). */
  inUnits: z.optional(z.number().check(z.int(), z.positive())),
  /** Parameter dtype (default float32). */
  dtype: z._default(floatDTypeSchema, 'float32'),
  /** Initialiser of the weight (default: the one passed to `initialize`). */
  weightInitializer: z.optional(initializerLikeSchema),
  /** Initialiser of the bias (default zeros). */
  biasInitializer: z._default(initializerLikeSchema, 'zeros'),
  /** The name it takes inside its parent (default `'dense0'`, `'dense1'`, ...). */
  name: z.optional(blockNameSchema),
});

/**
 * Options of {@link Dense}.
 * @example
 * ```ts
 * const options: DenseOptions = { activation: 'relu', inUnits: 784 };
 * ```
 */
export type DenseOptions = z.input<typeof DenseOptionsSchema>;

/**
 * A fully connected layer: `activation(x · Wᵀ + b)` with `weight` of shape `[units, inUnits]`
 * and `bias` of shape `[units]` (MXNet's layout, so fan-in and fan-out read as in MXNet). Without
 * `inUnits`, the weight's second extent is inferred from the first input.
 *
 * @example
 * ```ts
 * const layer = new Dense(3, { activation: 'relu' });
 * layer.initialize({ init: new Xavier(), seed: 0 });
 * layer.forward(zeros([5, 4])).shape;   // [5, 3]; weight is now [3, 4]
 * ```
 */
export class Dense extends Block {
  /** Number of outputs. */
  readonly units: number;
  /** The activation applied to the output. */
  readonly activation: ActivationName;
  /** Whether inputs are flattened to `[batch, features]`. */
  readonly flatten: boolean;
  /** The weight, `[units, inUnits]`. */
  readonly weight: Parameter;
  /** The bias, `[units]`, or null with `useBias: false`. */
  readonly bias: Parameter | null;

  /**
   * @param units - number of outputs (a positive integer)
   * @param options - {@link DenseOptions}
   * @throws TypeError naming `units` or the bad option
   */
  constructor(units: number, options: DenseOptions = {}) {
    const parsed = parseOptions('Dense', DenseOptionsSchema, options);
    super(parsed.name === undefined ? {} : { name: parsed.name });
    this.units = parseArgument('Dense', 'units', z.number().check(z.int(), z.positive()), units);
    this.activation = parsed.activation;
    this.flatten = parsed.flatten;
    this.weight = this.registerParameter(new Parameter('weight', {
      shape: [this.units, parsed.inUnits ?? UNKNOWN_DIM],
      dtype: parsed.dtype,
      ...(parsed.weightInitializer === undefined ? {} : { init: parsed.weightInitializer }),
    }));
    this.bias = parsed.useBias
      ? this.registerParameter(new Parameter('bias', { shape: [this.units], dtype: parsed.dtype, init: parsed.biasInitializer }))
      : null;
  }

  override get kind(): string {
    return 'dense';
  }

  /** Number of input features, or undefined until the first input sets it. */
  get inUnits(): number | undefined {
    const n = this.weight.shape[1]!;
    return n === UNKNOWN_DIM ? undefined : n;
  }

  /**
   * Computes the layer on a batch. The first call fixes `inUnits` when it was not given.
   *
   * @param x - `[batch, ...features]` (flattened), or `[..., inUnits]` with `flatten: false`
   * @returns `[batch, units]`, or `[..., units]` with `flatten: false`
   * @throws RangeError when x's features do not match `inUnits`
   *
   * @example
   * ```ts
   * layer.forward(tensor([[1, 2, 3, 4]]));
   * ```
   */
  forward(x: VariableLike): Variable {
    const input = layerInput(`Dense '${this.scopeName}'`, x, this.weight.dtype);
    const shape = input.shape;
    const minRank = this.flatten ? 2 : 1;
    if (shape.length < minRank) {
      throw new RangeError(`Dense '${this.scopeName}': x must have shape ${this.flatten ? '[batch, ...features]' : '[..., features]'}, got ${T.formatShape(shape)}`);
    }
    const features = this.flatten ? T.sizeOf(shape.slice(1)) : shape[shape.length - 1]!;
    const known = this.inUnits;
    if (known === undefined) this.weight.inferShape([this.units, features]);
    else if (known !== features) {
      throw new RangeError(`Dense '${this.scopeName}': expected ${known} input features (inUnits), got x of shape ${T.formatShape(shape)}${this.flatten ? ' (flattened after the batch axis)' : ''}`);
    }
    return scope(this.scopeName, () => {
      const rows = this.flatten ? shape[0]! : T.sizeOf(shape.slice(0, -1));
      const x2 = shape.length === 2 ? input : reshape(input, [rows, features]);
      let y = matmul(x2, this.weight.variable, false, true);
      if (this.bias !== null) y = add(y, this.bias.variable);
      y = applyActivation(y, this.activation);
      return !this.flatten && shape.length !== 2 ? reshape(y, [...shape.slice(0, -1), this.units]) : y;
    });
  }
}
