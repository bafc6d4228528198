import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '@lossgraph/tensor';
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
