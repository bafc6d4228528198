/**
 * Deterministic memory: {@link tidy} scopes that dispose the tensors made inside them, {@link keep}
 * for the ones that must outlive every scope (parameters, optimiser state), and {@link memory},
 * the count of live tensors per backend.
 *
 * Why: a gpujs tensor holds a texture (or, in the host modes, an array) that is freed when the
 * tensor is disposed; a tensor dropped without `dispose()` is freed by a FinalizationRegistry
 * callback, and those run only between tasks, never inside a synchronous training loop. Measured
 * before tidy existed: the nn README's loop on gpujs headlessgl grew by 118 live textures per
 * step. A tidy around each step frees them when the step ends.
 *
 * The bookkeeping costs one array push per tensor made inside a scope, and outside every scope
 * nothing but a length check.
 */
import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** The tensors made in each open tidy scope, innermost last. */
const open: Tensor[][] = [];
/** Tensors that no tidy disposes ({@link keep}). */
const kept = new WeakSet<Tensor>();

/** Live-tensor counters of one backend. */
interface Counters {
  tensors: number;
  bytes: number;
}
const countersByBackend = new Map<Backend, Counters>();
// No FinalizationRegistry here: its cells stay until its callbacks run, between tasks, so
// registering every tensor would itself grow the heap of a synchronous loop (measured: 13 MB over
// 9000 cpu steps). The counters count what was made and not disposed.

function countersOf(backend: Backend): Counters {
  let counters = countersByBackend.get(backend);
  if (counters === undefined) {
    counters = { tensors: 0, bytes: 0 };
    countersByBackend.set(backend, counters);
  }
  return counters;
}

/** Bytes a tensor's values take: int32 and float32 4 per element, float64 8. */
function bytesOf(t: Tensor): number {
  return t.size * (t.dtype === 'float64' ? 8 : 4);
}

/** Called by the Tensor constructor: counts the tensor and records it in the innermost tidy. @internal */
export function trackTensor(t: Tensor): void {
  const counters = countersOf(t.backend);
  counters.tensors++;
  counters.bytes += bytesOf(t);
  if (open.length > 0) open[open.length - 1]!.push(t);
}

/** Called once by Tensor.dispose: the tensor no longer counts. @internal */
export function untrackTensor(t: Tensor): void {
  const counters = countersOf(t.backend);
  counters.tensors--;
  counters.bytes -= bytesOf(t);
}

/**
 * Finds the objects that hold tensors in a tidy's result beyond arrays, Maps, Sets and plain
 * objects (which tidy walks itself): the autograd package registers one for its Variables.
 * @internal
 */
export type TensorHolderVisitor = (value: object, visit: (t: Tensor) => void) => boolean;
const holderVisitors: TensorHolderVisitor[] = [];

/** @internal Registers a visitor for one kind of tensor-holding object. */
export function registerTensorHolder(visitor: TensorHolderVisitor): void {
  holderVisitors.push(visitor);
}

/** Every tensor reachable from `value` through arrays, Maps, Sets, plain objects and registered holders. */
function tensorsIn(value: unknown, isTensor: (v: unknown) => v is Tensor): Set<Tensor> {
  const found = new Set<Tensor>();
  const seen = new Set<object>();
  const visit = (t: Tensor): void => void found.add(t);
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (isTensor(v)) {
      found.add(v);
      continue;
    }
    if (holderVisitors.some((visitor) => visitor(v, visit))) continue;
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v instanceof Map) for (const [k, item] of v) stack.push(k, item);
    else if (v instanceof Set) for (const item of v) stack.push(item);
    else if (Object.getPrototypeOf(v) === Object.prototype) stack.push(...Object.values(v));
  }
  return found;
}

let tensorClass: (new (...args: never[]) => Tensor) | null = null;

/** @internal The Tensor class registers itself (tensor.ts imports this module, not the reverse). */
export function registerTensorClass(cls: new (...args: never[]) => Tensor): void {
  tensorClass = cls;
}

const isTensor = (v: unknown): v is Tensor => tensorClass !== null && v instanceof tensorClass;

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

/**
 * Runs `fn` and then disposes every tensor made while it ran, except the tensors it returns
 * (found in arrays, Maps, Sets, plain objects and Variables of the result, a returned Variable's
 * recorded graph included) and the tensors marked with {@link keep} (parameter values: `variable()`
 * and `Variable.assign` keep theirs, as do leaf gradients and optimiser state). Scopes nest: what
 * an inner tidy returns belongs to the outer one, which disposes it unless it returns it too. As
 * TF.js's `tf.tidy`.
 *
 * Wrap each synchronous training step in one: a loop of tidy steps holds the same memory at step
 * 2000 as at step 10, on every backend. Only synchronous code: an async `fn` is refused (a tidy
 * cannot know when its work ends).
 *
 * @param fn - the computation; must not be async or return a Promise
 * @returns what `fn` returns
 * @throws TypeError for an async function or a returned Promise (the tensors made until then are
 *   disposed); whatever `fn` throws, after disposing the tensors it made
 *
 * @example
 * ```ts
 * const total = tidy(() => sum(mul(tensor([1, 2, 3]), 2)).item());   // the product is disposed
 * ```
 */
export function tidy<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError(`tidy: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  if (isAsyncFunction(fn)) {
    throw new TypeError('tidy: fn is an async function; tidy runs synchronous code only (put the synchronous part of each step in a tidy, and await outside it)');
  }
  const made: Tensor[] = [];
  open.push(made);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    open.pop();
    disposeAllBut(made, new Set());
    throw e;
  }
  open.pop();
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    disposeAllBut(made, new Set());
    throw new TypeError('tidy: fn returned a Promise; tidy runs synchronous code only (put the synchronous part of each step in a tidy, and await outside it)');
  }
  const returned = tensorsIn(result, isTensor);
  disposeAllBut(made, returned);
  const outer = open[open.length - 1];
  if (outer !== undefined) for (const t of returned) if (!kept.has(t)) outer.push(t);
  return result;
}

/**
 * Runs `fn` and returns, with its result, the tensors made while it ran, without disposing any:
 * they stay in the enclosing tidy too, which disposes them as usual. The autograd package's
 * `scope` uses it to learn which values a scope made, so that backward can dispose the ones the
 * scope did not return once it has consumed them.
 * @internal
 */
export function collectMade<R>(fn: () => R): { result: R; made: Tensor[] } {
  const made: Tensor[] = [];
  open.push(made);
  try {
    return { result: fn(), made };
  } finally {
    open.pop();
    const outer = open[open.length - 1];
    if (outer !== undefined) for (const t of made) outer.push(t);
  }
}

function disposeAllBut(made: readonly Tensor[], spared: ReadonlySet<Tensor>): void {
  for (const t of made) if (!spared.has(t) && !kept.has(t)) t.dispose();
}

/**
 * Marks `t` so that no {@link tidy} disposes it (it can still be disposed explicitly). Parameter
 * values, leaf gradients and optimiser state are kept this way by the packages that make them.
 *
 * @param t - the tensor to keep
 * @returns `t`
 *
 * @example
 * ```ts
 * let total = zeros([3]);
 * tidy(() => { total = keep(add(total, 1)); });   // survives the tidy
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/**
 * Whether {@link keep} marked `t`.
 * @param t - a tensor
 * @returns true for a kept tensor
 * @example
 * ```ts
 * isKept(keep(zeros([2])));   // true
 * ```
 */
export function isKept(t: Tensor): boolean {
  return kept.has(t);
}

/**
 * What one backend holds now, as {@link memory} reports it.
 *
 * @example
 * ```ts
 * const { tensors, bytes }: BackendMemory = memory().cpu!;
 * ```
 */
export interface BackendMemory {
  /**
   * Tensors made and not disposed. A tensor dropped without `dispose()` (outside every tidy) stays
   * counted even after the garbage collector has freed it: on cpu, and in gpujs's host modes, that
   * costs nothing, but in the texture modes its texture waits for a FinalizationRegistry callback,
   * which runs between tasks, never inside a synchronous loop. A count that stays flat over the
   * steps of a loop means every step disposes what it makes.
   */
  tensors: number;
  /** Bytes of their values (a reshape, which shares its input's values, counts them again). */
  bytes: number;
  /** gpujs texture modes: textures held now, intermediate results included; absent elsewhere. */
  textures?: number;
}

/**
 * The tensors not yet disposed, their bytes and (gpujs texture modes) the live textures, per
 * backend that made any, keyed `'cpu'` or `'gpujs:<mode>'`. Watch it across the steps of a loop:
 * flat numbers mean nothing leaks.
 *
 * @returns one entry per backend
 * @example
 * ```ts
 * for (let step = 0; step < 100; step++) tidy(() => trainStep());
 * memory();   // { cpu: { tensors: 12, bytes: 70000 } }, the same after 100 steps as after 10
 * ```
 */
export function memory(): Record<string, BackendMemory> {
  const out: Record<string, BackendMemory> = {};
  for (const [backend, { tensors, bytes }] of countersByBackend) {
    const mode = (backend as { mode?: unknown }).mode;
    const key = typeof mode === 'string' ? `${backend.name}:${mode}` : backend.name;
    const entry: BackendMemory = { tensors, bytes };
    const textures = (backend as { liveTextures?: unknown }).liveTextures;
    if (typeof textures === 'number' && (backend as { pipeline?: unknown }).pipeline === true) entry.textures = textures;
    out[key] = entry;
  }
  return out;
}
