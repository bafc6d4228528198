/**
 * Classification accuracy, as a function and as a running metric (MXNet's `mx.metric.Accuracy`).
 */
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import { Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';

/**
 * Zod schema of {@link AccuracyOptions}.
 * @example
 * ```ts
 * AccuracyOptionsSchema.parse({}).axis   // -1
 * ```
 */
export const AccuracyOptionsSchema = z.strictObject({
  /** The class axis of the predictions (default -1). */
  axis: z._default(z.number().check(z.int()), -1),
});

/**
 * Options of {@link accuracy} and {@link Accuracy}.
 * @example
 * ```ts
 * accuracy(scores, labels, { axis: 1 } satisfies AccuracyOptions)
 * ```
 */
export type AccuracyOptions = z.input<typeof AccuracyOptionsSchema>;

function valueOf(x: VariableLike, argName: string): Tensor {
  return x instanceof Variable ? x.value : T.toTensor(x, argName);
}

/** Counts correct predictions: [correct, total]. */
function countCorrect(pred: VariableLike, label: VariableLike, axis: number, where: string): [number, number] {
  const p = valueOf(pred, 'pred');
  const l = valueOf(label, 'label');
  // Same shape as the labels: already class indices (MXNet's rule); otherwise scores to argmax.
  const classes = T.shapesEqual(p.shape, l.shape) ? T.cast(p, 'int32') : T.argmax(p, T.normalizeAxis(axis, p.rank, `${where}: options.axis`));
  if (classes.size !== l.size) {
    throw new RangeError(`${where}: pred of shape ${T.formatShape(p.shape)} gives ${classes.size} predictions (argmax over axis ${axis}) but label has shape ${T.formatShape(l.shape)} (${l.size} labels)`);
  }
  const flatClasses = T.reshape(classes, [classes.size]);
  const flatLabels = T.reshape(l, [l.size]);
  const correct = l.size === 0 ? 0 : T.sum(T.equal(flatClasses, flatLabels)).item();
  return [correct, l.size];
}

/**
 * The fraction of samples whose predicted class equals the label. Predictions are scores (logits
 * or probabilities; the argmax over `axis` is taken), or class indices when they have the labels'
 * shape.
 *
 * @param pred - `[batch, classes]` scores, or `[batch]` class indices
 * @param label - `[batch]` integer labels (any numeric dtype)
 * @param options - `axis`: the class axis (default -1)
 * @returns a number in [0, 1]; NaN for an empty batch
 * @throws RangeError when the numbers of predictions and labels differ
 *
 * @example
 * ```ts
 * accuracy([[2, 1], [0, 3], [5, 4]], [0, 1, 1]);   // 2/3
 * ```
 */
export function accuracy(pred: VariableLike, label: VariableLike, options: AccuracyOptions = {}): number {
  const { axis } = parseOptions('accuracy', AccuracyOptionsSchema, options);
  const [correct, total] = countCorrect(pred, label, axis, 'accuracy');
  return total === 0 ? NaN : correct / total;
}

/**
 * A running accuracy over many batches, as MXNet's `mx.metric.Accuracy`. Note the argument
 * order: predictions first, then labels, as in this project's losses (MXNet's `update` takes the
 * labels first).
 *
 * @example
 * ```ts
 * const metric = new Accuracy();
 * for (const { x, y } of testLoader) metric.update(net.forward(x), y);
 * metric.get();   // e.g. 0.97
 * metric.reset();
 * ```
 */
export class Accuracy {
  /** The metric's name, as MXNet reports it. */
  readonly name = 'accuracy';
  /** The class axis. */
  readonly axis: number;
  /** Correct predictions so far. */
  sumMetric = 0;
  /** Samples seen so far. */
  numInst = 0;

  /** @param options - `axis`: the class axis (default -1) */
  constructor(options: AccuracyOptions = {}) {
    this.axis = parseOptions('Accuracy', AccuracyOptionsSchema, options).axis;
  }

  /**
   * Adds a batch.
   * @param pred - scores `[batch, classes]` or class indices `[batch]`
   * @param label - integer labels `[batch]`
   * @returns this, for chaining
   * @example
   * ```ts
   * metric.update(logits, labels)
   * ```
   */
  update(pred: VariableLike, label: VariableLike): this {
    const [correct, total] = countCorrect(pred, label, this.axis, 'Accuracy.update');
    this.sumMetric += correct;
    this.numInst += total;
    return this;
  }

  /** The accuracy so far (NaN before any sample, as MXNet). @example metric.get() */
  get(): number {
    return this.numInst === 0 ? NaN : this.sumMetric / this.numInst;
  }

  /** Starts over. @example metric.reset() */
  reset(): void {
    this.sumMetric = 0;
    this.numInst = 0;
  }
}
