import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { SigmoidBCELoss } from '@lossgraph/loss';
import { checkFocalGradient, focalLoss, run } from '../src/custom-loss.js';

const logits = [[2, -1, 0.5], [-3, 0.3, 4]];
const labels = [[1, 0, 1], [1, 1, 0]];

function closeAll(actual: ArrayLike<number>, expected: readonly number[], digits: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]!).toBeCloseTo(e, digits));
}

describe('custom loss: sigmoid focal loss from defineLoss', () => {
  // Values and gradients from PyTorch (float64): mean over classes of
  // binary_cross_entropy_with_logits(x, y) * (1 - p_t)^γ, times α_t when α is given.
  it.each([
    [2, null, [0.0306783703, 2.2471936515], [-0.0016236467, 0.0175270433, -0.0459789991, -0.3755832935, -0.0641361464, 0.362131951]],
    [2, 0.25, [0.0114459355, 1.2076162859], [-0.0004059117, 0.0131452825, -0.0114947498, -0.0938958234, -0.0160340366, 0.2715989633]],
    [0.5, null, [0.1658574955, 2.4396336674], [-0.0201517556, 0.0662847739, -0.107545511, -0.3334224466, -0.1271599774, 0.3363171877]],
  ] as const)('gamma %s, alpha %s matches PyTorch in value and gradient', (gamma, alpha, values, grads) => {
    const x = variable(T.tensor(logits, undefined, 'float64'), { requiresGrad: true });
    const l = focalLoss({ gamma, alpha }).forward(x, labels);
    closeAll(l.dataSync(), values, 8);
    l.backward();
    closeAll(x.grad!.dataSync(), grads, 8);
  });

  it('with gamma 0 and no alpha equals SigmoidBCELoss', () => {
    const x = T.tensor(logits, undefined, 'float64');
    closeAll(focalLoss({ gamma: 0 }).forward(x, labels).dataSync(), Array.from(new SigmoidBCELoss().forward(x, labels).dataSync()), 10);
  });

  it('passes gradcheck, first and second order', () => {
    const first = checkFocalGradient({ order: 1 });
    const second = checkFocalGradient({ order: 2, gamma: 1.5, seed: 3 });
    expect(first.ok).toBe(true);
    expect(first.maxAbsError).toBeLessThan(1e-6);
    expect(second.ok).toBe(true);
  });

  it('rejects bad options, naming them', () => {
    expect(() => focalLoss({ gamma: -1 })).toThrow(/'gamma'/);
    expect(() => focalLoss({ alpha: 2 })).toThrow(/'alpha'/);
  });

  it('trains a one-vs-rest digits classifier to at least 95% test accuracy', async () => {
    const result = await run({ epochs: 10, outDir: null, progress: null });
    expect(result.gradcheck.order1.ok && result.gradcheck.order2.ok).toBe(true);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 5);
  });
});
