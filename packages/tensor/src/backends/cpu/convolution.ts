/**
 * Convolution and pooling kernels of the cpu backend.
 *
 * A convolution is one matrix product (matmul.ts, so float32 runs on the WebAssembly SIMD GEMM):
 * im2col lays the input out as columns `[groups, C/groups·kh·kw, N·Ho·Wo]`, one column per output
 * position with every tap it reads, so the product of the weight `[groups, O/groups, C/groups·kh·kw]`
 * with it is the output in `[O, N, Ho·Wo]` order, which a row copy turns into NCHW. Putting the
 * whole batch in the columns makes one large product instead of N small ones, and gives the weight
 * gradient (`dy · colsᵀ`, summed over the batch inside the product) and the input gradient
 * (`wᵀ · dy`, then col2im adds each column back onto the taps it read) the same form.
 *
 * Pooling is a direct loop over each window.
 *
 * @internal
 */
import type { DType, TypedArray } from '../../dtype.js';
import type { Conv2dParams, Pool2dParams } from '../../ops/convolution.js';
import type { Shape } from '../../shape.js';
import { matmulKernel } from './matmul.js';

/**
 * Working arrays of the convolution kernels (the im2col matrix, a transposed dy, the product before
 * its copy to NCHW), kept between calls and grown as needed. They never escape a kernel, so one
 * set serves every call; a fresh one per call cost a page fault per 4 KiB of first touch, which
 * made im2col the slowest part of a 32x16x32x32 convolution.
 */
const workspaces = new Map<string, Float32Array | Float64Array>();

/** Working array `slot` of `length` elements of `dtype` (contents unspecified: every user overwrites it all). */
function workspace(dtype: DType, slot: number, length: number): Float32Array | Float64Array {
  const key = `${dtype}:${slot}`;
  let array = workspaces.get(key);
  if (array === undefined || array.length < length) {
    array = dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
    workspaces.set(key, array);
  }
  return array.length === length ? array : array.subarray(0, length);
}

/** The extents of one convolution: input [n, c, h, w], weight [o, c/groups, kh, kw], output [n, o, oh, ow]. */
interface ConvGeometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  oh: number; ow: number;
  groups: number;
  params: Conv2dParams;
  /** The matrix sizes of the im2col form: pixels per output plane (oh·ow), over the batch (n·oh·ow), rows per group (c/groups·kh·kw), outputs per group. */
  L: number; NL: number; depth: number; og: number;
}

function geometry(xShape: Shape, wShape: Shape, yShape: Shape, params: Conv2dParams): ConvGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [o, , kh, kw] = wShape as [number, number, number, number];
  const oh = yShape[2]!;
  const ow = yShape[3]!;
  const L = oh * ow;
  return {
    n, c, h, w, o, kh, kw, oh, ow, groups: params.groups, params,
    L, NL: n * L, depth: (c / params.groups) * kh * kw, og: o / params.groups,
  };
}

/** The output columns `[lo, hi)` whose tap at input column offset `start + ox·stride` lies inside [0, size). */
function insideRange(start: number, stride: number, count: number, size: number): [number, number] {
  const lo = start >= 0 ? 0 : Math.min(count, Math.ceil(-start / stride));
  const hi = Math.max(lo, Math.min(count, Math.floor((size - 1 - start) / stride) + 1));
  return [lo, hi];
}

/**
 * Moves values between the input `x` and the im2col matrix `cols` `[groups, cg·kh·kw, n, oh·ow]`:
 * `toColumns` writes every element of cols (zeros for taps in the padding), otherwise each column
 * entry is added back onto the input element it was read from.
 */
function im2col(x: TypedArray, cols: TypedArray, g: ConvGeometry, toColumns: boolean): void {
  const { n, c, h, w, kh, kw, oh, ow, groups } = g;
  const [sh, sw] = g.params.strides;
  const [ph, pw] = g.params.padding;
  const [dh, dw] = g.params.dilation;
  const cg = c / groups;
  const L = oh * ow;
  const NL = n * L;
  for (let channel = 0; channel < c; channel++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // Channel index channel = group·cg + c', so the row (group·cg + c')·kh·kw + i·kw + j is channel·kh·kw + i·kw + j.
        const rowBase = ((channel * kh + i) * kw + j) * NL;
        const xStart = j * dw - pw;
        const [lo, hi] = insideRange(xStart, sw, ow, w);
        for (let b = 0; b < n; b++) {
          const plane = (b * c + channel) * h * w;
          let dst = rowBase + b * L;
          for (let y = 0; y < oh; y++, dst += ow) {
            const iy = y * sh - ph + i * dh;
            if (iy < 0 || iy >= h) {
              if (toColumns) for (let ox = 0; ox < ow; ox++) cols[dst + ox] = 0;
              continue;
            }
            // Plain loops: rows here are a few elements long, where a subarray view per row (to
            // use set/fill) made im2col a third of a digits-cnn training step.
            const src = plane + iy * w + xStart;
            if (toColumns) {
              for (let ox = 0; ox < lo; ox++) cols[dst + ox] = 0;
              if (sw === 1) for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[src + ox]!;
              else for (let ox = lo; ox < hi; ox++) cols[dst + ox] = x[src + ox * sw]!;
              for (let ox = hi; ox < ow; ox++) cols[dst + ox] = 0;
            } else {
              for (let ox = lo; ox < hi; ox++) x[src + ox * sw] += cols[dst + ox]!;
            }
          }
        }
      }
    }
  }
}

/** Copies `[a, b, L]` into `[b, a, L]`; a plain loop, as rows are short (a subarray view per row cost more than the copy). */
function swapLeadingAxes(src: TypedArray, a: number, b: number, L: number, out: TypedArray): void {
  let from = 0;
  for (let i = 0; i < a; i++) {
    for (let k = 0; k < b; k++, from += L) {
      const to = (k * a + i) * L;
      for (let l = 0; l < L; l++) out[to + l] = src[from + l]!;
    }
  }
}

function dtypeOf(values: TypedArray): DType {
  return values instanceof Float64Array ? 'float64' : 'float32';
}

/**
 * A convolution's geometry and its two workspaces: `cols`, the im2col matrix `[groups, depth, n·L]`,
 * and `byOutput`, `[o, n·L]` (the product before its leading axes swap to `[n, o, L]`, or dy after).
 */
function setUp(xShape: Shape, wShape: Shape, yShape: Shape, params: Conv2dParams, out: TypedArray): { g: ConvGeometry; cols: TypedArray; byOutput: TypedArray } {
  const g = geometry(xShape, wShape, yShape, params);
  const dtype = dtypeOf(out);
  return { g, cols: workspace(dtype, 0, g.groups * g.depth * g.NL), byOutput: workspace(dtype, 1, g.o * g.NL) };
}

/** Writes the convolution of `x` with `w` into `out` `[n, o, oh, ow]`. */
export function conv2dKernel(x: TypedArray, xShape: Shape, w: TypedArray, wShape: Shape, params: Conv2dParams, outShape: Shape, out: TypedArray): void {
  const { g, cols, byOutput } = setUp(xShape, wShape, outShape, params, out);
  im2col(x, cols, g, true);
  matmulKernel(w, [g.groups, g.og, g.depth], cols, [g.groups, g.depth, g.NL], false, false, [g.groups, g.og, g.NL], byOutput);
  swapLeadingAxes(byOutput, g.o, g.n, g.L, out);
}

/** Writes the gradient of the convolution with respect to its input into `out` `[n, c, h, w]`, which starts at zero. */
export function conv2dInputGradKernel(dy: TypedArray, dyShape: Shape, w: TypedArray, wShape: Shape, params: Conv2dParams, outShape: Shape, out: TypedArray): void {
  const { g, cols, byOutput } = setUp(outShape, wShape, dyShape, params, out);
  swapLeadingAxes(dy, g.n, g.o, g.L, byOutput);
  matmulKernel(w, [g.groups, g.og, g.depth], byOutput, [g.groups, g.og, g.NL], true, false, [g.groups, g.depth, g.NL], cols);
  im2col(out, cols, g, false);
}

/** Writes the gradient of the convolution with respect to its weight into `out` `[o, c/groups, kh, kw]`. */
export function conv2dWeightGradKernel(x: TypedArray, xShape: Shape, dy: TypedArray, dyShape: Shape, params: Conv2dParams, outShape: Shape, out: TypedArray): void {
  const { g, cols, byOutput } = setUp(xShape, outShape, dyShape, params, out);
  im2col(x, cols, g, true);
  swapLeadingAxes(dy, g.n, g.o, g.L, byOutput);
  matmulKernel(byOutput, [g.groups, g.og, g.NL], cols, [g.groups, g.depth, g.NL], false, true, [g.groups, g.og, g.depth], out);
}

/**
 * Visits each pooling window: `visit(plane, outIndex, y0, y1, x0, x1)` with the window's rows
 * `[y0, y1)` and columns `[x0, x1)` clipped to the input, `plane` the offset of its input plane.
 */
function forEachWindow(
  xShape: Shape, params: Pool2dParams, outShape: Shape,
  visit: (plane: number, outIndex: number, y0: number, y1: number, x0: number, x1: number) => void,
): void {
  const [planes, h, w] = [xShape[0]! * xShape[1]!, xShape[2]!, xShape[3]!];
  const [oh, ow] = [outShape[2]!, outShape[3]!];
  const [kh, kw] = params.poolSize;
  const [sh, sw] = params.strides;
  const [ph, pw] = params.padding;
  let outIndex = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let y = 0; y < oh; y++) {
      const yStart = y * sh - ph;
      const y0 = Math.max(yStart, 0);
      const y1 = Math.min(yStart + kh, h);
      for (let x = 0; x < ow; x++, outIndex++) {
        const xStart = x * sw - pw;
        visit(plane, outIndex, y0, y1, Math.max(xStart, 0), Math.min(xStart + kw, w));
      }
    }
  }
}

/**
 * Max pooling: each window's maximum into `out` and, when given, the plane offset `h·W + w` of its
 * first maximum into `indices`. A NaN is taken as the maximum (the last one, as PyTorch does).
 */
export function maxPool2dKernel(x: TypedArray, xShape: Shape, params: Pool2dParams, outShape: Shape, out: TypedArray | null, indices: Int32Array | null): void {
  const w = xShape[3]!;
  forEachWindow(xShape, params, outShape, (plane, o, y0, y1, x0, x1) => {
    let best = x[plane + y0 * w + x0]!;
    let at = y0 * w + x0;
    for (let y = y0; y < y1; y++) {
      const row = y * w;
      for (let xi = x0; xi < x1; xi++) {
        const v = x[plane + row + xi]!;
        if (v > best || v !== v) {
          best = v;
          at = row + xi;
        }
      }
    }
    if (out !== null) out[o] = best;
    if (indices !== null) indices[o] = at;
  });
}

/** Average pooling: each window's sum over its full size (padding counted) into `out`. */
export function avgPool2dKernel(x: TypedArray, xShape: Shape, params: Pool2dParams, outShape: Shape, out: TypedArray): void {
  const w = xShape[3]!;
  const scale = 1 / (params.poolSize[0] * params.poolSize[1]);
  forEachWindow(xShape, params, outShape, (plane, o, y0, y1, x0, x1) => {
    let total = 0;
    for (let y = y0; y < y1; y++) {
      const row = plane + y * w;
      for (let xi = x0; xi < x1; xi++) total += x[row + xi]!;
    }
    out[o] = total * scale;
  });
}

/** The adjoint of average pooling: each window's `dy`, over its full size, added onto its input positions (`out` starts at zero). */
export function avgPool2dGradKernel(dy: TypedArray, params: Pool2dParams, dyShape: Shape, outShape: Shape, out: TypedArray): void {
  const w = outShape[3]!;
  const scale = 1 / (params.poolSize[0] * params.poolSize[1]);
  forEachWindow(outShape, params, dyShape, (plane, o, y0, y1, x0, x1) => {
    const share = dy[o]! * scale;
    for (let y = y0; y < y1; y++) {
      const row = plane + y * w;
      for (let xi = x0; xi < x1; xi++) out[row + xi] += share;
    }
  });
}
