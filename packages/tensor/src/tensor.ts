import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';

/**
 * Nested arrays of numbers, as `toArray()` returns them (a number for a scalar).
 *
 * @example
 * ```ts
 * const rows: NestedArray = tensor([[1, 2], [3, 4]]).toArray();   // [[1, 2], [3, 4]]
 * ```
 */
export type NestedArray = number | NestedArray[];

/**
 * An immutable n-dimensional array. Its storage belongs to the backend that made it; read the
 * values with {@link Tensor.dataSync} or {@link Tensor.toArray}.
 *
 * Make tensors with `tensor`, `zeros`, `randn` and the other creation functions, and combine them
 * with this package's ops (or with `@lossgraph/autograd` to get gradients).
 *
 * @example
 * ```ts
 * const t = tensor([[1, 2], [3, 4]]);
 * t.shape;      // [2, 2]
 * t.toArray();  // [[1, 2], [3, 4]]
 * ```
 */
export class Tensor {
  /** Extents of the axes, outermost first. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The backend that owns the storage. */
  readonly backend: Backend;
  /** Backend-specific storage; opaque outside the owning backend. @internal */
  readonly storage: unknown;
  private disposed = false;

  /** @internal Backends make tensors; users call the creation functions. */
  constructor(backend: Backend, storage: unknown, shape: Shape, dtype: DType) {
    this.backend = backend;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** True once {@link Tensor.dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * The values as a new flat, row-major typed array (Float32Array, Float64Array or Int32Array).
   * On the gpujs backend this reads the data back from the device.
   */
  dataSync(): TypedArray {
    return this.values().slice();
  }

  /**
   * The values without a copy where the backend keeps them in host memory: the cpu backend hands
   * over its own array (gpujs reads back into a new one). This is what PyTorch's `Tensor.numpy()`
   * and TF.js's `dataSync()` on its cpu backend give: use it to read large results without paying
   * for a copy. Writing into the array changes this tensor and every tensor sharing its storage
   * (reshapes), never a tensor computed from it before: the cpu backend first evaluates any
   * deferred (fused) result still reading it, and runs later ops on it at once instead of
   * deferring them. To change values without touching this tensor, write into {@link Tensor.dataSync}'s
   * copy and make a new tensor from it.
   *
   * @returns the row-major values
   * @example
   * ```ts
   * const logits = randn([4096, 1000]);
   * const row0 = softmax(logits, -1).dataNoCopy().subarray(0, 1000); // no 16 MB copy
   * ```
   */
  dataNoCopy(): TypedArray {
    this.assertLive();
    return this.backend.handOut === undefined ? this.backend.read(this) : this.backend.handOut(this);
  }

  /** The values for reading only, not handed to the caller (so not {@link Tensor.dataNoCopy}). */
  private values(): TypedArray {
    this.assertLive();
    return this.backend.read(this);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('Tensor: this tensor was disposed and its values are gone');
  }

  /** The values as nested arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    const data = this.values();
    if (this.shape.length === 0) return data[0]!;
    const build = (axis: number, offset: number): NestedArray[] => {
      const n = this.shape[axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
        return out;
      }
      let stride = 1;
      for (let j = axis + 1; j < this.shape.length; j++) stride *= this.shape[j]!;
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /**
   * The single value of a one-element tensor.
   * @throws RangeError when the tensor has more or fewer than one element
   */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item(): expected a tensor with exactly one element, got shape [${this.shape.join(', ')}]`);
    return this.values()[0]!;
  }

  /** Frees device memory now rather than when the tensor is garbage-collected. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.dispose(this);
  }

  /** A readable summary that abbreviates large tensors, as PyTorch's print does. */
  toString(): string {
    return formatTensor(this.shape, this.dtype, this.values(), this.backend.name);
  }

}
