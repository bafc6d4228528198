// The same program as train.ts in plain JavaScript, run by Node against the installed tarballs.
import { matmul, randn, tensor } from '@lossgraph/tensor';
import { grad, mean, pow, sum } from '@lossgraph/autograd';
import { L2Loss } from '@lossgraph/loss';
import { Dense, Sequential, SGD } from '@lossgraph/nn';

const x = randn([64, 4], { seed: 1 });
const y = matmul(x, tensor([[1], [-2], [3], [0.5]]));
const net = new Sequential().add(new Dense(8, { activation: 'tanh' }), new Dense(1));
net.initialize({ seed: 0 });
const optimizer = new SGD(net, { learningRate: 0.1 });
const loss = new L2Loss();
const losses = [];
for (let step = 0; step < 60; step++) {
  optimizer.zeroGrad();
  const value = mean(loss.forward(net.forward(x), y));
  value.backward();
  optimizer.step();
  losses.push(value.item());
}
const cube = (v) => sum(pow(v, 3));
const secondDerivative = grad((v) => sum(grad(cube)(v)))([1, 2]).toArray();
console.log(JSON.stringify({ firstLoss: losses[0], lastLoss: losses.at(-1), secondDerivative }));
