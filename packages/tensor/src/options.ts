/**
 * The one translator from zod's issues to the library's errors. Every package validates its
 * options and inputs with zod and reports the first problem through here, so a misspelt option
 * reads the same in a loss, a layer, an optimiser or a tensor call:
 * `SGD: unknown option 'lr'; expected options: learningRate, momentum, ...`.
 *
 * A wrong type (or an unknown name) is a TypeError, a value out of range a RangeError, as in the
 * rest of the library.
 */
import * as z from 'zod/mini';
import { formatShape } from './shape.js';

/** What a value is, in zod's words ("number", "nan", "array", "null", a class name, ...). */
function parsedType(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : 'number';
  if (typeof value !== 'object') return typeof value;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const proto = Object.getPrototypeOf(value) as unknown;
  const constructor = (value as { constructor?: { name: string } }).constructor;
  return proto !== Object.prototype && constructor ? constructor.name : 'object';
}

const literal = (value: unknown): string => (typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `"${value}"` : `${String(value)}`);
const SIZED: Readonly<Record<string, string>> = { string: 'characters', file: 'bytes', array: 'items', set: 'items', map: 'entries' };

/**
 * zod's English message for an issue: the text of zod 4's `en` locale (zod/locales), written out
 * here because zod/mini carries no messages and the locale module weighs 0.9 KB gzip in a bundle;
 * options.test.ts checks every issue code against `en()`. Passed per parse, so the messages read the
 * same whatever locale (if any) a program configures for its own zod. Formats our schemas never use
 * (email, uuid, ...) read as their format name.
 *
 * @param issue - a zod issue, before its message is set
 * @returns the message
 * @example
 * ```ts
 * englishMessage({ code: 'too_small', origin: 'number', minimum: 0, inclusive: false, input: 0 });
 * // 'Too small: expected number to be >0'
 * ```
 * @internal
 */
export function englishMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const received = parsedType(issue.input);
      const shown = received === 'number' && typeof issue.input === 'number' && !Number.isFinite(issue.input) ? String(issue.input) : received === 'nan' ? 'NaN' : received;
      return `Invalid input: expected ${issue.expected === 'nan' ? 'NaN' : issue.expected}, received ${shown}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `Invalid input: expected ${literal(issue.values[0])}` : `Invalid option: expected one of ${issue.values.map(literal).join('|')}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const adjective = issue.exact ? 'exactly ' : issue.inclusive ? (big ? '<=' : '>=') : big ? '<' : '>';
      const unit = SIZED[issue.origin];
      const bound = `${adjective}${(big ? issue.maximum : issue.minimum).toString()}`;
      const origin = big ? (issue.origin ?? 'value') : issue.origin;
      return `Too ${big ? 'big' : 'small'}: expected ${origin} to ${unit === undefined ? `be ${bound}` : `have ${bound} ${unit}`}`;
    }
    case 'invalid_format': {
      const format = issue as z.core.$ZodIssueInvalidStringFormat & { prefix?: string; suffix?: string; includes?: string; pattern?: string };
      if (format.format === 'starts_with') return `Invalid string: must start with "${format.prefix}"`;
      if (format.format === 'ends_with') return `Invalid string: must end with "${format.suffix}"`;
      if (format.format === 'includes') return `Invalid string: must include "${format.includes}"`;
      if (format.format === 'regex') return `Invalid string: must match pattern ${format.pattern}`;
      return `Invalid ${format.format === 'template_literal' ? 'input' : format.format}`;
    }
    case 'not_multiple_of':
      return `Invalid number: must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map(literal).join(', ')}`;
    case 'invalid_key':
      return `Invalid key in ${issue.origin}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown }).options;
      if (Array.isArray(options) && options.length > 0) return `Invalid discriminator value. Expected ${options.map((o) => `'${String(o)}'`).join(' | ')}`;
      return (issue as { inclusive?: boolean }).inclusive === false ? 'Invalid input: more than one option matched' : 'Invalid input';
    }
    case 'invalid_element':
      return `Invalid value in ${issue.origin}`;
    default:
      return 'Invalid input';
  }
}

const parseParams = { error: englishMessage };

/**
 * What the parsed object is to its caller; names the parts in messages ("unknown input 'x'").
 *
 * @example
 * ```ts
 * const kind: ParsedKind = 'input';   // forward(pred, label, { sampleWeight }) reads an inputs object
 * ```
 */
export type ParsedKind = 'option' | 'input';

/**
 * A short rendering of a value for an error message: JSON up to 60 characters, a shape for
 * tensors and variables, a class name for other objects.
 *
 * @param value - anything
 * @returns the text to show after "got"
 * @example
 * ```ts
 * describeValue([1, 2]);          // '[1,2]'
 * describeValue(tensor([1, 2]));  // 'a Tensor of shape [2]'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
    const kind = (value as object).constructor?.name ?? 'an unknown class';
    const shape = (value as { shape?: unknown }).shape;
    return Array.isArray(shape) ? `a ${kind} of shape ${formatShape(shape as number[])}` : `an instance of ${kind}`;
  }
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function errorFor(issue: z.core.$ZodIssue, message: string): Error {
  return issue.code === 'invalid_type' || issue.code === 'custom' || issue.code === 'invalid_union' ? new TypeError(message) : new RangeError(message);
}

/**
 * Parses an options object (or a trailing inputs object) with its zod schema, defaults applied.
 *
 * @param where - the function or class, the message's prefix (e.g. `'SGD'`, `'HuberLoss'`)
 * @param schema - the zod schema, usually a `z.strictObject` so that unknown names are refused
 * @param value - what the caller passed
 * @param kind - `'option'` (default) for options, `'input'` for an inputs object such as `forward`'s last argument
 * @returns the parsed options
 * @throws TypeError for an unknown name or a wrong type, RangeError for a value out of range; the
 *   message names the option, says what was expected and what was given
 * @example
 * ```ts
 * const schema = z.strictObject({ rate: z._default(z.number().check(z.positive()), 0.1) });
 * parseOptions('Trainer', schema, {});              // { rate: 0.1 }
 * parseOptions('Trainer', schema, { rat: 1 });
 * // TypeError: Trainer: unknown option 'rat'; expected options: rate
 * parseOptions('Trainer', schema, { rate: -1 });
 * // RangeError: Trainer: option 'rate' is invalid: Too small: expected number to be >0 (got -1)
 * ```
 */
export function parseOptions<S extends z.core.$ZodType>(where: string, schema: S, value: unknown, kind: ParsedKind = 'option'): z.output<S> {
  const result = z.safeParse(schema, value, parseParams);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // The definition's tag rather than a class test: reading the value z.core would bundle all of zod.
  const def = schema._zod.def;
  const known = def.type === 'object' ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
  const expected = known.length > 0 ? `; expected ${kind}s: ${known.join(', ')}` : '';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${pathText([...issue.path, k])}'`).join(', ');
    throw new TypeError(`${where}: unknown ${kind}${issue.keys.length > 1 ? 's' : ''} ${keys}${expected}`);
  }
  if (issue.path.length === 0) {
    const what = kind === 'option' ? 'options' : 'the inputs argument';
    throw errorFor(issue, `${where}: ${what} must be an object${expected}, got ${describeValue(value)}`);
  }
  const message = `${where}: ${kind} '${pathText(issue.path)}' is invalid: ${issue.message} (got ${describeValue(valueAt(value, issue.path))})`;
  throw errorFor(issue, message);
}

/**
 * Parses one named argument (not an options object) with its zod schema.
 *
 * @param where - the function or class, the message's prefix
 * @param name - the argument's name as the caller knows it
 * @param schema - its zod schema
 * @param value - what the caller passed
 * @returns the parsed value
 * @throws TypeError for a wrong type, RangeError for a value out of range, naming the argument
 * @example
 * ```ts
 * parseArgument('Dense', 'units', z.number().check(z.int(), z.positive()), 0);
 * // RangeError: Dense: units is invalid: Too small: expected number to be >0 (got 0)
 * ```
 */
export function parseArgument<S extends z.core.$ZodType>(where: string, name: string, schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value, parseParams);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const at = issue.path.length > 0 ? `${name}${issue.path[0] === undefined || typeof issue.path[0] === 'number' ? '' : '.'}${pathText(issue.path)}` : name;
  throw errorFor(issue, `${where}: ${at} is invalid: ${issue.message} (got ${describeValue(valueAt(value, issue.path))})`);
}
