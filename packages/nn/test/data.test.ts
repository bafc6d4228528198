import { describe, expect, it } from 'vitest';
import { setSeed, tensor } from '@lossgraph/tensor';
import { DataLoader } from '@lossgraph/nn';

// 10 samples: x[i] = [i, 10 i], y[i] = i, so pairing is easy to check.
const xs = Array.from({ length: 10 }, (_, i) => [i, 10 * i]);
const ys = Array.from({ length: 10 }, (_, i) => i);

function epoch(loader: DataLoader): { x: number[][][]; y: number[][] } {
  const x: number[][][] = [];
  const y: number[][] = [];
  for (const batch of loader) {
    x.push(batch.x.toArray() as number[][]);
    y.push(batch.y.toArray() as number[]);
  }
  return { x, y };
}

describe('DataLoader', () => {
  it('batches in order and keeps the last partial batch by default', () => {
    const loader = new DataLoader(xs, ys, { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(loader.numSamples).toBe(10);
    const { x, y } = epoch(loader);
    expect(y).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(x[2]).toEqual([[8, 80], [9, 90]]);
  });

  it("drops the last partial batch with lastBatch: 'discard'", () => {
    const loader = new DataLoader(tensor(xs), tensor(ys, undefined, 'int32'), { batchSize: 4, lastBatch: 'discard' });
    expect(loader.length).toBe(2);
    const { y } = epoch(loader);
    expect(y).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    for (const batch of loader) expect(batch.y.dtype).toBe('int32');
  });

  it('shuffles every sample exactly once per epoch, keeping x and y paired', () => {
    const loader = new DataLoader(xs, ys, { batchSize: 3, shuffle: true, seed: 1 });
    const { x, y } = epoch(loader);
    const order = y.flat();
    expect([...order].sort((a, b) => a - b)).toEqual(ys);
    expect(order).not.toEqual(ys);
    x.flat().forEach((row, i) => expect(row).toEqual([order[i], 10 * order[i]!]));
    expect(y.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('is deterministic per seed: same epochs for the same seed, a new order each epoch', () => {
    const a = new DataLoader(xs, ys, { batchSize: 5, shuffle: true, seed: 42 });
    const b = new DataLoader(xs, ys, { batchSize: 5, shuffle: true, seed: 42 });
    const a1 = epoch(a).y.flat();
    const a2 = epoch(a).y.flat();
    expect(epoch(b).y.flat()).toEqual(a1);
    expect(epoch(b).y.flat()).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(epoch(new DataLoader(xs, ys, { batchSize: 5, shuffle: true, seed: 43 })).y.flat()).not.toEqual(a1);
  });

  it('follows the global seed when none is given', () => {
    setSeed(7);
    const first = epoch(new DataLoader(xs, ys, { batchSize: 10, shuffle: true })).y;
    setSeed(7);
    expect(epoch(new DataLoader(xs, ys, { batchSize: 10, shuffle: true })).y).toEqual(first);
  });

  it('checks its inputs and options, naming them', () => {
    expect(() => new DataLoader(xs, [1, 2], { batchSize: 2 })).toThrow(/x has 10 samples .* but y has 2/);
    expect(() => new DataLoader(xs, ys, { batchSize: 0 })).toThrow(/DataLoader: option 'batchSize'/);
    expect(() => new DataLoader(xs, ys, { batchSize: 2, lastBatch: 'rollover' as 'keep' })).toThrow(/option 'lastBatch'.*got "rollover"/);
    expect(() => new DataLoader(xs, ys, { batch_size: 2 } as unknown as { batchSize: number })).toThrow(/DataLoader: option 'batchSize' is invalid: .*expected number/);
    expect(() => new DataLoader(3, ys, { batchSize: 2 })).toThrow(/x must have a sample axis/);
  });
});
