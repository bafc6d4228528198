/**
 * `pnpm digits`: an MLP classifies the UCI 8x8 handwritten digits. Trains on a fixed, seeded,
 * stratified 80/20 split, shows a progress bar, reports test accuracy, and writes the loss curve
 * (SVG) and the graph of one training step (DOT).
 *
 * Flags: `--backend cpu|gpujs`, `--mode <gpujs mode>` (default webasm), `--epochs`, `--seed`,
 * `--out <dir>`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { noGrad } from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { Adam, DataLoader, Dense, Sequential, Xavier, accuracy } from '@lossgraph/nn';
import { parseFlags, useBackend, type ExampleOptions, exampleOptions } from './lib/cli.js';
import { digitsSplit, defaultOutDir } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption, positiveOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import { linePlot } from './lib/svg.js';
import { graphDot } from './lib/graph.js';
import { trainEpochs, type DigitsRunResult } from './lib/train.js';

/** Options of {@link run} (default 20 epochs). */
export interface DigitsOptions extends ExampleOptions {
  /** Samples per mini-batch (default 32). */
  readonly batchSize?: number;
  /** Adam's learning rate (default 0.003). */
  readonly learningRate?: number;
  /** Hidden units (default 128). */
  readonly hidden?: number;
}

/** What {@link run} measured. */
export interface DigitsResult extends DigitsRunResult {
  /** The files written. */
  readonly files: readonly string[];
}


/**
 * Trains the digits MLP (64 → 128, ReLU → 10) with Adam and softmax cross-entropy.
 *
 * @param options - see {@link DigitsOptions}
 * @returns accuracies, losses, time and the files written
 * @example
 * ```ts
 * const { testAccuracy } = await run({ epochs: 20, outDir: null, progress: null });
 * ```
 */
export async function run(options: DigitsOptions = {}): Promise<DigitsResult> {
  const epochs = intOption('digits.run', 'epochs', options.epochs, 20);
  const seed = intOption('digits.run', 'seed', options.seed, 0, 0);
  const batchSize = intOption('digits.run', 'batchSize', options.batchSize, 32);
  const hidden = intOption('digits.run', 'hidden', options.hidden, 128);
  const learningRate = positiveOption('digits.run', 'learningRate', options.learningRate, 0.003);
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });

  const { xTrain, yTrain, xTest, yTest, trainSize, testSize } = digitsSplit(seed, [64]);

  const net = new Sequential().add(new Dense(hidden, { activation: 'relu' }), new Dense(10));
  net.initialize({ init: new Xavier(), seed });
  const lossFn = new SoftmaxCrossEntropyLoss();
  const opt = new Adam(net, { learningRate });
  const loader = new DataLoader(xTrain, yTrain, { batchSize, shuffle: true, seed });

  const outDir = options.outDir === undefined ? defaultOutDir('digits') : options.outDir;
  const bar = new ProgressBar('digits', epochs, options.progress === undefined ? process.stderr : options.progress);
  // Drawn on the first step, right after its backward pass, so the nodes carry their gradients.
  let stepDot: string | null = null;
  const { epochLosses, seconds } = trainEpochs({
    net, loss: lossFn, optimizer: opt, loader, epochs, samples: trainSize, test: { x: xTest, y: yTest }, bar,
    afterBackward: (l) => {
      if (stepDot === null && outDir !== null) stepDot = graphDot(l);
    },
  });

  const testAccuracy = T.tidy(() => noGrad(() => accuracy(net.forward(xTest), yTest)));
  const trainAccuracy = T.tidy(() => noGrad(() => accuracy(net.forward(xTrain), yTrain)));

  const files: string[] = [];
  if (outDir !== null) {
    files.push(writeOutput(outDir, 'loss.svg', linePlot([{ name: 'train loss', y: epochLosses }], {
      title: 'digits MLP: mean training loss per epoch', xLabel: 'epoch', yLabel: 'softmax cross-entropy',
    })));
    if (stepDot !== null) files.push(writeOutput(outDir, 'step-graph.dot', stepDot));
  }
  return { testAccuracy, trainAccuracy, epochLosses, trainSize, testSize, seconds, files };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  const label = useBackend(flags);
  console.log(`digits: MLP 64-128-10 on UCI digits, backend ${label}`);
  const result = await run(exampleOptions(flags));
  console.log(`train ${result.trainSize} / test ${result.testSize} samples, ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s`);
  console.log(`final train loss ${result.epochLosses.at(-1)!.toFixed(4)}, train accuracy ${(100 * result.trainAccuracy).toFixed(2)}%, test accuracy ${(100 * result.testAccuracy).toFixed(2)}%`);
  for (const f of result.files) console.log(`wrote ${displayPath(f)}`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
