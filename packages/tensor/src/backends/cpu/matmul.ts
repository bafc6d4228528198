/**
 * Batched matrix product of the cpu backend.
 *
 * Large products pack both operands once per call into float64 panels (MR rows of A, NR columns
 * of B, interleaved along the shared axis), which also absorbs transposeA/transposeB and converts
 * float32 to double a single time. A 4x4 register-tiled micro-kernel then reads both panels
 * sequentially and keeps its 16 partial sums in locals; the shared axis is cut into KC-long blocks
 * and the columns into groups of panels, so the panels it streams stay in cache.
 * Small products skip the packing and run plain loops whose innermost loop is contiguous.
 * float32 products from {@link WASM_THRESHOLD} multiply-adds up run on WebAssembly SIMD instead (wasm-matmul.ts),
 * which accumulates in float32 rather than float64; they fall back to this kernel where
 * WebAssembly SIMD is unavailable.
 *
 * @internal
 */
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { broadcastStrides, extent } from '../../strides.js';
import { nextRun } from './strided.js';
import { wasmMatmulF32 } from './wasm-matmul.js';

const MR = 4;
const NR = 4;
/** Length of a block of the shared axis: an A panel block (MR x KC doubles) stays in L1. */
const KC = 256;
/** Column panels per block: their KC x NR doubles (NC_PANELS * 8 KiB) stay in L2. */
const NC_PANELS = 32;
/** Below this many multiply-adds, packing costs more than it saves. */
const PACK_THRESHOLD = 32 * 32 * 32;
/**
 * At and above this many multiply-adds per matrix, float32 products go to WebAssembly: below it the
 * copies in and out of the module's memory cost more than the SIMD kernel saves.
 */
export const WASM_THRESHOLD = 8 * 8 * 8;

/** How to read one operand matrix: element (r, c) is at `offset + r * rowStride + c * colStride`. */
interface MatrixView {
  data: TypedArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * `out[batch] = op(a[batch]) @ op(b[batch])` where op transposes the last two axes when asked.
 * `a` and `b` have the same rank; their batch axes broadcast to `outShape[:-2]` (stride 0 for
 * size-1 axes, so a shared operand is read, and packed, once).
 */
export function matmulKernel(
  a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, transposeA: boolean, transposeB: boolean,
  outShape: Shape, out: TypedArray,
): void {
  const rank = outShape.length;
  const m = outShape[rank - 2]!;
  const n = outShape[rank - 1]!;
  const k = transposeA ? aShape[rank - 2]! : aShape[rank - 1]!;
  if (out.length === 0) return;
  if (k === 0) {
    out.fill(0);
    return;
  }
  const batchShape = outShape.slice(0, -2);
  const batches = extent(batchShape, 0);
  const aBatchStrides = broadcastStrides(aShape.slice(0, -2), batchShape).map((s) => s * m * k);
  const bBatchStrides = broadcastStrides(bShape.slice(0, -2), batchShape).map((s) => s * k * n);
  const { aOffsets, bOffsets } = batchOffsets(batchShape, aBatchStrides, bBatchStrides);
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && m * n * k >= WASM_THRESHOLD
    && wasmMatmulF32(a, b, out, m, n, k, transposeA, transposeB, aOffsets, bOffsets)) return;
  const A: MatrixView = { data: a, offset: 0, rowStride: transposeA ? 1 : k, colStride: transposeA ? m : 1 };
  const B: MatrixView = { data: b, offset: 0, rowStride: transposeB ? 1 : n, colStride: transposeB ? k : 1 };
  const packed = m >= MR && n >= NR && m * n * k >= PACK_THRESHOLD;
  const product = packed ? new PackedProduct(m, n, k, out) : undefined;
  for (let batch = 0; batch < batches; batch++) {
    A.offset = aOffsets[batch]!;
    B.offset = bOffsets[batch]!;
    if (product) product.run(A, B, batch * m * n);
    else smallProduct(A, B, m, n, k, out, batch * m * n);
  }
}

/** Where each batch's A and B matrices start, in row-major batch order, from per-axis batch strides (0 on broadcast axes). */
function batchOffsets(batchShape: Shape, aStrides: readonly number[], bStrides: readonly number[]): { aOffsets: number[]; bOffsets: number[] } {
  const batches = extent(batchShape, 0);
  const aOffsets = new Array<number>(batches);
  const bOffsets = new Array<number>(batches);
  const aCounters = new Array<number>(batchShape.length).fill(0);
  const bCounters = new Array<number>(batchShape.length).fill(0);
  let aOffset = 0;
  let bOffset = 0;
  for (let batch = 0; batch < batches; batch++) {
    aOffsets[batch] = aOffset;
    bOffsets[batch] = bOffset;
    aOffset = nextRun(aOffset, aCounters, batchShape, aStrides);
    bOffset = nextRun(bOffset, bCounters, batchShape, bStrides);
  }
  return { aOffsets, bOffsets };
}

/** An unpacked product for small or thin matrices, accumulating in doubles. */
function smallProduct(A: MatrixView, B: MatrixView, m: number, n: number, k: number, out: TypedArray, outOffset: number): void {
  const a = A.data;
  const b = B.data;
  if (B.colStride === 1) {
    // Rows of B are contiguous: out row i += A(i, p) * B row p (i-k-j order).
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const aRow = A.offset + i * A.rowStride;
      for (let p = 0; p < k; p++) {
        const aip = a[aRow + p * A.colStride]!;
        const bRow = B.offset + p * B.rowStride;
        for (let j = 0; j < n; j++) row[j] += aip * b[bRow + j]!;
      }
      out.set(row, outOffset + i * n);
    }
    return;
  }
  // B is stored transposed, so each column of B is contiguous: dot products along p.
  for (let i = 0; i < m; i++) {
    const aRow = A.offset + i * A.rowStride;
    for (let j = 0; j < n; j++) {
      const bCol = B.offset + j * B.colStride;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aRow + p * A.colStride]! * b[bCol + p]!;
      out[outOffset + i * n + j] = s;
    }
  }
}

/** The packed, blocked product for one (m, n, k), reused across batches. */
class PackedProduct {
  private readonly rowPanels: number;
  private readonly colPanels: number;
  private readonly aPanels: Float64Array;
  private readonly bPanels: Float64Array;
  /** Where the sums accumulate: `out` itself when it is float64, else a scratch matrix. */
  private readonly acc: Float64Array;
  private aPackedFrom = -1;
  private bPackedFrom = -1;

  constructor(
    private readonly m: number, private readonly n: number, private readonly k: number, private readonly out: TypedArray,
  ) {
    this.rowPanels = Math.ceil(m / MR);
    this.colPanels = Math.ceil(n / NR);
    this.aPanels = new Float64Array(this.rowPanels * MR * k);
    this.bPanels = new Float64Array(this.colPanels * NR * k);
    this.acc = out instanceof Float64Array ? out : new Float64Array(m * n);
  }

  run(A: MatrixView, B: MatrixView, outOffset: number): void {
    const { m, n, k } = this;
    if (A.offset !== this.aPackedFrom) {
      packRows(A, m, k, this.aPanels);
      this.aPackedFrom = A.offset;
    }
    if (B.offset !== this.bPackedFrom) {
      packColumns(B, n, k, this.bPanels);
      this.bPackedFrom = B.offset;
    }
    const acc = this.acc;
    const accOffset = acc === this.out ? outOffset : 0;
    acc.fill(0, accOffset, accOffset + m * n);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      for (let tc = 0; tc < this.colPanels; tc += NC_PANELS) {
        const tEnd = Math.min(tc + NC_PANELS, this.colPanels);
        for (let q = 0; q < this.rowPanels; q++) {
          const aStart = (q * k + pc) * MR;
          const row0 = q * MR;
          const rows = Math.min(MR, m - row0);
          for (let t = tc; t < tEnd; t++) {
            const col0 = t * NR;
            microKernel(this.aPanels, aStart, this.bPanels, (t * k + pc) * NR, kc, acc,
              accOffset + row0 * n + col0, n, rows, Math.min(NR, n - col0));
          }
        }
      }
    }
    if (acc !== this.out) this.out.set(acc, outOffset);
  }
}

/** Packs A (m x k) into panels of MR rows: panel q holds A(q*MR + r, p) at `(q*k + p)*MR + r`; missing rows stay 0. */
function packRows(A: MatrixView, m: number, k: number, panels: Float64Array): void {
  const a = A.data;
  for (let i = 0; i < m; i++) {
    const q = (i / MR) | 0;
    const r = i - q * MR;
    const base = q * k * MR + r;
    const src = A.offset + i * A.rowStride;
    const step = A.colStride;
    for (let p = 0; p < k; p++) panels[base + p * MR] = a[src + p * step]!;
  }
}

/** Packs B (k x n) into panels of NR columns: panel t holds B(p, t*NR + c) at `(t*k + p)*NR + c`; missing columns stay 0. */
function packColumns(B: MatrixView, n: number, k: number, panels: Float64Array): void {
  const b = B.data;
  if (B.colStride === 1) {
    for (let p = 0; p < k; p++) {
      const src = B.offset + p * B.rowStride;
      for (let j = 0; j < n; j++) {
        const t = (j / NR) | 0;
        panels[(t * k + p) * NR + (j - t * NR)] = b[src + j]!;
      }
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const t = (j / NR) | 0;
    const base = t * k * NR + (j - t * NR);
    const src = B.offset + j * B.colStride;
    const step = B.rowStride;
    for (let p = 0; p < k; p++) panels[base + p * NR] = b[src + p * step]!;
  }
}

/**
 * Adds the MR x NR product of one A panel block and one B panel block (kc long) into
 * `c[cOffset + r*ldc + j]` for the `rows` x `cols` entries that exist.
 */
function microKernel(
  ap: Float64Array, aStart: number, bp: Float64Array, bStart: number, kc: number,
  c: Float64Array, cOffset: number, ldc: number, rows: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aStart;
  let bi = bStart;
  for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
    const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    let o = cOffset;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += ldc;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += ldc;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) c[cOffset + r * ldc + j] += tile[r * NR + j]!;
  }
}
