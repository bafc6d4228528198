/**
 * Elementwise kernels of the cpu backend. Each op is its own tight loop and the `switch` on the op
 * runs once per call (or once per contiguous run), never once per element: V8 then compiles every
 * loop to straight-line arithmetic on the typed arrays.
 *
 * @internal
 */
import { missingKernel, type BinaryOp, type UnaryOp } from '../../primitives.js';
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { expF32, sigmoidF32, softplusF32 } from './fastmath.js';
import { erf } from './special-functions.js';
import { broadcastStrides } from '../../strides.js';
import { mergeRuns } from './strided.js';
import { WASM_ELEMENTWISE_MIN, wasmBinaryF32, wasmUnaryF32 } from './wasm-elementwise.js';

/** 1 / (1 + e^-x) without overflow: e^-|x| never exceeds 1. */
function sigmoidOf(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for every finite x. */
function softplusOf(x: number): number {
  return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

// ---------------------------------------------------------------- unrolled loops
// The hottest float loops, each its own function unrolled by 8: V8 re-checks each typed array's
// bounds and reloads its data pointer per access, and amortising that over eight elements runs
// these loops two to three times faster. Separate functions also keep each op's type feedback apart:
// one unrolled loop made per op by a factory taking the op as a closure measured ten times slower,
// because closures of one function literal share their feedback and the op call turns megamorphic.
// Large float32 work skips them for the WebAssembly kernels; they serve float64, int32 and small arrays.

function negRun(x: TypedArray, out: TypedArray, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    out[i] = -x[i]!;
    out[i + 1] = -x[i + 1]!;
    out[i + 2] = -x[i + 2]!;
    out[i + 3] = -x[i + 3]!;
    out[i + 4] = -x[i + 4]!;
    out[i + 5] = -x[i + 5]!;
    out[i + 6] = -x[i + 6]!;
    out[i + 7] = -x[i + 7]!;
  }
  for (; i < n; i++) out[i] = -x[i]!;
}

function squareRun(x: TypedArray, out: TypedArray, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    out[i] = x[i]! * x[i]!;
    out[i + 1] = x[i + 1]! * x[i + 1]!;
    out[i + 2] = x[i + 2]! * x[i + 2]!;
    out[i + 3] = x[i + 3]! * x[i + 3]!;
    out[i + 4] = x[i + 4]! * x[i + 4]!;
    out[i + 5] = x[i + 5]! * x[i + 5]!;
    out[i + 6] = x[i + 6]! * x[i + 6]!;
    out[i + 7] = x[i + 7]! * x[i + 7]!;
  }
  for (; i < n; i++) out[i] = x[i]! * x[i]!;
}

function addVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = a[p]! + b[q]!;
    out[r + 1] = a[p + 1]! + b[q + 1]!;
    out[r + 2] = a[p + 2]! + b[q + 2]!;
    out[r + 3] = a[p + 3]! + b[q + 3]!;
    out[r + 4] = a[p + 4]! + b[q + 4]!;
    out[r + 5] = a[p + 5]! + b[q + 5]!;
    out[r + 6] = a[p + 6]! + b[q + 6]!;
    out[r + 7] = a[p + 7]! + b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! + b[bi + i]!;
}

function subVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = a[p]! - b[q]!;
    out[r + 1] = a[p + 1]! - b[q + 1]!;
    out[r + 2] = a[p + 2]! - b[q + 2]!;
    out[r + 3] = a[p + 3]! - b[q + 3]!;
    out[r + 4] = a[p + 4]! - b[q + 4]!;
    out[r + 5] = a[p + 5]! - b[q + 5]!;
    out[r + 6] = a[p + 6]! - b[q + 6]!;
    out[r + 7] = a[p + 7]! - b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! - b[bi + i]!;
}

function mulVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = a[p]! * b[q]!;
    out[r + 1] = a[p + 1]! * b[q + 1]!;
    out[r + 2] = a[p + 2]! * b[q + 2]!;
    out[r + 3] = a[p + 3]! * b[q + 3]!;
    out[r + 4] = a[p + 4]! * b[q + 4]!;
    out[r + 5] = a[p + 5]! * b[q + 5]!;
    out[r + 6] = a[p + 6]! * b[q + 6]!;
    out[r + 7] = a[p + 7]! * b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! * b[bi + i]!;
}

function divVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = a[p]! / b[q]!;
    out[r + 1] = a[p + 1]! / b[q + 1]!;
    out[r + 2] = a[p + 2]! / b[q + 2]!;
    out[r + 3] = a[p + 3]! / b[q + 3]!;
    out[r + 4] = a[p + 4]! / b[q + 4]!;
    out[r + 5] = a[p + 5]! / b[q + 5]!;
    out[r + 6] = a[p + 6]! / b[q + 6]!;
    out[r + 7] = a[p + 7]! / b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! / b[bi + i]!;
}

function maximumVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = Math.max(a[p]!, b[q]!);
    out[r + 1] = Math.max(a[p + 1]!, b[q + 1]!);
    out[r + 2] = Math.max(a[p + 2]!, b[q + 2]!);
    out[r + 3] = Math.max(a[p + 3]!, b[q + 3]!);
    out[r + 4] = Math.max(a[p + 4]!, b[q + 4]!);
    out[r + 5] = Math.max(a[p + 5]!, b[q + 5]!);
    out[r + 6] = Math.max(a[p + 6]!, b[q + 6]!);
    out[r + 7] = Math.max(a[p + 7]!, b[q + 7]!);
  }
  for (; i < n; i++) out[o + i] = Math.max(a[ai + i]!, b[bi + i]!);
}

function minimumVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const q = bi + i;
    const r = o + i;
    out[r] = Math.min(a[p]!, b[q]!);
    out[r + 1] = Math.min(a[p + 1]!, b[q + 1]!);
    out[r + 2] = Math.min(a[p + 2]!, b[q + 2]!);
    out[r + 3] = Math.min(a[p + 3]!, b[q + 3]!);
    out[r + 4] = Math.min(a[p + 4]!, b[q + 4]!);
    out[r + 5] = Math.min(a[p + 5]!, b[q + 5]!);
    out[r + 6] = Math.min(a[p + 6]!, b[q + 6]!);
    out[r + 7] = Math.min(a[p + 7]!, b[q + 7]!);
  }
  for (; i < n; i++) out[o + i] = Math.min(a[ai + i]!, b[bi + i]!);
}

function addVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = a[p]! + s;
    out[r + 1] = a[p + 1]! + s;
    out[r + 2] = a[p + 2]! + s;
    out[r + 3] = a[p + 3]! + s;
    out[r + 4] = a[p + 4]! + s;
    out[r + 5] = a[p + 5]! + s;
    out[r + 6] = a[p + 6]! + s;
    out[r + 7] = a[p + 7]! + s;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! + s;
}

function subVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = a[p]! - s;
    out[r + 1] = a[p + 1]! - s;
    out[r + 2] = a[p + 2]! - s;
    out[r + 3] = a[p + 3]! - s;
    out[r + 4] = a[p + 4]! - s;
    out[r + 5] = a[p + 5]! - s;
    out[r + 6] = a[p + 6]! - s;
    out[r + 7] = a[p + 7]! - s;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! - s;
}

function mulVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = a[p]! * s;
    out[r + 1] = a[p + 1]! * s;
    out[r + 2] = a[p + 2]! * s;
    out[r + 3] = a[p + 3]! * s;
    out[r + 4] = a[p + 4]! * s;
    out[r + 5] = a[p + 5]! * s;
    out[r + 6] = a[p + 6]! * s;
    out[r + 7] = a[p + 7]! * s;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! * s;
}

function divVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = a[p]! / s;
    out[r + 1] = a[p + 1]! / s;
    out[r + 2] = a[p + 2]! / s;
    out[r + 3] = a[p + 3]! / s;
    out[r + 4] = a[p + 4]! / s;
    out[r + 5] = a[p + 5]! / s;
    out[r + 6] = a[p + 6]! / s;
    out[r + 7] = a[p + 7]! / s;
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! / s;
}

function maximumVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = Math.max(a[p]!, s);
    out[r + 1] = Math.max(a[p + 1]!, s);
    out[r + 2] = Math.max(a[p + 2]!, s);
    out[r + 3] = Math.max(a[p + 3]!, s);
    out[r + 4] = Math.max(a[p + 4]!, s);
    out[r + 5] = Math.max(a[p + 5]!, s);
    out[r + 6] = Math.max(a[p + 6]!, s);
    out[r + 7] = Math.max(a[p + 7]!, s);
  }
  for (; i < n; i++) out[o + i] = Math.max(a[ai + i]!, s);
}

function minimumVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const p = ai + i;
    const r = o + i;
    out[r] = Math.min(a[p]!, s);
    out[r + 1] = Math.min(a[p + 1]!, s);
    out[r + 2] = Math.min(a[p + 2]!, s);
    out[r + 3] = Math.min(a[p + 3]!, s);
    out[r + 4] = Math.min(a[p + 4]!, s);
    out[r + 5] = Math.min(a[p + 5]!, s);
    out[r + 6] = Math.min(a[p + 6]!, s);
    out[r + 7] = Math.min(a[p + 7]!, s);
  }
  for (; i < n; i++) out[o + i] = Math.min(a[ai + i]!, s);
}

function addSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const q = bi + i;
    const r = o + i;
    out[r] = s + b[q]!;
    out[r + 1] = s + b[q + 1]!;
    out[r + 2] = s + b[q + 2]!;
    out[r + 3] = s + b[q + 3]!;
    out[r + 4] = s + b[q + 4]!;
    out[r + 5] = s + b[q + 5]!;
    out[r + 6] = s + b[q + 6]!;
    out[r + 7] = s + b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = s + b[bi + i]!;
}

function subSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const q = bi + i;
    const r = o + i;
    out[r] = s - b[q]!;
    out[r + 1] = s - b[q + 1]!;
    out[r + 2] = s - b[q + 2]!;
    out[r + 3] = s - b[q + 3]!;
    out[r + 4] = s - b[q + 4]!;
    out[r + 5] = s - b[q + 5]!;
    out[r + 6] = s - b[q + 6]!;
    out[r + 7] = s - b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = s - b[bi + i]!;
}

function mulSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const q = bi + i;
    const r = o + i;
    out[r] = s * b[q]!;
    out[r + 1] = s * b[q + 1]!;
    out[r + 2] = s * b[q + 2]!;
    out[r + 3] = s * b[q + 3]!;
    out[r + 4] = s * b[q + 4]!;
    out[r + 5] = s * b[q + 5]!;
    out[r + 6] = s * b[q + 6]!;
    out[r + 7] = s * b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = s * b[bi + i]!;
}

function divSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const q = bi + i;
    const r = o + i;
    out[r] = s / b[q]!;
    out[r + 1] = s / b[q + 1]!;
    out[r + 2] = s / b[q + 2]!;
    out[r + 3] = s / b[q + 3]!;
    out[r + 4] = s / b[q + 4]!;
    out[r + 5] = s / b[q + 5]!;
    out[r + 6] = s / b[q + 6]!;
    out[r + 7] = s / b[q + 7]!;
  }
  for (; i < n; i++) out[o + i] = s / b[bi + i]!;
}

// Comparisons, one small function per op and layout (their own type feedback, as above); each
// stores +(a < b), which V8 compiles without a branch (see binaryVectorVector).

function equalVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! === b[bi + i]!);
}

function equalVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! === s);
}

function equalSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s === b[bi + i]!);
}

function notEqualVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! !== b[bi + i]!);
}

function notEqualVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! !== s);
}

function notEqualSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s !== b[bi + i]!);
}

function lessVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! < b[bi + i]!);
}

function lessVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! < s);
}

function lessSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s < b[bi + i]!);
}

function lessEqualVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! <= b[bi + i]!);
}

function lessEqualVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! <= s);
}

function lessEqualSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s <= b[bi + i]!);
}

function greaterVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! > b[bi + i]!);
}

function greaterVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! > s);
}

function greaterSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s > b[bi + i]!);
}

function greaterEqualVV(a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! >= b[bi + i]!);
}

function greaterEqualVS(a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(a[ai + i]! >= s);
}

function greaterEqualSV(s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = +(s >= b[bi + i]!);
}

// The float32 transcendental loops, each in its own small function so that V8 inlines the
// fast-math helper into it (one big switch would exhaust its inlining budget).

function expRunF32(x: TypedArray, out: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = expF32(x[i]!);
}

function sigmoidRunF32(x: TypedArray, out: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = sigmoidF32(x[i]!);
}

function softplusRunF32(x: TypedArray, out: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = softplusF32(x[i]!);
}

/** Applies `op` to each element of `x`, writing `out` (same length; its type is the output dtype). */
export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  if (out instanceof Float32Array && n >= WASM_ELEMENTWISE_MIN && wasmUnaryF32(op, x, out)) return;
  const intOut = out instanceof Int32Array;
  // A float32 result needs far less than Math.exp's double accuracy (see fastmath.ts).
  const f32Out = out instanceof Float32Array;
  switch (op) {
    case 'neg': negRun(x, out, n); break;
    case 'exp':
      if (f32Out) expRunF32(x, out, n);
      else for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      break;
    case 'expm1': for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!); break;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!); break;
    case 'rsqrt': for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!); break;
    case 'square':
      // int32 squares wrap like int32 arithmetic instead of losing bits in a double first.
      if (intOut) for (let i = 0; i < n; i++) out[i] = Math.imul(x[i]!, x[i]!);
      else squareRun(x, out, n);
      break;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]!; break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!); break;
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]!); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); break;
    case 'sigmoid':
      if (f32Out) sigmoidRunF32(x, out, n);
      else for (let i = 0; i < n; i++) out[i] = sigmoidOf(x[i]!);
      break;
    case 'softplus':
      if (f32Out) softplusRunF32(x, out, n);
      else for (let i = 0; i < n; i++) out[i] = softplusOf(x[i]!);
      break;
    // `v < 0 ? 0 : v` keeps NaN as NaN (a comparison with NaN is false).
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v < 0 ? 0 : v; } break;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!); break;
    case 'ceil': for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!); break;
    // Math.round sends halves up (-2.5 -> -2); rounding |x| sends them away from zero instead.
    case 'round': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = Math.sign(v) * Math.round(Math.abs(v)); } break;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!); break;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!); break;
    case 'erf': for (let i = 0; i < n; i++) out[i] = erf(x[i]!); break;
    default: missingKernel(op, 'cpu unaryKernel');
  }
}

/**
 * `out[o + i] = a[ai + i] op b[bi + i]` for `i < n`. Comparisons store `+(a < b)` rather than
 * `a < b ? 1 : 0`: V8 compiles the conversion without a branch, and on data whose comparisons
 * come out at random the branch would mispredict every other element (twice as slow).
 */
function binaryVectorVector(
  op: BinaryOp, a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number,
): void {
  switch (op) {
    case 'add': addVV(a, ai, b, bi, out, o, n); break;
    case 'sub': subVV(a, ai, b, bi, out, o, n); break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(a[ai + i]!, b[bi + i]!);
      else mulVV(a, ai, b, bi, out, o, n);
      break;
    case 'div': divVV(a, ai, b, bi, out, o, n); break;
    case 'pow': for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ai + i]!, b[bi + i]!); break;
    case 'maximum': maximumVV(a, ai, b, bi, out, o, n); break;
    case 'minimum': minimumVV(a, ai, b, bi, out, o, n); break;
    case 'equal': equalVV(a, ai, b, bi, out, o, n); break;
    case 'notEqual': notEqualVV(a, ai, b, bi, out, o, n); break;
    case 'less': lessVV(a, ai, b, bi, out, o, n); break;
    case 'lessEqual': lessEqualVV(a, ai, b, bi, out, o, n); break;
    case 'greater': greaterVV(a, ai, b, bi, out, o, n); break;
    case 'greaterEqual': greaterEqualVV(a, ai, b, bi, out, o, n); break;
    default: missingKernel(op, 'cpu binary kernel');
  }
}

/** `out[o + i] = a[ai + i] op s` for `i < n`: the right operand is one value. */
function binaryVectorScalar(op: BinaryOp, a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  switch (op) {
    case 'add': addVS(a, ai, s, out, o, n); break;
    case 'sub': subVS(a, ai, s, out, o, n); break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(a[ai + i]!, s);
      else mulVS(a, ai, s, out, o, n);
      break;
    case 'div': divVS(a, ai, s, out, o, n); break;
    case 'pow':
      if (s === 2) for (let i = 0; i < n; i++) { const v = a[ai + i]!; out[o + i] = v * v; }
      else for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ai + i]!, s);
      break;
    case 'maximum': maximumVS(a, ai, s, out, o, n); break;
    case 'minimum': minimumVS(a, ai, s, out, o, n); break;
    case 'equal': equalVS(a, ai, s, out, o, n); break;
    case 'notEqual': notEqualVS(a, ai, s, out, o, n); break;
    case 'less': lessVS(a, ai, s, out, o, n); break;
    case 'lessEqual': lessEqualVS(a, ai, s, out, o, n); break;
    case 'greater': greaterVS(a, ai, s, out, o, n); break;
    case 'greaterEqual': greaterEqualVS(a, ai, s, out, o, n); break;
    default: missingKernel(op, 'cpu binary kernel');
  }
}

/** `out[o + i] = s op b[bi + i]` for `i < n`: the left operand is one value. */
function binaryScalarVector(op: BinaryOp, s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  switch (op) {
    case 'add': addSV(s, b, bi, out, o, n); break;
    case 'sub': subSV(s, b, bi, out, o, n); break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(s, b[bi + i]!);
      else mulSV(s, b, bi, out, o, n);
      break;
    case 'div': divSV(s, b, bi, out, o, n); break;
    case 'pow': for (let i = 0; i < n; i++) out[o + i] = Math.pow(s, b[bi + i]!); break;
    case 'maximum': for (let i = 0; i < n; i++) out[o + i] = Math.max(s, b[bi + i]!); break;
    case 'minimum': for (let i = 0; i < n; i++) out[o + i] = Math.min(s, b[bi + i]!); break;
    case 'equal': equalSV(s, b, bi, out, o, n); break;
    case 'notEqual': notEqualSV(s, b, bi, out, o, n); break;
    case 'less': lessSV(s, b, bi, out, o, n); break;
    case 'lessEqual': lessEqualSV(s, b, bi, out, o, n); break;
    case 'greater': greaterSV(s, b, bi, out, o, n); break;
    case 'greaterEqual': greaterEqualSV(s, b, bi, out, o, n); break;
    default: missingKernel(op, 'cpu binary kernel');
  }
}

/** One contiguous run of the output, each operand stepping by 1 (a vector) or 0 (one value). */
function binaryRun(
  op: BinaryOp, a: TypedArray, ai: number, aStep: number, b: TypedArray, bi: number, bStep: number,
  out: TypedArray, o: number, n: number,
): void {
  if (aStep !== 0) {
    if (bStep !== 0) binaryVectorVector(op, a, ai, b, bi, out, o, n);
    else binaryVectorScalar(op, a, ai, b[bi]!, out, o, n);
  } else if (bStep !== 0) {
    binaryScalarVector(op, a[ai]!, b, bi, out, o, n);
  } else {
    // Both operands are constant along the run: compute once, then fill.
    binaryVectorScalar(op, a, ai, b[bi]!, out, o, 1);
    if (n > 1) out.fill(out[o]!, o + 1, o + n);
  }
}

/**
 * `out = a op b` with NumPy broadcasting to `outShape` (`out` has that size and the output dtype).
 * Equal shapes and one-value operands run as a single loop; any other broadcast is merged into as
 * few axes as possible and run as contiguous rows: `[N, C] op [N, 1]` is N vector-scalar runs,
 * `[N, C] op [C]` is N vector-vector runs, with counters (no div/mod) stepping between rows.
 */
export function binaryKernel(
  op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape,
): void {
  const n = out.length;
  if (n === 0) return;
  if (out instanceof Float32Array && n >= WASM_ELEMENTWISE_MIN && wasmBinaryF32(op, a, aShape, b, bShape, out, outShape)) return;
  if (a.length === n && b.length === n) {
    binaryVectorVector(op, a, 0, b, 0, out, 0, n);
    return;
  }
  if (b.length === 1 && a.length === n) {
    binaryVectorScalar(op, a, 0, b[0]!, out, 0, n);
    return;
  }
  if (a.length === 1 && b.length === n) {
    binaryScalarVector(op, a[0]!, b, 0, out, 0, n);
    return;
  }
  const { shape, strides } = mergeRuns(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const aStrides = strides[0]!;
  const bStrides = strides[1]!;
  const rank = shape.length;
  const inner = shape[rank - 1]!;
  const aStep = aStrides[rank - 1]!;
  const bStep = bStrides[rank - 1]!;
  // The outer axes step both offsets in one odometer loop (strided.ts's nextRun steps one): with
  // runs as short as a few dozen elements, anything more per run measured 10-15% slower here.
  const outerRank = rank - 1;
  const counters = new Array<number>(outerRank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < n; o += inner) {
    binaryRun(op, a, ai, aStep, b, bi, bStep, out, o, inner);
    for (let axis = outerRank - 1; axis >= 0; axis--) {
      ai += aStrides[axis]!;
      bi += bStrides[axis]!;
      if (++counters[axis]! < shape[axis]!) break;
      ai -= aStrides[axis]! * shape[axis]!;
      bi -= bStrides[axis]! * shape[axis]!;
      counters[axis] = 0;
    }
  }
}

/**
 * `out[i] = min(max(x[i], low), high)`: one pass where maximum then minimum would make two.
 *
 * Data straddling a bound makes the comparisons unpredictable, and a mispredicted branch per
 * element (which is what both a ternary and Math.min/max compile to) tripled the time of a pass.
 * So the value is picked from a three-slot table by an index built from `+(v < low)` and
 * `+(v > high)`, which V8 compiles without a branch. NaN compares false both ways and keeps itself,
 * as Math.max/min do. The table would keep a -0 input against a +0 bound where Math.max gives +0,
 * so a zero bound takes the Math.min/max loop.
 */
export function clipKernel(x: TypedArray, low: number, high: number, out: TypedArray): void {
  const n = x.length;
  if (low !== 0 && high !== 0) {
    const pick = new Float64Array(3);
    pick[1] = low;
    pick[2] = high;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      pick[0] = v;
      out[i] = pick[+(v < low) + 2 * +(v > high)]!;
    }
    return;
  }
  let i = 0;
  for (; i + 3 < n; i += 4) {
    out[i] = Math.min(Math.max(x[i]!, low), high);
    out[i + 1] = Math.min(Math.max(x[i + 1]!, low), high);
    out[i + 2] = Math.min(Math.max(x[i + 2]!, low), high);
    out[i + 3] = Math.min(Math.max(x[i + 3]!, low), high);
  }
  for (; i < n; i++) out[i] = Math.min(Math.max(x[i]!, low), high);
}

/** `out = cond != 0 ? a : b`, all three broadcast to `outShape`. */
export function whereKernel(
  cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape,
  out: TypedArray, outShape: Shape,
): void {
  const n = out.length;
  if (n === 0) return;
  if (cond.length === n && a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = cond[i] !== 0 ? a[i]! : b[i]!;
    return;
  }
  const { shape, strides } = mergeRuns(outShape, [
    broadcastStrides(condShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape),
  ]);
  const [cStrides, aStrides, bStrides] = strides as [number[], number[], number[]];
  const rank = shape.length;
  const inner = shape[rank - 1]!;
  const cStep = cStrides[rank - 1]!;
  const aStep = aStrides[rank - 1]!;
  const bStep = bStrides[rank - 1]!;
  // Local counters, as in binaryKernel (the hot broadcast loops).
  const outerRank = rank - 1;
  const counters = new Array<number>(outerRank).fill(0);
  let ci = 0;
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < n; o += inner) {
    for (let i = 0, c = ci, x = ai, y = bi; i < inner; i++, c += cStep, x += aStep, y += bStep) {
      out[o + i] = cond[c] !== 0 ? a[x]! : b[y]!;
    }
    for (let axis = outerRank - 1; axis >= 0; axis--) {
      ci += cStrides[axis]!;
      ai += aStrides[axis]!;
      bi += bStrides[axis]!;
      if (++counters[axis]! < shape[axis]!) break;
      ci -= cStrides[axis]! * shape[axis]!;
      ai -= aStrides[axis]! * shape[axis]!;
      bi -= bStrides[axis]! * shape[axis]!;
      counters[axis] = 0;
    }
  }
}
