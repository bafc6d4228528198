/**
 * Activation functions by name, as Gluon's `Activation` and `Dense(activation=...)` take them.
 */
import { relu, scope, sigmoid, softplus, tanh, toVariable, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { Block, blockNameSchema, layerInput } from './block.js';

/**
 * The activation names: MXNet's (`'softrelu'` is softplus), plus `'softplus'` and `'none'`.
 * @example
 * ```ts
 * ACTIVATIONS.includes('relu')   // true
 * ```
 */
export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'softrelu', 'softplus', 'none'] as const;

/**
 * Zod schema of an activation option: a name from {@link ACTIVATIONS}, or null/undefined for none.
 * @example
 * ```ts
 * activationSchema.parse('tanh')
 * ```
 */
export const activationSchema = z.optional(z.nullable(z.enum(ACTIVATIONS)));

/**
 * An activation name; `'none'`, null and undefined mean the identity.
 * @example
 * ```ts
 * const act: ActivationName = 'softrelu';
 * ```
 */
export type ActivationName = z.infer<typeof activationSchema>;

/**
 * Applies the named activation (differentiably).
 *
 * @param x - the input
 * @param name - `'relu'`, `'sigmoid'`, `'tanh'`, `'softrelu'`/`'softplus'` (log(1 + e^x)), or `'none'`/null/undefined
 * @returns a Variable (x itself for the identity, as a Variable)
 * @throws TypeError for an unknown name
 *
 * @example
 * ```ts
 * applyActivation([-1, 2], 'relu').toArray();   // [0, 2]
 * ```
 */
export function applyActivation(x: VariableLike, name: ActivationName): Variable {
  const act = parseArgument('applyActivation', 'name', activationSchema, name);
  switch (act) {
    case 'relu': return relu(x);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
    case 'softrelu':
    case 'softplus': return softplus(x);
    default: return toVariable(x, 'x');
  }
}

/**
 * Zod schema of {@link ActivationOptions}.
 * @example
 * ```ts
 * ActivationOptionsSchema.parse({ name: 'act' })
 * ```
 */
export const ActivationOptionsSchema = z.strictObject({
  /** The name it takes inside its parent (default `'activation0'`, ...). */
  name: z.optional(blockNameSchema),
});

/**
 * Options of {@link Activation}.
 * @example
 * ```ts
 * const options: ActivationOptions = { name: 'act' };
 * ```
 */
export type ActivationOptions = z.input<typeof ActivationOptionsSchema>;

/**
 * A block that applies an activation function, as Gluon's `nn.Activation`.
 *
 * @example
 * ```ts
 * const net = new Sequential().add(new Dense(8), new Activation('tanh'), new Dense(2));
 * ```
 */
export class Activation extends Block {
  /** The activation's name. */
  readonly activation: ActivationName;

  /**
   * @param activation - a name from {@link ACTIVATIONS}
   * @param options - {@link ActivationOptions}: `name`
   */
  constructor(activation: ActivationName, options: ActivationOptions = {}) {
    super(parseOptions('Activation', ActivationOptionsSchema, options));
    this.activation = parseArgument('Activation', 'activation', activationSchema, activation);
  }

  override get kind(): string {
    return 'activation';
  }

  /** Applies the activation. @param x - the input @example new Activation('relu').forward([-1, 1]) */
  forward(x: VariableLike): Variable {
    const input = layerInput(`Activation '${this.scopeName}'`, x);
    return scope(this.scopeName, () => applyActivation(input, this.activation));
  }
}
