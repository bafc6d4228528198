/**
 * The nn README's loop keeps memory flat on every backend: the same number of undisposed tensors
 * (and, on gpujs headlessgl, of live textures) at step 60 as at step 10. The optimiser disposes
 * replaced values and state, the DataLoader each batch, backward its temporaries, and tidy the rest.
 * headlessgl needs an X display (`xvfb-run -a`); without one it is skipped, unless CI is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { arange, memory, randn, setBackend, tidy, type GpuJsMode } from '@lossgraph/tensor';
import { logSoftmax, mean, neg, pick } from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { Adam, DataLoader, Dense, Sequential, SGD, Xavier } from '@lossgraph/nn';
import '@lossgraph/tensor/gpujs';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

afterEach(() => setBackend('cpu'));

/** The README's loop for `steps` steps, reading memory() at steps 10 and `steps`. */
function readmeLoop(key: string, steps: number, optimizer: 'sgd' | 'adam'): { at10: unknown; atEnd: unknown } {
  const images = randn([256, 64], { seed: 1 });
  const labels = arange(256).dataSync().map((i) => i % 10);
  const net = new Sequential().add(new Dense(128, { activation: 'relu' }), new Dense(10));
  net.initialize({ init: new Xavier(), seed: 0 });
  const opt = optimizer === 'sgd' ? new SGD(net, { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 }) : new Adam(net, { learningRate: 0.01 });
  const loader = new DataLoader(images, labels, { batchSize: 64, shuffle: true, seed: 0 });
  let step = 0;
  let at10: unknown;
  for (;;) {
    for (const { x, y } of loader) {
      tidy(() => {
        opt.zeroGrad();
        const loss = mean(neg(pick(logSoftmax(net.forward(x)), y)));
        loss.backward();
        opt.step();
      });
      step++;
      if (step === 10) at10 = memory()[key];
      if (step === steps) return { at10, atEnd: memory()[key] };
    }
  }
}


describe("the nn README's loop holds the same memory at step 60 as at step 10", () => {
  it.each(['sgd', 'adam'] as const)('cpu, %s', (optimizer) => {
    setBackend('cpu');
    const { at10, atEnd } = readmeLoop('cpu', 60, optimizer);
    expect(atEnd).toEqual(at10);
  });

  for (const mode of ['webasm', 'headlessgl'] as const) {
    const reason = gpujsUnavailable(mode);
    const test = reason !== null && !process.env.CI ? it.skip : it;
    test.each(['sgd', 'adam'] as const)(`gpujs ${mode}, %s`, (optimizer) => {
      if (reason !== null) throw new Error(`gpujs/${mode} is unavailable: ${reason}`);
      setBackend('gpujs', { mode });
      const { at10, atEnd } = readmeLoop(`gpujs:${mode}`, 60, optimizer);
      expect(atEnd).toEqual(at10);
      if (mode === 'headlessgl') expect((atEnd as { textures: number }).textures).toBeGreaterThan(0);
    });
  }
});

describe('without tidy, backward disposes what the layers and the loss keep to themselves', () => {
  it("cpu: the loop leaves only the values made outside every scope (15 a step before backward freed the scopes' values, 5 now)", async () => {
    setBackend('cpu');
    const images = randn([256, 64], { seed: 1 });
    const labels = arange(256).dataSync().map((i) => i % 10);
    const net = new Sequential().add(new Dense(128, { activation: 'relu' }), new Dense(10));
    net.initialize({ init: new Xavier(), seed: 0 });
    const opt = new SGD(net, { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    const loader = new DataLoader(images, labels, { batchSize: 64, shuffle: true, seed: 0 });
    const ce = new SoftmaxCrossEntropyLoss();
    const counts: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const { x, y } of loader) {
        opt.zeroGrad();
        const loss = mean(ce.forward(net.forward(x), y));   // net's output, the losses and their mean stay
        loss.backward();
        opt.step();
        counts.push(memory().cpu!.tensors);
      }
    }
    const growth = counts.slice(1).map((c, i) => c - counts[i]!);
    expect(new Set(growth).size).toBe(1);
    expect(growth[0]!).toBeGreaterThan(0);
    expect(growth[0]!).toBeLessThanOrEqual(5);
  });
});
