import { test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { CTCLoss } from '@lossgraph/loss';
test('ctc perf', () => {
  const N = 32, TT = 50, C = 20, L = 10;
  const pred = T.randn([N, TT, C], { seed: 1 });
  const labels = Array.from({ length: N }, (_, n) => Array.from({ length: L }, (_, j) => (n * 7 + j * 3) % (C - 1)));
  const ctc = new CTCLoss();
  let bf = Infinity, bb = Infinity, bt = Infinity;
  for (let rep = 0; rep < 40; rep++) {
    const p = variable(pred);
    const t0 = performance.now();
    const l = ctc.forward(p, labels);
    const t1 = performance.now();
    l.backward();
    const t2 = performance.now();
    bf = Math.min(bf, t1 - t0); bb = Math.min(bb, t2 - t1); bt = Math.min(bt, t2 - t0);
  }
  console.log(`min fwd ${bf.toFixed(1)} ms, bwd ${bb.toFixed(1)} ms, total ${bt.toFixed(1)}`);
});
