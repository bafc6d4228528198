import * as T from '@lossgraph/tensor';
import { assertNotPromise, assertSynchronous } from './mode.js';

/**
 * One activation of {@link scope}: every Variable made while it is active points at it. Frames
 * form a linked list to the outermost one, so recording an op stores one reference and allocates
 * nothing; two calls of the same scope name are two frames with different ids.
 *
 * @example
 * ```ts
 * scope('outer', () => scope('inner', () => {
 *   const frame: ScopeFrame | null = currentScope();
 *   scopePath(frame);   // ['outer', 'inner']
 * }));
 * ```
 */
export interface ScopeFrame {
  /** Unique among all frames of this program run. */
  readonly id: number;
  /** The name given to {@link scope}. */
  readonly name: string;
  /** The enclosing frame, or null for an outermost scope. */
  readonly parent: ScopeFrame | null;
  /** Number of enclosing frames (0 for an outermost scope). */
  readonly depth: number;
}

let current: ScopeFrame | null = null;
let nextScopeId = 1;

/**
 * The innermost active scope frame, or null outside every scope.
 * @example
 * ```ts
 * scope('loss', () => currentScope()?.name);   // 'loss'
 * ```
 */
export function currentScope(): ScopeFrame | null {
  return current;
}

/**
 * Runs `fn` inside a named scope: every Variable made inside (op outputs, leaves, constants)
 * records the scope, so graph inspection can fold those ops into one named composite node. Scopes
 * nest; `fn` must be synchronous (an async function, or one returning a promise, is refused: the
 * scope would end at its first `await`).
 *
 * Memory: the tensors an outermost scope makes and does not return (a loss's softmax, a layer's
 * pre-activation) are disposed by the backward pass that frees the graph (no `retainGraph`) once it
 * has gone through the last op recorded inside the scope, so a loop without `tidy` does not pile
 * them up; keep no reference to them past backward. Passes that inspect (`retainGrads`,
 * `backwardTrace`) leave them to the enclosing tidy.
 *
 * @param name - a non-empty label, e.g. the name of a loss or layer
 * @param fn - the computation to group
 * @returns what `fn` returns
 * @throws TypeError when `name` is not a non-empty string, or `fn` is not a function, is async or
 *   returns a promise
 *
 * @example
 * ```ts
 * const y = scope('L2Loss', () => mean(square(sub(pred, label))));
 * y.scopePath;   // ['L2Loss']
 * ```
 */
export function scope<R>(name: string, fn: () => R): R {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`scope: name must be a non-empty string, got ${JSON.stringify(name)}`);
  assertSynchronous(fn, 'scope');
  const outer = current;
  const frame: ScopeFrame = Object.freeze({ id: nextScopeId++, name, parent: outer, depth: outer === null ? 0 : outer.depth + 1 });
  current = frame;
  if (outer !== null) {
    let result: R;
    try {
      result = fn();
    } finally {
      current = outer;
    }
    assertNotPromise(result, 'scope');
    return result;
  }
  // An outermost scope learns which tensors it made, for backward to dispose (see scopeValues).
  const values: ScopeValues = { nodes: 0, internal: null };
  scopeValues.set(frame, values);
  let ran: { result: R; made: T.Tensor[] };
  try {
    ran = T.collectMade(fn);
  } finally {
    current = outer;
  }
  assertNotPromise(ran.result, 'scope');
  if (values.nodes === 0) {
    scopeValues.delete(frame);
  } else {
    const returned = resultTensors(ran.result);
    values.internal = ran.made.filter((t) => !returned.has(t) && !T.isKept(t));
  }
  return ran.result;
}

/**
 * What an outermost scope made, for the deterministic release of its internal values: `nodes`
 * counts the ops recorded inside it that no backward pass has freed yet, and `internal` holds the
 * tensors made inside it that it did not return (null while it is still running). The values a
 * scope keeps to itself (a loss's softmax, a layer's pre-activation) are needed only by the
 * backward rules of its own ops; once a backward pass that frees the graph has gone through the
 * last of them, nothing can read those values again, so they are disposed then, not when a
 * FinalizationRegistry callback runs (between tasks, never inside a synchronous loop) nor when an
 * enclosing tidy ends. A WeakMap, so that a scope never differentiated costs nothing once its
 * Variables are gone.
 */
interface ScopeValues {
  nodes: number;
  internal: T.Tensor[] | null;
}
const scopeValues = new WeakMap<ScopeFrame, ScopeValues>();

function outermost(frame: ScopeFrame): ScopeFrame {
  let f = frame;
  while (f.parent !== null) f = f.parent;
  return f;
}

/** How a scope finds the tensors its result holds; variable.ts registers it (this module must not import Variable). */
let resultTensors: (result: unknown) => Set<T.Tensor> = () => new Set();

/** @internal Sets how {@link scope} finds the tensors of its result (Variables' values and gradients, tensors, in arrays and objects). */
export function registerResultTensors(find: (result: unknown) => Set<T.Tensor>): void {
  resultTensors = find;
}

/** @internal An op was recorded inside `frame`. */
export function noteRecorded(frame: ScopeFrame): void {
  const values = scopeValues.get(outermost(frame));
  if (values !== undefined) values.nodes++;
}

/**
 * @internal A backward pass freed an op recorded inside `frame`; `dispose` is false for passes
 * that let the caller inspect intermediate values (retainGrads, onVisit), which keep them.
 */
export function noteReleased(frame: ScopeFrame, dispose: boolean): void {
  const root = outermost(frame);
  const values = scopeValues.get(root);
  if (values === undefined) return;
  values.nodes--;
  if (values.nodes > 0 || values.internal === null) return;
  scopeValues.delete(root);
  if (!dispose) return;
  for (const t of values.internal) if (!T.isKept(t)) t.dispose();
}

/**
 * The frames from the outermost to `frame` itself (empty for null).
 * @param frame - the innermost frame (default: the current scope)
 *
 * @example
 * ```ts
 * scopeFrames(y.scope).map((f) => f.name);   // ['model', 'layer1']
 * ```
 */
export function scopeFrames(frame: ScopeFrame | null): ScopeFrame[] {
  const out: ScopeFrame[] = [];
  for (let f = frame; f !== null; f = f.parent) out.push(f);
  return out.reverse();
}

/**
 * The scope names from the outermost to `frame` (empty for null).
 * @param frame - the innermost frame (default: the current scope)
 *
 * @example
 * ```ts
 * scope('a', () => scope('b', () => scopePath(currentScope())));   // ['a', 'b']
 * ```
 */
export function scopePath(frame: ScopeFrame | null): string[] {
  return scopeFrames(frame).map((f) => f.name);
}
