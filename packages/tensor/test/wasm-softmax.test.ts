/**
 * The WebAssembly SIMD log-softmax rows and log-softmax gradient of the cpu backend against the
 * JavaScript kernels they replace and against float64 references: rows whose length is not a
 * multiple of the vector width, rows longer than one chunk, NaN and infinities, the fallback for
 * axes other than the last, and the switch that turns the wasm path off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { logSoftmax, logSoftmaxGrad, setBackend, tensor } from '../src/index.js';
import { expF32 } from '../src/backends/cpu/fastmath.js';
import { logSoftmaxGradKernel, softmaxKernel } from '../src/backends/cpu/reduce.js';
import { setWasmElementwiseEnabled, wasmElementwiseAvailable } from '../src/cpu.js';
import { wasmLogSoftmaxGradRowsF32, wasmSoftmaxRowsF32, WASM_ELEMENTWISE_MIN } from '../src/backends/cpu/wasm-elementwise.js';
import { bothPaths, expectSameValues, lcg } from './helpers.js';

afterEach(() => {
  setWasmElementwiseEnabled(true);
});

/** `n` float32 values uniform in [-scale, scale). */
function f32Data(n: number, seed: number, scale: number): Float32Array {
  const next = lcg(seed);
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

/** One float32 ulp of |v| (the spacing just above it; 2^-149 at the bottom). */
function ulpOf(v: number): number {
  const a = Math.fround(Math.abs(v));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The log-softmax output of `x` ([P, R]) from the JavaScript kernel: the `y` a gradient sees. */
function jsLogSoftmax(x: Float32Array, P: number, R: number): Float32Array {
  const previous = setWasmElementwiseEnabled(false);
  const y = new Float32Array(P * R);
  softmaxKernel(x, [P, R], 1, y, true);
  setWasmElementwiseEnabled(previous);
  return y;
}

/** A gradient as softmax cross-entropy sends it (-1/P at one class per row) plus small noise. */
function sceGradient(P: number, R: number, seed: number): Float32Array {
  const dy = f32Data(P * R, seed, 1e-3);
  for (let p = 0; p < P; p++) dy[p * R + ((p * 7919) % R)] = -1 / P;
  return dy;
}

/** dy - exp(y) * sum(dy) per row in float64 with Math.exp (the exact formula). */
function gradReference(dy: Float32Array, y: Float32Array, P: number, R: number): Float64Array {
  const out = new Float64Array(P * R);
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let i = p * R; i < (p + 1) * R; i++) s += dy[i]!;
    for (let i = p * R; i < (p + 1) * R; i++) out[i] = dy[i]! - Math.exp(y[i]!) * s;
  }
  return out;
}

/** Row sums of dy in float64. */
function rowSums(dy: Float32Array, P: number, R: number): Float64Array {
  const s = new Float64Array(P);
  for (let i = 0; i < P * R; i++) s[(i / R) | 0] += dy[i]!;
  return s;
}

describe('wasm log-softmax gradient', () => {
  it('is available in Node', () => {
    expect(wasmElementwiseAvailable()).toBe(true);
  });

  // Row lengths: past the last four-vector step, single vectors and zero-padded tails of 1 to 3
  // (1000 = 62*16 + 8, 9, 130, 13, 15, 36 = 2*16 + 4), and one row longer than a 16384-float chunk.
  for (const [P, R] of [[64, 1000], [455, 9], [97, 130], [80, 13], [100, 15], [30, 36], [3, 20001]] as [number, number][]) {
    it(`over rows of ${R} agrees with the JavaScript kernel within 2^-21 |exp(y) sum(dy)| plus 2 ulps`, () => {
      const x = f32Data(P * R, R, 12);
      const y = jsLogSoftmax(x, P, R);
      const dy = sceGradient(P, R, R + 1);
      const { js, wasm } = bothPaths(() => {
        const out = new Float32Array(P * R);
        logSoftmaxGradKernel(dy, y, [P, R], 1, out);
        return out;
      });
      const direct = new Float32Array(P * R);
      expect(wasmLogSoftmaxGradRowsF32(dy, y, P, R, direct)).toBe(true);
      expectSameValues(direct, wasm);
      const s = rowSums(dy, P, R);
      const exact = gradReference(dy, y, P, R);
      // Each error over its bound; the worst must stay at or below 1. Against the exact formula:
      // the float32 exponential (about 2^-23 relative) and the roundings of the sum and product
      // (2^-24 each), then the final rounding. Against the JavaScript kernel: that plus its own
      // rounding (two roundings apart: up to an ulp, two across a power of two).
      let worstJs = 0;
      let worstExact = 0;
      for (let i = 0; i < P * R; i++) {
        const scale = Math.abs(expF32(y[i]!) * s[(i / R) | 0]!);
        worstJs = Math.max(worstJs, Math.abs(wasm[i]! - js[i]!) / (scale * 2 ** -21 + 2 * ulpOf(js[i]!)));
        worstExact = Math.max(worstExact, Math.abs(wasm[i]! - exact[i]!) / (scale * 2 ** -21 + ulpOf(exact[i]!) / 2));
      }
      expect(worstJs).toBeLessThanOrEqual(1);
      expect(worstExact).toBeLessThanOrEqual(1);
    });
  }

  it('matches the JavaScript kernel on rows holding NaN and infinities', () => {
    const P = 6;
    const R = 1003;
    const y = jsLogSoftmax(f32Data(P * R, 5, 8), P, R);
    const dy = sceGradient(P, R, 6);
    dy[17] = NaN; // row 0: the row sum is NaN, so is every result
    y[R + 5] = -Infinity; // row 1: exp(-Infinity) = 0 leaves dy
    y[R + 1001] = -Infinity; // ... also in the tail
    y[2 * R + 9] = Infinity; // row 2: Infinity * s
    y[3 * R + 4] = NaN; // row 3: one NaN result
    dy[4 * R + 3] = Infinity; // row 4: the row sum is Infinity
    dy.fill(0, 5 * R, 6 * R); // row 5: zero gradient gives zeros
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(P * R);
      logSoftmaxGradKernel(dy, y, [P, R], 1, out);
      return out;
    });
    expect(wasm.subarray(0, R).every((v) => Number.isNaN(v))).toBe(true);
    expect(wasm[R + 5]).toBe(dy[R + 5]);
    expect(wasm[R + 1001]).toBe(dy[R + 1001]);
    expect(wasm[3 * R + 4]).toBeNaN();
    expect(wasm.subarray(5 * R).every((v) => v === 0)).toBe(true);
    for (const p of [0, 4, 5]) expectSameValues(wasm.subarray(p * R, (p + 1) * R), js.subarray(p * R, (p + 1) * R));
    for (const i of [R + 5, R + 1001, 2 * R + 9, 3 * R + 4]) expect(Object.is(wasm[i], js[i]) || (Number.isNaN(wasm[i]) && Number.isNaN(js[i]))).toBe(true);
  });

  it('takes double arithmetic on rows whose gradient sum is huge or tiny, as the JavaScript kernel', () => {
    const P = 4;
    const R = 1000;
    const y = jsLogSoftmax(f32Data(P * R, 13, 6), P, R);
    const dy = f32Data(P * R, 14, 1);
    for (let i = 0; i < R; i++) dy[i] = 1e35 * (1 + (i % 7)); // row 0: sum about 4e38, past float32
    for (let i = R; i < 2 * R; i++) dy[i] *= 1e-36; // row 1: sum below 2^-100, would lose bits as float32
    for (let i = 2 * R; i < 3 * R; i++) dy[i] = -1e35 * (1 + (i % 5)); // row 2: a large negative sum
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(P * R);
      logSoftmaxGradKernel(dy, y, [P, R], 1, out);
      return out;
    });
    const s = rowSums(dy, P, R);
    expect(Math.abs(s[0]!)).toBeGreaterThan(3.5e38);
    const exact = gradReference(dy, y, P, R);
    let worst = 0;
    for (let i = 0; i < P * R; i++) {
      const bound = Math.abs(expF32(y[i]!) * s[(i / R) | 0]!) * 2 ** -21 + ulpOf(exact[i]!) / 2;
      if (Number.isFinite(js[i]!)) worst = Math.max(worst, Math.abs(wasm[i]! - exact[i]!) / bound);
      else expect(wasm[i]).toBe(js[i]);
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('leaves axes other than the last, short rows, small tensors and float64 to the JavaScript kernel', () => {
    // [8, 500, 3] along axis 1: strided columns, not contiguous rows.
    const shape = [8, 500, 3];
    const n = 8 * 500 * 3;
    const x = f32Data(n, 7, 6);
    const y = new Float32Array(n);
    softmaxKernel(x, shape, 1, y, true);
    const dy = f32Data(n, 8, 0.5);
    const { js, wasm } = bothPaths(() => {
      const out = new Float32Array(n);
      logSoftmaxGradKernel(dy, y, shape, 1, out);
      return out;
    });
    expectSameValues(wasm, js);
    // The JavaScript kernel's own formula, element by element.
    for (let p = 0; p < 8; p++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let r = 0; r < 500; r++) s += dy[(p * 500 + r) * 3 + c]!;
        for (let r = 0; r < 500; r++) {
          const i = (p * 500 + r) * 3 + c;
          if (wasm[i] !== Math.fround(dy[i]! - expF32(y[i]!) * s)) expect(`${i}: ${wasm[i]}`).toBe(`${i}: ${Math.fround(dy[i]! - expF32(y[i]!) * s)}`);
        }
      }
    }
    // Rows shorter than 8, float64 operands: the wasm entry point declines and writes nothing.
    const out = new Float32Array(4096);
    expect(wasmLogSoftmaxGradRowsF32(dy.subarray(0, 4096), y.subarray(0, 4096), 1024, 4, out)).toBe(false);
    expect(wasmLogSoftmaxGradRowsF32(new Float64Array(4096), new Float64Array(4096), 4, 1024, out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    // Below WASM_ELEMENTWISE_MIN the kernel keeps to JavaScript: bit-identical with the path off.
    const small = WASM_ELEMENTWISE_MIN / 2;
    const both = bothPaths(() => {
      const o = new Float32Array(small);
      logSoftmaxGradKernel(dy.subarray(0, small), y.subarray(0, small), [small / 64, 64], 1, o);
      return o;
    });
    expectSameValues(both.wasm, both.js);
  });

  it('switched off, declines and leaves the JavaScript kernel in charge', () => {
    const P = 16;
    const R = 1000;
    const y = jsLogSoftmax(f32Data(P * R, 9, 4), P, R);
    const dy = sceGradient(P, R, 10);
    setWasmElementwiseEnabled(false);
    expect(wasmElementwiseAvailable()).toBe(false);
    const out = new Float32Array(P * R);
    expect(wasmLogSoftmaxGradRowsF32(dy, y, P, R, out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    logSoftmaxGradKernel(dy, y, [P, R], 1, out);
    const s = rowSums(dy, P, R);
    const expected = dy.map((d, i) => d - expF32(y[i]!) * s[(i / R) | 0]!);
    expectSameValues(out, expected);
  });

  it('through the cpu backend: logSoftmaxGrad of [300, 100] matches float64', () => {
    setBackend('cpu');
    const P = 300;
    const R = 100;
    const x = f32Data(P * R, 11, 5);
    const dy = sceGradient(P, R, 12);
    const y = logSoftmax(tensor(x, [P, R], 'float32'));
    const g = logSoftmaxGrad(tensor(dy, [P, R], 'float32'), y).dataSync() as Float32Array;
    const yv = y.dataSync() as Float32Array;
    const exact = gradReference(dy, yv, P, R);
    const s = rowSums(dy, P, R);
    let worst = 0;
    for (let i = 0; i < P * R; i++) {
      worst = Math.max(worst, Math.abs(g[i]! - exact[i]!) / (Math.abs(Math.exp(yv[i]!) * s[(i / R) | 0]!) * 2 ** -21 + ulpOf(exact[i]!)));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('wasm log-softmax rows', () => {
  /** log-softmax of one row in float64: x - (max + log(sum exp(x - max))). */
  function reference(x: Float32Array, P: number, R: number): Float64Array {
    const out = new Float64Array(P * R);
    for (let p = 0; p < P; p++) {
      const row = x.subarray(p * R, (p + 1) * R);
      const m = Math.max(...row);
      let s = 0;
      for (const v of row) s += Math.exp(v - m);
      const offset = m + Math.log(s);
      for (let i = 0; i < R; i++) out[p * R + i] = row[i]! - offset;
    }
    return out;
  }

  for (const [P, R] of [[200, 9], [150, 13], [100, 15], [64, 1000], [2, 20003]] as [number, number][]) {
    it(`over rows of ${R} is x - offset rounded once, the offset within float32 accuracy`, () => {
      // Logits in [-40, 40): x - max reaches -80, where the 2Sum correction matters.
      const x = f32Data(P * R, 100 + R, 40);
      const out = new Float32Array(P * R);
      expect(wasmSoftmaxRowsF32(x, P, R, out, true)).toBe(true);
      const exact = reference(x, P, R);
      const { js, wasm } = bothPaths(() => {
        const o = new Float32Array(P * R);
        softmaxKernel(x, [P, R], 1, o, true);
        return o;
      });
      expectSameValues(wasm, out);
      // Each error over its bound (the worst must stay at or below 1): the offset (about the row's
      // log-sum-exp, |offset| < 50) is within a few 1e-8 relative, then the result is rounded once.
      let worstExact = 0;
      let worstJs = 0;
      for (let i = 0; i < P * R; i++) {
        const offsetError = (Math.abs(exact[i]! - x[i]!) + 1) * 2 ** -22;
        worstExact = Math.max(worstExact, Math.abs(out[i]! - exact[i]!) / (offsetError + ulpOf(exact[i]!) / 2));
        worstJs = Math.max(worstJs, Math.abs(out[i]! - js[i]!) / (2 * offsetError + ulpOf(js[i]!)));
      }
      expect(worstExact).toBeLessThanOrEqual(1);
      expect(worstJs).toBeLessThanOrEqual(1);
    });
  }

  it('rows with NaN and infinities and a tail match the JavaScript kernel exactly', () => {
    const P = 6;
    const R = 13;
    const x = f32Data(P * R, 21, 3);
    x[12] = NaN; // row 0, in the tail
    x[R + 2] = Infinity; // row 1: offset Infinity
    x.fill(-Infinity, 2 * R, 3 * R); // row 2: all -Infinity
    x[3 * R + 11] = -Infinity; // row 3: one -Infinity gives -Infinity
    x[4 * R] = 3e38; // row 4: one huge value
    x[4 * R + 12] = -3e38;
    x.fill(7, 5 * R, 6 * R); // row 5: constant gives -log(R)
    // Repeat the block so the wasm path (from WASM_ELEMENTWISE_MIN elements) takes it.
    const copies = Math.ceil(WASM_ELEMENTWISE_MIN / (P * R));
    const big = new Float32Array(copies * P * R);
    for (let c = 0; c < copies; c++) big.set(x, c * P * R);
    const rows = copies * P;
    const { js, wasm } = bothPaths(() => {
      const o = new Float32Array(rows * R);
      softmaxKernel(big, [rows, R], 1, o, true);
      return o;
    });
    for (const p of [0, 1, 2, 3]) expectSameValues(wasm.subarray(p * R, (p + 1) * R), js.subarray(p * R, (p + 1) * R));
    expect(wasm.subarray(0, R).every((v) => Number.isNaN(v))).toBe(true);
    expect(wasm[R + 2]).toBeNaN();
    expect(wasm[R]).toBe(-Infinity);
    expect(wasm.subarray(2 * R, 3 * R).every((v) => Number.isNaN(v))).toBe(true);
    expect(wasm[3 * R + 11]).toBe(-Infinity);
    expect(wasm[4 * R]).toBe(0);
    expect(wasm[4 * R + 12]).toBe(-Infinity);
    for (let i = 5 * R; i < 6 * R; i++) expect(wasm[i]).toBeCloseTo(-Math.log(R), 6);
    expectSameValues(wasm.subarray(P * R, 2 * P * R), wasm.subarray(0, P * R));
  });
});
