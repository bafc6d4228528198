import { describe, expect, it } from 'vitest';
import { FEATURES, FRAMES, MAX_LABEL, editDistance, makeSequences, run } from '../src/ctc.js';

describe('ctc example: reading digit strings with a Conv1D + GRU encoder', () => {
  it('makes variable-length strings, padded labels that match them, and frames that end where the lengths say', () => {
    const set = makeSequences(200, 3);
    expect(set.frames.shape).toEqual([200, FEATURES, FRAMES]);
    const labels = set.labels.toArray() as number[][];
    const lengths = Array.from(set.lengths.dataSync());
    const frames = set.frames.toArray() as number[][][];
    const stringLengths = new Set<number>();
    let touchingRepeats = 0;
    set.strings.forEach((s, i) => {
      stringLengths.add(s.length);
      expect(labels[i]).toEqual([...s, ...Array(MAX_LABEL - s.length).fill(-1)]);
      // each digit takes at least 3 frames, and CTC needs a blank between repeated digits
      expect(lengths[i]).toBeGreaterThanOrEqual(3 * s.length);
      expect(lengths[i]).toBeLessThanOrEqual(FRAMES);
      for (let t = lengths[i]!; t < FRAMES; t++) for (let f = 0; f < FEATURES; f++) expect(frames[i]![f]![t]).toBe(0);
      for (let k = 1; k < s.length; k++) if (s[k] === s[k - 1]) touchingRepeats++;
    });
    expect([...stringLengths].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(touchingRepeats).toBeGreaterThan(50);
    // the same seed draws the same set
    expect(makeSequences(200, 3).frames.dataSync()).toEqual(set.frames.dataSync());
  });

  it('editDistance counts insertions, deletions and substitutions', () => {
    expect(editDistance([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(editDistance([1, 2, 3], [1, 3, 3, 4])).toBe(2);
    expect(editDistance([], [5, 5])).toBe(2);
    expect(editDistance([5, 5], [5])).toBe(1);
  });

  it('a short run reads most held-out strings, beam search better than greedy', async () => {
    const result = await run({ epochs: 8, outDir: null, progress: null });
    // Measured with seed 0: greedy 69.0% exact (label error rate 13.1%), beam 77.7% (8.4%).
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 8);
    expect(result.greedy.sequenceAccuracy).toBeGreaterThanOrEqual(0.6);
    expect(result.greedy.labelErrorRate).toBeLessThan(0.16);
    expect(result.beam.sequenceAccuracy).toBeGreaterThanOrEqual(0.7);
    expect(result.beam.labelErrorRate).toBeLessThan(result.greedy.labelErrorRate);
    expect(result.truth).toHaveLength(300);
    // each score is what the decoded strings say
    const exact = result.truth.filter((t, i) => editDistance(t, result.greedy.decoded[i]!) === 0).length;
    expect(result.greedy.sequenceAccuracy).toBe(exact / 300);
  }, 300_000);

  it('an untrained model reads almost nothing (the bar is not trivially met), the same on every run with a seed', async () => {
    const options = { epochs: 1, trainSize: 64, testSize: 100, outDir: null, progress: null } as const;
    const result = await run(options);
    expect(result.greedy.sequenceAccuracy).toBeLessThan(0.1);
    expect(result.beam.sequenceAccuracy).toBeLessThan(0.1);
    const again = await run(options);
    expect(again.epochLosses).toEqual(result.epochLosses);
    expect(again.beam.decoded).toEqual(result.beam.decoded);
    expect((await run({ ...options, seed: 1 })).epochLosses).not.toEqual(result.epochLosses);
  }, 120_000);

  it('rejects bad options before any work, naming them', async () => {
    await expect(run({ epochs: 0, progress: null })).rejects.toThrow(/ctc.run: option 'epochs' must be an integer >= 1, got 0/);
    await expect(run({ noise: -1, progress: null })).rejects.toThrow(/option 'noise'/);
    await expect(run({ beamWidth: 1.5, progress: null })).rejects.toThrow(/option 'beamWidth'/);
  });
});
