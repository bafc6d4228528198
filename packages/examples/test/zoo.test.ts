import { describe, expect, it } from 'vitest';
import { MXNET_VERSION, trainCase, zooCases, run } from '../src/zoo.js';

// MXNet 1.9.1's tests/python/unittest/test_loss.py training tests, at MXNet's own sizes, epochs,
// batch sizes, optimiser (Adam), initialisers and thresholds.
describe('loss zoo (MXNet 1.9.1 test_loss.py training tests)', () => {
  const expected: Record<string, Array<[string, '<' | '>', number]>> = {
    'softmax-ce': [['loss', '<', 0.05]],
    'sigmoid-bce': [['loss', '<', 0.01]],
    kldiv: [['loss', '<', 0.05]],
    l2: [['loss', '<', 0.05]],
    l1: [['loss', '<', 0.1]],
    ctc: [['loss', '<', 10]],
    'sample-weight': [['weighted half', '<', 0.05], ['zero-weighted half', '>', 1]],
    huber: [['loss', '<', 0.05]],
    hinge: [['loss', '<', 0.06]],
    'squared-hinge': [['loss', '<', 0.05]],
    triplet: [['loss', '<', 0.05]],
    sdml: [['loss', '<', 0.05]],
    'poisson-nll-mod': [['loss', '<', 0.05]],
    'bce-pos-weight': [['loss', '<', 0.01]],
    logistic: [['loss', '<', 0.05]],
    'poisson-nll': [['gap to the minimum', '<', 0.05]],
    'cosine-embedding': [['loss', '<', 0.05]],
  };

  it('has one case per Gluon loss, with MXNet thresholds', () => {
    expect(zooCases().map((c) => c.name)).toEqual(Object.keys(expected));
    expect(new Set(zooCases().map((c) => c.loss.split(' ')[0]))).toEqual(new Set([
      'SoftmaxCrossEntropyLoss', 'SigmoidBinaryCrossEntropyLoss', 'KLDivLoss', 'L2Loss', 'L1Loss', 'CTCLoss', 'HuberLoss',
      'HingeLoss', 'SquaredHingeLoss', 'TripletLoss', 'SDMLLoss', 'LogisticLoss', 'PoissonNLLLoss', 'CosineEmbeddingLoss',
    ]));
    expect(MXNET_VERSION).toBe('1.9.1');
  });

  for (const zooCase of zooCases()) {
    it(`${zooCase.name}: ${zooCase.loss} trains below its threshold (${zooCase.source})`, () => {
      const result = trainCase(zooCase, { progress: null });
      expect(result.checks.map((c) => [c.name, c.relation, c.bound])).toEqual(expected[zooCase.name]);
      for (const c of result.checks) {
        expect(Number.isFinite(c.score), `${c.name} is finite`).toBe(true);
        if (c.relation === '<') expect(c.score, c.name).toBeLessThan(c.bound);
        else expect(c.score, c.name).toBeGreaterThan(c.bound);
      }
      expect(result.passed).toBe(true);
      // The loss went down: the thresholds are not met by the untrained net.
      expect(result.curve.at(-1)!).toBeLessThan(result.curve[0]!);
    });
  }

  it('fails the threshold when barely trained, so the checks can fail', async () => {
    const [ce] = await run({ only: ['softmax-ce'], epochs: 2, outDir: null, progress: null });
    expect(ce!.passed).toBe(false);
    expect(ce!.checks[0]!.score).toBeGreaterThan(0.05);
  });

  it('rejects an unknown case name', async () => {
    await expect(run({ only: ['softmax'], outDir: null, progress: null })).rejects.toThrow(/unknown case 'softmax'/);
  });
});
