import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { Tensor, type DType, type NestedArray } from '@lossgraph/tensor';
import { Variable } from '../variable.js';

/**
 * A plain, JSON-friendly digest of a tensor: what graph inspection shows for a value or a
 * gradient. Statistics cover every element; `NaN` or an infinity in the data shows up in them
 * (and is counted in `nonFinite`) rather than being skipped, because that is usually what a
 * reader is looking for.
 *
 * @example
 * ```ts
 * const s: TensorSummary = summarize(tensor([1, 2, 3]));
 * s.mean;     // 2
 * s.values;   // [1, 2, 3]
 * ```
 */
export interface TensorSummary {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The tensor's dtype. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Smallest element (null for an empty tensor). */
  readonly min: number | null;
  /** Largest element (null for an empty tensor). */
  readonly max: number | null;
  /** Mean of the elements (null for an empty tensor). */
  readonly mean: number | null;
  /** How many elements are NaN or infinite. */
  readonly nonFinite: number;
  /** The first few elements in row-major order. */
  readonly head: readonly number[];
  /** Every element, nested by shape, when the tensor is small enough (see {@link SummaryOptions}); null otherwise. */
  readonly values: NestedArray | null;
}

/**
 * Zod schema of {@link SummaryOptions}: their names, types and defaults; unknown names are refused.
 *
 * @example
 * ```ts
 * summaryOptionsSchema.parse({});   // { headLength: 6, maxValues: 16 }
 * ```
 */
export const summaryOptionsSchema = z.strictObject({
  /** How many leading elements `head` keeps. Default 6. */
  headLength: z._default(z.number().check(z.int(), z.nonnegative()), 6),
  /** Tensors with at most this many elements keep all of them in `values`. Default 16. */
  maxValues: z._default(z.number().check(z.int(), z.nonnegative()), 16),
});

/**
 * Options of {@link summarize} (and of the summaries in graphOf and backwardTrace): `headLength`,
 * `maxValues`.
 *
 * @example
 * ```ts
 * summarize(randn([100]), { headLength: 3, maxValues: 8 } satisfies SummaryOptions).head.length;   // 3
 * ```
 */
export type SummaryOptions = z.input<typeof summaryOptionsSchema>;

/** Validates summary options once, at the API boundary of whoever takes them. @internal */
export function readSummaryOptions(options: SummaryOptions | undefined, caller: string): Required<SummaryOptions> {
  return T.parseOptions(caller, summaryOptionsSchema, options ?? {});
}

/**
 * Summarises a tensor (or a Variable's value): shape, dtype, min/max/mean, the first few values
 * and, for a small tensor, all of them. The result is a fresh plain object with plain arrays, so
 * it can be frozen, stored in immer state or passed to `JSON.stringify`.
 *
 * @param x - the tensor or Variable to describe
 * @param options - `headLength` (default 6) and `maxValues` (default 16)
 * @returns the summary
 * @throws TypeError when `x` is not a Tensor or a Variable, or for bad options
 *
 * @example
 * ```ts
 * summarize(tensor([1, 2, 3]));
 * // { shape: [3], dtype: 'float32', size: 3, min: 1, max: 3, mean: 2, nonFinite: 0, head: [1, 2, 3], values: [1, 2, 3] }
 * ```
 */
export function summarize(x: Tensor | Variable, options?: SummaryOptions): TensorSummary {
  if (!(x instanceof Tensor) && !(x instanceof Variable)) throw new TypeError(`summarize: x must be a Tensor or a Variable, got ${describeValue(x)}`);
  const { headLength, maxValues } = readSummaryOptions(options, 'summarize');
  return summarizeTensor(x instanceof Variable ? x.value : x, headLength, maxValues);
}

/** The body of {@link summarize}, for callers that validated their options already. @internal */
export function summarizeTensor(t: Tensor, headLength: number, maxValues: number): TensorSummary {
  const data = t.backend.read(t);
  const n = data.length;
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  let nonFinite = 0;
  let sawNaN = false;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) sawNaN = true;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!Number.isFinite(v)) nonFinite++;
    total += v;
  }
  const empty = n === 0;
  return {
    shape: [...t.shape],
    dtype: t.dtype,
    size: n,
    min: empty ? null : sawNaN ? NaN : min,
    max: empty ? null : sawNaN ? NaN : max,
    mean: empty ? null : total / n,
    nonFinite,
    head: Array.from(data.subarray(0, Math.min(headLength, n))),
    values: n <= maxValues ? t.toArray() : null,
  };
}

/** A short description of an unexpected argument, for error messages. @internal */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an instance of ${(x as object).constructor?.name ?? 'Object'}`;
  return typeof x;
}
