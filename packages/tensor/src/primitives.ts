/**
 * The tensor primitives, each declared once: its family (which fixes its operands and the
 * {@link Backend} method that runs it), the dtype rule of its result, and, where the cpu backend's
 * WebAssembly module runs it, its op code in each kernel of wasm/kernels.c.
 *
 * Everything else follows from this table: the op unions and lists ({@link UnaryOp},
 * {@link BinaryOp}, {@link ReduceOp}, {@link ArgReduceOp}, {@link UNARY_OPS}, {@link BINARY_OPS}),
 * the result dtypes the frontend gives ({@link resultDType}), the C header of op codes that
 * kernels.c includes and the op-code map the cpu backend's WebAssembly callers read (both generated
 * by `pnpm build:wasm`, and checked against this table by a test), and, through `Record<UnaryOp, …>`
 * tables and switches that end in a `never` check, the kernels each backend must have: a primitive
 * added here without its kernel is a compile error on both backends, and a fusable one without its
 * SIMD expression does not compile in kernels.c.
 *
 * This module has no runtime imports, so scripts/build-wasm.mjs loads it on its own.
 */
import type { Backend } from './backend.js';
import type { DType } from './dtype.js';

/**
 * What a primitive's operands are, and so which backend method runs it: `unary`, `binary`,
 * `reduce` and `argReduce` ops are the `op` argument of {@link Backend.unary}, {@link Backend.binary},
 * {@link Backend.reduce} and {@link Backend.argReduce}; every other primitive is the backend method
 * of its own name.
 *
 * @example
 * ```ts
 * PRIMITIVES.where.family;   // 'where': a condition and two values
 * ```
 */
export type PrimitiveFamily =
  | 'unary' | 'binary' | 'where' | 'clip' | 'cast' | 'fill'
  | 'reduce' | 'argReduce' | 'normalize' | 'gradient' | 'layout' | 'indexing' | 'linalg' | 'window';

/**
 * The dtype of a primitive's result from that of its operands (promoted first when there are
 * several: int32 < float32 < float64, see `promoteTypes`):
 * - `'same'`: that dtype, int32 included (neg, abs, add, comparisons, which give 1 or 0 in it, max, ...);
 * - `'float'`: that dtype, except that int32 gives float32, since the result is fractional (exp,
 *   sqrt, true division, logSumExp, softmax, ...);
 * - `'int32'`: always int32 (argmax, argmin);
 * - `'given'`: chosen by the caller (cast, fill, oneHot).
 *
 * @example
 * ```ts
 * PRIMITIVES.div.dtype;   // 'float': int32 / int32 gives float32
 * ```
 */
export type DTypeRule = 'same' | 'float' | 'int32' | 'given';

/**
 * The op codes of a primitive in the entry points of wasm/kernels.c that run it (the cpu backend's
 * WebAssembly SIMD module); absent where that entry point lacks it.
 *
 * @example
 * ```ts
 * const codes: SimdCodes = PRIMITIVES.exp.simd;   // { fused: 6, unary: 0 }
 * ```
 */
export interface SimdCodes {
  /**
   * Its instruction code in `fused_f32`, the kernel of the cpu backend's lazy elementwise fusion:
   * a primitive with one is fusable (float32 ops on it are deferred and run in blocked chains).
   * kernels.c must then define its expression (`FUSED_<NAME>`), and it must also have a `unary` or
   * `binary` code if its SIMD arithmetic can differ from the JavaScript kernel's, so that fused
   * and eager results stay bit-identical.
   */
  readonly fused?: number;
  /** Its code in `unary_f32` (one float32 op over an array); kernels.c defines `SIMD_UNARY_<NAME>`. */
  readonly unary?: number;
  /** Its code in `binary_f32` (one float32 op, with row and column broadcasts); kernels.c defines `SIMD_BINARY_<NAME>`. */
  readonly binary?: number;
  /** Its code in `reduce_rows_f32` (a last-axis reduction); kernels.c defines `REDUCE_ROWS_<NAME>`. */
  readonly reduceRows?: number;
}

/**
 * One row of {@link PRIMITIVES}.
 *
 * @example
 * ```ts
 * const row: PrimitiveSpec = { family: 'unary', dtype: 'float', simd: { fused: 6, unary: 0 } };
 * ```
 */
export interface PrimitiveSpec {
  /** Its operands and the backend method that runs it. */
  readonly family: PrimitiveFamily;
  /** The dtype of its result. */
  readonly dtype: DTypeRule;
  /** Its op codes in the WebAssembly kernels (none: it runs in JavaScript on the cpu backend). */
  readonly simd?: SimdCodes;
  /** For a reduction: its result over no elements. */
  readonly identity?: number;
}

/**
 * Every tensor primitive, by name. A row's comment says what it computes where the name does not.
 * Adding a unary primitive is one row here (as `erf: { family: 'unary', dtype: 'float' }`), a case
 * in the cpu backend's `unaryKernel`, a formula in the gpujs backend's `UNARY` table and a public
 * wrapper in ops/elementwise.ts; to fuse it, a `simd.fused` code here (and a `unary` code with a
 * SIMD kernel, so that fused and eager agree), its expressions in kernels.c and `pnpm build:wasm`.
 *
 * @example
 * ```ts
 * PRIMITIVES.sigmoid;   // { family: 'unary', dtype: 'float', simd: { fused: 7, unary: 1 } }
 * Object.keys(PRIMITIVES).filter((name) => PRIMITIVES[name as PrimitiveName].simd?.fused !== undefined);   // the fusable ops
 * ```
 */
export const PRIMITIVES = {
  // ---------------------------------------------------------------- elementwise, one operand
  neg: { family: 'unary', dtype: 'same', simd: { fused: 1 } },
  exp: { family: 'unary', dtype: 'float', simd: { fused: 6, unary: 0 } },
  /** e^x - 1, accurate near 0. */
  expm1: { family: 'unary', dtype: 'float' },
  log: { family: 'unary', dtype: 'float' },
  /** log(1 + x), accurate near 0. */
  log1p: { family: 'unary', dtype: 'float' },
  sqrt: { family: 'unary', dtype: 'float', simd: { fused: 4 } },
  /** 1 / sqrt(x). */
  rsqrt: { family: 'unary', dtype: 'float' },
  square: { family: 'unary', dtype: 'same', simd: { fused: 3 } },
  reciprocal: { family: 'unary', dtype: 'float' },
  abs: { family: 'unary', dtype: 'same', simd: { fused: 2 } },
  sign: { family: 'unary', dtype: 'same', simd: { fused: 9 } },
  tanh: { family: 'unary', dtype: 'float' },
  /** 1 / (1 + e^-x), stable for large |x|. */
  sigmoid: { family: 'unary', dtype: 'float', simd: { fused: 7, unary: 1 } },
  /** log(1 + e^x), stable for large |x|. */
  softplus: { family: 'unary', dtype: 'float', simd: { fused: 8, unary: 2 } },
  /** max(x, 0), NaN staying NaN. */
  relu: { family: 'unary', dtype: 'same', simd: { fused: 5 } },
  floor: { family: 'unary', dtype: 'same' },
  ceil: { family: 'unary', dtype: 'same' },
  /** Nearest integer, halves away from zero. */
  round: { family: 'unary', dtype: 'same' },
  sin: { family: 'unary', dtype: 'float' },
  cos: { family: 'unary', dtype: 'float' },
  /** The error function 2/√π ∫₀ˣ e^(−t²) dt. */
  erf: { family: 'unary', dtype: 'float' },

  // ---------------------------------------------------------------- elementwise, two operands (NumPy broadcasting)
  add: { family: 'binary', dtype: 'same', simd: { fused: 16, binary: 0 } },
  sub: { family: 'binary', dtype: 'same', simd: { fused: 17, binary: 1 } },
  mul: { family: 'binary', dtype: 'same', simd: { fused: 18, binary: 2 } },
  /** True division: int32 / int32 gives float32. */
  div: { family: 'binary', dtype: 'float', simd: { fused: 19, binary: 3 } },
  pow: { family: 'binary', dtype: 'same' },
  maximum: { family: 'binary', dtype: 'same', simd: { fused: 20 } },
  minimum: { family: 'binary', dtype: 'same', simd: { fused: 21 } },
  /** Comparisons: 1 where true, else 0, in the promoted dtype. */
  equal: { family: 'binary', dtype: 'same', simd: { fused: 22 } },
  notEqual: { family: 'binary', dtype: 'same', simd: { fused: 23 } },
  less: { family: 'binary', dtype: 'same', simd: { fused: 24 } },
  lessEqual: { family: 'binary', dtype: 'same', simd: { fused: 25 } },
  greater: { family: 'binary', dtype: 'same', simd: { fused: 26 } },
  greaterEqual: { family: 'binary', dtype: 'same', simd: { fused: 27 } },

  // ---------------------------------------------------------------- other elementwise
  /** `cond != 0 ? a : b`, the dtype promoted from a and b. */
  where: { family: 'where', dtype: 'same', simd: { fused: 32 } },
  /** min(max(x, low), high) in one pass; on the cpu backend it fuses as maximum then minimum. */
  clip: { family: 'clip', dtype: 'same' },
  cast: { family: 'cast', dtype: 'given' },
  fill: { family: 'fill', dtype: 'given' },

  // ---------------------------------------------------------------- reductions over a set of axes
  sum: { family: 'reduce', dtype: 'same', simd: { reduceRows: 0 }, identity: 0 },
  max: { family: 'reduce', dtype: 'same', simd: { reduceRows: 1 }, identity: -Infinity },
  min: { family: 'reduce', dtype: 'same', simd: { reduceRows: 2 }, identity: Infinity },
  /** log(sum(exp(x))), max-shifted; on WebAssembly it runs through softmax_rows_f32. */
  logSumExp: { family: 'reduce', dtype: 'float', identity: -Infinity },
  /** Index of the first extreme along one axis. */
  argmax: { family: 'argReduce', dtype: 'int32' },
  argmin: { family: 'argReduce', dtype: 'int32' },

  // ---------------------------------------------------------------- along one axis, and fused backward passes
  softmax: { family: 'normalize', dtype: 'float' },
  logSoftmax: { family: 'normalize', dtype: 'float' },
  /** dy - exp(y) sum(dy): the gradient of logSoftmax. Optional on a backend (shared composition). */
  logSoftmaxGrad: { family: 'gradient', dtype: 'float' },
  /** dy exp(x - y): the gradient of logSumExp. Optional on a backend (shared composition). */
  logSumExpGrad: { family: 'gradient', dtype: 'float' },

  // ---------------------------------------------------------------- moving data
  reshape: { family: 'layout', dtype: 'same' },
  transpose: { family: 'layout', dtype: 'same' },
  broadcastTo: { family: 'layout', dtype: 'same' },
  slice: { family: 'layout', dtype: 'same' },
  concat: { family: 'layout', dtype: 'same' },
  pad: { family: 'layout', dtype: 'same' },
  gather: { family: 'indexing', dtype: 'same' },
  scatterAdd: { family: 'indexing', dtype: 'same' },
  takeAlongAxis: { family: 'indexing', dtype: 'same' },
  scatterAlongAxis: { family: 'indexing', dtype: 'same' },
  oneHot: { family: 'indexing', dtype: 'given' },

  // ---------------------------------------------------------------- linear algebra
  /** Batched, broadcast batch axes, either operand transposed without a copy. */
  matmul: { family: 'linalg', dtype: 'same' },

  // ---------------------------------------------------------------- sliding windows over NCHW (1-D work is height 1)
  /** Cross-correlation with weights [O, C/groups, kh, kw]: strides, symmetric zero padding, dilation, groups. */
  conv2d: { family: 'window', dtype: 'float' },
  /** The adjoint of conv2d in its input (a transposed convolution). */
  conv2dInputGrad: { family: 'window', dtype: 'float' },
  /** The adjoint of conv2d in its weight. */
  conv2dWeightGrad: { family: 'window', dtype: 'float' },
  /** The maximum of each window, the padding being −∞. */
  maxPool2d: { family: 'window', dtype: 'float' },
  /** Where each window's first maximum lies in its input plane (h·W + w): what routes max pooling's gradient. */
  maxPool2dIndices: { family: 'window', dtype: 'int32' },
  /** The mean of each window, padded zeros counted. */
  avgPool2d: { family: 'window', dtype: 'float' },
  /** The adjoint of avgPool2d. */
  avgPool2dGrad: { family: 'window', dtype: 'float' },
} as const satisfies Readonly<Record<string, PrimitiveSpec>>;

/**
 * The name of a tensor primitive.
 *
 * @example
 * ```ts
 * const name: PrimitiveName = 'logSumExpGrad';
 * ```
 */
export type PrimitiveName = keyof typeof PRIMITIVES;

/**
 * The primitives of one family.
 *
 * @example
 * ```ts
 * const op: PrimitiveOf<'where'> = 'where';
 * ```
 */
export type PrimitiveOf<F extends PrimitiveFamily> = { [K in PrimitiveName]: (typeof PRIMITIVES)[K]['family'] extends F ? K : never }[PrimitiveName];

/**
 * The primitives with an op code in the WebAssembly kernel `kernel` (see {@link SimdCodes}).
 *
 * @example
 * ```ts
 * const op: SimdOp<'unary'> = 'sigmoid';   // unary_f32 runs it
 * ```
 */
export type SimdOp<Kernel extends keyof SimdCodes> = {
  [K in PrimitiveName]: (typeof PRIMITIVES)[K] extends { readonly simd: { readonly [C in Kernel]: number } } ? K : never;
}[PrimitiveName];

/**
 * An op-code map of one WebAssembly kernel over the ops of `Op`: a code for each op of `Coded`
 * (all required, so a map that lacks one does not compile) and nothing for the others, so that
 * looking up any `Op` type-checks and gives `number | undefined`.
 *
 * @example
 * ```ts
 * const codes: OpCodeMap<UnaryOp, SimdOp<'unary'>> = { exp: 0, sigmoid: 1, softplus: 2 };
 * codes.tanh;   // undefined: unary_f32 does not run tanh
 * ```
 */
export type OpCodeMap<Op extends PrimitiveName, Coded extends Op> = Readonly<Record<Coded, number> & Partial<Record<Exclude<Op, Coded>, undefined>>>;

/**
 * Elementwise unary primitives. Each maps one element to one element.
 *
 * @example
 * ```ts
 * const op: UnaryOp = 'tanh';
 * getBackend().unary(op, tensor([0]), 'float32');
 * ```
 */
export type UnaryOp = PrimitiveOf<'unary'>;

/**
 * Elementwise binary primitives with NumPy broadcasting. Comparisons give 1 or 0.
 *
 * @example
 * ```ts
 * const op: BinaryOp = 'add';
 * BINARY_OPS.includes(op);   // true
 * ```
 */
export type BinaryOp = PrimitiveOf<'binary'>;

/**
 * Reductions over a set of axes.
 *
 * @example
 * ```ts
 * const op: ReduceOp = 'logSumExp';
 * ```
 */
export type ReduceOp = PrimitiveOf<'reduce'>;

/**
 * Index-of-extremum reductions over one axis.
 *
 * @example
 * ```ts
 * const op: ArgReduceOp = 'argmax';
 * ```
 */
export type ArgReduceOp = PrimitiveOf<'argReduce'>;

/**
 * The ops the cpu backend's lazy elementwise fusion can defer: those with a `fused_f32` code.
 *
 * @example
 * ```ts
 * const op: FusableOp = 'sigmoid';
 * ```
 */
export type FusableOp = SimdOp<'fused'>;

/**
 * The names of a family's primitives, in table order.
 *
 * @param family - the family
 * @returns its primitives
 * @example
 * ```ts
 * primitivesOf('reduce');   // ['sum', 'max', 'min', 'logSumExp']
 * ```
 */
export function primitivesOf<F extends PrimitiveFamily>(family: F): PrimitiveOf<F>[] {
  return (Object.keys(PRIMITIVES) as PrimitiveName[]).filter((name): name is PrimitiveOf<F> => PRIMITIVES[name].family === family);
}

/**
 * Every unary primitive, for tests and backends that iterate over them.
 *
 * @example
 * ```ts
 * for (const op of UNARY_OPS) getBackend().unary(op, tensor([0.5]), 'float32');
 * ```
 */
export const UNARY_OPS: readonly UnaryOp[] = primitivesOf('unary');

/**
 * Every binary primitive.
 *
 * @example
 * ```ts
 * for (const op of BINARY_OPS) getBackend().binary(op, tensor([1]), tensor([2]), [1], 'float32');
 * ```
 */
export const BINARY_OPS: readonly BinaryOp[] = primitivesOf('binary');

/**
 * The dtype of `op`'s result for operands of (promoted) dtype `operands`, by its {@link DTypeRule};
 * for a `'given'` rule, `operands` itself.
 *
 * @param op - the primitive
 * @param operands - the dtype of its operand, or their promoted dtype
 * @returns the result dtype
 * @example
 * ```ts
 * resultDType('exp', 'int32');   // 'float32'
 * resultDType('abs', 'int32');   // 'int32'
 * ```
 */
export function resultDType(op: PrimitiveName, operands: DType): DType {
  switch (PRIMITIVES[op].dtype) {
    case 'float': return operands === 'int32' ? 'float32' : operands;
    case 'int32': return 'int32';
    case 'same':
    case 'given': return operands;
  }
}

/**
 * The last case of a switch over an op union (`default: return missingKernel(op, 'cpu unaryKernel')`).
 * With a case for every op, `op` has type `never` there, so a primitive added to the table without
 * its kernel is a compile error; the throw only guards calls that bypass the types.
 *
 * @param op - the op no case handled (`never` when the switch is exhaustive)
 * @param where - the kernel, for the message
 * @returns nothing: it always throws
 * @throws Error naming the op and the kernel
 * @example
 * ```ts
 * function kernelOf(op: ReduceOp): string {
 *   switch (op) {
 *     case 'sum': case 'max': case 'min': case 'logSumExp': return op;
 *     default: return missingKernel(op, 'kernelOf');
 *   }
 * }
 * ```
 */
export function missingKernel(op: never, where: string): never {
  throw new Error(`${where}: no kernel for op ${JSON.stringify(op)}`);
}
