/**
 * Convolution and pooling over NCHW tensors, and their adjoints. One-dimensional work (NCW) is the
 * two-dimensional case with height 1: the autograd package's `conv1d` and pools reshape to it.
 *
 * These functions take fully spelled-out parameters (one entry per spatial axis) and check shapes
 * before any work; the autograd package's ops give the defaults and accept a number for both axes.
 */
import { isFloat, promoteTypes } from '../dtype.js';
import { getBackend } from '../registry.js';
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from '../creation.js';

/**
 * A pair of per-axis values, height first.
 *
 * @example
 * ```ts
 * const strides: Pair = [2, 1];
 * ```
 */
export type Pair = readonly [number, number];

/**
 * The parameters of a 2-D convolution: output `(oh, ow)` reads input rows
 * `oh·strides[0] − padding[0] + kh·dilation[0]` (and columns alike), zero outside the input;
 * channels split into `groups` groups convolved independently.
 *
 * @example
 * ```ts
 * const params: Conv2dParams = { strides: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
 * ```
 */
export interface Conv2dParams {
  /** Step between windows, per axis (positive). */
  readonly strides: Pair;
  /** Zeros added before and after each axis (non-negative, symmetric). */
  readonly padding: Pair;
  /** Step between the taps of the kernel, per axis (positive). */
  readonly dilation: Pair;
  /** Channel groups: input and output channels are both multiples of it. */
  readonly groups: number;
}

/**
 * The parameters of a 2-D pooling: windows of `poolSize` every `strides`, the input padded by
 * `padding` on both sides (with −∞ for max pooling, with zeros that count in the average for
 * average pooling); output sizes round down.
 *
 * @example
 * ```ts
 * const params: Pool2dParams = { poolSize: [2, 2], strides: [2, 2], padding: [0, 0] };
 * ```
 */
export interface Pool2dParams {
  /** Window extent, per axis (positive). */
  readonly poolSize: Pair;
  /** Step between windows, per axis (positive). */
  readonly strides: Pair;
  /** Padding on both sides of each axis, at most half the window. */
  readonly padding: Pair;
}

function checkPair(value: unknown, name: string, opName: string, min: number): void {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${opName}: ${name} must be two integers >= ${min}, got ${JSON.stringify(value)}`);
  }
}

function checkConvParams(params: Conv2dParams, opName: string): void {
  checkPair(params.strides, 'strides', opName, 1);
  checkPair(params.padding, 'padding', opName, 0);
  checkPair(params.dilation, 'dilation', opName, 1);
  if (!Number.isInteger(params.groups) || params.groups < 1) throw new RangeError(`${opName}: groups must be a positive integer, got ${String(params.groups)}`);
}

function checkPoolParams(params: Pool2dParams, opName: string): void {
  checkPair(params.poolSize, 'poolSize', opName, 1);
  checkPair(params.strides, 'strides', opName, 1);
  checkPair(params.padding, 'padding', opName, 0);
  for (let axis = 0; axis < 2; axis++) {
    // A window wholly in the padding would have no element to pool (PyTorch's rule too).
    if (2 * params.padding[axis]! > params.poolSize[axis]!) {
      throw new RangeError(`${opName}: padding ${JSON.stringify(params.padding)} must be at most half of poolSize ${JSON.stringify(params.poolSize)} on each axis`);
    }
  }
}

/** Output extent of one axis: windows of `span` input positions every `stride`, rounded down. */
function outExtent(size: number, padding: number, span: number, stride: number): number {
  return Math.floor((size + 2 * padding - span) / stride) + 1;
}

/**
 * The spatial output size of a convolution or pooling over an input of `inputSize`.
 *
 * @param inputSize - input height and width
 * @param kernelSize - kernel (or window) height and width
 * @param strides - steps between windows
 * @param padding - padding on both sides
 * @param dilation - steps between kernel taps (1 for pooling)
 * @returns output height and width (either may be < 1 when the window does not fit)
 * @example
 * ```ts
 * windowOutputSize([8, 8], [3, 3], [1, 1], [1, 1], [1, 1]);   // [8, 8]
 * ```
 */
export function windowOutputSize(inputSize: Pair, kernelSize: Pair, strides: Pair, padding: Pair, dilation: Pair): [number, number] {
  return [0, 1].map((a) => outExtent(inputSize[a]!, padding[a]!, dilation[a]! * (kernelSize[a]! - 1) + 1, strides[a]!)) as [number, number];
}

function floatOperand(value: TensorLike, argName: string, opName: string, rank: number, like?: Tensor): Tensor {
  const t = toTensor(value, argName, like?.dtype);
  if (t.rank !== rank) throw new RangeError(`${opName}: ${argName} must have rank ${rank}, got shape ${formatShape(t.shape)}`);
  if (!isFloat(t.dtype)) throw new TypeError(`${opName}: ${argName} must be float32 or float64, got ${t.dtype}`);
  return t;
}

/** Casts both operands to their promoted dtype. */
function promoted(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const dtype = promoteTypes(a.dtype, b.dtype);
  const backend = getBackend();
  return [a.dtype === dtype ? a : backend.cast(a, dtype), b.dtype === dtype ? b : backend.cast(b, dtype)];
}

function checkOutput(out: Pair, opName: string, what: string): void {
  if (out[0] < 1 || out[1] < 1) throw new RangeError(`${opName}: ${what} gives an empty output (${out[0]}x${out[1]})`);
}

/** Checks `x` against `w` and gives the convolution's output shape. */
function convShape(x: Shape, w: Shape, params: Conv2dParams, opName: string, xName: string): number[] {
  const [n, c, h, wd] = x as [number, number, number, number];
  const [o, cg, kh, kw] = w as [number, number, number, number];
  if (o % params.groups !== 0) throw new RangeError(`${opName}: the weight's ${o} output channels are not a multiple of groups = ${params.groups}`);
  if (cg * params.groups !== c) {
    throw new RangeError(`${opName}: ${xName} ${formatShape(x)} has ${c} channels, but the weight ${formatShape(w)} with groups = ${params.groups} reads ${cg * params.groups}`);
  }
  const out = windowOutputSize([h, wd], [kh, kw], params.strides, params.padding, params.dilation);
  checkOutput(out, opName, `a ${kh}x${kw} kernel (dilation ${JSON.stringify(params.dilation)}) over ${h}x${wd} with padding ${JSON.stringify(params.padding)}`);
  return [n, o, out[0], out[1]];
}

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library) of NCHW `x` with weights
 * `[outChannels, inChannels / groups, kh, kw]`; no bias.
 *
 * @param x - `[N, C, H, W]`
 * @param w - `[O, C / groups, kh, kw]`
 * @param params - strides, padding, dilation and groups, see {@link Conv2dParams}
 * @returns `[N, O, Ho, Wo]` with `Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1`
 * @throws RangeError for mismatched shapes or a kernel that does not fit
 * @example
 * ```ts
 * conv2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), { strides: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 });   // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2d(x: TensorLike, w: TensorLike, params: Conv2dParams): Tensor {
  checkConvParams(params, 'conv2d');
  const [tx, tw] = promoted(floatOperand(x, 'x', 'conv2d', 4), floatOperand(w, 'w', 'conv2d', 4));
  const outShape = convShape(tx.shape, tw.shape, params, 'conv2d', 'x');
  return getBackend().conv2d(tx, tw, params, outShape);
}

/**
 * The gradient of {@link conv2d} with respect to its input (a transposed convolution): the adjoint
 * of `x ↦ conv2d(x, w)` applied to `dy`.
 *
 * @param dy - `[N, O, Ho, Wo]`, the gradient arriving at the convolution's output
 * @param w - the weight `[O, C / groups, kh, kw]`
 * @param params - the convolution's parameters
 * @param inputSize - the input's height and width (several sizes give the same output size)
 * @returns `[N, C, H, W]`
 * @throws RangeError when `dy` is not the output shape of that convolution
 * @example
 * ```ts
 * conv2dInputGrad(ones([1, 1, 2, 2]), ones([1, 1, 2, 2]), params, [3, 3]);   // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export function conv2dInputGrad(dy: TensorLike, w: TensorLike, params: Conv2dParams, inputSize: Pair): Tensor {
  checkConvParams(params, 'conv2dInputGrad');
  checkPair(inputSize, 'inputSize', 'conv2dInputGrad', 1);
  const [tdy, tw] = promoted(floatOperand(dy, 'dy', 'conv2dInputGrad', 4), floatOperand(w, 'w', 'conv2dInputGrad', 4));
  const xShape = [tdy.shape[0]!, tw.shape[1]! * params.groups, inputSize[0], inputSize[1]];
  const yShape = convShape(xShape, tw.shape, params, 'conv2dInputGrad', 'the input');
  if (!shapesEqual(yShape, tdy.shape)) throw new RangeError(`conv2dInputGrad: dy must have shape ${formatShape(yShape)}, got ${formatShape(tdy.shape)}`);
  return getBackend().conv2dInputGrad(tdy, tw, params, xShape);
}

/**
 * The gradient of {@link conv2d} with respect to its weight: the adjoint of `w ↦ conv2d(x, w)`
 * applied to `dy`.
 *
 * @param x - the input `[N, C, H, W]`
 * @param dy - `[N, O, Ho, Wo]`, the gradient arriving at the convolution's output
 * @param params - the convolution's parameters
 * @param kernelSize - the kernel's height and width
 * @returns `[O, C / groups, kh, kw]`
 * @throws RangeError when `dy` is not the output shape of that convolution
 * @example
 * ```ts
 * conv2dWeightGrad(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), params, [2, 2]);   // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2dWeightGrad(x: TensorLike, dy: TensorLike, params: Conv2dParams, kernelSize: Pair): Tensor {
  checkConvParams(params, 'conv2dWeightGrad');
  checkPair(kernelSize, 'kernelSize', 'conv2dWeightGrad', 1);
  const [tx, tdy] = promoted(floatOperand(x, 'x', 'conv2dWeightGrad', 4), floatOperand(dy, 'dy', 'conv2dWeightGrad', 4));
  const o = tdy.shape[1]!;
  if (tx.shape[1]! % params.groups !== 0) throw new RangeError(`conv2dWeightGrad: x's ${tx.shape[1]} channels are not a multiple of groups = ${params.groups}`);
  const wShape = [o, tx.shape[1]! / params.groups, kernelSize[0], kernelSize[1]];
  const yShape = convShape(tx.shape, wShape, params, 'conv2dWeightGrad', 'x');
  if (!shapesEqual(yShape, tdy.shape)) throw new RangeError(`conv2dWeightGrad: dy must have shape ${formatShape(yShape)}, got ${formatShape(tdy.shape)}`);
  return getBackend().conv2dWeightGrad(tx, tdy, params, wShape);
}

/** Checks a pooling's input and gives its output shape. */
function poolShape(x: Shape, params: Pool2dParams, opName: string): number[] {
  const out = windowOutputSize([x[2]!, x[3]!], params.poolSize, params.strides, params.padding, [1, 1]);
  checkOutput(out, opName, `a ${params.poolSize[0]}x${params.poolSize[1]} window over ${x[2]}x${x[3]} with padding ${JSON.stringify(params.padding)}`);
  return [x[0]!, x[1]!, out[0], out[1]];
}

/**
 * 2-D max pooling of NCHW `x`, the padding being −∞; a window's NaN wins.
 *
 * @param x - `[N, C, H, W]`
 * @param params - window, strides and padding, see {@link Pool2dParams}
 * @returns `[N, C, Ho, Wo]`
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), { poolSize: [2, 2], strides: [2, 2], padding: [0, 0] });   // [[[[4]]]]
 * ```
 */
export function maxPool2d(x: TensorLike, params: Pool2dParams): Tensor {
  checkPoolParams(params, 'maxPool2d');
  const t = floatOperand(x, 'x', 'maxPool2d', 4);
  return getBackend().maxPool2d(t, params, poolShape(t.shape, params, 'maxPool2d'));
}

/**
 * Where each window of {@link maxPool2d} takes its maximum: the flat position `h·W + w` in its
 * input plane, the first maximum in row-major order (what receives the gradient, as in PyTorch).
 *
 * @param x - `[N, C, H, W]`
 * @param params - window, strides and padding
 * @returns int32 `[N, C, Ho, Wo]`
 * @example
 * ```ts
 * maxPool2dIndices(tensor([[[[1, 2], [4, 3]]]]), { poolSize: [2, 2], strides: [2, 2], padding: [0, 0] });   // [[[[2]]]]
 * ```
 */
export function maxPool2dIndices(x: TensorLike, params: Pool2dParams): Tensor {
  checkPoolParams(params, 'maxPool2dIndices');
  const t = floatOperand(x, 'x', 'maxPool2dIndices', 4);
  return getBackend().maxPool2dIndices(t, params, poolShape(t.shape, params, 'maxPool2dIndices'));
}

/**
 * 2-D average pooling of NCHW `x`; padded zeros count in every average (each divides by the
 * window's size), as Gluon's and PyTorch's defaults.
 *
 * @param x - `[N, C, H, W]`
 * @param params - window, strides and padding
 * @returns `[N, C, Ho, Wo]`
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), { poolSize: [2, 2], strides: [2, 2], padding: [0, 0] });   // [[[[2.5]]]]
 * ```
 */
export function avgPool2d(x: TensorLike, params: Pool2dParams): Tensor {
  checkPoolParams(params, 'avgPool2d');
  const t = floatOperand(x, 'x', 'avgPool2d', 4);
  return getBackend().avgPool2d(t, params, poolShape(t.shape, params, 'avgPool2d'));
}

/**
 * The gradient of {@link avgPool2d}: each window's `dy` spread evenly over the window's input
 * positions (padding dropped).
 *
 * @param dy - `[N, C, Ho, Wo]`
 * @param params - the pooling's parameters
 * @param inputSize - the input's height and width
 * @returns `[N, C, H, W]`
 * @throws RangeError when `dy` is not the output shape of that pooling
 * @example
 * ```ts
 * avgPool2dGrad(tensor([[[[4]]]]), { poolSize: [2, 2], strides: [2, 2], padding: [0, 0] }, [2, 2]);   // [[[[1, 1], [1, 1]]]]
 * ```
 */
export function avgPool2dGrad(dy: TensorLike, params: Pool2dParams, inputSize: Pair): Tensor {
  checkPoolParams(params, 'avgPool2dGrad');
  checkPair(inputSize, 'inputSize', 'avgPool2dGrad', 1);
  const t = floatOperand(dy, 'dy', 'avgPool2dGrad', 4);
  const xShape = [t.shape[0]!, t.shape[1]!, inputSize[0], inputSize[1]];
  const yShape = poolShape(xShape, params, 'avgPool2dGrad');
  if (!shapesEqual(yShape, t.shape)) throw new RangeError(`avgPool2dGrad: dy must have shape ${formatShape(yShape)}, got ${formatShape(t.shape)}`);
  return getBackend().avgPool2dGrad(t, params, xShape);
}
