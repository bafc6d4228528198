/**
 * Strided iteration shared by the cpu kernels. Every cpu tensor is a contiguous row-major typed
 * array; views (broadcast, transpose, slice) are described by per-axis strides over that array and
 * materialised by {@link copyStrided}. Loops walk the outer axes with incremental counters, so no
 * element ever pays for a division or a modulo.
 *
 * @internal
 */
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { mergeAxes, type MergedAxes } from '../../strides.js';

/**
 * {@link mergeAxes} for the loops below, which take the last axis as their inner run: a space of
 * one element keeps one axis of extent 1 (stride 0).
 */
export function mergeRuns(shape: Shape, strides: readonly (readonly number[])[]): MergedAxes {
  const merged = mergeAxes(shape, strides);
  if (merged.shape.length === 0) {
    merged.shape.push(1);
    for (const s of merged.strides) s.push(0);
  }
  return merged;
}

/**
 * The offsets of up to three operands at the current run of a merged iteration, stepped run by
 * run over its outer axes like an odometer (counters, no division). Every cpu loop that walks an
 * iteration as contiguous inner runs (copies, broadcasts, binary ops, where, batched products)
 * steps it with {@link RunCursor.next}; an operand not passed follows the first, unused.
 */
export class RunCursor {
  /** The first operand's offset of the current run. */
  a = 0;
  /** The second operand's. */
  b = 0;
  /** The third operand's. */
  c = 0;
  private readonly counters: number[];

  constructor(
    /** The extents of the outer axes (the iteration's axes but its inner one, or all of them). */
    private readonly dims: readonly number[],
    /** How many leading axes of `dims` to step. */
    private readonly axes: number,
    private readonly aStrides: readonly number[],
    private readonly bStrides: readonly number[] = aStrides,
    private readonly cStrides: readonly number[] = aStrides,
  ) {
    this.counters = new Array<number>(axes).fill(0);
  }

  /** Moves every offset to the next run. */
  next(): void {
    for (let axis = this.axes - 1; axis >= 0; axis--) {
      const extent = this.dims[axis]!;
      this.a += this.aStrides[axis]!;
      this.b += this.bStrides[axis]!;
      this.c += this.cStrides[axis]!;
      if (++this.counters[axis]! < extent) return;
      this.a -= this.aStrides[axis]! * extent;
      this.b -= this.bStrides[axis]! * extent;
      this.c -= this.cStrides[axis]! * extent;
      this.counters[axis] = 0;
    }
  }
}

/** One operand's strided view as {@link copyStrided} and {@link scatterStrided} walk it: contiguous inner runs of `inner` elements. */
interface StridedRuns {
  dims: number[];
  strides: number[];
  inner: number;
  innerStride: number;
  runs: number;
}

/** The merged runs of a view of `shape` at `strides`; null when it has no elements. */
function stridedRuns(shape: Shape, strides: readonly number[]): StridedRuns | null {
  let size = 1;
  for (const d of shape) size *= d;
  if (size === 0) return null;
  const layout = mergeRuns(shape, [strides]);
  const dims = layout.shape;
  const st = layout.strides[0]!;
  const inner = dims[dims.length - 1]!;
  return { dims, strides: st, inner, innerStride: st[dims.length - 1]!, runs: size / inner };
}

/** Below this many elements a hand loop beats `TypedArray.set(subarray)` (which allocates a view). */
const SET_THRESHOLD = 32;

/** Copies `n` elements from `src[srcPos...]` to `dst[dstPos...]` (both contiguous). */
export function copyRun(src: TypedArray, srcPos: number, dst: TypedArray, dstPos: number, n: number): void {
  if (n >= SET_THRESHOLD) {
    dst.set(src.subarray(srcPos, srcPos + n), dstPos);
  } else {
    for (let i = 0; i < n; i++) dst[dstPos + i] = src[srcPos + i]!;
  }
}

/** Tile edge for the cache-blocked transpose of the two innermost axes. */
const TILE = 32;

/**
 * Writes the view of `src` given by `offset`, `shape` and `strides` into `dst` (contiguous,
 * row-major, starting at `dstOffset`). This one routine materialises transposes, broadcasts and
 * slices: contiguous inner runs become block copies, stride-0 runs become fills, and a swap of the
 * two innermost axes is done in cache-sized tiles.
 */
export function copyStrided(
  src: TypedArray, offset: number, shape: Shape, strides: readonly number[], dst: TypedArray, dstOffset = 0,
): void {
  const view = stridedRuns(shape, strides);
  if (view === null) return;
  const { dims, strides: st, inner, innerStride, runs } = view;
  const rank = dims.length;
  if (rank >= 2 && st[rank - 2] === 1 && innerStride !== 0 && inner >= 8 && dims[rank - 2]! >= 8) {
    copyTransposedTiles(src, offset, dims, st, dst, dstOffset);
    return;
  }
  const source = new RunCursor(dims, rank - 1, st);
  source.a = offset;
  let dstPos = dstOffset;
  for (let r = 0; r < runs; r++) {
    const srcPos = source.a;
    if (innerStride === 1) copyRun(src, srcPos, dst, dstPos, inner);
    else if (innerStride === 0) dst.fill(src[srcPos]!, dstPos, dstPos + inner);
    else for (let i = 0, p = srcPos; i < inner; i++, p += innerStride) dst[dstPos + i] = src[p]!;
    dstPos += inner;
    source.next();
  }
}

/**
 * The innermost two axes are a transpose (the source steps by 1 along the outer of the two):
 * walk them in TILE x TILE blocks so both the reads and the writes stay in cache.
 */
function copyTransposedTiles(
  src: TypedArray, offset: number, dims: readonly number[], st: readonly number[], dst: TypedArray, dstOffset: number,
): void {
  const rank = dims.length;
  const rows = dims[rank - 2]!;
  const cols = dims[rank - 1]!;
  const colStride = st[rank - 1]!;
  const outerRank = rank - 2;
  let outer = 1;
  for (let i = 0; i < outerRank; i++) outer *= dims[i]!;
  const source = new RunCursor(dims, outerRank, st);
  source.a = offset;
  let dstBase = dstOffset;
  for (let o = 0; o < outer; o++) {
    const base = source.a;
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, rows);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, cols);
        for (let r = r0; r < r1; r++) {
          const rowOut = dstBase + r * cols;
          for (let c = c0, p = base + r + c0 * colStride; c < c1; c++, p += colStride) dst[rowOut + c] = src[p]!;
        }
      }
    }
    dstBase += rows * cols;
    source.next();
  }
}

/**
 * Copies contiguous `src` (row-major over `shape`) into the strided region of `dst` that starts
 * at `offset` with `strides`: the inverse of {@link copyStrided}, used by pad and concat.
 */
export function scatterStrided(
  src: TypedArray, shape: Shape, dst: TypedArray, offset: number, strides: readonly number[],
): void {
  const view = stridedRuns(shape, strides);
  if (view === null) return;
  const { dims, strides: st, inner, innerStride, runs } = view;
  const target = new RunCursor(dims, dims.length - 1, st);
  target.a = offset;
  let srcPos = 0;
  for (let r = 0; r < runs; r++) {
    const dstPos = target.a;
    if (innerStride === 1) copyRun(src, srcPos, dst, dstPos, inner);
    else for (let i = 0, p = dstPos; i < inner; i++, p += innerStride) dst[p] = src[srcPos + i]!;
    srcPos += inner;
    target.next();
  }
}
