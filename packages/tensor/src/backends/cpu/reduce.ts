/**
 * Reductions, arg-reductions and the fused softmax kernels of the cpu backend.
 *
 * Every reduction is viewed as `[P, R, C]`: P independent blocks, each reducing R rows of C
 * contiguous columns. C = 1 (reducing the last axes) walks contiguous runs with several
 * accumulators; C > 1 (reducing leading or middle axes) adds whole rows into a column
 * accumulator, so neither case transposes. Sums accumulate in doubles, even for float32.
 *
 * @internal
 */
import { missingKernel, PRIMITIVES, type ArgReduceOp, type ReduceOp } from '../../primitives.js';
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { expF32 } from './fastmath.js';
import { aroundAxis, extent } from '../../strides.js';
import { WASM_ELEMENTWISE_MIN, wasmLogSoftmaxGradRowsF32, wasmReduceRowsF32, wasmSoftmaxRowsF32 } from './wasm-elementwise.js';

/** The shift that makes exp(x - shift) safe: the maximum when finite, else 0 (the result is then ±Infinity or NaN anyway). */
function safeShift(max: number): number {
  return max === Infinity || max === -Infinity ? 0 : max;
}

// sumRun, maxRun and minRun repeat one four-accumulator loop on purpose, each with its own
// operation written in: a single loop taking the combine step as a function shares one call site's
// type feedback across the three and stops V8 inlining it (as elementwise.ts measured, 10x slower).

/** Sum of `x[start, start + n)`; four accumulators break the add dependency chain. */
function sumRun(x: TypedArray, start: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = start + n;
  let i = start;
  for (; i + 3 < end; i += 4) {
    s0 += x[i]!;
    s1 += x[i + 1]!;
    s2 += x[i + 2]!;
    s3 += x[i + 3]!;
  }
  for (; i < end; i++) s0 += x[i]!;
  return (s0 + s1) + (s2 + s3);
}

/**
 * Largest of `x[start, start + n)`. Math.max propagates NaN, as NumPy's max does; four
 * independent maxima let the comparisons overlap.
 */
function maxRun(x: TypedArray, start: number, n: number): number {
  let m0 = -Infinity;
  let m1 = -Infinity;
  let m2 = -Infinity;
  let m3 = -Infinity;
  const end = start + n;
  let i = start;
  for (; i + 3 < end; i += 4) {
    m0 = Math.max(m0, x[i]!);
    m1 = Math.max(m1, x[i + 1]!);
    m2 = Math.max(m2, x[i + 2]!);
    m3 = Math.max(m3, x[i + 3]!);
  }
  for (; i < end; i++) m0 = Math.max(m0, x[i]!);
  return Math.max(Math.max(m0, m1), Math.max(m2, m3));
}

/** Smallest of `x[start, start + n)`; NaN propagates. */
function minRun(x: TypedArray, start: number, n: number): number {
  let m0 = Infinity;
  let m1 = Infinity;
  let m2 = Infinity;
  let m3 = Infinity;
  const end = start + n;
  let i = start;
  for (; i + 3 < end; i += 4) {
    m0 = Math.min(m0, x[i]!);
    m1 = Math.min(m1, x[i + 1]!);
    m2 = Math.min(m2, x[i + 2]!);
    m3 = Math.min(m3, x[i + 3]!);
  }
  for (; i < end; i++) m0 = Math.min(m0, x[i]!);
  return Math.min(Math.min(m0, m1), Math.min(m2, m3));
}

function logSumExpRun(x: TypedArray, start: number, n: number, f32: boolean): number {
  const shift = safeShift(maxRun(x, start, n));
  let s = 0;
  const end = start + n;
  if (f32) for (let i = start; i < end; i++) s += expF32(x[i]! - shift);
  else for (let i = start; i < end; i++) s += Math.exp(x[i]! - shift);
  return shift + Math.log(s);
}

/** Reduces each of the P contiguous runs of length R in `x` into `out[p]`. */
function reduceRows(op: ReduceOp, x: TypedArray, P: number, R: number, out: TypedArray): void {
  if (out instanceof Float32Array && P * R >= WASM_ELEMENTWISE_MIN && wasmReduceRowsF32(op, x, P, R, out)) return;
  switch (op) {
    case 'sum': for (let p = 0; p < P; p++) out[p] = sumRun(x, p * R, R); break;
    case 'max': for (let p = 0; p < P; p++) out[p] = maxRun(x, p * R, R); break;
    case 'min': for (let p = 0; p < P; p++) out[p] = minRun(x, p * R, R); break;
    case 'logSumExp': {
      // A float32 input or output has float32 accuracy at best (see fastmath.ts).
      const f32 = out instanceof Float32Array || x instanceof Float32Array;
      for (let p = 0; p < P; p++) out[p] = logSumExpRun(x, p * R, R, f32);
      break;
    }
    default: missingKernel(op, 'cpu reduceRows');
  }
}

/** `acc[c] += sum over rows r of x[start + r*C + c]`, four rows per pass to cut accumulator traffic. */
function addRows(x: TypedArray, start: number, R: number, C: number, acc: Float64Array): void {
  let r = 0;
  for (; r + 3 < R; r += 4) {
    const r0 = start + r * C;
    const r1 = r0 + C;
    const r2 = r1 + C;
    const r3 = r2 + C;
    for (let c = 0; c < C; c++) acc[c] += (x[r0 + c]! + x[r1 + c]!) + (x[r2 + c]! + x[r3 + c]!);
  }
  for (; r < R; r++) {
    const row = start + r * C;
    for (let c = 0; c < C; c++) acc[c] += x[row + c]!;
  }
}

/** `acc[c] = max(acc[c], max over rows of x[start + r*C + c])`; NaN propagates. */
function maxRows(x: TypedArray, start: number, R: number, C: number, acc: Float64Array): void {
  for (let r = 0; r < R; r++) {
    const row = start + r * C;
    for (let c = 0; c < C; c++) acc[c] = Math.max(acc[c]!, x[row + c]!);
  }
}

/** Reduces the middle axis of `x` viewed as [P, R, C] (C > 1) into `out` ([P, C]). */
function reduceColumns(op: ReduceOp, x: TypedArray, P: number, R: number, C: number, out: TypedArray): void {
  const acc = new Float64Array(C);
  const shift = op === 'logSumExp' ? new Float64Array(C) : acc;
  const f32 = out instanceof Float32Array || x instanceof Float32Array;
  for (let p = 0; p < P; p++) {
    const block = p * R * C;
    switch (op) {
      case 'sum':
        acc.fill(0);
        addRows(x, block, R, C, acc);
        break;
      case 'max':
        acc.fill(-Infinity);
        maxRows(x, block, R, C, acc);
        break;
      case 'min':
        acc.fill(Infinity);
        for (let r = 0; r < R; r++) {
          const row = block + r * C;
          for (let c = 0; c < C; c++) acc[c] = Math.min(acc[c]!, x[row + c]!);
        }
        break;
      case 'logSumExp':
        shift.fill(-Infinity);
        maxRows(x, block, R, C, shift);
        for (let c = 0; c < C; c++) shift[c] = safeShift(shift[c]!);
        acc.fill(0);
        for (let r = 0; r < R; r++) {
          const row = block + r * C;
          // A float32 input or output has float32 accuracy at best (see fastmath.ts).
          if (f32) for (let c = 0; c < C; c++) acc[c] += expF32(x[row + c]! - shift[c]!);
          else for (let c = 0; c < C; c++) acc[c] += Math.exp(x[row + c]! - shift[c]!);
        }
        for (let c = 0; c < C; c++) acc[c] = shift[c]! + Math.log(acc[c]!);
        break;
      default: missingKernel(op, 'cpu reduceColumns');
    }
    out.set(acc, p * C);
  }
}

/** Reduces the middle axis of `x` viewed as [P, R, C] into `out` ([P, C]). */
function reduceOneGroup(op: ReduceOp, x: TypedArray, P: number, R: number, C: number, out: TypedArray): void {
  if (C === 1) reduceRows(op, x, P, R, out);
  else reduceColumns(op, x, P, R, C, out);
}

/**
 * Reduces `axes` (sorted) of `x` into `out` (row-major over the kept axes, typed as the result
 * dtype). Adjacent reduced axes are fused into one; several separate groups are reduced one after
 * another, innermost first, through float64 scratch (sum, max, min and logSumExp all compose).
 */
export function reduceKernel(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void {
  if (out.length === 0) return;
  if (x.length === 0) {
    out.fill(PRIMITIVES[op].identity);
    return;
  }
  // Fuse runs of axes into groups [extent, reduced?], dropping extent-1 axes.
  const groups: { extent: number; reduced: boolean }[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const d = shape[axis]!;
    if (d === 1) continue;
    const reduced = axes.includes(axis);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced) last.extent *= d;
    else groups.push({ extent: d, reduced });
  }
  if (!groups.some((g) => g.reduced)) {
    // Only extent-1 axes are reduced: each output is its one input (logSumExp of one value is itself).
    out.set(x);
    return;
  }
  let current: TypedArray = x;
  let dims = groups.map((g) => g.extent);
  let flags = groups.map((g) => g.reduced);
  for (;;) {
    const g = flags.lastIndexOf(true);
    const P = extent(dims, 0, g);
    const R = dims[g]!;
    const C = extent(dims, g + 1);
    const lastPass = flags.indexOf(true) === g;
    const target = lastPass ? out : new Float64Array(P * C);
    reduceOneGroup(op, current, P, R, C, target);
    if (lastPass) return;
    current = target;
    dims = [...dims.slice(0, g), ...dims.slice(g + 1)];
    flags = [...flags.slice(0, g), ...flags.slice(g + 1)];
  }
}

/** Index of the first maximum (or minimum) along `axis`; NaN counts as the extreme, as in NumPy. */
export function argReduceKernel(op: ArgReduceOp, x: TypedArray, shape: Shape, axis: number, out: Int32Array): void {
  const [P, R, C] = aroundAxis(shape, axis);
  if (out.length === 0 || R === 0) return;
  const sign = op === 'argmax' ? 1 : -1;
  if (C === 1) {
    for (let p = 0; p < P; p++) {
      const start = p * R;
      let best = sign * x[start]!;
      let bestIndex = 0;
      if (best === best) {
        for (let r = 1; r < R; r++) {
          const v = sign * x[start + r]!;
          if (v > best || v !== v) {
            best = v;
            bestIndex = r;
            if (v !== v) break;
          }
        }
      }
      out[p] = bestIndex;
    }
    return;
  }
  const best = new Float64Array(C);
  for (let p = 0; p < P; p++) {
    const block = p * R * C;
    const outRow = p * C;
    for (let c = 0; c < C; c++) {
      best[c] = sign * x[block + c]!;
      out[outRow + c] = 0;
    }
    for (let r = 1; r < R; r++) {
      const row = block + r * C;
      for (let c = 0; c < C; c++) {
        const v = sign * x[row + c]!;
        const b = best[c]!;
        // `b === b`: an earlier NaN is never displaced.
        if ((v > b || v !== v) && b === b) {
          best[c] = v;
          out[outRow + c] = r;
        }
      }
    }
  }
}

/**
 * Softmax (or log-softmax) along `axis`, shifted by the maximum so that logits of any magnitude
 * give finite results. The last axis runs over contiguous rows; other axes use column accumulators.
 */
export function softmaxKernel(x: TypedArray, shape: Shape, axis: number, out: TypedArray, log: boolean): void {
  const [P, R, C] = aroundAxis(shape, axis);
  if (out.length === 0) return;
  if (C === 1 && out instanceof Float32Array && out.length >= WASM_ELEMENTWISE_MIN && wasmSoftmaxRowsF32(x, P, R, out, log)) return;
  // A float32 result needs far less than Math.exp's double accuracy (see fastmath.ts).
  const f32 = out instanceof Float32Array;
  const expOf = f32 ? expF32 : Math.exp;
  if (C === 1) {
    for (let p = 0; p < P; p++) {
      const start = p * R;
      const end = start + R;
      const shift = safeShift(maxRun(x, start, R));
      let s = 0;
      if (log) {
        if (f32) for (let i = start; i < end; i++) s += expF32(x[i]! - shift);
        else for (let i = start; i < end; i++) s += Math.exp(x[i]! - shift);
        const offset = shift + Math.log(s);
        for (let i = start; i < end; i++) out[i] = x[i]! - offset;
      } else {
        if (f32) {
          for (let i = start; i < end; i++) {
            const e = expF32(x[i]! - shift);
            out[i] = e;
            s += e;
          }
        } else {
          for (let i = start; i < end; i++) {
            const e = Math.exp(x[i]! - shift);
            out[i] = e;
            s += e;
          }
        }
        const scale = 1 / s;
        for (let i = start; i < end; i++) out[i] = out[i]! * scale;
      }
    }
    return;
  }
  const shift = new Float64Array(C);
  const total = new Float64Array(C);
  for (let p = 0; p < P; p++) {
    const block = p * R * C;
    shift.fill(-Infinity);
    maxRows(x, block, R, C, shift);
    for (let c = 0; c < C; c++) shift[c] = safeShift(shift[c]!);
    total.fill(0);
    if (log) {
      for (let r = 0; r < R; r++) {
        const row = block + r * C;
        for (let c = 0; c < C; c++) total[c] += expOf(x[row + c]! - shift[c]!);
      }
      for (let c = 0; c < C; c++) total[c] = shift[c]! + Math.log(total[c]!);
      for (let r = 0; r < R; r++) {
        const row = block + r * C;
        for (let c = 0; c < C; c++) out[row + c] = x[row + c]! - total[c]!;
      }
    } else {
      // One exp per element: store the exponentials, then scale them by 1 / column sum.
      for (let r = 0; r < R; r++) {
        const row = block + r * C;
        for (let c = 0; c < C; c++) {
          const e = expOf(x[row + c]! - shift[c]!);
          out[row + c] = e;
          total[c] += e;
        }
      }
      for (let c = 0; c < C; c++) total[c] = 1 / total[c]!;
      for (let r = 0; r < R; r++) {
        const row = block + r * C;
        for (let c = 0; c < C; c++) out[row + c] = out[row + c]! * total[c]!;
      }
    }
  }
}

/**
 * `out = dy - exp(y) * sum(dy, axis)`: the gradient of log-softmax along `axis` given its output
 * `y` and the incoming gradient `dy`, in one pass per row (the row sum, then the result).
 */
export function logSoftmaxGradKernel(dy: TypedArray, y: TypedArray, shape: Shape, axis: number, out: TypedArray): void {
  const [P, R, C] = aroundAxis(shape, axis);
  if (out.length === 0) return;
  if (C === 1 && out instanceof Float32Array && out.length >= WASM_ELEMENTWISE_MIN && wasmLogSoftmaxGradRowsF32(dy, y, P, R, out)) return;
  const f32 = out instanceof Float32Array;
  if (C === 1) {
    for (let p = 0; p < P; p++) {
      const start = p * R;
      const end = start + R;
      const s = sumRun(dy, start, R);
      if (f32) for (let i = start; i < end; i++) out[i] = dy[i]! - expF32(y[i]!) * s;
      else for (let i = start; i < end; i++) out[i] = dy[i]! - Math.exp(y[i]!) * s;
    }
    return;
  }
  const expOf = f32 ? expF32 : Math.exp;
  const total = new Float64Array(C);
  for (let p = 0; p < P; p++) {
    const block = p * R * C;
    total.fill(0);
    addRows(dy, block, R, C, total);
    for (let r = 0; r < R; r++) {
      const row = block + r * C;
      for (let c = 0; c < C; c++) out[row + c] = dy[row + c]! - expOf(y[row + c]!) * total[c]!;
    }
  }
}
