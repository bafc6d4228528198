/**
 * Checks shared by every loss: options and trailing input objects parsed with zod, operands
 * converted to Variables of the prediction's dtype, and the shape and value checks that must
 * pass before a loss does any work. Every error names the loss and the offending option or input.
 */
import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { describeValue, type DType, type Shape, type Tensor } from '@lossgraph/tensor';
import { cast, constant, Variable, type VariableLike } from '@lossgraph/autograd';

/**
 * True for anything the autograd ops accept as an operand.
 * @param value - anything
 *
 * @example
 * ```ts
 * isVariableLike([[1, 2]]);   // true
 * isVariableLike('1');        // false
 * ```
 */
export function isVariableLike(value: unknown): value is VariableLike {
  if (value instanceof Variable || value instanceof T.Tensor) return true;
  if (typeof value === 'number') return true;
  return Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array;
}

/**
 * A zod schema for one operand (a Variable, a Tensor, a number or nested arrays).
 *
 * @example
 * ```ts
 * const inputs = z.strictObject({ mask: operandSchema });
 * inputs.parse({ mask: [1, 0, 1] });
 * ```
 */
export const operandSchema = z.custom<VariableLike>(isVariableLike, {
  error: 'expected a Variable, a Tensor, a number or nested arrays of numbers',
});

/** A zod schema for an optional operand; null counts as absent, as None does in Gluon. */
export const optionalOperand = z.nullish(operandSchema);

/** The float dtype a loss computes in: pred's own float dtype, float32 for int32 or plain arrays. */
export function floatDtypeOf(x: VariableLike): DType {
  const dtype = x instanceof Variable || x instanceof T.Tensor ? x.dtype : x instanceof Float64Array ? 'float64' : 'float32';
  return dtype === 'int32' ? 'float32' : dtype;
}

/**
 * Converts an operand to a Variable of `dtype`. A Variable keeps its history (a differing float
 * dtype goes through a recorded cast, so its gradient comes back in its own dtype); anything else
 * becomes a constant.
 *
 * @param lossName - prefixes conversion errors
 * @param argName - the input's name in errors, e.g. 'label'
 */
export function toOperand(lossName: string, argName: string, x: VariableLike, dtype: DType): Variable {
  return convertOperand(readOperand(lossName, argName, x, dtype), dtype);
}

/**
 * An operand read but not yet converted to the loss's dtype: a Variable as given, anything else a
 * Tensor (nested arrays and numbers made in `dtype` where that is float64). Its shape is known and
 * no kernel has run, so a loss checks every shape on these before {@link convertOperand} casts.
 *
 * @example
 * ```ts
 * // Inside a Loss subclass's compute: check shapes first, convert after.
 * const read: ReadOperand = this.readOperand(pred, 'pred', 'float32');
 * if (read.shape.length !== 2) throw new RangeError(`${this.name}: pred must have 2 axes`);
 * const p = convertOperand(read, 'float32');
 * ```
 */
export type ReadOperand = Variable | Tensor;

/**
 * Reads an operand without casting it (see {@link ReadOperand}).
 *
 * @param lossName - prefixes errors
 * @param argName - the input's name in errors, e.g. 'label'
 * @param x - the input
 * @param dtype - the dtype a plain number or nested array takes where it can at no cost
 * @throws TypeError naming the input when it is not an operand
 */
export function readOperand(lossName: string, argName: string, x: VariableLike, dtype: DType): ReadOperand {
  if (!isVariableLike(x)) {
    throw new TypeError(`${lossName}: ${argName} must be a Variable, a Tensor, a number or nested arrays of numbers, got ${describeValue(x)}`);
  }
  if (x instanceof Variable) return x;
  try {
    return T.toTensor(x, argName, dtype);
  } catch (e) {
    throw new TypeError(`${lossName}: ${(e as Error).message}`);
  }
}

/**
 * A read operand as a Variable of `dtype`: a Variable keeps its history (a differing float dtype
 * goes through a recorded cast); a Tensor becomes a constant, cast where its dtype differs.
 *
 * @param x - an operand read by `Loss.readOperand`, its shapes checked
 * @param dtype - the dtype the loss computes in
 * @returns the operand as a Variable of `dtype`
 * @example
 * ```ts
 * const label = convertOperand(tensor([0, 1], [2], 'int32'), 'float32');   // a float32 constant
 * ```
 */
export function convertOperand(x: ReadOperand, dtype: DType): Variable {
  if (x instanceof Variable) return x.dtype === dtype ? x : cast(x, dtype);
  return constant(x.dtype === dtype ? x : T.cast(x, dtype));
}

/**
 * The values of an operand on the host as float64, for the checks that depend on values
 * (integer labels, lengths). Reads a device tensor back once.
 */
export function hostValues(lossName: string, argName: string, x: VariableLike): { values: Float64Array; shape: Shape } {
  if (!isVariableLike(x)) {
    throw new TypeError(`${lossName}: ${argName} must be a Variable, a Tensor, a number or nested arrays of numbers, got ${describeValue(x)}`);
  }
  if (!(x instanceof Variable) && !(x instanceof T.Tensor)) {
    // Plain arrays are read on the host, never made into a tensor: a float64 tensor would be
    // refused by gpujs, and a float32 one would round the values the checks are about.
    try {
      return T.hostArray(x, argName);
    } catch (e) {
      throw new TypeError(`${lossName}: ${(e as Error).message}`);
    }
  }
  const t = x instanceof Variable ? x.value : x;
  const data = t.dataSync();
  return { values: data instanceof Float64Array ? data : Float64Array.from(data), shape: t.shape };
}

/** The shape of an operand without converting it (nested arrays are measured). */
export function shapeOf(x: VariableLike): Shape {
  if (x instanceof Variable || x instanceof T.Tensor) return x.shape;
  return T.hostArray(x, 'x').shape;
}

/**
 * MXNet's `reshape_like`: `x` takes `like`'s shape, which needs the same number of elements.
 * @throws RangeError naming the input and both shapes
 */
export function reshapeCheck(lossName: string, argName: string, x: Shape, like: Shape, likeName: string): void {
  const n = T.sizeOf(x);
  const m = T.sizeOf(like);
  if (n !== m) {
    throw new RangeError(
      `${lossName}: ${argName} of shape ${T.formatShape(x)} (${n} elements) cannot be reshaped to ${likeName}'s shape ${T.formatShape(like)} (${m} elements)`,
    );
  }
}

/** True when `from` broadcasts to exactly `to` (NumPy rules, without enlarging `to`). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const lead = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[i + lead]);
}

/**
 * Checks that an operand (a sample weight, a positive-class weight) broadcasts to the loss shape
 * without enlarging it.
 * @throws RangeError naming the input and both shapes
 */
export function broadcastCheck(lossName: string, argName: string, x: Shape, to: Shape, toName: string): void {
  if (!broadcastsTo(x, to)) {
    throw new RangeError(
      `${lossName}: ${argName} of shape ${T.formatShape(x)} does not broadcast to ${toName} ${T.formatShape(to)} ` +
        '(NumPy rules, aligned at the last axis; each extent must equal the target extent or be 1)',
    );
  }
}

/**
 * Checks that every value is an integer in [low, high).
 * @throws RangeError naming the input, the first bad element and the range
 */
export function integerCheck(lossName: string, argName: string, values: Float64Array, shape: Shape, low: number, high: number, why: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isInteger(v) && v >= low && v < high) continue;
    const index: number[] = [];
    let rest = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      index.unshift(rest % shape[a]!);
      rest = Math.floor(rest / shape[a]!);
    }
    const kind = Number.isInteger(v) ? `${v}, outside [${low}, ${high})` : `${v}, not an integer`;
    throw new RangeError(`${lossName}: ${argName} holds ${kind} at [${index.join(', ')}] (${why})`);
  }
}

/**
 * Checks that every value passes `accept`.
 * @throws RangeError naming the input, the first bad element and what was expected
 */
export function valueCheck(lossName: string, argName: string, values: Float64Array, shape: Shape, accept: (v: number) => boolean, expected: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (accept(v)) continue;
    const index: number[] = [];
    let rest = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      index.unshift(rest % shape[a]!);
      rest = Math.floor(rest / shape[a]!);
    }
    throw new RangeError(`${lossName}: ${argName} holds ${v} at [${index.join(', ')}] (${expected})`);
  }
}
