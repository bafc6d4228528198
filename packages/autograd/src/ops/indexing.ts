/**
 * The public indexing ops. Each primitive is its row of the derivatives table
 * (`src/derivatives.ts`: reading by index, and its adjoint writing back), documented here; the
 * indices are converted to a tensor once, here, so the rows and their rules share it.
 */
import * as T from '@lossgraph/tensor';
import type { DType, Shape, Tensor } from '@lossgraph/tensor';
import * as D from '../derivatives.js';
import { toVariable, unwrap, type Variable, type VariableLike } from '../variable.js';

/** Indices as a tensor (the tensor package checks their values in the forward call). */
function indexOperand(indices: VariableLike, argName: string): Tensor {
  return T.toTensor(unwrap(indices), argName, 'int32');
}

/**
 * TF-style gather: the slices of `x` along `axis` (default 0) at `indices` (any shape). Result
 * shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. The gradient scatter-adds g back,
 * so a slice gathered twice gets both contributions.
 * @param x - the input
 * @param indices - integer indices into `axis`, of any shape
 * @param axis - the axis to take from (default 0)
 *
 * @example
 * ```ts
 * gather(embeddings, [3, 1, 3]);   // rows 3, 1 and 3
 * ```
 */
export function gather(x: VariableLike, indices: VariableLike, axis = 0): Variable {
  const v = toVariable(x, 'x');
  return D.gather(v, indexOperand(indices, 'indices'), axis);
}

/**
 * The adjoint of {@link gather}: zeros of `shape` into which each slice of `updates` is added at
 * the position along `axis` that its index names (repeated indices accumulate). Differentiable in
 * `updates` (its gradient is a gather).
 * @param updates - the slices to add, shaped like the result of the matching {@link gather}
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 *
 * @example
 * ```ts
 * scatterAdd([1, 2, 3], [0, 0, 2], 0, [3]);   // [3, 0, 3]
 * ```
 */
export function scatterAdd(updates: VariableLike, indices: VariableLike, axis: number, shape: Shape): Variable {
  const v = toVariable(updates, 'updates');
  return D.scatterAdd(v, indexOperand(indices, 'indices'), axis, shape);
}

/**
 * NumPy take_along_axis (torch.gather): `out[..., j, ...] = x[..., indices[..., j, ...], ...]`
 * along `axis`; `indices` has x's rank and x's extents except on `axis`.
 * @param x - the input
 * @param indices - integer indices, of x's rank
 * @param axis - the axis to index along
 *
 * @example
 * ```ts
 * takeAlongAxis(x, tensor([[1], [0]], undefined, 'int32'), 1);
 * ```
 */
export function takeAlongAxis(x: VariableLike, indices: VariableLike, axis: number): Variable {
  const v = toVariable(x, 'x');
  return D.takeAlongAxis(v, indexOperand(indices, 'indices'), axis);
}

/**
 * The adjoint of {@link takeAlongAxis}: zeros of `shape` with `updates` added at the positions
 * `indices` names along `axis`. Differentiable in `updates` (its gradient is a takeAlongAxis).
 * @param updates - the values to add, of the shape of `indices`
 * @param indices - integer positions along `axis`
 * @param axis - the axis the indices address
 * @param shape - the shape of the result
 *
 * @example
 * ```ts
 * scatterAlongAxis([[5]], tensor([[1]], undefined, 'int32'), 1, [1, 3]);   // [[0, 5, 0]]
 * ```
 */
export function scatterAlongAxis(updates: VariableLike, indices: VariableLike, axis: number, shape: Shape): Variable {
  const v = toVariable(updates, 'updates');
  return D.scatterAlongAxis(v, indexOperand(indices, 'indices'), axis, shape);
}

/**
 * MXNet's pick: the element of `x` along `axis` (default -1) at `index`, where `index` has x's
 * shape without that axis (or with it as size 1). The gradient goes to the picked elements.
 *
 * @param x - the input, e.g. log-probabilities `[batch, classes]`
 * @param index - integer positions along `axis`, e.g. labels `[batch]`
 * @param axis - the axis to pick along (default -1)
 * @param keepDims - keep `axis` as size 1 (default false)
 *
 * @example
 * ```ts
 * pick(logSoftmax(logits), labels);   // the log-likelihood of each label
 * ```
 */
export function pick(x: VariableLike, index: VariableLike, axis = -1, keepDims = false): Variable {
  const v = toVariable(x, 'x');
  return D.pick(v, indexOperand(index, 'index'), axis, keepDims);
}

/**
 * One-hot rows of length `depth` for integer `indices`; out-of-range indices give rows of
 * `offValue`. A constant (no gradient).
 * @param indices - integer class indices
 * @param depth - the length of each one-hot row
 * @param onValue - the value at the index (default 1)
 * @param offValue - the value elsewhere (default 0)
 * @param dtype - the result's element type (default float32)
 *
 * @example
 * ```ts
 * oneHot([0, 2], 3);   // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(indices: VariableLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'float32'): Variable {
  return D.oneHot(indices, depth, onValue, offValue, dtype);
}

/**
 * Index (int32) of the first maximum along `axis` (of the flattened input when omitted). A constant.
 * @param x - the input
 * @param axis - the axis to search (default: the flattened input)
 * @param keepDims - keep the searched axis as size 1 (default false; only with `axis`)
 * @example
 * ```ts
 * argmax(logits, -1);
 * ```
 */
export function argmax(x: VariableLike, axis?: number, keepDims = false): Variable {
  return D.argmax(x, axis, keepDims);
}

/**
 * Index (int32) of the first minimum along `axis` (of the flattened input when omitted). A constant.
 * @param x - the input
 * @param axis - the axis to search (default: the flattened input)
 * @param keepDims - keep the searched axis as size 1 (default false; only with `axis`)
 * @example
 * ```ts
 * argmin(distances, 1);
 * ```
 */
export function argmin(x: VariableLike, axis?: number, keepDims = false): Variable {
  return D.argmin(x, axis, keepDims);
}
