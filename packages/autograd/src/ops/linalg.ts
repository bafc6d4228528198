/**
 * The public matrix product: its row in the derivatives table (`src/derivatives.ts`) has the
 * gradient; here are its argument checks and defaults.
 */
import * as D from '../derivatives.js';
import type { Variable, VariableLike } from '../variable.js';

/**
 * Matrix product with NumPy semantics: 1-D operands act as a row (a) or a column (b) and the added
 * axis is dropped from the result; leading batch axes broadcast. `transposeA`/`transposeB` use
 * the transpose of the last two axes of an operand without copying it.
 *
 * @param a - `[..., m, k]` (or `[..., k, m]` with transposeA)
 * @param b - `[..., k, n]` (or `[..., n, k]` with transposeB)
 * @param transposeA - use the transpose of `a`'s last two axes (default false)
 * @param transposeB - use the transpose of `b`'s last two axes (default false)
 *
 * @example
 * ```ts
 * matmul(x, w);                // [batch, in] x [in, out]
 * matmul(x, w, false, true);   // x · wᵀ
 * ```
 */
export function matmul(a: VariableLike, b: VariableLike, transposeA = false, transposeB = false): Variable {
  if (typeof transposeA !== 'boolean') throw new TypeError(`matmul: transposeA must be a boolean, got ${JSON.stringify(transposeA)}`);
  if (typeof transposeB !== 'boolean') throw new TypeError(`matmul: transposeB must be a boolean, got ${JSON.stringify(transposeB)}`);
  return D.matmul(a, b, transposeA, transposeB);
}
