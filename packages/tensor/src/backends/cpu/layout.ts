/**
 * Shape kernels of the cpu backend that move data: transpose, broadcast, slice, concat, pad.
 * Each describes its source or destination as a strided view and lets {@link copyStrided} /
 * {@link scatterStrided} move whole contiguous runs at a time.
 *
 * @internal
 */
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { broadcastStrides, extent, rowMajorStrides } from '../../strides.js';
import { copyRun, copyStrided, scatterStrided } from './strided.js';

/** Writes `x` with its axes permuted (result axis i is input axis `perm[i]`) into `out`. */
export function transposeKernel(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const strides = rowMajorStrides(shape);
  copyStrided(x, 0, perm.map((a) => shape[a]!), perm.map((a) => strides[a]!), out);
}

/** Writes `x` broadcast to `outShape` into `out`. */
export function broadcastKernel(x: TypedArray, shape: Shape, outShape: Shape, out: TypedArray): void {
  copyStrided(x, 0, outShape, broadcastStrides(shape, outShape), out);
}

/** Writes the box of `x` at `begin` with extents `size` into `out`. */
export function sliceKernel(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[], out: TypedArray): void {
  const strides = rowMajorStrides(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += begin[i]! * strides[i]!;
  copyStrided(x, offset, size, strides, out);
}

/**
 * Joins `parts` along `axis` into `out`. Each part contributes one contiguous block per index of
 * the leading axes, so the copy is `outer` block copies per part.
 */
export function concatKernel(parts: readonly { values: TypedArray; shape: Shape }[], axis: number, outShape: Shape, out: TypedArray): void {
  const outer = extent(outShape, 0, axis);
  const outBlock = extent(outShape, axis);
  let offset = 0;
  for (const { values, shape } of parts) {
    const block = extent(shape, axis);
    if (block === 0) continue;
    for (let o = 0; o < outer; o++) copyRun(values, o * block, out, o * outBlock + offset, block);
    offset += block;
  }
}

/** Writes `x` padded by `paddings[i] = [before, after]` elements of `value` into `out`. */
export function padKernel(
  x: TypedArray, shape: Shape, paddings: readonly (readonly [number, number])[], value: number, outShape: Shape, out: TypedArray,
): void {
  if (value !== 0) out.fill(value);
  const strides = rowMajorStrides(outShape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += paddings[i]![0] * strides[i]!;
  scatterStrided(x, shape, out, offset, strides);
}
