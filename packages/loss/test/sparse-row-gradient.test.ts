/**
 * The cpu backend's sparseRowGradient rewrite (packages/tensor/src/backends/cpu/rewrites.ts) waits
 * for one pattern that autograd's rules produce: pick's rule sends a scatter of one value per row
 * along the last axis, and logSoftmax's rule takes it as logSoftmaxGrad. SoftmaxCrossEntropyLoss
 * with sparse labels makes exactly that. If either rule changes shape, the rewrite stops firing
 * without any other test noticing (results stay right, only slower): this test notices. It also
 * checks that the rewritten gradient equals the dense path's (fusion off: nothing kept sparse) bit
 * for bit.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { cpuRewriteCounts, setFusionEnabled } from '@lossgraph/tensor/cpu';
import { variable } from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '../src/index.js';

T.setBackend('cpu');

const ROWS = 64;
const CLASSES = 128;

/** The loss and pred gradient of SoftmaxCrossEntropyLoss on fixed [64, 128] logits, and how often the rewrite fired meanwhile. */
function run(fusion: boolean): { loss: Float32Array; grad: Float32Array; fired: number } {
  const previous = setFusionEnabled(fusion);
  try {
    const before = cpuRewriteCounts().sparseRowGradient;
    const logits = Float32Array.from({ length: ROWS * CLASSES }, (_, i) => Math.sin(i * 0.37) * 4);
    const labels = T.tensor(Int32Array.from({ length: ROWS }, (_, r) => (r * 53) % CLASSES), [ROWS], 'int32');
    const pred = variable(T.tensor(logits, [ROWS, CLASSES]), { requiresGrad: true });
    const out = new SoftmaxCrossEntropyLoss().forward(pred, labels);
    T.sum(out.value).item();
    out.backward();
    return {
      loss: out.dataSync() as Float32Array,
      grad: pred.grad!.dataSync() as Float32Array,
      fired: cpuRewriteCounts().sparseRowGradient - before,
    };
  } finally {
    setFusionEnabled(previous);
  }
}

describe('SoftmaxCrossEntropyLoss (sparse labels) meets the sparseRowGradient rewrite', () => {
  test('the rewrite fires once per backward pass, and its gradient equals the dense one bit for bit', () => {
    const sparse = run(true);
    const dense = run(false);
    expect(sparse.fired, "pick's gradient no longer reaches logSoftmaxGrad as one value per row").toBe(1);
    expect(dense.fired).toBe(0);
    expect(Array.from(sparse.loss)).toEqual(Array.from(dense.loss));
    expect(sparse.grad.length).toBe(ROWS * CLASSES);
    for (let i = 0; i < sparse.grad.length; i++) {
      if (!Object.is(sparse.grad[i], dense.grad[i])) expect.fail(`gradient element ${i}: rewritten ${sparse.grad[i]}, dense ${dense.grad[i]}`);
    }
    // A real gradient: each row sums to 0 (softmax minus a one-hot row), and is not all zero.
    expect(Math.abs(sparse.grad.slice(0, CLASSES).reduce((s, v) => s + v, 0))).toBeLessThan(1e-5);
    expect(sparse.grad.some((v) => v !== 0)).toBe(true);
  });
});
