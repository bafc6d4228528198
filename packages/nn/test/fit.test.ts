/**
 * fit: trains, reports progress, yields to the event loop, stops on an AbortSignal between whole
 * steps, and refuses data that does not fit before the first step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { arange, memory, randn, setBackend, tensor, tidy } from '@lossgraph/tensor';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { logSoftmax, mean, neg, pick } from '@lossgraph/autograd';
import { Adam, DataLoader, Dense, fit, Sequential, SGD, type FitProgress } from '@lossgraph/nn';
import '@lossgraph/tensor/gpujs';

afterEach(() => setBackend('cpu'));

function setup(features = 16) {
  const images = randn([128, features], { seed: 1 });
  const labels = tensor(Array.from(arange(128).dataSync(), (i) => i % 4), undefined, 'int32');
  const net = new Sequential().add(new Dense(32, { activation: 'relu' }), new Dense(4));
  net.initialize({ seed: 0 });
  const optimizer = new SGD(net, { learningRate: 0.1, momentum: 0.9 });
  const data = new DataLoader(images, labels, { batchSize: 32, shuffle: true, seed: 0 });
  return { net, optimizer, data };
}

describe('fit', () => {
  it('trains: the loss falls, onStep sees every step, and its losses are what a hand-written loop gets', async () => {
    const a = setup();
    const progress: FitProgress[] = [];
    const result = await fit(a.net, { loss: new SoftmaxCrossEntropyLoss(), optimizer: a.optimizer, data: a.data, epochs: 5, onStep: (p) => progress.push(p) });
    expect(result.aborted).toBe(false);
    expect(result.steps).toBe(20);
    expect(progress.map((p) => `${p.epoch}.${p.step}`).slice(0, 5)).toEqual(['1.1', '1.2', '1.3', '1.4', '2.1']);
    expect(progress[19]!.totalSteps).toBe(20);
    expect(result.epochLosses[4]!).toBeLessThan(result.epochLosses[0]!);

    const b = setup();
    const handLosses: number[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const { x, y } of b.data) {
        handLosses.push(tidy(() => {
          b.optimizer.zeroGrad();
          const l = mean(new SoftmaxCrossEntropyLoss().forward(b.net.forward(x), y));
          const value = l.item();
          l.backward();
          b.optimizer.step();
          return value;
        }));
      }
    }
    expect(progress.map((p) => p.loss)).toEqual(handLosses);
  });

  it('accepts a loss function, and keeps memory flat across epochs', async () => {
    const { net, optimizer, data } = setup();
    const loss = (pred: Parameters<typeof logSoftmax>[0], label: Parameters<typeof pick>[1]) => mean(neg(pick(logSoftmax(pred), label)));
    await fit(net, { loss, optimizer, data, epochs: 1 });
    const after1 = memory().cpu!.tensors;
    await fit(net, { loss, optimizer, data, epochs: 3 });
    expect(memory().cpu!.tensors).toBe(after1);
  });

  it('yields to the event loop while it trains (a timer fires during the fit)', async () => {
    const { net, optimizer, data } = setup();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer, data, epochs: 20, yieldEveryMs: 0 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops on an AbortSignal between whole steps: parameters and optimiser state are those of the steps it ran', async () => {
    const a = setup();
    const controller = new AbortController();
    const result = await fit(a.net, {
      loss: new SoftmaxCrossEntropyLoss(), optimizer: a.optimizer, data: a.data, epochs: 5, yieldEveryMs: 0,
      onStep: ({ totalSteps }) => { if (totalSteps === 6) controller.abort(); },
      signal: controller.signal,
    });
    expect(result).toMatchObject({ aborted: true, steps: 6 });
    expect(a.optimizer.stepCount).toBe(6);

    // The same 6 steps by hand, then one more step each: equal parameters show the state matched too.
    const b = setup();
    let steps = 0;
    outer: for (;;) {
      for (const { x, y } of b.data) {
        tidy(() => {
          b.optimizer.zeroGrad();
          const l = mean(new SoftmaxCrossEntropyLoss().forward(b.net.forward(x), y));
          l.backward();
          b.optimizer.step();
        });
        if (++steps === 6) break outer;
      }
    }
    const params = (net: Sequential) => net.parameters().map((p) => Array.from(p.data().dataSync()));
    expect(params(a.net)).toEqual(params(b.net));
    const more = (s: ReturnType<typeof setup>) => new DataLoader(randn([32, 16], { seed: 9 }), tensor([0, 1, 2, 3].flatMap((c) => Array(8).fill(c)), undefined, 'int32'), { batchSize: 32 });
    await fit(a.net, { loss: new SoftmaxCrossEntropyLoss(), optimizer: a.optimizer, data: more(a) });
    await fit(b.net, { loss: new SoftmaxCrossEntropyLoss(), optimizer: b.optimizer, data: more(b) });
    expect(params(a.net)).toEqual(params(b.net));
  });

  it('refuses data that does not fit before the first step, naming options.data; bad options by name', async () => {
    const { net, optimizer } = setup();
    await fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer, data: new DataLoader(randn([8, 16]), tensor([0, 1, 2, 3, 0, 1, 2, 3], undefined, 'int32'), { batchSize: 4 }) });
    const before = net.parameters().map((p) => Array.from(p.data().dataSync()));
    const wrongFeatures = new DataLoader(randn([8, 10]), tensor([0, 1, 2, 3, 0, 1, 2, 3], undefined, 'int32'), { batchSize: 4 });
    await expect(fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer, data: wrongFeatures })).rejects.toThrow(/fit: options.data does not fit the model and the loss \(x \[8, 10\]/);
    const wrongLabels = new DataLoader(randn([8, 16]), tensor([0, 1, 2, 3, 0, 1, 2, 9], undefined, 'int32'), { batchSize: 8 });
    await expect(fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer, data: wrongLabels })).rejects.toThrow(/fit: options.data .*label holds 9/);
    expect(net.parameters().map((p) => Array.from(p.data().dataSync()))).toEqual(before);
    await expect(fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer, data: wrongLabels, epoch: 2 } as never)).rejects.toThrow(/fit: unknown option 'epoch'|epoch/);
    await expect(fit(net, { loss: 3, optimizer, data: wrongLabels } as never)).rejects.toThrow(/loss/);
  });

  it('works on gpujs webasm as on cpu', async () => {
    setBackend('gpujs', { mode: 'webasm' });
    const { net, data } = setup();
    const result = await fit(net, { loss: new SoftmaxCrossEntropyLoss(), optimizer: new Adam(net, { learningRate: 0.01 }), data, epochs: 3 });
    expect(result.epochLosses[2]!).toBeLessThan(result.epochLosses[0]!);
  });
});
