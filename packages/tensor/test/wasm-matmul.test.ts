/**
 * The WebAssembly SIMD float32 matmul of the cpu backend against exact emulations of both kernels:
 * the wasm kernel sums each output in float32, in order p = 0..k-1 within blocks of 256 and then
 * block by block; the JavaScript kernel sums in float64 and rounds once (for k <= 256). Matching an
 * emulation bit for bit shows which path ran as well as that it is right.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { broadcastShapes, matmul, tensor, type Shape } from '../src/index.js';
import { matmulKernel, WASM_THRESHOLD } from '../src/backends/cpu/matmul.js';
import { setWasmMatmulEnabled, wasmMatmulAvailable } from '../src/cpu.js';
import { broadcastOffset, expectClose, lcg } from './helpers.js';

/** kernels.c's KC: the wasm kernel adds up the shared axis in blocks this long. */
const KC = 256;

type Accumulation = 'wasm' | 'js';

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** `n` float32 values uniform in [-1, 1). */
function f32Values(n: number, seed: number): number[] {
  const next = lcg(seed);
  return Array.from({ length: n }, () => Math.fround(next() * 2 - 1));
}

/** One output element summed the way the chosen kernel sums it. */
function dot(at: (p: number) => number, bt: (p: number) => number, k: number, how: Accumulation): number {
  if (how === 'js') {
    let s = 0;
    for (let p = 0; p < k; p++) s += at(p) * bt(p);
    return Math.fround(s);
  }
  let total = 0;
  for (let p0 = 0; p0 < k; p0 += KC) {
    let s = 0;
    // A float32 product of float32 values is the rounded double product; double rounding of a sum is innocuous.
    for (let p = p0; p < Math.min(k, p0 + KC); p++) s = Math.fround(s + Math.fround(at(p) * bt(p)));
    total = p0 === 0 ? s : Math.fround(total + s);
  }
  return total;
}

/** op(a) @ op(b) over broadcast batch axes, summed as `how` sums. */
function emulate(a: number[], aShape: Shape, b: number[], bShape: Shape, ta: boolean, tb: boolean, how: Accumulation): number[] {
  const [aRows, aCols] = aShape.slice(-2) as [number, number];
  const [bRows, bCols] = bShape.slice(-2) as [number, number];
  const m = ta ? aCols : aRows;
  const k = ta ? aRows : aCols;
  const n = tb ? bRows : bCols;
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
  const out: number[] = [];
  for (let t = 0; t < sizeOf(batch); t++) {
    const ao = broadcastOffset(t, batch, aShape.slice(0, -2), m * k);
    const bo = broadcastOffset(t, batch, bShape.slice(0, -2), k * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        out.push(dot((p) => a[ao + (ta ? p * m + i : i * k + p)]!, (p) => b[bo + (tb ? j * k + p : p * n + j)]!, k, how));
      }
    }
  }
  return out;
}

/** Which kernel matmul picks for an m x k by k x n float32 product. */
function kernelFor(m: number, k: number, n: number): Accumulation {
  return m * n * k >= WASM_THRESHOLD ? 'wasm' : 'js';
}

function batchesBroadcast(aBatch: Shape, bBatch: Shape): boolean {
  try {
    broadcastShapes(aBatch, bBatch);
    return true;
  } catch {
    return false;
  }
}

function run(a: number[], aShape: Shape, b: number[], bShape: Shape, ta = false, tb = false): Float32Array {
  return matmul(tensor(a, aShape, 'float32'), tensor(b, bShape, 'float32'), ta, tb).dataSync() as Float32Array;
}

/** Fails with the first element of `got` that is not bit-identical (NaN equal to NaN) to `expected`. */
function expectIdentical(got: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(got[i], expected[i])) expect.fail(`${what}: element ${i} is ${got[i]}, expected ${expected[i]}`);
  }
}

afterEach(() => {
  setWasmMatmulEnabled(true);
  vi.unstubAllGlobals();
});

describe('cpu float32 matmul on WebAssembly SIMD', () => {
  it('is available in Node and can be switched off', () => {
    expect(wasmMatmulAvailable()).toBe(true);
    expect(setWasmMatmulEnabled(false)).toBe(true);
    expect(wasmMatmulAvailable()).toBe(false);
    expect(setWasmMatmulEnabled(true)).toBe(false);
    expect(wasmMatmulAvailable()).toBe(true);
  });

  it('computes hand-checked products', () => {
    // ones(8, 8) @ B with B[p][j] = 8p + j: every row is the column sums 8*28 + 8j.
    const ones = new Array<number>(64).fill(1);
    const b = Array.from({ length: 64 }, (_, i) => i);
    const sums = Array.from({ length: 8 }, (_, j) => 224 + 8 * j);
    expect(Array.from(run(ones, [8, 8], b, [8, 8]))).toEqual(Array.from({ length: 8 }, () => sums).flat());
    // eye(9) @ B = B, and with B transposed, B^T.
    const eye = Array.from({ length: 81 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const c = Array.from({ length: 81 }, (_, i) => i - 40);
    expect(Array.from(run(eye, [9, 9], c, [9, 9]))).toEqual(c);
    const cT = Array.from({ length: 81 }, (_, i) => c[(i % 9) * 9 + Math.floor(i / 9)]!);
    expect(Array.from(run(eye, [9, 9], c, [9, 9], false, true))).toEqual(cT);
    expect(Array.from(run(c, [9, 9], eye, [9, 9], true, false))).toEqual(cT);
    // [1..12] (1 x 12) @ ones (12 x 10): 78 everywhere.
    expect(Array.from(run(Array.from({ length: 12 }, (_, i) => i + 1), [1, 12], new Array<number>(120).fill(1), [12, 10]))).toEqual(new Array<number>(10).fill(78));
  });

  it('matches the float32 emulation bit for bit on random shapes, transposes and broadcast batches', () => {
    const dim = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 41, max: 300 }) });
    const batchArb = fc.constantFrom<number[]>([], [1], [3], [2, 1], [1, 2]);
    fc.assert(fc.property(dim, dim, dim, batchArb, batchArb, fc.boolean(), fc.boolean(), fc.nat(),
      (m, k, n, aBatch, bBatch, ta, tb, seed) => {
        fc.pre(batchesBroadcast(aBatch, bBatch));
        const aShape = [...aBatch, ...(ta ? [k, m] : [m, k])];
        const bShape = [...bBatch, ...(tb ? [n, k] : [k, n])];
        const a = f32Values(sizeOf(aShape), seed);
        const b = f32Values(sizeOf(bShape), seed + 1);
        expectIdentical(run(a, aShape, b, bShape, ta, tb), emulate(a, aShape, b, bShape, ta, tb, kernelFor(m, k, n)), `${aShape} @ ${bShape} (${ta}, ${tb})`);
      }), { numRuns: 80 });
  });

  it('handles edge tiles and shared axes longer than one block', () => {
    const cases: [number, number, number][] = [[1, 1, 600], [13, 17, 513], [4, 8, 256], [4, 8, 257], [5, 9, 1], [1, 64, 64], [64, 1, 64], [3, 300, 2]];
    let seed = 10;
    for (const [m, k, n] of cases) {
      const a = f32Values(m * k, seed++);
      const b = f32Values(k * n, seed++);
      for (const [ta, tb] of [[false, false], [true, true]] as const) {
        const aShape = ta ? [k, m] : [m, k];
        const bShape = tb ? [n, k] : [k, n];
        expectIdentical(run(a, aShape, b, bShape, ta, tb), emulate(a, aShape, b, bShape, ta, tb, kernelFor(m, k, n)), `${m}x${k}x${n}`);
      }
    }
  });

  it('falls back to the float64-accumulating JavaScript kernel when switched off', () => {
    const [m, k, n] = [12, 100, 10];
    const a = f32Values(m * k, 1);
    const b = f32Values(k * n, 2);
    const wasm = run(a, [m, k], b, [k, n]);
    setWasmMatmulEnabled(false);
    const js = run(a, [m, k], b, [k, n]);
    const jsExpected = emulate(a, [m, k], b, [k, n], false, false, 'js');
    const wasmExpected = emulate(a, [m, k], b, [k, n], false, false, 'wasm');
    expectIdentical(js, jsExpected, 'JS kernel');
    expectIdentical(wasm, wasmExpected, 'wasm kernel');
    // The two accumulations really differ here, so the identities above tell the paths apart.
    expect(jsExpected.some((v, i) => v !== wasmExpected[i])).toBe(true);
    // Both are within float32 summation error of each other.
    expectClose(wasm, jsExpected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('reports itself unavailable, and computes nothing, where WebAssembly or its SIMD is missing', async () => {
    const engines: [string, unknown][] = [
      ['no WebAssembly', undefined],
      ['no SIMD', { ...WebAssembly, validate: () => false }],
      ['compilation refused', { ...WebAssembly, validate: () => true, Module: function refused() { throw new Error('CSP'); } }],
    ];
    for (const [what, engine] of engines) {
      vi.resetModules();
      vi.stubGlobal('WebAssembly', engine);
      // A fresh copy of the module, so it tries to compile under the stubbed engine.
      const fresh = await import('../src/backends/cpu/wasm-matmul.js');
      expect(fresh.wasmMatmulAvailable(), what).toBe(false);
      const out = new Float32Array([7]);
      expect(fresh.wasmMatmulF32(new Float32Array([1, 2]), new Float32Array([3, 4]), out, 1, 1, 2, false, false, [0], [0]), what).toBe(false);
      expect(out[0], what).toBe(7);
      // matmul then runs its JavaScript kernel (float64 sums, rounded once).
      const { matmulKernel: freshKernel } = await import('../src/backends/cpu/matmul.js');
      const a = f32Values(12 * 100, 21);
      const b = f32Values(100 * 10, 22);
      const product = new Float32Array(120);
      freshKernel(Float32Array.from(a), [12, 100], Float32Array.from(b), [100, 10], false, false, [12, 10], product);
      expectIdentical(product, emulate(a, [12, 100], b, [100, 10], false, false, 'js'), what);
      vi.unstubAllGlobals();
    }
  });

  it('leaves small products, float64 and int32 on the JavaScript kernel', () => {
    const a = f32Values(7 * 7, 3);
    const b = f32Values(7 * 7, 4);
    expect(7 * 7 * 7).toBeLessThan(WASM_THRESHOLD);
    expectIdentical(run(a, [7, 7], b, [7, 7]), emulate(a, [7, 7], b, [7, 7], false, false, 'js'), 'small float32');
    const a64 = f32Values(40 * 50, 5);
    const b64 = f32Values(50 * 30, 6);
    const out64 = matmul(tensor(a64, [40, 50], 'float64'), tensor(b64, [50, 30], 'float64')).dataSync();
    const expected64: number[] = [];
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 30; j++) {
        let s = 0;
        for (let p = 0; p < 50; p++) s += a64[i * 50 + p]! * b64[p * 30 + j]!;
        expected64.push(s);
      }
    }
    expectIdentical(out64, expected64, 'float64');
    const ints = Array.from({ length: 400 }, (_, i) => (i % 7) - 3);
    const outInt = matmul(tensor(ints, [20, 20], 'int32'), tensor(ints, [20, 20], 'int32'));
    expect(outInt.dtype).toBe('int32');
    expect(outInt.dataSync()[0]).toBe(ints.slice(0, 20).reduce((s, v, p) => s + v * ints[p * 20]!, 0));
  });

  it('propagates NaN and Infinity like the JavaScript kernel', () => {
    const [m, k, n] = [13, 9, 11];
    const a = f32Values(m * k, 7).map(Math.abs);
    const b = f32Values(k * n, 8).map(Math.abs);
    a[2 * k + 3] = NaN; // row 2 of the product is NaN
    b[1 * n + 5] = Infinity; // column 5 is +Infinity where A(i, 1) > 0 ...
    a[7 * k + 1] = 0; // ... and NaN (0 * Infinity) in row 7
    b[4 * n + 8] = -Infinity; // column 8 is -Infinity
    const wasm = run(a, [m, k], b, [k, n]);
    setWasmMatmulEnabled(false);
    const js = run(a, [m, k], b, [k, n]);
    expectClose(wasm, Array.from(js), { rtol: 1e-5 });
    for (let j = 0; j < n; j++) expect(wasm[2 * n + j]).toBeNaN();
    expect(wasm[7 * n + 5]).toBeNaN();
    expect(wasm[0 * n + 5]).toBe(Infinity);
    expect(wasm[0 * n + 8]).toBe(-Infinity);
    expect(Number.isFinite(wasm[0]!)).toBe(true);
  });

  it('grows its memory for large products and still runs small ones afterwards', () => {
    // B alone is 33.6 MB and its packed copy as much again: past what the shared instance keeps.
    const [k, n] = [2900, 2900];
    const a = new Float32Array(k).map((_, p) => (p % 5) - 2);
    const b = new Float32Array(k * n).map((_, i) => (i % 11) - 5);
    const out = new Float32Array(n);
    matmulKernel(a, [1, k], b, [k, n], false, false, [1, n], out);
    for (const j of [0, 1, 1234, n - 1]) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[p]! * b[p * n + j]!;
      expect(out[j], `column ${j}`).toBe(s);
    }
    const [mm, kk, nn] = [33, 70, 45];
    const x = f32Values(mm * kk, 11);
    const y = f32Values(kk * nn, 12);
    expectIdentical(run(x, [mm, kk], y, [kk, nn]), emulate(x, [mm, kk], y, [kk, nn], false, false, 'wasm'), 'after a large product');
    // A mid-size product grows the shared memory; the next one must see the grown buffer.
    const big = f32Values(300 * 300, 13);
    expectIdentical(run(big, [300, 300], big, [300, 300]).subarray(0, 300), emulate(big.slice(0, 300), [1, 300], big, [300, 300], false, false, 'wasm'), 'grown');
    expectIdentical(run(x, [mm, kk], y, [kk, nn]), emulate(x, [mm, kk], y, [kk, nn], false, false, 'wasm'), 'after growing');
  });
});
