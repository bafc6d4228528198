/**
 * `fit`: the training loop as one call that does not block. Each step is synchronous and runs in a
 * `tidy` (so memory stays flat on every backend); between steps the loop yields to the event loop
 * whenever it has run for `yieldEveryMs`, so a page keeps drawing and a worker keeps answering
 * messages; an AbortSignal stops it between whole steps.
 */
import * as T from '@lossgraph/tensor';
import { parseOptions } from '@lossgraph/tensor';
import { mean, noGrad, type Variable } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block } from './block.js';
import { DataLoader } from './data.js';
import { Optimizer } from './optimizer.js';


/**
 * What {@link fit} reports after each step through `onStep`.
 *
 * @example
 * ```ts
 * const onStep = ({ epoch, step, loss }: FitProgress) => console.log(epoch, step, loss);
 * ```
 */
export interface FitProgress {
  /** The epoch, from 1. */
  readonly epoch: number;
  /** The step within the epoch, from 1. */
  readonly step: number;
  /** Steps since the start of the fit, from 1. */
  readonly totalSteps: number;
  /** Steps per epoch. */
  readonly stepsPerEpoch: number;
  /** The step's loss (the mean over the batch). */
  readonly loss: number;
}

/**
 * What {@link fit} resolves to.
 *
 * @example
 * ```ts
 * const { epochLosses, aborted }: FitResult = await fit(net, options);
 * ```
 */
export interface FitResult {
  /** The mean step loss of each completed epoch. */
  readonly epochLosses: readonly number[];
  /** Steps run in all. */
  readonly steps: number;
  /** True when the signal stopped the fit before its last epoch ended. */
  readonly aborted: boolean;
}

/**
 * What {@link fit} accepts as its loss: a Loss (its per-sample values are averaged), or a function
 * of the prediction and the labels (a non-scalar result is averaged too).
 *
 * @example
 * ```ts
 * const loss: FitLoss = (pred, label) => mean(neg(pick(logSoftmax(pred), label)));
 * ```
 */
export type FitLoss = LossLike | ((pred: Variable, label: T.Tensor) => Variable);

/**
 * A loss object as {@link fit} calls it: Gluon's `forward(pred, label)`, which every loss of
 * @lossgraph/loss has (nn does not depend on that package; any object of this shape will do).
 *
 * @example
 * ```ts
 * const l1: LossLike = { forward: (pred, label) => abs(sub(pred, label)) };
 * ```
 */
export interface LossLike {
  /**
   * The per-sample losses of a batch.
   * @param pred - the model's output
   * @param label - the batch's labels
   */
  forward(pred: Variable, label: T.Tensor): Variable;
}

const isLossLike = (v: unknown): v is LossLike => typeof v === 'object' && v !== null && typeof (v as { forward?: unknown }).forward === 'function';

/**
 * Zod schema of the options of {@link fit}.
 *
 * @example
 * ```ts
 * FitOptionsSchema.shape.epochs.parse(3);   // 3
 * ```
 */
export const FitOptionsSchema = z.strictObject({
  /** The loss: a Loss (its per-sample values are averaged) or `(pred, label) => Variable`. */
  loss: z.custom<FitLoss>((v) => isLossLike(v) || typeof v === 'function', { error: 'expected a Loss or a function (pred, label) => Variable' }),
  /** The optimiser that updates the model's parameters. */
  optimizer: z.custom<Optimizer>((v) => v instanceof Optimizer, { error: 'expected an Optimizer (SGD, Adam)' }),
  /** The batches of one epoch. */
  data: z.instanceof(DataLoader, { error: 'expected a DataLoader' }),
  /** Passes over the data (default 1). */
  epochs: z._default(z.number().check(z.int(), z.positive()), 1),
  /** Called after each step with its progress. */
  onStep: z.optional(z.custom<(progress: FitProgress) => void>((v) => typeof v === 'function', { error: 'expected a function' })),
  /** Stops the fit between two steps once aborted. */
  signal: z.optional(z.custom<AbortSignal>((v) => typeof AbortSignal === 'function' && v instanceof AbortSignal, { error: 'expected an AbortSignal' })),
  /** Yield to the event loop after running this long without yielding (default 8 ms: half a 60 Hz frame). */
  yieldEveryMs: z._default(z.number().check(z.nonnegative()), 8),
});

/**
 * Options of {@link fit}.
 *
 * @example
 * ```ts
 * const options: FitOptions = { loss: new SoftmaxCrossEntropyLoss(), optimizer: opt, data: loader, epochs: 5 };
 * ```
 */
export type FitOptions = z.input<typeof FitOptionsSchema>;

function lossOf(loss: FitLoss, pred: Variable, label: T.Tensor): Variable {
  const value = typeof loss === 'function' ? loss(pred, label) : loss.forward(pred, label);
  return value.rank === 0 ? value : mean(value);
}

/**
 * Trains `model` without blocking: `epochs` passes over `data`, each step
 * `zeroGrad → loss → backward → step` run synchronously inside a `tidy`, the loop yielding to the
 * event loop whenever it has run `yieldEveryMs` without yielding. Progress goes to `onStep` after
 * every step. An aborted `signal` stops it between two steps, so parameters and optimiser state
 * are always those of a whole number of steps; the promise then resolves with `aborted: true`.
 *
 * Before the first step, one batch goes through the model and the loss (without recording), so
 * data that does not fit the model (a wrong feature count, labels of the wrong shape) fails
 * before any parameter changes, with an error naming `options.data`.
 *
 * @param model - the block to train
 * @param options - {@link FitOptions}: `loss`, `optimizer`, `data` (required); `epochs`, `onStep`,
 *   `signal`, `yieldEveryMs`
 * @returns the mean loss of each epoch, the steps run, and whether the signal stopped it
 * @throws TypeError naming a bad option; RangeError/TypeError naming `options.data` when its
 *   batches do not fit the model or the loss
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const { epochLosses } = await fit(net, {
 *   loss: new SoftmaxCrossEntropyLoss(), optimizer: new Adam(net, { learningRate: 0.01 }), data: loader,
 *   epochs: 5, onStep: ({ epoch, step, loss }) => console.log(epoch, step, loss), signal: controller.signal,
 * });
 * ```
 */
export async function fit(model: Block, options: FitOptions): Promise<FitResult> {
  if (!(model instanceof Block)) throw new TypeError(`fit: model must be a Block, got ${model === null ? 'null' : typeof model}`);
  const { loss, optimizer, data, epochs, onStep, signal, yieldEveryMs } = parseOptions('fit', FitOptionsSchema, options);
  checkDataFits(model, loss, data);
  const stepsPerEpoch = data.length;
  const epochLosses: number[] = [];
  let totalSteps = 0;
  let ranSince = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0;
    let step = 0;
    for (const { x, y } of data) {
      if (signal?.aborted) return { epochLosses, steps: totalSteps, aborted: true };
      const value = T.tidy(() => {
        optimizer.zeroGrad();
        const l = lossOf(loss, model.forward(x), y);
        const item = l.item();
        l.backward();
        optimizer.step();
        return item;
      });
      step++;
      totalSteps++;
      sum += value;
      onStep?.({ epoch, step, totalSteps, stepsPerEpoch, loss: value });
      if (performance.now() - ranSince >= yieldEveryMs) {
        await T.nextTask();
        ranSince = performance.now();
      }
    }
    epochLosses.push(sum / Math.max(step, 1));
  }
  return { epochLosses, steps: totalSteps, aborted: false };
}

/** Runs the first batch through the model and the loss, unrecorded; an error names `options.data`. */
function checkDataFits(model: Block, loss: FitLoss, data: DataLoader): void {
  const size = Math.min(data.batchSize, data.numSamples);
  if (size === 0) throw new RangeError('fit: options.data holds no samples');
  try {
    T.tidy(() => noGrad(() => {
      const x = T.slice(data.x, [0], [size]);
      const y = T.slice(data.y, [0], [size]);
      lossOf(loss, model.forward(x), y).item();
    }));
  } catch (e) {
    const error = e as Error;
    const message = `fit: options.data does not fit the model and the loss (x ${T.formatShape(data.x.shape)}, y ${T.formatShape(data.y.shape)}): ${error.message}`;
    throw error instanceof TypeError ? new TypeError(message) : new RangeError(message);
  }
}
