/**
 * The `cpu` backend: hand-written loops over typed arrays. Registered as `'cpu'` when this module
 * loads; it is the default backend.
 */
import type { Backend, BackendStats } from '../backend.js';
import type { ArgReduceOp, BinaryOp, ReduceOp, UnaryOp } from '../primitives.js';
import type { DType, TypedArray } from '../dtype.js';
import { registerBackend } from '../registry.js';
import { sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binaryKernel, clipKernel, unaryKernel, whereKernel } from './cpu/elementwise.js';
import {
  gatherKernel, oneHotKernel, scatterAddKernel, scatterAlongAxisKernel, takeAlongAxisKernel,
} from './cpu/indexing.js';
import { handOut as handOutArray } from './cpu/deferred-readers.js';
import { evaluateFused, fuse, FusedExpr, fuseRepeat, sumFusedRows, type FusedOperand } from './cpu/fusion.js';
import { broadcastKernel, concatKernel, padKernel, sliceKernel, transposeKernel } from './cpu/layout.js';
import { matmulKernel } from './cpu/matmul.js';
import {
  avgPool2dGradKernel, avgPool2dKernel, conv2dInputGradKernel, conv2dKernel, conv2dWeightGradKernel, maxPool2dKernel,
} from './cpu/convolution.js';
import type { Conv2dParams, Pool2dParams } from '../ops/convolution.js';
import { argReduceKernel, logSoftmaxGradKernel, reduceKernel, softmaxKernel } from './cpu/reduce.js';
import { closeScratch, closingOutermost, markExposed, newArray, openScratch } from './cpu/memory.js';
import { logSoftmaxGradOfRowScatter, RowScatter, sparseRowScatter } from './cpu/rewrites.js';

/** An output array that the kernel overwrites entirely. */
function allocateUninit(dtype: DType, length: number): TypedArray {
  return newArray(dtype, length, false);
}

/** An output array that starts at zero (scatter-adds, one-hot rows, matmul accumulators). */
function allocateZeroed(dtype: DType, length: number): TypedArray {
  return newArray(dtype, length, true);
}

/** Whether `axes` are the last `axes.length` axes of a rank-`rank` shape (in any order). */
function isTrailing(axes: readonly number[], rank: number): boolean {
  return axes.length > 0 && axes.every((a) => a >= rank - axes.length && a < rank) && new Set(axes).size === axes.length;
}

/**
 * Runs every primitive as a loop over the tensor's typed array (Float32Array, Float64Array or
 * Int32Array). Storage is always contiguous and row-major, and tensors are immutable, so reshape
 * shares the array and every other op writes a fresh one. Nothing is compiled, uploaded or read
 * back: its {@link BackendStats} stay at zero.
 *
 * Users rarely touch it directly: it is what `setBackend('cpu')` selects and what runs by default.
 *
 * @example
 * ```ts
 * import { setBackend, tensor, matmul } from '@lossgraph/tensor';
 * setBackend('cpu');
 * matmul(tensor([[1, 2]]), tensor([[3], [4]])).item(); // 11
 * ```
 */
export class CpuBackend implements Backend {
  /** Always `'cpu'`. */
  readonly name = 'cpu';
  /** Always zero: the cpu backend compiles nothing and its memory is the host's. */
  readonly stats: BackendStats = { kernelCompilations: 0, readbacks: 0, uploads: 0 };
  /** Values live in host memory, so reading them costs nothing. */
  readonly readIsFree = true;

  /**
   * Wraps `values` (kept, not copied) as a tensor of `shape`.
   * @param values - the elements in row-major order (taken over, not copied)
   * @param shape - the shape
   * @param dtype - the element type of `values`
   */
  fromValues(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(this, values, shape, dtype);
  }

  /** The tensor's own array (not a copy). @param x - a tensor of this backend */
  read(x: Tensor): TypedArray {
    const values = this.data(x);
    markExposed(values);
    return values;
  }

  /**
   * The tensor's own array, for a caller that may write into it: deferred values still reading it
   * are evaluated first, and none is made over it afterwards, so such a write cannot change them
   * (see cpu/deferred-readers.ts).
   * @param x - a tensor of this backend
   */
  handOut(x: Tensor): TypedArray {
    const values = this.read(x);
    handOutArray(values);
    return values;
  }

  /**
   * Opens a scratch scope: the large arrays allocated until the matching {@link CpuBackend.endScratch}
   * become candidates for reuse. The autograd engine wraps each backward pass (without
   * `createGraph`) in one, since every tensor such a pass makes is a temporary except the
   * gradients it hands back. Scopes nest; only the outermost one recycles.
   */
  beginScratch(): void {
    openScratch();
  }

  /**
   * Closes a scratch scope. With `keep` (the tensors the scope's caller hands on), every array
   * allocated in the scope that none of them holds and that no one obtained through `read` goes
   * back to the pool; with null (the scope failed) nothing is recycled.
   */
  endScratch(keep: readonly Tensor[] | null): void {
    if (keep === null || !closingOutermost()) {
      closeScratch(null);
      return;
    }
    // A deferred result kept past the scope still reads arrays the scope made: evaluate it now,
    // before those go back to the pool.
    const kept = new Set<unknown>();
    for (const t of keep) if (t.backend === this) kept.add(this.data(t));
    closeScratch(kept);
  }

  /** Nothing to free early: the array goes when the garbage collector takes it. @param _x - a tensor of this backend */
  dispose(_x: Tensor): void {}

  fill(shape: Shape, value: number, dtype: DType): Tensor {
    if (value === 0) return this.make(allocateZeroed(dtype, sizeOf(shape)), shape, dtype);
    const out = allocateUninit(dtype, sizeOf(shape));
    out.fill(value);
    return this.make(out, shape, dtype);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const out = allocateUninit(dtype, x.size);
    // Typed-array assignment converts float to int32 by truncation toward zero, as documented.
    out.set(this.data(x));
    return this.make(out, x.shape, dtype);
  }

  unary(op: UnaryOp, x: Tensor, outDtype: DType): Tensor {
    if (outDtype === 'float32' && x.dtype === 'float32') {
      const lazy = fuse(op, [this.operand(x)], x.size);
      if (lazy !== null) return this.make(lazy, x.shape, outDtype);
    }
    const out = allocateUninit(outDtype, x.size);
    unaryKernel(op, this.data(x), out);
    return this.make(out, x.shape, outDtype);
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    const n = sizeOf(outShape);
    if (outDtype === 'float32' && a.dtype === 'float32' && b.dtype === 'float32' && (a.size === n || a.size === 1) && (b.size === n || b.size === 1)) {
      const lazy = fuse(op, [this.operand(a), this.operand(b)], n);
      if (lazy !== null) return this.make(lazy, outShape, outDtype);
    }
    const out = allocateUninit(outDtype, sizeOf(outShape));
    binaryKernel(op, this.data(a), a.shape, this.data(b), b.shape, out, outShape);
    return this.make(out, outShape, outDtype);
  }

  clip(x: Tensor, low: number, high: number): Tensor {
    if (x.dtype === 'float32') {
      // min(max(x, low), high) with wasm's max/min is what the eager kernel computes (NaN stays, max(-0, +0) is +0).
      const above = fuse('maximum', [this.operand(x), Math.fround(low)], x.size);
      const lazy = above === null ? null : fuse('minimum', [above, Math.fround(high)], x.size);
      if (lazy !== null) return this.make(lazy, x.shape, x.dtype);
    }
    const out = allocateUninit(x.dtype, x.size);
    clipKernel(this.data(x), low, high, out);
    return this.make(out, x.shape, x.dtype);
  }

  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    const n = sizeOf(outShape);
    const fits = (t: Tensor): boolean => t.dtype === 'float32' && (t.size === n || t.size === 1);
    if (outDtype === 'float32' && fits(cond) && fits(a) && fits(b)) {
      const lazy = fuse('where', [this.operand(cond), this.operand(a), this.operand(b)], n);
      if (lazy !== null) return this.make(lazy, outShape, outDtype);
    }
    const out = allocateUninit(outDtype, sizeOf(outShape));
    whereKernel(this.data(cond), cond.shape, this.data(a), a.shape, this.data(b), b.shape, out, outShape);
    return this.make(out, outShape, outDtype);
  }

  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outDtype: DType): Tensor {
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const storage = x.storage;
    if (op === 'sum' && outDtype === 'float32' && storage instanceof FusedExpr && isTrailing(axes, x.shape.length)) {
      // Sum a deferred expression over its last axes in the pass that computes it.
      const sums = sumFusedRows(storage, sizeOf(axes.map((a) => x.shape[a]!)));
      if (sums !== null) return this.make(Float32Array.from(sums), outShape, outDtype);
    }
    const out = allocateZeroed(outDtype, sizeOf(outShape));
    reduceKernel(op, this.data(x), x.shape, axes, out);
    return this.make(out, outShape, outDtype);
  }

  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
    const outShape = x.shape.filter((_, i) => i !== axis);
    const out = new Int32Array(sizeOf(outShape));
    argReduceKernel(op, this.data(x), x.shape, axis, out);
    return this.make(out, outShape, 'int32');
  }

  softmax(x: Tensor, axis: number): Tensor {
    const out = allocateUninit(x.dtype, x.size);
    softmaxKernel(this.data(x), x.shape, axis, out, false);
    return this.make(out, x.shape, x.dtype);
  }

  logSoftmax(x: Tensor, axis: number): Tensor {
    const out = allocateUninit(x.dtype, x.size);
    softmaxKernel(this.data(x), x.shape, axis, out, true);
    return this.make(out, x.shape, x.dtype);
  }

  logSoftmaxGrad(dy: Tensor, y: Tensor, axis: number): Tensor {
    const sparse = dy.storage;
    if (sparse instanceof RowScatter && y.dtype === 'float32') {
      // The sparseRowGradient rewrite (rewrites.ts): the gradient of a pick of this log-softmax.
      const out = logSoftmaxGradOfRowScatter(sparse, this.operand(y), axis);
      if (out !== null) return this.make(out, y.shape, y.dtype);
    }
    const out = allocateUninit(y.dtype, y.size);
    logSoftmaxGradKernel(this.data(dy), this.data(y), y.shape, axis, out);
    return this.make(out, y.shape, y.dtype);
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    this.owned(x);
    // Shares the storage, deferred or not: the elements keep their row-major order.
    return new Tensor(this, x.storage, shape, x.dtype);
  }

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const outShape = perm.map((a) => x.shape[a]!);
    const out = allocateUninit(x.dtype, x.size);
    transposeKernel(this.data(x), x.shape, perm, out);
    return this.make(out, outShape, x.dtype);
  }

  broadcastTo(x: Tensor, shape: Shape): Tensor {
    const rowLength = shape[shape.length - 1] ?? 1;
    if (x.dtype === 'float32' && (x.size === 1 || (x.size * rowLength === sizeOf(shape) && x.shape[x.shape.length - 1] === 1))) {
      // [..., 1] to [..., R] (or one value to any shape): each value repeats along the last axis,
      // deferred so that a fused consumer streams it instead of reading an R-times larger array.
      const lazy = fuseRepeat(this.data(x) as Float32Array, x.size === 1 ? sizeOf(shape) : rowLength);
      if (lazy !== null) return this.make(lazy, shape, x.dtype);
    }
    const out = allocateUninit(x.dtype, sizeOf(shape));
    broadcastKernel(this.data(x), x.shape, shape, out);
    return this.make(out, shape, x.dtype);
  }

  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
    const out = allocateUninit(x.dtype, sizeOf(size));
    sliceKernel(this.data(x), x.shape, begin, size, out);
    return this.make(out, size, x.dtype);
  }

  concat(xs: readonly Tensor[], axis: number, outShape: Shape): Tensor {
    const dtype = xs[0]!.dtype;
    const out = allocateUninit(dtype, sizeOf(outShape));
    concatKernel(xs.map((x) => ({ values: this.data(x), shape: x.shape })), axis, outShape, out);
    return this.make(out, outShape, dtype);
  }

  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number): Tensor {
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = allocateZeroed(x.dtype, sizeOf(outShape));
    padKernel(this.data(x), x.shape, paddings, value, outShape, out);
    return this.make(out, outShape, x.dtype);
  }

  gather(x: Tensor, indices: Tensor, axis: number): Tensor {
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = allocateUninit(x.dtype, sizeOf(outShape));
    gatherKernel(this.data(x), x.shape, this.indexData(indices), axis, out);
    return this.make(out, outShape, x.dtype);
  }

  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    const out = allocateZeroed(updates.dtype, sizeOf(outShape));
    scatterAddKernel(this.data(updates), this.indexData(indices), axis, outShape, out);
    return this.make(out, outShape, updates.dtype);
  }

  takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
    const out = allocateUninit(x.dtype, indices.size);
    takeAlongAxisKernel(this.data(x), x.shape, this.indexData(indices), indices.shape, axis, out);
    return this.make(out, indices.shape, x.dtype);
  }

  scatterAlongAxis(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    if (updates.dtype === 'float32') {
      // The pattern of the sparseRowGradient rewrite (rewrites.ts): pick's gradient, kept sparse.
      const sparse = sparseRowScatter(this.data(updates) as Float32Array, this.indexData(indices), indices.shape, axis, outShape);
      if (sparse !== null) return this.make(sparse, outShape, 'float32');
    }
    const out = allocateZeroed(updates.dtype, sizeOf(outShape));
    scatterAlongAxisKernel(this.data(updates), this.indexData(indices), indices.shape, axis, outShape, out);
    return this.make(out, outShape, updates.dtype);
  }

  oneHot(indices: Tensor, depth: number, onValue: number, offValue: number, dtype: DType): Tensor {
    const outShape = [...indices.shape, depth];
    const out = allocateZeroed(dtype, sizeOf(outShape));
    oneHotKernel(this.indexData(indices), depth, onValue, offValue, out);
    return this.make(out, outShape, dtype);
  }

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape, outDtype: DType): Tensor {
    const out = allocateZeroed(outDtype, sizeOf(outShape));
    matmulKernel(this.data(a), a.shape, this.data(b), b.shape, transposeA, transposeB, outShape, out);
    return this.make(out, outShape, outDtype);
  }

  conv2d(x: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const out = allocateUninit(x.dtype, sizeOf(outShape));
    conv2dKernel(this.data(x), x.shape, this.data(w), w.shape, params, outShape, out);
    return this.make(out, outShape, x.dtype);
  }

  conv2dInputGrad(dy: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const out = allocateZeroed(dy.dtype, sizeOf(outShape));
    conv2dInputGradKernel(this.data(dy), dy.shape, this.data(w), w.shape, params, outShape, out);
    return this.make(out, outShape, dy.dtype);
  }

  conv2dWeightGrad(x: Tensor, dy: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const out = allocateZeroed(x.dtype, sizeOf(outShape));
    conv2dWeightGradKernel(this.data(x), x.shape, this.data(dy), dy.shape, params, outShape, out);
    return this.make(out, outShape, x.dtype);
  }

  maxPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const out = allocateUninit(x.dtype, sizeOf(outShape));
    maxPool2dKernel(this.data(x), x.shape, params, outShape, out, null);
    return this.make(out, outShape, x.dtype);
  }

  maxPool2dIndices(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const indices = new Int32Array(sizeOf(outShape));
    maxPool2dKernel(this.data(x), x.shape, params, outShape, null, indices);
    return this.make(indices, outShape, 'int32');
  }

  avgPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const out = allocateUninit(x.dtype, sizeOf(outShape));
    avgPool2dKernel(this.data(x), x.shape, params, outShape, out);
    return this.make(out, outShape, x.dtype);
  }

  avgPool2dGrad(dy: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const out = allocateZeroed(dy.dtype, sizeOf(outShape));
    avgPool2dGradKernel(this.data(dy), params, dy.shape, outShape, out);
    return this.make(out, outShape, dy.dtype);
  }

  private make(values: TypedArray | FusedExpr | RowScatter, shape: Shape, dtype: DType): Tensor {
    return new Tensor(this, values, shape, dtype);
  }

  /** Throws unless `x` belongs to this backend. */
  private owned(x: Tensor): void {
    if (!(x.backend instanceof CpuBackend)) {
      throw new Error(`cpu backend: got a tensor of the ${x.backend.name} backend; ops move tensors to the current backend first`);
    }
  }

  /** The typed array behind a tensor of this backend, evaluating a deferred one. */
  private data(x: Tensor): TypedArray {
    this.owned(x);
    const storage = x.storage;
    if (storage instanceof FusedExpr) return evaluateFused(storage);
    if (storage instanceof RowScatter) return storage.materialise();
    return storage as TypedArray;
  }

  /** A float32 tensor as a fusion operand: its expression while deferred, one value, or its array. */
  private operand(x: Tensor): FusedOperand {
    this.owned(x);
    const storage = x.storage;
    if (storage instanceof FusedExpr) return storage.result ?? storage;
    const values = (storage instanceof RowScatter ? storage.materialise() : storage) as Float32Array;
    return values.length === 1 ? values[0]! : values;
  }

  /** Index operands as int32 (the frontend casts them; this guards direct backend use). */
  private indexData(indices: Tensor): Int32Array {
    const values = this.data(indices);
    return values instanceof Int32Array ? values : Int32Array.from(values);
  }
}

registerBackend('cpu', () => new CpuBackend());
