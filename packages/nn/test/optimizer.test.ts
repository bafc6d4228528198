import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import { mul, pow, sum, variable, type Variable } from '@lossgraph/autograd';
import { Adam, Dense, Optimizer, SGD } from '@lossgraph/nn';

// Reference trajectories from torch.optim (float64) on loss = sum(c * w^3), c = [1, 2, 3],
// w0 = [0.5, -1, 2], so grad = 3 c w^2:
//   opt = torch.optim.SGD([w], lr=..., ...) / torch.optim.Adam([w], ...)
//   for _ in range(steps): opt.zero_grad(); (scale * (c * w**3).sum()).backward(); opt.step()
const c = [1, 2, 3];
const w0 = [0.5, -1.0, 2.0];

function runSteps(opt: Optimizer, w: Variable, steps: number, batchSize = 1): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    sum(mul(c, pow(w, 3))).backward();
    opt.step(batchSize);
    out.push(Array.from(w.dataSync()));
  }
  return out;
}

function expectTrajectory(got: number[][], want: number[][], digits = 10): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, digits)));
}

const f64 = () => variable(tensor(w0, undefined, 'float64'));

describe('SGD', () => {
  it('plain steps: w -= lr * grad', () => {
    const w = f64();
    // by hand: grad = [0.75, 6, 36]; w1 = w0 - 0.1 grad = [0.425, -1.6, -1.6]
    expectTrajectory(runSteps(new SGD([w], { learningRate: 0.1 }), w, 2), [
      [0.425, -1.6, -1.6],
      [0.3708125, -3.1360000000000006, -3.904000000000001],
    ]);
  });

  it('momentum and weight decay, MXNet form (mom = m*mom - lr*(g + wd*w); w += mom) equals torch', () => {
    const w = f64();
    // step 1 by hand: g + wd*w = [0.8, 5.9, 36.2]; mom = -0.05 * that; w1 = [0.46, -1.295, 0.19]
    expectTrajectory(runSteps(new SGD([w], { learningRate: 0.05, momentum: 0.9, weightDecay: 0.1 }), w, 3), [
      [0.46, -1.295, 0.18999999999999975],
      [0.38996000000000003, -2.0571325, -1.4561950000000006],
      [0.30216387976000003, -4.002304324266875, -3.8847162701112516],
    ]);
  });

  it('step(batchSize) divides gradients by the batch size (torch run on loss / 4)', () => {
    const want = [
      [0.488125, -1.07, 1.54],
      [0.46606189941406245, -1.2135175, 0.851495],
      [0.43572928586144427, -1.4470625167104687, 0.14601560480968753],
    ];
    const w = f64();
    expectTrajectory(runSteps(new SGD([w], { learningRate: 0.05, momentum: 0.9, weightDecay: 0.1 }), w, 3, 4), want);
    const w2 = f64();
    expectTrajectory(runSteps(new SGD([w2], { learningRate: 0.05, momentum: 0.9, weightDecay: 0.1, rescaleGrad: 0.5 }), w2, 3, 2), want);
  });

  it('clips the rescaled gradient before weight decay', () => {
    const w = f64();
    const opt = new SGD([w], { learningRate: 0.1, clipGradient: 1, weightDecay: 0.1 });
    runSteps(opt, w, 1);
    // grad [0.75, 6, 36] clipped to [0.75, 1, 1]; + 0.1 w = [0.8, 0.9, 1.2]
    expectTrajectory([Array.from(w.dataSync())], [[0.5 - 0.08, -1 - 0.09, 2 - 0.12]]);
  });

  it('updates Dense parameters in place: same Variable objects, new values', () => {
    const layer = new Dense(1, { inUnits: 2 });
    layer.weight.setData([[1, 2]]);
    layer.bias!.setData([0.5]);
    const weightVar = layer.weight.variable;
    const opt = new SGD(layer, { learningRate: 0.5 });
    sum(layer.forward([[1, -1], [3, 1]])).backward();
    opt.step(2);
    // dW = [4, 0] / 2, db = 2 / 2
    expect(layer.weight.variable).toBe(weightVar);
    expect(weightVar.toArray()).toEqual([[0, 2]]);
    expect(layer.bias!.data().toArray()).toEqual([0]);
    expect(weightVar.value.dtype).toBe('float32');
    opt.zeroGrad();
    expect(layer.weight.grad()).toBeNull();
  });

  it('skips parameters without a gradient, and accepts a collectParams map', () => {
    const layer = new Dense(1, { inUnits: 1 }).initialize({ init: 'ones' });
    const opt = new SGD(layer.collectParams(), { learningRate: 1, momentum: 0.5 });
    opt.step();
    expect(layer.weight.data().toArray()).toEqual([[1]]);
    expect(opt.targets.length).toBe(2);
  });

  it('validates options, naming them', () => {
    const w = f64();
    expect(() => new SGD([w], { learningRate: 0 })).toThrow(/SGD: option 'learningRate' is invalid: .*>0.*got 0/);
    expect(() => new SGD([w], { momentum: 1 })).toThrow(/option 'momentum'/);
    expect(() => new SGD([w], { weightDecay: -1 })).toThrow(/option 'weightDecay'/);
    expect(() => new SGD([w], { lr: 0.1 } as object)).toThrow(/unknown option 'lr'/);
    expect(() => new SGD([w]).step(0)).toThrow(/SGD\.step: batchSize/);
    expect(() => new SGD([mul(w, 2)])).toThrow(/params\[0\] is not a leaf Variable/);
    expect(() => new SGD(3 as unknown as [])).toThrow(/SGD: params must be/);
  });

  it('changes the learning rate', () => {
    const w = f64();
    const opt = new SGD([w], { learningRate: 0.1 });
    opt.setLearningRate(0.05);
    expect(opt.learningRate).toBe(0.05);
    expect(() => opt.setLearningRate(-1)).toThrow(/setLearningRate: value/);
  });
});

describe('Adam', () => {
  it('matches torch.optim.Adam with defaults', () => {
    const w = f64();
    expectTrajectory(runSteps(new Adam([w], { learningRate: 0.1 }), w, 4), [
      [0.40000000133333335, -1.0999999998333334, 1.9000000000277777],
      [0.30344391188636666, -1.2000447326330557, 1.8003978894996977],
      [0.21322035758517427, -1.300214721193644, 1.701487728278793],
      [0.13167263877336938, -1.4006101830297122, 1.6035809942867045],
    ]);
  });

  it('matches torch.optim.Adam with betas, a large epsilon (placement matters) and weight decay', () => {
    const w = f64();
    const opt = new Adam([w], { learningRate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 0.1, weightDecay: 0.05 });
    expectTrajectory(runSteps(opt, w, 4), [
      [0.4114285714285714, -1.0983471074380164, 1.9002762430939226],
      [0.3277733956474568, -1.1973997762066595, 1.8012351124260337],
      [0.2513551724954756, -1.2974782497481818, 1.7033570520255616],
      [0.18388090169197574, -1.3988717626301101, 1.6071336804226313],
    ]);
  });

  it('validates options', () => {
    expect(() => new Adam([f64()], { beta1: 1 })).toThrow(/Adam: option 'beta1'/);
    expect(() => new Adam([f64()], { epsilon: 0 })).toThrow(/option 'epsilon'/);
  });
});
