import { describe, expect, it } from 'vitest';
import type { SuiteContext, TimingOptions } from '../src/harness.js';
import { gruInputs, recurrentSuite } from '../src/suites/recurrent.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 2, minRuns: 2, maxRuns: 3, hardLimitMs: 2_000, rounds: 1 };
const context = (selects: (text: string) => boolean = () => true): SuiteContext => ({ timing: fast, quick: true, selects, log: () => {} });

describe('recurrent suite (small, no PyTorch)', () => {
  it('times a GRU forward plus backward on lossgraph cpu, TF.js cpu, tfjs-wasm and jax-js, each checked against the float64 reference first', async () => {
    const report = await recurrentSuite({ torch: false, spec: { steps: 3, batch: 2, inputSize: 4, hiddenSize: 5 } }).run(context());
    const row = report.markdown.split('\n').find((l) => l.startsWith('| GRU fwd+bwd, T 3, N 2, input 4, hidden 5'))!;
    const times = row.split('|').map((c) => c.trim()).filter((c) => /^\d+(\.\d+)?$/.test(c));
    expect(times).toHaveLength(4);
    expect(row).not.toMatch(/error/);
    expect(report.markdown.split('\n')[0]).toBe('## Recurrent layers (cpu, float32)');
  }, 60_000);

  it('makes the same inputs for the same seed, weights within PyTorch\'s range', () => {
    const spec = { steps: 2, batch: 1, inputSize: 3, hiddenSize: 4 };
    const a = gruInputs(spec, 5);
    expect(gruInputs(spec, 5)).toEqual(a);
    expect(a.weights.i2hWeight.length).toBe(36);
    expect(Math.max(...Array.from(a.weights.h2hWeight, Math.abs))).toBeLessThanOrEqual(0.5);
  });

  it('is skipped when the filter does not select it', async () => {
    expect(await recurrentSuite().run(context(() => false))).toEqual({ markdown: '', targets: [] });
  });
});
