import { describe, expect, it } from 'vitest';
import type { SuiteContext, TimingOptions } from '../src/harness.js';
import { lossSuite } from '../src/suites/loss.js';
import { gpujsLoopSuite, memorySuite, mlpStepSuite, overheadSuite } from '../src/suites/training.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 2, minRuns: 2, maxRuns: 3, hardLimitMs: 2_000, rounds: 1 };
const context = (selects: (text: string) => boolean = () => true): SuiteContext => ({ timing: fast, quick: true, selects, log: () => {} });
const numbers = (line: string): string[] => line.split('|').map((c) => c.trim()).filter((c) => /^\d+(\.\d+)?$/.test(c));

describe('loss suite (small sizes, no PyTorch)', () => {
  it('measures every loss on lossgraph and both TF.js backends, CTC n/a for TF.js', async () => {
    const report = await lossSuite({ scale: 0.005, torch: false }).run(context());
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Losses, forward plus backward (cpu, float32)');
    for (const name of ['SoftmaxCE', 'SigmoidBCE', 'L2', 'Huber']) {
      const row = lines.find((l) => l.startsWith(`| ${name} `))!;
      expect(numbers(row)).toHaveLength(3);
      expect(row).not.toMatch(/error/);
    }
    const ctc = lines.find((l) => l.startsWith('| CTC'))!;
    expect(numbers(ctc)).toHaveLength(1);
    expect(report.markdown).toContain('- n/a, TF.js cpu: TF.js has no CTC loss');
    expect(report.targets.map((t) => t.holds === undefined)).toEqual([false, false, true, true]);
  }, 60_000);

  it('runs only the filtered row', async () => {
    const report = await lossSuite({ scale: 0.005, torch: false }).run(context((t) => t === 'loss/huber'));
    expect(report.markdown.split('\n').filter((l) => /^\| (SoftmaxCE|SigmoidBCE|L2|Huber|CTC)/.test(l))).toHaveLength(1);
  }, 60_000);
});

describe('training suites (small, no PyTorch)', () => {
  it('times an MLP step on lossgraph and TF.js', async () => {
    const report = await mlpStepSuite({ torch: false, spec: { sizes: [8, 4, 3], batch: 4, learningRate: 0.1 } }).run(context());
    const row = report.markdown.split('\n').find((l) => l.startsWith('| SGD step'))!;
    expect(numbers(row)).toHaveLength(3);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]!.holds).not.toBeUndefined();
  }, 60_000);

  it('reports the per-op overhead in µs with its < 2 µs target', async () => {
    const report = await overheadSuite({ torch: false }).run(context());
    expect(report.markdown).toMatch(/\| scalar add \(µs per op\) \|/);
    expect(report.targets[0]!.details[0]).toMatch(/^\d+\.\d\d µs per op \((ok|MISS)\)$/);
  }, 60_000);

  it('counts gpujs webasm compilations after the first step', async () => {
    const report = await gpujsLoopSuite({ modes: ['webasm'] }).run(context());
    const row = report.markdown.split('\n').find((l) => l.startsWith('| webasm'))!;
    expect(row).toContain('host memory');
    expect(report.targets.map((t) => t.description)).toEqual([
      'gpujs webasm: no kernel compilation after the first training step',
      'gpujs webasm: only the scalar loss read back per training step',
    ]);
    expect(report.targets[0]!.holds).not.toBeUndefined();
    expect(report.targets[1]!.holds).toBeUndefined();
  }, 60_000);

  it('records heapUsed at a tenth of the run and at its end', async () => {
    const report = await memorySuite({ steps: 20 }).run(context());
    expect(report.markdown.split('\n').filter((l) => /^\| (2|20) +\|/.test(l))).toHaveLength(2);
    expect(report.targets[0]!.description).toBe('memory: heapUsed flat from step 2 to step 20 (growth <= max(10%, 2 MiB))');
  }, 60_000);

  it('skips every section the filter does not select', async () => {
    for (const suite of [lossSuite(), mlpStepSuite(), overheadSuite(), gpujsLoopSuite(), memorySuite()]) {
      expect(await suite.run(context(() => false))).toEqual({ markdown: '', targets: [] });
    }
  });
});
