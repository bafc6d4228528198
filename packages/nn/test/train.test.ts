import { describe, expect, it } from 'vitest';
import { Random, tensor, type Tensor } from '@lossgraph/tensor';
import { logSoftmax, mean, neg, pick, sum, type Variable } from '@lossgraph/autograd';
import { Accuracy, Adam, DataLoader, Dense, SGD, Sequential, Xavier, accuracy, type Optimizer } from '@lossgraph/nn';

/** Per-sample softmax cross-entropy from autograd ops: -log softmax(logits)[label]. */
const crossEntropy = (logits: Variable, labels: Tensor): Variable => neg(pick(logSoftmax(logits, -1), labels, -1));

/**
 * Two interleaved spiral arms of three quarters of a turn, `perClass` points each, with a little
 * noise. (With zero biases and Xavier weights, as Gluon initialises, longer arms need many more epochs.)
 */
function spiral(perClass: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Random(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let cls = 0; cls < 2; cls++) {
    for (let i = 0; i < perClass; i++) {
      const r = 0.1 + (i / perClass) * 0.9;
      const angle = 1.5 * Math.PI * (i / perClass) + cls * Math.PI + 0.15 * rng.normal();
      x.push([r * Math.cos(angle), r * Math.sin(angle)]);
      y.push(cls);
    }
  }
  return { x, y };
}

function train(net: Sequential, opt: Optimizer, loader: DataLoader, epochs: number, summed: boolean): number[] {
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    for (const { x, y } of loader) {
      opt.zeroGrad();
      const perSample = crossEntropy(net.forward(x), y);
      const loss = summed ? sum(perSample) : mean(perSample);
      loss.backward();
      // A summed loss is averaged by step(batchSize), as with Gluon's Trainer.
      opt.step(summed ? x.shape[0] : 1);
      total += summed ? loss.item() / x.shape[0]! : loss.item();
    }
    losses.push(total / loader.length);
  }
  return losses;
}

describe('end-to-end training', () => {
  it('an MLP learns a two-arm spiral with Adam to >= 95% training accuracy', () => {
    const data = spiral(100, 3);
    const net = new Sequential().add(new Dense(32, { activation: 'tanh' }), new Dense(32, { activation: 'tanh' }), new Dense(2));
    net.initialize({ init: new Xavier(), seed: 0 });
    const loader = new DataLoader(data.x, data.y, { batchSize: 32, shuffle: true, seed: 1 });
    const untrained = accuracy(net.forward(data.x), data.y);
    const losses = train(net, new Adam(net, { learningRate: 0.02 }), loader, 40, false);
    const metric = new Accuracy();
    for (const { x, y } of new DataLoader(data.x, data.y, { batchSize: 50 })) metric.update(net.forward(x), y);
    expect(untrained).toBeLessThan(0.8);
    expect(metric.get()).toBeGreaterThanOrEqual(0.95);
    expect(losses[losses.length - 1]!).toBeLessThan(0.15);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 3);
  });

  it('SGD with momentum and a summed loss learns XOR-like quadrants to >= 97%', () => {
    const rng = new Random(5);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = rng.next() * 2 - 1;
      const b = rng.next() * 2 - 1;
      x.push([a, b]);
      y.push(a * b > 0 ? 1 : 0);
    }
    const net = new Sequential().add(new Dense(16, { activation: 'relu' }), new Dense(2));
    net.initialize({ init: new Xavier({ rndType: 'gaussian', factorType: 'in', magnitude: 2 }), seed: 2 });
    const loader = new DataLoader(tensor(x), tensor(y, undefined, 'int32'), { batchSize: 20, shuffle: true, seed: 4, lastBatch: 'discard' });
    train(net, new SGD(net, { learningRate: 0.2, momentum: 0.9, weightDecay: 1e-4 }), loader, 60, true);
    expect(accuracy(net.forward(x), y)).toBeGreaterThanOrEqual(0.97);
  });
});
