/** The memory API: scratch scopes, in which a backend may recycle the arrays of temporaries. */
import { getBackend } from '../registry.js';
import type { Tensor } from '../tensor.js';

/**
 * Runs `fn` as a scratch scope of the current backend: every tensor the backend makes meanwhile
 * is treated as a temporary whose memory may be reused by later ops, except the tensors
 * `keep(result)` lists (and views sharing their storage). The autograd engine runs each backward
 * pass this way; the caller promises that nothing else made inside `fn` is used afterwards.
 * Backends without the hooks just run `fn`. If `fn` throws, nothing is reused.
 *
 * @param fn - the computation
 * @param keep - the tensors of the result that live on
 * @returns what `fn` returns
 * @example
 * ```ts
 * const y = withScratch(() => add(mul(x, 2), 1), (r) => [r]);   // the product's memory is recycled
 * ```
 */
export function withScratch<R>(fn: () => R, keep: (result: R) => readonly Tensor[]): R {
  const backend = getBackend();
  if (backend.beginScratch === undefined || backend.endScratch === undefined) return fn();
  backend.beginScratch();
  let kept: readonly Tensor[] | null = null;
  try {
    const result = fn();
    kept = keep(result);
    return result;
  } finally {
    backend.endScratch(kept);
  }
}
