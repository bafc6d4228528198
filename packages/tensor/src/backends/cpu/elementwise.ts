/**
 * Elementwise kernels of the cpu backend. Each op is its own tight loop and the `switch` on the op
 * runs once per call (or once per contiguous run), never once per element: V8 then compiles every
 * loop to straight-line arithmetic on the typed arrays.
 *
 * @internal
 */
import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { broadcastStrides, mergeAxes } from './strided.js';

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

/** Applies `op` to each element of `x`, writing `out` (same length; its type is the output dtype). */
export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  const intOut = out instanceof Int32Array;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); break;
    case 'expm1': for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!); break;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!); break;
    case 'rsqrt': for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!); break;
    case 'square':
      // int32 squares wrap like int32 arithmetic instead of losing bits in a double first.
      if (intOut) for (let i = 0; i < n; i++) out[i] = Math.imul(x[i]!, x[i]!);
      else for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v * v; }
      break;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]!; break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!); break;
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]!); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); break;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoidOf(x[i]!); break;
    case 'softplus': for (let i = 0; i < n; i++) out[i] = softplusOf(x[i]!); break;
    // `v < 0 ? 0 : v` keeps NaN as NaN (a comparison with NaN is false).
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v < 0 ? 0 : v; } break;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!); break;
    case 'ceil': for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!); break;
    // Math.round sends halves up (-2.5 -> -2); rounding |x| sends them away from zero instead.
    case 'round': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = Math.sign(v) * Math.round(Math.abs(v)); } break;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!); break;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!); break;
    default: throw new Error(`cpu backend: unknown unary op ${String(op)}`);
  }
}

/** `out[o + i] = a[ai + i] op b[bi + i]` for `i < n`. */
function binaryVectorVector(
  op: BinaryOp, a: TypedArray, ai: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number,
): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + b[bi + i]!; break;
    case 'sub': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - b[bi + i]!; break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(a[ai + i]!, b[bi + i]!);
      else for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * b[bi + i]!;
      break;
    case 'div': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / b[bi + i]!; break;
    case 'pow': for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ai + i]!, b[bi + i]!); break;
    case 'maximum': for (let i = 0; i < n; i++) out[o + i] = Math.max(a[ai + i]!, b[bi + i]!); break;
    case 'minimum': for (let i = 0; i < n; i++) out[o + i] = Math.min(a[ai + i]!, b[bi + i]!); break;
    case 'equal': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === b[bi + i]! ? 1 : 0; break;
    case 'notEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== b[bi + i]! ? 1 : 0; break;
    case 'less': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < b[bi + i]! ? 1 : 0; break;
    case 'lessEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= b[bi + i]! ? 1 : 0; break;
    case 'greater': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > b[bi + i]! ? 1 : 0; break;
    case 'greaterEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= b[bi + i]! ? 1 : 0; break;
    default: throw new Error(`cpu backend: unknown binary op ${String(op)}`);
  }
}

/** `out[o + i] = a[ai + i] op s` for `i < n`: the right operand is one value. */
function binaryVectorScalar(op: BinaryOp, a: TypedArray, ai: number, s: number, out: TypedArray, o: number, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + s; break;
    case 'sub': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - s; break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(a[ai + i]!, s);
      else for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * s;
      break;
    case 'div': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / s; break;
    case 'pow':
      if (s === 2) for (let i = 0; i < n; i++) { const v = a[ai + i]!; out[o + i] = v * v; }
      else for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ai + i]!, s);
      break;
    case 'maximum': for (let i = 0; i < n; i++) out[o + i] = Math.max(a[ai + i]!, s); break;
    case 'minimum': for (let i = 0; i < n; i++) out[o + i] = Math.min(a[ai + i]!, s); break;
    case 'equal': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === s ? 1 : 0; break;
    case 'notEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== s ? 1 : 0; break;
    case 'less': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < s ? 1 : 0; break;
    case 'lessEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= s ? 1 : 0; break;
    case 'greater': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > s ? 1 : 0; break;
    case 'greaterEqual': for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= s ? 1 : 0; break;
    default: throw new Error(`cpu backend: unknown binary op ${String(op)}`);
  }
}

/** `out[o + i] = s op b[bi + i]` for `i < n`: the left operand is one value. */
function binaryScalarVector(op: BinaryOp, s: number, b: TypedArray, bi: number, out: TypedArray, o: number, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[o + i] = s + b[bi + i]!; break;
    case 'sub': for (let i = 0; i < n; i++) out[o + i] = s - b[bi + i]!; break;
    case 'mul':
      if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[o + i] = Math.imul(s, b[bi + i]!);
      else for (let i = 0; i < n; i++) out[o + i] = s * b[bi + i]!;
      break;
    case 'div': for (let i = 0; i < n; i++) out[o + i] = s / b[bi + i]!; break;
    case 'pow': for (let i = 0; i < n; i++) out[o + i] = Math.pow(s, b[bi + i]!); break;
    case 'maximum': for (let i = 0; i < n; i++) out[o + i] = Math.max(s, b[bi + i]!); break;
    case 'minimum': for (let i = 0; i < n; i++) out[o + i] = Math.min(s, b[bi + i]!); break;
    case 'equal': for (let i = 0; i < n; i++) out[o + i] = s === b[bi + i]! ? 1 : 0; break;
    case 'notEqual': for (let i = 0; i < n; i++) out[o + i] = s !== b[bi + i]! ? 1 : 0; break;
    case 'less': for (let i = 0; i < n; i++) out[o + i] = s < b[bi + i]! ? 1 : 0; break;
    case 'lessEqual': for (let i = 0; i < n; i++) out[o + i] = s <= b[bi + i]! ? 1 : 0; break;
    case 'greater': for (let i = 0; i < n; i++) out[o + i] = s > b[bi + i]! ? 1 : 0; break;
    case 'greaterEqual': for (let i = 0; i < n; i++) out[o + i] = s >= b[bi + i]! ? 1 : 0; break;
    default: throw new Error(`cpu backend: unknown binary op ${String(op)}`);
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
  const { shape, strides } = mergeAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const aStrides = strides[0]!;
  const bStrides = strides[1]!;
  const rank = shape.length;
  const inner = shape[rank - 1]!;
  const aStep = aStrides[rank - 1]!;
  const bStep = bStrides[rank - 1]!;
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
  const { shape, strides } = mergeAxes(outShape, [
    broadcastStrides(condShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape),
  ]);
  const [cStrides, aStrides, bStrides] = strides as [number[], number[], number[]];
  const rank = shape.length;
  const inner = shape[rank - 1]!;
  const cStep = cStrides[rank - 1]!;
  const aStep = aStrides[rank - 1]!;
  const bStep = bStrides[rank - 1]!;
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
