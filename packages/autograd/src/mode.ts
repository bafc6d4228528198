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

function withMode<T>(on: boolean, fn: () => T, caller: string): T {
  if (typeof fn !== 'function') throw new TypeError(`${caller}: fn must be a function, got ${typeof fn}`);
  const previous = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` with recording off: ops return constants with no history, so nothing is kept for a
 * backward pass (use it for evaluation and for parameter updates). `fn` must be synchronous: the
 * previous state is restored when it returns.
 *
 * @param fn - the code to run without recording
 * @returns what `fn` returns
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
 * @param fn - the code to run with recording
 * @returns what `fn` returns
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => isGradEnabled()));   // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn, 'enableGrad');
}
