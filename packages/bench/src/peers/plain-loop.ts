/**
 * The floor every engine is measured against: the loop a programmer would write by hand over
 * Float32Arrays, specialised to the exact shapes of each workload, with no library around it.
 */
import type { TensorEngine } from '../engines/types.js';

/** A plain-loop "tensor": the values and their shape, nothing else. */
export interface PlainArray {
  /** Row-major values. */
  values: Float32Array;
  /** Extents of the axes. */
  shape: readonly number[];
}

function lastAxis(x: PlainArray, op: string): { rows: number; cols: number } {
  if (x.shape.length === 0) throw new RangeError(`plain loop ${op}: expected a tensor of rank >= 1, got a scalar`);
  const cols = x.shape[x.shape.length - 1]!;
  return { rows: cols === 0 ? 0 : x.values.length / cols, cols };
}

/**
 * The hand-written baseline as a {@link TensorEngine}. It covers same-shape add, add of a row
 * vector to every row, exp, and sum/max over the last axis; it has no matmul (shown as "—").
 *
 * @returns the engine (init always succeeds)
 * @example
 * ```ts
 * const loop = plainLoopEngine();
 * const y = loop.add!(loop.fromArray(a, [1000, 1000]), loop.fromArray(b, [1000]));
 * ```
 */
export function plainLoopEngine(): TensorEngine<PlainArray> {
  return {
    id: 'plain-loop',
    label: 'plain loop',
    init: () => Promise.resolve(undefined),
    activate: () => Promise.resolve(),
    describe: () => 'plain loop: one hand-written for-loop over Float32Arrays per workload, specialised to its shapes',
    fromArray: (values, shape) => ({ values: values.slice(), shape: [...shape] }),
    add(a, b) {
      const x = a.values;
      const y = b.values;
      const out = new Float32Array(x.length);
      if (x.length === y.length) {
        for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
      } else if (y.length > 0 && x.length % y.length === 0 && a.shape[a.shape.length - 1] === y.length) {
        const cols = y.length;
        for (let base = 0; base < x.length; base += cols) {
          for (let j = 0; j < cols; j++) out[base + j] = x[base + j]! + y[j]!;
        }
      } else {
        throw new RangeError(`plain loop add: supports equal shapes or a row vector added to every row, got [${a.shape.join(', ')}] + [${b.shape.join(', ')}]`);
      }
      return { values: out, shape: a.shape };
    },
    exp(x) {
      const v = x.values;
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = Math.exp(v[i]!);
      return { values: out, shape: x.shape };
    },
    sumLastAxis(x) {
      const { rows, cols } = lastAxis(x, 'sum');
      const v = x.values;
      const out = new Float32Array(rows);
      for (let r = 0, base = 0; r < rows; r++, base += cols) {
        let acc = 0;
        for (let j = 0; j < cols; j++) acc += v[base + j]!;
        out[r] = acc;
      }
      return { values: out, shape: x.shape.slice(0, -1) };
    },
    maxLastAxis(x) {
      const { rows, cols } = lastAxis(x, 'max');
      const v = x.values;
      const out = new Float32Array(rows);
      for (let r = 0, base = 0; r < rows; r++, base += cols) {
        let best = -Infinity;
        // No NaN handling: the floor is the shortest correct loop for NaN-free data.
        for (let j = 0; j < cols; j++) {
          const value = v[base + j]!;
          if (value > best) best = value;
        }
        out[r] = best;
      }
      return { values: out, shape: x.shape.slice(0, -1) };
    },
    read: (x) => x.values,
    dispose: () => undefined,
  };
}
