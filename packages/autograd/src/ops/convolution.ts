/**
 * The public convolution and pooling ops over NCW and NCHW inputs. Their rows in the derivatives
 * table (`src/derivatives.ts`) are 2-D; a 1-D op views its input as height 1. Options are
 * validated here with zod, each a number (every axis) or one entry per axis.
 */
import * as T from '@lossgraph/tensor';
import type { Conv2dParams, Pair, Pool2dParams } from '@lossgraph/tensor';
import * as z from 'zod/mini';
import * as D from '../derivatives.js';
import { toVariable, type Variable, type VariableLike } from '../variable.js';

/** A count for every spatial axis (one number) or per axis (an array of `dims` numbers). */
function perAxis(dims: 1 | 2, min: 0 | 1) {
  const count = min === 1 ? z.number().check(z.int(), z.positive()) : z.number().check(z.int(), z.nonnegative());
  return z.union([count, z.array(count).check(z.length(dims))]);
}

function convSchema(dims: 1 | 2) {
  return z.strictObject({
    /** Step between output positions (default 1). */
    strides: z._default(perAxis(dims, 1), 1),
    /** Zeros added on both sides of each spatial axis (default 0). */
    padding: z._default(perAxis(dims, 0), 0),
    /** Step between kernel taps (default 1). */
    dilation: z._default(perAxis(dims, 1), 1),
    /** Channel groups (default 1): input and output channels split into this many independent convolutions. */
    groups: z._default(z.number().check(z.int(), z.positive()), 1),
  });
}

function poolSchema(dims: 1 | 2) {
  return z.strictObject({
    /** Window extent (default 2, as Gluon). */
    poolSize: z._default(perAxis(dims, 1), 2),
    /** Step between windows (default: the window extent). */
    strides: z.optional(perAxis(dims, 1)),
    /** Padding on both sides of each axis, at most half the window (default 0); −∞ for max pooling, counted zeros for average pooling. */
    padding: z._default(perAxis(dims, 0), 0),
  });
}

/**
 * Zod schema of {@link Conv1dOptions}.
 * @example
 * ```ts
 * Conv1dOptionsSchema.parse({ padding: 1 }).strides;   // 1
 * ```
 */
export const Conv1dOptionsSchema = convSchema(1);
/**
 * Zod schema of {@link Conv2dOptions}.
 * @example
 * ```ts
 * Conv2dOptionsSchema.parse({ strides: [2, 1] }).groups;   // 1
 * ```
 */
export const Conv2dOptionsSchema = convSchema(2);
/**
 * Zod schema of {@link Pool1dOptions}.
 * @example
 * ```ts
 * Pool1dOptionsSchema.parse({}).poolSize;   // 2
 * ```
 */
export const Pool1dOptionsSchema = poolSchema(1);
/**
 * Zod schema of {@link Pool2dOptions}.
 * @example
 * ```ts
 * Pool2dOptionsSchema.parse({ poolSize: [3, 2] }).padding;   // 0
 * ```
 */
export const Pool2dOptionsSchema = poolSchema(2);

/**
 * Options of {@link conv1d}: `strides`, `padding`, `dilation` (each a number) and `groups`.
 * @example
 * ```ts
 * const options: Conv1dOptions = { strides: 2, padding: 1 };
 * ```
 */
export type Conv1dOptions = z.input<typeof Conv1dOptionsSchema>;
/**
 * Options of {@link conv2d}: `strides`, `padding`, `dilation` (each a number or `[height, width]`) and `groups`.
 * @example
 * ```ts
 * const options: Conv2dOptions = { strides: [2, 1], padding: 1, groups: 2 };
 * ```
 */
export type Conv2dOptions = z.input<typeof Conv2dOptionsSchema>;
/**
 * Options of {@link maxPool1d} and {@link avgPool1d}: `poolSize`, `strides`, `padding` (numbers).
 * @example
 * ```ts
 * const options: Pool1dOptions = { poolSize: 3, strides: 2, padding: 1 };
 * ```
 */
export type Pool1dOptions = z.input<typeof Pool1dOptionsSchema>;
/**
 * Options of {@link maxPool2d} and {@link avgPool2d}: `poolSize`, `strides`, `padding` (each a number or `[height, width]`).
 * @example
 * ```ts
 * const options: Pool2dOptions = { poolSize: [3, 3], strides: 2, padding: 1 };
 * ```
 */
export type Pool2dOptions = z.input<typeof Pool2dOptionsSchema>;

/** A per-axis option as a pair, height first; a 1-D value goes to the width, with `forHeight` for the height. */
function pairOf(value: number | readonly number[], dims: 1 | 2, forHeight: number): Pair {
  if (dims === 1) return [forHeight, typeof value === 'number' ? value : value[0]!];
  return typeof value === 'number' ? [value, value] : [value[0]!, value[1]!];
}

function convParams(options: Conv1dOptions | Conv2dOptions | undefined, dims: 1 | 2, opName: string): Conv2dParams {
  const o = T.parseOptions(opName, dims === 1 ? Conv1dOptionsSchema : Conv2dOptionsSchema, options ?? {});
  return { strides: pairOf(o.strides, dims, 1), padding: pairOf(o.padding, dims, 0), dilation: pairOf(o.dilation, dims, 1), groups: o.groups };
}

function poolParams(options: Pool1dOptions | Pool2dOptions | undefined, dims: 1 | 2, opName: string): Pool2dParams {
  const o = T.parseOptions(opName, dims === 1 ? Pool1dOptionsSchema : Pool2dOptionsSchema, options ?? {});
  const poolSize = pairOf(o.poolSize, dims, 1);
  return { poolSize, strides: o.strides === undefined ? poolSize : pairOf(o.strides, dims, 1), padding: pairOf(o.padding, dims, 0) };
}

function checkRank(v: Variable, rank: number, argName: string, layout: string, opName: string): void {
  if (v.rank !== rank) throw new RangeError(`${opName}: ${argName} must be ${layout}, got shape ${T.formatShape(v.shape)}`);
}

/** The checked operands of conv1d/conv2d: options first, then x and w (w in x's dtype) and their ranks. */
function convOperands(x: VariableLike, w: VariableLike, options: Conv1dOptions | Conv2dOptions | undefined, dims: 1 | 2, opName: string): { vx: Variable; vw: Variable; params: Conv2dParams } {
  const params = convParams(options, dims, opName);
  const vx = toVariable(x, 'x');
  const vw = toVariable(w, 'w', vx.dtype);
  checkRank(vx, dims + 2, 'x', dims === 1 ? '[N, C, W]' : '[N, C, H, W]', opName);
  checkRank(vw, dims + 2, 'w', dims === 1 ? '[outChannels, inChannels / groups, k]' : '[outChannels, inChannels / groups, kh, kw]', opName);
  return { vx, vw, params };
}

/** `[N, C, W]` viewed as `[N, C, 1, W]`. */
function withHeight(v: Variable): Variable {
  return D.reshape(v, [v.shape[0]!, v.shape[1]!, 1, v.shape[2]!]);
}

/** `[N, C, 1, W]` back to `[N, C, W]`. */
function withoutHeight(v: Variable): Variable {
  return D.reshape(v, [v.shape[0]!, v.shape[1]!, v.shape[3]!]);
}

/**
 * 2-D convolution (cross-correlation) of NCHW `x` with weights `[O, C / groups, kh, kw]`, no bias.
 * Differentiable in both operands to any order: the gradients are convolutions too.
 *
 * @param x - `[N, C, H, W]`
 * @param w - `[O, C / groups, kh, kw]`
 * @param options - `strides`, `padding` (zeros on both sides), `dilation` (each a number or
 *   `[height, width]`, defaults 1, 0, 1) and `groups` (default 1)
 * @returns `[N, O, Ho, Wo]`, `Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / strides⌋ + 1`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * conv2d(images, kernels, { padding: 1 });             // same height and width for 3x3 kernels
 * conv2d(images, kernels, { strides: 2, groups: 4 });
 * ```
 */
export function conv2d(x: VariableLike, w: VariableLike, options?: Conv2dOptions): Variable {
  const { vx, vw, params } = convOperands(x, w, options, 2, 'conv2d');
  return D.conv2d(vx, vw, params);
}

/**
 * 1-D convolution (cross-correlation) of NCW `x` with weights `[O, C / groups, k]`, no bias
 * (a 2-D convolution over height 1).
 *
 * @param x - `[N, C, W]`
 * @param w - `[O, C / groups, k]`
 * @param options - `strides`, `padding`, `dilation` (numbers, defaults 1, 0, 1) and `groups` (default 1)
 * @returns `[N, O, Wo]`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * conv1d(frames, kernels, { padding: 1 });   // [N, C, T] to [N, O, T] for kernels of 3
 * ```
 */
export function conv1d(x: VariableLike, w: VariableLike, options?: Conv1dOptions): Variable {
  const { vx, vw, params } = convOperands(x, w, options, 1, 'conv1d');
  return withoutHeight(D.conv2d(withHeight(vx), withHeight(vw), params));
}

function pool2d(x: VariableLike, options: Pool2dOptions | undefined, opName: string, run: (v: Variable, p: Pool2dParams) => Variable): Variable {
  const params = poolParams(options, 2, opName);
  const v = toVariable(x, 'x');
  checkRank(v, 4, 'x', '[N, C, H, W]', opName);
  return run(v, params);
}

function pool1d(x: VariableLike, options: Pool1dOptions | undefined, opName: string, run: (v: Variable, p: Pool2dParams) => Variable): Variable {
  const params = poolParams(options, 1, opName);
  const v = toVariable(x, 'x');
  checkRank(v, 3, 'x', '[N, C, W]', opName);
  return withoutHeight(run(withHeight(v), params));
}

/**
 * 2-D max pooling over NCHW `x`: the padding is −∞, output sizes round down, and each window's
 * gradient goes to its first maximum (as PyTorch).
 *
 * @param x - `[N, C, H, W]`
 * @param options - `poolSize` (default 2), `strides` (default `poolSize`), `padding` (default 0,
 *   at most half the window), each a number or `[height, width]`
 * @returns `[N, C, Ho, Wo]`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * maxPool2d(features);                                         // 2x2 windows, strides 2
 * maxPool2d(features, { poolSize: 3, strides: 2, padding: 1 });
 * ```
 */
export function maxPool2d(x: VariableLike, options?: Pool2dOptions): Variable {
  return pool2d(x, options, 'maxPool2d', D.maxPool2d);
}

/**
 * 1-D max pooling over NCW `x` (see {@link maxPool2d}).
 *
 * @param x - `[N, C, W]`
 * @param options - `poolSize` (default 2), `strides` (default `poolSize`), `padding` (default 0)
 * @returns `[N, C, Wo]`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * maxPool1d(frames, { poolSize: 3, strides: 2 });
 * ```
 */
export function maxPool1d(x: VariableLike, options?: Pool1dOptions): Variable {
  return pool1d(x, options, 'maxPool1d', D.maxPool2d);
}

/**
 * 2-D average pooling over NCHW `x`: padded zeros count in each average (Gluon's and PyTorch's
 * default), output sizes round down.
 *
 * @param x - `[N, C, H, W]`
 * @param options - `poolSize` (default 2), `strides` (default `poolSize`), `padding` (default 0,
 *   at most half the window), each a number or `[height, width]`
 * @returns `[N, C, Ho, Wo]`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * avgPool2d(features, { poolSize: 3, strides: 2, padding: 1 });
 * ```
 */
export function avgPool2d(x: VariableLike, options?: Pool2dOptions): Variable {
  return pool2d(x, options, 'avgPool2d', D.avgPool2d);
}

/**
 * 1-D average pooling over NCW `x` (see {@link avgPool2d}).
 *
 * @param x - `[N, C, W]`
 * @param options - `poolSize` (default 2), `strides` (default `poolSize`), `padding` (default 0)
 * @returns `[N, C, Wo]`
 * @throws TypeError naming a bad option; RangeError for shapes that do not fit
 * @example
 * ```ts
 * avgPool1d(frames, { poolSize: 4 });
 * ```
 */
export function avgPool1d(x: VariableLike, options?: Pool1dOptions): Variable {
  return pool1d(x, options, 'avgPool1d', D.avgPool2d);
}
