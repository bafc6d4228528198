/**
 * `pnpm triplet`: a 2-D embedding of Fisher's iris flowers learned with TripletLoss. Each anchor
 * is paired with a random flower of its species (positive) and one of another species
 * (negative); the loss pulls positives within `margin` of the anchor relative to negatives. The
 * embedding is then judged by nearest-centroid classification of held-out flowers, and drawn.
 *
 * Flags: `--backend cpu|gpujs`, `--mode`, `--epochs`, `--seed`, `--out`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { noGrad } from '@lossgraph/autograd';
import { TripletLoss } from '@lossgraph/loss';
import { Adam, Dense, Sequential, Xavier } from '@lossgraph/nn';
import { parseFlags, useBackend, type ExampleOptions, exampleOptions } from './lib/cli.js';
import { defaultOutDir, loadIris, permutation, stratifiedSplit, subset, type LabelledData } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption, positiveOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import { scatterPlot } from './lib/svg.js';

/** The iris species, by class index. */
export const SPECIES: readonly string[] = ['setosa', 'versicolor', 'virginica'];

/** Options of {@link run} (default 60 epochs). */
export interface TripletOptions extends ExampleOptions {
  /** TripletLoss margin (default 1). */
  readonly margin?: number;
}

/** What {@link run} measured. */
export interface TripletResult {
  /** Nearest-centroid accuracy of the held-out flowers (centroids from the training flowers). */
  readonly testAccuracy: number;
  /** Nearest-centroid accuracy of the training flowers. */
  readonly trainAccuracy: number;
  /** Mean triplet loss per epoch. */
  readonly epochLosses: readonly number[];
  /** The 2-D embedding of every flower, `[150][2]`. */
  readonly embedding: readonly (readonly [number, number])[];
  /** The class of every flower. */
  readonly labels: readonly number[];
  /** Training time, seconds. */
  readonly seconds: number;
  /** The files written. */
  readonly files: readonly string[];
}

/**
 * Nearest-centroid classification: each query point takes the class of the closest class mean of
 * the reference points.
 *
 * @param reference - reference points, `[n][d]`
 * @param referenceLabels - their classes
 * @param queries - points to classify, `[m][d]`
 * @param queryLabels - their true classes
 * @returns the fraction classified correctly
 * @example `nearestCentroidAccuracy([[0], [2]], [0, 1], [[0.4], [1.9]], [0, 1])   // 1`
 */
export function nearestCentroidAccuracy(
  reference: readonly (readonly number[])[], referenceLabels: readonly number[],
  queries: readonly (readonly number[])[], queryLabels: readonly number[],
): number {
  const sums = new Map<number, { sum: number[]; count: number }>();
  reference.forEach((p, i) => {
    const entry = sums.get(referenceLabels[i]!) ?? { sum: p.map(() => 0), count: 0 };
    p.forEach((v, k) => (entry.sum[k]! += v));
    entry.count++;
    sums.set(referenceLabels[i]!, entry);
  });
  const centroids = [...sums].map(([label, { sum, count }]) => ({ label, at: sum.map((v) => v / count) }));
  let correct = 0;
  queries.forEach((q, i) => {
    let best = -1;
    let bestDistance = Infinity;
    for (const c of centroids) {
      const d = c.at.reduce((acc, v, k) => acc + (v - q[k]!) ** 2, 0);
      if (d < bestDistance) [best, bestDistance] = [c.label, d];
    }
    if (best === queryLabels[i]) correct++;
  });
  return queries.length === 0 ? NaN : correct / queries.length;
}

/** Features standardised with the training set's mean and spread, so no measurement dominates. */
function standardise(train: LabelledData, all: LabelledData): Float32Array[] {
  const f = train.numFeatures;
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < train.numSamples; i++) for (let k = 0; k < f; k++) mean[k]! += train.features[i * f + k]! / train.numSamples;
  for (let i = 0; i < train.numSamples; i++) for (let k = 0; k < f; k++) sq[k]! += (train.features[i * f + k]! - mean[k]!) ** 2 / train.numSamples;
  return [train, all].map((d) => Float32Array.from(d.features, (v, j) => (v - mean[j % f]!) / Math.sqrt(sq[j % f]! + 1e-12)));
}

function rows(t: T.Tensor): number[][] {
  return t.toArray() as number[][];
}

/**
 * Learns the 2-D embedding (4 → 32, ReLU → 2) with TripletLoss on a stratified 80/20 split.
 *
 * @param options - see {@link TripletOptions}
 * @returns nearest-centroid accuracies, losses and the embedding
 * @example
 * ```ts
 * const { testAccuracy } = await run({ outDir: null, progress: null });
 * ```
 */
export async function run(options: TripletOptions = {}): Promise<TripletResult> {
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });
  const epochs = intOption('triplet.run', 'epochs', options.epochs, 60);
  const seed = intOption('triplet.run', 'seed', options.seed, 0, 0);
  const margin = positiveOption('triplet.run', 'margin', options.margin, 1);
  const iris = loadIris();
  const split = stratifiedSplit(iris.labels, 0.2, seed);
  const train = subset(iris, split.train);
  const [trainFeatures, allFeatures] = standardise(train, iris) as [Float32Array, Float32Array];
  const xTrain = T.tensor(trainFeatures, [train.numSamples, 4]);
  const xAll = T.tensor(allFeatures, [iris.numSamples, 4]);

  const net = new Sequential().add(new Dense(32, { activation: 'relu' }), new Dense(2));
  net.initialize({ init: new Xavier(), seed });
  const triplet = new TripletLoss({ margin });
  const opt = new Adam(net, { learningRate: 0.01 });

  const byClass = SPECIES.map((_, c) => Array.from(train.labels.keys()).filter((i) => train.labels[i] === c));
  const rng = new T.Random(seed + 1);
  const draw = (list: readonly number[]): number => list[rng.int(list.length)]!;
  const n = train.numSamples;
  const batchSize = 24;
  const bar = new ProgressBar('triplet', epochs, options.progress === undefined ? process.stderr : options.progress);
  const epochLosses: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = permutation(n, seed * 31 + epoch);
    let lossSum = 0;
    for (let b = 0; b < n; b += batchSize) {
      const anchors = Array.from(order.subarray(b, Math.min(n, b + batchSize)));
      const positives = anchors.map((a) => draw(byClass[train.labels[a]!]!.filter((i) => i !== a)));
      const negatives = anchors.map((a) => draw(byClass.filter((_, c) => c !== train.labels[a]).flat()));
      const embed = (idx: number[]) => net.forward(T.gather(xTrain, T.tensor(Int32Array.from(idx), [idx.length], 'int32'), 0));
      // A tidy per step frees the step's tensors at once (see the nn README).
      lossSum += T.tidy(() => {
        opt.zeroGrad();
        const l = triplet.forward(embed(anchors), embed(positives), embed(negatives));
        const total = T.sum(l.value).item();
        l.backward();
        opt.step(anchors.length);
        return total;
      });
    }
    epochLosses.push(lossSum / n);
    bar.update(epoch, { loss: epochLosses[epoch - 1]! });
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;

  const embedding = T.tidy(() => noGrad(() => rows(net.forward(xAll).value))) as [number, number][];
  const labels = Array.from(iris.labels);
  const isTest = new Set(split.test);
  const pick = (wantTest: boolean) => {
    const idx = labels.map((_, i) => i).filter((i) => isTest.has(i) === wantTest);
    return { points: idx.map((i) => embedding[i]!), labels: idx.map((i) => labels[i]!) };
  };
  const trainSet = pick(false);
  const testSet = pick(true);
  const testAccuracy = nearestCentroidAccuracy(trainSet.points, trainSet.labels, testSet.points, testSet.labels);
  const trainAccuracy = nearestCentroidAccuracy(trainSet.points, trainSet.labels, trainSet.points, trainSet.labels);

  const files: string[] = [];
  const outDir = options.outDir === undefined ? defaultOutDir('triplet') : options.outDir;
  if (outDir !== null) {
    files.push(writeOutput(outDir, 'embedding.svg', scatterPlot(
      embedding.map(([x, y], i) => ({ x, y, group: labels[i]! })),
      SPECIES,
      { title: `iris embedded in 2-D by TripletLoss (held-out nearest-centroid accuracy ${(100 * testAccuracy).toFixed(1)}%)`, xLabel: 'embedding 1', yLabel: 'embedding 2', width: 720, height: 520 },
    )));
  }
  return { testAccuracy, trainAccuracy, epochLosses, embedding, labels, seconds, files };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  console.log(`triplet: a 2-D embedding of iris with TripletLoss, backend ${useBackend(flags)}`);
  const result = await run(exampleOptions(flags));
  console.log(`trained ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s: final triplet loss ${result.epochLosses.at(-1)!.toFixed(4)}`);
  console.log(`nearest-centroid accuracy in the embedding: train ${(100 * result.trainAccuracy).toFixed(1)}%, held-out ${(100 * result.testAccuracy).toFixed(1)}%`);
  for (const f of result.files) console.log(`wrote ${displayPath(f)}`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
