/** Extremes: logits of magnitude up to 100 in float32, probabilities at 0 and 1, counts at 0. */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable, type Variable } from '@lossgraph/autograd';
import {
  KLDivLoss, LogisticLoss, PoissonNLLLoss, SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss,
} from '../src/index.js';

T.setBackend('cpu');
const allFinite = (v: Variable | null): boolean => v !== null && Array.from(v.dataSync()).every(Number.isFinite);

const logits = [[100, -100, 80], [-90, 95, -100]];
const bits = [[1, 0, 0], [1, 1, 0]];

/** softplus(x) = log(1 + e^x), evaluated stably in float64 for the references. */
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

describe('float32 at |logits| = 100', () => {
  test('SigmoidBCE from logits: exact values, including the tiny ones, and exact gradients', () => {
    const pred = variable(logits);
    const out = new SigmoidBinaryCrossEntropyLoss().forward(pred, bits);
    out.backward();
    // Element losses: softplus(-x) for label 1, softplus(x) for label 0.
    const expected = logits.map((row, i) => row.reduce((a, x, j) => a + (bits[i]![j] ? softplus(-x) : softplus(x)), 0) / 3);
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
    // The gradient is (sigmoid(x) - label)/3: 0 or ±1/3 at these magnitudes.
    const g = Array.from(pred.grad!.dataSync());
    const want = logits.flat().map((x, k) => (1 / (1 + Math.exp(-x)) - bits.flat()[k]!) / 3);
    g.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 6));
  });

  test('SigmoidBCE keeps the tails that cancel in relu(x) - x·z: loss(20, 1) = softplus(-20)', () => {
    const out = new SigmoidBinaryCrossEntropyLoss().forward([[20], [-30]], [[1], [0]]);
    const got = Array.from(out.dataSync());
    expect(got[0]! / softplus(-20)).toBeCloseTo(1, 5);
    expect(got[1]! / softplus(-30)).toBeCloseTo(1, 5);
  });

  test('SigmoidBCE with posWeight, Logistic, SoftmaxCE and KLDiv from raw scores stay finite', () => {
    const runs: [string, (p: Variable) => Variable][] = [
      ['bce posWeight', (p) => new SigmoidBinaryCrossEntropyLoss().forward(p, bits, { posWeight: [2, 0.5, 3] })],
      ['logistic signed', (p) => new LogisticLoss().forward(p, [[1, -1, -1], [1, 1, -1]])],
      ['logistic binary', (p) => new LogisticLoss({ labelFormat: 'binary' }).forward(p, bits)],
      ['softmax sparse', (p) => new SoftmaxCrossEntropyLoss().forward(p, [1, 2])],
      ['softmax dense', (p) => new SoftmaxCrossEntropyLoss({ sparseLabel: false }).forward(p, [[0.2, 0.3, 0.5], [0, 0, 1]])],
      ['kldiv raw', (p) => new KLDivLoss({ fromLogits: false }).forward(p, [[0.2, 0.3, 0.5], [0.25, 0.25, 0.5]])],
    ];
    for (const [name, run] of runs) {
      const pred = variable(logits);
      const out = run(pred);
      out.backward();
      expect(allFinite(out), name).toBe(true);
      expect(allFinite(pred.grad), name).toBe(true);
    }
    // Sparse softmax losses: logsumexp(row) - row[label] ≈ 100 - (-100) and 95 - (-100).
    const sce = new SoftmaxCrossEntropyLoss().forward(logits, [1, 2]).dataSync();
    expect(sce[0]).toBeCloseTo(200, 3);
    expect(sce[1]).toBeCloseTo(95 + 100, 3);
  });

  test('SigmoidBCE from probabilities 0 and 1 is finite (the 1e-12 inside the logs)', () => {
    const pred = variable([[0, 1, 0.5]]);
    const out = new SigmoidBinaryCrossEntropyLoss({ fromSigmoid: true }).forward(pred, [[1, 0, 1]]);
    out.backward();
    expect(allFinite(out)).toBe(true);
    expect(allFinite(pred.grad)).toBe(true);
    // -log(1e-12) twice and -log(0.5), averaged
    expect(out.item()).toBeCloseTo((2 * -Math.log(1e-12) + Math.log(2)) / 3, 1);
  });

  test('SigmoidBCE at logit 0 has the true gradient sigmoid(0) - z (no kink in the formula)', () => {
    const pred = variable([[0, 0]]);
    new SigmoidBinaryCrossEntropyLoss().forward(pred, [[1, 0]]).backward();
    expect(Array.from(pred.grad!.dataSync())).toEqual([-0.25, 0.25]);
  });
});

describe('PoissonNLLLoss with computeFull', () => {
  test('targets 0 and 1 add nothing (no NaN), targets above 1 add the Stirling term', () => {
    const pred = variable(T.tensor([[0.5, -0.25, 1]], undefined, 'float64'));
    const target = [[0, 1, 3]];
    const out = new PoissonNLLLoss({ computeFull: true }).forward(pred, target);
    out.backward();
    const stirling = 3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3);
    const expected = (Math.exp(0.5) - 0 + Math.exp(-0.25) + 0.25 + Math.exp(1) - 3 + stirling) / 3;
    expect(out.item()).toBeCloseTo(expected, 12);
    expect(allFinite(pred.grad)).toBe(true);
  });

  test('from rates, a rate of 0 is finite thanks to epsilon', () => {
    const pred = variable([[0, 2]]);
    const out = new PoissonNLLLoss({ fromLogits: false, computeFull: true }).forward(pred, [[0, 4]]);
    out.backward();
    expect(allFinite(out)).toBe(true);
    expect(allFinite(pred.grad)).toBe(true);
  });
});
