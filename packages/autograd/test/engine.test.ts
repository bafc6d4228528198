import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '@lossgraph/tensor';
import { setFusionEnabled, sharesStorage } from '@lossgraph/tensor/cpu';
import * as A from '../src/index.js';
import { noGrad, variable } from '../src/index.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('backward engine at scale', () => {
  it('back-propagates through a chain of 100,000 ops without recursion, in linear time', () => {
    const x = variable(1);
    const one = A.constant(1);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = A.add(y, one);
    const start = performance.now();
    y.backward();
    const elapsed = performance.now() - start;
    expect(x.grad!.item()).toBe(1);
    expect(elapsed).toBeLessThan(2000);
  });

  it('keeps the heap flat over 10,000 training steps', () => {
    const x = T.randn([8, 3], { seed: 1 });
    const target = T.randn([8, 2], { seed: 2 });
    const w = variable(T.randn([3, 2], { seed: 3 }), { name: 'w' });
    const b = variable(T.zeros([2]), { name: 'b' });
    const step = (): number => {
      const loss = A.mean(A.square(A.sub(A.add(A.matmul(x, w), b), target)));
      loss.backward();
      noGrad(() => {
        w.assign(A.sub(w, A.mul(w.grad!, 0.05)));
        b.assign(A.sub(b, A.mul(b.grad!, 0.05)));
      });
      w.zeroGrad();
      b.zeroGrad();
      return loss.item();
    };
    const first = step();
    for (let i = 0; i < 1000; i++) step();
    const before = heapAfterGc();
    let last = 0;
    for (let i = 0; i < 9000; i++) last = step();
    const after = heapAfterGc();
    expect(last).toBeLessThan(first);
    expect((after - before) / 2 ** 20).toBeLessThan(2);
  });
});

describe('memory reuse across backward passes (cpu scratch scopes)', () => {
  const shape = [200, 300]; // 60,000 floats: above the size from which the cpu backend recycles arrays
  const input = (seed: number): T.Tensor => T.mul(T.reshape(T.sin(T.cast(T.add(T.arange(shape[0]! * shape[1]!), seed), 'float32')), shape), 3);

  it('recycles only temporaries: leaf gradients and forward values stay intact over later passes', () => {
    T.setBackend('cpu');
    const x = variable(input(1));
    const y = A.mul(A.exp(A.tanh(x)), 2);
    A.sum(A.square(y)).backward();
    const grad = x.grad!;
    const gradBefore = Array.from(grad.dataSync());
    const yBefore = Array.from(y.dataSync());
    // Expected: d/dx Σ (2 e^{tanh x})² = 8 e^{2 tanh x} (1 - tanh² x).
    const xs = Array.from(x.dataSync());
    xs.forEach((v, i) => expect(gradBefore[i]!).toBeCloseTo(8 * Math.exp(2 * Math.tanh(v)) * (1 - Math.tanh(v) ** 2), 2));
    // Many more passes of the same sizes, each of which recycles its temporaries.
    for (let k = 2; k < 8; k++) {
      const z = variable(input(k));
      A.sum(A.mul(A.sigmoid(A.mul(z, 3)), A.exp(z))).backward();
      T.mul(T.exp(z.value), 2);
    }
    expect(Array.from(grad.dataSync())).toEqual(gradBefore);
    expect(Array.from(y.dataSync())).toEqual(yBefore);
  });

  it('keeps intermediate gradients when they are inspected (retainGrads)', () => {
    const x = variable(input(3));
    const h = A.exp(A.mul(x, 0.5));
    const out = A.sum(A.square(h));
    out.backward(undefined, { retainGrads: true });
    const hGrad = Array.from(h.node!.outputGrad!.dataSync());
    for (let k = 0; k < 4; k++) {
      const z = variable(input(10 + k));
      A.sum(A.mul(A.exp(z), A.exp(z))).backward();
    }
    expect(Array.from(h.node!.outputGrad!.dataSync())).toEqual(hGrad);
    expect(hGrad.slice(0, 5)).toEqual(Array.from(T.mul(h.value, 2).dataSync()).slice(0, 5));
  });

  it('withScratch hands a dropped array to the next op of the same size, and never a kept one', () => {
    T.setBackend('cpu');
    // Fused elementwise ops allocate nothing until evaluated: run each op on its own here.
    const fusion = setFusionEnabled(false);
    try {
      const a = input(4);
      let temporary: T.Tensor | undefined;
      const kept = T.withScratch(() => {
        temporary = T.exp(a);
        return T.add(temporary, 1);
      }, (r) => [r]);
      const next = T.mul(a, 2);
      expect(sharesStorage(next, temporary!)).toBe(true);
      expect(sharesStorage(next, kept)).toBe(false);
      expect(Array.from(kept.dataSync()).slice(0, 3)).toEqual(Array.from(T.add(T.exp(a), 1).dataSync()).slice(0, 3));
    } finally {
      setFusionEnabled(fusion);
    }
  });

  it('evaluates a deferred (fused) result the scope keeps before recycling the arrays it reads', () => {
    T.setBackend('cpu');
    const a = input(5);
    const expected = Array.from(T.add(T.softmax(T.exp(a), -1), 1).dataSync());
    const kept = T.withScratch(() => T.add(T.softmax(T.exp(a), -1), 1), (r) => [r]);
    // Reuse the pool: these would overwrite a recycled array the kept result still read.
    for (let k = 0; k < 3; k++) T.softmax(T.exp(input(20 + k)), -1).dataSync();
    expect(Array.from(kept.dataSync())).toEqual(expected);
  });
});
