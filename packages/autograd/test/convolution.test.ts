/**
 * Convolution and pooling: values and gradients against PyTorch float64 (fixtures/convolution.json)
 * on the cpu backend in float64 and float32, finite-difference checks of orders 1 and 2, and the
 * validation of their options.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import type { Variable } from '../src/index.js';
import { loadReferenceCases, runCase } from './convolution-reference.js';
import { checkOp, Gen } from './helpers.js';

const cases = loadReferenceCases();

describe('convolution and pooling against PyTorch (cpu)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s, float64', (_name, c) => {
    const errors = runCase(c, 'float64');
    expect(Math.max(errors.y, errors.dx, errors.dw ?? 0), JSON.stringify(errors)).toBeLessThan(1e-12);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s, float32', (_name, c) => {
    const errors = runCase(c, 'float32');
    expect(Math.max(errors.y, errors.dx, errors.dw ?? 0), JSON.stringify(errors)).toBeLessThan(2e-5);
  });
});

describe('gradcheck of orders 1 and 2', () => {
  const gen = new Gen(16);

  it('conv2d through tanh, with strides, padding, dilation and groups', () => {
    const r = gen.normal([2, 4, 3, 5]);
    const f = (x: Variable, w: Variable): Variable => A.sum(A.mul(A.tanh(A.conv2d(x, w, { strides: [2, 1], padding: 1, dilation: [1, 2], groups: 2 })), r));
    checkOp(f, [gen.normal([2, 4, 5, 5]), gen.normal([4, 2, 2, 2])]);
  });

  it('conv1d through tanh', () => {
    const r = gen.normal([2, 3, 4]);
    const f = (x: Variable, w: Variable): Variable => A.sum(A.mul(A.tanh(A.conv1d(x, w, { strides: 2, padding: 1 })), r));
    checkOp(f, [gen.normal([2, 2, 7]), gen.normal([3, 2, 3])]);
  });

  it('the adjoints are differentiable too: a Hessian-vector product through conv2d matches finite differences', () => {
    const x = gen.normal([1, 2, 4, 4]);
    const w = gen.normal([3, 2, 3, 3]);
    const v = gen.normal([3, 2, 3, 3]);
    const loss = (wv: Variable): Variable => A.sum(A.square(A.tanh(A.conv2d(x, wv, { padding: 1 }))));
    const hvp = (wv: Variable): Variable => A.grad((u: Variable) => A.sum(A.mul(A.grad(loss)(u), v)))(wv);
    const eps = 1e-6;
    const gradAt = (t: T.Tensor): Float64Array => Float64Array.from(A.grad(loss)(A.variable(t)).dataSync());
    const plus = gradAt(T.add(w, T.mul(v, eps)));
    const minus = gradAt(T.sub(w, T.mul(v, eps)));
    const analytic = hvp(A.variable(w)).dataSync();
    plus.forEach((p, i) => expect(Math.abs(analytic[i]! - (p - minus[i]!) / (2 * eps))).toBeLessThan(1e-6));
  });

  it('max and average pooling, 1-D and 2-D, with padding', () => {
    // Distinct values (no ties), so max pooling's routing does not change under the perturbations.
    const distinct = (shape: number[]): T.Tensor => T.reshape(T.mul(T.tensor(shuffled(T.sizeOf(shape)), undefined, 'float64'), 0.1), shape);
    checkOp((x) => A.tanh(A.maxPool2d(x, { poolSize: [3, 2], strides: [2, 1], padding: 1 })), [distinct([2, 2, 5, 4])]);
    checkOp((x) => A.tanh(A.maxPool1d(x, { poolSize: 3, strides: 2, padding: 1 })), [distinct([2, 2, 7])]);
    checkOp((x) => A.tanh(A.avgPool2d(x, { poolSize: 3, strides: 2, padding: 1 })), [gen.normal([2, 2, 5, 4])]);
    checkOp((x) => A.tanh(A.avgPool1d(x, { poolSize: 2 })), [gen.normal([1, 3, 5])]);
  });
});

/** 0..n-1 in a fixed scrambled order. */
function shuffled(n: number): number[] {
  const values = Array.from({ length: n }, (_, i) => i);
  const rng = new T.Random(3);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

describe('defaults and validation', () => {
  const x = A.variable(T.randn([1, 2, 6, 6], { seed: 1 }));
  const w = A.variable(T.randn([4, 2, 3, 3], { seed: 2 }));

  it('pools default to 2x2 windows with strides equal to the window', () => {
    expect(A.maxPool2d(x).shape).toEqual([1, 2, 3, 3]);
    expect(A.avgPool2d(x, { poolSize: 3, strides: 1 }).shape).toEqual([1, 2, 4, 4]);
    expect(A.maxPool1d(A.variable(T.randn([1, 1, 9], { seed: 3 })), { poolSize: 4 }).shape).toEqual([1, 1, 2]);
  });

  it('records its parameters per axis', () => {
    const y = A.conv2d(x, w, { padding: 1, strides: [1, 2] });
    expect(y.shape).toEqual([1, 4, 6, 3]);
    expect((y.node!.attrs as A.ConvAttrs).params).toEqual({ strides: [1, 2], padding: [1, 1], dilation: [1, 1], groups: 1 });
  });

  it('names the bad option and what was expected', () => {
    expect(() => A.conv2d(x, w, { strides: 0 })).toThrow(/conv2d: option 'strides'.*\(got 0\)/);
    expect(() => A.conv2d(x, w, { padding: [1, 1, 1] as unknown as number[] })).toThrow(/conv2d: option 'padding'/);
    expect(() => A.conv2d(x, w, { stride: 1 } as unknown as A.Conv2dOptions)).toThrow("conv2d: unknown option 'stride'; expected options: strides, padding, dilation, groups");
    expect(() => A.conv1d(A.variable(T.randn([1, 2, 5])), A.variable(T.randn([1, 2, 3])), { dilation: 1.5 })).toThrow(/conv1d: option 'dilation'/);
    expect(() => A.maxPool2d(x, { poolSize: 2, padding: 2 })).toThrow(/at most half of poolSize/);
    expect(() => A.avgPool1d(x, {})).toThrow('avgPool1d: x must be [N, C, W], got shape [1, 2, 6, 6]');
  });

  it('names mismatched shapes', () => {
    expect(() => A.conv2d(x, w, { groups: 2 })).toThrow(/with groups = 2 reads 4/);
    expect(() => A.conv2d(x, A.variable(T.randn([4, 2, 7, 7])))).toThrow(/empty output/);
    expect(() => A.conv2d(x, A.variable(T.randn([4, 2, 3])))).toThrow(/w must be \[outChannels, inChannels \/ groups, kh, kw\]/);
  });
});
