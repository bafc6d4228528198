/** Comparison helpers shared by the tensor tests. */
import { expect } from 'vitest';
import type { NestedArray, Shape, Tensor } from '../src/index.js';
import { setWasmElementwiseEnabled } from '../src/cpu.js';

/** Tolerances of {@link expectClose}: |a - e| <= atol + rtol * |e|. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Asserts that `actual` matches `expected` elementwise within the tolerance; NaN matches NaN and
 * an infinity matches the same infinity only.
 */
export function expectClose(actual: ArrayLike<number> | Tensor, expected: ArrayLike<number>, { rtol = 1e-6, atol = 1e-7 }: Tolerance = {}): void {
  const values = 'dataSync' in actual ? actual.dataSync() : actual;
  expect(values.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = values[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(a, `element ${i}`).toBe(e);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Flattens nested arrays (as toArray returns them) for comparisons. */
export function flat(values: NestedArray): number[] {
  return Array.isArray(values) ? values.flatMap((v) => flat(v)) : [values];
}

/** A small deterministic generator for test inputs (independent of the package's own Random). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** `n` values uniform in [-1, 1) from `seed`. */
export function randomValues(n: number, seed: number): number[] {
  const next = lcg(seed);
  return Array.from({ length: n }, () => next() * 2 - 1);
}

/** Runs `f` with the wasm elementwise path off (JavaScript kernels) and on, returning both results. */
export function bothPaths(f: () => Float32Array): { js: Float32Array; wasm: Float32Array } {
  setWasmElementwiseEnabled(false);
  const js = f();
  setWasmElementwiseEnabled(true);
  const wasm = f();
  return { js, wasm };
}

/** The bits of `v` as a float32, in hex (to show which NaN or which zero). */
export const hex = (v: number): string => (new Uint32Array(Float32Array.of(v).buffer)[0]! >>> 0).toString(16).padStart(8, '0');

/**
 * Identical float32 values: Object.is per element, so NaN matches NaN (its payload may differ) and
 * -0 differs from 0. A failure counts the differing elements and shows the first one's bits.
 */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let bad = 0;
  let first = '';
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      if (bad === 0) first = `element ${i}: got ${actual[i]} (0x${hex(actual[i]!)}), expected ${expected[i]} (0x${hex(expected[i]!)})`;
      bad++;
    }
  }
  if (bad > 0) expect.fail(`${label}: ${bad} of ${expected.length} elements differ; first ${first}`);
}

/**
 * Where element `flatIndex` of a result of shape `outShape` reads an operand of shape `shape`
 * broadcast to it (NumPy rules, right-aligned), by explicit index arithmetic: slow and obviously
 * right, the reference the kernels' strided loops are checked against. Each operand element spans
 * `blockSize` values (a matrix of a batched product; 1 for elementwise ops).
 */
export function broadcastOffset(flatIndex: number, outShape: Shape, shape: Shape, blockSize = 1): number {
  let rest = flatIndex;
  let offset = 0;
  let stride = blockSize;
  for (let axis = outShape.length - 1; axis >= 0; axis--) {
    const coord = rest % outShape[axis]!;
    rest = Math.floor(rest / outShape[axis]!);
    const own = axis - (outShape.length - shape.length);
    if (own >= 0) {
      if (shape[own] !== 1) offset += coord * stride;
      stride *= shape[own]!;
    }
  }
  return offset;
}

/** Runs `f` with one cpu fast path switched off by its setter (from `@lossgraph/tensor/cpu`), restoring the previous setting. */
export function switchedOff<R>(setEnabled: (on: boolean) => boolean, f: () => R): R {
  const previous = setEnabled(false);
  try {
    return f();
  } finally {
    setEnabled(previous);
  }
}

/**
 * Runs `step` 10 times, notes `count()` (undisposed tensors), runs it 190 times more and expects
 * the same count: a loop that leaks a tensor per step grows it.
 */
export function expectFlatLoop(step: () => void, count: () => number): void {
  for (let i = 0; i < 10; i++) step();
  const at10 = count();
  for (let i = 0; i < 190; i++) step();
  expect(count()).toBe(at10);
}
