import * as z from 'zod/mini';
import { parseOptions, type DType, type Shape } from '@lossgraph/tensor';
import { div, mean, mul, reshape, scope, sum, Variable, type VariableLike } from '@lossgraph/autograd';
import { broadcastCheck, convertOperand, floatDtypeOf, optionalOperand, readOperand, reshapeCheck, toOperand, type ReadOperand } from './validation.js';

/**
 * The `reduction` option of every loss, as a zod schema: `'none'` (the default) returns the
 * per-sample losses, shape `(batch,)`, as Gluon does; `'mean'` and `'sum'` reduce them to a scalar.
 *
 * @example
 * ```ts
 * reductionSchema.parse(undefined);   // 'none'
 * reductionSchema.safeParse('avg').success;   // false
 * ```
 */
export const reductionSchema = z._default(z.enum(['none', 'mean', 'sum']), 'none').check(z.describe("PyTorch `reduction`: 'none' (per-sample losses, shape (batch,)), 'mean' or 'sum' of the per-sample losses"));

/**
 * A reduction of the per-sample losses.
 *
 * @example
 * ```ts
 * const reduction: Reduction = 'sum';
 * new L1Loss({ reduction });
 * ```
 */
export type Reduction = z.infer<typeof reductionSchema>;

/**
 * The options every loss shares, as a zod schema: the single declaration of their types,
 * defaults, validation and documentation. A loss's own schema extends it.
 *
 * @example
 * ```ts
 * lossOptionsSchema.parse({ weight: 2 });   // { weight: 2, batchAxis: 0, reduction: 'none' }
 * ```
 */
export const lossOptionsSchema = z.strictObject({
  /** Gluon `weight`: a global scalar the loss is multiplied by; null for none. */
  weight: z._default(z.nullable(z.number()), null).check(z.describe('Gluon `weight`: global scalar weight of the loss; null for none')),
  /** Gluon `batch_axis`: the axis that indexes samples; the loss is averaged over every other axis. */
  batchAxis: z._default(z.number().check(z.int(), z.nonnegative()), 0).check(z.describe('Gluon `batch_axis`: the axis of the samples; the loss is averaged over all other axes')),
  /** PyTorch `reduction` of the per-sample losses: 'none' (default), 'mean' or 'sum'. */
  reduction: reductionSchema,
});

/**
 * The common options as passed to a constructor (every field optional).
 *
 * @example
 * ```ts
 * const options: LossOptions = { weight: 0.5, batchAxis: 0 };
 * new L1Loss(options);
 * ```
 */
export type LossOptions = z.input<typeof lossOptionsSchema>;
/**
 * The common options after validation, defaults filled in.
 *
 * @example
 * ```ts
 * const resolved: ResolvedLossOptions = lossOptionsSchema.parse({});   // { weight: null, batchAxis: 0, reduction: 'none' }
 * ```
 */
export type ResolvedLossOptions = z.infer<typeof lossOptionsSchema>;

/**
 * What {@link Loss} needs of a loss's resolved options: a weight, and a batch axis when the loss has one.
 *
 * @example
 * ```ts
 * // The options of a loss without a batch axis (as CTCLoss: its layout says where the batch is).
 * const schema = z.strictObject({ weight: z._default(z.nullable(z.number()), null), reduction: reductionSchema });
 * abstract class SumLoss extends Loss<BaseResolvedOptions & z.infer<typeof schema>> {}
 * ```
 */
export interface BaseResolvedOptions {
  /** Gluon `weight`: the global scalar weight, or null for none. */
  readonly weight: number | null;
  /** Gluon `batch_axis`: the axis of the samples; absent for a loss without one. */
  readonly batchAxis?: number;
  /** How {@link Loss.forward} reduces the per-sample losses. */
  readonly reduction: Reduction;
}

/**
 * What a loss's {@link Loss.compute} may return instead of a bare Variable when its `'mean'` is
 * not the plain mean of the per-sample losses: PyTorch's weighted cross-entropy divides the summed
 * loss by the summed class weights of the counted labels.
 *
 * @example
 * ```ts
 * // Inside compute: three samples, one ignored, class weights 2 and 0.5 of the other two.
 * const out: PerSampleLosses = { perSample: loss, meanDivisor: 2.5 };
 * ```
 */
export interface PerSampleLosses {
  /** The per-sample losses, shape `(batch,)`: what `reduction: 'none'` returns. */
  readonly perSample: Variable;
  /** `reduction: 'mean'` returns `Σ perSample / meanDivisor`. */
  readonly meanDivisor: number;
}

/**
 * The trailing inputs object of the (pred, label) losses: an optional per-sample weight.
 *
 * @example
 * ```ts
 * sampleWeightInputsSchema.parse({ sampleWeight: [[1], [0.5]] });
 * ```
 */
export const sampleWeightInputsSchema = z.strictObject({
  /** Broadcast-multiplied with the unreduced loss; must broadcast to its shape without enlarging it. */
  sampleWeight: optionalOperand,
});

/**
 * The trailing inputs of `forward(pred, label, inputs)` for most losses.
 *
 * @example
 * ```ts
 * const inputs: SampleWeightInputs = { sampleWeight: [[1], [0]] };   // ignore the second sample
 * new L2Loss().forward([[1, 2], [3, 4]], [[0, 0], [0, 0]], inputs);
 * ```
 */
export type SampleWeightInputs = z.input<typeof sampleWeightInputsSchema>;

/**
 * The arguments of a loss called as `forward(pred, label, { sampleWeight })`.
 *
 * @example
 * ```ts
 * const args: PredLabelArgs = [[[0.2, 0.8]], [[0, 1]], { sampleWeight: [2] }];
 * new L1Loss().forward(...args);
 * ```
 */
export type PredLabelArgs = [pred: VariableLike, label: VariableLike, inputs?: SampleWeightInputs];

/**
 * The inputs of a (pred, label) loss after conversion and checks.
 *
 * @example
 * ```ts
 * // Inside a subclass's compute:
 * const { pred: p, label: l, sampleWeight }: PreparedPair = this.preparePair(pred, label, inputs?.sampleWeight);
 * ```
 */
export interface PreparedPair {
  /** pred as a Variable of float dtype. */
  readonly pred: Variable;
  /** label as a Variable of pred's dtype, reshaped to pred's shape when the loss asks for that. */
  readonly label: Variable;
  /** The sample weight in pred's dtype, checked against the loss shape; undefined when absent. */
  readonly sampleWeight: Variable | undefined;
}

/**
 * How {@link Loss.preparePair} treats its inputs.
 *
 * @example
 * ```ts
 * // A loss whose label keeps its own shape (a class index per sample) and whose loss has one value per sample:
 * this.preparePair(pred, label, sw, { reshapeLabel: false, lossShape: [pred.shape[0]!] } satisfies PrepareOptions);
 * ```
 */
export interface PrepareOptions {
  /** Reshape the label to pred's shape (MXNet's reshape_like; same element count). Default true. */
  readonly reshapeLabel?: boolean;
  /** Check that the label broadcasts to pred's shape (with `reshapeLabel: false`). Default false. */
  readonly broadcastLabel?: boolean;
  /** The label's name in errors ('label' by default; 'target' for PoissonNLLLoss). */
  readonly labelName?: string;
  /** The shape of the unreduced loss, which the sample weight must broadcast to. Default: pred's shape. */
  readonly lossShape?: Shape;
  /** How {@link Loss.pipeline} reduces the non-batch axes: 'mean' (Gluon's, the default) or 'sum'. */
  readonly reduceNonBatch?: 'mean' | 'sum';
}

/**
 * The base of every loss, as Gluon's `Loss`. It validates the options with the loss's zod schema
 * (so a misspelt or out-of-range option fails at construction, naming the option), runs each call
 * inside an autograd `scope` named after the loss (a graph shows the call as one composite
 * node that expands into its ops), and provides the Gluon pipeline pieces: conversion and shape
 * checks of the inputs ({@link Loss.preparePair}), the weighting (sample weight broadcast-multiplied,
 * then the scalar `weight`: {@link Loss.applyWeighting}) and the mean over every axis except the
 * batch axis ({@link Loss.meanOverNonBatchAxes}).
 *
 * A loss implements {@link Loss.compute} with autograd ops only: gradients, and gradients of
 * gradients, come from the tape. For a (pred, label) loss, {@link Loss.pipeline} does everything
 * but the elementwise formula; {@link defineLoss} makes such a loss in one call.
 *
 * @typeParam Options - the resolved options (the zod schema's output type)
 * @typeParam Args - the arguments of {@link Loss.forward}
 *
 * @example
 * ```ts
 * // Mean absolute error to the power p, as a subclass.
 * const schema = z.extend(lossOptionsSchema, { p: z._default(z.number().check(z.positive()), 1.5) });
 * class PowerLoss extends Loss<z.infer<typeof schema>> {
 *   constructor(options: z.input<typeof schema> = {}) { super('PowerLoss', schema, options); }
 *   protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
 *     return this.pipeline(pred, label, inputs, (p, l) => pow(abs(sub(p, l)), this.options.p));
 *   }
 * }
 * new PowerLoss({ p: 3 }).forward([[1, 2]], [[0, 0]]).toArray();   // [4.5]
 * ```
 */
export abstract class Loss<Options extends BaseResolvedOptions = ResolvedLossOptions, Args extends unknown[] = PredLabelArgs> {
  /** The loss's name: its class name in Gluon, the scope name of each call, the prefix of its errors. */
  readonly name: string;
  /** The validated options, defaults filled in (frozen). */
  readonly options: Readonly<Options>;

  /**
   * @param name - the loss's name (the scope name of each call)
   * @param schema - the zod schema of the options (usually `z.extend(lossOptionsSchema, {...})`)
   * @param options - what the user passed; validated here
   * @throws TypeError or RangeError naming the offending option
   */
  protected constructor(name: string, schema: z.core.$ZodType<Options>, options: unknown) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`Loss: name must be a non-empty string, got ${JSON.stringify(name)}`);
    this.name = name;
    this.options = Object.freeze(parseOptions(name, schema, options ?? {}));
  }

  /** The global scalar weight (Gluon `weight`), or null for none. */
  get weight(): number | null {
    return this.options.weight;
  }

  /** The axis that indexes samples (Gluon `batch_axis`). */
  get batchAxis(): number {
    return this.options.batchAxis ?? 0;
  }

  /**
   * Computes the loss: one call is one composite node (a scope named after the loss) in the graph.
   * Inputs may be Variables (gradients flow to them), Tensors or nested arrays (constants).
   *
   * @param args - the loss's inputs: `(pred, label, { sampleWeight })` for most losses; each
   *   class documents its own (e.g. `TripletLoss`: `(pred, positive, negative)`)
   * @returns the loss, a Variable (usually of shape `(batch,)`)
   * @throws TypeError or RangeError before any computation when an input is missing, has the wrong
   *   shape or holds values the loss cannot take; the message names the input
   *
   * @example
   * ```ts
   * const pred = variable([[0.2, 0.8], [0.6, 0.4]]);
   * const l = new L2Loss().forward(pred, [[0, 1], [1, 0]], { sampleWeight: [[1], [2]] });
   * l.backward();   // pred.grad holds the gradient of Σ l
   * ```
   */
  forward(...args: Args): Variable {
    return scope(this.name, () => this.reduceSamples(this.compute(...args)));
  }

  /**
   * The loss's computation, run inside the loss's scope by {@link Loss.forward}. Validate first,
   * then compose autograd ops. It returns the per-sample losses (with the divisor of their
   * `'mean'` when that is not their count); {@link Loss.forward} applies the `reduction`.
   * @param args - the arguments {@link Loss.forward} got
   */
  protected abstract compute(...args: Args): Variable | PerSampleLosses;

  /**
   * The `reduction` option applied to what {@link Loss.compute} returned; `'none'` adds no op.
   * @param out - the per-sample losses, with the divisor of their mean when it is not their count
   */
  protected reduceSamples(out: Variable | PerSampleLosses): Variable {
    const perSample = out instanceof Variable ? out : out.perSample;
    switch (this.options.reduction) {
      case 'none':
        return perSample;
      case 'sum':
        return sum(perSample);
      case 'mean':
        return out instanceof Variable ? mean(perSample) : div(sum(perSample), out.meanDivisor);
    }
  }

  /**
   * The Gluon repr: the class name and every option, e.g. `HuberLoss(weight=null, batchAxis=0, rho=1)`.
   */
  toString(): string {
    const parts = Object.entries(this.options).map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : String(v)}`);
    return `${this.name}(${parts.join(', ')})`;
  }

  /**
   * Converts any operand to a Variable of `dtype` (a Variable keeps its history).
   * @param argName - the input's name in errors
   * @param x - the input
   * @param dtype - the dtype to convert to
   */
  protected toVariable(x: VariableLike, argName: string, dtype: DType): Variable {
    return toOperand(this.name, argName, x, dtype);
  }

  /**
   * Reads an operand without casting it, so its shape can be checked before any kernel runs;
   * convert it afterwards with {@link convertOperand}.
   * @param x - the input
   * @param argName - the input's name in errors
   * @param dtype - the dtype a plain number or nested array takes where it can at no cost
   */
  protected readOperand(x: VariableLike, argName: string, dtype: DType): ReadOperand {
    return readOperand(this.name, argName, x, dtype);
  }

  /**
   * Parses the trailing inputs object of `forward` with `schema` (unknown names are errors).
   * @param schema - the zod schema of the inputs object
   * @param inputs - what the caller passed (undefined is taken as `{}`)
   */
  protected readInputs<S extends z.core.$ZodType>(schema: S, inputs: unknown): z.infer<S> {
    return parseOptions(this.name, schema, inputs ?? {}, 'input');
  }

  /**
   * Converts and checks the usual inputs: pred (float), label (pred's dtype, reshaped to pred's
   * shape unless `reshapeLabel` is false), the sample weight (checked to broadcast to the loss
   * shape) and the batch axis (checked against the loss's rank). Read the trailing inputs object
   * first with {@link Loss.readInputs}.
   * @param pred - the prediction
   * @param label - the label
   * @param sampleWeight - the sample weight, if any
   * @param how - see {@link PrepareOptions}
   *
   * @throws RangeError naming `label` (`shape`), `sampleWeight` or `batchAxis`
   */
  protected preparePair(pred: VariableLike, label: VariableLike, sampleWeight: VariableLike | null | undefined, how: PrepareOptions = {}): PreparedPair {
    // Every check runs on the operands as read, before any cast: a refused call runs no kernel.
    const dtype = floatDtypeOf(pred);
    const readPred = readOperand(this.name, 'pred', pred, dtype);
    const labelName = how.labelName ?? 'label';
    const readLabel = readOperand(this.name, labelName, label, dtype);
    const reshapeLabel = how.reshapeLabel ?? true;
    if (reshapeLabel) reshapeCheck(this.name, labelName, readLabel.shape, readPred.shape, 'pred');
    if (how.broadcastLabel === true) broadcastCheck(this.name, labelName, readLabel.shape, readPred.shape, "pred's shape");
    const lossShape = how.lossShape ?? readPred.shape;
    this.checkBatchAxis(lossShape.length);
    const readWeight = this.readSampleWeight(sampleWeight, lossShape, dtype);
    const p = convertOperand(readPred, dtype);
    let l = convertOperand(readLabel, dtype);
    if (reshapeLabel) l = reshape(l, p.shape);
    return { pred: p, label: l, sampleWeight: readWeight === undefined ? undefined : convertOperand(readWeight, dtype) };
  }

  /** Reads a sample weight and checks its shape, without casting it (undefined and null give undefined). */
  private readSampleWeight(sampleWeight: VariableLike | null | undefined, lossShape: Shape, dtype: DType): ReadOperand | undefined {
    if (sampleWeight === undefined || sampleWeight === null) return undefined;
    const sw = readOperand(this.name, 'sampleWeight', sampleWeight, dtype);
    broadcastCheck(this.name, 'sampleWeight', sw.shape, lossShape, 'the unreduced loss shape');
    return sw;
  }

  /**
   * Converts a sample weight to `dtype` and checks that it broadcasts to `lossShape` without
   * enlarging it (undefined and null give undefined).
   * @param sampleWeight - the sample weight, if any
   * @param lossShape - the shape of the unreduced loss
   * @param dtype - the dtype to convert to
   * @throws RangeError naming `sampleWeight`
   */
  protected prepareSampleWeight(sampleWeight: VariableLike | null | undefined, lossShape: Shape, dtype: DType): Variable | undefined {
    const sw = this.readSampleWeight(sampleWeight, lossShape, dtype);
    return sw === undefined ? undefined : convertOperand(sw, dtype);
  }

  /**
   * Checks the `batchAxis` option against the rank of the unreduced loss.
   * @param rank - the rank of the unreduced loss
   * @throws RangeError naming `batchAxis` when it is not an axis of a rank-`rank` loss
   */
  protected checkBatchAxis(rank: number): void {
    const axis = this.batchAxis;
    if (axis >= Math.max(rank, 1)) {
      throw new RangeError(`${this.name}: option 'batchAxis' is ${axis}, but the loss has ${rank} ${rank === 1 ? 'axis' : 'axes'} (it must be in [0, ${Math.max(rank, 1)}))`);
    }
  }

  /**
   * Gluon's weighting: `loss * sampleWeight` (broadcast; checked beforehand by
   * {@link Loss.prepareSampleWeight}), then `* weight` when the weight is not null.
   *
   * @param weight - the scalar weight (default: the `weight` option)
   * @param loss - the unreduced loss
   * @param sampleWeight - the prepared sample weight, if any
   */
  protected applyWeighting(loss: Variable, sampleWeight: Variable | undefined, weight: number | null = this.weight): Variable {
    let out = sampleWeight === undefined ? loss : mul(loss, sampleWeight);
    if (weight !== null) out = mul(out, weight);
    return out;
  }

  /** The mean over every axis except the batch axis: shape `(batch,)` (a 0-d or 1-d loss as it is). @param loss - the weighted, unreduced loss */
  protected meanOverNonBatchAxes(loss: Variable): Variable {
    return loss.rank <= 1 ? loss : mean(loss, this.nonBatchAxes(loss.rank));
  }

  /** The sum over every axis except the batch axis: shape `(batch,)` (a 0-d or 1-d loss as it is). @param loss - the weighted, unreduced loss */
  protected sumOverNonBatchAxes(loss: Variable): Variable {
    return loss.rank <= 1 ? loss : sum(loss, this.nonBatchAxes(loss.rank));
  }

  private nonBatchAxes(rank: number): number[] {
    const axes: number[] = [];
    for (let a = 0; a < rank; a++) if (a !== this.batchAxis) axes.push(a);
    return axes;
  }

  /**
   * The whole Gluon pipeline of a (pred, label) loss around an elementwise formula: inputs
   * converted and checked ({@link Loss.preparePair}), `elementwise(pred, label)`, the weighting,
   * and the mean over the non-batch axes.
   *
   * @param elementwise - the unreduced loss, from autograd ops; its shape must be the `lossShape`
   *   of `how` (pred's shape by default)
   * @param how - see {@link PrepareOptions}
   * @param pred - the prediction
   * @param label - the label
   * @param inputs - the trailing inputs object of `forward` (`{ sampleWeight }`)
   */
  protected pipeline(
    pred: VariableLike,
    label: VariableLike,
    inputs: unknown,
    elementwise: (pred: Variable, label: Variable) => Variable,
    how: PrepareOptions = {},
  ): Variable {
    const { sampleWeight: sw } = this.readInputs(sampleWeightInputsSchema, inputs);
    const { pred: p, label: l, sampleWeight } = this.preparePair(pred, label, sw, how);
    // The mean is linear, so the scalar weight can scale the reduced loss instead of every element.
    const weighted = this.applyWeighting(elementwise(p, l), sampleWeight, null);
    const reduced = how.reduceNonBatch === 'sum' ? this.sumOverNonBatchAxes(weighted) : this.meanOverNonBatchAxes(weighted);
    return this.weight === null ? reduced : mul(reduced, this.weight);
  }
}

/**
 * An elementwise formula of a (pred, label) loss: the unreduced loss from autograd ops.
 *
 * @typeParam Options - the loss's resolved options
 * @example
 * ```ts
 * const hinge: ElementwiseFormula<{ margin: number }> = (pred, label, { margin }) => relu(sub(margin, mul(pred, label)));
 * ```
 */
export type ElementwiseFormula<Options> = (pred: Variable, label: Variable, options: Readonly<Options>) => Variable;

/**
 * A (pred, label) loss defined by its elementwise formula; {@link elementwiseLoss} makes the
 * subclass of each loss. Its `compute` is {@link Loss.pipeline} around the formula.
 *
 * @typeParam Options - the loss's resolved options
 * @example
 * ```ts
 * const loss: ElementwiseLoss<ResolvedLossOptions> = new L1Loss();
 * loss.forward([[1, 2]], [[0, 0]]);
 * ```
 */
export abstract class ElementwiseLoss<Options extends BaseResolvedOptions> extends Loss<Options, PredLabelArgs> {
  readonly #formula: ElementwiseFormula<Options>;
  readonly #how: PrepareOptions;

  /**
   * @param name - the loss's name
   * @param schema - the options' zod schema
   * @param options - what the user passed; validated here
   * @param formula - the unreduced loss
   * @param how - how the inputs are prepared
   */
  protected constructor(name: string, schema: z.core.$ZodType<Options>, options: unknown, formula: ElementwiseFormula<Options>, how: PrepareOptions) {
    super(name, schema, options);
    this.#formula = formula;
    this.#how = how;
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
    return this.pipeline(pred, label, inputs, (p, l) => this.#formula(p, l, this.options), this.#how);
  }
}

/**
 * The class {@link elementwiseLoss} makes: construct it with the options (validated by `schema`),
 * call `forward(pred, label, { sampleWeight })`.
 *
 * @typeParam S - the zod schema of the loss's options
 * @example
 * ```ts
 * const Cauchy: ElementwiseLossClass<typeof lossOptionsSchema> =
 *   elementwiseLoss('CauchyLoss', lossOptionsSchema, (p, l) => log1p(square(sub(p, l))));
 * new Cauchy({ weight: 2 }).forward([[0, 1]], [[0, 0]]);
 * ```
 */
export interface ElementwiseLossClass<S extends z.core.$ZodType<BaseResolvedOptions>> {
  /** @param options - the loss's options, validated by its schema (unknown names are errors) */
  new (options?: z.input<S>): ElementwiseLoss<z.output<S>>;
  /** The options' zod schema (types, defaults, validation and docs). */
  readonly schema: S;
}

/**
 * The skeleton every (pred, label) loss shares: a class that validates its options with `schema`,
 * runs each call in a scope named `name`, converts and checks the inputs, applies `formula`
 * elementwise, then the Gluon weighting and the mean over the non-batch axes
 * ({@link Loss.pipeline}). A loss file then holds its schema, its formula and its docs.
 *
 * @param name - the loss's name (scope name, error prefix, class name)
 * @param schema - the options' zod schema, usually `z.extend(lossOptionsSchema, {...})`
 * @param formula - the unreduced loss from `(pred, label, options)`, composed of autograd ops
 * @param how - how the inputs are prepared (see {@link PrepareOptions}); pred's shape is the loss shape
 * @returns the loss class, to extend (so that it gets its own name and docs) or to use as it is
 * @example
 * ```ts
 * const schema = z.extend(lossOptionsSchema, { margin: z._default(z.number(), 1) });
 * class MarginLoss extends elementwiseLoss('MarginLoss', schema, (p, l, { margin }) => relu(sub(margin, mul(p, l)))) {}
 * new MarginLoss({ margin: 2 }).forward([[0.5]], [[1]]).toArray();   // [1.5]
 * ```
 */
export function elementwiseLoss<S extends z.core.$ZodType<BaseResolvedOptions>>(
  name: string,
  schema: S,
  formula: ElementwiseFormula<z.output<S>>,
  how: Omit<PrepareOptions, 'lossShape'> = {},
): ElementwiseLossClass<S> {
  type Options = z.output<S>;
  const checked = schema as unknown as z.core.$ZodType<Options>;
  class Defined extends ElementwiseLoss<Options> {
    static readonly schema = schema;

    constructor(options?: z.input<S>) {
      super(name, checked, options, formula, how);
    }
  }
  Object.defineProperty(Defined, 'name', { value: name });
  return Defined;
}

/**
 * The class {@link lossClass} makes: abstract (a subclass writes `compute`), constructed with the
 * options (validated by `schema`); its type argument is the forward's argument list.
 *
 * @typeParam S - the zod schema of the loss's options
 * @example
 * ```ts
 * const Base: LossClass<typeof lossOptionsSchema> = lossClass('PairLoss', lossOptionsSchema);
 * ```
 */
export type LossClass<S extends z.core.$ZodType<BaseResolvedOptions>> = (abstract new <Args extends unknown[] = PredLabelArgs>(
  options?: z.input<S>,
) => Loss<z.output<S>, Args>) & {
  /** The options' zod schema (types, defaults, validation and docs). */
  readonly schema: S;
};

/**
 * The skeleton of a loss with inputs of its own (three operands, or options the (pred, label)
 * skeleton does not cover): a `Loss` named `name` whose options `schema` validates, with the schema
 * as a static and a constructor taking the options. A loss file extends it with its forward's
 * argument list and writes `compute` from the protected helpers.
 *
 * @param name - the loss's name (scope name, error prefix, class name)
 * @param schema - the options' zod schema
 * @returns the abstract class to extend
 * @example
 * ```ts
 * class SumLoss extends lossClass('SumLoss', lossOptionsSchema)<[a: VariableLike, b: VariableLike]> {
 *   protected compute(a: VariableLike, b: VariableLike): Variable {
 *     return this.meanOverNonBatchAxes(add(this.toVariable(a, 'a', 'float32'), this.toVariable(b, 'b', 'float32')));
 *   }
 * }
 * new SumLoss().forward([[1, 2]], [[3, 4]]).toArray();   // [5]
 * ```
 */
export function lossClass<S extends z.core.$ZodType<BaseResolvedOptions>>(name: string, schema: S): LossClass<S> {
  type Options = z.output<S>;
  const checked = schema as unknown as z.core.$ZodType<Options>;
  abstract class Defined<Args extends unknown[] = PredLabelArgs> extends Loss<Options, Args> {
    static readonly schema = schema;

    /** @param options - the loss's options, validated by its schema (unknown names are errors) */
    constructor(options?: z.input<S>) {
      super(name, checked, options);
    }
  }
  return Defined;
}
