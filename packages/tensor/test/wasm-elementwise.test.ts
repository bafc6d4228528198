/**
 * The WebAssembly SIMD float32 elementwise ops and last-axis reductions of the cpu backend against
 * the JavaScript kernels they replace: add/sub/mul/div bit for bit in every layout the wasm path
 * takes (equal shapes, scalars, row and column broadcasts, rows longer than one chunk), exp,
 * sigmoid and softplus within a few float32 ulp, sums within summation-order rounding, max/min exactly, with
 * NaN, infinities, signed zeros and denormals among the inputs; plus the switch that turns the
 * path off and leaves the JavaScript kernels in charge.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BinaryOp, ReduceOp, UnaryOp } from '../src/primitives.js';
import { exp, sigmoid, tensor, type Shape } from '../src/index.js';
import { binaryKernel, unaryKernel } from '../src/backends/cpu/elementwise.js';
import { reduceKernel, softmaxKernel } from '../src/backends/cpu/reduce.js';
import { setWasmElementwiseEnabled, wasmElementwiseAvailable } from '../src/cpu.js';
import { wasmBinaryF32, wasmReduceRowsF32, wasmSoftmaxRowsF32, wasmUnaryF32, WASM_ELEMENTWISE_MIN } from '../src/backends/cpu/wasm-elementwise.js';
import { bothPaths, expectSameValues, lcg } from './helpers.js';

afterEach(() => {
  setWasmElementwiseEnabled(true);
  vi.unstubAllGlobals();
});

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** Values mostly uniform in [-4, 4), with every 97th one taken from a list of awkward values. */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 3e38, -3e38, 1e-30, 88.7, -103.5, 1];
function f32Data(n: number, seed: number, special = true): Float32Array {
  const next = lcg(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = special && i % 97 === 13 ? SPECIAL[(i / 97 | 0) % SPECIAL.length]! : next() * 8 - 4;
  return out;
}

/** Distance in float32 steps between two finite values of the same sign (0 and -0 count as one). */
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const key = (v: number): number => (v < 0 ? -(v & 0x7fffffff) : v);
  return Math.abs(key(bits[0]!) - key(bits[1]!));
}

function expectWithinUlps(actual: Float32Array, expected: Float32Array, maxUlps: number): void {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${i}: ${a} vs ${e}`).toBe(true);
      continue;
    }
    const d = ulps(a, e);
    if (d > maxUlps) expect(`${i}: ${a} is ${d} ulps from ${e}`).toBe('');
    worst = Math.max(worst, d);
  }
  expect(worst).toBeLessThanOrEqual(maxUlps);
}

describe('wasm float32 elementwise path', () => {
  it('is available in Node', () => {
    expect(wasmElementwiseAvailable()).toBe(true);
  });

  const layouts: [string, Shape, Shape][] = [
    ['equal shapes, odd length', [20011], [20011]],
    ['equal shapes, 2-D', [37, 501], [37, 501]],
    ['tensor op scalar', [40003], [1]],
    ['scalar op tensor', [1], [40003]],
    ['row broadcast [R, C] op [C]', [123, 77], [77]],
    ['row broadcast [C] op [R, C]', [333], [61, 333]],
    ['column broadcast [R, C] op [R, 1]', [211, 45], [211, 1]],
    ['column broadcast [R, 1] op [R, C]', [97, 1], [97, 203]],
    ['rows longer than a chunk, row broadcast', [3, 40001], [40001]],
    ['rows longer than a chunk, column broadcast', [3, 40001], [3, 1]],
    ['column broadcast, column op row', [2003, 1], [1, 7]],
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
    for (const [name, aShape, bShape] of layouts) {
      it(`${op}: ${name} matches the JavaScript kernel bit for bit`, () => {
        const outShape = aShape.length >= bShape.length
          ? aShape.map((d, i) => Math.max(d, bShape[i - (aShape.length - bShape.length)] ?? 1))
          : bShape.map((d, i) => Math.max(d, aShape[i - (bShape.length - aShape.length)] ?? 1));
        const a = f32Data(sizeOf(aShape), 1);
        const b = f32Data(sizeOf(bShape), 2);
        const n = sizeOf(outShape);
        expect(n).toBeGreaterThanOrEqual(WASM_ELEMENTWISE_MIN);
        const { js, wasm } = bothPaths(() => {
          const out = new Float32Array(n);
          binaryKernel(op, a, aShape, b, bShape, out, outShape);
          return out;
        });
        // The wasm path must have taken this layout for the comparison to mean anything.
        expect(wasmBinaryF32(op, a, aShape, b, bShape, new Float32Array(n), outShape)).toBe(true);
        expectSameValues(wasm, js);
      });
    }
  }

  it('leaves other ops, dtypes and layouts to JavaScript', () => {
    const a = f32Data(8192, 3);
    const out = new Float32Array(8192);
    expect(wasmBinaryF32('pow', a, [8192], a, [8192], out, [8192])).toBe(false);
    expect(wasmBinaryF32('add', new Float64Array(8192), [8192], a, [8192], out, [8192])).toBe(false);
    expect(wasmBinaryF32('add', a, [8192], a, [8192], new Int32Array(8192), [8192])).toBe(false);
    // [2, 1, 4096] + [1, 2, 1] merges into three axes.
    expect(wasmBinaryF32('add', a, [2, 1, 4096], new Float32Array(2), [1, 2, 1], new Float32Array(16384), [2, 2, 4096])).toBe(false);
    expect(wasmUnaryF32('tanh', a, out)).toBe(false);
    expect(wasmUnaryF32('exp', new Float64Array(8192), new Float64Array(8192))).toBe(false);
    expect(wasmReduceRowsF32('sum', a, 2048, 4, new Float32Array(2048))).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  for (const n of [4096, 4099, 16385, 50001]) {
    it(`exp of ${n} values is within 2 ulps of the JavaScript kernel`, () => {
      const x = f32Data(n, 4);
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(n);
        unaryKernel('exp', x, out);
        return out;
      });
      expectWithinUlps(wasm, js, 2);
      // Against the correctly rounded value too.
      expectWithinUlps(wasm, Float32Array.from(x, Math.exp), 2);
    });
  }

  it('exp of the edge cases: limits, overflow, underflow into denormals, NaN', () => {
    const edges = [-Infinity, Infinity, NaN, 0, -0, 88.72, 88.73, 89, 1000, -87.3, -100, -103, -103.9, -104, -105, -1000, 1e-8, -1e-8];
    const x = new Float32Array(WASM_ELEMENTWISE_MIN + 3);
    x.set(edges);
    const out = new Float32Array(x.length);
    expect(wasmUnaryF32('exp', x, out)).toBe(true);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBeNaN();
    expect(out[3]).toBe(1);
    expect(out[4]).toBe(1);
    expect(out[7]).toBe(Infinity);
    expect(out[8]).toBe(Infinity);
    expect(out[13]).toBe(0);
    expect(out[14]).toBe(0);
    expect(out[15]).toBe(0);
    expectWithinUlps(out, Float32Array.from(x, Math.exp), 2);
  });

  it('sigmoid is within 4 ulps of the exact value, with its limits and denormal tail', () => {
    const x = f32Data(30011, 5);
    x.set([-Infinity, Infinity, NaN, 0, -100, -90, 100, 17, -17]);
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(x.length);
      unaryKernel('sigmoid', x, out);
      return out;
    });
    const exact = Float32Array.from(x, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))));
    expect([wasm[0], wasm[1], wasm[3], wasm[6]]).toEqual([0, 1, 0.5, 1]);
    expect(wasm[2]).toBeNaN();
    expect(wasm[4]).toBeGreaterThan(0);
    expectWithinUlps(wasm, exact, 4);
    expectWithinUlps(js, exact, 4);
  });

  it('softplus is within 2 ulps of the exact value and of the JavaScript kernel, tails and specials included', () => {
    const x = f32Data(30011, 6);
    // x near 0 is where ln(1 + t) rounds worst; the tails reach the denormal range and float32's top.
    for (let i = 0; i < 4000; i++) x[13000 + i] = (i - 2000) / 1000;
    for (let i = 0; i < 2000; i++) x[17000 + i] = -120 + i * 0.12;
    x.set([-Infinity, Infinity, NaN, 0, -0, 1e-40, -1e-40, 3e38, -3e38, -90, -100, -103.5, -104, 88.7, 89, 100, 17, -17]);
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(x.length);
      unaryKernel('softplus', x, out);
      return out;
    });
    const exact = Float32Array.from(x, (v) => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))));
    expect([wasm[0], wasm[1], wasm[3], wasm[4], wasm[7], wasm[8], wasm[12], wasm[15]]).toEqual([0, Infinity, Math.fround(Math.LN2), Math.fround(Math.LN2), Math.fround(3e38), 0, 0, 100]);
    expect(wasm[2]).toBeNaN();
    // e^-90 and e^-100 are denormal in float32 and must not flush to zero.
    expect(wasm[9]).toBe(Math.fround(Math.exp(-90)));
    expect(wasm[10]).toBeGreaterThan(0);
    expectWithinUlps(wasm, exact, 2);
    expectWithinUlps(wasm, js, 2);
  });

  it('exp, sigmoid and softplus handle every remainder of the two-vector loop', () => {
    for (let extra = 0; extra < 8; extra++) {
      const x = f32Data(WASM_ELEMENTWISE_MIN + extra, 10 + extra, false);
      for (const op of ['exp', 'sigmoid', 'softplus'] as UnaryOp[]) {
        const { js, wasm } = bothPaths(() => {
          const out = new Float32Array(x.length);
          unaryKernel(op, x, out);
          return out;
        });
        expectWithinUlps(wasm, js, 4);
      }
    }
  });

  const reduceShapes: Shape[] = [[4096, 1], [1366, 3], [512, 8], [455, 9], [273, 15], [41, 1000], [3, 20001], [1, 65537]];
  for (const shape of reduceShapes) {
    for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
      it(`${op} over the last axis of [${shape.join(', ')}] matches the JavaScript kernel`, () => {
        const [P, R] = shape as [number, number];
        // Infinities would make every sum Infinity or NaN; NaN and infinities get their own test.
        const x = f32Data(P * R, 6, false);
        const { js, wasm } = bothPaths(() => {
          const out = new Float32Array(P);
          reduceKernel(op, x, shape, [1], out);
          return out;
        });
        expect(wasmReduceRowsF32(op, x, P, R, new Float32Array(P))).toBe(R >= 8);
        if (op !== 'sum') {
          expectSameValues(wasm, js);
          return;
        }
        for (let p = 0; p < P; p++) {
          let abs = 0;
          for (let i = p * R; i < (p + 1) * R; i++) abs += Math.abs(x[i]!);
          // Both sum in double, in different orders: they differ by the final float32 rounding at most.
          expect(Math.abs(wasm[p]! - js[p]!)).toBeLessThanOrEqual(Math.abs(js[p]!) * 2 ** -23 + abs * 1e-12);
        }
      });
    }
  }

  it('reductions propagate NaN and infinities as the JavaScript kernel does', () => {
    const P = 8;
    const R = 1001;
    const x = f32Data(P * R, 7, false);
    x[0 * R + 500] = NaN;
    x[1 * R + 1000] = NaN;
    x[2 * R + 3] = Infinity;
    x[3 * R + 999] = -Infinity;
    x[4 * R + 1] = Infinity;
    x[4 * R + 2] = -Infinity;
    x[5 * R + 7] = -0;
    for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(P);
        reduceKernel(op, x, [P, R], [1], out);
        return out;
      });
      for (let p = 0; p < 5; p++) expect(`${op} ${p}: ${wasm[p]}`).toBe(`${op} ${p}: ${js[p]}`);
      expect(wasm[0]).toBeNaN();
      expect(wasm[1]).toBeNaN();
    }
  });

  it('max and min settle the sign of a zero result as Math.max and Math.min do', () => {
    const R = 4099;
    const x = new Float32Array(4 * R).fill(-1);
    // Row 0: -0 then +0; row 1: +0 then -0; row 2: only -0; row 3: only +0 (max), all as the row's largest.
    x[17] = -0;
    x[3000] = 0;
    x[R + 20] = 0;
    x[R + 4000] = -0;
    x[2 * R + 5] = -0;
    x[3 * R + 5] = 0;
    for (const op of ['max', 'min'] as ReduceOp[]) {
      const y = op === 'max' ? x : x.map((v) => -v);
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(4);
        reduceKernel(op, y, [4, R], [1], out);
        return out;
      });
      expectSameValues(wasm, js);
    }
    const out = new Float32Array(4);
    wasmReduceRowsF32('max', x, 4, R, out);
    expect([Object.is(out[0], 0), Object.is(out[1], 0), Object.is(out[2], -0), Object.is(out[3], 0)]).toEqual([true, true, true, true]);
  });

  for (const [P, R] of [[64, 1000], [455, 9], [3, 20001], [97, 130]] as [number, number][]) {
    it(`softmax, log-softmax and logSumExp over rows of ${R} agree with the JavaScript kernels`, () => {
      // Logits spread over [-40, 40): x - max reaches -80, where float32 rounding of the difference would cost ulps.
      const x = f32Data(P * R, 12, false).map((v) => v * 10);
      x[5] = 1e-7;
      for (const log of [false, true]) {
        const { js, wasm } = bothPaths(() => {
          const out = new Float32Array(P * R);
          softmaxKernel(x, [P, R], 1, out, log);
          return out;
        });
        expect(wasmSoftmaxRowsF32(x, P, R, new Float32Array(P * R), log)).toBe(true);
        if (log) {
          // x - offset: the offsets agree to double rounding of near-equal sums, so allow an ulp of the offset.
          for (let i = 0; i < js.length; i++) expect(Math.abs(wasm[i]! - js[i]!)).toBeLessThanOrEqual(Math.abs(js[i]! - x[i]!) * 2 ** -22 + Math.abs(js[i]!) * 2 ** -23);
        } else {
          expectWithinUlps(wasm, js, 4);
        }
      }
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(P);
        reduceKernel('logSumExp', x, [P, R], [1], out);
        return out;
      });
      expect(wasmReduceRowsF32('logSumExp', x, P, R, new Float32Array(P))).toBe(true);
      expectWithinUlps(wasm, js, 2);
    });
  }

  it('softmax, log-softmax and logSumExp rows with NaN and infinities match the JavaScript kernels', () => {
    const P = 6;
    const R = 1000;
    const x = f32Data(P * R, 13, false);
    x[3] = NaN;
    x[R + 10] = Infinity;
    x[2 * R + 10] = Infinity;
    x[2 * R + 20] = Infinity;
    x.fill(-Infinity, 3 * R, 4 * R);
    x[4 * R + 7] = -Infinity;
    x[5 * R + 9] = 3e38;
    for (const log of [false, true]) {
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(P * R);
        softmaxKernel(x, [P, R], 1, out, log);
        return out;
      });
      for (const p of [0, 1, 2, 3]) expectSameValues(wasm.subarray(p * R, (p + 1) * R), js.subarray(p * R, (p + 1) * R));
      expect(wasm[4 * R + 7]).toBe(log ? -Infinity : 0);
      expectWithinUlps(wasm.subarray(5 * R), js.subarray(5 * R), 4);
    }
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(P);
      reduceKernel('logSumExp', x, [P, R], [1], out);
      return out;
    });
    expectSameValues(wasm.subarray(0, 4), js.subarray(0, 4));
    expectWithinUlps(wasm, js, 2);
  });

  it('switched off, every entry point declines and the JavaScript kernels still give right answers', () => {
    setWasmElementwiseEnabled(false);
    expect(wasmElementwiseAvailable()).toBe(false);
    const a = f32Data(8192, 8, false);
    const out = new Float32Array(8192);
    expect(wasmBinaryF32('add', a, [8192], a, [8192], out, [8192])).toBe(false);
    expect(wasmUnaryF32('exp', a, out)).toBe(false);
    expect(wasmReduceRowsF32('sum', a, 2, 4096, new Float32Array(2))).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    const x = tensor(a.slice(0, 5000), [5000], 'float32');
    const e = exp(x).toArray() as number[];
    const s = sigmoid(x).toArray() as number[];
    for (let i = 0; i < 5000; i++) {
      expect(e[i]).toBeCloseTo(Math.exp(a[i]!), 4);
      expect(s[i]).toBeCloseTo(1 / (1 + Math.exp(-a[i]!)), 6);
    }
    expect(setWasmElementwiseEnabled(true)).toBe(false);
  });

  it('reports itself unavailable, and computes nothing, where WebAssembly or its SIMD is missing', async () => {
    const engines: [string, unknown][] = [
      ['no WebAssembly', undefined],
      ['no SIMD', { ...WebAssembly, validate: () => false }],
      ['compilation refused', { ...WebAssembly, validate: () => true, Module: function refused() { throw new Error('CSP'); } }],
    ];
    const a = f32Data(5001, 10);
    const b = f32Data(5001, 11);
    setWasmElementwiseEnabled(false);
    const expectedSum = new Float32Array(5001);
    binaryKernel('add', a, [5001], b, [5001], expectedSum, [5001]);
    const expectedExp = new Float32Array(5001);
    unaryKernel('exp', a, expectedExp);
    const expectedMax = new Float32Array(1);
    reduceKernel('max', a, [1, 5001], [1], expectedMax);
    setWasmElementwiseEnabled(true);
    for (const [what, engine] of engines) {
      vi.resetModules();
      vi.stubGlobal('WebAssembly', engine);
      // Fresh copies of the modules, so they try to compile under the stubbed engine.
      const fresh = await import('../src/backends/cpu/wasm-elementwise.js');
      expect(fresh.wasmElementwiseAvailable(), what).toBe(false);
      const out = new Float32Array(5001).fill(7);
      expect(fresh.wasmUnaryF32('exp', a, out), what).toBe(false);
      expect(fresh.wasmBinaryF32('add', a, [5001], b, [5001], out, [5001]), what).toBe(false);
      expect(fresh.wasmReduceRowsF32('sum', a, 1, 5001, out), what).toBe(false);
      expect(out.every((v) => v === 7), what).toBe(true);
      // The kernels then run their JavaScript loops.
      const elementwise = await import('../src/backends/cpu/elementwise.js');
      const reduce = await import('../src/backends/cpu/reduce.js');
      const sum = new Float32Array(5001);
      elementwise.binaryKernel('add', a, [5001], b, [5001], sum, [5001]);
      expectSameValues(sum, expectedSum);
      const e = new Float32Array(5001);
      elementwise.unaryKernel('exp', a, e);
      expectSameValues(e, expectedExp);
      const m = new Float32Array(1);
      reduce.reduceKernel('max', a, [1, 5001], [1], m);
      expectSameValues(m, expectedMax);
      vi.unstubAllGlobals();
    }
  });

  it('through the public op, float32 exp of a large tensor agrees with Math.exp', () => {
    const a = f32Data(5000, 9, false);
    const x = tensor(a, [5000], 'float32');
    const e = exp(x).toArray() as number[];
    expectWithinUlps(Float32Array.from(e), Float32Array.from(a, Math.exp), 2);
  });
});

describe('wasm path for unary ops it lacks', () => {
  it('leaves them to JavaScript', () => {
    for (const op of ['log', 'log1p', 'tanh', 'neg'] as UnaryOp[]) expect(wasmUnaryF32(op, new Float32Array(8192), new Float32Array(8192))).toBe(false);
  });
});
