import { describe, expect, it } from 'vitest';
import { run } from '../src/digits-cnn.js';

describe('digits CNN', () => {
  it('reaches at least 98.3% test accuracy within 60 s on the cpu backend', async () => {
    const result = await run({ backend: 'cpu', progress: null });
    expect(result.trainSize).toBe(1438);
    expect(result.testSize).toBe(359);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.983);
    expect(result.epochLosses).toHaveLength(20);
    // With label smoothing 0.1 the loss cannot go below the smoothed target's entropy,
    // -(0.91·ln 0.91 + 9·0.01·ln 0.01) = 0.500; the last epoch comes within 0.1 of it.
    expect(result.epochLosses.at(-1)!).toBeLessThan(0.6);
    expect(result.epochLosses.at(-1)!).toBeGreaterThan(0.5);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]!);
    expect(result.seconds).toBeLessThan(60);
  }, 300_000);

  it('rejects bad options before any work, naming them', async () => {
    await expect(run({ epochs: 0, progress: null })).rejects.toThrow(/digitsCnn.run: option 'epochs' must be an integer >= 1, got 0/);
    await expect(run({ learningRate: -1, progress: null })).rejects.toThrow(/option 'learningRate'/);
    await expect(run({ labelSmoothing: 1, progress: null })).rejects.toThrow(/option 'labelSmoothing' must be in \[0, 1\), got 1/);
  });

  it('is far from 98.3% after one epoch of a tiny learning rate (the bar is not trivially met)', async () => {
    const result = await run({ backend: 'cpu', epochs: 1, learningRate: 1e-5, progress: null });
    expect(result.testAccuracy).toBeLessThan(0.9);
  });
});
