import { describe, expect, it } from 'vitest';
import {
  Comparison, evaluateTargets, formatMs, formatRatio, measure, median, poolSamples, renderComparison, renderMarkdownTable,
  renderTargets, roundTiming, scaleSample, timingPreset, type Sample, type TimingOptions,
} from '../src/harness.js';

/** A clock that only moves when the timed function says how long it "took". */
function fakeClock(durations: readonly number[]): { clock: () => number; fn: () => void; calls: () => number } {
  let now = 0;
  let i = 0;
  return {
    clock: () => now,
    fn: () => { now += durations[Math.min(i, durations.length - 1)]!; i++; },
    calls: () => i,
  };
}

const sample = (medianMs: number): Sample => ({ medianMs, minMs: medianMs, maxMs: medianMs, runs: 1, times: [medianMs] });

const opts = (over: Partial<TimingOptions>): TimingOptions => ({
  warmupMs: 0, minWarmupRuns: 0, budgetMs: 0, minRuns: 1, maxRuns: 1000, hardLimitMs: 1e9, rounds: 1, ...over,
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(/at least one value/);
  });
});

describe('measure', () => {
  it('warms up, then times until budget and minimum runs are both met, and reports the median', () => {
    // 2 warm-up calls of 100 ms, then timed calls of 10, 30, 20, 40, 50 ms ...
    const f = fakeClock([100, 100, 10, 30, 20, 40, 50, 60, 70]);
    const s = measure(f.fn, opts({ minWarmupRuns: 2, budgetMs: 100, minRuns: 3 }), f.clock);
    // After 10+30+20+40 = 100 ms the budget is met with 4 >= 3 runs.
    expect(s.runs).toBe(4);
    expect(s.medianMs).toBe(25);
    expect(s.minMs).toBe(10);
    expect(s.maxMs).toBe(40);
    expect(s.times).toEqual([10, 30, 20, 40]);
    expect(f.calls()).toBe(6);
  });
  it('keeps warming up until warmupMs has passed', () => {
    const f = fakeClock([10]);
    measure(f.fn, opts({ warmupMs: 35, minWarmupRuns: 1, minRuns: 1 }), f.clock);
    // 4 warm-up calls reach 40 >= 35 ms, then 1 timed call.
    expect(f.calls()).toBe(5);
  });
  it('runs at least minRuns even when the budget is spent', () => {
    const f = fakeClock([1000]);
    const s = measure(f.fn, opts({ budgetMs: 1, minRuns: 5 }), f.clock);
    expect(s.runs).toBe(5);
  });
  it('stops a very slow cell at hardLimitMs, after at least one timed call', () => {
    const f = fakeClock([5000]);
    const s = measure(f.fn, opts({ minWarmupRuns: 3, budgetMs: 10, minRuns: 7, hardLimitMs: 4000 }), f.clock);
    // The warm-up stops after its first call (over the hard limit), then one timed call.
    expect(s.runs).toBe(1);
    expect(f.calls()).toBe(2);
    expect(s.medianMs).toBe(5000);
  });
  it('never exceeds maxRuns', () => {
    const f = fakeClock([0]);
    expect(measure(f.fn, opts({ budgetMs: 10, minRuns: 1, maxRuns: 12 }), f.clock).runs).toBe(12);
  });
  it('names a bad option', () => {
    expect(() => measure(() => {}, opts({ minRuns: 1.5 }))).toThrow(/options\.minRuns/);
    expect(() => measure(() => {}, opts({ budgetMs: -1 }))).toThrow(/options\.budgetMs/);
    expect(() => measure(() => {}, opts({ maxRuns: 0 }))).toThrow(/options\.maxRuns/);
    expect(() => measure(() => {}, opts({ rounds: 0 }))).toThrow(/options\.rounds/);
  });
  it('uses the real clock by default', () => {
    const s = measure(() => { let x = 0; for (let i = 0; i < 1000; i++) x += i; return void x; }, timingPreset(true));
    expect(s.runs).toBeGreaterThanOrEqual(3);
    expect(s.medianMs).toBeGreaterThanOrEqual(0);
    expect(s.minMs).toBeLessThanOrEqual(s.medianMs);
  });
});

describe('rounds', () => {
  it('roundTiming divides the cell among rounds and warms up fully only in the first', () => {
    const whole = opts({ warmupMs: 200, minWarmupRuns: 2, budgetMs: 600, minRuns: 7, maxRuns: 2000, hardLimitMs: 6000, rounds: 3 });
    expect(roundTiming(whole, 0)).toEqual({ warmupMs: 200, minWarmupRuns: 2, budgetMs: 200, minRuns: 3, maxRuns: 666, hardLimitMs: 2000, rounds: 1 });
    expect(roundTiming(whole, 2)).toEqual({ warmupMs: 0, minWarmupRuns: 1, budgetMs: 200, minRuns: 3, maxRuns: 666, hardLimitMs: 2000, rounds: 1 });
    expect(roundTiming(opts({ rounds: 1, budgetMs: 50 }), 0).budgetMs).toBe(50);
    expect(() => roundTiming(whole, 3)).toThrow(/round must be an integer in \[0, 2\], got 3/);
  });
  it('poolSamples takes the median over every call of every round', () => {
    const pooled = poolSamples([
      { medianMs: 2, minMs: 1, maxMs: 3, runs: 3, times: [1, 2, 3] },
      { medianMs: 10, minMs: 10, maxMs: 10, runs: 1, times: [10] },
    ]);
    expect(pooled).toEqual({ medianMs: 2.5, minMs: 1, maxMs: 10, runs: 4, times: [1, 2, 3, 10] });
    expect(() => poolSamples([])).toThrow(/at least one sample/);
  });
});

describe('formatting', () => {
  it('formatMs keeps about three significant digits', () => {
    expect(formatMs(0.12345)).toBe('0.123');
    expect(formatMs(1.2345)).toBe('1.23');
    expect(formatMs(12.345)).toBe('12.3');
    expect(formatMs(123.45)).toBe('123');
  });
  it('formatRatio says faster or slower by the larger factor', () => {
    expect(formatRatio(1, 3.2)).toBe('3.2x faster');
    expect(formatRatio(3, 2)).toBe('1.5x slower');
    expect(formatRatio(2, 2.04)).toBe('1.0x');
    expect(formatRatio(1, 250)).toBe('250x faster');
    expect(() => formatRatio(0, 1)).toThrow(/subjectMs/);
    expect(() => formatRatio(1, Number.NaN)).toThrow(/referenceMs/);
  });
  it('renderMarkdownTable pads, aligns and escapes pipes', () => {
    expect(renderMarkdownTable(['op', 'ms'], [['exp', '1.23'], ['a|b', '10']])).toBe([
      '| op   |   ms |',
      '| :--- | ---: |',
      '| exp  | 1.23 |',
      '| a\\|b |   10 |',
    ].join('\n'));
    expect(() => renderMarkdownTable(['a', 'b'], [['x']])).toThrow(/rows\[0\] has 1 cells, expected 2/);
  });
});

describe('Comparison, renderComparison and targets', () => {
  const rows = [
    { id: 'add', label: 'add', group: 'elementwise' },
    { id: 'mm', label: 'matmul', group: 'matmul' },
    { id: 'unused', label: 'filtered out', group: 'matmul' },
  ];
  const columns = [{ id: 'ref', label: 'Ref' }, { id: 'me', label: 'Me' }, { id: 'gpu', label: 'Gpu' }];
  const grid = (): Comparison => {
    const g = new Comparison(rows, columns);
    g.set('add', 'ref', { kind: 'time', sample: sample(6) });
    g.set('add', 'me', { kind: 'time', sample: sample(2) });
    g.set('add', 'gpu', { kind: 'unavailable', reason: 'no display' });
    g.set('mm', 'ref', { kind: 'time', sample: sample(10) });
    g.set('mm', 'me', { kind: 'time', sample: sample(15), note: 'wrong result' });
    g.set('mm', 'gpu', { kind: 'error', message: 'boom' });
    return g;
  };

  it('rejects unknown and duplicate ids', () => {
    expect(() => new Comparison([rows[0]!, rows[0]!], columns)).toThrow(/duplicate id "add" in rows/);
    expect(() => grid().set('nope', 'me', { kind: 'skipped' })).toThrow(/unknown row id "nope"/);
    expect(() => grid().get('add', 'nope')).toThrow(/unknown column id "nope"/);
  });

  it('milliseconds reads only measured cells', () => {
    const g = grid();
    expect(g.milliseconds('add', 'me')).toBe(2);
    expect(g.milliseconds('add', 'gpu')).toBeUndefined();
    expect(g.milliseconds('unused', 'me')).toBeUndefined();
  });

  it('renders times, ratios after their subject, hides empty rows and explains every mark', () => {
    const text = renderComparison(grid(), { ratios: [{ subject: 'me', reference: 'ref' }], footer: ['method'] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\| workload \| Ref \(ms\) \| +Me \(ms\) \| +vs Ref \| Gpu \(ms\) \|$/);
    expect(lines[2]).toMatch(/^\| add +\| +6\.00 \| +2\.00 \| 3\.0x faster \| +n\/a \|$/);
    expect(lines[3]).toMatch(/^\| matmul +\| +10\.0 \| 15\.0 \(!\) \| 1\.5x slower \| +error \|$/);
    expect(text).not.toContain('filtered out');
    expect(text).toContain('- method');
    expect(text).toContain('- error, Gpu / matmul: boom');
    expect(text).toContain('- (!) Me / matmul: wrong result');
    expect(text).toContain('- n/a, Gpu: no display');
    expect(text).toContain('"vs X" column');
  });

  it('rejects a ratio naming an unknown engine', () => {
    expect(() => renderComparison(grid(), { ratios: [{ subject: 'me', reference: 'tf' }] })).toThrow(/unknown engine "tf"/);
  });

  it('evaluates targets row by row, ignoring unmeasured rows', () => {
    const outcomes = evaluateTargets(grid(), [
      { description: '3x faster on elementwise', subject: 'me', reference: 'ref', maxSlowdown: 1 / 3, appliesTo: (r) => r.group === 'elementwise' },
      { description: 'matmul no slower', subject: 'me', reference: 'ref', maxSlowdown: 1, appliesTo: (r) => r.group === 'matmul' },
      { description: 'gpu within 2x', subject: 'gpu', reference: 'ref', maxSlowdown: 2, appliesTo: () => true },
    ]);
    expect(outcomes[0]).toEqual({ description: '3x faster on elementwise', holds: true, details: ['add: 3.0x faster (ok)'] });
    expect(outcomes[1]).toEqual({ description: 'matmul no slower', holds: false, details: ['matmul: 1.5x slower (MISS)'] });
    expect(outcomes[2]!.holds).toBeUndefined();
    expect(outcomes[2]!.details).toEqual(['add: not measured', 'matmul: not measured']);
    const text = renderTargets(outcomes);
    expect(text).toContain('- **HOLDS**: 3x faster on elementwise\n  - add: 3.0x faster (ok)');
    expect(text).toContain('- **MISSES**: matmul no slower');
    expect(text).toContain('- **not measured**: gpu within 2x');
  });

  it('a target just at its limit holds, just past it misses', () => {
    const g = new Comparison([rows[0]!], columns);
    g.set('add', 'ref', { kind: 'time', sample: sample(6) });
    g.set('add', 'me', { kind: 'time', sample: sample(12) });
    const target = { description: 'within 2x', subject: 'me', reference: 'ref', appliesTo: () => true };
    expect(evaluateTargets(g, [{ ...target, maxSlowdown: 2 }])[0]!.holds).toBe(true);
    expect(evaluateTargets(g, [{ ...target, maxSlowdown: 1.99 }])[0]!.holds).toBe(false);
  });
});

describe('scaleSample and the unit of a comparison', () => {
  it('multiplies every time by the factor and keeps the count', () => {
    const scaled = scaleSample({ medianMs: 2, minMs: 1, maxMs: 4, runs: 3, times: [2, 1, 4] }, 1e6 / 4e6);
    expect(scaled).toEqual({ medianMs: 0.5, minMs: 0.25, maxMs: 1, runs: 3, times: [0.5, 0.25, 1] });
    expect(scaled.medianMs).toBe(median(scaled.times));
    expect(() => scaleSample(scaled, 0)).toThrow('scaleSample: factor must be a positive finite number, got 0');
    expect(() => scaleSample(scaled, Infinity)).toThrow(/positive finite/);
  });

  it('names the unit in every time column header, ms by default', () => {
    const grid = new Comparison([{ id: 'r', label: 'row', group: 'g' }], [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }]);
    grid.set('r', 'a', { kind: 'time', sample: sample(1.5) });
    grid.set('r', 'b', { kind: 'time', sample: sample(3) });
    expect(renderComparison(grid).split('\n')[0]).toBe('| workload | A (ms) | B (ms) |');
    const header = renderComparison(grid, { unit: 'ns/element', ratios: [{ subject: 'a', reference: 'b' }] }).split('\n')[0];
    expect(header!.split('|').map((c) => c.trim()).filter(Boolean)).toEqual(['workload', 'A (ns/element)', 'vs B', 'B (ns/element)']);
  });
});
