/**
 * Checks shared by every loss: options and trailing input objects parsed with zod, operands
 * converted to Variables of the prediction's dtype, and the shape and value checks that must
 * pass before a loss does any work. Every error names the loss and the offending option or input.
 */
import * as z from 'zod';
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
export const optionalOperand = operandSchema.nullish();

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
  if (!isVariableLike(x)) {
    throw new TypeError(`${lossName}: ${argName} must be a Variable, a Tensor, a number or nested arrays of numbers, got ${describeValue(x)}`);
  }
  if (x instanceof Variable) return x.dtype === dtype ? x : cast(x, dtype);
  let t: Tensor;
  try {
    t = T.toTensor(x, argName, dtype);
  } catch (e) {
    throw new TypeError(`${lossName}: ${(e as Error).message}`);
  }
  return constant(t.dtype === dtype ? t : T.cast(t, dtype));
}

/**
 * The values of an operand on the host as float64, for the checks that depend on values
 * (integer labels, lengths). Reads a device tensor back once.
 */
export function hostValues(lossName: string, argName: string, x: VariableLike): { values: Float64Array; shape: Shape } {
  if (!isVariableLike(x)) {
    throw new TypeError(`${lossName}: ${argName} must be a Variable, a Tensor, a number or nested arrays of numbers, got ${describeValue(x)}`);
  }
  let t: Tensor;
  if (x instanceof Variable) t = x.value;
  else {
    try {
      t = x instanceof T.Tensor ? x : T.toTensor(x, argName, 'float64');
    } catch (e) {
      throw new TypeError(`${lossName}: ${(e as Error).message}`);
    }
  }
  const data = t.dataSync();
  return { values: data instanceof Float64Array ? data : Float64Array.from(data), shape: t.shape };
}

/** The shape of an operand without converting it (nested arrays are measured). */
export function shapeOf(x: VariableLike): Shape {
  if (x instanceof Variable || x instanceof T.Tensor) return x.shape;
  return T.toTensor(x, 'x', 'float64').shape;
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
