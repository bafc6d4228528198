/**
 * The embedding layer (Gluon's `nn.Embedding`): integer indices in, rows of a learned table out.
 */
import * as T from '@lossgraph/tensor';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { gather, scope, toVariable, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block, blockNameSchema } from './block.js';
import { initializerLikeSchema } from './initializer.js';
import { floatDTypeSchema } from './options.js';
import { Parameter } from './parameter.js';

/**
 * Zod schema of {@link EmbeddingOptions}.
 * @example
 * ```ts
 * EmbeddingOptionsSchema.parse({}).dtype   // 'float32'
 * ```
 */
export const EmbeddingOptionsSchema = z.strictObject({
  /** Parameter dtype (default float32). */
  dtype: z._default(floatDTypeSchema, 'float32'),
  /** Initialiser of the weight (default: the one passed to `initialize`). */
  weightInitializer: z.optional(initializerLikeSchema),
  /** The name it takes inside its parent (default `'embedding0'`, ...). */
  name: z.optional(blockNameSchema),
});

/**
 * Options of {@link Embedding}.
 * @example
 * ```ts
 * const options: EmbeddingOptions = { dtype: 'float64' };
 * ```
 */
export type EmbeddingOptions = z.input<typeof EmbeddingOptionsSchema>;

/**
 * Maps each integer index in `[0, inputDim)` to a row of `weight` (`[inputDim, outputDim]`): an
 * input of shape `S` gives an output of shape `[...S, outputDim]`. The gradient adds each
 * output row's gradient into the row it came from (an index used twice gets both).
 *
 * @example
 * ```ts
 * const embed = new Embedding(1000, 16);
 * embed.initialize({ seed: 0 });
 * embed.forward([[1, 5, 5], [0, 2, 999]]).shape;   // [2, 3, 16]
 * ```
 */
export class Embedding extends Block {
  /** Number of distinct indices (the vocabulary size). */
  readonly inputDim: number;
  /** Length of each embedding vector. */
  readonly outputDim: number;
  /** The table, `[inputDim, outputDim]`. */
  readonly weight: Parameter;

  /**
   * @param inputDim - the number of distinct indices (a positive integer)
   * @param outputDim - the length of each vector (a positive integer)
   * @param options - {@link EmbeddingOptions}
   * @throws TypeError naming the bad argument or option
   */
  constructor(inputDim: number, outputDim: number, options: EmbeddingOptions = {}) {
    const parsed = parseOptions('Embedding', EmbeddingOptionsSchema, options);
    super(parsed.name === undefined ? {} : { name: parsed.name });
    this.inputDim = parseArgument('Embedding', 'inputDim', z.number().check(z.int(), z.positive()), inputDim);
    this.outputDim = parseArgument('Embedding', 'outputDim', z.number().check(z.int(), z.positive()), outputDim);
    this.weight = this.registerParameter(new Parameter('weight', {
      shape: [this.inputDim, this.outputDim],
      dtype: parsed.dtype,
      ...(parsed.weightInitializer === undefined ? {} : { init: parsed.weightInitializer }),
    }));
  }

  override get kind(): string {
    return 'embedding';
  }

  /**
   * Looks the indices up.
   * @param x - integer indices in `[0, inputDim)` (int32, or floats holding integers, as Gluon takes)
   * @returns `[...x.shape, outputDim]`
   * @throws RangeError naming the layer for an index that is not an integer in range
   */
  forward(x: VariableLike): Variable {
    const indices = toVariable(x, 'x').value;
    const values = indices.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.inputDim) {
        throw new RangeError(`Embedding '${this.scopeName}': x holds ${v} at flat position ${i}; expected integers in [0, ${this.inputDim}) (inputDim)`);
      }
    }
    const intIndices = indices.dtype === 'int32' ? indices : T.cast(indices, 'int32');
    return scope(this.scopeName, () => gather(this.weight.variable, intIndices, 0));
  }
}
