import { test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { variable } from '@lossgraph/autograd';
import { CTCLoss } from '@lossgraph/loss';
test('ctc prof', () => {
  const N = 32, TT = 50, C = 20, L = 10;
  const pred = T.randn([N, TT, C], { seed: 1 });
  const labels = Array.from({ length: N }, (_, n) => Array.from({ length: L }, (_, j) => (n * 7 + j * 3) % (C - 1)));
  const ctc = new CTCLoss();
  for (let rep = 0; rep < 60; rep++) {
    const p = variable(pred);
    const l = ctc.forward(p, labels);
    l.backward();
  }
});
