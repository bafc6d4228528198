import * as z from 'zod/mini';
import { parseOptions } from './options.js';
import { allocate, assertDType, dtypeOfArray, type DType, type TypedArray } from './dtype.js';
import { getBackend } from './registry.js';
import { randomFor, type Random } from './random.js';
import { assertShape, formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/**
 * Anything {@link tensor} turns into a tensor: nested number arrays, flat arrays, typed arrays, numbers.
 *
 * @example
 * ```ts
 * const values: TensorInput = [[1, 2], [3, 4]];
 * tensor(values).shape;   // [2, 2]
 * ```
 */
export type TensorInput = number | NestedArray | readonly number[] | TypedArray | readonly TensorInput[];

/**
 * Anything an op accepts as a tensor operand: a Tensor, or values {@link tensor} understands.
 *
 * @example
 * ```ts
 * const operands: TensorLike[] = [2, [1, 2], tensor([3, 4])];
 * add(operands[1]!, operands[0]!);   // [3, 4]
 * ```
 */
export type TensorLike = Tensor | TensorInput;

function isTypedArray(value: unknown): value is TypedArray {
  return value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array;
}

/** Infers the shape of nested arrays and flattens them, checking that they are rectangular. */
function flatten(values: unknown, argName: string): { flat: number[]; shape: number[] } {
  if (typeof values === 'number') return { flat: [values], shape: [] };
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe) || isTypedArray(probe)) {
    shape.push((probe as ArrayLike<unknown>).length);
    if ((probe as ArrayLike<unknown>).length === 0) break;
    probe = (probe as ArrayLike<unknown>)[0];
  }
  const flat: number[] = [];
  const walk = (node: unknown, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof node !== 'number') throw new TypeError(`${argName}: expected a number at ${path || 'the top'}, got ${node === null ? 'null' : typeof node}`);
      flat.push(node);
      return;
    }
    if (!(Array.isArray(node) || isTypedArray(node)) || (node as ArrayLike<unknown>).length !== shape[axis]) {
      throw new RangeError(`${argName}: ragged nested array; expected length ${shape[axis]} at ${path || 'the top'} to match shape ${formatShape(shape)}`);
    }
    const arr = node as ArrayLike<unknown>;
    for (let i = 0; i < arr.length; i++) walk(arr[i], axis + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return { flat, shape };
}

/**
 * Nested arrays, a typed array or a number read on the host as float64 values and a shape,
 * without making a tensor (so on any backend, and without rounding to float32): what checks of
 * integer inputs (labels, lengths, indices) read before any work is done.
 *
 * @param values - nested arrays of numbers, a typed array (one axis) or a number (no axis)
 * @param argName - names the input in errors
 * @returns the row-major values and the shape
 * @throws TypeError / RangeError naming `argName` for a non-number or a ragged array
 *
 * @example
 * ```ts
 * hostArray([[1, 2], [3, 4]], 'label');   // { values: Float64Array [1, 2, 3, 4], shape: [2, 2] }
 * ```
 */
export function hostArray(values: TensorInput, argName = 'values'): { values: Float64Array; shape: number[] } {
  if (isTypedArray(values)) return { values: Float64Array.from(values), shape: [values.length] };
  const { flat, shape } = flatten(values, argName);
  return { values: Float64Array.from(flat), shape };
}

/**
 * Makes a tensor from nested arrays, a flat array or typed array with a `shape`, or a number.
 *
 * @param values - the elements; nested arrays give the shape, flat ones need `shape`
 * @param shape - the shape to give flat values (their length must match)
 * @param dtype - 'float32' (default for number arrays), 'float64' or 'int32'; typed arrays default to their own type
 * @throws TypeError / RangeError naming `values`, `shape` or `dtype`
 *
 * @example
 * ```ts
 * tensor([[0, 2], [1, 4]]);              // shape [2, 2], float32
 * tensor([1, 2, 3, 4], [2, 2], 'int32');
 * ```
 */
export function tensor(values: TensorInput, shape?: Shape, dtype?: DType): Tensor {
  const outDtype = dtype === undefined ? (isTypedArray(values) ? dtypeOfArray(values) : 'float32') : assertDType(dtype);
  let data: TypedArray;
  let inferred: number[];
  if (isTypedArray(values)) {
    data = allocate(outDtype, values.length);
    data.set(values);
    inferred = [values.length];
  } else {
    const { flat, shape: s } = flatten(values, 'values');
    data = allocate(outDtype, flat.length);
    for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
    inferred = s;
  }
  let finalShape: number[] = inferred;
  if (shape !== undefined) {
    finalShape = assertShape(shape);
    if (sizeOf(finalShape) !== data.length) {
      throw new RangeError(`tensor: shape ${formatShape(finalShape)} holds ${sizeOf(finalShape)} elements but values has ${data.length}`);
    }
  }
  return getBackend().fromValues(data, finalShape, outDtype);
}

/**
 * A scalar (rank-0) tensor.
 * @param value - the value
 * @param dtype - the element type (default float32)
 *
 * @example
 * ```ts
 * scalar(3).shape;           // []
 * scalar(3, 'int32').item();  // 3
 * ```
 */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new TypeError(`scalar: value must be a number, got ${typeof value}`);
  const data = allocate(assertDType(dtype), 1);
  data[0] = value;
  return getBackend().fromValues(data, [], dtype);
}

/**
 * A tensor of `shape` with every element `value`.
 * @param shape - the shape of the result
 * @param value - the value of every element
 * @param dtype - the element type (default float32)
 * @example
 * ```ts
 * full([2, 3], 0.5);
 * ```
 */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: value must be a number, got ${typeof value}`);
  return getBackend().fill(assertShape(shape), value, assertDType(dtype));
}

/** A tensor of zeros. @param shape - the shape of the result @param dtype - the element type (default float32) @example zeros([2, 3]) */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

/** A tensor of ones. @param shape - the shape of the result @param dtype - the element type (default float32) @example ones([4]) */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/**
 * Zeros with the shape and dtype of `x`.
 * @param x - the tensor whose shape and dtype to copy
 *
 * @example
 * ```ts
 * zerosLike(tensor([[1, 2]]));   // [[0, 0]], float32
 * ```
 */
export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, x.dtype);
}

/**
 * Ones with the shape and dtype of `x`.
 * @param x - the tensor whose shape and dtype to copy
 *
 * @example
 * ```ts
 * onesLike(tensor([1, 2], undefined, 'float64'));   // [1, 1], float64
 * ```
 */
export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, x.dtype);
}

/**
 * Evenly spaced values in [start, stop), like NumPy's arange. With one argument it counts from 0.
 * @param start - the first value (the end, counting from 0, when `stop` is omitted)
 * @param stop - the end (excluded)
 * @param step - the spacing (default 1; non-zero)
 * @param dtype - the element type (default float32)
 * @example
 * ```ts
 * arange(4);          // [0, 1, 2, 3]
 * arange(1, 2, 0.25); // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`arange: ${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new RangeError('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(assertDType(dtype), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return getBackend().fromValues(data, [n], dtype);
}

/**
 * The n x m identity matrix (m defaults to n).
 * @param n - the number of rows
 * @param m - the number of columns (default n)
 * @param dtype - the element type (default float32)
 *
 * @example
 * ```ts
 * eye(3)
 * ```
 */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  const [rows, cols] = assertShape([n, m], 'eye size');
  const data = allocate(assertDType(dtype), rows! * cols!);
  for (let i = 0; i < Math.min(rows!, cols!); i++) data[i * cols! + i] = 1;
  return getBackend().fromValues(data, [rows!, cols!], dtype);
}

const dtypeSchema = z.enum(['float32', 'float64', 'int32']);
const seedSchema = z.number().check(z.int('expected an integer seed'));

/**
 * Zod schema of {@link RandOptions}: the one declaration of their names, types and defaults;
 * unknown names are refused.
 *
 * @example
 * ```ts
 * randOptionsSchema.parse({ seed: 1 });   // { seed: 1, low: 0, high: 1, dtype: 'float32' }
 * ```
 */
export const randOptionsSchema = z.strictObject({
  /** Seed; the same seed gives the same numbers on every backend. Omitted: the global stream ({@link setSeed}). */
  seed: z.optional(seedSchema),
  /** Lower bound (inclusive), default 0. */
  low: z._default(z.number(), 0),
  /** Upper bound (exclusive), default 1. */
  high: z._default(z.number(), 1),
  /** Element type, default float32. */
  dtype: z._default(dtypeSchema, 'float32'),
});

/**
 * Options of {@link rand}: `seed`, `low`, `high`, `dtype` (see {@link randOptionsSchema}).
 *
 * @example
 * ```ts
 * rand([2, 2], { seed: 1, low: -1, high: 1 } satisfies RandOptions);
 * ```
 */
export type RandOptions = z.input<typeof randOptionsSchema>;

/**
 * Uniform random numbers in [low, high).
 * @param shape - the shape of the result
 * @param options - seed, bounds and dtype (see {@link RandOptions})
 * @throws TypeError for an unknown option or a wrong type; RangeError unless low < high
 * @example
 * ```ts
 * rand([2, 2], { seed: 1 });
 * ```
 */
export function rand(shape: Shape, options: RandOptions = {}): Tensor {
  const parsed = parseOptions('rand', randOptionsSchema, options);
  const { low, high } = parsed;
  if (!(high > low)) throw new RangeError(`rand: expected low < high, got low=${low}, high=${high}`);
  return sampled(shape, parsed, (data, rng) => {
    for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
  });
}

/**
 * Zod schema of {@link RandnOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * randnOptionsSchema.parse({ std: 0.1 });   // { mean: 0, std: 0.1, dtype: 'float32' }
 * ```
 */
export const randnOptionsSchema = z.strictObject({
  /** Seed; the same seed gives the same numbers on every backend. Omitted: the global stream. */
  seed: z.optional(seedSchema),
  /** Mean, default 0. */
  mean: z._default(z.number(), 0),
  /** Standard deviation, default 1. */
  std: z._default(z.number().check(z.nonnegative()), 1),
  /** Element type, default float32. */
  dtype: z._default(dtypeSchema, 'float32'),
});

/**
 * Options of {@link randn}: `seed`, `mean`, `std`, `dtype` (see {@link randnOptionsSchema}).
 *
 * @example
 * ```ts
 * randn([3], { seed: 1, mean: 0, std: 0.01, dtype: 'float64' } satisfies RandnOptions);
 * ```
 */
export type RandnOptions = z.input<typeof randnOptionsSchema>;

/**
 * Normally distributed random numbers.
 * @param shape - the shape of the result
 * @param options - seed, mean, standard deviation and dtype (see {@link RandnOptions})
 * @throws TypeError for an unknown option or a wrong type; RangeError for a negative std
 * @example
 * ```ts
 * randn([2, 2], { seed: 1 });
 * ```
 */
export function randn(shape: Shape, options: RandnOptions = {}): Tensor {
  const parsed = parseOptions('randn', randnOptionsSchema, options);
  const { mean, std } = parsed;
  return sampled(shape, parsed, (data, rng) => {
    for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  });
}

/**
 * A tensor of `shape` (checked) that `fill` fills from the seed's stream. Each caller passes its
 * own loop, not a per-element function: one call site for both distributions' draws ran rand 2x slower.
 */
function sampled(shape: Shape, options: { seed?: number | undefined; dtype: DType }, fill: (data: TypedArray, rng: Random) => void): Tensor {
  const s = assertShape(shape);
  const dtype = options.dtype;
  const data = allocate(dtype, sizeOf(s));
  fill(data, randomFor(options.seed));
  return getBackend().fromValues(data, s, dtype);
}

/**
 * Turns a {@link TensorLike} into a tensor on the current backend. A plain number takes
 * `likeDtype` when that is a float type, so `mul(x, 2)` keeps x's dtype.
 * @internal
 */
export function toTensor(value: TensorLike, argName = 'x', likeDtype?: DType): Tensor {
  if (value instanceof Tensor) {
    if (value.isDisposed) throw new Error(`${argName}: this tensor was disposed`);
    const backend = getBackend();
    if (value.backend === backend) return value;
    return backend.fromValues(value.dataSync(), value.shape, value.dtype);
  }
  if (typeof value === 'number') {
    const dtype = likeDtype === undefined ? 'float32' : likeDtype === 'int32' && !Number.isInteger(value) ? 'float32' : likeDtype;
    return scalar(value, dtype);
  }
  if (value === null || value === undefined || (typeof value !== 'object')) {
    throw new TypeError(`${argName}: expected a Tensor, a number or an array of numbers, got ${value === null ? 'null' : typeof value}`);
  }
  try {
    return tensor(value as TensorInput, undefined, isTypedArray(value) ? undefined : likeDtype === 'float64' ? 'float64' : undefined);
  } catch (e) {
    throw new TypeError(`${argName}: ${(e as Error).message.replace(/^(tensor|values): /, '')}`);
  }
}

/**
 * {@link toTensor}, with int32 promoted to float32: the operand of an op whose result is fractional.
 * @internal
 */
export function toFloatTensor(value: TensorLike, argName = 'x'): Tensor {
  const t = toTensor(value, argName);
  return t.dtype === 'int32' ? getBackend().cast(t, 'float32') : t;
}
