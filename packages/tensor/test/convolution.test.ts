/**
 * The window primitives over random geometries: the convolution's two adjoints are its adjoints
 * (⟨conv(x, w), dy⟩ = ⟨x, conv2dInputGrad(dy, w)⟩ = ⟨w, conv2dWeightGrad(x, dy)⟩, and alike for
 * average pooling) in float64, against a direct loop, and the gpujs backend (webasm) gives the
 * cpu backend's values. The values against PyTorch are in packages/autograd/test/convolution*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import type { Conv2dParams, Pool2dParams, Tensor } from '../src/index.js';
import '../src/gpujs.js';

interface Geometry { x: number[]; w: number[]; params: Conv2dParams; pool: Pool2dParams }

function geometries(count: number): Geometry[] {
  const rng = new T.Random(16);
  const pick = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
  const out: Geometry[] = [];
  while (out.length < count) {
    const groups = pick(1, 3);
    const kernel = [pick(1, 3), pick(1, 4)];
    const params: Conv2dParams = { strides: [pick(1, 3), pick(1, 3)], padding: [pick(0, 2), pick(0, 2)], dilation: [pick(1, 2), pick(1, 3)], groups };
    const x = [pick(1, 3), groups * pick(1, 2), pick(3, 9), pick(3, 9)];
    const w = [groups * pick(1, 2), x[1]! / groups, ...kernel];
    const fits = T.windowOutputSize([x[2]!, x[3]!], [w[2]!, w[3]!], params.strides, params.padding, params.dilation).every((d) => d >= 1);
    const poolSize: [number, number] = [pick(1, 3), pick(1, 3)];
    const pool: Pool2dParams = { poolSize, strides: [pick(1, 3), pick(1, 3)], padding: [pick(0, poolSize[0] >> 1), pick(0, poolSize[1] >> 1)] };
    if (fits) out.push({ x, w, params, pool });
  }
  return out;
}

function dot(a: Tensor, b: Tensor): number {
  return T.sum(T.mul(a, b)).item();
}

/** The convolution as its definition reads, one output at a time. */
function directConv(x: Tensor, w: Tensor, { strides, padding, dilation, groups }: Conv2dParams, yShape: readonly number[]): Float64Array {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const xv = x.dataSync();
  const wv = w.dataSync();
  const [, , oh, ow] = yShape as [number, number, number, number];
  const out = new Float64Array(n * o * oh * ow);
  const og = o / groups;
  let k = 0;
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++, k++) {
    let total = 0;
    const g = Math.floor(oc / og);
    for (let ci = 0; ci < cg; ci++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const iy = y * strides[0] - padding[0] + i * dilation[0];
      const ix = xo * strides[1] - padding[1] + j * dilation[1];
      if (iy >= 0 && iy < h && ix >= 0 && ix < wd) total += xv[((b * c + g * cg + ci) * h + iy) * wd + ix]! * wv[((oc * cg + ci) * kh + i) * kw + j]!;
    }
    out[k] = total;
  }
  return out;
}

describe('window primitives over random geometries', () => {
  const cases = geometries(25);

  it('conv2d matches the direct sum, and its two adjoints are adjoints (float64)', () => {
    cases.forEach(({ x: xs, w: ws, params }, k) => {
      const x = T.randn(xs, { seed: 2 * k, dtype: 'float64' });
      const w = T.randn(ws, { seed: 2 * k + 1, dtype: 'float64' });
      const y = T.conv2d(x, w, params);
      const direct = directConv(x, w, params, y.shape);
      y.dataSync().forEach((v, i) => expect(Math.abs(v - direct[i]!), `case ${k}`).toBeLessThan(1e-12));
      const dy = T.randn(y.shape, { seed: 100 + k, dtype: 'float64' });
      const dx = T.conv2dInputGrad(dy, w, params, [xs[2]!, xs[3]!]);
      const dw = T.conv2dWeightGrad(x, dy, params, [ws[2]!, ws[3]!]);
      expect(dx.shape).toEqual(xs);
      expect(dw.shape).toEqual(ws);
      const lhs = dot(y, dy);
      expect(Math.abs(lhs - dot(x, dx)), `case ${k}: input adjoint`).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
      expect(Math.abs(lhs - dot(w, dw)), `case ${k}: weight adjoint`).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
    });
  });

  it('average pooling and its adjoint; max pooling reads its values at its indices (float64)', () => {
    cases.forEach(({ x: xs, pool }, k) => {
      if (T.windowOutputSize([xs[2]!, xs[3]!], pool.poolSize, pool.strides, pool.padding, [1, 1]).some((d) => d < 1)) return;
      const x = T.randn(xs, { seed: 300 + k, dtype: 'float64' });
      const y = T.avgPool2d(x, pool);
      const dy = T.randn(y.shape, { seed: 400 + k, dtype: 'float64' });
      const dx = T.avgPool2dGrad(dy, pool, [xs[2]!, xs[3]!]);
      expect(Math.abs(dot(y, dy) - dot(x, dx)), `case ${k}`).toBeLessThan(1e-10);
      const m = T.maxPool2d(x, pool);
      const at = T.maxPool2dIndices(x, pool);
      const [n, c, ho, wo] = m.shape as [number, number, number, number];
      const picked = T.takeAlongAxis(T.reshape(x, [n, c, xs[2]! * xs[3]!]), T.reshape(at, [n, c, ho * wo]), 2);
      expect(Array.from(picked.dataSync()), `case ${k}`).toEqual(Array.from(m.dataSync()));
    });
  });

  it('the gpujs backend (webasm) gives the cpu backend\'s values for all seven primitives', () => {
    for (const [k, { x: xs, w: ws, params, pool }] of cases.slice(0, 8).entries()) {
      const x = T.randn(xs, { seed: 500 + k });
      const w = T.randn(ws, { seed: 600 + k });
      const poolFits = T.windowOutputSize([xs[2]!, xs[3]!], pool.poolSize, pool.strides, pool.padding, [1, 1]).every((d) => d >= 1);
      const run = (): number[][] => {
        const y = T.conv2d(x, w, params);
        const dy = T.mul(y, 0.5);
        const results = [y, T.conv2dInputGrad(dy, w, params, [xs[2]!, xs[3]!]), T.conv2dWeightGrad(x, dy, params, [ws[2]!, ws[3]!])];
        if (poolFits) {
          const avg = T.avgPool2d(x, pool);
          results.push(avg, T.maxPool2d(x, pool), T.maxPool2dIndices(x, pool), T.avgPool2dGrad(avg, pool, [xs[2]!, xs[3]!]));
        }
        return results.map((t) => Array.from(t.dataSync()));
      };
      const cpu = run();
      T.setBackend('gpujs', { mode: 'webasm' });
      let gpu: number[][];
      try {
        gpu = run();
      } finally {
        T.setBackend('cpu');
      }
      cpu.forEach((values, r) => values.forEach((v, i) => expect(Math.abs(v - gpu[r]![i]!), `case ${k}, result ${r}, element ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(v)))));
    }
  });

  it('names bad parameters and shapes', () => {
    const x = T.zeros([1, 2, 5, 5]);
    const base: Conv2dParams = { strides: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
    expect(() => T.conv2d(x, T.zeros([3, 2, 3, 3]), { ...base, strides: [0, 1] })).toThrow('conv2d: strides must be two integers >= 1, got [0,1]');
    expect(() => T.conv2d(x, T.zeros([3, 1, 3, 3]), base)).toThrow(/x \[1, 2, 5, 5\] has 2 channels, but the weight \[3, 1, 3, 3\] with groups = 1 reads 1/);
    expect(() => T.conv2d(T.zeros([1, 2, 5]), T.zeros([3, 2, 3, 3]), base)).toThrow('conv2d: x must have rank 4, got shape [1, 2, 5]');
    expect(() => T.conv2d(T.zeros([1, 2, 5, 5], 'int32'), T.zeros([3, 2, 3, 3]), base)).toThrow('conv2d: x must be float32 or float64, got int32');
    expect(() => T.conv2dInputGrad(T.zeros([1, 3, 2, 2]), T.zeros([3, 2, 3, 3]), base, [5, 5])).toThrow('conv2dInputGrad: dy must have shape [1, 3, 3, 3], got [1, 3, 2, 2]');
    expect(() => T.maxPool2d(x, { poolSize: [2, 2], strides: [2, 2], padding: [2, 0] })).toThrow(/must be at most half of poolSize/);
  });
});
