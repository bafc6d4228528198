/**
 * CTCLoss against an independent brute force (every path of every alignment enumerated), on the
 * conventions (blank last, -1 padding, lengths, layouts), on impossible alignments and on speed.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable, Variable } from '@lossgraph/autograd';
import { CTCLoss } from '../src/index.js';
import { emits, everyPath } from './ctc-paths.js';

T.setBackend('cpu');

/** -log Σ over every path of length `steps` that collapses to `label` (repeats merged, blanks dropped). */
function bruteForce(logits: number[][], label: readonly number[]): number {
  const steps = logits.length;
  const classes = logits[0]!.length;
  const blank = classes - 1;
  const logProbs = logits.map((row) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  });
  let total = 0;
  for (const path of everyPath(steps, classes)) {
    if (emits(path, blank, label)) total += Math.exp(path.reduce((a, k, t) => a + logProbs[t]![k]!, 0));
  }
  return -Math.log(total);
}

function randomLogits(batch: number, steps: number, classes: number, seed: number): number[][][] {
  return T.randn([batch, steps, classes], { seed, dtype: 'float64', std: 1.5 }).toArray() as number[][][];
}

describe('CTCLoss equals the brute-force sum over alignments', () => {
  test('labels with repeats, empty labels, and -1 padding (float64)', () => {
    const labels = [[0, 0, -1], [1, 0, 1], [-1, -1, -1], [2, -1, -1]];
    const logits = randomLogits(4, 5, 4, 11);
    const got = new CTCLoss().forward(T.tensor(logits, undefined, 'float64'), labels).dataSync();
    labels.forEach((l, n) => {
      expect(got[n]).toBeCloseTo(bruteForce(logits[n]!, l.filter((k) => k !== -1)), 10);
    });
  });

  test('predLengths and labelLengths cut the sequences, whatever the padding holds', () => {
    const logits = randomLogits(3, 6, 3, 12);
    const label = [[1, 1, 0], [0, 1, 0], [0, 0, 0]];
    const out = new CTCLoss().forward(T.tensor(logits, undefined, 'float64'), label, { predLengths: [6, 4, 3], labelLengths: [2, 3, 1] });
    const got = out.dataSync();
    expect(got[0]).toBeCloseTo(bruteForce(logits[0]!, [1, 1]), 10);
    expect(got[1]).toBeCloseTo(bruteForce(logits[1]!.slice(0, 4), [0, 1, 0]), 10);
    expect(got[2]).toBeCloseTo(bruteForce(logits[2]!.slice(0, 3), [0]), 10);
  });

  test('the TNC and TN layouts give the same losses and transposed gradients', () => {
    const logits = randomLogits(2, 5, 4, 13);
    const label = [[0, 2], [1, -1]];
    const ntc = variable(T.tensor(logits, undefined, 'float64'));
    const tnc = variable(T.transpose(T.tensor(logits, undefined, 'float64'), [1, 0, 2]));
    const a = new CTCLoss().forward(ntc, label);
    const b = new CTCLoss({ layout: 'TNC', labelLayout: 'TN' }).forward(tnc, [[0, 1], [2, -1]]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    a.backward();
    b.backward();
    expect(T.transpose(tnc.grad!.value, [1, 0, 2]).dataSync()).toEqual(ntc.grad!.dataSync());
  });

  test('the gradient of each time step sums to zero over the classes (softmax), and is zero past predLengths', () => {
    const pred = variable(T.tensor(randomLogits(2, 6, 4, 14), undefined, 'float64'));
    new CTCLoss().forward(pred, [[0, 1], [2, -1]], { predLengths: [6, 4] }).backward();
    const g = pred.grad!.toArray() as number[][][];
    for (const row of g) for (const step of row) expect(Math.abs(step.reduce((a, v) => a + v, 0))).toBeLessThan(1e-12);
    expect(g[1]!.slice(4).flat().every((v) => v === 0)).toBe(true);
    expect(g[1]!.slice(0, 4).flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });
});

describe('extremes', () => {
  test('an impossible alignment gives a huge finite loss and finite gradients', () => {
    // Two equal labels need a blank between them: 3 steps; 2 are too few.
    const pred = variable(T.randn([1, 2, 3], { seed: 2 }));
    const out = new CTCLoss().forward(pred, [[0, 0]]);
    expect(out.item()).toBeGreaterThan(1e29);
    expect(Number.isFinite(out.item())).toBe(true);
    out.backward();
    expect(Array.from(pred.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });

  test('logits of magnitude 100 in float32 give finite losses and gradients', () => {
    const values = T.mul(T.sign(T.randn([2, 8, 5], { seed: 4 })), 100);
    const pred = variable(values);
    const out = new CTCLoss().forward(pred, [[0, 1, 2], [3, 3, -1]]);
    out.backward();
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(pred.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });
});

describe('speed', () => {
  test('forward and backward at batch 32, T 50, C 20, label length 10', () => {
    const pred = T.randn([32, 50, 20], { seed: 1 });
    const labels = Array.from({ length: 32 }, (_, n) => Array.from({ length: 10 }, (_, j) => (n * 7 + j * 3) % 19));
    const ctc = new CTCLoss();
    let best = Infinity;
    let last: Variable | null = null;
    for (let rep = 0; rep < 8; rep++) {
      const p = variable(pred);
      const start = performance.now();
      last = ctc.forward(p, labels);
      last.backward();
      best = Math.min(best, performance.now() - start);
    }
    console.log(`CTCLoss fwd+bwd, batch 32, T 50, C 20, L 10: best of 8 ${best.toFixed(1)} ms`);
    expect(Array.from(last!.dataSync()).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    // A generous bound (shared CI machines); the target is about 15 ms.
    expect(best).toBeLessThan(250);
  });
});
