/**
 * The `gpujs` backend: every primitive is a GPU.js kernel. Registered as `'gpujs'` when this
 * module loads (through the `@lossgraph/tensor/gpujs` entry point, never the main one, so that
 * cpu-only programs do not load gpu.js); `setBackend('gpujs', { mode })` selects it.
 */
import type { Backend, BackendStats } from '../backend.js';
import { PRIMITIVES, type ArgReduceOp, type BinaryOp, type ReduceOp, type UnaryOp } from '../primitives.js';
import type { DType, TypedArray } from '../dtype.js';
import { registerBackend, type BackendOptions, type GpuJsMode } from '../registry.js';
import { formatShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { aroundAxis, broadcastStrides, extent, mergeAxes, rowMajorStrides } from '../strides.js';
import {
  binaryFormula, elementwiseSpec, FILL_SPEC, identityFormula, truncateFormula, unaryFormula, whereFormula,
  type Formula, type OperandLayout,
} from './gpujs/elementwise.js';
import {
  concatSpec, gatherSpec, matmulSpec, MAX_CONCAT_INPUTS, oneHotSpec, padSpec, scatterAddSpec, scatterAlongAxisSpec,
  softmaxSpec, takeAlongAxisSpec,
} from './gpujs/layout.js';
import {
  chunking, reducePassSpec, reductionLayout, type Combine, type Contribution, type Finish, type ReducePass,
} from './gpujs/reduce.js';
import { GpuRuntime, Storage } from './gpujs/runtime.js';
import {
  avgPool2dGradSpec, avgPool2dSpec, conv2dInputGradSpec, conv2dSpec, conv2dWeightGradSpec, maxPool2dSpec,
  type ConvLayout, type PoolLayout,
} from './gpujs/convolution.js';
import type { Conv2dParams, Pool2dParams } from '../ops/convolution.js';

const MODES: readonly GpuJsMode[] = ['cpu', 'webasm', 'headlessgl', 'webgl', 'webgl2', 'webgpu', 'gpu'];

/** The layout of a reduction's input, as {@link reductionLayout} gives it. */
type ReductionInput = Pick<ReducePass, 'keptDims' | 'keptStrides' | 'reducedDims' | 'reducedStrides'>;

function convLayout(xShape: Shape, wShape: Shape, yShape: Shape, params: Conv2dParams): ConvLayout {
  return {
    n: xShape[0]!, c: xShape[1]!, h: xShape[2]!, w: xShape[3]!, o: wShape[0]!, kh: wShape[2]!, kw: wShape[3]!,
    oh: yShape[2]!, ow: yShape[3]!, params: { strides: params.strides, padding: params.padding, dilation: params.dilation, groups: params.groups },
  };
}

function poolLayout(xShape: Shape, yShape: Shape, params: Pool2dParams): PoolLayout {
  return {
    planes: xShape[0]! * xShape[1]!, h: xShape[2]!, w: xShape[3]!, oh: yShape[2]!, ow: yShape[3]!,
    params: { poolSize: params.poolSize, strides: params.strides, padding: params.padding },
  };
}

/** What storing `value` into an Int32Array keeps (truncation toward zero, modulo 2^32; NaN is 0). */
function toInt32(value: number): number {
  return value | 0;
}

/**
 * Runs every primitive as a GPU.js kernel (`createKernel`). Each kernel's source is generated for
 * one layout (op, shapes, strides, loop bounds baked in as literals), compiled on first use and
 * cached under a string key, so a steady-state program compiles nothing: see
 * `stats.kernelCompilations`. Flat elementwise kernels (operands of the output's shape, or single
 * values) mention no size, so one compiled kernel serves every size.
 *
 * In the texture modes (`headlessgl`, `webgl`, `webgl2`) kernels run in GPU.js pipeline mode with
 * immutable outputs: results stay on the device as textures and feed the next kernel directly.
 * Host values are uploaded once, when a kernel first needs them (`stats.uploads`), and device
 * values are read back only by `dataSync()`, `toArray()`, `item()` and printing
 * (`stats.readbacks`), once per tensor. `dispose()` deletes a tensor's texture at once; a tensor
 * the garbage collector takes without it has its texture deleted by a FinalizationRegistry, whose
 * callbacks run only between tasks: a long synchronous loop should run each step in `tidy` (which
 * disposes what the step made) or dispose() what it drops. In the `cpu` and `webasm` modes
 * storage is a plain Float32Array, which the garbage collector frees with its tensor.
 *
 * Dtypes: float32 and int32. int32 tensors are stored as float32 values on the device, exact for
 * magnitudes below 2^24 (larger int32 results, and int32 overflow, are not reproduced). **float64
 * is not supported**: GPU.js computes in float32, so making or computing a float64 tensor on this
 * backend throws; use the cpu backend for float64 work (gradient checks, references).
 *
 * Numerics follow the cpu backend within float32 rounding: sigmoid, softplus, tanh, logSumExp,
 * softmax and logSoftmax are computed stably; `expm1`/`log1p` are accurate near 0; `pow` follows
 * JavaScript for negative bases; `round` sends halves away from zero. GLSL does not promise IEEE
 * NaN handling, so NaN propagation is only guaranteed in the `cpu` and `webasm` modes. Flat
 * indices are computed in float32, so a tensor may hold at most 2^24 (16.7M) elements.
 *
 * @example
 * ```ts
 * import { setBackend, tensor, matmul, getStats } from '@lossgraph/tensor';
 * import '@lossgraph/tensor/gpujs';
 * setBackend('gpujs', { mode: 'webasm' });
 * const y = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
 * y.item();              // 11, read back once
 * getStats().readbacks;  // 0 in webasm mode (host memory); 1 in the texture modes
 * ```
 */
export class GpuJsBackend implements Backend {
  /** Always `'gpujs'`. */
  readonly name = 'gpujs';
  /** The GPU.js mode that actually runs (what `'gpu'` resolved to). */
  readonly mode: string;
  /** True in the texture modes, where results stay on the device between kernels. */
  readonly pipeline: boolean;
  /** Kernel compilations, uploads and readbacks since the last reset. */
  readonly stats: BackendStats = { kernelCompilations: 0, readbacks: 0, uploads: 0 };
  /** True in the `cpu` and `webasm` modes, whose values live in host memory. */
  readonly readIsFree: boolean;
  private readonly runtime: GpuRuntime;

  /**
   * Starts GPU.js in `mode` and runs a small self-test kernel, so a mode that cannot work here
   * fails now with an error naming it.
   * @param options - `mode`: `'headlessgl'` (Node with the `gl` package and an X display),
   *   `'webgl2'` or `'webgl'` (browsers), `'webasm'` or `'cpu'` (everywhere), or `'gpu'` (the
   *   default: the best one available here). `'webgpu'` is refused: GPU.js runs it only
   *   asynchronously, and tensor ops are synchronous.
   * @throws TypeError for an unknown mode; Error naming the mode when it cannot start here
   */
  constructor(options: BackendOptions = {}) {
    const requested = options.mode ?? 'gpu';
    if (!MODES.includes(requested)) {
      throw new TypeError(`gpujs backend: mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(requested)}`);
    }
    this.runtime = new GpuRuntime(requested, this.stats);
    this.mode = this.runtime.mode;
    this.pipeline = this.runtime.pipeline;
    this.readIsFree = !this.pipeline;
    this.runtime.selfTest();
    this.stats.kernelCompilations = 0;
    this.stats.readbacks = 0;
    this.stats.uploads = 0;
  }

  /** Textures held right now by this backend's tensors (0 outside the texture modes). */
  get liveTextures(): number {
    return this.runtime.liveTextures;
  }

  /** Distinct kernels compiled so far (the size of the kernel cache). */
  get cachedKernels(): number {
    return this.runtime.cachedKernels;
  }

  /**
   * Deletes the compiled kernels and the GPU.js context. Tensors of this backend are unusable
   * afterwards; programs rarely need this (tests and long-lived pages that switch backends do).
   */
  destroy(): void {
    this.runtime.destroy();
  }

  // ------------------------------------------------------------------ storage

  /**
   * Keeps `values` as the host copy; it is uploaded when a kernel first reads it.
   * @param values - the elements in row-major order
   * @param shape - the shape
   * @param dtype - the element type of `values`
   */
  fromValues(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    checkDType(dtype);
    if (values.length !== sizeOf(shape)) throw new RangeError(`gpujs backend: ${values.length} values do not fill shape ${formatShape(shape)}`);
    if (dtype === 'int32') {
      const ints = values instanceof Int32Array ? values : new Int32Array(values);
      const storage = this.runtime.hostStorage(Float32Array.from(ints));
      storage.ints = ints;
      return this.make(storage, shape, dtype);
    }
    return this.make(this.runtime.hostStorage(values instanceof Float32Array ? values : Float32Array.from(values)), shape, dtype);
  }

  /** The values on the host (read back from the device once, then cached); Int32Array for int32. @param x - a tensor of this backend */
  read(x: Tensor): TypedArray {
    const storage = this.storageOf(x);
    if (x.dtype === 'int32') {
      storage.ints ??= new Int32Array(this.runtime.hostValues(storage));
      return storage.ints;
    }
    return this.runtime.hostValues(storage);
  }

  /** Deletes the tensor's texture now (unless a reshape of it still holds the values). @param x - a tensor of this backend */
  dispose(x: Tensor): void {
    // Tensor.dispose marks the tensor disposed before calling here, so storageOf would refuse it.
    if (x.backend === this) this.runtime.drop(x.storage as Storage, x);
  }

  // ------------------------------------------------------------------ creation and casts

  fill(shape: Shape, value: number, dtype: DType): Tensor {
    checkDType(dtype);
    const v = dtype === 'int32' ? toInt32(value) : value;
    const size = sizeOf(shape);
    // GPU.js cannot pass infinities or NaN into WebGL reliably; such fills start on the host.
    if (!Number.isFinite(v)) return this.make(this.runtime.hostStorage(new Float32Array(size).fill(v)), shape, dtype);
    return this.make(this.runtime.run(FILL_SPEC, size, [], [v]), shape, dtype);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    checkDType(dtype);
    // int32 values are already exact floats on the device: the float32 tensor shares them.
    if (dtype !== 'int32' || x.dtype === 'int32') return this.share(x, x.shape, dtype);
    return this.elementwise('trunc', truncateFormula, x.shape, [x], dtype);
  }

  // ------------------------------------------------------------------ elementwise

  unary(op: UnaryOp, x: Tensor, outDtype: DType): Tensor {
    return this.elementwise(op, unaryFormula(op), x.shape, [x], outDtype);
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    const intResult = op === 'pow' && outDtype === 'int32';
    return this.elementwise(intResult ? 'powInt' : op, binaryFormula(op, intResult), outShape, [a, b], outDtype);
  }

  /** Composed from maximum and minimum against one-element fills (which also carry infinite bounds). */
  clip(x: Tensor, low: number, high: number): Tensor {
    const lowT = this.fill([], low, x.dtype);
    const highT = this.fill([], high, x.dtype);
    const raised = this.binary('maximum', x, lowT, x.shape, x.dtype);
    const result = this.binary('minimum', raised, highT, x.shape, x.dtype);
    for (const t of [lowT, highT, raised]) t.dispose();
    return result;
  }

  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, outDtype: DType): Tensor {
    return this.elementwise('where', whereFormula, outShape, [cond, a, b], outDtype);
  }

  // ------------------------------------------------------------------ reductions

  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outDtype: DType): Tensor {
    checkDType(outDtype);
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const R = extent(axes.map((a) => x.shape[a]!));
    if (sizeOf(outShape) === 0) return this.make(this.empty(), outShape, outDtype);
    if (R === 0) return this.fill(outShape, PRIMITIVES[op].identity, outDtype);
    // One element per output (only extent-1 axes reduced): every reduction of one value is itself.
    if (R === 1) return this.share(x, outShape, outDtype);
    const layout = reductionLayout(x.shape, axes);
    const input = this.storageOf(x);
    if (op !== 'logSumExp') return this.make(this.reduceAll(input, layout, op, 'value', 'none'), outShape, outDtype);
    const shift = this.reduceAll(input, layout, 'max', 'value', 'none');
    const result = this.reduceAll(input, layout, 'sum', 'expShifted', 'logShifted', shift);
    this.runtime.release(shift);
    return this.make(result, outShape, outDtype);
  }

  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
    const outShape = x.shape.filter((_, i) => i !== axis);
    if (sizeOf(outShape) === 0) return this.make(this.empty(), outShape, 'int32');
    if (x.shape[axis]! === 1) return this.fill(outShape, 0, 'int32');
    const layout = reductionLayout(x.shape, [axis]);
    const input = this.storageOf(x);
    // The extreme first, then the smallest position holding it.
    const extreme = this.reduceAll(input, layout, op === 'argmax' ? 'max' : 'min', 'value', 'none');
    const result = this.reduceAll(input, layout, 'min', 'indexOfExtreme', 'none', extreme);
    this.runtime.release(extreme);
    return this.make(result, outShape, 'int32');
  }

  softmax(x: Tensor, axis: number): Tensor {
    return this.softmaxAlong(x, axis, false);
  }

  logSoftmax(x: Tensor, axis: number): Tensor {
    return this.softmaxAlong(x, axis, true);
  }

  // ------------------------------------------------------------------ layout

  /**
   * Shares the values: storage is contiguous and row-major, so only the shape changes.
   * @param x - a tensor of this backend
   * @param shape - the new shape (same number of elements)
   */
  reshape(x: Tensor, shape: Shape): Tensor {
    return this.share(x, shape, x.dtype);
  }

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const strides = rowMajorStrides(x.shape);
    return this.copy(x, perm.map((a) => x.shape[a]!), perm.map((a) => strides[a]!), 0);
  }

  broadcastTo(x: Tensor, shape: Shape): Tensor {
    return this.copy(x, shape, broadcastStrides(x.shape, shape), 0);
  }

  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
    const strides = rowMajorStrides(x.shape);
    const base = begin.reduce((sum, b, k) => sum + b * strides[k]!, 0);
    return this.copy(x, size, strides, base);
  }

  concat(xs: readonly Tensor[], axis: number, outShape: Shape): Tensor {
    const dtype = xs[0]!.dtype;
    const [P, , Q] = aroundAxis(outShape, axis);
    const parts = xs.filter((x) => x.size > 0);
    if (sizeOf(outShape) === 0 || parts.length === 0) return this.make(this.empty(), outShape, dtype);
    // The other parts are empty along the axis, so this one already has the output's shape.
    if (parts.length === 1) return this.share(parts[0]!, outShape, dtype);
    const joined = this.concatParts(parts.map((x) => ({ storage: this.storageOf(x), extent: x.shape[axis]! })), P, Q);
    return this.make(joined, outShape, dtype);
  }

  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number): Tensor {
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const v = x.dtype === 'int32' ? toInt32(value) : value;
    if (x.size === 0) return this.fill(outShape, v, x.dtype);
    if (!Number.isFinite(v)) {
      // Infinite padding (max-pooling borders) cannot be a WebGL uniform: pad with 0, then choose.
      const ones = this.fill(x.shape, 1, x.dtype);
      const inside = this.pad(ones, paddings, 0);
      const padded = this.pad(x, paddings, 0);
      const outside = this.fill(outShape, v, x.dtype);
      const result = this.where(inside, padded, outside, outShape, x.dtype);
      for (const t of [ones, inside, padded, outside]) t.dispose();
      return result;
    }
    return this.make(this.runtime.run(padSpec(x.shape, paddings), sizeOf(outShape), [this.storageOf(x)], [v]), outShape, x.dtype);
  }

  // ------------------------------------------------------------------ indexing

  gather(x: Tensor, indices: Tensor, axis: number): Tensor {
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const [P, A, Q] = aroundAxis(x.shape, axis);
    const spec = gatherSpec(P, A, indices.size, Q);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([x, indices])), outShape, x.dtype);
  }

  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    if (updates.size === 0) return this.fill(outShape, 0, updates.dtype);
    const [P, A, Q] = aroundAxis(outShape, axis);
    const spec = scatterAddSpec(P, A, indices.size, Q);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([updates, indices])), outShape, updates.dtype);
  }

  takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
    const [P, A, Q] = aroundAxis(x.shape, axis);
    const spec = takeAlongAxisSpec(P, A, indices.shape[axis]!, Q);
    return this.make(this.runtime.run(spec, indices.size, this.inputs([x, indices])), indices.shape, x.dtype);
  }

  scatterAlongAxis(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Tensor {
    if (updates.size === 0) return this.fill(outShape, 0, updates.dtype);
    const [P, A, Q] = aroundAxis(outShape, axis);
    const spec = scatterAlongAxisSpec(P, A, indices.shape[axis]!, Q);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([updates, indices])), outShape, updates.dtype);
  }

  oneHot(indices: Tensor, depth: number, onValue: number, offValue: number, dtype: DType): Tensor {
    checkDType(dtype);
    const outShape = [...indices.shape, depth];
    const [on, off] = dtype === 'int32' ? [toInt32(onValue), toInt32(offValue)] : [onValue, offValue];
    if (!Number.isFinite(on) || !Number.isFinite(off)) {
      // Infinities cannot be WebGL uniforms: choose between two fills with a 0/1 one-hot mask.
      const mask = this.oneHot(indices, depth, 1, 0, dtype);
      const onFill = this.fill(outShape, on, dtype);
      const offFill = this.fill(outShape, off, dtype);
      const result = this.where(mask, onFill, offFill, outShape, dtype);
      for (const t of [mask, onFill, offFill]) t.dispose();
      return result;
    }
    const storage = this.runtime.run(oneHotSpec(depth), sizeOf(outShape), this.inputs([indices]), [on, off]);
    return this.make(storage, outShape, dtype);
  }

  // ------------------------------------------------------------------ matmul

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape, outDtype: DType): Tensor {
    checkDType(outDtype);
    const rank = outShape.length;
    const m = outShape[rank - 2]!;
    const n = outShape[rank - 1]!;
    const k = transposeA ? a.shape[rank - 2]! : a.shape[rank - 1]!;
    if (sizeOf(outShape) === 0) return this.make(this.empty(), outShape, outDtype);
    if (k === 0) return this.fill(outShape, 0, outDtype);
    const batchStrides = (t: Tensor): number[] => {
      const strides = rowMajorStrides(t.shape);
      return t.shape.slice(0, rank - 2).map((d, i) => (d === 1 ? 0 : strides[i]!));
    };
    const batch = mergeAxes(outShape.slice(0, rank - 2), [batchStrides(a), batchStrides(b)]);
    const spec = matmulSpec({
      batchDims: batch.shape,
      aBatchStrides: batch.strides[0]!,
      bBatchStrides: batch.strides[1]!,
      m, n, k,
      aRow: transposeA ? 1 : k,
      aDepth: transposeA ? m : 1,
      bDepth: transposeB ? 1 : n,
      bCol: transposeB ? k : 1,
    });
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([a, b])), outShape, outDtype);
  }

  // ------------------------------------------------------------------ sliding windows

  conv2d(x: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const spec = conv2dSpec(convLayout(x.shape, w.shape, outShape, params));
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([x, w])), outShape, x.dtype);
  }

  conv2dInputGrad(dy: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const spec = conv2dInputGradSpec(convLayout(outShape, w.shape, dy.shape, params));
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([dy, w])), outShape, dy.dtype);
  }

  /** Per-sample weight gradients, then their sum over the batch (a chunked reduction). */
  conv2dWeightGrad(x: Tensor, dy: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
    const n = x.shape[0]!;
    const perSampleShape = [n, ...outShape];
    const spec = conv2dWeightGradSpec(convLayout(x.shape, outShape, dy.shape, params));
    const perSample = this.make(this.runtime.run(spec, sizeOf(perSampleShape), this.inputs([x, dy])), perSampleShape, x.dtype);
    if (n === 1) return this.share(perSample, outShape, x.dtype);
    const total = this.reduce('sum', perSample, [0], x.dtype);
    perSample.dispose();
    return total;
  }

  maxPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const spec = maxPool2dSpec(poolLayout(x.shape, outShape, params), false);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([x])), outShape, x.dtype);
  }

  maxPool2dIndices(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const spec = maxPool2dSpec(poolLayout(x.shape, outShape, params), true);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([x])), outShape, 'int32');
  }

  avgPool2d(x: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const spec = avgPool2dSpec(poolLayout(x.shape, outShape, params));
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([x])), outShape, x.dtype);
  }

  avgPool2dGrad(dy: Tensor, params: Pool2dParams, outShape: Shape): Tensor {
    const spec = avgPool2dGradSpec(poolLayout(outShape, dy.shape, params));
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs([dy])), outShape, dy.dtype);
  }

  // ------------------------------------------------------------------ helpers

  private make(storage: Storage, shape: Shape, dtype: DType): Tensor {
    checkDType(dtype);
    const tensor = new Tensor(this, storage, shape, dtype);
    this.runtime.retain(storage, tensor);
    return tensor;
  }

  /** A new tensor over the same values (reshape, no-op casts). */
  private share(x: Tensor, shape: Shape, dtype: DType): Tensor {
    return this.make(this.storageOf(x), shape, dtype);
  }

  private storageOf(x: Tensor): Storage {
    if (x.backend !== this) {
      throw new Error(`gpujs backend: got a tensor of the ${x.backend.name} backend${x.backend.name === 'gpujs' ? ' in another mode' : ''}; ops move tensors to the current backend first`);
    }
    if (x.isDisposed) throw new Error('gpujs backend: this tensor was disposed and its values are gone');
    return x.storage as Storage;
  }

  /** The storages of kernel inputs. */
  private inputs(xs: readonly Tensor[]): Storage[] {
    return xs.map((x) => this.storageOf(x));
  }

  private elementwise(name: string, formula: Formula, outShape: Shape, xs: readonly Tensor[], outDtype: DType): Tensor {
    checkDType(outDtype);
    const operands: OperandLayout[] = xs.map((x) => ({ strides: broadcastStrides(x.shape, outShape), base: 0 }));
    const spec = elementwiseSpec(name, formula, outShape, operands);
    return this.make(this.runtime.run(spec, sizeOf(outShape), this.inputs(xs)), outShape, outDtype);
  }

  /** Reads `x` at `strides` from `base` into a new contiguous tensor of `shape`. */
  private copy(x: Tensor, shape: Shape, strides: readonly number[], base: number): Tensor {
    const spec = elementwiseSpec('copy', identityFormula, shape, [{ strides, base }]);
    return this.make(this.runtime.run(spec, sizeOf(shape), this.inputs([x])), shape, x.dtype);
  }

  /**
   * Runs a reduction as chunked passes (see ./gpujs/reduce.ts); returns storage of one value per
   * kept position. `shift` (one value per kept position) feeds shifted contributions and finishes.
   */
  private reduceAll(
    input: Storage, layout: ReductionInput, combine: Combine, contribution: Contribution, finish: Finish, shift?: Storage,
  ): Storage {
    const P = extent(layout.keptDims);
    const runPass = (pass: ReducePass, x: Storage): Storage => {
      const usesShift = pass.contribution !== 'value' || pass.finish !== 'none';
      return this.runtime.run(reducePassSpec(pass), P * pass.groups, usesShift ? [x, shift!] : [x]);
    };
    let { chunk, groups } = chunking(extent(layout.reducedDims));
    let result = runPass({ ...layout, chunk, groups, combine, contribution, finish: groups === 1 ? finish : 'none' }, input);
    while (groups > 1) {
      // The partial results form a [P, groups] tensor; reduce it the same way.
      const partial = result;
      const count = groups;
      ({ chunk, groups } = chunking(count));
      result = runPass({
        keptDims: P > 1 ? [P] : [], keptStrides: P > 1 ? [count] : [], reducedDims: [count], reducedStrides: [1],
        chunk, groups, combine, contribution: 'value', finish: groups === 1 ? finish : 'none',
      }, partial);
      this.runtime.release(partial);
    }
    return result;
  }

  private softmaxAlong(x: Tensor, axis: number, log: boolean): Tensor {
    if (x.size === 0) return this.share(x, x.shape, x.dtype);
    const layout = reductionLayout(x.shape, [axis]);
    const input = this.storageOf(x);
    const shift = this.reduceAll(input, layout, 'max', 'value', 'none');
    const total = this.reduceAll(input, layout, 'sum', 'expShifted', 'none', shift);
    const spec = softmaxSpec(...aroundAxis(x.shape, axis), log);
    const result = this.runtime.run(spec, x.size, this.inputs([x]).concat([shift, total]));
    this.runtime.release(shift);
    this.runtime.release(total);
    return this.make(result, x.shape, x.dtype);
  }

  /** Joins parts along the middle axis of [P, sum of extents, Q], at most MAX_CONCAT_INPUTS per kernel. */
  private concatParts(parts: readonly { storage: Storage; extent: number }[], P: number, Q: number): Storage {
    if (parts.length <= MAX_CONCAT_INPUTS) {
      const total = parts.reduce((s, p) => s + p.extent, 0);
      return this.runtime.run(concatSpec(P, parts.map((p) => p.extent), Q), P * total * Q, parts.map((p) => p.storage));
    }
    // More parts than a shader may read: join them in groups, then join the groups.
    const groups: { storage: Storage; extent: number; temporary: boolean }[] = [];
    for (let i = 0; i < parts.length; i += MAX_CONCAT_INPUTS) {
      const group = parts.slice(i, i + MAX_CONCAT_INPUTS);
      if (group.length === 1) groups.push({ ...group[0]!, temporary: false });
      else groups.push({ storage: this.concatParts(group, P, Q), extent: group.reduce((s, p) => s + p.extent, 0), temporary: true });
    }
    const joined = this.concatParts(groups, P, Q);
    for (const g of groups) if (g.temporary) this.runtime.release(g.storage);
    return joined;
  }

  /** Storage for a tensor with no elements. */
  private empty(): Storage {
    return this.runtime.hostStorage(new Float32Array(0));
  }
}

/** Refuses float64, which GPU.js cannot compute. */
function checkDType(dtype: DType): void {
  if (dtype === 'float64') {
    throw new TypeError(
      "gpujs backend supports float32 and int32; float64 needs the cpu backend (setBackend('cpu')): GPU.js computes in float32",
    );
  }
}

registerBackend('gpujs', (options: BackendOptions) => new GpuJsBackend(options));
