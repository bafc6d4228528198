import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import { registerTensorClass, trackTensor, untrackTensor } from './lifetime.js';

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
    trackTensor(this);
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

  /**
   * The values as a new flat typed array, asynchronously: {@link Tensor.dataSync} run in a later
   * task, so the caller yields to the event loop (a page can draw meanwhile). On every backend
   * today the read itself is still synchronous once it starts: GPU.js reads a texture back with a
   * blocking readPixels, and a fenced read through a pixel buffer (WebGL2) is not implemented, so
   * on a GPU the wait for the device happens inside that later task. The tensor must not be
   * disposed before the promise settles.
   *
   * @returns a promise of the row-major values
   * @example
   * ```ts
   * const values = await sum(tensor([1, 2, 3])).data();   // Float32Array [6]
   * ```
   */
  async data(): Promise<TypedArray> {
    this.assertLive();
    await nextTask();
    return this.dataSync();
  }

  /**
   * The values as nested arrays, asynchronously (see {@link Tensor.data} for what is deferred).
   *
   * @returns a promise of the nested values (a number for a scalar)
   * @example
   * ```ts
   * const rows = await tensor([[1, 2], [3, 4]]).array();   // [[1, 2], [3, 4]]
   * ```
   */
  async array(): Promise<NestedArray> {
    this.assertLive();
    await nextTask();
    return this.toArray();
  }

  private assertLive(): void {
    if (this.disposed) {
      throw new Error(`Tensor ${this.dtype} ${formatShape(this.shape)} (${this.backend.name}): this tensor was disposed and its values are gone (read it before dispose() or before the tidy that made it ends)`);
    }
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

  /**
   * Frees the values now rather than when the tensor is garbage-collected (a gpujs texture at once;
   * on cpu the array goes with the garbage collector, and the tensor only becomes unreadable).
   * Reading a disposed tensor is an error; disposing twice does nothing. {@link tidy} calls this
   * for every tensor a step made and did not return.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    untrackTensor(this);
    this.backend.dispose(this);
  }

  /** A readable summary that abbreviates large tensors, as PyTorch's print does. */
  toString(): string {
    return formatTensor(this.shape, this.dtype, this.values(), this.backend.name);
  }

}

registerTensorClass(Tensor);

/**
 * Resolves in a later task (a macrotask, not a microtask), so the event loop can render and handle
 * input first: MessageChannel where it exists (setTimeout(0) is clamped to 4 ms in nested browser
 * timers), setTimeout otherwise.
 * @internal
 */
export function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
