/**
 * Mini-batches over in-memory arrays (Gluon's `DataLoader` over an `ArrayDataset`).
 */
import * as T from '@lossgraph/tensor';
import type { Tensor, TensorLike } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';
import { seedSchema } from './options.js';

/**
 * Zod schema of {@link DataLoaderOptions}.
 * @example
 * ```ts
 * DataLoaderOptionsSchema.parse({ batchSize: 32 }).lastBatch   // 'keep'
 * ```
 */
export const DataLoaderOptionsSchema = z.strictObject({
  /** Samples per batch (a positive integer). */
  batchSize: z.number().check(z.int(), z.positive()),
  /** Visit the samples in a new random order every epoch (default false). */
  shuffle: z._default(z.boolean(), false),
  /**
   * Seed of the shuffling: the sequence of epoch orders is the same on every run. Omitted, it is
   * drawn from the tensor package's global stream when the loader is made (see `setSeed`).
   */
  seed: z.optional(seedSchema),
  /** What to do with a final batch smaller than `batchSize`: `'keep'` it (default) or `'discard'` it. */
  lastBatch: z._default(z.enum(['keep', 'discard']), 'keep'),
});

/**
 * Options of {@link DataLoader}.
 * @example
 * ```ts
 * const options: DataLoaderOptions = { batchSize: 64, shuffle: true, seed: 0 };
 * ```
 */
export type DataLoaderOptions = z.input<typeof DataLoaderOptionsSchema>;

/**
 * One mini-batch: the inputs and the labels of the same samples, batch axis first.
 * @example
 * ```ts
 * for (const { x, y }: Batch of loader) net.forward(x);
 * ```
 */
export interface Batch {
  /** Inputs, `[batch, ...]`. */
  readonly x: Tensor;
  /** Labels, `[batch, ...]`. */
  readonly y: Tensor;
}

/**
 * Iterates over `(x, y)` in mini-batches along the first axis. Each `for..of` is one epoch; with
 * `shuffle`, each epoch draws a new order from the loader's own seeded generator, so a loader made
 * with the same seed yields the same batches in the same epochs. A batch's tensors are disposed
 * when the next batch is drawn (or the loop ends): read what you need inside the loop body, or
 * `keep()` a batch to hold it longer (and dispose it yourself).
 *
 * @example
 * ```ts
 * const loader = new DataLoader(images, labels, { batchSize: 64, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   for (const { x, y } of loader) { ... }
 * }
 * ```
 */
export class DataLoader implements Iterable<Batch> {
  /** The inputs, all samples. */
  readonly x: Tensor;
  /** The labels, all samples. */
  readonly y: Tensor;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** The final partial batch policy. */
  readonly lastBatch: 'keep' | 'discard';
  private readonly rng: T.Random;

  /**
   * @param x - inputs: a Tensor or nested arrays, samples along the first axis
   * @param y - labels: a Tensor or arrays with as many samples as `x`
   * @param options - {@link DataLoaderOptions}: `batchSize` (required), `shuffle`, `seed`, `lastBatch`
   * @throws TypeError for bad options; RangeError when x and y hold different numbers of samples
   */
  constructor(x: TensorLike, y: TensorLike, options: DataLoaderOptions) {
    const parsed = parseOptions('DataLoader', DataLoaderOptionsSchema, options);
    this.x = T.toTensor(x, 'x');
    this.y = T.toTensor(y, 'y');
    if (this.x.rank === 0) throw new RangeError('DataLoader: x must have a sample axis first, got a scalar');
    if (this.y.rank === 0) throw new RangeError('DataLoader: y must have a sample axis first, got a scalar');
    if (this.x.shape[0] !== this.y.shape[0]) {
      throw new RangeError(`DataLoader: x has ${this.x.shape[0]} samples (shape ${T.formatShape(this.x.shape)}) but y has ${this.y.shape[0]} (shape ${T.formatShape(this.y.shape)})`);
    }
    this.batchSize = parsed.batchSize;
    this.shuffle = parsed.shuffle;
    this.lastBatch = parsed.lastBatch;
    const seed = parsed.seed ?? Math.floor(T.rand([1]).item() * 0x7fffffff);
    this.rng = new T.Random(seed);
  }

  /** Number of samples. */
  get numSamples(): number {
    return this.x.shape[0]!;
  }

  /** Number of batches per epoch. */
  get length(): number {
    return this.lastBatch === 'keep' ? Math.ceil(this.numSamples / this.batchSize) : Math.floor(this.numSamples / this.batchSize);
  }

  /** One epoch of batches. The order is fixed when the epoch starts. */
  *[Symbol.iterator](): Iterator<Batch> {
    const n = this.numSamples;
    const order = this.shuffle ? this.permutation(n) : null;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      let batch: Batch;
      if (order === null) {
        batch = { x: T.slice(this.x, [start], [size]), y: T.slice(this.y, [start], [size]) };
      } else {
        const idx = T.tensor(order.subarray(start, start + size), [size], 'int32');
        batch = { x: T.gather(this.x, idx, 0), y: T.gather(this.y, idx, 0) };
        idx.dispose();
      }
      try {
        yield batch;
      } finally {
        // The batch is done with when the next one is drawn or the loop ends (a break included):
        // on gpujs its two textures would otherwise wait for the garbage collector.
        // (A slice of every sample may be the loader's own tensor: that one stays.)
        for (const t of [batch.x, batch.y]) if (t !== this.x && t !== this.y && !T.isKept(t)) t.dispose();
      }
    }
  }

  /** A Fisher-Yates shuffle of 0..n-1 from the loader's generator. */
  private permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    return order;
  }
}
