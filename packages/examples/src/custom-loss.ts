/**
 * `pnpm custom-loss`: a new loss in a few lines. The sigmoid focal loss of Lin et al. (2017),
 * `FL = -α_t · (1 - p_t)^γ · log p_t`, is composed from autograd ops with `defineLoss` (the body of `focalLoss`); its
 * gradient (and second derivative) is checked against finite differences with `gradcheck`; then
 * it trains a one-vs-rest digits classifier, where each of the ten outputs is positive for only
 * a tenth of the samples: the imbalance focal loss was made for.
 *
 * Flags: `--backend cpu|gpujs`, `--mode`, `--epochs`, `--seed`, `--out`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { add, expm1, gradcheck, logSigmoid, mul, neg, noGrad, pow, sub, type GradcheckResult, type Variable } from '@lossgraph/autograd';
import { defineLoss, type DefinedLossOptions, type Loss, type PredLabelArgs } from '@lossgraph/loss';
import { Adam, DataLoader, Dense, Sequential, Xavier, accuracy } from '@lossgraph/nn';
import { parseFlags, useBackend, type ExampleOptions, exampleOptions } from './lib/cli.js';
import { defaultOutDir, loadDigits, stratifiedSplit, subset, type LabelledData } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import { linePlot } from './lib/svg.js';
import { trainEpochs } from './lib/train.js';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions {
  /** The focusing exponent γ ≥ 0 (default 2); 0 gives the plain binary cross-entropy. */
  readonly gamma?: number;
  /** Weight α in [0, 1] of the positives (negatives get 1 - α); null (default) for none. */
  readonly alpha?: number | null;
}

/**
 * The sigmoid focal loss: pred holds logits, label 0/1 targets of the same shape. The whole
 * definition is the elementwise formula below; `defineLoss` adds the validation of the inputs,
 * the sample weighting, the mean over the non-batch axes and a named graph node, and the tape
 * gives the gradients. With `gamma: 0, alpha: null` it is `SigmoidBinaryCrossEntropyLoss`.
 *
 * @param options - see {@link FocalLossOptions}
 * @returns the loss; call `forward(pred, label, { sampleWeight })`
 * @throws RangeError naming `gamma` or `alpha` when out of range
 * @example
 * ```ts
 * focalLoss({ gamma: 2 }).forward([[2, -1]], [[1, 0]]).toArray();   // per-sample losses
 * ```
 */
export function focalLoss(options: FocalLossOptions = {}): Loss<DefinedLossOptions<Record<never, never>>, PredLabelArgs> {
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? null;
  if (!(Number.isFinite(gamma) && gamma >= 0)) throw new RangeError(`focalLoss: option 'gamma' must be a finite number >= 0, got ${gamma}`);
  if (alpha !== null && !(alpha >= 0 && alpha <= 1)) throw new RangeError(`focalLoss: option 'alpha' must be in [0, 1] or null, got ${alpha}`);
  const FocalLoss = defineLoss('FocalLoss', (pred, label) => {
    // log p_t from log-sigmoids, so large logits neither overflow nor lose their gradient.
    const logPt = add(mul(label, logSigmoid(pred)), mul(sub(1, label), logSigmoid(neg(pred))));
    const focal = neg(mul(pow(neg(expm1(logPt)), gamma), logPt));
    return alpha === null ? focal : mul(add(mul(label, alpha), mul(sub(1, label), 1 - alpha)), focal);
  });
  return new FocalLoss();
}

/**
 * Checks the focal loss's gradient with respect to the logits (and, with `order: 2`, its second
 * derivative) against central finite differences in float64, on the cpu backend.
 *
 * @param options - `order` (1 or 2), `gamma`, `alpha`, `seed`
 * @returns gradcheck's report
 * @example `checkFocalGradient({ order: 2 }).ok   // true`
 */
export function checkFocalGradient(options: { order?: 1 | 2; gamma?: number; alpha?: number | null; seed?: number } = {}): GradcheckResult {
  const seed = options.seed ?? 0;
  const loss = focalLoss({ gamma: options.gamma ?? 2, alpha: options.alpha === undefined ? 0.25 : options.alpha });
  const logits = T.randn([4, 3], { seed, std: 2, dtype: 'float64' });
  const labels = T.cast(T.greater(T.rand([4, 3], { seed: seed + 1 }), 0.5), 'float64');
  return gradcheck((x: Variable) => loss.forward(x, labels), [logits], { order: options.order ?? 1 });
}

/** Options of {@link run} (default 15 epochs). */
export interface CustomLossOptions extends ExampleOptions {
  /** Focal loss γ (default 2). */
  readonly gamma?: number;
}

/** What {@link run} measured. */
export interface CustomLossResult {
  /** The first- and second-order gradient checks (at the training γ, with α = 0.25). */
  readonly gradcheck: { readonly order1: GradcheckResult; readonly order2: GradcheckResult };
  /** Test accuracy of the argmax of the ten one-vs-rest outputs. */
  readonly testAccuracy: number;
  /** Mean training loss per epoch. */
  readonly epochLosses: readonly number[];
  /** Training time, seconds. */
  readonly seconds: number;
  /** The files written. */
  readonly files: readonly string[];
}

function imagesOf(data: LabelledData): T.Tensor {
  return T.tensor(Float32Array.from(data.features, (v) => v / 16), [data.numSamples, data.numFeatures]);
}

/**
 * Gradchecks the focal loss, then trains a one-vs-rest digits MLP (64 → 64, ReLU → 10) with it.
 *
 * @param options - see {@link CustomLossOptions}
 * @returns the gradient checks, the accuracy and the curve
 * @example
 * ```ts
 * const { testAccuracy } = await run({ epochs: 10, outDir: null, progress: null });
 * ```
 */
export async function run(options: CustomLossOptions = {}): Promise<CustomLossResult> {
  // gradcheck needs float64, which only the cpu backend has; training then runs where asked.
  useBackend({ backend: 'cpu', mode: 'webasm' });
  const gamma = options.gamma ?? 2;
  const order1 = checkFocalGradient({ order: 1, gamma });
  const order2 = checkFocalGradient({ order: 2, gamma });
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });

  const epochs = intOption('customLoss.run', 'epochs', options.epochs, 15);
  const seed = intOption('customLoss.run', 'seed', options.seed, 0, 0);
  const data = loadDigits();
  const split = stratifiedSplit(data.labels, 0.2, seed);
  const train = subset(data, split.train);
  const test = subset(data, split.test);
  const xTrain = imagesOf(train);
  const yTrain = T.oneHot(T.tensor(train.labels, [train.numSamples], 'int32'), 10);
  const xTest = imagesOf(test);
  const yTest = T.tensor(test.labels, [test.numSamples], 'int32');

  const net = new Sequential().add(new Dense(64, { activation: 'relu' }), new Dense(10));
  net.initialize({ init: new Xavier(), seed });
  const focal = focalLoss({ gamma });
  const opt = new Adam(net, { learningRate: 0.005 });
  const loader = new DataLoader(xTrain, yTrain, { batchSize: 32, shuffle: true, seed });
  const bar = new ProgressBar('focal', epochs, options.progress === undefined ? process.stderr : options.progress);
  const { epochLosses, seconds } = trainEpochs({
    net, loss: focal, optimizer: opt, loader, epochs, samples: train.numSamples, test: { x: xTest, y: yTest }, bar,
  });
  const testAccuracy = T.tidy(() => noGrad(() => accuracy(net.forward(xTest), yTest)));

  const files: string[] = [];
  const outDir = options.outDir === undefined ? defaultOutDir('custom-loss') : options.outDir;
  if (outDir !== null) {
    files.push(writeOutput(outDir, 'focal-loss.svg', linePlot([{ name: `focal (γ=${gamma})`, y: epochLosses }], {
      title: 'one-vs-rest digits with a custom focal loss', xLabel: 'epoch', yLabel: 'mean focal loss',
    })));
  }
  return { gradcheck: { order1, order2 }, testAccuracy, epochLosses, seconds, files };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  console.log(`custom-loss: a focal loss from defineLoss, backend ${useBackend(flags)}`);
  const result = await run(exampleOptions(flags));
  const { order1, order2 } = result.gradcheck;
  console.log(`gradcheck (float64, central differences): gradient ${order1.ok ? 'ok' : 'FAILED'} (max abs error ${order1.maxAbsError.toExponential(2)}), second derivative ${order2.ok ? 'ok' : 'FAILED'} (max abs error ${order2.maxAbsError.toExponential(2)})`);
  console.log(`trained ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s: final loss ${result.epochLosses.at(-1)!.toFixed(4)}, test accuracy ${(100 * result.testAccuracy).toFixed(2)}%`);
  for (const f of result.files) console.log(`wrote ${displayPath(f)}`);
  if (!order1.ok || !order2.ok) process.exitCode = 1;
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
