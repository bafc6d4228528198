/**
 * `pnpm ctc`: reading variable-length digit strings from noisy frames, trained with CTCLoss, the
 * test set decoded greedily and by prefix beam search.
 *
 * The data ({@link makeSequences}): each digit has a fixed "glyph", three frame vectors in a row
 * (think of a pen stroke drawn over time). A sequence writes 1 to {@link MAX_LABEL} digits, each
 * glyph stretched over 3 or 4 frames, with 0 to 2 gap frames between digits; the frames are scaled
 * by a random gain per sequence and get Gaussian noise; what is left of the {@link FRAMES} frames
 * is padding, and `predLengths` tells the loss and the decoders where each sequence ends. Since
 * digits may touch (no gap), a repeated digit ("5 5") shows only as a glyph starting over, and the
 * model must put a blank between the two 5s: a per-frame classifier cannot read these.
 *
 * The model: Conv1D(32, kernel 5, padding 2, ReLU) over the frames (a glyph's local shape), a GRU
 * of 48 units over time (where one glyph ends and the next starts), and a Dense(11) per frame:
 * the scores of the ten digits and the blank. It is never told where the digits are: CTC sums over
 * every alignment of the label to the frames.
 *
 * Flags: `--backend cpu|gpujs`, `--mode`, `--epochs`, `--seed`, `--out`, `--quiet`.
 */
import * as T from '@lossgraph/tensor';
import { noGrad, transpose, type Variable, type VariableLike } from '@lossgraph/autograd';
import { CTCLoss, ctcBeamSearch, ctcGreedyDecode } from '@lossgraph/loss';
import { Adam, Block, Conv1D, Dense, GRU, Xavier } from '@lossgraph/nn';
import { parseFlags, useBackend, type ExampleOptions, exampleOptions } from './lib/cli.js';
import { defaultOutDir, permutation } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption, positiveOption } from './lib/validate.js';
import { ProgressBar } from './lib/progress.js';
import { linePlot } from './lib/svg.js';

/** Number of symbols (the digits 0..9); the CTC blank is class 10, the last, as in MXNet. */
export const NUM_DIGITS = 10;
/** Frames per sequence, padding included. */
export const FRAMES = 32;
/** Features per frame. */
export const FEATURES = 12;
/** The longest digit string. */
export const MAX_LABEL = 5;
const GLYPH_ROWS = 3;

/** A batch of toy sequences. */
export interface SequenceSet {
  /** Frames, channels first as Conv1D reads them: `[n, FEATURES, FRAMES]`, zero after each sequence's end. */
  readonly frames: T.Tensor;
  /** Labels padded with -1, `[n, MAX_LABEL]`. */
  readonly labels: T.Tensor;
  /** Number of frames each sequence uses (the rest is padding), `[n]` int32. */
  readonly lengths: T.Tensor;
  /** The digit strings. */
  readonly strings: readonly (readonly number[])[];
}

/**
 * Draws `n` sequences: digit strings and their noisy frames.
 *
 * @param n - number of sequences
 * @param seed - seed of the strings, durations, gaps, gains and noise
 * @param noise - standard deviation of the frame noise (default 0.8; a glyph row has unit variance per feature)
 * @param glyphSeed - seed of the digits' glyphs (shared by train and test; default 7)
 * @example `makeSequences(100, 1).strings[0]   // e.g. [3, 3, 8]`
 */
export function makeSequences(n: number, seed: number, noise = 0.8, glyphSeed = 7): SequenceSet {
  const glyphs = T.randn([NUM_DIGITS, GLYPH_ROWS, FEATURES], { seed: glyphSeed }).dataSync();
  const rng = new T.Random(seed);
  const frames = new Float32Array(n * FEATURES * FRAMES);
  const labels = new Float32Array(n * MAX_LABEL).fill(-1);
  const lengths = new Int32Array(n);
  const strings: number[][] = [];
  for (let s = 0; s < n; s++) {
    const length = 1 + rng.int(MAX_LABEL);
    // One digit in three repeats the one before, so that touching repeats are common.
    const digits: number[] = [];
    for (let k = 0; k < length; k++) digits.push(k > 0 && rng.int(3) === 0 ? digits[k - 1]! : rng.int(NUM_DIGITS));
    strings.push(digits);
    const gain = 0.7 + 0.6 * rng.next();
    const base = s * FEATURES * FRAMES;
    let t = rng.int(3);   // leading gap frames
    digits.forEach((d, k) => {
      labels[s * MAX_LABEL + k] = d;
      const duration = 3 + rng.int(2);
      for (let r = 0; r < duration; r++, t++) {
        // The glyph stretched over the duration: frame r shows row floor(r · rows / duration).
        const row = Math.floor((r * GLYPH_ROWS) / duration);
        for (let f = 0; f < FEATURES; f++) frames[base + f * FRAMES + t] = gain * glyphs[(d * GLYPH_ROWS + row) * FEATURES + f]!;
      }
      if (k < length - 1) t += rng.int(3);   // 0, 1 or 2 gap frames: touching digits are common
    });
    t = Math.min(FRAMES, t + rng.int(3));   // trailing gap frames
    lengths[s] = t;
    for (let f = 0; f < FEATURES; f++) {
      for (let u = 0; u < t; u++) frames[base + f * FRAMES + u]! += noise * rng.normal();
    }
  }
  return {
    frames: T.tensor(frames, [n, FEATURES, FRAMES]),
    labels: T.tensor(labels, [n, MAX_LABEL]),
    lengths: T.tensor(lengths, [n], 'int32'),
    strings,
  };
}

/**
 * The Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`.
 *
 * @param a - a sequence
 * @param b - another sequence
 * @returns the distance
 * @example `editDistance([1, 2, 3], [1, 3, 3, 4])   // 2`
 */
export function editDistance(a: readonly number[], b: readonly number[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The encoder: Conv1D over the frames, a GRU over time, a Dense per frame, mapping
 * `[N, FEATURES, FRAMES]` to per-frame scores `[N, FRAMES, NUM_DIGITS + 1]` (the blank last).
 *
 * @example
 * ```ts
 * const net = new CtcEncoder();
 * net.initialize({ init: new Xavier({ magnitude: 2 }), seed: 0 });
 * net.forward(makeSequences(4, 1).frames).shape;   // [4, 32, 11]
 * ```
 */
export class CtcEncoder extends Block {
  private readonly conv = this.registerChild(new Conv1D(32, { kernelSize: 5, padding: 2, activation: 'relu', inChannels: FEATURES }));
  private readonly gru = this.registerChild(new GRU(48, { layout: 'NTC', inputSize: 32 }));
  private readonly output = this.registerChild(new Dense(NUM_DIGITS + 1, { flatten: false, inUnits: 48 }));

  override get kind(): string {
    return 'ctcencoder';
  }

  /**
   * @param x - frames, `[N, FEATURES, FRAMES]`
   * @returns per-frame scores, `[N, FRAMES, NUM_DIGITS + 1]`
   */
  forward(x: VariableLike): Variable {
    // Conv1D reads channels first; the GRU and the loss read time before features.
    return this.output.forward(this.gru.forward(transpose(this.conv.forward(x), [0, 2, 1])));
  }
}

/** Options of {@link run} (default 15 epochs). */
export interface CtcOptions extends ExampleOptions {
  /** Training sequences (default 1000). */
  readonly trainSize?: number;
  /** Test sequences (default 300). */
  readonly testSize?: number;
  /** Beam width of the beam-search decoding (default 8). */
  readonly beamWidth?: number;
  /** Sequences per mini-batch (default 64). */
  readonly batchSize?: number;
  /** Standard deviation of the frame noise (default 0.8; see {@link makeSequences}). */
  readonly noise?: number;
}

/** How well one decoder read the test set. */
export interface DecoderScore {
  /** Fraction of test strings decoded exactly. */
  readonly sequenceAccuracy: number;
  /** Label error rate: the summed edit distances over the summed true lengths. */
  readonly labelErrorRate: number;
  /** The decoded strings, in test order. */
  readonly decoded: readonly (readonly number[])[];
}

/** What {@link run} measured. */
export interface CtcResult {
  /** Greedy (best path) decoding of the test set. */
  readonly greedy: DecoderScore;
  /** Prefix beam search decoding of the test set. */
  readonly beam: DecoderScore;
  /** The true test strings. */
  readonly truth: readonly (readonly number[])[];
  /** Mean CTC loss per epoch on the training set. */
  readonly epochLosses: readonly number[];
  /** Mean CTC loss on the test set. */
  readonly testLoss: number;
  /** Training time, seconds. */
  readonly seconds: number;
  /** The files written. */
  readonly files: readonly string[];
}

function score(truth: readonly (readonly number[])[], decoded: number[][]): DecoderScore {
  let exact = 0;
  let errors = 0;
  let total = 0;
  truth.forEach((t, i) => {
    const distance = editDistance(t, decoded[i]!);
    if (distance === 0) exact++;
    errors += distance;
    total += t.length;
  });
  return { sequenceAccuracy: exact / truth.length, labelErrorRate: errors / total, decoded };
}

/**
 * Trains the Conv1D + GRU encoder with CTCLoss and decodes the test set greedily and by beam search.
 *
 * @param options - see {@link CtcOptions}
 * @returns both decoders' scores, losses and time
 * @example
 * ```ts
 * const { greedy, beam } = await run({ epochs: 8, outDir: null, progress: null });
 * ```
 */
export async function run(options: CtcOptions = {}): Promise<CtcResult> {
  const epochs = intOption('ctc.run', 'epochs', options.epochs, 15);
  const seed = intOption('ctc.run', 'seed', options.seed, 0, 0);
  const trainSize = intOption('ctc.run', 'trainSize', options.trainSize, 1000);
  const testSize = intOption('ctc.run', 'testSize', options.testSize, 300);
  const beamWidth = intOption('ctc.run', 'beamWidth', options.beamWidth, 8);
  const batchSize = intOption('ctc.run', 'batchSize', options.batchSize, 64);
  const noise = positiveOption('ctc.run', 'noise', options.noise, 0.8);
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });
  const train = makeSequences(trainSize, seed + 1, noise);
  const test = makeSequences(testSize, seed + 2, noise);

  const net = new CtcEncoder();
  net.initialize({ init: new Xavier({ magnitude: 2 }), seed });
  const ctc = new CTCLoss({ layout: 'NTC', labelLayout: 'NT' });
  const opt = new Adam(net, { learningRate: 0.01 });

  const bar = new ProgressBar('ctc', epochs, options.progress === undefined ? process.stderr : options.progress);
  const epochLosses: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // A half cosine from the initial rate towards 0 over the epochs.
    opt.setLearningRate(0.01 * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs)));
    const order = permutation(trainSize, seed * 7919 + epoch);
    let lossSum = 0;
    for (let b = 0; b < trainSize; b += batchSize) {
      // A tidy per step frees the step's tensors at once (see the nn README).
      lossSum += T.tidy(() => {
        const idx = T.tensor(order.subarray(b, Math.min(trainSize, b + batchSize)), undefined, 'int32');
        opt.zeroGrad();
        const l = ctc.forward(net.forward(T.gather(train.frames, idx, 0)), T.gather(train.labels, idx, 0), {
          predLengths: T.gather(train.lengths, idx, 0),
        });
        const total = T.sum(l.value).item();
        l.backward();
        opt.step(idx.size);
        return total;
      });
    }
    epochLosses.push(lossSum / trainSize);
    bar.update(epoch, { loss: epochLosses[epoch - 1]! });
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;

  const { testLoss, greedyStrings, beamStrings } = T.tidy(() => noGrad(() => {
    const scores = net.forward(test.frames);
    return {
      testLoss: T.mean(ctc.forward(scores, test.labels, { predLengths: test.lengths }).value).item(),
      greedyStrings: ctcGreedyDecode(scores, { predLengths: test.lengths }),
      beamStrings: ctcBeamSearch(scores, { beamWidth, predLengths: test.lengths }),
    };
  }));
  const greedy = score(test.strings, greedyStrings);
  const beam = score(test.strings, beamStrings);

  const files: string[] = [];
  const outDir = options.outDir === undefined ? defaultOutDir('ctc') : options.outDir;
  if (outDir !== null) {
    files.push(writeOutput(outDir, 'loss.svg', linePlot([{ name: 'train CTC loss', y: epochLosses }], {
      title: 'reading digit strings with CTC', xLabel: 'epoch', yLabel: 'mean CTC loss',
    })));
    const rows = test.strings.map((t, i) => `${t.join('')}\t${greedyStrings[i]!.join('')}\t${beamStrings[i]!.join('')}`);
    files.push(writeOutput(outDir, 'decoded.txt', `truth\tgreedy\tbeam\n${rows.join('\n')}\n`));
  }
  return { greedy, beam, truth: test.strings, epochLosses, testLoss, seconds, files };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  console.log(`ctc: reading digit strings from noisy frames (Conv1D + GRU, CTCLoss), backend ${useBackend(flags)}`);
  const result = await run(exampleOptions(flags));
  console.log(`trained ${result.epochLosses.length} epochs in ${result.seconds.toFixed(1)} s: train loss ${result.epochLosses.at(-1)!.toFixed(3)}, test loss ${result.testLoss.toFixed(3)}`);
  // One column per reading, a wrong one marked with '*'.
  const width = 2 * MAX_LABEL + 2;
  const cell = (s: readonly number[], truth: readonly number[]): string =>
    `${s.length === 0 ? '-' : s.join(' ')}${editDistance(truth, s) === 0 ? '' : ' *'}`.padEnd(width);
  console.log(`test strings: ${'truth'.padEnd(width)}${'greedy'.padEnd(width)}beam   (* wrong)`);
  result.truth.slice(0, 10).forEach((t, i) => {
    console.log(`              ${cell(t, t)}${cell(result.greedy.decoded[i]!, t)}${cell(result.beam.decoded[i]!, t)}`);
  });
  for (const [name, s] of [['greedy', result.greedy], ['beam search', result.beam]] as const) {
    console.log(`${name.padEnd(11)}: ${(100 * s.sequenceAccuracy).toFixed(1)}% of ${result.truth.length} test strings exact, label error rate ${(100 * s.labelErrorRate).toFixed(2)}%`);
  }
  for (const f of result.files) console.log(`wrote ${displayPath(f)}`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
