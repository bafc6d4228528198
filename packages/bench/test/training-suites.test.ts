import { describe, expect, it } from 'vitest';
import type { SuiteContext, TimingOptions } from '../src/harness.js';
import { lossGradientCheck, lossInputs, lossSuite, lossWorkloads } from '../src/suites/loss.js';
import { scalingSuite, scalingWorkloads } from '../src/suites/scaling.js';
import { gpujsLoopSuite, memorySuite, mlpInitialWeights, mlpReference, mlpStepSuite, overheadSuite } from '../src/suites/training.js';

const fast: TimingOptions = { warmupMs: 0, minWarmupRuns: 1, budgetMs: 2, minRuns: 2, maxRuns: 3, hardLimitMs: 2_000, rounds: 1 };
const context = (selects: (text: string) => boolean = () => true): SuiteContext => ({ timing: fast, quick: true, selects, log: () => {} });
const numbers = (line: string): string[] => line.split('|').map((c) => c.trim()).filter((c) => /^\d+(\.\d+)?$/.test(c));

describe('loss suite (small sizes, no PyTorch)', () => {
  it('measures every loss on lossgraph, both TF.js backends and jax-js, each gradient checked first; CTC n/a for TF.js and jax-js', async () => {
    const report = await lossSuite({ scale: 0.005, torch: false }).run(context());
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Losses, forward plus backward (cpu, float32)');
    expect(lines[2]).toContain('jax-js wasm (ms)');
    for (const name of ['SoftmaxCE', 'SigmoidBCE', 'L2', 'Huber']) {
      const row = lines.find((l) => l.startsWith(`| ${name} `))!;
      // A cell whose gradient differs from the float64 reference would read "error" instead of a time.
      expect(numbers(row)).toHaveLength(4);
      expect(row).not.toMatch(/error/);
    }
    const ctc = lines.find((l) => l.startsWith('| CTC'))!;
    expect(numbers(ctc)).toHaveLength(1);
    expect(report.markdown).toContain('- n/a, TF.js cpu: TF.js has no CTC loss');
    expect(report.markdown).toContain('- n/a, jax-js wasm: jax-js 0.1.25 has no CTC loss');
    // TF.js cpu, tfjs-wasm, PyTorch (not run), jax-js, CTC vs PyTorch (not run).
    expect(report.targets.map((t) => t.holds === undefined)).toEqual([false, false, true, false, true]);
  }, 60_000);

  it('lossGradientCheck accepts the exact gradient of each loss and rejects a wrong formula or reduction', () => {
    const rows = lossWorkloads(0.005);
    for (const w of rows.filter((r) => r.group === 'dense')) {
      const inputs = lossInputs(w, 3);
      const cols = w.predShape[1]!;
      const x = inputs.pred;
      const y = inputs.label;
      let exact: Float32Array;
      if (w.kind === 'softmax_ce') {
        exact = new Float32Array(x.length);
        for (let r = 0; r < x.length / cols; r++) {
          const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const m = Math.max(...row);
          const z = row.reduce((t, v) => t + Math.exp(v - m), 0);
          row.forEach((v, c) => { exact[r * cols + c] = Math.exp(v - m) / z - (y[r] === c ? 1 : 0); });
        }
      } else if (w.kind === 'sigmoid_bce') {
        exact = Float32Array.from(x, (v, i) => (1 / (1 + Math.exp(-v)) - y[i]!) / cols);
      } else if (w.kind === 'l2') {
        exact = Float32Array.from(x, (v, i) => (v - y[i]!) / cols);
      } else {
        exact = Float32Array.from(x, (v, i) => Math.max(-1, Math.min(1, v - y[i]!)) / cols);
      }
      expect(lossGradientCheck(w, inputs, exact), w.kind).toBeUndefined();
      // TF.js's mean over the batch: the same gradient divided by N, accepted only with that scale.
      const batch = w.predShape[0]!;
      expect(lossGradientCheck(w, inputs, exact.map((v) => v / batch), 1 / batch), w.kind).toBeUndefined();
      expect(lossGradientCheck(w, inputs, exact.map((v) => v / batch)), w.kind).toMatch(/^at index \d+ got/);
      expect(lossGradientCheck(w, inputs, exact.map((v) => 2 * v)), w.kind).toMatch(/^at index \d+ got/);
    }
    const l2 = rows[2]!;
    expect(lossGradientCheck(l2, lossInputs(l2, 3), new Float32Array(3))).toBe(`gradient has 3 values, expected ${5 * 1000}`);
  });

  it('runs only the filtered row', async () => {
    const report = await lossSuite({ scale: 0.005, torch: false }).run(context((t) => t === 'loss/huber'));
    expect(report.markdown.split('\n').filter((l) => /^\| (SoftmaxCE|SigmoidBCE|L2|Huber|CTC)/.test(l))).toHaveLength(1);
  }, 60_000);
});

describe('training suites (small, no PyTorch)', () => {
  it('times an MLP step on lossgraph, TF.js and jax-js (jax-js checked against the float64 reference first)', async () => {
    const report = await mlpStepSuite({ torch: false, spec: { sizes: [8, 4, 3], batch: 4, learningRate: 0.1 } }).run(context());
    const row = report.markdown.split('\n').find((l) => l.startsWith('| SGD step'))!;
    expect(numbers(row)).toHaveLength(4);
    expect(row).not.toMatch(/error/);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]!.holds).not.toBeUndefined();
  }, 60_000);

  it('mlpReference\'s gradients match central differences of its loss', () => {
    const spec = { sizes: [5, 4, 3], batch: 3, learningRate: 0.1 };
    const weights = mlpInitialWeights(spec, 2);
    weights[1]!.set([0.1, -0.2, 0.3, 0.05]);
    const x = Float32Array.from({ length: 15 }, (_, i) => Math.sin(i + 1));
    const y = Int32Array.of(0, 2, 1);
    const { loss, grads } = mlpReference(spec, weights, x, y);
    expect(loss).toBeGreaterThan(0);
    const h = 1e-3;
    for (let a = 0; a < weights.length; a++) {
      for (let i = 0; i < weights[a]!.length; i++) {
        const shifted = (delta: number): number => {
          const copy = weights.map((w) => Float64Array.from(w));
          copy[a]![i] += delta;
          return mlpReference(spec, copy.map((w) => Float32Array.from(w)), x, y).loss;
        };
        // float32 weights limit the step's precision: a tolerance of 1e-3 on gradients of order 0.1.
        expect(grads[a]![i]!).toBeCloseTo((shifted(h) - shifted(-h)) / (2 * h), 3);
      }
    }
  });

  it('reports the per-op overhead in µs per op, scalar add and chains differentiated back, with its < 2 µs target', async () => {
    const report = await overheadSuite({ torch: false, chains: [10, 300] }).run(context());
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Per-op overhead (µs per op)');
    expect(lines[2]).toContain('lossgraph cpu (recorded) (µs/op)');
    for (const start of ['| scalar add ', '| chain of 10 recorded adds + backward', '| chain of 300 recorded adds + backward']) {
      const row = lines.find((l) => l.startsWith(start))!;
      expect(row, start).toBeDefined();
      expect(row).not.toMatch(/error/);
      expect(numbers(row)).toHaveLength(4);
    }
    expect(report.targets[0]!.details[0]).toMatch(/^\d+\.\d\d µs per op \((ok|MISS)\)$/);
  }, 60_000);

  it('leaves jax-js out of chains too long for its eager grad, saying why', async () => {
    const report = await overheadSuite({ torch: false, chains: [6000] }).run(context((t) => t === 'overhead/chain-6000'));
    expect(report.markdown).toContain('n/a, jax-js wasm: eager `grad` of a chain of 10,000 adds overflows the call stack');
    expect(report.targets).toEqual([]);
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
    for (const suite of [lossSuite(), scalingSuite(), mlpStepSuite(), overheadSuite(), gpujsLoopSuite(), memorySuite()]) {
      expect(await suite.run(context(() => false))).toEqual({ markdown: '', targets: [] });
    }
  });
});

describe('scaling suite (small, no PyTorch)', () => {
  it('multiplies the batch of each dense loss row by each factor', () => {
    const rows = scalingWorkloads([1, 4, 16]);
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.id).slice(0, 3)).toEqual(['scaling/softmax-ce-x1', 'scaling/softmax-ce-x4', 'scaling/softmax-ce-x16']);
    expect(rows[2]!.predShape).toEqual([65536, 1000]);
    expect(rows[2]!.label).toBe('SoftmaxCE [65536,1000], sparse labels (16x)');
    expect(rows[7]!.label).toBe('L2 [4000,1000] (4x)');
    expect(() => scalingWorkloads([0])).toThrow('scalingWorkloads: factors must be integers >= 1, got 0');
  });

  it('reports ns per element for lossgraph and jax-js, each cell checked first', async () => {
    const report = await scalingSuite({ torch: false, factors: [1, 4], scale: 0.005 }).run(context());
    const lines = report.markdown.split('\n');
    expect(lines[0]).toBe('## Scaling: losses at 1x, 4x and 16x, ns per element (cpu, float32)');
    expect(lines[2]).toContain('lossgraph cpu (ns/element)');
    const body = lines.filter((l) => /^\| (SoftmaxCE|SigmoidBCE|L2|Huber) /.test(l));
    expect(body).toHaveLength(8);
    for (const row of body) {
      expect(row).not.toMatch(/error/);
      expect(numbers(row)).toHaveLength(2);
    }
    const only = await scalingSuite({ torch: false, jax: false, factors: [1, 4], scale: 0.005 }).run(context((t) => t === 'scaling/l2-x4'));
    expect(only.markdown.split('\n').filter((l) => /^\| L2 /.test(l))).toEqual([expect.stringMatching(/^\| L2 \[20,1000\] \(4x\)/)]);
  }, 60_000);
});
