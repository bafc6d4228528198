/**
 * Loading the bundled data sets (CSV, optionally gzipped) and splitting them reproducibly.
 */
import { readFileSync } from 'node:fs';
import * as T from '@lossgraph/tensor';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Random } from '@lossgraph/tensor';

/** The package root (`packages/examples`), found from this file whether it runs from `src/` or `dist/`. */
export const PACKAGE_ROOT: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The path of a bundled data file.
 * @param name - a file under `packages/examples/data/`, e.g. `'iris.csv'`
 * @example `dataPath('digits.csv.gz')`
 */
export function dataPath(name: string): string {
  return join(PACKAGE_ROOT, 'data', name);
}

/**
 * The default output directory of an example: `packages/examples/out/<example>` (gitignored).
 * @param example - the example's name
 * @example `defaultOutDir('digits')`
 */
export function defaultOutDir(example: string): string {
  return join(PACKAGE_ROOT, 'out', example);
}

/**
 * Reads a numeric CSV file (gunzipped first when its name ends in `.gz`) into rows of numbers.
 *
 * @param path - the file
 * @param options - `skipLines`: header lines to skip (default 0)
 * @returns one array of numbers per non-empty line
 * @throws Error naming the file, line and column of a value that is not a number
 * @example
 * ```ts
 * const rows = readNumericCsv(dataPath('digits.csv.gz'));   // 1797 rows of 65 numbers
 * ```
 */
export function readNumericCsv(path: string, options: { skipLines?: number } = {}): number[][] {
  const bytes = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  for (let i = options.skipLines ?? 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    rows.push(line.split(',').map((cell, j) => {
      const v = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(v)) throw new Error(`${path}: line ${i + 1}, column ${j + 1}: expected a number, got ${JSON.stringify(cell)}`);
      return v;
    }));
  }
  return rows;
}

/** A classification data set: features row-major, one integer label per sample. */
export interface LabelledData {
  /** Features, `numSamples * numFeatures` values, row-major. */
  readonly features: Float32Array;
  /** Class labels. */
  readonly labels: Int32Array;
  /** Number of samples. */
  readonly numSamples: number;
  /** Features per sample. */
  readonly numFeatures: number;
}

/**
 * Splits rows whose last column is the class into features and labels.
 * @param rows - rows of equal length, the class last
 * @throws RangeError when rows differ in length
 * @example `toLabelled([[0.1, 0.2, 1], [0.3, 0.4, 0]]).labels   // Int32Array [1, 0]`
 */
export function toLabelled(rows: readonly (readonly number[])[]): LabelledData {
  const width = rows[0]?.length ?? 0;
  if (width < 2) throw new RangeError('toLabelled: rows need at least one feature and a label');
  const numFeatures = width - 1;
  const features = new Float32Array(rows.length * numFeatures);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new RangeError(`toLabelled: row ${i} has ${row.length} columns, expected ${width}`);
    for (let j = 0; j < numFeatures; j++) features[i * numFeatures + j] = row[j]!;
    labels[i] = row[numFeatures]!;
  });
  return { features, labels, numSamples: rows.length, numFeatures };
}

/**
 * The UCI digits: 1797 images of 8x8 pixels (0..16), class 0..9.
 * @example `loadDigits().numFeatures   // 64`
 */
export function loadDigits(): LabelledData {
  return toLabelled(readNumericCsv(dataPath('digits.csv.gz')));
}

/**
 * Fisher's iris: 150 flowers, 4 measurements (cm), class 0..2.
 * @example `loadIris().numSamples   // 150`
 */
export function loadIris(): LabelledData {
  return toLabelled(readNumericCsv(dataPath('iris.csv'), { skipLines: 1 }));
}

/**
 * A seeded permutation of `0..n-1` (Fisher-Yates): the same seed gives the same order everywhere.
 * @example `permutation(5, 0)`
 */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new Random(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * A stratified, seeded train/test split: each class contributes `testFraction` of its samples
 * (rounded) to the test set, so both sets keep the class balance.
 *
 * @param labels - the class of each sample
 * @param testFraction - in (0, 1)
 * @param seed - the shuffling seed
 * @returns sample indices of the two sets
 * @throws RangeError for a fraction outside (0, 1)
 * @example `const { train, test } = stratifiedSplit(data.labels, 0.2, 0);`
 */
export function stratifiedSplit(labels: Int32Array, testFraction: number, seed: number): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`stratifiedSplit: testFraction must be in (0, 1), got ${testFraction}`);
  const order = permutation(labels.length, seed);
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(key)!;
    const nTest = Math.round(list.length * testFraction);
    test.push(...list.slice(0, nTest));
    train.push(...list.slice(nTest));
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * The rows `indices` of a data set, as a new data set.
 * @example `const testSet = subset(data, test);`
 */
export function subset(data: LabelledData, indices: Int32Array): LabelledData {
  const f = data.numFeatures;
  const features = new Float32Array(indices.length * f);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, dst) => {
    features.set(data.features.subarray(src * f, src * f + f), dst * f);
    labels[dst] = data.labels[src]!;
  });
  return { features, labels, numSamples: indices.length, numFeatures: f };
}

/** The digits as tensors for one split: images scaled from 0..16 to 0..1, labels as int32. */
export interface DigitsSplit {
  /** Training images, `[n, ...imageShape]`. */
  readonly xTrain: T.Tensor;
  /** Training labels, `[n]`. */
  readonly yTrain: T.Tensor;
  /** Test images. */
  readonly xTest: T.Tensor;
  /** Test labels. */
  readonly yTest: T.Tensor;
  /** Number of training samples. */
  readonly trainSize: number;
  /** Number of test samples. */
  readonly testSize: number;
}

/**
 * The UCI digits in the seeded, stratified 80/20 split every digits example trains on.
 *
 * @param seed - the split's seed
 * @param imageShape - the shape of one image: `[64]` for an MLP, `[1, 8, 8]` for a CNN
 * @example
 * ```ts
 * const { xTrain, yTrain } = digitsSplit(0, [1, 8, 8]);   // [1437, 1, 8, 8] and [1437]
 * ```
 */
export function digitsSplit(seed: number, imageShape: readonly number[]): DigitsSplit {
  const data = loadDigits();
  const split = stratifiedSplit(data.labels, 0.2, seed);
  const part = (indices: Int32Array): { x: T.Tensor; y: T.Tensor; n: number } => {
    const d = subset(data, indices);
    return {
      x: T.tensor(Float32Array.from(d.features, (v) => v / 16), [d.numSamples, ...imageShape]),
      y: T.tensor(d.labels, [d.numSamples], 'int32'),
      n: d.numSamples,
    };
  };
  const train = part(split.train);
  const test = part(split.test);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, trainSize: train.n, testSize: test.n };
}
