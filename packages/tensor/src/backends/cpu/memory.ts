/**
 * Output arrays of the cpu backend and their recycling: the scratch scopes a backward pass opens
 * (see `CpuBackend.beginScratch`), the pool that dropped arrays go back to, and the scope stamp
 * that deferred storage (fused expressions, sparse scatters) carries, so that an array made for
 * it later is recycled only by the scope it was made in.
 *
 * @internal
 */
import { allocate, type DType, type TypedArray } from '../../dtype.js';

/** Node's Buffer, where it exists: its allocUnsafeSlow skips the zero-fill of `new Float32Array(n)`. */
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;

/** Below this many bytes a zero-filled typed array is as cheap as an uninitialised one. */
const UNINIT_MIN_BYTES = 1 << 16;

/**
 * Large arrays that a scratch scope allocated and dropped, kept for reuse by later ops, keyed by
 * dtype and length. A fresh large array costs a page fault per 4 KiB on first touch, more than the
 * loop that fills it; a recycled one costs nothing.
 */
const pool = new Map<string, TypedArray[]>();
let pooledBytes = 0;
/** The pool never holds more than this; beyond it dropped arrays go to the garbage collector. */
const POOL_MAX_BYTES = 256 * 1024 * 1024;
/** Large arrays allocated in the outermost open scratch scope; null outside one. */
let journal: TypedArray[] | null = null;
let depth = 0;
/** Incremented by each outermost scope; `-1` stamps storage made outside every scope. */
let epoch = 0;
/** Arrays handed out by `read`: their holder is unknown, so they are never recycled. */
const exposed = new WeakSet<TypedArray>();

function poolKey(dtype: DType, length: number): string {
  return `${dtype}:${length}`;
}

/**
 * The scratch scope open now (-1 outside one). Deferred storage records it when made and passes
 * it to {@link newArray} when it is finally evaluated.
 *
 * @returns the scope's stamp
 * @example
 * ```ts
 * const madeIn = scratchEpoch();
 * ```
 */
export function scratchEpoch(): number {
  return journal === null ? -1 : epoch;
}

/**
 * An array of `length` elements for a kernel's output: zero-filled when `zeroed`, otherwise with
 * unspecified contents (for kernels that write every element). Large ones come from the pool when
 * it has one; else, in Node, an uninitialised buffer (from the malloc heap, no zero-fill pass).
 * The open scope may recycle it only if the storage it is for was made in that scope (`madeIn`).
 *
 * @param dtype - element type
 * @param length - element count
 * @param zeroed - whether it must start at zero
 * @param madeIn - the {@link scratchEpoch} of the storage it is for (default: now)
 * @returns the array
 * @example
 * ```ts
 * const out = newArray('float32', 1 << 20, false);
 * ```
 */
export function newArray(dtype: DType, length: number, zeroed: boolean, madeIn = scratchEpoch()): TypedArray {
  const bytes = (dtype === 'float64' ? 8 : 4) * length;
  if (bytes < UNINIT_MIN_BYTES) return allocate(dtype, length);
  let out = pool.get(poolKey(dtype, length))?.pop();
  if (out !== undefined) {
    pooledBytes -= bytes;
    if (zeroed) out.fill(0);
  } else if (zeroed || nodeBuffer === undefined) {
    out = allocate(dtype, length);
  } else {
    const { buffer } = nodeBuffer.allocUnsafeSlow(bytes);
    out = dtype === 'float64' ? new Float64Array(buffer, 0, length) : dtype === 'int32' ? new Int32Array(buffer, 0, length) : new Float32Array(buffer, 0, length);
  }
  if (journal !== null && madeIn === epoch) journal.push(out);
  return out;
}

/**
 * Records that `values` left the backend (through `read`): it is never recycled.
 *
 * @param values - the array handed out
 * @example
 * ```ts
 * markExposed(array);
 * ```
 */
export function markExposed(values: TypedArray): void {
  exposed.add(values);
}

/**
 * Opens a scratch scope (scopes nest; only the outermost one recycles).
 *
 * @example
 * ```ts
 * openScratch(); // ... closeScratch(kept)
 * ```
 */
export function openScratch(): void {
  if (depth++ === 0) {
    journal = [];
    epoch++;
  }
}

/**
 * Whether closing now would close the outermost scope (when kept results must be made final).
 *
 * @returns true at depth 1
 * @example
 * ```ts
 * // Deferred results the scope hands on are evaluated only when recycling follows:
 * closeScratch(closingOutermost() ? new Set(keep.map(valuesOf)) : null);
 * ```
 */
export function closingOutermost(): boolean {
  return depth === 1;
}

/**
 * Closes a scratch scope. When it is the outermost one, every array allocated in it that is not
 * in `kept` and was not exposed goes back to the pool; with null (the scope failed) nothing does.
 *
 * @param kept - the arrays the scope hands on, or null
 * @example
 * ```ts
 * closeScratch(new Set([gradient]));
 * ```
 */
export function closeScratch(kept: ReadonlySet<unknown> | null): void {
  if (depth === 0 || --depth > 0) return;
  const allocated = journal;
  journal = null;
  if (kept === null || allocated === null) return;
  for (const a of allocated) {
    if (kept.has(a) || exposed.has(a) || pooledBytes + a.byteLength > POOL_MAX_BYTES) continue;
    const key = poolKey(a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'float32', a.length);
    const list = pool.get(key);
    if (list === undefined) pool.set(key, [a]);
    else list.push(a);
    pooledBytes += a.byteLength;
  }
}
