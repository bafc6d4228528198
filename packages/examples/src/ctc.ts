/**
 * `pnpm ctc`: reading a digit string from a noisy sequence of frames, trained with CTCLoss.
 *
 * Each sequence "writes" a string of 1 to 4 digits: every digit shows as a run of 2 or 3 frames
 * near that digit's prototype vector, runs are separated by 1 or 2 gap frames near zero, and every
 * frame gets Gaussian noise. The model (a per-frame MLP) is never told where the digits are: CTC
 * sums over every alignment of the label to the frames. Decoding is greedy: the best class per
 * frame, repeats merged, blanks dropped.
 *
 * Flags: `--backend cpu|gpujs`, `--mode`, `--epochs`, `--seed`, `--out`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { noGrad } from '@lossgraph/autograd';
import { CTCLoss } from '@lossgraph/loss';
import { Adam, Dense, Sequential, Xavier } from '@lossgraph/nn';
import { parseFlags, useBackend, type ExampleOptions, exampleOptions } from './lib/cli.js';
import { defaultOutDir, permutation } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import { linePlot } from './lib/svg.js';

/** Number of symbols (the digits 0..9); the CTC blank is class 10, the last, as in MXNet. */
export const NUM_DIGITS = 10;
const BLANK = NUM_DIGITS;
const FRAMES = 20;
const FEATURES = 16;
const MAX_LABEL = 4;

/** A batch of toy sequences. */
export interface SequenceSet {
  /** Frames, `[n, FRAMES, FEATURES]`. */
  readonly frames: T.Tensor;
  /** Labels padded with -1, `[n, MAX_LABEL]`. */
  readonly labels: T.Tensor;
  /** The digit strings. */
  readonly strings: readonly (readonly number[])[];
}

/**
 * Draws `n` sequences: digit strings and their noisy frames.
 *
 * @param n - number of sequences
 * @param seed - seed of the strings, layout and noise
 * @param noise - standard deviation of the frame noise (default 0.5)
 * @param prototypeSeed - seed of the digits' prototype vectors (shared by train and test; default 7)
 * @example `makeSequences(100, 1).strings[0]   // e.g. [3, 3, 8]`
 */
export function makeSequences(n: number, seed: number, noise = 0.5, prototypeSeed = 7): SequenceSet {
  const prototypes = T.randn([NUM_DIGITS, FEATURES], { seed: prototypeSeed }).dataSync();
  const rng = new T.Random(seed);
  const frames = new Float32Array(n * FRAMES * FEATURES);
  const labels = new Float32Array(n * MAX_LABEL).fill(-1);
  const strings: number[][] = [];
  for (let s = 0; s < n; s++) {
    const length = 1 + rng.int(MAX_LABEL);
    const digits = Array.from({ length }, () => rng.int(NUM_DIGITS));
    strings.push(digits);
    let t = rng.int(2);   // leading gap frames
    digits.forEach((d, k) => {
      labels[s * MAX_LABEL + k] = d;
      const run = 2 + rng.int(2);
      for (let r = 0; r < run; r++, t++) {
        for (let f = 0; f < FEATURES; f++) frames[(s * FRAMES + t) * FEATURES + f] = prototypes[d * FEATURES + f]!;
      }
      t += 1 + rng.int(2);   // the gap that keeps repeated digits apart
    });
    for (let i = s * FRAMES * FEATURES; i < (s + 1) * FRAMES * FEATURES; i++) frames[i]! += noise * rng.normal();
  }
  return {
    frames: T.tensor(frames, [n, FRAMES, FEATURES]),
    labels: T.tensor(labels, [n, MAX_LABEL]),
    strings,
  };
}

/**
 * Greedy CTC decoding: the best class of each frame, runs of the same class merged, blanks dropped.
 *
 * @param scores - `[n, frames, classes]` logits or probabilities
 * @param blank - the blank class (default: the last)
 * @returns one decoded string per sequence
 * @example `greedyDecode(T.tensor([[[0, 5, 1], [0, 5, 1], [0, 0, 9], [7, 0, 1]]]))   // [[1, 0]]`
 */
export function greedyDecode(scores: T.Tensor, blank = scores.shape[2]! - 1): number[][] {
  if (scores.rank !== 3) throw new RangeError(`greedyDecode: scores must be [n, frames, classes], got shape ${T.formatShape(scores.shape)}`);
  const [n, frames] = scores.shape as [number, number, number];
  const best = T.argmax(scores, 2).dataSync();
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    const decoded: number[] = [];
    let previous = -1;
    for (let t = 0; t < frames; t++) {
      const c = best[s * frames + t]!;
      if (c !== previous && c !== blank) decoded.push(c);
      previous = c;
    }
    out.push(decoded);
  }
  return out;
}

/** Options of {@link run} (default 25 epochs). */
export interface CtcOptions extends ExampleOptions {
  /** Training sequences (default 300). */
  readonly trainSize?: number;
  /** Test sequences (default 50). */
  readonly testSize?: number;
}

/** What {@link run} measured. */
export interface CtcResult {
  /** Fraction of test sequences decoded exactly. */
  readonly sequenceAccuracy: number;
  /** Mean CTC loss per epoch on the training set. */
  readonly epochLosses: readonly number[];
  /** Mean CTC loss on the test set. */
  readonly testLoss: number;
  /** The test strings and their greedy decodings. */
  readonly decoded: ReadonlyArray<{ readonly truth: readonly number[]; readonly decoded: readonly number[] }>;
  /** Training time, seconds. */
  readonly seconds: number;
  /** The files written. */
  readonly files: readonly string[];
}

/**
 * Trains the per-frame MLP (16 → 64, ReLU → 64, ReLU → 11) with CTCLoss and decodes the test set.
 *
 * @param options - see {@link CtcOptions}
 * @returns sequence accuracy, losses and decodings
 * @example
 * ```ts
 * const { sequenceAccuracy } = await run({ epochs: 8, outDir: null, progress: null });
 * ```
 */
export async function run(options: CtcOptions = {}): Promise<CtcResult> {
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });
  const epochs = intOption('ctc.run', 'epochs', options.epochs, 25);
  const seed = intOption('ctc.run', 'seed', options.seed, 0, 0);
  const train = makeSequences(intOption('ctc.run', 'trainSize', options.trainSize, 300), seed + 1);
  const test = makeSequences(intOption('ctc.run', 'testSize', options.testSize, 50), seed + 2);
  const n = train.frames.shape[0]!;
  const batchSize = 30;

  const net = new Sequential().add(
    new Dense(64, { activation: 'relu', flatten: false }),
    new Dense(64, { activation: 'relu', flatten: false }),
    new Dense(NUM_DIGITS + 1, { flatten: false }),
  );
  net.initialize({ init: new Xavier({ magnitude: 2 }), seed });
  const ctc = new CTCLoss({ layout: 'NTC', labelLayout: 'NT' });
  const opt = new Adam(net, { learningRate: 0.03 });

  const bar = new ProgressBar('ctc', epochs, options.progress === undefined ? process.stderr : options.progress);
  const epochLosses: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = permutation(n, seed * 7919 + epoch);
    let lossSum = 0;
    for (let b = 0; b < n; b += batchSize) {
      // A tidy per step frees the step's tensors at once (see the nn README).
      lossSum += T.tidy(() => {
        const idx = T.tensor(order.subarray(b, Math.min(n, b + batchSize)), undefined, 'int32');
        const x = T.gather(train.frames, idx, 0);
        const y = T.gather(train.labels, idx, 0);
        opt.zeroGrad();
        const l = ctc.forward(net.forward(x), y);
        const total = T.sum(l.value).item();
        l.backward();
        opt.step(idx.size);
        return total;
      });
    }
    epochLosses.push(lossSum / n);
    bar.update(epoch, { loss: epochLosses[epoch - 1]! });
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;

  const { testLoss, decodedStrings } = T.tidy(() => noGrad(() => {
    const scores = net.forward(test.frames);
    return { testLoss: T.mean(ctc.forward(scores, test.labels).value).item(), decodedStrings: greedyDecode(scores.value, BLANK) };
  }));
  const decoded = test.strings.map((truth, i) => ({ truth, decoded: decodedStrings[i]! }));
  const correct = decoded.filter((d) => d.truth.join() === d.decoded.join()).length;

  const files: string[] = [];
  const outDir = options.outDir === undefined ? defaultOutDir('ctc') : options.outDir;
  if (outDir !== null) {
    files.push(writeOutput(outDir, 'loss.svg', linePlot([{ name: 'train CTC loss', y: epochLosses }], {
      title: 'reading digit strings with CTC', xLabel: 'epoch', yLabel: 'mean CTC loss',
    })));
    files.push(writeOutput(outDir, 'decoded.txt', decoded.map((d) => `${d.truth.join('')}\t${d.decoded.join('')}`).join('\n') + '\n'));
  }
  return { sequenceAccuracy: correct / decoded.length, epochLosses, testLoss, decoded, seconds, files };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  console.log(`ctc: reading digit strings from noisy frames, backend ${useBackend(flags)}`);
  const result = await run(exampleOptions(flags));
  console.log(`trained ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s: train loss ${result.epochLosses.at(-1)!.toFixed(3)}, test loss ${result.testLoss.toFixed(3)}`);
  console.log('test sequences (truth -> greedy decoding):');
  for (const d of result.decoded.slice(0, 8)) {
    const ok = d.truth.join() === d.decoded.join();
    console.log(`  ${d.truth.join(' ').padEnd(8)} -> ${d.decoded.join(' ').padEnd(8)} ${ok ? 'ok' : 'WRONG'}`);
  }
  console.log(`decoded exactly: ${(100 * result.sequenceAccuracy).toFixed(1)}% of ${result.decoded.length} test sequences`);
  for (const f of result.files) console.log(`wrote ${displayPath(f)}`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
