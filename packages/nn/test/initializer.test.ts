import { describe, expect, it } from 'vitest';
import { setSeed } from '@lossgraph/tensor';
import { Constant, Dense, Normal, One, Parameter, Sequential, Uniform, Xavier, Zero, toInitializer } from '@lossgraph/nn';

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    s += values[i]!;
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const mean = s / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / values.length), min, max };
}

describe('Xavier', () => {
  it('uses MXNet magnitude convention: s = sqrt(magnitude / ((fanIn + fanOut) / 2))', () => {
    // Weight [out, in]: fanIn = in, fanOut = out. [128, 784] is the first layer of a 784-128-10 MLP.
    expect(new Xavier().scaleFor([128, 784])).toBeCloseTo(Math.sqrt(3 / 456), 12);
    expect(new Xavier({ factorType: 'in', magnitude: 2 }).scaleFor([128, 784])).toBeCloseTo(Math.sqrt(2 / 784), 12);
    expect(new Xavier({ factorType: 'out' }).scaleFor([128, 784])).toBeCloseTo(Math.sqrt(3 / 128), 12);
    // Extra axes multiply both fans (receptive field): [4, 3, 5] -> fanIn 15, fanOut 20.
    expect(new Xavier().scaleFor([4, 3, 5])).toBeCloseTo(Math.sqrt(3 / 17.5), 12);
  });

  it('uniform draws stay inside (-s, s) and have the uniform variance s²/3', () => {
    const s = Math.sqrt(3 / 150);
    const { mean, std, min, max } = stats(new Xavier().init([200, 100], { seed: 7 }).dataSync());
    expect(min).toBeGreaterThanOrEqual(-s);
    expect(max).toBeLessThan(s);
    expect(max).toBeGreaterThan(0.99 * s);
    expect(min).toBeLessThan(-0.99 * s);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeCloseTo(s / Math.sqrt(3), 3);
  });

  it('gaussian draws have standard deviation s', () => {
    const x = new Xavier({ rndType: 'gaussian', factorType: 'in', magnitude: 2 });
    const { mean, std } = stats(x.init([100, 200], { seed: 1 }).dataSync());
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std / Math.sqrt(2 / 200)).toBeGreaterThan(0.98);
    expect(std / Math.sqrt(2 / 200)).toBeLessThan(1.02);
  });

  it('is reproducible by seed and differs between seeds', () => {
    const a = new Xavier().init([8, 4], { seed: 5 }).toArray();
    expect(new Xavier().init([8, 4], { seed: 5 }).toArray()).toEqual(a);
    expect(new Xavier().init([8, 4], { seed: 6 }).toArray()).not.toEqual(a);
  });

  it('follows the global seed when none is given', () => {
    setSeed(123);
    const a = new Xavier().init([3, 3]).toArray();
    setSeed(123);
    expect(new Xavier().init([3, 3]).toArray()).toEqual(a);
  });

  it('honours dtype', () => {
    expect(new Xavier().init([2, 2], { seed: 0, dtype: 'float64' }).dtype).toBe('float64');
    expect(new Xavier().init([2, 2], { seed: 0 }).dtype).toBe('float32');
  });

  it('rejects shapes without two axes and bad options, naming them', () => {
    expect(() => new Xavier().init([3])).toThrow(/at least 2 axes/);
    expect(() => new Xavier({ rndType: 'normal' as 'gaussian' })).toThrow(/Xavier: option 'rndType'.*got "normal"/);
    expect(() => new Xavier({ magnitude: 0 })).toThrow(/option 'magnitude'/);
    expect(() => new Xavier({ factor_type: 'in' } as object)).toThrow(/unknown option 'factor_type'/);
    expect(() => new Xavier().init([2, 2], { seed: 1.5 })).toThrow(/option 'seed'/);
  });
});

describe('other initialisers', () => {
  it('Uniform(scale) draws in [-scale, scale)', () => {
    const { min, max, mean } = stats(new Uniform(0.5).init([10000], { seed: 2 }).dataSync());
    expect(min).toBeGreaterThanOrEqual(-0.5);
    expect(max).toBeLessThan(0.5);
    expect(max - min).toBeGreaterThan(0.99);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(new Uniform().scale).toBe(0.07);
  });

  it('Normal(sigma) has standard deviation sigma', () => {
    const { std } = stats(new Normal(0.3).init([20000], { seed: 2 }).dataSync());
    expect(std).toBeGreaterThan(0.3 * 0.98);
    expect(std).toBeLessThan(0.3 * 1.02);
    expect(new Normal().sigma).toBe(0.01);
  });

  it('Zero, One and Constant fill', () => {
    expect(new Zero().init([2]).toArray()).toEqual([0, 0]);
    expect(new One().init([2, 1]).toArray()).toEqual([[1], [1]]);
    expect(new Constant(0.25).init([3]).toArray()).toEqual([0.25, 0.25, 0.25]);
    expect(() => new Constant(NaN)).toThrow(/Constant: value/);
    expect(() => new Uniform(-1)).toThrow(/Uniform: scale/);
  });

  it('names resolve to default instances', () => {
    expect(toInitializer('zeros')).toBeInstanceOf(Zero);
    expect(toInitializer('xavier')).toBeInstanceOf(Xavier);
    expect(() => toInitializer('he' as 'xavier')).toThrow(/expected an Initializer or one of 'zeros'/);
  });
});

describe('initialize on blocks', () => {
  it('uses the block-wide init for weights and zeros for biases; own initialisers win', () => {
    const net = new Sequential().add(new Dense(3, { inUnits: 2 }), new Dense(2, { inUnits: 3, weightInitializer: 'ones', biasInitializer: new Constant(0.5) }));
    net.initialize({ init: new Constant(2) });
    const p = net.collectParams();
    expect(p.get('dense0.weight')!.data().toArray()).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(p.get('dense0.bias')!.data().toArray()).toEqual([0, 0, 0]);
    expect(p.get('dense1.weight')!.data().toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(p.get('dense1.bias')!.data().toArray()).toEqual([0.5, 0.5]);
  });

  it('defaults to Uniform(0.07), as Gluon', () => {
    const w = new Dense(50, { inUnits: 40 }).initialize({ seed: 0 }).weight.data().dataSync();
    const { min, max } = stats(w);
    expect(min).toBeGreaterThanOrEqual(-0.07);
    expect(max).toBeLessThan(0.07);
    expect(max).toBeGreaterThan(0.069);
  });

  it('gives each parameter its own stream and keeps values unless forced', () => {
    const net = new Sequential().add(new Dense(4, { inUnits: 4 }), new Dense(4, { inUnits: 4 }));
    net.initialize({ init: new Xavier(), seed: 9 });
    const p = net.collectParams();
    const w0 = p.get('dense0.weight')!;
    const first = w0.data().toArray();
    expect(p.get('dense1.weight')!.data().toArray()).not.toEqual(first);
    const leaf = w0.variable;
    net.initialize({ init: new Xavier(), seed: 10 });
    expect(w0.data().toArray()).toEqual(first);
    net.initialize({ init: new Xavier(), seed: 10, force: true });
    expect(w0.data().toArray()).not.toEqual(first);
    expect(w0.variable).toBe(leaf);
  });

  it('reports a parameter that its initialiser cannot handle by name', () => {
    const p = new Parameter('gain', { shape: [3], init: new Xavier() });
    expect(() => p.initialize()).toThrow(/Parameter 'gain': Xavier: needs a shape with at least 2 axes/);
  });
});
