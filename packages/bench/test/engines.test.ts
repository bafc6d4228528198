import { describe, expect, it } from 'vitest';
import { gpuModePrecondition, lossgraphEngine } from '../src/engines/lossgraph.js';
import type { TensorEngine } from '../src/engines/types.js';
import { plainLoopEngine } from '../src/peers/plain-loop.js';
import { tfjsEngine, tfjsWasmDirectory } from '../src/peers/tfjs.js';
import { checkResult, tensorWorkloads, uniformData } from '../src/suites/tensor.js';
import { existsSync } from 'node:fs';
import '@lossgraph/tensor/gpujs';

const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

/** Runs the small hand-computed cases every engine must get right. */
async function expectSmallCases<T>(engine: TensorEngine<T>, withMatmul: boolean): Promise<void> {
  expect(await engine.init()).toBeUndefined();
  await engine.activate();
  const read = (t: T): number[] => Array.from(engine.read(t));
  const a = engine.fromArray(f32(1, 2, 3, 4, 5, 6), [2, 3]);
  const row = engine.fromArray(f32(10, 20, 30), [3]);
  expect(read(engine.add!(a, a))).toEqual([2, 4, 6, 8, 10, 12]);
  expect(read(engine.add!(a, row))).toEqual([11, 22, 33, 14, 25, 36]);
  expect(read(engine.exp!(engine.fromArray(f32(0, 1), [2])))).toEqual([1, Math.fround(Math.E)].map((v) => expect.closeTo(v, 5)));
  expect(read(engine.sumLastAxis!(a))).toEqual([6, 15]);
  expect(read(engine.maxLastAxis!(engine.fromArray(f32(3, -1, 7, -5, -2, -9), [2, 3])))).toEqual([7, -2]);
  if (withMatmul) {
    // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    expect(read(engine.matmul!(a, engine.fromArray(f32(1, 0, 0, 1, 1, 1), [3, 2])))).toEqual([4, 5, 10, 11]);
  }
}

describe('plain loop engine', () => {
  it('computes the small cases', async () => {
    const loop = plainLoopEngine();
    await expectSmallCases(loop, false);
    expect(loop.matmul).toBeUndefined();
  });
  it('copies its input and refuses broadcasts it was not written for', () => {
    const loop = plainLoopEngine();
    const values = f32(1, 2);
    const x = loop.fromArray(values, [2]);
    values[0] = 99;
    expect(Array.from(loop.read(x))).toEqual([1, 2]);
    expect(() => loop.add!(loop.fromArray(f32(1, 2, 3, 4), [2, 2]), loop.fromArray(f32(1, 2), [2, 1]))).not.toThrow();
    expect(() => loop.add!(loop.fromArray(f32(1, 2, 3, 4, 5, 6), [2, 3]), loop.fromArray(f32(1, 2), [2]))).toThrow(/row vector/);
  });
  it('agrees with the float64 reference on every full-size workload it covers', () => {
    const loop = plainLoopEngine();
    for (const w of tensorWorkloads().filter((x) => x.group !== 'matmul')) {
      const data = w.shapes.map((s, i) => uniformData(s.reduce((p, n) => p * n, 1), 3 + i));
      const y = w.compute(loop, data.map((d, i) => loop.fromArray(d, w.shapes[i]!)));
      expect(y, w.id).toBeDefined();
      expect(checkResult(loop.read(y!), w.reference(data)), w.id).toBeUndefined();
    }
  });
});

describe('lossgraph engines', () => {
  it('lossgraph cpu computes the small cases', async () => {
    const engine = lossgraphEngine('cpu');
    expect(engine.id).toBe('lossgraph-cpu');
    await expectSmallCases(engine, true);
  });
  it('lossgraph gpujs webasm computes the small cases and reports the mode it runs', async () => {
    const engine = lossgraphEngine('gpujs', 'webasm');
    expect(engine.id).toBe('lossgraph-gpujs-webasm');
    await expectSmallCases(engine, true);
    expect(engine.describe()).toMatch(/GPU\.js runs mode 'webasm'/);
  });
  it('reports why headlessgl cannot start without a display, before loading anything', async () => {
    if (process.platform !== 'linux' || process.env['DISPLAY']) return;
    const engine = lossgraphEngine('gpujs', 'headlessgl');
    expect(engine.id).toBe('lossgraph-gpujs-headlessgl');
    expect(await engine.init()).toMatch(/no X display/);
    expect(() => engine.fromArray(f32(1), [1])).toThrow(/init\(\) must succeed/);
  });
});

describe('TF.js engines', () => {
  it('finds the tfjs-backend-wasm binaries on disk', () => {
    const dir = tfjsWasmDirectory();
    expect(existsSync(`${dir}tfjs-backend-wasm.wasm`)).toBe(true);
    expect(existsSync(`${dir}tfjs-backend-wasm-simd.wasm`)).toBe(true);
  });
  it('TF.js cpu computes the small cases', async () => {
    const engine = tfjsEngine('cpu');
    await expectSmallCases(engine, true);
    expect(engine.describe()).toMatch(/TF\.js cpu 4\.22\.0/);
  });
  it('tfjs-wasm starts in Node from the package files and computes the small cases', async () => {
    const engine = tfjsEngine('wasm');
    await expectSmallCases(engine, true);
    expect(engine.describe()).toMatch(/tfjs-wasm 4\.22\.0 \(prod mode\): SIMD (on|off), threads (on|off)/);
  });
});

describe('uniformData and checkResult', () => {
  it('uniformData is deterministic, in [-1, 1), and seed-dependent', () => {
    const a = uniformData(10_000, 5);
    expect(uniformData(10_000, 5)).toEqual(a);
    expect(uniformData(10_000, 6)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThan(1);
    // Uniform on [-1, 1): mean near 0, about half negative.
    expect(Math.abs(a.reduce((s, v) => s + v, 0) / a.length)).toBeLessThan(0.03);
    expect(() => uniformData(-1, 1)).toThrow(/size/);
  });
  it('checkResult accepts float32 rounding and flags wrong values, NaN and wrong lengths', () => {
    expect(checkResult(f32(1, 2.5), Float64Array.of(1.0000001, 2.5))).toBeUndefined();
    expect(checkResult([1, 2.1], Float64Array.of(1, 2))).toMatch(/at index 1 got 2.1, expected 2/);
    expect(checkResult([1, Number.NaN], Float64Array.of(1, 2))).toMatch(/at index 1 got NaN/);
    expect(checkResult([1], Float64Array.of(1, 2))).toMatch(/1 values, expected 2/);
    // The tolerance scales with the largest reference value.
    expect(checkResult([1000.5], Float64Array.of(1000))).toBeUndefined();
    expect(checkResult([1002], Float64Array.of(1000))).toMatch(/tolerance 1\.0/);
  });
});

describe('gpuModePrecondition', () => {
  it('asks for a display only for headlessgl on Linux', () => {
    const linux = process.platform === 'linux';
    expect(gpuModePrecondition('headlessgl', {})).toBe(linux ? 'no X display (DISPLAY unset); run under xvfb-run -a to measure it' : undefined);
    expect(gpuModePrecondition('headlessgl', { DISPLAY: ':99' })).toBeUndefined();
    expect(gpuModePrecondition('webasm', {})).toBeUndefined();
  });
});
