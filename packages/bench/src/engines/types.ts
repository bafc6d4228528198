/**
 * The common face of every engine the tensor benchmarks compare: lossgraph on each backend,
 * TF.js on each backend and the plain typed-array loops. `T` is the engine's own tensor type.
 *
 * Methods are optional where an engine may lack an op; the suite shows such a cell as "—".
 * Method syntax (not function-typed properties) keeps `TensorEngine<tf.Tensor>` assignable to
 * `TensorEngine<unknown>`, so engines of different tensor types share one list.
 */
export interface TensorEngine<T> {
  /** Column id, e.g. `tfjs-wasm`. */
  readonly id: string;
  /** Column header, e.g. `tfjs-wasm`. */
  readonly label: string;
  /**
   * Loads the engine and proves it computes here (a tiny op read back).
   * @returns undefined when ready, otherwise why the engine cannot run in this process
   */
  init(): Promise<string | undefined>;
  /** Makes this engine the current one where the library keeps a global backend. */
  activate(): Promise<void>;
  /** A line for the report footer (version, threads, SIMD), when there is something to say. */
  describe(): string | undefined;
  /** A float32 tensor of `shape` holding a copy of `values`. */
  fromArray(values: Float32Array, shape: readonly number[]): T;
  /** Elementwise sum with NumPy broadcasting. */
  add?(a: T, b: T): T;
  /** Elementwise e^x. */
  exp?(x: T): T;
  /** Sum over the last axis, which is dropped. */
  sumLastAxis?(x: T): T;
  /** Maximum over the last axis, which is dropped. */
  maxLastAxis?(x: T): T;
  /** Matrix product of two rank-2 tensors. */
  matmul?(a: T, b: T): T;
  /**
   * The values on the host, forcing any lazy or device-side computation to finish. May return
   * the engine's own storage; callers must not mutate it.
   */
  read(x: T): ArrayLike<number>;
  /** Frees the tensor's memory now (device textures, the WASM heap). */
  dispose(x: T): void;
}
