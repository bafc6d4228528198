import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { Variable } from '@lossgraph/autograd';
import { elementwiseLoss, lossOptionsSchema, type Loss, type LossOptions, type PredLabelArgs, type ResolvedLossOptions } from './base.js';

/**
 * The validated options of a loss made by {@link defineLoss}: the common ones plus its own, defaults filled in.
 *
 * @example
 * ```ts
 * const Focal = defineLoss('Focal', focal, { gamma: z._default(z.number(), 2) });
 * const resolved: DefinedLossOptions<{ gamma: z.ZodMiniDefault<z.ZodMiniNumber> }> = new Focal().options;   // { weight: null, batchAxis: 0, gamma: 2 }
 * ```
 */
export type DefinedLossOptions<Shape extends z.core.$ZodShape> = ResolvedLossOptions & z.infer<z.ZodMiniObject<Shape>>;
/**
 * The options a loss made by {@link defineLoss} takes: the common ones plus its own.
 *
 * @example
 * ```ts
 * const options: DefinedLossInput<{ gamma: z.ZodMiniDefault<z.ZodMiniNumber> }> = { gamma: 1, weight: 0.5 };
 * new Focal(options);
 * ```
 */
export type DefinedLossInput<Shape extends z.core.$ZodShape> = LossOptions & ([keyof Shape] extends [never] ? unknown : z.input<z.ZodMiniObject<Shape>>);

/**
 * How a loss made by {@link defineLoss} treats its label.
 *
 * @example
 * ```ts
 * const Elementwise = defineLoss('Elementwise', (p, l) => abs(sub(p, l)), {}, { reshapeLabel: false } satisfies DefineLossConfig);
 * // A cross-entropy over one-hot labels, summed over the classes rather than averaged:
 * const CE = defineLoss('CE', (p, l) => neg(mul(l, logSoftmax(p, -1))), {}, { reduceNonBatch: 'sum' });
 * ```
 */
export interface DefineLossConfig {
  /** Reshape the label to pred's shape (same element count), as most Gluon losses do. Default true. */
  readonly reshapeLabel?: boolean;
  /**
   * How the elementwise loss becomes one value per sample: 'mean' over the non-batch axes (Gluon's
   * convention, the default) or 'sum' (for a cross-entropy-style formula, whose per-class terms add up).
   */
  readonly reduceNonBatch?: 'mean' | 'sum';
}

/**
 * The class {@link defineLoss} returns: construct it with the options, call `forward(pred, label, { sampleWeight })`.
 *
 * @example
 * ```ts
 * const Cauchy: DefinedLossClass<Record<never, never>> = defineLoss('Cauchy', (p, l) => log1p(square(sub(p, l))));
 * new Cauchy({ weight: 2 }).forward([[0, 1]], [[0, 0]]);
 * ```
 */
export interface DefinedLossClass<Shape extends z.core.$ZodShape> {
  /** @param options - the common options (`weight`, `batchAxis`) and the loss's own, validated */
  new (options?: DefinedLossInput<Shape>): Loss<DefinedLossOptions<Shape>, PredLabelArgs>;
  /** The options' zod schema: the common options extended with the loss's own. */
  readonly schema: z.ZodMiniType<DefinedLossOptions<Shape>>;
}

/**
 * Makes a (pred, label) loss class from its elementwise formula. The class validates its options
 * (the common `weight` and `batchAxis` plus the zod fields of `optionsShape`; unknown names are
 * errors), converts and checks the inputs (label reshaped to pred's shape, sample weight checked),
 * runs each call in a scope named `name`, applies the Gluon weighting and the mean (or, with
 * `config.reduceNonBatch: 'sum'`, the sum) over the non-batch axes, then the `reduction` option. Compose the formula from autograd ops: its gradient, and its gradient's
 * gradient, come from the tape.
 *
 * @param name - the loss's name (scope name, error prefix, class name)
 * @param elementwise - `(pred, label, options) => unreduced loss` with pred's shape; pred is a
 *   float Variable, label a Variable of pred's dtype and shape, options the validated options
 * @param optionsShape - zod fields of the loss's own options, e.g. `{ gamma: z._default(z.number(), 2) }`
 * @param config - see {@link DefineLossConfig}
 * @returns the loss class
 *
 * @example
 * ```ts
 * const FocalLoss = defineLoss(
 *   'FocalLoss',
 *   (pred, label, { gamma }) => {
 *     const p = sigmoid(pred);
 *     const pt = add(mul(label, p), mul(sub(1, label), sub(1, p)));        // p of the true class
 *     const logPt = add(mul(label, logSigmoid(pred)), mul(sub(1, label), logSigmoid(neg(pred))));
 *     return neg(mul(pow(sub(1, pt), gamma), logPt));
 *   },
 *   { gamma: z._default(z.number().check(z.nonnegative()), 2) },
 * );
 * new FocalLoss({ gamma: 2 }).forward([[2, -1]], [[1, 0]]);
 * ```
 */
export function defineLoss<Shape extends z.core.$ZodShape = Record<never, never>>(
  name: string,
  elementwise: (pred: Variable, label: Variable, options: Readonly<DefinedLossOptions<Shape>>) => Variable,
  optionsShape?: Shape,
  config: DefineLossConfig = {},
): DefinedLossClass<Shape> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`defineLoss: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof elementwise !== 'function') throw new TypeError(`defineLoss: elementwise must be a function, got ${typeof elementwise}`);
  if (optionsShape !== undefined && (optionsShape === null || typeof optionsShape !== 'object')) {
    throw new TypeError(`defineLoss: optionsShape must be an object of zod schemas, got ${optionsShape === null ? 'null' : typeof optionsShape}`);
  }
  // The extended schema's inferred type is opaque for a generic Shape; its output is DefinedLossOptions<Shape>.
  const schema = z.extend(lossOptionsSchema, optionsShape ?? {}) as unknown as z.ZodMiniType<DefinedLossOptions<Shape>>;
  return elementwiseLoss(
    name,
    schema,
    (p, l, options) => {
      const out: unknown = elementwise(p, l, options);
      if (!(out instanceof Variable)) throw new TypeError(`${name}: the elementwise formula must return a Variable, got ${out === null ? 'null' : typeof out}`);
      if (!T.shapesEqual(out.shape, p.shape)) {
        throw new RangeError(`${name}: the elementwise formula must return pred's shape ${T.formatShape(p.shape)}, got ${T.formatShape(out.shape)}`);
      }
      return out;
    },
    { reshapeLabel: config.reshapeLabel ?? true, reduceNonBatch: config.reduceNonBatch ?? 'mean' },
  );
}
