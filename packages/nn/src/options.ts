/**
 * Validation of user options with zod, turning zod's issues into one error that names the
 * function, the offending option and what was expected.
 */
import { z } from 'zod';

/** Reads the value at `path` inside `input`, for echoing it in an error message. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** A short, readable rendering of an offending value. */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
    return `an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`;
  }
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

/**
 * Parses `input` with `schema`, applying its defaults.
 *
 * @param schema - the zod schema of the options
 * @param input - what the user passed
 * @param where - the function or class, used as the message prefix (e.g. `'SGD'`)
 * @param argName - the argument name used in paths (default `'options'`)
 * @returns the parsed, defaulted options
 * @throws TypeError naming the first offending option, what was expected and what was given
 *
 * @example
 * ```ts
 * parseOptions(SGDOptionsSchema, { learningRate: -1 }, 'SGD');
 * // TypeError: SGD: options.learningRate: Too small: expected number to be >0 (got -1)
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string, argName = 'options'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `${argName}${issue.path.map((p) => `.${String(p)}`).join('')}.${k}`);
    throw new TypeError(`${where}: unknown option ${keys.join(', ')} (check the spelling; options are camelCase)`);
  }
  const path = `${argName}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
  throw new TypeError(`${where}: ${path}: ${issue.message} (got ${describe(valueAt(input, issue.path))})`);
}

/**
 * An integer seed for the random generators.
 * @example `seedSchema.parse(42)`
 */
export const seedSchema = z.number().int('expected an integer seed');

/**
 * One of the tensor dtypes that parameters may hold.
 * @example
 * ```ts
 * floatDTypeSchema.parse('float64')
 * ```
 */
export const floatDTypeSchema = z.enum(['float32', 'float64']);
