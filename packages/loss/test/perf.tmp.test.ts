import { test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { CTCLoss } from '@lossgraph/loss';
test('ctc perf', () => {
  const N = 32, TT = 50, C = 20, L = 10;
  const pred = T.randn([N, TT, C], { seed: 1 });
  const labels = Array.from({ length: N }, (_, n) => Array.from({ length: L }, (_, j) => (n * 7 + j * 3) % (C - 1)));
  const ctc = new CTCLoss();
  for (let rep = 0; rep < 15; rep++) {
    const p = variable(pred);
    const t0 = performance.now();
    const l = ctc.forward(p, labels);
    const t1 = performance.now();
    l.backward();
    const t2 = performance.now();
    if (rep >= 10) console.log(`fwd ${(t1 - t0).toFixed(1)} ms, bwd ${(t2 - t1).toFixed(1)} ms`);
  }
});
