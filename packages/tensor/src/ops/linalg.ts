/** Linear algebra: the batched matrix product. */
import { promoteTypes } from '../dtype.js';
import { getBackend } from '../registry.js';
import { broadcastShapes, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from '../creation.js';

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (a) or column (b) and
 * the added axis removed afterwards; leading batch axes broadcast.
 * @param a - the left operand
 * @param b - the right operand
 * @param transposeA - use the transpose of `a`'s last two axes (default false)
 * @param transposeB - use the transpose of `b`'s last two axes (default false)
 * @example
 * ```ts
 * matmul(tensor([[1, 2]]), tensor([[3], [4]]))  // [[11]]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  let ta = toTensor(a, 'a');
  let tb = toTensor(b, 'b');
  if (ta.rank === 0 || tb.rank === 0) throw new RangeError(`matmul: operands must have rank >= 1, got shapes ${formatShape(ta.shape)} and ${formatShape(tb.shape)}`);
  const aVector = ta.rank === 1;
  const bVector = tb.rank === 1;
  const backend = getBackend();
  if (aVector) ta = backend.reshape(ta, [1, ta.shape[0]!]);
  if (bVector) tb = backend.reshape(tb, [tb.shape[0]!, 1]);
  const [m, k] = transposeA ? [ta.shape[ta.rank - 1]!, ta.shape[ta.rank - 2]!] : [ta.shape[ta.rank - 2]!, ta.shape[ta.rank - 1]!];
  const [k2, n] = transposeB ? [tb.shape[tb.rank - 1]!, tb.shape[tb.rank - 2]!] : [tb.shape[tb.rank - 2]!, tb.shape[tb.rank - 1]!];
  if (k !== k2) {
    throw new RangeError(`matmul: inner dimensions differ: a ${formatShape(ta.shape)}${transposeA ? ' (transposed)' : ''} has ${k} columns, b ${formatShape(tb.shape)}${transposeB ? ' (transposed)' : ''} has ${k2} rows`);
  }
  const batch = broadcastShapes(ta.shape.slice(0, -2), tb.shape.slice(0, -2), 'matmul batch axes');
  const rank = batch.length + 2;
  if (ta.rank < rank) ta = backend.reshape(ta, [...new Array<number>(rank - ta.rank).fill(1), ...ta.shape]);
  if (tb.rank < rank) tb = backend.reshape(tb, [...new Array<number>(rank - tb.rank).fill(1), ...tb.shape]);
  let outDtype = promoteTypes(ta.dtype, tb.dtype);
  if (ta.dtype !== outDtype) ta = backend.cast(ta, outDtype);
  if (tb.dtype !== outDtype) tb = backend.cast(tb, outDtype);
  const out = backend.matmul(ta, tb, transposeA, transposeB, [...batch, m, n], outDtype);
  if (!aVector && !bVector) return out;
  const finalShape = [...batch, ...(aVector ? [] : [m]), ...(bVector ? [] : [n])];
  return backend.reshape(out, finalShape);
}
