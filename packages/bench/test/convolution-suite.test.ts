import { describe, expect, it } from 'vitest';
import type { SuiteContext, TimingOptions } from '../src/harness.js';
import { convolutionSuite } from '../src/suites/convolution.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 2, minRuns: 2, maxRuns: 3, hardLimitMs: 2_000, rounds: 1 };
const context = (selects: (text: string) => boolean = () => true): SuiteContext => ({ timing: fast, quick: true, selects, log: () => {} });
const numbers = (line: string): string[] => line.split('|').map((c) => c.trim()).filter((c) => /^\d+(\.\d+)?$/.test(c));

describe('convolution suite (small convolution, no PyTorch)', () => {
  it('times conv2d fwd+bwd and a digits-cnn step on lossgraph, TF.js cpu and jax-js (tfjs-wasm has no convolution gradient); gradients checked first', async () => {
    const report = await convolutionSuite({ torch: false, spec: { n: 2, c: 3, o: 4, size: 6, kernel: 3 } }).run(context());
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Convolution (cpu, float32)');
    for (const start of ['| conv2d fwd+bwd, N 2, C 3 → 4, 6x6, kernel 3, padding 1', '| digits-cnn training step (Adam), batch 32']) {
      const row = lines.find((l) => l.startsWith(start))!;
      expect(row, start).toBeDefined();
      expect(row).not.toMatch(/error/);
      // lossgraph's and jax-js's values are checked against float64 references: a wrong one reads "error".
      expect(numbers(row)).toHaveLength(3);
    }
    expect(report.markdown).toContain('tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel');
  }, 120_000);

  it('runs only the selected rows', async () => {
    expect(await convolutionSuite({ torch: false }).run(context(() => false))).toEqual({ markdown: '', targets: [] });
    const report = await convolutionSuite({ torch: false, spec: { n: 1, c: 1, o: 1, size: 4, kernel: 3 } }).run(context((t) => t === 'conv/conv2d'));
    expect(report.markdown).not.toContain('digits-cnn training step (Adam), batch');
  }, 60_000);
});
