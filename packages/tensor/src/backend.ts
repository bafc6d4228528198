import type { DType, TypedArray } from './dtype.js';
import type { ArgReduceOp, BinaryOp, ReduceOp, UnaryOp } from './primitives.js';
import type { Conv2dParams, Pool2dParams } from './ops/convolution.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * Counters a backend keeps so programs can show what their steady state costs.
 *
 * @example
 * ```ts
 * resetStats();
 * tensor([1, 2]).toArray();
 * const stats: Readonly<BackendStats> = getStats();   // { readbacks, uploads, kernelCompilations }
 * ```
 */
export interface BackendStats {
  /** Kernels compiled since the last reset (always 0 on the cpu backend). */
  kernelCompilations: number;
  /** Times data was read back from the device to the host (dataSync, toArray, item). */
  readbacks: number;
  /** Times host data was uploaded to the device. */
  uploads: number;
}

/**
 * What a backend implements. The frontend functions of this package validate every argument,
 * work out result shapes and dtypes, and only then call a backend method, so a backend may
 * assume its inputs are valid: axes are normalised (non-negative, sorted), shapes broadcast,
 * indices are int32 tensors, and `out` parameters are already computed.
 *
 * A backend owns the storage of the tensors it makes; `Tensor.storage` is opaque to everyone else.
 *
 * @example
 * ```ts
 * const backend: Backend = getBackend();
 * backend.name;   // 'cpu'
 * ```
 */
export interface Backend {
  /** `'cpu'` or `'gpujs'`. */
  readonly name: string;
  /** Counters for readbacks, uploads and kernel compilations. */
  readonly stats: BackendStats;
  /**
   * True when reading values costs nothing (host memory). The frontend then checks index ranges
   * and label values eagerly; on a device backend it avoids the readback.
   */
  readonly readIsFree: boolean;

  /** Makes a tensor that owns `values` (the backend may keep the array; the caller gives it up). */
  fromValues(values: TypedArray, shape: Shape, dtype: DType): Tensor;
  /**
   * The values of `x` as a row-major typed array of `x.dtype`. The array may be the backend's own
   * storage: callers must not mutate it (Tensor.dataSync copies).
   */
  read(x: Tensor): TypedArray;
  /**
   * The values of `x` for a caller that keeps the array and may write into it
   * (`Tensor.dataNoCopy`); `read` where absent. A backend that hands out its own storage must
   * make sure such a write cannot reach values computed from `x` before (deferred ones).
   */
  handOut?(x: Tensor): TypedArray;
  /** Releases device memory held by `x` early (the garbage collector does it otherwise). */
  dispose(x: Tensor): void;

  /** A tensor of `shape` filled with `value`. */
  fill(shape: Shape, value: number, dtype: DType): Tensor;
  /** Converts the elements of `x` to `dtype` (float to int32 truncates toward zero). */
  cast(x: Tensor, dtype: DType): Tensor;

  /** Applies `op` to every element; the result has dtype `outDtype`. */
  unary(op: UnaryOp, x: Tensor, outDtype: DType): Tensor;
  /** Applies `op` elementwise after broadcasting `a` and `b` to `outShape`. */
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor;
  /**
   * Limits every element of a float tensor to [low, high] (`low <= high`, neither NaN; infinite
   * bounds allowed): `min(max(x, low), high)` in one pass, NaN staying NaN.
   */
  clip(x: Tensor, low: number, high: number): Tensor;
  /** `cond != 0 ? a : b`, all three broadcast to `outShape`. */
  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor;

  /**
   * Reduces `axes` (sorted, non-empty or empty for a copy) of `x`. The result has `x.rank - axes.length`
   * axes (the frontend reshapes for keepDims). `logSumExp` is computed stably (max-shifted).
   * Reducing an empty set of elements gives 0 for sum, -Infinity for max and logSumExp, Infinity for min.
   */
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outDtype: DType): Tensor;
  /** Index of the first maximum (or minimum) along `axis`, as int32, with `axis` removed. */
  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor;
  /** Softmax along `axis`, computed stably (max-shifted). */
  softmax(x: Tensor, axis: number): Tensor;
  /** Log-softmax along `axis`, computed stably (x - logSumExp). */
  logSoftmax(x: Tensor, axis: number): Tensor;
  /**
   * Optional fused kernel: the vector-Jacobian product of log-softmax along `axis`,
   * `dy - exp(y) * sum(dy, axis)`, where `y` is the log-softmax output and `dy` the gradient
   * arriving at it (same shape and dtype). A backend implements it only where one pass beats the
   * composition (which makes three full-size temporaries); without it the frontend's
   * `logSoftmaxGrad` composes it from {@link Backend.reduce}, {@link Backend.unary} and
   * {@link Backend.binary}.
   */
  logSoftmaxGrad?(dy: Tensor, y: Tensor, axis: number): Tensor;
  /**
   * Optional fused kernel: the vector-Jacobian product of logSumExp, `dy * exp(x - y)`, where `y`
   * is the logSumExp of `x` and `dy` the gradient arriving at it, both in the kept-dims shape (x's
   * shape with the reduced axes set to 1, so they broadcast against x) and x's dtype; the result
   * has x's shape. Without it the frontend's `logSumExpGrad` composes it from a difference, exp
   * and a product. Where x and y are both -Infinity the result must be NaN, as the composition gives.
   */
  logSumExpGrad?(dy: Tensor, x: Tensor, y: Tensor): Tensor;

  /**
   * Optional memory hook: opens a scratch scope, in which every tensor the backend makes is a
   * temporary unless handed to {@link Backend.endScratch}. See {@link withScratch}.
   */
  beginScratch?(): void;
  /**
   * Optional memory hook: closes a scratch scope. The backend may reuse the memory of every tensor
   * it made in the scope except those in `keep` (and tensors sharing their storage); null means
   * the scope failed and nothing may be reused.
   */
  endScratch?(keep: readonly Tensor[] | null): void;

  /** Same values, new shape of the same size (free for contiguous storage). */
  reshape(x: Tensor, shape: Shape): Tensor;
  /** Permutes axes: result axis i is input axis `perm[i]`. */
  transpose(x: Tensor, perm: readonly number[]): Tensor;
  /** Broadcasts `x` to `shape` (NumPy rules, already checked). */
  broadcastTo(x: Tensor, shape: Shape): Tensor;
  /** The box starting at `begin` with extents `size` (both one entry per axis). */
  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor;
  /** Joins tensors of equal shape except along `axis`. */
  concat(xs: readonly Tensor[], axis: number, outShape: Shape): Tensor;
  /** Pads each axis with `paddings[i] = [before, after]` copies of `value`. */
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number): Tensor;

  /**
   * TF-style gather: `out[pre, idx..., post] = x[pre, indices[idx...], post]` along `axis`.
   * Result shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Indices are in range.
   */
  gather(x: Tensor, indices: Tensor, axis: number): Tensor;
  /**
   * The adjoint of {@link Backend.gather}: a zero tensor of `outShape` (x's shape) into which each
   * slice of `updates` is added at the position its index names. Repeated indices accumulate.
   */
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor;
  /**
   * NumPy take_along_axis / torch.gather: `indices` has x's rank and x's extents on every axis
   * except `axis`; `out[i..., j, k...] = x[i..., indices[i..., j, k...], k...]`.
   */
  takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor;
  /**
   * The adjoint of {@link Backend.takeAlongAxis}: zeros of `outShape`, with `updates` added at
   * the positions `indices` names along `axis`. Repeated indices accumulate.
   */
  scatterAlongAxis(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor;
  /** One-hot rows: result shape `indices.shape + [depth]`; out-of-range indices give all `offValue`. */
  oneHot(indices: Tensor, depth: number, onValue: number, offValue: number, dtype: DType): Tensor;

  /**
   * Batched matrix product. `a` and `b` have the same rank (>= 2; the frontend reshapes to add
   * leading size-1 axes) and their batch axes broadcast to `outShape[:-2]`: a size-1 batch axis is
   * reused for every batch (stride 0), never copied. `transposeA`/`transposeB` swap the last two
   * axes of an operand without copying.
   */
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape, outDtype: DType): Tensor;

  /**
   * 2-D cross-correlation of `x` `[N, C, H, W]` with `w` `[O, C/groups, kh, kw]` (same float dtype)
   * into `outShape` `[N, O, Ho, Wo]`; positions outside the input read 0.
   */
  conv2d(x: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor;
  /** The adjoint of {@link Backend.conv2d} in x: `dy` `[N, O, Ho, Wo]` and `w` give `[N, C, H, W]` (`outShape`). */
  conv2dInputGrad(dy: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor;
  /** The adjoint of {@link Backend.conv2d} in w: `x` and `dy` give `[O, C/groups, kh, kw]` (`outShape`). */
  conv2dWeightGrad(x: Tensor, dy: Tensor, params: Conv2dParams, outShape: Shape): Tensor;
  /** The maximum of each window of `x` `[N, C, H, W]` (padding is −∞; every window holds an element of x). */
  maxPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor;
  /** int32 `h·W + w` of the first maximum of each window in its input plane (a NaN counts as the maximum). */
  maxPool2dIndices(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor;
  /** The mean of each window over its full size (padded zeros count). */
  avgPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor;
  /** The adjoint of {@link Backend.avgPool2d}: `dy` `[N, C, Ho, Wo]` to `outShape` `[N, C, H, W]`. */
  avgPool2dGrad(dy: Tensor, params: Pool2dParams, outShape: Shape): Tensor;
}
