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
export function scope<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`scope: name must be a non-empty string, got ${JSON.stringify(name)}`);
  assertSynchronous(fn, 'scope');
  const outer = current;
  current = Object.freeze({ id: nextScopeId++, name, parent: outer, depth: outer === null ? 0 : outer.depth + 1 });
  let result: T;
  try {
    result = fn();
  } finally {
    current = outer;
  }
  assertNotPromise(result, 'scope');
  return result;
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
