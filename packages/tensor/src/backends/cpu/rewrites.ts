/**
 * Named rewrites of the cpu backend: patterns that the layers above produce on every training
 * step, caught here and computed in fewer passes, with results bit-identical to the ops they
 * replace (a rewrite that cannot guarantee that declines, and the ops run as written).
 *
 * `sparseRowGradient`: the gradient of a `pick` of a log-softmax. Autograd's rule for `pick` (its
 * entry in packages/autograd's derivatives table) sends
 * `scatterAlongAxis(reshape(g, keptShape), indices, axis, x.shape)`: one value per row along the
 * last axis, zeros everywhere else. When x is `logSoftmax(pred, -1)`, as in SoftmaxCrossEntropyLoss
 * with sparse labels (`-pick(logSoftmax(pred), label)`), logSoftmax's rule consumes that as
 * `logSoftmaxGrad(g, y, -1)`. The scatter is kept as a {@link RowScatter} (the values and their
 * positions) until something needs the dense array, and logSoftmaxGrad of it is
 * `0 - exp(y) · g` per row (its row sum is g) plus g at each value's position: no dense zeros to
 * fill, read and sum. packages/loss/test/sparse-row-gradient.test.ts fails if autograd's rules stop
 * producing this pattern (the rewrite would then silently stop firing).
 *
 * @internal
 */
import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';
import { evaluateFused, fuse, fuseRepeat, fusionActive, type FusedOperand } from './fusion.js';
import { scatterAlongAxisKernel } from './indexing.js';
import { newArray, scratchEpoch } from './memory.js';
import { trackDeferredReader, wasHandedOut, type DeferredReader } from './deferred-readers.js';
import type { TypedArray } from '../../dtype.js';
import { logSoftmaxGradRowInFloat32, WASM_ELEMENTWISE_MIN } from './wasm-elementwise.js';

/** The rewrites of this module. */
export type CpuRewrite = 'sparseRowGradient';

const fired: Record<CpuRewrite, number> = { sparseRowGradient: 0 };

/**
 * How many times each rewrite of the cpu backend has fired since the program started: tests use
 * it to check that the pattern a rewrite waits for still arrives.
 *
 * @returns a copy of the counts, by rewrite
 * @example
 * ```ts
 * const before = cpuRewriteCounts().sparseRowGradient;
 * // ... a SoftmaxCrossEntropyLoss backward pass with sparse labels on [N, C] float32 logits
 * cpuRewriteCounts().sparseRowGradient - before;   // 1
 * ```
 */
export function cpuRewriteCounts(): Readonly<Record<CpuRewrite, number>> {
  return { ...fired };
}

/**
 * The result of scattering one float32 value per row into zeros along the last axis, kept sparse
 * until something needs the dense array (which {@link RowScatter.materialise} makes once).
 */
export class RowScatter implements DeferredReader {
  /** The dense array, once made. */
  dense: Float32Array | null = null;
  /** The scratch scope it was made in (see memory.ts): its dense array belongs to that scope. */
  readonly epoch = scratchEpoch();

  constructor(
    /** One value per row. */
    readonly updates: Float32Array,
    /** Its position in the row. */
    readonly indices: Int32Array,
    /** Shape of the indices: the output's with the last axis 1. */
    readonly indexShape: Shape,
    /** Shape of the dense result. */
    readonly outShape: Shape,
  ) {
    trackDeferredReader(this);
  }

  /** True once the dense array is made. */
  get isSettled(): boolean {
    return this.dense !== null;
  }

  /** Whether `values` holds its values or positions (until the dense array is made). @param values - an array */
  readsArray(values: TypedArray): boolean {
    return this.dense === null && (values === this.updates || values === this.indices);
  }

  /** Makes the dense array now. */
  settle(): void {
    this.materialise();
  }

  /** The dense array (made once). */
  materialise(): Float32Array {
    if (this.dense === null) {
      const out = newArray('float32', sizeOf(this.outShape), true, this.epoch) as Float32Array;
      scatterAlongAxisKernel(this.updates, this.indices, this.indexShape, this.outShape.length - 1, this.outShape, out);
      this.dense = out;
    }
    return this.dense;
  }
}

/**
 * `scatterAlongAxis(updates, indices, axis, outShape)` kept sparse, when it has the shape of
 * sparseRowGradient's pattern (float32, the last axis, one index per row) and is large enough for
 * the fused log-softmax gradient to pay; null otherwise (the dense kernel runs).
 *
 * @param updates - the values, one per row
 * @param indices - their positions, of `indexShape`
 * @param indexShape - the shape of the indices
 * @param axis - the scattered axis
 * @param outShape - the shape of the result
 * @returns the sparse scatter, or null
 * @example
 * ```ts
 * const sparse = sparseRowScatter(values, positions, [64, 1], 1, [64, 1000]);
 * ```
 */
export function sparseRowScatter(updates: Float32Array, indices: Int32Array, indexShape: Shape, axis: number, outShape: Shape): RowScatter | null {
  const last = outShape.length - 1;
  if (axis !== last || indexShape[last] !== 1 || sizeOf(outShape) < WASM_ELEMENTWISE_MIN || !fusionActive()) return null;
  if (wasHandedOut(updates) || wasHandedOut(indices)) return null;
  return new RowScatter(updates, indices, indexShape, outShape);
}

/**
 * `logSoftmaxGrad(dy, y, axis)` for a sparse `dy` not yet made dense and the last axis:
 * `0 - exp(y) · g` per row (one fused pass over y) plus g at each value's position. Bit-identical
 * to the dense kernel's float32 path; rows the dense kernel would take in double (|g| beyond
 * 2^±100, or not finite) decline (null), as does any other axis.
 *
 * @param dy - the sparse incoming gradient
 * @param y - the log-softmax output as a fusion operand (float32, dy's shape)
 * @param axis - the normalised axis
 * @returns the gradient, or null when the dense kernel must run
 * @example
 * ```ts
 * const out = logSoftmaxGradOfRowScatter(dy.storage as RowScatter, operandOf(y), 1);
 * ```
 */
export function logSoftmaxGradOfRowScatter(dy: RowScatter, y: FusedOperand, axis: number): Float32Array | null {
  const shape = dy.outShape;
  if (dy.dense !== null || axis !== shape.length - 1) return null;
  const g = dy.updates;
  for (let r = 0; r < g.length; r++) if (!logSoftmaxGradRowInFloat32(g[r]!)) return null;
  const rowLength = shape[axis]!;
  const size = sizeOf(shape);
  const weights = fuse('exp', [y], size);
  const spread = fuseRepeat(g, rowLength);
  const product = weights && spread && fuse('mul', [weights, spread], size);
  const negated = product && fuse('sub', [0, product], size);
  if (!negated) return null;
  const out = evaluateFused(negated);
  const index = dy.indices;
  for (let r = 0; r < g.length; r++) {
    const k = r * rowLength + index[r]!;
    out[k] = g[r]! + out[k]!;
  }
  fired.sparseRowGradient++;
  return out;
}
