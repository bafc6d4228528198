/**
 * Plain arrays for the integer inputs of the losses (sparse labels, CTC labels and lengths, cosine
 * labels) on every backend: they are read on the host, so gpujs (float32 only) takes them as cpu
 * does, and the loss values agree with cpu's. headlessgl needs an X display (`xvfb-run -a`);
 * without one it is skipped, unless CI is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randn, setBackend, tensor, type GpuJsMode } from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { CosineEmbeddingLoss, CTCLoss, SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import '@lossgraph/tensor/gpujs';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

afterEach(() => setBackend('cpu'));

/** Each loss with plain-array integer inputs, giving its values and the gradient of its sum. */
const cases: Record<string, () => { loss: number[]; grad: number[] }> = {
  'SoftmaxCrossEntropyLoss, sparse label [0, 2]': () => {
    const pred = variable(tensor([[1, 2, 3], [0.5, -1, 2]]));
    const l = new SoftmaxCrossEntropyLoss().forward(pred, [0, 2]);
    l.backward();
    return { loss: Array.from(l.dataSync()), grad: Array.from(pred.grad!.dataSync()) };
  },
  'CTCLoss, label [[1, 0], [2, -1]] with lengths [4, 3] and [2, 1]': () => {
    const pred = variable(randn([2, 4, 4], { seed: 3 }));
    const l = new CTCLoss().forward(pred, [[1, 0], [2, -1]], { predLengths: [4, 3], labelLengths: [2, 1] });
    l.backward();
    return { loss: Array.from(l.dataSync()), grad: Array.from(pred.grad!.dataSync()) };
  },
  'CosineEmbeddingLoss, label [1, -1]': () => {
    const a = variable(tensor([[1, 2, 3], [0, 1, 0]]));
    const l = new CosineEmbeddingLoss({ margin: 0.1 }).forward(a, tensor([[1, 2, 4], [1, 1, 0]]), [1, -1]);
    l.backward();
    return { loss: Array.from(l.dataSync()), grad: Array.from(a.grad!.dataSync()) };
  },
};


for (const mode of ['webasm', 'headlessgl'] as const) {
  const reason = gpujsUnavailable(mode);
  const suite = reason !== null && !process.env.CI ? describe.skip : describe;
  suite(`plain-array integer inputs on gpujs ${mode} agree with cpu`, () => {
    for (const [name, run] of Object.entries(cases)) {
      it(name, () => {
        if (reason !== null) throw new Error(`gpujs/${mode} is unavailable: ${reason}`);
        setBackend('cpu');
        const expected = run();
        setBackend('gpujs', { mode });
        const got = run();
        expect(got.loss.length).toBe(expected.loss.length);
        got.loss.forEach((v, i) => expect(v).toBeCloseTo(expected.loss[i]!, 4));
        got.grad.forEach((v, i) => expect(v).toBeCloseTo(expected.grad[i]!, 4));
      });
    }
  });
}

describe('plain-array integer inputs are checked on the host, before any work', () => {
  it('a fractional label is named on gpujs as on cpu (not rounded to float32 first)', () => {
    setBackend('gpujs', { mode: 'webasm' });
    expect(() => new SoftmaxCrossEntropyLoss().forward(variable([[1, 2, 3]]), [0.5])).toThrow(/label holds 0.5, not an integer/);
    // 16777217 is not a float32: a float32 tensor would round it to 16777216 and pass the range check.
    expect(() => new SoftmaxCrossEntropyLoss().forward(variable([[1, 2, 3]]), [16777217])).toThrow(/label holds 16777217, outside \[0, 3\)/);
  });
});
