/**
 * Whether ops record themselves on the tape. One flag for the whole program: JavaScript runs one
 * op at a time, and every function here restores the previous state even when `fn` throws.
 */
let enabled = true;

/**
 * True when ops on Variables that require grad are being recorded (the default); false inside
 * {@link noGrad}.
 *
 * @example
 * ```ts
 * isGradEnabled();                 // true
 * noGrad(() => isGradEnabled());   // false
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Sets the recording flag and returns its previous value, for code that must restore it itself.
 * @internal Prefer {@link noGrad} and {@link enableGrad}.
 */
export function setGradEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/**
 * Refuses an `async` function: the mode (or scope) is one flag restored when `fn` returns, which
 * for an async function is at its first `await`, so the rest of it would run in whatever mode is
 * current then. Called before `fn` runs. @internal
 */
export function assertSynchronous(fn: unknown, caller: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${caller}: fn must be a function, got ${typeof fn}`);
  if ((fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'AsyncFunction') throw asyncError(caller);
}

/**
 * Refuses what `fn` returned when it is a promise (a plain function that starts async work):
 * the code after its first `await` ran or will run outside the mode. @internal
 */
export function assertNotPromise(result: unknown, caller: string): void {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') throw asyncError(caller);
}

function asyncError(caller: string): TypeError {
  return new TypeError(
    `${caller}: fn must be synchronous, got an async function (or one returning a promise): ` +
      `${caller} ends when fn returns, at its first await, so the code after that await would run outside it. ` +
      `Call ${caller} around the synchronous parts instead (e.g. const y = await load(); ${caller}(() => step(y)))`,
  );
}

function withMode<T>(on: boolean, fn: () => T, caller: string): T {
  assertSynchronous(fn, caller);
  const previous = enabled;
  enabled = on;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = previous;
  }
  assertNotPromise(result, caller);
  return result;
}

/**
 * Runs `fn` with recording off: ops return constants with no history, so nothing is kept for a
 * backward pass (use it for evaluation and for parameter updates). `fn` must be synchronous: the
 * previous state is restored when it returns, so an async function (or one returning a promise)
 * is refused with a TypeError rather than recording again after its first `await`.
 *
 * @param fn - the code to run without recording
 * @returns what `fn` returns
 * @throws TypeError when `fn` is not a function, is async, or returns a promise
 *
 * @example
 * ```ts
 * const w = variable([1, 2]);
 * const y = noGrad(() => mul(w, 2));
 * y.requiresGrad;   // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn, 'noGrad');
}

/**
 * Runs `fn` with recording on, even inside {@link noGrad}; the opposite of `noGrad`.
 *
 * @param fn - the code to run with recording (synchronous, as for {@link noGrad})
 * @returns what `fn` returns
 * @throws TypeError when `fn` is not a function, is async, or returns a promise
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => isGradEnabled()));   // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn, 'enableGrad');
}
