import { describe, expect, it } from 'vitest';
import { nearestCentroidAccuracy, run } from '../src/triplet.js';

describe('triplet embedding of iris', () => {
  it('nearestCentroidAccuracy classifies by the closest class mean', () => {
    // centroids: class 0 at (0, 0), class 1 at (4, 0); (1.9, 0) is closer to class 0.
    const reference = [[-1, 0], [1, 0], [4, 1], [4, -1]];
    expect(nearestCentroidAccuracy(reference, [0, 0, 1, 1], [[1.9, 0], [2.1, 5], [3, 0]], [0, 1, 0])).toBeCloseTo(2 / 3, 12);
  });

  it('separates the species: held-out nearest-centroid accuracy >= 90%', async () => {
    const result = await run({ outDir: null, progress: null });
    expect(result.embedding).toHaveLength(150);
    expect(result.embedding[0]).toHaveLength(2);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 5);
  });
});
