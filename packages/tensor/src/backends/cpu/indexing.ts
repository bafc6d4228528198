/**
 * Gather and scatter kernels of the cpu backend. Indices arrive as int32 and already range-checked
 * by the frontend. Shapes are viewed as `[P, A, C]` around the indexed axis, so a gathered slice is
 * one contiguous run of C elements.
 *
 * @internal
 */
import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { aroundAxis } from '../../strides.js';
import { copyRun } from './strided.js';

/** `out[p, i, c] = x[p, indices[i], c]` (TF gather; `indices` flattened to length I). */
export function gatherKernel(x: TypedArray, shape: Shape, indices: Int32Array, axis: number, out: TypedArray): void {
  const [P, A, C] = aroundAxis(shape, axis);
  const I = indices.length;
  if (C === 1) {
    for (let p = 0; p < P; p++) {
      const src = p * A;
      const dst = p * I;
      for (let i = 0; i < I; i++) out[dst + i] = x[src + indices[i]!]!;
    }
    return;
  }
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) copyRun(x, (p * A + indices[i]!) * C, out, (p * I + i) * C, C);
  }
}

/** Adjoint of {@link gatherKernel}: `out[p, indices[i], c] += updates[p, i, c]`; `out` starts at zero. */
export function scatterAddKernel(updates: TypedArray, indices: Int32Array, axis: number, outShape: Shape, out: TypedArray): void {
  const [P, A, C] = aroundAxis(outShape, axis);
  const I = indices.length;
  if (C === 1) {
    for (let p = 0; p < P; p++) {
      const dst = p * A;
      const src = p * I;
      for (let i = 0; i < I; i++) out[dst + indices[i]!] += updates[src + i]!;
    }
    return;
  }
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const dst = (p * A + indices[i]!) * C;
      const src = (p * I + i) * C;
      for (let c = 0; c < C; c++) out[dst + c] += updates[src + c]!;
    }
  }
}

/** `out[p, j, c] = x[p, indices[p, j, c], c]` (NumPy take_along_axis); `indices` has out's shape. */
export function takeAlongAxisKernel(x: TypedArray, shape: Shape, indices: Int32Array, indexShape: Shape, axis: number, out: TypedArray): void {
  const [P, A, C] = aroundAxis(shape, axis);
  const J = indexShape[axis]!;
  for (let p = 0; p < P; p++) {
    const src = p * A * C;
    for (let j = 0; j < J; j++) {
      const row = (p * J + j) * C;
      for (let c = 0; c < C; c++) out[row + c] = x[src + indices[row + c]! * C + c]!;
    }
  }
}

/** Adjoint of {@link takeAlongAxisKernel}: `out[p, indices[p, j, c], c] += updates[p, j, c]`; `out` starts at zero. */
export function scatterAlongAxisKernel(updates: TypedArray, indices: Int32Array, indexShape: Shape, axis: number, outShape: Shape, out: TypedArray): void {
  const [P, A, C] = aroundAxis(outShape, axis);
  const J = indexShape[axis]!;
  for (let p = 0; p < P; p++) {
    const dst = p * A * C;
    for (let j = 0; j < J; j++) {
      const row = (p * J + j) * C;
      for (let c = 0; c < C; c++) out[dst + indices[row + c]! * C + c] += updates[row + c]!;
    }
  }
}

/** Rows of `depth` holding `onValue` at each index and `offValue` elsewhere (all `offValue` when out of range). */
export function oneHotKernel(indices: Int32Array, depth: number, onValue: number, offValue: number, out: TypedArray): void {
  if (offValue !== 0) out.fill(offValue);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (k >= 0 && k < depth) out[i * depth + k] = onValue;
  }
}
