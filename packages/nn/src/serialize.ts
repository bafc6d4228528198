/**
 * Saving parameters to JSON and loading them back: `{ [name]: { shape, dtype, data } }`, with the
 * names `collectParams` gives (e.g. `'dense0.weight'`).
 */
import * as T from '@lossgraph/tensor';
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { describeShape, UNKNOWN_DIM, type Parameter } from './parameter.js';

/**
 * Something that holds named parameters: a block (anything with `collectParams`) or the map it returns.
 * @example
 * ```ts
 * saveParameters(net.collectParams() satisfies ParameterSource)
 * ```
 */
export type ParameterSource = { collectParams(): ReadonlyMap<string, Parameter> } | ReadonlyMap<string, Parameter>;

/**
 * A value JSON cannot hold as a number is written as a string. A literal union rather than
 * `z.enum`: the enum's emitted type has a `[-Infinity]` key, which a consumer's `tsc` rejects
 * (TS1170) unless it skips library checks.
 */
const nonFiniteSchema = z.literal(['NaN', 'Infinity', '-Infinity']);

/**
 * An infinite number among the values: JSON.parse reads a literal beyond the double range (1e400)
 * as Infinity. Accepted here so that loading reports it as a value outside the parameter's range,
 * with its position, rather than as a malformed entry.
 */
const overflowSchema = z.custom<number>((v) => v === Infinity || v === -Infinity);

/**
 * Zod schema of one saved parameter.
 * @example
 * ```ts
 * SavedParameterSchema.parse({ shape: [2], dtype: 'float32', data: [1, 2] })
 * ```
 */
export const SavedParameterSchema = z.strictObject({
  /** Extents, outermost first. */
  shape: z.array(z.number().check(z.int(), z.nonnegative())),
  /** Element type of the saved values. */
  dtype: z.enum(['float32', 'float64', 'int32']),
  /** Row-major values; NaN and infinities are written as the strings `'NaN'`, `'Infinity'`, `'-Infinity'`. */
  data: z.array(z.union([z.number(), nonFiniteSchema, overflowSchema])),
});

/**
 * Zod schema of a saved parameter file.
 * @example
 * ```ts
 * SavedParametersSchema.parse(JSON.parse(net.saveParameters()))
 * ```
 */
export const SavedParametersSchema = z.record(z.string(), SavedParameterSchema);

/**
 * One saved parameter: `{ shape, dtype, data }`.
 * @example
 * ```ts
 * const bias: SavedParameter = { shape: [2], dtype: 'float32', data: [0, 0] };
 * ```
 */
export type SavedParameter = z.infer<typeof SavedParameterSchema>;

/**
 * A saved parameter file: parameter name to {@link SavedParameter}.
 * @example
 * ```ts
 * const saved: SavedParameters = parametersToJSON(net);
 * ```
 */
export type SavedParameters = z.infer<typeof SavedParametersSchema>;

/**
 * Zod schema of {@link LoadOptions}.
 * @example
 * ```ts
 * LoadOptionsSchema.parse({}).allowMissing   // false
 * ```
 */
export const LoadOptionsSchema = z.strictObject({
  /** Leave parameters that the file lacks as they are, instead of failing (default false). */
  allowMissing: z._default(z.boolean(), false),
  /** Ignore entries of the file that the model lacks, instead of failing (default false). */
  ignoreExtra: z._default(z.boolean(), false),
  /**
   * Convert values saved with another dtype than the parameter's (float32 into a float64 model,
   * int32 into float32...) instead of failing (default false).
   */
  allowCast: z._default(z.boolean(), false),
});

/**
 * Options of {@link loadParameters}, as Gluon's `load_parameters`.
 * @example
 * ```ts
 * net.loadParameters(json, { ignoreExtra: true } satisfies LoadOptions)
 * ```
 */
export type LoadOptions = z.input<typeof LoadOptionsSchema>;

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Whether the saved number `v` is a value of `dtype`: finite (JSON has no infinities: a literal like
 * 1e400 parses to Infinity), within ±3.4e38 for float32, an integer in range for int32. float32
 * values in range still round, as any conversion from double does.
 */
function fitsDType(v: number, dtype: T.DType): boolean {
  if (!Number.isFinite(v)) return false;
  if (dtype === 'float32') return Math.abs(v) <= FLOAT32_MAX;
  if (dtype === 'int32') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
  return true;
}

function paramsOf(source: ParameterSource, where: string): ReadonlyMap<string, Parameter> {
  if (source instanceof Map) return source as ReadonlyMap<string, Parameter>;
  if (source !== null && typeof source === 'object' && typeof (source as { collectParams?: unknown }).collectParams === 'function') {
    return (source as { collectParams(): ReadonlyMap<string, Parameter> }).collectParams();
  }
  throw new TypeError(`${where}: source must be a Block or the Map that collectParams() returns`);
}

/**
 * The parameters as a plain object ready for `JSON.stringify`.
 *
 * @param source - a block or its `collectParams()` map; every parameter must have a value
 * @throws Error naming a parameter that is not initialised
 *
 * @example
 * ```ts
 * const saved = parametersToJSON(net);
 * saved['dense0.bias'];   // { shape: [10], dtype: 'float32', data: [0, 0, ...] }
 * ```
 */
export function parametersToJSON(source: ParameterSource): SavedParameters {
  const out: SavedParameters = {};
  for (const [name, param] of paramsOf(source, 'parametersToJSON')) {
    const value = param.data();
    const data: SavedParameter['data'] = Array.from(value.dataSync(), (v) =>
      Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
    out[name] = { shape: [...value.shape], dtype: value.dtype, data };
  }
  return out;
}

/**
 * The parameters as a JSON string (write it to a file yourself: this package does no I/O, so it
 * runs the same in browsers).
 *
 * @param source - a block or its `collectParams()` map
 * @example
 * ```ts
 * fs.writeFileSync('mlp.json', saveParameters(net));
 * ```
 */
export function saveParameters(source: ParameterSource): string {
  return JSON.stringify(parametersToJSON(source));
}

/**
 * Sets the parameters from a saved file. Everything is checked before anything changes: names
 * (missing or extra, unless allowed), shapes, value counts, dtypes (a saved dtype other than the
 * parameter's is refused unless `allowCast`) and values (each must be a finite number in the
 * parameter's dtype range, or one of the strings `'NaN'`, `'Infinity'`, `'-Infinity'`). A
 * parameter still waiting for its shape takes the saved one.
 *
 * @param target - a block or its `collectParams()` map
 * @param saved - the JSON string or the object {@link parametersToJSON} made
 * @param options - {@link LoadOptions}: `allowMissing`, `ignoreExtra`, `allowCast`
 * @throws RangeError naming the parameter whose saved shape does not match, or the saved value
 *   outside its dtype's range; Error listing missing or extra names; TypeError for a malformed
 *   file or a saved dtype other than the parameter's (without `allowCast`)
 *
 * @example
 * ```ts
 * loadParameters(net, fs.readFileSync('mlp.json', 'utf8'));
 * ```
 */
export function loadParameters(target: ParameterSource, saved: string | SavedParameters, options: LoadOptions = {}): void {
  const opts = parseOptions('loadParameters', LoadOptionsSchema, options);
  const params = paramsOf(target, 'loadParameters');
  let raw: unknown = saved;
  if (typeof saved === 'string') {
    try {
      raw = JSON.parse(saved);
    } catch (e) {
      throw new TypeError(`loadParameters: saved is not valid JSON (${(e as Error).message})`);
    }
  }
  const file = parseArgument('loadParameters', 'saved', SavedParametersSchema, raw);

  const missing = [...params.keys()].filter((name) => !(name in file));
  if (missing.length > 0 && !opts.allowMissing) {
    throw new Error(`loadParameters: the saved parameters lack ${missing.map((n) => `'${n}'`).join(', ')} (pass { allowMissing: true } to keep their current values)`);
  }
  const extra = Object.keys(file).filter((name) => !params.has(name));
  if (extra.length > 0 && !opts.ignoreExtra) {
    throw new Error(`loadParameters: the model has no parameter ${extra.map((n) => `'${n}'`).join(', ')} (pass { ignoreExtra: true } to skip them); it has ${[...params.keys()].map((n) => `'${n}'`).join(', ')}`);
  }

  const updates: Array<[Parameter, T.Tensor]> = [];
  for (const [name, param] of params) {
    const entry = file[name];
    if (entry === undefined) continue;
    if (entry.dtype !== param.dtype && !opts.allowCast) {
      throw new TypeError(
        `loadParameters: parameter '${name}' is ${param.dtype} but was saved as ${entry.dtype} ` +
          '(pass { allowCast: true } to convert the saved values)',
      );
    }
    const expected = param.isInitialized ? param.data().shape : param.shape;
    const fits = entry.shape.length === expected.length && entry.shape.every((d, i) => expected[i] === UNKNOWN_DIM || expected[i] === d);
    if (!fits) {
      throw new RangeError(`loadParameters: parameter '${name}' has shape ${describeShape(expected)} but the saved value has shape ${T.formatShape(entry.shape)}`);
    }
    if (entry.data.length !== T.sizeOf(entry.shape)) {
      throw new RangeError(`loadParameters: parameter '${name}' is saved with shape ${T.formatShape(entry.shape)} (${T.sizeOf(entry.shape)} values) but ${entry.data.length} values`);
    }
    const values = entry.data.map((v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity));
    const outside = entry.data.findIndex((v) => typeof v === 'number' && !fitsDType(v, param.dtype));
    if (outside >= 0) {
      const v = entry.data[outside] as number;
      throw new RangeError(
        `loadParameters: saved['${name}'].data[${outside}] is outside the ${param.dtype} range (got ${v}` +
          `${Number.isFinite(v) ? '' : ': a JSON number beyond the double range, such as 1e400, reads as Infinity'}); ` +
          "write infinities as the strings 'Infinity' and '-Infinity'",
      );
    }
    updates.push([param, T.tensor(values, entry.shape, param.dtype)]);
  }
  for (const [param, value] of updates) param.setData(value);
}
