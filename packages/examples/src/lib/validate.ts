/**
 * Checks of the numeric options of the examples' `run` functions.
 */

/**
 * Reads an optional integer option, failing with a message that names it.
 *
 * @param where - the function, for the message (e.g. `'digits.run'`)
 * @param name - the option's name
 * @param value - the value given, or undefined for the default
 * @param fallback - the default
 * @param min - the smallest allowed value (default 1)
 * @returns the value, or the default
 * @throws RangeError naming the option when it is not an integer >= min
 * @example `const epochs = intOption('digits.run', 'epochs', options.epochs, 20);`
 */
export function intOption(where: string, name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${where}: option '${name}' must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/**
 * Reads an optional positive number option, failing with a message that names it.
 *
 * @param where - the function, for the message
 * @param name - the option's name
 * @param value - the value given, or undefined for the default
 * @param fallback - the default
 * @returns the value, or the default
 * @throws RangeError naming the option when it is not a finite number > 0
 * @example `const lr = positiveOption('digits.run', 'learningRate', options.learningRate, 0.003);`
 */
export function positiveOption(where: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${where}: option '${name}' must be a finite number > 0, got ${String(value)}`);
  return value;
}
