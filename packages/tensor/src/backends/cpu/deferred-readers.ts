/**
 * Deferred storage (fused expressions, sparse scatters) against writes through `dataNoCopy`. A
 * deferred tensor reads its operands' arrays when it is evaluated, not when it is made; an array
 * the user obtained with `dataNoCopy` may be written at any time, so a deferred value reading it
 * would change after the fact (with fusion off it would not: each op runs at once). Two rules keep
 * a deferred value equal to the eager one:
 *
 * - when an array is handed out for the first time, every deferred storage still reading it is
 *   evaluated first (this module tracks them, weakly, so an abandoned one is still collected);
 * - an array already handed out is never deferred on: an op taking it runs at once.
 *
 * @internal
 */
import type { TypedArray } from '../../dtype.js';

/** Deferred storage that reads some arrays until it is evaluated. */
export interface DeferredReader {
  /** True once evaluated: its values are stored and it reads no operand any more. */
  readonly isSettled: boolean;
  /** Whether it still reads `values` directly (not through another deferred storage). */
  readsArray(values: TypedArray): boolean;
  /** Evaluates and stores its values. */
  settle(): void;
}

/** Handed out by `read`: possibly written by their holder at any time. */
const handedOut = new WeakSet<TypedArray>();
let readers: WeakRef<DeferredReader>[] = [];
/** Entries before the list is next pruned of collected and settled readers. */
let pruneAt = 64;

/**
 * Tracks `reader` until it is evaluated or collected.
 *
 * @param reader - deferred storage over arrays that may later be handed out
 * @example
 * ```ts
 * trackDeferredReader(expr);
 * ```
 */
export function trackDeferredReader(reader: DeferredReader): void {
  readers.push(new WeakRef(reader));
  if (readers.length >= pruneAt) prune();
}

/**
 * Whether `values` was handed out by `read` (an op taking it then runs at once).
 *
 * @param values - an array of the backend
 * @returns true once handed out
 * @example
 * ```ts
 * if (wasHandedOut(values)) return null; // no deferral over an array the user may write
 * ```
 */
export function wasHandedOut(values: TypedArray): boolean {
  return handedOut.has(values);
}

/**
 * Records that `values` leaves the backend, after evaluating every deferred storage that still
 * reads it, so a later write into it cannot reach them.
 *
 * @param values - the array handed out
 * @example
 * ```ts
 * handOut(array);
 * ```
 */
export function handOut(values: TypedArray): void {
  if (handedOut.has(values)) return;
  handedOut.add(values);
  for (const ref of readers) {
    const reader = ref.deref();
    if (reader !== undefined && !reader.isSettled && reader.readsArray(values)) reader.settle();
  }
  prune();
}

function prune(): void {
  readers = readers.filter((ref) => {
    const reader = ref.deref();
    return reader !== undefined && !reader.isSettled;
  });
  pruneAt = Math.max(64, 2 * readers.length);
}
