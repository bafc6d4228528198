import { it } from 'vitest';
import { variable, exp, mul, sum, scope, graphOf, toDot, toMermaid, backwardTrace, formatTrace, toJSON, matmul, add, relu, logSoftmax, pick, neg, mean } from '../src/index.js';
import { randn, tensor } from '@lossgraph/tensor';
it('scratch', () => {
  const x = variable(randn([4, 3], { seed: 1 }), { name: 'x', requiresGrad: false });
  const w1 = variable(randn([3, 5], { seed: 2 }), { name: 'w1' });
  const b1 = variable(randn([5], { seed: 3 }), { name: 'b1' });
  const w2 = variable(randn([5, 3], { seed: 4 }), { name: 'w2' });
  const b2 = variable(randn([3], { seed: 5 }), { name: 'b2' });
  const labels = tensor([0, 2, 1, 2], [4], 'int32');
  const h = scope('Dense1', () => relu(add(matmul(x, w1), b1)));
  const logits = scope('Dense2', () => add(matmul(h, w2), b2)).setName('logits');
  const loss = scope('SoftmaxCrossEntropy', () => mean(neg(pick(logSoftmax(logits, -1), labels, -1)))).setName('loss');
  const g = graphOf(loss, { gradients: 'compute' });
  console.log(toDot(g));
  console.log(toMermaid(g));
  console.log(toDot(g, { collapse: ['SoftmaxCrossEntropy'], values: false }));
});
