/**
 * The `cpu` backend: hand-written loops over typed arrays. Registered as `'cpu'` when this module
 * loads; it is the default backend.
 */
import type { ArgReduceOp, Backend, BackendStats, BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import { allocate, type DType, type TypedArray } from '../dtype.js';
import { registerBackend } from '../registry.js';
import { sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binaryKernel, unaryKernel, whereKernel } from './cpu/elementwise.js';
import {
  gatherKernel, oneHotKernel, scatterAddKernel, scatterAlongAxisKernel, takeAlongAxisKernel,
} from './cpu/indexing.js';
import { broadcastKernel, concatKernel, padKernel, sliceKernel, transposeKernel } from './cpu/layout.js';
import { matmulKernel } from './cpu/matmul.js';
import { argReduceKernel, reduceKernel, softmaxKernel } from './cpu/reduce.js';

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

  /** Wraps `values` (kept, not copied) as a tensor of `shape`. */
  fromValues(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(this, values, shape, dtype);
  }

  /** The tensor's own array (not a copy). */
  read(x: Tensor): TypedArray {
    return this.data(x);
  }

  /** Nothing to free early: the array goes when the garbage collector takes it. */
  dispose(_x: Tensor): void {}

  fill(shape: Shape, value: number, dtype: DType): Tensor {
    const out = allocate(dtype, sizeOf(shape));
    if (value !== 0) out.fill(value);
    return this.make(out, shape, dtype);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const out = allocate(dtype, x.size);
    // Typed-array assignment converts float to int32 by truncation toward zero, as documented.
    out.set(this.data(x));
    return this.make(out, x.shape, dtype);
  }

  unary(op: UnaryOp, x: Tensor, outDtype: DType): Tensor {
    const out = allocate(outDtype, x.size);
    unaryKernel(op, this.data(x), out);
    return this.make(out, x.shape, outDtype);
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    const out = allocate(outDtype, sizeOf(outShape));
    binaryKernel(op, this.data(a), a.shape, this.data(b), b.shape, out, outShape);
    return this.make(out, outShape, outDtype);
  }

  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    const out = allocate(outDtype, sizeOf(outShape));
    whereKernel(this.data(cond), cond.shape, this.data(a), a.shape, this.data(b), b.shape, out, outShape);
    return this.make(out, outShape, outDtype);
  }

  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outDtype: DType): Tensor {
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const out = allocate(outDtype, sizeOf(outShape));
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
    const out = allocate(x.dtype, x.size);
    softmaxKernel(this.data(x), x.shape, axis, out, false);
    return this.make(out, x.shape, x.dtype);
  }

  logSoftmax(x: Tensor, axis: number): Tensor {
    const out = allocate(x.dtype, x.size);
    softmaxKernel(this.data(x), x.shape, axis, out, true);
    return this.make(out, x.shape, x.dtype);
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    return this.make(this.data(x), shape, x.dtype);
  }

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const outShape = perm.map((a) => x.shape[a]!);
    const out = allocate(x.dtype, x.size);
    transposeKernel(this.data(x), x.shape, perm, out);
    return this.make(out, outShape, x.dtype);
  }

  broadcastTo(x: Tensor, shape: Shape): Tensor {
    const out = allocate(x.dtype, sizeOf(shape));
    broadcastKernel(this.data(x), x.shape, shape, out);
    return this.make(out, shape, x.dtype);
  }

  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
    const out = allocate(x.dtype, sizeOf(size));
    sliceKernel(this.data(x), x.shape, begin, size, out);
    return this.make(out, size, x.dtype);
  }

  concat(xs: readonly Tensor[], axis: number, outShape: Shape): Tensor {
    const dtype = xs[0]!.dtype;
    const out = allocate(dtype, sizeOf(outShape));
    concatKernel(xs.map((x) => ({ values: this.data(x), shape: x.shape })), axis, outShape, out);
    return this.make(out, outShape, dtype);
  }

  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number): Tensor {
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = allocate(x.dtype, sizeOf(outShape));
    padKernel(this.data(x), x.shape, paddings, value, outShape, out);
    return this.make(out, outShape, x.dtype);
  }

  gather(x: Tensor, indices: Tensor, axis: number): Tensor {
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = allocate(x.dtype, sizeOf(outShape));
    gatherKernel(this.data(x), x.shape, this.indexData(indices), axis, out);
    return this.make(out, outShape, x.dtype);
  }

  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    const out = allocate(updates.dtype, sizeOf(outShape));
    scatterAddKernel(this.data(updates), this.indexData(indices), axis, outShape, out);
    return this.make(out, outShape, updates.dtype);
  }

  takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
    const out = allocate(x.dtype, indices.size);
    takeAlongAxisKernel(this.data(x), x.shape, this.indexData(indices), indices.shape, axis, out);
    return this.make(out, indices.shape, x.dtype);
  }

  scatterAlongAxis(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    const out = allocate(updates.dtype, sizeOf(outShape));
    scatterAlongAxisKernel(this.data(updates), this.indexData(indices), indices.shape, axis, outShape, out);
    return this.make(out, outShape, updates.dtype);
  }

  oneHot(indices: Tensor, depth: number, onValue: number, offValue: number, dtype: DType): Tensor {
    const outShape = [...indices.shape, depth];
    const out = allocate(dtype, sizeOf(outShape));
    oneHotKernel(this.indexData(indices), depth, onValue, offValue, out);
    return this.make(out, outShape, dtype);
  }

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape, outDtype: DType): Tensor {
    const out = allocate(outDtype, sizeOf(outShape));
    matmulKernel(this.data(a), a.shape, this.data(b), b.shape, transposeA, transposeB, outShape, out);
    return this.make(out, outShape, outDtype);
  }

  private make(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(this, values, shape, dtype);
  }

  /** The typed array behind a tensor of this backend. */
  private data(x: Tensor): TypedArray {
    if (!(x.backend instanceof CpuBackend)) {
      throw new Error(`cpu backend: got a tensor of the ${x.backend.name} backend; ops move tensors to the current backend first`);
    }
    return x.storage as TypedArray;
  }

  /** Index operands as int32 (the frontend casts them; this guards direct backend use). */
  private indexData(indices: Tensor): Int32Array {
    const values = this.data(indices);
    return values instanceof Int32Array ? values : Int32Array.from(values);
  }
}

registerBackend('cpu', () => new CpuBackend());
