/**
 * The defects of issue 15, each tried as a new user would: CTC at logits of ±1e30 (float64) and
 * ±1e4 (float32), CTC on an empty batch, HuberLoss with a tiny rho, SigmoidBCE's fromSigmoid with
 * pred outside [0, 1], LogisticLoss labels outside the chosen format.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { CTCLoss, HuberLoss, LogisticLoss, SigmoidBCELoss } from '../src/index.js';

T.setBackend('cpu');

/**
 * The occupancy γ[t][k] of the alignments of `label` over `steps` steps when every class but
 * `excluded` is equally likely (and `excluded` impossible): the share of those paths with class k at t.
 */
function occupancy(steps: number, classes: number, blank: number, label: readonly number[], excluded: number): { gamma: number[][]; paths: number } {
  const counts = Array.from({ length: steps }, () => new Array<number>(classes).fill(0));
  let total = 0;
  const path = new Array<number>(steps).fill(0);
  for (let code = 0; code < classes ** steps; code++) {
    let c = code;
    for (let t = 0; t < steps; t++) {
      path[t] = c % classes;
      c = Math.floor(c / classes);
    }
    if (path.includes(excluded)) continue;
    const collapsed: number[] = [];
    path.forEach((k, t) => {
      if (k !== blank && (t === 0 || path[t - 1] !== k)) collapsed.push(k);
    });
    if (collapsed.length !== label.length || collapsed.some((k, i) => k !== label[i])) continue;
    total++;
    path.forEach((k, t) => counts[t]![k]!++);
  }
  return { gamma: counts.map((row) => row.map((n) => n / total)), paths: total };
}

describe('CTCLoss at extreme logits', () => {
  // N 1, T 6, C 4: class 2 at +big, the rest at -big; label [0, 1], blank 3. Every alignment emits
  // only classes at -big, each with log-probability -2·big: the loss is 6·2·big - log(#paths), and
  // the gradient softmax - occupancy: +1 for class 2, minus the occupancy for the others.
  const cases = [
    { dtype: 'float64', big: 1e30 },
    { dtype: 'float32', big: 1e4 },
  ] as const;
  test.each(cases)('$dtype, logits ±$big: exact loss, gradients in [-1, 1]', ({ dtype, big }) => {
    const logits = Array.from({ length: 6 }, () => [-big, -big, big, -big]);
    const pred = variable(T.tensor([logits], [1, 6, 4], dtype));
    const loss = new CTCLoss().forward(pred, [[0, 1]]);
    const { gamma, paths } = occupancy(6, 4, 3, [0, 1], 2);
    const expected = 12 * big - Math.log(paths);
    expect(Math.abs(loss.item() / expected - 1)).toBeLessThan(dtype === 'float64' ? 1e-15 : 1e-7);
    loss.backward();
    const g = pred.grad!.toArray() as number[][][];
    g[0]!.forEach((row, t) => {
      row.forEach((v, k) => {
        expect(v).toBeGreaterThanOrEqual(-1);
        expect(v).toBeLessThanOrEqual(1);
        expect(v).toBeCloseTo(k === 2 ? 1 : -gamma[t]![k]!, dtype === 'float64' ? 12 : 5);
      });
    });
  });

  test('an empty batch returns [] and an empty gradient', () => {
    const pred = variable(T.zeros([0, 5, 4]));
    const loss = new CTCLoss().forward(pred, T.zeros([0, 2]));
    expect(loss.shape).toEqual([0]);
    expect(loss.toArray()).toEqual([]);
    loss.backward();
    expect(pred.grad!.shape).toEqual([0, 5, 4]);
  });
});

describe('HuberLoss is finite for every rho > 0', () => {
  test.each(['float32', 'float64'] as const)('%s, rho = 1e-40 and rho = 1e30', (dtype) => {
    for (const rho of [1e-40, 1e30]) {
      const pred = variable(T.tensor([[0.5, -2, 0, 1e-41]], [1, 4], dtype));
      const loss = new HuberLoss({ rho }).forward(pred, [[0, 0, 0, 0]]);
      loss.backward();
      const grads = Array.from(pred.grad!.dataSync());
      expect(Number.isFinite(loss.item())).toBe(true);
      expect(grads.every(Number.isFinite)).toBe(true);
      if (rho === 1e-40) {
        // about |d|: (0.5 + 2 + 0 + 0) / 4, and sign(d)/4 where |d| > rho
        expect(loss.item()).toBeCloseTo(2.5 / 4, 6);
        expect(grads.slice(0, 2)).toEqual([0.25, -0.25]);
      } else {
        expect(loss.item()).toBeCloseTo((0.25 + 4) / (2 * rho) / 4, 6);
      }
    }
  });
});

describe('bad values are errors naming the input', () => {
  test('SigmoidBCE fromSigmoid with pred outside [0, 1]', () => {
    const loss = new SigmoidBCELoss({ fromSigmoid: true });
    expect(() => loss.forward([[0.5, 1.5]], [[1, 0]])).toThrow(/pred holds 1\.5 at \[0, 1\].*\[0, 1\]/);
    expect(() => loss.forward([[-0.1]], [[1]])).toThrow(/pred holds -0\.1/);
    expect(() => loss.forward([[NaN]], [[1]])).toThrow(/pred holds NaN/);
    expect(loss.forward([[0, 1]], [[0, 1]]).item()).toBeCloseTo(-Math.log(1 + 1e-12), 9);
  });

  test('LogisticLoss labels must match labelFormat', () => {
    expect(() => new LogisticLoss().forward([[0, 0]], [[1, 0.5]])).toThrow(/label holds 0\.5 at \[0, 1\].*'signed'.*-1 or 1/);
    expect(() => new LogisticLoss().forward([[0]], [[5]])).toThrow(/label holds 5/);
    expect(() => new LogisticLoss({ labelFormat: 'binary' }).forward([[0, 0]], [[1, -1]])).toThrow(/label holds -1.*'binary'.*0 or 1/);
    expect(new LogisticLoss({ labelFormat: 'binary' }).forward([[0, 0]], [[1, 0]]).item()).toBeCloseTo(Math.log(2), 6);
  });
});
