/**
 * The element types a {@link Tensor} can hold. `float32` is the default.
 *
 * @example
 * ```ts
 * const t = zeros([2], 'float64' satisfies DType);
 * t.dtype;   // 'float64'
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32';

/**
 * The typed array that stores each {@link DType}.
 *
 * @example
 * ```ts
 * const data: TypedArray = tensor([1, 2]).dataSync();   // Float32Array [1, 2]
 * ```
 */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Every dtype, in promotion order (a later one wins when two meet in a binary op). */
export const DTYPES: readonly DType[] = ['int32', 'float32', 'float64'];

/**
 * Checks that `value` names a dtype and returns it typed.
 * @param value - the candidate, usually from user input
 * @param argName - the argument name used in the error message
 * @throws TypeError naming the argument and the accepted dtypes
 *
 * @example
 * ```ts
 * const dtype = assertDType(options.dtype ?? 'float32');   // TypeError for 'float16'
 * ```
 */
export function assertDType(value: unknown, argName = 'dtype'): DType {
  if (value === 'float32' || value === 'float64' || value === 'int32') return value;
  throw new TypeError(`${argName}: expected one of 'float32', 'float64', 'int32', got ${JSON.stringify(value)}`);
}

/** Allocates a zero-filled typed array of `dtype` with `length` elements. */
export function allocate(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int32': return new Int32Array(length);
  }
}

/** The dtype of a typed array. */
export function dtypeOfArray(array: TypedArray): DType {
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'float32';
}

/**
 * The result dtype of a binary op between `a` and `b`: int32 < float32 < float64.
 * @param a - a dtype
 * @param b - the other dtype
 *
 * @example
 * ```ts
 * promoteTypes('int32', 'float32');   // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/**
 * True for float32 and float64.
 * @param dtype - the dtype to test
 *
 * @example
 * ```ts
 * isFloat('float64');   // true
 * isFloat('int32');     // false
 * ```
 */
export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}
