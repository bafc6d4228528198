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
 * One operand's offset at the next run of a merged iteration: steps `counters` (one per outer axis,
 * `counters.length` of them) like an odometer, so no run pays for a division. A plain function that
 * V8 inlines: a cursor object holding the offsets made tiny copies 25% slower. The binary and where
 * kernels keep this loop inline, stepping two or three offsets at once.
 */
export function nextRun(pos: number, counters: number[], dims: readonly number[], strides: readonly number[]): number {
  for (let axis = counters.length - 1; axis >= 0; axis--) {
    pos += strides[axis]!;
    if (++counters[axis]! < dims[axis]!) return pos;
    pos -= strides[axis]! * dims[axis]!;
    counters[axis] = 0;
  }
  return pos;
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
  const outerRank = rank - 1;
  const counters = new Array<number>(outerRank).fill(0);
  let srcPos = offset;
  let dstPos = dstOffset;
  for (let r = 0; r < runs; r++) {
    if (innerStride === 1) copyRun(src, srcPos, dst, dstPos, inner);
    else if (innerStride === 0) dst.fill(src[srcPos]!, dstPos, dstPos + inner);
    else for (let i = 0, p = srcPos; i < inner; i++, p += innerStride) dst[dstPos + i] = src[p]!;
    dstPos += inner;
    srcPos = nextRun(srcPos, counters, dims, st);
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
  const counters = new Array<number>(outerRank).fill(0);
  let base = offset;
  let dstBase = dstOffset;
  for (let o = 0; o < outer; o++) {
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
    base = nextRun(base, counters, dims, st);
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
  const outerRank = dims.length - 1;
  const counters = new Array<number>(outerRank).fill(0);
  let dstPos = offset;
  let srcPos = 0;
  for (let r = 0; r < runs; r++) {
    if (innerStride === 1) copyRun(src, srcPos, dst, dstPos, inner);
    else for (let i = 0, p = dstPos; i < inner; i++, p += innerStride) dst[p] = src[srcPos + i]!;
    srcPos += inner;
    dstPos = nextRun(dstPos, counters, dims, st);
  }
}
