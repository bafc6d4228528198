import { describe, expect, it } from 'vitest';
import { run } from '../src/digits-cnn.js';

describe('digits CNN', () => {
  it('reaches at least 98.3% test accuracy within 60 s on the cpu backend', async () => {
    const result = await run({ backend: 'cpu', progress: null });
    expect(result.trainSize).toBe(1438);
    expect(result.testSize).toBe(359);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.983);
    expect(result.epochLosses).toHaveLength(20);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 10);
    expect(result.seconds).toBeLessThan(60);
  });

  it('rejects bad options before any work, naming them', async () => {
    await expect(run({ epochs: 0, progress: null })).rejects.toThrow(/digitsCnn.run: option 'epochs' must be an integer >= 1, got 0/);
    await expect(run({ learningRate: -1, progress: null })).rejects.toThrow(/option 'learningRate'/);
  });

  it('is far from 98.3% after one epoch of a tiny learning rate (the bar is not trivially met)', async () => {
    const result = await run({ backend: 'cpu', epochs: 1, learningRate: 1e-5, progress: null });
    expect(result.testAccuracy).toBeLessThan(0.9);
  });
});
