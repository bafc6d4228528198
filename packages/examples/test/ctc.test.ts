import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import { greedyDecode, makeSequences, run } from '../src/ctc.js';

describe('ctc toy: reading digit strings', () => {
  it('greedyDecode merges repeats and drops blanks', () => {
    // best classes per frame: 1 1 2(blank) 0 0 2 0  ->  1 0 0
    const scores = T.tensor([[[0, 5, 1], [0, 5, 1], [0, 0, 9], [7, 0, 1], [7, 0, 1], [0, 0, 3], [4, 0, 1]]]);
    expect(greedyDecode(scores)).toEqual([[1, 0, 0]]);
    expect(() => greedyDecode(T.tensor([[1, 2]]))).toThrow(/scores must be \[n, frames, classes\]/);
  });

  it('makes padded labels that match the strings', () => {
    const set = makeSequences(5, 3);
    expect(set.frames.shape).toEqual([5, 20, 16]);
    const labels = set.labels.toArray() as number[][];
    set.strings.forEach((s, i) => {
      expect(s.length).toBeGreaterThanOrEqual(1);
      expect(labels[i]).toEqual([...s, ...Array(4 - s.length).fill(-1)]);
    });
  });

  it('decodes most test sequences exactly after a short training run', async () => {
    const result = await run({ epochs: 20, outDir: null, progress: null });
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 10);
    expect(result.sequenceAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(result.decoded).toHaveLength(50);
  });

  it('an untrained model decodes almost nothing (the bar is not trivially met)', async () => {
    const result = await run({ epochs: 1, outDir: null, progress: null });
    expect(result.sequenceAccuracy).toBeLessThan(0.3);
  });
});
