/**
 * Matrix product and its derivative. For C = op(A)·op(B), where op transposes an operand when
 * asked: dA = g·op(B)ᵀ and dB = op(A)ᵀ·g, transposed back when the operand was transposed.
 * Broadcast batch axes are summed back, and 1-D operands are viewed as the row (a) or column (b)
 * the forward pass made of them.
 */
import * as T from '@lossgraph/tensor';
import type { Shape } from '@lossgraph/tensor';
import { isGradEnabled } from '../mode.js';
import { constantOf, defineOp, recordOp, toVariable, Variable, type VariableLike } from '../variable.js';
import { unwrap } from './elementwise.js';
import { sumTo } from './reduce.js';
import { reshape } from './shape.js';

/**
 * Attributes of a recorded matmul.
 *
 * @example
 * ```ts
 * const y = matmul(variable(ones([2, 3])), variable(ones([2, 3])), false, true);
 * (y.node!.attrs as MatmulAttrs).transposeB;   // true
 * ```
 */
export interface MatmulAttrs {
  /** Whether the last two axes of `a` were swapped. */
  readonly transposeA: boolean;
  /** Whether the last two axes of `b` were swapped. */
  readonly transposeB: boolean;
}

/** The product's shape before 1-D operands' added axes were dropped. */
function fullProductShape(a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): number[] {
  const batch = T.broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul batch axes');
  const m = transposeA ? a[a.length - 1]! : a[a.length - 2]!;
  const n = transposeB ? b[b.length - 2]! : b[b.length - 1]!;
  return [...batch, m, n];
}

const MATMUL = defineOp<MatmulAttrs>('matmul', (g, node, _y, i) => {
  const a = node.inputs[0]!;
  const b = node.inputs[1]!;
  const { transposeA, transposeB } = node.attrs;
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const g2 = a.rank === 1 || b.rank === 1 ? reshape(g, fullProductShape(a2.shape, b2.shape, transposeA, transposeB)) : g;
  if (i === 0) {
    // dA = g·op(B)ᵀ, or its transpose op(B)·gᵀ when A was transposed.
    const dA = transposeA ? matmul(b2, g2, transposeB, true) : matmul(g2, b2, false, !transposeB);
    return reshape(sumTo(dA, a2.shape), a.shape);
  }
  // dB = op(A)ᵀ·g, or its transpose gᵀ·op(A) when B was transposed.
  const dB = transposeB ? matmul(g2, a2, true, transposeA) : matmul(a2, g2, !transposeA, false);
  return reshape(sumTo(dB, b2.shape), b.shape);
});

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
  const ta = unwrap(a);
  const tb = unwrap(b);
  const out = T.matmul(ta, tb, transposeA, transposeB);
  const recorded = isGradEnabled() && ((a instanceof Variable && a.requiresGrad) || (b instanceof Variable && b.requiresGrad));
  if (!recorded) return constantOf(out);
  return recordOp(MATMUL, [toVariable(a, 'a'), toVariable(b, 'b')], out, { transposeA, transposeB });
}
