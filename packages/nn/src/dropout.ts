/**
 * Dropout (Gluon's `nn.Dropout`): in training mode each element is zeroed with probability
 * `rate` and the kept ones are scaled by 1/(1 − rate); in evaluation mode it is the identity.
 */
import * as T from '@lossgraph/tensor';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { mul, scope, toVariable, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block, blockNameSchema } from './block.js';
import { seedSchema } from './options.js';

/**
 * Zod schema of {@link DropoutOptions}.
 * @example
 * ```ts
 * DropoutOptionsSchema.parse({ seed: 1 })
 * ```
 */
export const DropoutOptionsSchema = z.strictObject({
  /**
   * Seed of this layer's own stream of masks: the k-th training forward draws with a seed derived
   * from it and k, so runs repeat. Omitted: the tensor package's global stream (see `setSeed`).
   */
  seed: z.optional(seedSchema),
  /** The name it takes inside its parent (default `'dropout0'`, ...). */
  name: z.optional(blockNameSchema),
});

/**
 * Options of {@link Dropout}.
 * @example
 * ```ts
 * const options: DropoutOptions = { seed: 7 };
 * ```
 */
export type DropoutOptions = z.input<typeof DropoutOptionsSchema>;

/**
 * Inverted dropout. In training mode (see `Block.train`) each forward draws a fresh mask that
 * keeps an element with probability 1 − `rate` and multiplies the kept ones by 1/(1 − `rate`),
 * so the expected output equals the input; the gradient goes through the same mask. In
 * evaluation mode (`Block.eval`) the input passes unchanged.
 *
 * @example
 * ```ts
 * const net = new Sequential().add(new Dense(64, { activation: 'relu' }), new Dropout(0.5), new Dense(10));
 * net.train();   // masks drawn
 * net.eval();    // identity
 * ```
 */
export class Dropout extends Block {
  /** The probability of zeroing an element, in [0, 1). */
  readonly rate: number;
  private readonly seed: number | undefined;
  private draws = 0;

  /**
   * @param rate - the drop probability, in [0, 1)
   * @param options - {@link DropoutOptions}
   * @throws TypeError naming `rate` or the bad option
   */
  constructor(rate: number, options: DropoutOptions = {}) {
    const parsed = parseOptions('Dropout', DropoutOptionsSchema, options);
    super(parsed.name === undefined ? {} : { name: parsed.name });
    this.rate = parseArgument('Dropout', 'rate', z.number().check(z.minimum(0), z.lt(1, 'expected a drop probability below 1')), rate);
    this.seed = parsed.seed;
  }

  override get kind(): string {
    return 'dropout';
  }

  /**
   * Applies dropout in training mode, the identity in evaluation mode.
   * @param x - the input (a float tensor of any shape)
   * @returns the same shape as `x`
   */
  forward(x: VariableLike): Variable {
    const input = toVariable(x, 'x');
    if (!this.training || this.rate === 0) return input;
    const seed = this.seed === undefined ? undefined : (Math.imul(this.seed, 0x9e3779b1) ^ this.draws++) | 0;
    const uniform = T.rand(input.shape, seed === undefined ? { dtype: input.dtype } : { seed, dtype: input.dtype });
    const mask = T.mul(T.greaterEqual(uniform, this.rate), 1 / (1 - this.rate));
    return scope(this.scopeName, () => mul(input, mask));
  }
}
