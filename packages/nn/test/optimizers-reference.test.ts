/**
 * AdamW, RMSProp, Nesterov SGD, schedules and global-norm clipping against torch.optim (float64,
 * 10 steps) and the schedules against a transcription of MXNet 1.9.1's lr_scheduler.py
 * (fixtures/optimizers.json, made by fixtures/generate_optimizers.py); on cpu float64 and
 * float32 and on gpujs webasm. Then state save/load and the option checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { add, mul, pow, sin, sub, sum, variable, type Variable } from '@lossgraph/autograd';
import {
  Adam, AdamW, clipGlobalNorm, CosineScheduler, FactorScheduler, RMSProp, SGD,
  type LRScheduler, type Optimizer,
} from '@lossgraph/nn';
import { describeSettings, restoreCpu } from './reference-settings.js';

type Nested = number | Nested[];
interface ScheduleCase { kind: 'factor' | 'cosine'; options: Record<string, unknown>; values: number[] }
interface OptimizerCase {
  optimizer: 'AdamW' | 'RMSProp' | 'SGD';
  options: Record<string, unknown> & { lrScheduler?: { kind: 'factor' | 'cosine'; options: Record<string, unknown> }; clipGlobalNorm?: number };
  trajectory: { w: number[]; m: number[][] }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8')) as {
  problem: { c: number[]; d: number[][]; w0: number[]; m0: number[][]; steps: number };
  schedules: ScheduleCase[];
  optimizers: OptimizerCase[];
};
const { problem } = fixture;

function makeScheduler(kind: 'factor' | 'cosine', options: Record<string, unknown>): LRScheduler {
  return kind === 'factor' ? new FactorScheduler(options as never) : new CosineScheduler(options as never);
}

describe('schedules equal MXNet 1.9.1 lr_scheduler.py, updates 0 to 30', () => {
  test.each(fixture.schedules.map((s) => [`${s.kind} ${JSON.stringify(s.options)}`, s] as const))('%s', (_label, s) => {
    const scheduler = makeScheduler(s.kind, s.options);
    s.values.forEach((want, n) => expect(scheduler.learningRate(n), `update ${n}`).toBe(want));
  });

  it('FactorScheduler is a function of numUpdate: asking again for an earlier update gives its rate', () => {
    const s = new FactorScheduler({ step: 2, factor: 0.5, baseLr: 1 });
    expect([5, 1, 3, 9, 2].map((n) => s.learningRate(n))).toEqual([0.25, 1, 0.5, 0.0625, 1]);
  });

  it('rejects bad options, naming them', () => {
    expect(() => new FactorScheduler({ step: 0 })).toThrow(/FactorScheduler: option 'step'/);
    expect(() => new FactorScheduler({ step: 2, factor: 1.5 })).toThrow(/option 'factor' is invalid: expected a factor of at most 1/);
    expect(() => new FactorScheduler({ step: 2, warmupBeginLr: 1, baseLr: 0.1 })).toThrow(/option 'warmupBeginLr' \(1\) must not exceed option 'baseLr'/);
    expect(() => new CosineScheduler({ maxUpdate: 5, warmupSteps: 5 })).toThrow(/option 'warmupSteps' \(5\) must be less than option 'maxUpdate'/);
    expect(() => new CosineScheduler({ maxUpdate: 5, warmup: 1 } as never)).toThrow(/unknown option 'warmup'/);
    expect(() => new CosineScheduler({ maxUpdate: 5 }).learningRate(-1)).toThrow(/CosineScheduler\.learningRate: numUpdate/);
  });
});

function objective(w: Variable, m: Variable): Variable {
  return add(sub(mul(0.25, sum(mul(problem.c, pow(w, 4)))), sum(w)), add(sum(mul(problem.d, pow(m, 2))), sum(sin(m))));
}

function makeOptimizer(c: OptimizerCase, params: Variable[]): Optimizer {
  const { lrScheduler, clipGlobalNorm: _clip, ...rest } = c.options;
  const options = lrScheduler === undefined ? rest : { ...rest, lrScheduler: makeScheduler(lrScheduler.kind, lrScheduler.options) };
  switch (c.optimizer) {
    case 'AdamW': return new AdamW(params, options);
    case 'RMSProp': return new RMSProp(params, options);
    case 'SGD': return new SGD(params, options);
  }
}

function runTrajectory(c: OptimizerCase, dtype: 'float32' | 'float64', steps = problem.steps, opt?: Optimizer, start?: Variable[]): { rows: number[][]; opt: Optimizer; params: Variable[] } {
  const params = start ?? [variable(T.tensor(problem.w0, undefined, dtype)), variable(T.tensor(problem.m0, undefined, dtype))];
  const optimizer = opt ?? makeOptimizer(c, params);
  const rows: number[][] = [];
  for (let t = 0; t < steps; t++) {
    optimizer.zeroGrad();
    objective(params[0]!, params[1]!).backward();
    if (c.options.clipGlobalNorm !== undefined) clipGlobalNorm(params, c.options.clipGlobalNorm);
    optimizer.step();
    rows.push([...params[0]!.dataSync(), ...params[1]!.dataSync()]);
  }
  return { rows, opt: optimizer, params };
}

const label = (c: OptimizerCase): string => `${c.optimizer} ${JSON.stringify(c.options)}`;

describeSettings('optimiser references', (name) => `optimiser trajectories against torch.optim, 10 steps, ${name}`, { float64: 1e-12, float32: 5e-5 }, (s) => {
  test.each(fixture.optimizers.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    s.activate();
    try {
      const { rows } = runTrajectory(c, s.dtype);
      rows.forEach((row, t) => {
        const want = [...c.trajectory[t]!.w, ...c.trajectory[t]!.m.flat()];
        row.forEach((v, j) => expect(Math.abs(v - want[j]!), `step ${t + 1}, element ${j}`).toBeLessThan(s.tol * Math.max(1, Math.abs(want[j]!))));
      });
    } finally {
      restoreCpu();
    }
  });
});

describe('optimiser state save and load', () => {
  test.each(fixture.optimizers.map((c) => [label(c), c] as const))('%s: 4 steps, save, load into a fresh optimiser, 6 steps = 10 steps', (_label, c) => {
    const first = runTrajectory(c, 'float64', 4);
    const saved = first.opt.saveStates();
    const params = first.params.map((p) => variable(p.value));
    const fresh = makeOptimizer(c, params);
    fresh.loadStates(saved);
    expect(fresh.stepCount).toBe(4);
    const { rows } = runTrajectory(c, 'float64', 6, fresh, params);
    const want = c.trajectory[9]!;
    expect(rows[5]!.map((v) => Number(v.toPrecision(12)))).toEqual([...want.w, ...want.m.flat()].map((v) => Number(v.toPrecision(12))));
  });

  it('checks the class, the parameters and their shapes before changing anything', () => {
    const w = variable(T.tensor([1, 2]), { name: 'w' });
    const opt = new Adam([w]);
    sum(mul(w, w)).backward();
    opt.step();
    const saved = opt.saveStates();
    expect(() => new AdamW([w]).loadStates(saved)).toThrow(/AdamW\.loadStates: the states were saved by Adam, not AdamW/);
    expect(() => new Adam([variable(T.tensor([1, 2]), { name: 'v' })]).loadStates(saved)).toThrow(/parameter 0 is 'v' here but 'w' in the states/);
    expect(() => new Adam([variable(T.tensor([1, 2, 3]), { name: 'w' })]).loadStates(saved)).toThrow(/the state 'm' of parameter 'w' has shape \[2\], the parameter \[3\]/);
    expect(() => opt.loadStates('{')).toThrow(/Adam\.loadStates: saved is not valid JSON/);
    expect(() => opt.loadStates('{"optimizer":"Adam"}')).toThrow(/Adam\.loadStates: saved\.stepCount/);
  });
});

describe('option checks and the schedule in the optimiser', () => {
  it('Nesterov needs momentum; a scheduled optimiser refuses setLearningRate and reports the next rate', () => {
    const w = variable(T.tensor([1, 2]));
    expect(() => new SGD([w], { nesterov: true })).toThrow(/SGD: option 'nesterov' is invalid: Nesterov momentum needs a positive momentum/);
    const opt = new SGD([w], { lrScheduler: new FactorScheduler({ step: 1, factor: 0.5, baseLr: 1 }) });
    expect(opt.learningRate).toBe(1);
    sum(w).backward();
    opt.step();
    expect(opt.learningRate).toBe(0.5);
    expect(() => opt.setLearningRate(0.1)).toThrow(/follows its lrScheduler/);
    expect(() => new RMSProp([w], { lrScheduler: 0.1 } as never)).toThrow(/RMSProp: option 'lrScheduler' is invalid: expected an LRScheduler/);
    expect(() => new RMSProp([w], { alpha: 0.9 } as never)).toThrow(/unknown option 'alpha'/);
  });

  it('clipGlobalNorm scales all gradients by one factor when their norm is above the bound, and returns the norm', () => {
    const a = variable(T.tensor([3], undefined, 'float64'));
    const b = variable(T.tensor([4], undefined, 'float64'));
    sum(add(mul(a, a), mul(b, b))).backward();   // grads 6 and 8: norm 10
    expect(clipGlobalNorm([a, b], 100)).toBe(10);
    expect(a.grad!.item()).toBe(6);
    expect(clipGlobalNorm([a, b], 5)).toBe(10);
    expect(a.grad!.item()).toBeCloseTo(3, 8);
    expect(b.grad!.item()).toBeCloseTo(4, 8);
    expect(() => clipGlobalNorm([a], 0)).toThrow(/clipGlobalNorm: maxNorm/);
  });
});
