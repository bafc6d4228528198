/**
 * `pnpm digits-cnn`: a small convolutional net classifies the UCI 8x8 handwritten digits, on the
 * same seeded, stratified 80/20 split as `pnpm digits`, and reports test accuracy.
 *
 * The net: Conv2D(32, 3x3, padding 1) → BatchNorm → ReLU → MaxPool2D(2) → Conv2D(64, 3x3,
 * padding 1) → BatchNorm → ReLU → MaxPool2D(2) → Flatten → Dense(10), trained with Adam and
 * softmax cross-entropy with label smoothing 0.1, the learning rate falling on a half cosine from
 * its initial value to 0 over the updates (a {@link CosineScheduler}). Why: the narrower net
 * without BatchNorm (16 and 32 channels, no smoothing) reached 98.6% on the default split but
 * stayed below 98.3% on four of seeds 1 to 9 (97.5% on two); the wider net with BatchNorm, without
 * smoothing, was at 98.3% on the default split and 100% on the training set; smoothing the targets
 * keeps it from driving the training set's logits apart without end (no augmentation: the images
 * are the data set's own).
 *
 * Flags: `--backend cpu|gpujs`, `--mode <gpujs mode>` (default webasm), `--epochs`, `--seed`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { noGrad } from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { Activation, Adam, BatchNorm, Conv2D, CosineScheduler, DataLoader, Dense, Flatten, MaxPool2D, Sequential, Xavier, accuracy } from '@lossgraph/nn';
import { exampleOptions, parseFlags, useBackend, type ExampleOptions } from './lib/cli.js';
import { digitsSplit } from './lib/data.js';
import { isMain, runMain } from './lib/output.js';
import { intOption, positiveOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import type { DigitsRunResult } from './lib/train.js';

/** Options of {@link run} (default 20 epochs). */
export interface DigitsCnnOptions extends Omit<ExampleOptions, 'outDir'> {
  /** Samples per mini-batch (default 32). */
  readonly batchSize?: number;
  /** Adam's initial learning rate (default 0.003). */
  readonly learningRate?: number;
  /** Label smoothing of the cross-entropy (default 0.1; 0 for none). */
  readonly labelSmoothing?: number;
}

/** What {@link run} measured. */
export type DigitsCnnResult = DigitsRunResult;


/**
 * The digits CNN, uninitialised.
 *
 * @returns the network, mapping `[N, 1, 8, 8]` images to `[N, 10]` logits
 * @example
 * ```ts
 * const net = digitsCnn();
 * net.initialize({ init: new Xavier(), seed: 0 });
 * ```
 */
export function digitsCnn(): Sequential {
  // No bias in the convolutions: BatchNorm's beta takes its place.
  return new Sequential().add(
    new Conv2D(32, { kernelSize: 3, padding: 1, useBias: false }),
    new BatchNorm(),
    new Activation('relu'),
    new MaxPool2D({ poolSize: 2 }),
    new Conv2D(64, { kernelSize: 3, padding: 1, useBias: false }),
    new BatchNorm(),
    new Activation('relu'),
    new MaxPool2D({ poolSize: 2 }),
    new Flatten(),
    new Dense(10),
  );
}

/**
 * Trains the digits CNN with Adam and softmax cross-entropy.
 *
 * @param options - see {@link DigitsCnnOptions}
 * @returns accuracies, losses and time
 * @example
 * ```ts
 * const { testAccuracy } = await run({ epochs: 20, progress: null });
 * ```
 */
export async function run(options: DigitsCnnOptions = {}): Promise<DigitsCnnResult> {
  const epochs = intOption('digitsCnn.run', 'epochs', options.epochs, 20);
  const seed = intOption('digitsCnn.run', 'seed', options.seed, 0, 0);
  const batchSize = intOption('digitsCnn.run', 'batchSize', options.batchSize, 32);
  const learningRate = positiveOption('digitsCnn.run', 'learningRate', options.learningRate, 0.003);
  const labelSmoothing = options.labelSmoothing ?? 0.1;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`digitsCnn.run: option 'labelSmoothing' must be in [0, 1), got ${String(labelSmoothing)}`);
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });

  const { xTrain, yTrain, xTest, yTest, trainSize, testSize } = digitsSplit(seed, [1, 8, 8]);

  const net = digitsCnn();
  net.initialize({ init: new Xavier(), seed });
  const lossFn = new SoftmaxCrossEntropyLoss({ labelSmoothing });
  const loader = new DataLoader(xTrain, yTrain, { batchSize, shuffle: true, seed });
  const maxUpdate = epochs * loader.length;
  const opt = new Adam(net, { lrScheduler: new CosineScheduler({ maxUpdate, baseLr: learningRate, finalLr: 0 }) });

  const bar = new ProgressBar('digits-cnn', epochs, options.progress === undefined ? process.stderr : options.progress);
  const epochLosses: number[] = [];
  const start = performance.now();
  net.train();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0;
    for (const { x, y } of loader) {
      opt.zeroGrad();
      const l = lossFn.forward(net.forward(x), y);
      const total = T.sum(l.value).item();
      l.backward();
      opt.step(x.shape[0]);
      lossSum += total;
    }
    epochLosses.push(lossSum / trainSize);
    bar.update(epoch, { loss: epochLosses[epoch - 1]! });
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;

  // Evaluation mode: BatchNorm normalises with its running statistics.
  net.eval();
  const testAccuracy = noGrad(() => accuracy(net.forward(xTest), yTest));
  const trainAccuracy = noGrad(() => accuracy(net.forward(xTrain), yTrain));
  return { testAccuracy, trainAccuracy, epochLosses, trainSize, testSize, seconds };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  const label = useBackend(flags);
  console.log(`digits-cnn: conv 32-bn-pool-conv 64-bn-pool-dense 10 on UCI digits, backend ${label}`);
  const result = await run(exampleOptions(flags));
  console.log(`train ${result.trainSize} / test ${result.testSize} samples, ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s`);
  console.log(`final train loss ${result.epochLosses.at(-1)!.toFixed(4)}, train accuracy ${(100 * result.trainAccuracy).toFixed(2)}%`);
  console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}%`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
