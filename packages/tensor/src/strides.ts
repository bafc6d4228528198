/**
 * Stride arithmetic shared by both backends: row-major strides, the strides that read an operand
 * as if broadcast, the merging of axes an iteration can walk as one, and extents of axis ranges.
 * What the backends build on it stays theirs: the cpu backend's strided loops (cpu/strided.ts) and
 * the gpujs backend's index code generation (gpujs/codegen.ts).
 *
 * @internal
 */
import type { Shape } from './shape.js';

/** Row-major strides of `shape`, in elements. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * The strides that read an operand of `shape` as if it had been broadcast to `outShape`
 * (right-aligned; a size-1 or missing axis gets stride 0).
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = rowMajorStrides(shape);
  const lead = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) strides[lead + i] = shape[i] === 1 ? 0 : own[i]!;
  return strides;
}

/** An iteration space and, per operand, the stride of each of its axes, after {@link mergeAxes}. */
export interface MergedAxes {
  shape: number[];
  strides: number[][];
}

/**
 * Simplifies an iteration: drops extent-1 axes and fuses each axis into the one before it when
 * every operand steps through both as one run. `[N, C] + [C]` stays two axes; `[N, C] + [N, C]`
 * becomes one, so equal shapes need no index arithmetic at all. A space of one element has no axes
 * left.
 */
export function mergeAxes(shape: Shape, strides: readonly (readonly number[])[]): MergedAxes {
  const merged: MergedAxes = { shape: [], strides: strides.map(() => []) };
  for (let axis = 0; axis < shape.length; axis++) {
    const extent = shape[axis]!;
    if (extent === 1) continue;
    const last = merged.shape.length - 1;
    let fuses = last >= 0;
    for (let k = 0; fuses && k < strides.length; k++) {
      if (merged.strides[k]![last] !== strides[k]![axis]! * extent) fuses = false;
    }
    if (fuses) {
      merged.shape[last] = merged.shape[last]! * extent;
      for (let k = 0; k < strides.length; k++) merged.strides[k]![last] = strides[k]![axis]!;
    } else {
      merged.shape.push(extent);
      for (let k = 0; k < strides.length; k++) merged.strides[k]!.push(strides[k]![axis]!);
    }
  }
  return merged;
}

/** Product of `shape[from, to)`. */
export function extent(shape: Shape, from = 0, to: number = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/**
 * `shape` viewed around `axis` as `[before, along, after]`: the extents of the axes before it, its
 * own, and of the axes after it. Kernels along one axis (indexing, softmax, arg-reductions) loop
 * over this view, so the axes after `axis` are one contiguous run of `after` elements.
 */
export function aroundAxis(shape: Shape, axis: number): [before: number, along: number, after: number] {
  return [extent(shape, 0, axis), shape[axis]!, extent(shape, axis + 1)];
}
