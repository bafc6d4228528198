/**
 * The indexing ops: gather and scatterAdd, takeAlongAxis and scatterAlongAxis, pick and oneHot.
 * Indices are checked to be integers in range, where reading them is free, before any work.
 */
import { assertDType, type DType } from '../dtype.js';
import { getBackend } from '../registry.js';
import { assertShape, formatShape, normalizeAxis, reducedShape, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from '../creation.js';

/**
 * The largest value of each int32 index tensor already checked to hold no negative index. Tensors
 * are immutable, so a gather and its adjoint's scatter (or every step of a recurrence reusing one
 * index tensor) check the same indices once, then compare one number with the bound.
 */
const checkedIndexMax = new WeakMap<Tensor, number>();

/** Converts indices to int32, checking integrality and range when reading them is free. */
function indexTensor(indices: TensorLike, argName: string, bound: number, opName: string): Tensor {
  let t = toTensor(indices, argName, 'int32');
  const backend = getBackend();
  const knownMax = t.dtype === 'int32' ? checkedIndexMax.get(t) : undefined;
  if (knownMax !== undefined && knownMax < bound) return t;
  if (backend.readIsFree || !(indices instanceof Tensor)) {
    const values = backend.read(t);
    let max = -1;
    if (values instanceof Int32Array) {
      // Int32 values are integers: only the range needs checking, and one min/max pass (no
      // per-element branch to the error) costs a fraction of the general loop below. CTC builds
      // fresh index tensors of ~10^5 entries on every call, so this check ran on all of them.
      let min = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        min = v < min ? v : min;
        max = v > max ? v : max;
      }
      if (min >= 0 && max < bound) {
        checkedIndexMax.set(t, max);
        return t;
      }
      max = -1;
    }
    // The general check; for int32 input it only runs to name the first index out of range.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= bound) {
        throw new RangeError(`${opName}: ${argName} must hold integers in [0, ${bound}), found ${v} at flat position ${i}`);
      }
      if (v > max) max = v;
    }
    if (t.dtype === 'int32') checkedIndexMax.set(t, max);
  }
  if (t.dtype !== 'int32') t = backend.cast(t, 'int32');
  return t;
}

/**
 * TF-style gather: takes the slices of `x` along `axis` at `indices` (any shape).
 * Result shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * @param x - the input
 * @param indices - integer indices into `axis`, of any shape
 * @param axis - the axis to take from (default 0)
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4]]), [1, 1, 0])  // [[3, 4], [3, 4], [1, 2]]
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  return getBackend().gather(t, indexTensor(indices, 'indices', t.shape[a]!, 'gather'), a);
}

/**
 * The adjoint of {@link gather}: adds each slice of `updates` into a zero tensor of `shape` at
 * the position along `axis` that its index names (repeated indices accumulate).
 * @param updates - the slices to add, shaped like the result of the matching {@link gather}
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 * @example
 * ```ts
 * scatterAdd(tensor([1, 2, 3]), [0, 0, 2], 0, [3])  // [3, 0, 3]
 * ```
 */
export function scatterAdd(updates: TensorLike, indices: TensorLike, axis: number, shape: Shape): Tensor {
  const u = toTensor(updates, 'updates');
  const out = assertShape(shape, 'scatterAdd: shape');
  const a = normalizeAxis(axis, out.length, 'axis');
  const idx = indexTensor(indices, 'indices', out[a]!, 'scatterAdd');
  const expected = [...out.slice(0, a), ...idx.shape, ...out.slice(a + 1)];
  if (!shapesEqual(u.shape, expected)) {
    throw new RangeError(`scatterAdd: updates has shape ${formatShape(u.shape)} but indices ${formatShape(idx.shape)} into shape ${formatShape(out)} along axis ${a} need ${formatShape(expected)}`);
  }
  return getBackend().scatterAdd(u, idx, a, out);
}

function checkAlongAxis(x: Shape, idx: Shape, a: number, opName: string, xName: string): void {
  if (idx.length !== x.length || idx.some((d, i) => i !== a && d !== x[i])) {
    throw new RangeError(`${opName}: indices shape ${formatShape(idx)} must match ${xName} shape ${formatShape(x)} on every axis except ${a}`);
  }
}

/**
 * NumPy `take_along_axis` (torch.gather): `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis`.
 * @param x - the input
 * @param indices - integer indices, of x's rank
 * @param axis - the axis to index along
 * @example
 * ```ts
 * takeAlongAxis(tensor([[1, 2], [3, 4]]), tensor([[1], [0]], undefined, 'int32'), 1)  // [[2], [3]]
 * ```
 */
export function takeAlongAxis(x: TensorLike, indices: TensorLike, axis: number): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  const idx = indexTensor(indices, 'indices', t.shape[a]!, 'takeAlongAxis');
  checkAlongAxis(t.shape, idx.shape, a, 'takeAlongAxis', 'x');
  return getBackend().takeAlongAxis(t, idx, a);
}

/**
 * The adjoint of {@link takeAlongAxis}: zeros of `shape` with `updates` added at the positions
 * `indices` names along `axis` (repeated indices accumulate).
 * @param updates - the values to add, of the shape of `indices`
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 * @example
 * ```ts
 * scatterAlongAxis(tensor([[5]]), tensor([[1]], undefined, 'int32'), 1, [1, 3])  // [[0, 5, 0]]
 * ```
 */
export function scatterAlongAxis(updates: TensorLike, indices: TensorLike, axis: number, shape: Shape): Tensor {
  const u = toTensor(updates, 'updates');
  const out = assertShape(shape, 'scatterAlongAxis: shape');
  const a = normalizeAxis(axis, out.length, 'axis');
  const idx = indexTensor(indices, 'indices', out[a]!, 'scatterAlongAxis');
  checkAlongAxis(out, idx.shape, a, 'scatterAlongAxis', 'output');
  if (!shapesEqual(u.shape, idx.shape)) throw new RangeError(`scatterAlongAxis: updates shape ${formatShape(u.shape)} must equal indices shape ${formatShape(idx.shape)}`);
  return getBackend().scatterAlongAxis(u, idx, a, out);
}

/**
 * MXNet's pick: the element of `x` along `axis` at `index`, where `index` has x's shape without
 * that axis (or with it as size 1). Unlike MXNet, an out-of-range index is an error, not clipped.
 * @param x - the input
 * @param index - the indices to pick, with x's shape less `axis`
 * @param axis - the axis to pick along (default -1)
 * @param keepDims - keep the picked axis as size 1 (default false)
 * @example
 * ```ts
 * pick(tensor([[1, 2], [3, 4]]), [1, 0])  // [2, 3]
 * ```
 */
export function pick(x: TensorLike, index: TensorLike, axis = -1, keepDims = false): Tensor {
  const t = toTensor(x, 'x');
  const a = normalizeAxis(axis, t.rank, 'axis');
  let idx = toTensor(index, 'index', 'int32');
  const without = t.shape.filter((_, i) => i !== a);
  const withOne = reducedShape(t.shape, [a], true);
  if (shapesEqual(idx.shape, without)) idx = getBackend().reshape(idx, withOne);
  else if (!shapesEqual(idx.shape, withOne)) {
    throw new RangeError(`pick: index shape ${formatShape(idx.shape)} must be x shape ${formatShape(t.shape)} without axis ${a} (${formatShape(without)})`);
  }
  const picked = getBackend().takeAlongAxis(t, indexTensor(idx, 'index', t.shape[a]!, 'pick'), a);
  return keepDims ? picked : getBackend().reshape(picked, without);
}

/**
 * One-hot rows of length `depth` for integer `indices`; out-of-range indices give rows of `offValue`.
 * @param indices - integer class indices
 * @param depth - the length of each one-hot row
 * @param onValue - the value at the index (default 1)
 * @param offValue - the value elsewhere (default 0)
 * @param dtype - the result's element type (default float32)
 * @example
 * ```ts
 * oneHot([0, 2], 3)  // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`oneHot: depth must be a non-negative integer, got ${String(depth)}`);
  let t = toTensor(indices, 'indices', 'int32');
  if (t.dtype !== 'int32') t = getBackend().cast(t, 'int32');
  return getBackend().oneHot(t, depth, onValue, offValue, assertDType(dtype));
}
