import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type DigitsResult } from '../src/digits.js';
import '@lossgraph/tensor/gpujs';

describe('digits MLP', () => {
  let onCpu: DigitsResult | undefined;

  it('reaches at least 96% test accuracy on the cpu backend, and writes its loss curve', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'digits-'));
    const result = await run({ backend: 'cpu', outDir, progress: null });
    onCpu = result;
    expect(result.trainSize).toBe(1438);
    expect(result.testSize).toBe(359);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.96);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(result.testAccuracy - 0.02);
    expect(result.epochLosses).toHaveLength(20);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 10);
    expect(result.seconds).toBeLessThan(60);
    const svg = readFileSync(join(outDir, 'loss.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('<polyline');
    // The graph of the first training step: the layers' parameters and the loss as a scope.
    const dot = readFileSync(join(outDir, 'step-graph.dot'), 'utf8');
    expect(dot).toMatch(/^digraph /);
    expect(dot).toContain('dense0.weight');
    expect(dot).toContain('label="SoftmaxCrossEntropyLoss"');
    expect(result.files.map((f) => f.slice(outDir.length + 1)).sort()).toEqual(['loss.svg', 'step-graph.dot']);
  });

  it('reaches at least 96% in 10 epochs on gpujs (webasm), on the same trajectory as cpu', async () => {
    const result = await run({ backend: 'gpujs', mode: 'webasm', epochs: 10, outDir: null, progress: null });
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.96);
    // Same seed, same batches: the first 10 epochs of the cpu run, up to float32 rounding.
    expect(onCpu).toBeDefined();
    result.epochLosses.forEach((loss, i) => expect(loss).toBeCloseTo(onCpu!.epochLosses[i]!, 3));
  });

  it('rejects bad options before any work, naming them', async () => {
    await expect(run({ epochs: 0, outDir: null, progress: null })).rejects.toThrow(/digits.run: option 'epochs' must be an integer >= 1, got 0/);
    await expect(run({ learningRate: -1, outDir: null, progress: null })).rejects.toThrow(/option 'learningRate'/);
  });

  it('is far from 96% after one epoch of a tiny learning rate (the bar is not trivially met)', async () => {
    const result = await run({ backend: 'cpu', epochs: 1, learningRate: 1e-5, outDir: null, progress: null });
    expect(result.testAccuracy).toBeLessThan(0.9);
  });
});
