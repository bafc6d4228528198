/**
 * Float32 elementwise ops and last-axis reductions of the cpu backend on WebAssembly SIMD
 * (kernels.c, shared module in wasm-module.ts): the binary and unary ops the primitives table gives
 * a `simd.binary` or `simd.unary` code (binary ones on equal shapes, scalars, row and column
 * broadcasts), the reductions it gives a `simd.reduceRows` code, and logSumExp, softmax,
 * log-softmax and its gradient over the last axis.
 *
 * Each call streams its operands through the module's memory in cache-sized chunks (copy in, run,
 * copy out). The copies are memcpy-speed and the SIMD loops run 4 floats per instruction, so from
 * {@link WASM_ELEMENTWISE_MIN} elements up this beats the JavaScript loops even copies included;
 * below it the JavaScript kernels run. Every entry point answers false, having written nothing,
 * when it does not handle the case (an op, layout or dtype it lacks, WebAssembly unavailable,
 * memory that cannot grow, or the path switched off); the caller then runs its JavaScript kernel.
 *
 * @internal
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../../primitives.js';
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { broadcastStrides, mergeAxes } from '../../strides.js';
import { isEnabled } from './switches.js';
import { alignBytes, kernelModule, kernelsWithHeap } from './wasm-module.js';
import { REDUCE_ROWS_OP_CODES, SIMD_BINARY_OP_CODES, SIMD_UNARY_OP_CODES } from './wasm-op-codes.generated.js';

/**
 * Elements from which float32 elementwise ops and reductions go to WebAssembly: below it the
 * fixed cost of a call (memory views, copies) outweighs the faster loop. Measured: at 1024 the wasm
 * path already takes 1/2 to 1/4 of the JavaScript time (add, broadcasts, exp, max); at 256 they tie.
 */
export const WASM_ELEMENTWISE_MIN = 1024;

/**
 * Floats per chunk: operands stream through buffers of this size so that the copy in, the kernel
 * and the copy out all hit L2 rather than main memory (copying a whole 16 MB operand first made a
 * sum slower than the JavaScript loop).
 */
const CHUNK_FLOATS = 16384;
const CHUNK_BYTES = CHUNK_FLOATS * 4;

/**
 * How the row kernels stream `R`-long rows: whole rows per chunk (one row when a row is longer than
 * a chunk), and the bytes of one operand's chunk buffer.
 */
function rowChunk(R: number): [rows: number, bytes: number] {
  const rows = Math.max(1, Math.floor(CHUNK_FLOATS / R));
  return [rows, alignBytes(rows * R * 4)];
}

/** Shortest row a wasm reduction takes. */
const MIN_REDUCE_ROW = 8;

/**
 * Whether float32 elementwise ops and reductions can run on WebAssembly here (enabled, and the
 * module compiled).
 *
 * @returns true when the wasm entry points will run the ops they support
 * @example
 * ```ts
 * if (!wasmElementwiseAvailable()) console.log('float32 elementwise ops run in JavaScript');
 * ```
 */
export function wasmElementwiseAvailable(): boolean {
  return isEnabled('wasmElementwise') && kernelModule() !== null;
}

/** One operand of binary_f32: where row r starts (r * row) and whether it steps along the row. */
interface OperandLayout {
  row: number;
  step: number;
}

/**
 * `out = a op b` (add, sub, mul or div, NumPy broadcasting to `outShape`) on WebAssembly, for
 * float32 operands whose broadcast merges into at most two axes: equal shapes, one value against
 * a tensor, `[R, C] op [C]` and `[R, C] op [R, 1]` (either side). Results equal the JavaScript
 * kernel's bit for bit.
 *
 * @param op - the binary op
 * @param a - left operand (contiguous, row-major)
 * @param aShape - its shape
 * @param b - right operand (contiguous, row-major)
 * @param bShape - its shape
 * @param out - receives the result (length = product of `outShape`)
 * @param outShape - the broadcast shape
 * @returns false, having written nothing, when this case stays in JavaScript
 * @example
 * ```ts
 * const out = new Float32Array(8192);
 * wasmBinaryF32('add', new Float32Array(8192), [8192], new Float32Array([1]), [1], out, [8192]); // out is all 1
 * ```
 */
export function wasmBinaryF32(
  op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape,
): boolean {
  const code = SIMD_BINARY_OP_CODES[op];
  if (!isEnabled('wasmElementwise') || code === undefined) return false;
  if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) return false;
  const n = out.length;
  let rows: number;
  let cols: number;
  let la: OperandLayout;
  let lb: OperandLayout;
  if (a.length === n && b.length === n) {
    rows = 1;
    cols = n;
    la = { row: 0, step: 1 };
    lb = { row: 0, step: 1 };
  } else if (b.length === 1 && a.length === n) {
    rows = 1;
    cols = n;
    la = { row: 0, step: 1 };
    lb = { row: 0, step: 0 };
  } else if (a.length === 1 && b.length === n) {
    rows = 1;
    cols = n;
    la = { row: 0, step: 0 };
    lb = { row: 0, step: 1 };
  } else {
    const { shape, strides } = mergeAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
    if (shape.length !== 2) return false;
    const [aRow, aStep] = strides[0] as [number, number];
    const [bRow, bStep] = strides[1] as [number, number];
    // Both constant along the rows (an outer product of columns) stays in JavaScript.
    if (aStep === 0 && bStep === 0) return false;
    rows = shape[0]!;
    cols = shape[1]!;
    la = { row: aRow, step: aStep };
    lb = { row: bRow, step: bStep };
  }
  const kernels = kernelsWithHeap(2 * CHUNK_BYTES + alignBytes(a.length === n ? 0 : a.length * 4) + alignBytes(b.length === n ? 0 : b.length * 4));
  if (kernels === null) return false;
  const run = kernels.exports.binary_f32;
  // Full-size operands stream through two cache-sized chunk buffers (the result overwrites A's);
  // a smaller operand is copied once, after them.
  const chunkA = kernels.heapBase;
  const chunkB = chunkA + CHUNK_BYTES;
  let rest = chunkB + CHUNK_BYTES;
  const heap = new Float32Array(kernels.exports.memory.buffer);
  const aFull = a.length === n;
  const bFull = b.length === n;
  const aBase = aFull ? chunkA : rest;
  if (!aFull) {
    heap.set(a, rest >> 2);
    rest += alignBytes(a.length * 4);
  }
  const bBase = bFull ? chunkB : rest;
  if (!bFull) heap.set(b, rest >> 2);
  // Whole rows per chunk; a row longer than a chunk is cut into column ranges.
  const span = cols <= CHUNK_FLOATS ? Math.floor(CHUNK_FLOATS / cols) * cols : CHUNK_FLOATS;
  for (let r = 0; r < rows; r++) {
    const rowStart = r * cols;
    const rowsHere = cols <= CHUNK_FLOATS ? Math.min(rows - r, span / cols) : 1;
    const rowEnd = rowStart + rowsHere * cols;
    for (let s = rowStart; s < rowEnd; s += span) {
      const e = Math.min(s + span, rowEnd);
      const width = rowsHere === 1 ? e - s : cols;
      // A column range of a long row keeps its operands' offset within the row.
      const colOffset = rowsHere === 1 ? s - rowStart : 0;
      if (aFull) heap.set(a.subarray(s, e), chunkA >> 2);
      if (bFull) heap.set(b.subarray(s, e), chunkB >> 2);
      const aPtr = aFull ? chunkA : aBase + 4 * (r * la.row + colOffset * la.step);
      const bPtr = bFull ? chunkB : bBase + 4 * (r * lb.row + colOffset * lb.step);
      run(code, aPtr, aFull ? width : la.row, la.step, bPtr, bFull ? width : lb.row, lb.step, chunkA, rowsHere, width);
      out.set(heap.subarray(chunkA >> 2, (chunkA >> 2) + (e - s)), s);
    }
    r += rowsHere - 1;
  }
  return true;
}

/**
 * `out = f(x)` for f = exp, sigmoid or softplus on WebAssembly, float32 in and out. exp is within
 * about 1 ulp of the correctly rounded float32 result, softplus within 2, sigmoid within a few;
 * exp(-Infinity) = 0, exp(Infinity) = Infinity, softplus(±Infinity) = Infinity / 0, denormal
 * results are kept and NaN stays NaN, as in the JavaScript kernels.
 *
 * @param op - the unary op
 * @param x - the input (contiguous)
 * @param out - receives the result (same length)
 * @returns false, having written nothing, when this case stays in JavaScript
 * @example
 * ```ts
 * const out = new Float32Array(8192);
 * wasmUnaryF32('exp', new Float32Array(8192), out); // out is all 1
 * ```
 */
export function wasmUnaryF32(op: UnaryOp, x: TypedArray, out: TypedArray): boolean {
  const code = SIMD_UNARY_OP_CODES[op];
  if (!isEnabled('wasmElementwise') || code === undefined) return false;
  if (!(x instanceof Float32Array && out instanceof Float32Array)) return false;
  const n = x.length;
  const kernels = kernelsWithHeap(CHUNK_BYTES);
  if (kernels === null) return false;
  const ptr = kernels.heapBase;
  const heap = new Float32Array(kernels.exports.memory.buffer);
  const chunk = heap.subarray(ptr >> 2, (ptr >> 2) + CHUNK_FLOATS);
  for (let s = 0; s < n; s += CHUNK_FLOATS) {
    const e = Math.min(s + CHUNK_FLOATS, n);
    heap.set(x.subarray(s, e), ptr >> 2);
    kernels.exports.unary_f32(code, ptr, ptr, e - s);
    out.set(e - s === CHUNK_FLOATS ? chunk : chunk.subarray(0, e - s), s);
  }
  return true;
}

/**
 * `out[p] = reduce(x[p*R, (p+1)*R))` for sum, max, min and logSumExp on WebAssembly, float32 in
 * and out: the last-axis reduction of a `[P, R]` view. Sums accumulate in double as the JavaScript
 * kernel does (in another order); max and min propagate NaN and order signed zeros as Math.max/min;
 * logSumExp sums float32 exponentials (within about 2 ulps) in double.
 *
 * @param op - the reduction
 * @param x - the input, P contiguous rows of R values
 * @param P - number of rows
 * @param R - length of each row (rows shorter than 8 stay in JavaScript)
 * @param out - receives P results
 * @returns false, having written nothing, when this case stays in JavaScript
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * wasmReduceRowsF32('sum', new Float32Array(8192).fill(1), 2, 4096, out); // out is [4096, 4096]
 * ```
 */
export function wasmReduceRowsF32(op: ReduceOp, x: TypedArray, P: number, R: number, out: TypedArray): boolean {
  if (op === 'logSumExp') return softmaxRows(x, P, R, out, 'logSumExp');
  const code = REDUCE_ROWS_OP_CODES[op];
  // Rows shorter than two vectors gain nothing from SIMD and pay a call per row.
  if (!isEnabled('wasmElementwise') || code === undefined || R < MIN_REDUCE_ROW) return false;
  if (!(x instanceof Float32Array && out instanceof Float32Array)) return false;
  const [rowsPerChunk, xBytes] = rowChunk(R);
  const kernels = kernelsWithHeap(xBytes + alignBytes(P * 4));
  if (kernels === null) return false;
  const xPtr = kernels.heapBase;
  const outPtr = xPtr + xBytes;
  const heap = new Float32Array(kernels.exports.memory.buffer);
  for (let p = 0; p < P; p += rowsPerChunk) {
    const rowsHere = Math.min(rowsPerChunk, P - p);
    heap.set(x.subarray(p * R, (p + rowsHere) * R), xPtr >> 2);
    kernels.exports.reduce_rows_f32(code, xPtr, outPtr + 4 * p, rowsHere, R);
  }
  out.set(heap.subarray(outPtr >> 2, (outPtr >> 2) + P));
  return true;
}

/**
 * Softmax (or log-softmax) along the last axis of a `[P, R]` float32 view on WebAssembly: the
 * maxima, exponentials, their double sums and log-softmax's final `x - (shift + log(sum))` (in
 * double, rounded once, as the JavaScript kernel's last pass) all run there; only the per-row
 * `Math.log` runs here. Results are within a few float32 ulps of the JavaScript kernel's; NaN and
 * infinities give the same results.
 *
 * @param x - the logits, P contiguous rows of R values
 * @param P - number of rows
 * @param R - length of each row (rows shorter than 8 stay in JavaScript)
 * @param out - receives the result (same length as `x`)
 * @param log - log-softmax instead of softmax
 * @returns false, having written nothing, when this case stays in JavaScript
 * @example
 * ```ts
 * const out = new Float32Array(8192);
 * wasmSoftmaxRowsF32(new Float32Array(8192), 8, 1024, out, false); // every value 1/1024
 * ```
 */
export function wasmSoftmaxRowsF32(x: TypedArray, P: number, R: number, out: TypedArray, log: boolean): boolean {
  return softmaxRows(x, P, R, out, log ? 'logSoftmax' : 'softmax');
}

/** The shared body of logSumExp, softmax and log-softmax rows: chunked row statistics from softmax_rows_f32. */
function softmaxRows(x: TypedArray, P: number, R: number, out: TypedArray, what: 'logSumExp' | 'softmax' | 'logSoftmax'): boolean {
  if (!isEnabled('wasmElementwise') || R < MIN_REDUCE_ROW) return false;
  if (!(x instanceof Float32Array && out instanceof Float32Array)) return false;
  const [rowsPerChunk, xBytes] = rowChunk(R);
  // Softmax keeps x and writes a separate result; log-softmax overwrites x's chunk in place.
  const writes = what === 'softmax';
  const kernels = kernelsWithHeap((writes ? 2 : 1) * xBytes + alignBytes(rowsPerChunk * 16));
  if (kernels === null) return false;
  const xPtr = kernels.heapBase;
  const outPtr = writes ? xPtr + xBytes : xPtr;
  const statsPtr = xPtr + (writes ? 2 : 1) * xBytes;
  const buffer = kernels.exports.memory.buffer;
  const heap = new Float32Array(buffer);
  const stats = new Float64Array(buffer, statsPtr, rowsPerChunk * 2);
  for (let p = 0; p < P; p += rowsPerChunk) {
    const rowsHere = Math.min(rowsPerChunk, P - p);
    heap.set(x.subarray(p * R, (p + rowsHere) * R), xPtr >> 2);
    kernels.exports.softmax_rows_f32(xPtr, outPtr, statsPtr, rowsHere, R, writes ? 1 : 0);
    if (what === 'softmax') {
      out.set(heap.subarray(outPtr >> 2, (outPtr >> 2) + rowsHere * R), p * R);
    } else if (what === 'logSumExp') {
      for (let r = 0; r < rowsHere; r++) out[p + r] = stats[2 * r]! + Math.log(stats[2 * r + 1]!);
    } else {
      // The sums become offsets in place; log_softmax_finish_f32 reads them from the same slots.
      for (let r = 0; r < rowsHere; r++) stats[2 * r + 1] = stats[2 * r]! + Math.log(stats[2 * r + 1]!);
      kernels.exports.log_softmax_finish_f32(xPtr, xPtr, statsPtr, rowsHere, R);
      out.set(heap.subarray(xPtr >> 2, (xPtr >> 2) + rowsHere * R), p * R);
    }
  }
  return true;
}

/**
 * Whether log_softmax_grad_rows_f32 computes a row whose gradient sums to `sum` in float32 (0, or
 * 2^-100 <= |sum| <= 2^100, the test in kernels.c); other rows it computes in double. Code that
 * reproduces the kernel's results another way takes the same split.
 *
 * @param sum - the row's sum of dy
 * @returns true when that row runs in float32
 * @example
 * ```ts
 * logSoftmaxGradRowInFloat32(0.5); // true
 * logSoftmaxGradRowInFloat32(2 ** 120); // false
 * ```
 */
export function logSoftmaxGradRowInFloat32(sum: number): boolean {
  const magnitude = Math.abs(sum);
  return magnitude === 0 || (magnitude >= 2 ** -100 && magnitude <= 2 ** 100);
}

/**
 * The gradient of log-softmax along the last axis of a `[P, R]` float32 view on WebAssembly:
 * `out = dy - exp(y) * sum(dy)` per row, the row sum in double as in the JavaScript kernel, the
 * product and difference in float32 (double for rows whose sum is beyond 2^±100, infinite or NaN).
 * Each result is within 2^-21 |exp(y) * sum(dy)| plus half an ulp of the exact formula, so within
 * that plus 2 ulps of the JavaScript kernel's; NaN and infinities propagate as there.
 *
 * @param dy - the incoming gradient, P contiguous rows of R values
 * @param y - the log-softmax output, same layout
 * @param P - number of rows
 * @param R - length of each row (rows shorter than 8 stay in JavaScript)
 * @param out - receives the gradient (same length as `y`)
 * @returns false, having written nothing, when this case stays in JavaScript
 * @example
 * ```ts
 * const y = new Float32Array(8192).fill(Math.log(1 / 1024));
 * const out = new Float32Array(8192);
 * wasmLogSoftmaxGradRowsF32(new Float32Array(8192).fill(1), y, 8, 1024, out); // about 0 everywhere
 * ```
 */
export function wasmLogSoftmaxGradRowsF32(dy: TypedArray, y: TypedArray, P: number, R: number, out: TypedArray): boolean {
  if (!isEnabled('wasmElementwise') || R < MIN_REDUCE_ROW) return false;
  if (!(dy instanceof Float32Array && y instanceof Float32Array && out instanceof Float32Array)) return false;
  const [rowsPerChunk, chunkBytes] = rowChunk(R);
  const kernels = kernelsWithHeap(2 * chunkBytes);
  if (kernels === null) return false;
  // dy's chunk is overwritten by the result.
  const dyPtr = kernels.heapBase;
  const yPtr = dyPtr + chunkBytes;
  const heap = new Float32Array(kernels.exports.memory.buffer);
  for (let p = 0; p < P; p += rowsPerChunk) {
    const rowsHere = Math.min(rowsPerChunk, P - p);
    const start = p * R;
    const end = start + rowsHere * R;
    heap.set(dy.subarray(start, end), dyPtr >> 2);
    heap.set(y.subarray(start, end), yPtr >> 2);
    kernels.exports.log_softmax_grad_rows_f32(dyPtr, yPtr, dyPtr, rowsHere, R);
    out.set(heap.subarray(dyPtr >> 2, (dyPtr >> 2) + rowsHere * R), start);
  }
  return true;
}
