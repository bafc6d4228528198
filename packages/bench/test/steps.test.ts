import { describe, expect, it } from 'vitest';
import { Comparison, type TimingOptions, type WorkloadRow } from '../src/harness.js';
import { compareValues, oneHotRows, runSteps, sizeOf, sparseLabels, type StepEngine } from '../src/suites/steps.js';
import { parseTorchOutput } from '../src/peers/torch.js';
import { gpuLoopTargets, heapTarget, mlpBatch, MLP_784 } from '../src/suites/training.js';
import { lossInputs, lossWorkloads } from '../src/suites/loss.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 1, minRuns: 2, maxRuns: 3, hardLimitMs: 1_000, rounds: 2 };

describe('input helpers', () => {
  it('sparseLabels is deterministic, in range and uses every class', () => {
    const a = sparseLabels(1000, 7, 3);
    expect(Array.from(a)).toEqual(Array.from(sparseLabels(1000, 7, 3)));
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(6);
    expect(Array.from(sparseLabels(1000, 7, 4))).not.toEqual(Array.from(a));
    expect(() => sparseLabels(3, 0, 1)).toThrow(/classes must be an integer >= 1/);
  });

  it('oneHotRows puts a single 1 per row at the label', () => {
    expect(Array.from(oneHotRows(Int32Array.of(2, 0), 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHotRows(Int32Array.of(3), 3)).toThrow('oneHotRows: labels[0] = 3 is outside [0, 3)');
    expect(sizeOf([4, 5, 2])).toBe(40);
  });

  it('loss inputs match the issue sizes and each loss gets labels of the right kind', () => {
    const rows = lossWorkloads();
    expect(rows.map((r) => r.predShape)).toEqual([[4096, 1000], [4096, 1000], [1000, 1000], [1000, 1000], [32, 50, 20]]);
    const small = lossWorkloads(0.01);
    const ce = lossInputs(small[0]!, 1);
    expect(ce.labelShape).toEqual([41]);
    expect(ce.label).toBeInstanceOf(Int32Array);
    const bce = lossInputs(small[1]!, 1);
    expect(new Set(bce.label)).toEqual(new Set([0, 1]));
    const ctc = lossInputs(small[4]!, 1);
    expect(ctc.labelShape).toEqual([1, 10]);
    // Labels never use the blank, the last class.
    expect(Math.max(...ctc.label)).toBeLessThan(19);
    expect(() => lossWorkloads(0)).toThrow(/scale must be in \(0, 1\]/);
  });

  it('mlpBatch gives pixel-like inputs and labels in range', () => {
    const { x, y } = mlpBatch(MLP_784, 1);
    expect(x.length).toBe(64 * 784);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThan(1);
    expect(y.length).toBe(64);
    expect(Math.max(...y)).toBeLessThan(10);
  });
});

describe('runSteps', () => {
  it('times ready engines in rounds, and records n/a, errors and engine-declared cells', async () => {
    const rows: WorkloadRow[] = [{ id: 'r', label: 'row', group: 'g' }];
    let calls = 0;
    let released = 0;
    const engine = (id: string, overrides: Partial<StepEngine<WorkloadRow>>): StepEngine<WorkloadRow> => ({
      id, label: id, init: () => Promise.resolve(undefined), activate: () => Promise.resolve(), describe: () => `${id} ready`,
      prepare: () => ({ step: () => { calls++; }, release: () => { released++; } }), ...overrides,
    });
    const engines = [
      engine('ok', {}),
      engine('down', { init: () => Promise.resolve('no display') }),
      engine('broken', { prepare: () => { throw new Error('boom\nstack'); } }),
      engine('lacks', { prepare: () => ({ kind: 'unavailable', reason: 'no CTC' }) }),
    ];
    const grid = new Comparison(rows, engines.map(({ id, label }) => ({ id, label })));
    const footer = await runSteps('t', rows, engines, grid, { timing: fast, quick: true, selects: () => true, log: () => {} });
    expect(footer).toEqual(['ok ready', 'broken ready', 'lacks ready']);
    const ok = grid.get('r', 'ok');
    expect(ok?.kind).toBe('time');
    // Two rounds of 1 warm-up + at least ceil(2/2) = 1 timed call each; one prepare/release per round.
    expect(ok?.kind === 'time' && ok.sample.runs).toBeGreaterThanOrEqual(2);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(released).toBe(2);
    expect(grid.get('r', 'down')).toEqual({ kind: 'unavailable', reason: 'no display' });
    expect(grid.get('r', 'broken')).toEqual({ kind: 'error', message: 'boom' });
    expect(grid.get('r', 'lacks')).toEqual({ kind: 'unavailable', reason: 'no CTC' });
  });
});

describe('value checks before timing', () => {
  it('runSteps times a step whose check passes and turns one whose check fails into an error, untimed', async () => {
    const rows: WorkloadRow[] = [{ id: 'r', label: 'row', group: 'g' }];
    const counts = { right: 0, wrong: 0, checks: 0 };
    const engine = (id: 'right' | 'wrong'): StepEngine<WorkloadRow> => ({
      id, label: id, init: () => Promise.resolve(undefined), activate: () => Promise.resolve(), describe: () => undefined,
      prepare: () => ({
        step: () => { counts[id]++; },
        check: () => { counts.checks++; return id === 'right' ? undefined : 'gradient[3]: got 2, expected 1'; },
        release: () => {},
      }),
    });
    const engines = [engine('right'), engine('wrong')];
    const grid = new Comparison(rows, engines.map(({ id, label }) => ({ id, label })));
    await runSteps('t', rows, engines, grid, { timing: fast, quick: true, selects: () => true, log: () => {} });
    expect(grid.get('r', 'right')?.kind).toBe('time');
    expect(grid.get('r', 'wrong')).toEqual({ kind: 'error', message: 'values differ from the reference, not timed: gradient[3]: got 2, expected 1' });
    expect(counts.wrong).toBe(0);
    expect(counts.right).toBeGreaterThan(0);
    // Checked once per engine (round 0), not in every round.
    expect(counts.checks).toBe(2);
  });

  it('compareValues is relative to the largest reference magnitude and catches NaN', () => {
    expect(compareValues('g', [1e-4, 2.0005e-4], [1e-4, 2e-4])).toBeUndefined();
    // An absolute floor of 1 would let a gradient twice too large pass.
    expect(compareValues('g', [2e-4, 4e-4], [1e-4, 2e-4])).toBe('g[1]: got 0.0004, expected 0.0002 (tolerance 2.0e-7)');
    expect(compareValues('g', [0, NaN], [0, 1])).toMatch(/^g\[1\]: got NaN/);
    expect(compareValues('g', [0], [0, 1])).toBe('g: 1 values, expected 2');
    expect(compareValues('g', [0.0005], [0])).toBeUndefined();
  });
});

describe('parseTorchOutput', () => {
  it('turns times into a median sample, errors into error cells, and flags missing rows', () => {
    const run = parseTorchOutput(JSON.stringify({ torch: '1.13', threads: 1, results: { a: { times: [3, 1, 2, 10] }, b: { error: 'RuntimeError: x' } } }), ['a', 'b', 'c']);
    expect(run.cells.get('a')).toEqual({ kind: 'time', sample: { medianMs: 2.5, minMs: 1, maxMs: 10, runs: 4, times: [3, 1, 2, 10] } });
    expect(run.cells.get('b')).toEqual({ kind: 'error', message: 'RuntimeError: x' });
    expect(run.cells.get('c')).toEqual({ kind: 'error', message: 'torch_bench.py reported no result for "c"' });
    expect(run.description).toMatch(/^PyTorch 1\.13 .*1 thread/);
  });

  it('rejects output that is not the expected JSON', () => {
    expect(() => parseTorchOutput('Traceback ...', ['a'])).toThrow(/printed no JSON/);
    expect(() => parseTorchOutput('{"x":1}', ['a'])).toThrow(/lacks a "results" object/);
    expect(parseTorchOutput('{"results":{"a":{"times":[]}}}', ['a']).cells.get('a')?.kind).toBe('error');
  });
});

describe('non-ratio targets', () => {
  it('gpuLoopTargets: zero later compilations and at most one readback per step', () => {
    const good = gpuLoopTargets('headlessgl', { firstStepCompilations: 20, laterCompilations: 0, readbacksPerStep: 1, uploadsPerStep: 0, medianStepMs: 3, steps: 20 });
    expect(good.map((o) => o.holds)).toEqual([true, true]);
    const bad = gpuLoopTargets('headlessgl', { firstStepCompilations: 20, laterCompilations: 2, readbacksPerStep: 3.5, uploadsPerStep: 0, medianStepMs: 3, steps: 20 });
    expect(bad.map((o) => o.holds)).toEqual([false, false]);
    expect(bad[1]!.details).toEqual(['3.50 readbacks per step (MISS)']);
    const host = gpuLoopTargets('webasm', { firstStepCompilations: 20, laterCompilations: 0, readbacksPerStep: 0, uploadsPerStep: 0, medianStepMs: 3, steps: 20 }, false);
    expect(host.map((o) => o.holds)).toEqual([true, undefined]);
  });

  it('heapTarget allows max(10%, 2 MiB) of growth', () => {
    const at = (step: number, mib: number) => ({ step, heapUsed: mib * 2 ** 20, rss: 0, seconds: 0 });
    expect(heapTarget(at(1000, 10), at(10000, 11.9)).holds).toBe(true);
    expect(heapTarget(at(1000, 10), at(10000, 12.1)).holds).toBe(false);
    expect(heapTarget(at(1000, 100), at(10000, 109)).holds).toBe(true);
    expect(heapTarget(at(1000, 100), at(10000, 111)).details).toEqual(['100.0 MiB -> 111.0 MiB (+11.0 MiB, MISS)']);
  });
});
