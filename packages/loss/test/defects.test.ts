/**
 * The defects of issue 15, each tried as a new user would: CTC at logits of ±1e30 (float64) and
 * ±1e4 (float32), CTC on an empty batch, HuberLoss with a tiny rho, SigmoidBCE's fromSigmoid with
 * pred outside [0, 1], LogisticLoss labels outside the chosen format; MXNet 1.9.1's six CTC test
 * cases; reduction and defineLoss's reduceNonBatch.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { logSoftmax, mul, neg, variable } from '@lossgraph/autograd';
import { CTCLoss, defineLoss, HuberLoss, LogisticLoss, SigmoidBCELoss, SmoothL1Loss, SoftmaxCELoss } from '../src/index.js';
import '@lossgraph/tensor/gpujs';
import { emits, everyPath } from './ctc-paths.js';

T.setBackend('cpu');

/**
 * The occupancy γ[t][k] of the alignments of `label` over `steps` steps when every class but
 * `excluded` is equally likely (and `excluded` impossible): the share of those paths with class k at t.
 */
function occupancy(steps: number, classes: number, blank: number, label: readonly number[], excluded: number): { gamma: number[][]; paths: number } {
  const counts = Array.from({ length: steps }, () => new Array<number>(classes).fill(0));
  let total = 0;
  for (const path of everyPath(steps, classes)) {
    if (path.includes(excluded) || !emits(path, blank, label)) continue;
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
    // [-1, 1] up to the dtype's rounding (float32 sums the occupancies to 1 + 2^-23)
    const rounding = dtype === 'float64' ? 4 * 2 ** -52 : 4 * 2 ** -23;
    g[0]!.forEach((row, t) => {
      row.forEach((v, k) => {
        expect(v).toBeGreaterThanOrEqual(-1 - rounding);
        expect(v).toBeLessThanOrEqual(1 + rounding);
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

describe('HuberLoss (and SmoothL1Loss) is finite for every rho > 0', () => {
  test.each(['webasm', ...(process.env.DISPLAY ? ['headlessgl' as const] : [])] as const)('gpujs %s, float32, rho 1e-40', (mode) => {
    T.setBackend('gpujs', { mode });
    try {
      const pred = variable(T.tensor([[0.5, -2, 0, 1e-41]], [1, 4], 'float32'));
      const loss = new HuberLoss({ rho: 1e-40 }).forward(pred, [[0, 0, 0, 0]]);
      loss.backward();
      expect(loss.item()).toBeCloseTo(2.5 / 4, 6);
      expect(Array.from(pred.grad!.dataSync()).every(Number.isFinite)).toBe(true);
    } finally {
      T.setBackend('cpu');
    }
  });

  test.each(['float32', 'float64'] as const)('%s, rho from 5e-324 to 1e30', (dtype) => {
    for (const rho of [5e-324, 1e-50, 1e-40, 1e30]) {
      const pred = variable(T.tensor([[0.5, -2, 0, 1e-41]], [1, 4], dtype));
      const loss = new HuberLoss({ rho }).forward(pred, [[0, 0, 0, 0]]);
      loss.backward();
      const smooth = new SmoothL1Loss({ beta: rho }).forward(pred, [[0, 0, 0, 0]]);
      expect(smooth.item()).toBeCloseTo(loss.item(), 12);
      const grads = Array.from(pred.grad!.dataSync());
      expect(Number.isFinite(loss.item())).toBe(true);
      expect(grads.every(Number.isFinite)).toBe(true);
      if (rho < 1e-30) {
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

describe("MXNet 1.9.1's six test_ctc_loss cases", () => {
  // Uniform logits: the loss depends only on the label's length and repeats. The last three label
  // with class 3 = C - 1, Gluon's blank; MXNet reads it as a label. Here they run with blank:
  // 'first' (class 0 is the blank, labels lie in [1, 4)), which keeps their meaning.
  const expected = [18.82820702, 16.50581741];
  const ones = (shape: number[]): T.Tensor => T.ones(shape, 'float64');
  test.each([
    ['NTC', () => new CTCLoss().forward(ones([2, 20, 4]), [[1, 0, -1, -1], [2, 1, 1, -1]])],
    ['TNC', () => new CTCLoss({ layout: 'TNC' }).forward(ones([20, 2, 4]), [[1, 0, -1, -1], [2, 1, 1, -1]])],
    ['TNC, TN', () => new CTCLoss({ layout: 'TNC', labelLayout: 'TN' }).forward(ones([20, 2, 4]), [[1, 2], [0, 1], [-1, 1], [-1, -1]])],
    ['labelLengths (blank first)', () => new CTCLoss({ blank: 'first' }).forward(ones([2, 20, 4]), [[2, 1, 2, 2], [3, 2, 2, 2]], { labelLengths: [2, 3] })],
    ['predLengths (blank first)', () => new CTCLoss({ blank: 'first' }).forward(ones([2, 25, 4]), [[2, 1, -1, -1], [3, 2, 2, -1]], { predLengths: [20, 20] })],
    ['both lengths (blank first)', () => new CTCLoss({ blank: 'first' }).forward(ones([2, 25, 4]), [[2, 1, 3, 3], [3, 2, 2, 3]], { predLengths: [20, 20], labelLengths: [2, 3] })],
  ])('%s', (_name, run) => {
    const got = run().dataSync();
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));   // MXNet's float32 values, to its assert_almost_equal's precision
  });

  test("with the default blank ('last') class 3 is refused, naming the option", () => {
    expect(() => new CTCLoss().forward(ones([2, 25, 4]), [[2, 1, -1, -1], [3, 2, 2, -1]])).toThrow(/option 'blank' is 'last'/);
  });
});

describe('reduction and reduceNonBatch', () => {
  test("every loss's 'mean' and 'sum' reduce its per-sample losses", () => {
    const pred = T.tensor([[0.2, -1.5, 0.7], [1.1, 0.3, -0.4]], [2, 3], 'float64');
    const label = T.tensor([[1, -1, 1], [-1, 1, 1]], [2, 3], 'float64');
    for (const make of [
      (reduction: 'none' | 'mean' | 'sum') => new HuberLoss({ reduction }).forward(pred, label),
      (reduction: 'none' | 'mean' | 'sum') => new LogisticLoss({ reduction }).forward(pred, label),
      (reduction: 'none' | 'mean' | 'sum') => new CTCLoss({ reduction }).forward(T.reshape(pred, [2, 1, 3]), [[0], [1]]),
    ]) {
      const none = Array.from(make('none').dataSync());
      expect(make('sum').shape).toEqual([]);
      expect(make('sum').item()).toBeCloseTo(none[0]! + none[1]!, 12);
      expect(make('mean').item()).toBeCloseTo((none[0]! + none[1]!) / 2, 12);
    }
  });

  test("defineLoss with reduceNonBatch: 'sum' gives a cross-entropy over one-hot labels that equals SoftmaxCE", () => {
    const CE = defineLoss('CE', (p, l) => neg(mul(l, logSoftmax(p, -1))), {}, { reduceNonBatch: 'sum' });
    const Mean = defineLoss('CEMean', (p, l) => neg(mul(l, logSoftmax(p, -1))));
    const pred = T.tensor([[0.5, 2, -1], [1, 0, 3]], [2, 3], 'float64');
    const oneHot = [[0, 1, 0], [1, 0, 0]];
    const reference = new SoftmaxCELoss().forward(pred, [1, 0]).dataSync();
    const got = new CE().forward(pred, oneHot).dataSync();
    const mean = new Mean().forward(pred, oneHot).dataSync();
    reference.forEach((r, i) => {
      expect(got[i]).toBeCloseTo(r, 12);
      expect(mean[i]).toBeCloseTo(r / 3, 12);
    });
  });
});
