import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli.js';
import { runBench } from '../src/index.js';
import type { Suite, TimingOptions } from '../src/harness.js';
import { tensorSuite } from '../src/suites/tensor.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 5, minRuns: 2, maxRuns: 5, hardLimitMs: 2_000, rounds: 2 };

describe('tensor suite', () => {
  it('measures the selected row on every engine, each result checked correct, and evaluates the targets', async () => {
    const report = await tensorSuite({ gpuModes: ['webasm'] }).run({
      timing: fast, quick: true, selects: (text) => text === 'tensor/add-row', log: () => {},
    });
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Tensor primitives');
    const rows = lines.filter((l) => l.startsWith('| add'));
    expect(rows).toHaveLength(1);
    // Five engines, all measured (a number), none flagged wrong, none failed.
    const cells = rows[0]!.split('|').map((c) => c.trim());
    expect(cells.filter((c) => /^\d+(\.\d+)?$/.test(c))).toHaveLength(5);
    expect(rows[0]).not.toMatch(/\(!\)|error|n\/a/);
    expect(report.markdown).not.toMatch(/^- (\(!\)|error,|n\/a,)/m);
    expect(report.targets.map((t) => t.description)).toEqual([
      'lossgraph cpu at least 3x faster than TF.js cpu on every elementwise and reduction row',
      'lossgraph cpu matmul no slower than tfjs-wasm',
      'lossgraph cpu 1M-element binary op within 2x of the plain typed-array loop',
    ]);
    expect(report.targets[0]!.details).toEqual([expect.stringMatching(/^add \[1000,1000\] \+ \[1000\] \(row broadcast\): .*\((ok|MISS)\)$/)]);
    expect(report.targets[1]!.holds).toBeUndefined();
  });

  it('returns an empty section when the filter selects nothing, without starting any engine', async () => {
    const report = await tensorSuite().run({ timing: fast, quick: true, selects: () => false, log: () => { throw new Error('should not log'); } });
    expect(report).toEqual({ markdown: '', targets: [] });
  });
});

describe('runBench', () => {
  it('assembles sections and targets from the suites it is given', async () => {
    const fake: Suite = {
      id: 'fake',
      title: 'Fake',
      run: (context) => Promise.resolve(context.selects('fake/row')
        ? { markdown: '## Fake\n\ntable', targets: [{ description: 'goal', holds: true, details: ['row: ok'] }] }
        : { markdown: '', targets: [] }),
    };
    const text = await runBench(parseCli(['--quick']), [fake]);
    expect(text).toMatch(/^# lossgraph benchmarks\n\n.*Node v\d+.*cores.*load avg [\d.]+ · --quick\n\n## Fake\n\ntable\n\n## Targets\n\n- \*\*HOLDS\*\*: goal\n  - row: ok\n$/);
    const none = await runBench(parseCli(['--filter', 'zzz']), [fake]);
    expect(none).toContain('No benchmark row matches --filter "zzz".');
    expect(none).not.toContain('## Targets');
  });
});
