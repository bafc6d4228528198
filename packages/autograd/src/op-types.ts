/**
 * The types of the op table: the call shapes of its primitives and the attributes each one records
 * on its node (what its gradient rule reads back, and what graph inspection shows). Types only, so
 * the derivatives table and the public op files share them without either importing the other.
 */
import type { Conv2dParams, DType, Pool2dParams, Shape, Tensor } from '@lossgraph/tensor';
import type { Variable, VariableLike } from './variable.js';

/**
 * An elementwise op of one operand.
 *
 * @example
 * ```ts
 * const activation: UnaryFn = relu;
 * activation(variable([-1, 2]));   // [0, 2]
 * ```
 */
export type UnaryFn = (x: VariableLike) => Variable;

/**
 * An elementwise op of two broadcasting operands.
 *
 * @example
 * ```ts
 * const combine: BinaryFn = maximum;
 * combine(variable([1, 5]), 3);   // [3, 5]
 * ```
 */
export type BinaryFn = (a: VariableLike, b: VariableLike) => Variable;

/**
 * One axis, several, or (undefined) every axis.
 *
 * @example
 * ```ts
 * const axes: Axis = [0, -1];
 * sum(variable(ones([2, 3, 4])), axes);   // shape [3]
 * ```
 */
export type Axis = number | readonly number[];

/**
 * Attributes of a recorded clip.
 *
 * @example
 * ```ts
 * const y = clip(variable([-2, 0.5]), 0, 1);
 * (y.node!.attrs as ClipAttrs).high;   // 1
 * ```
 */
export interface ClipAttrs {
  /** The lower bound. */
  readonly low: number;
  /** The upper bound. */
  readonly high: number;
}

/**
 * Attributes of a recorded cast.
 *
 * @example
 * ```ts
 * const y = cast(variable([1.5]), 'float64');
 * (y.node!.attrs as CastAttrs).dtype;   // 'float64'
 * ```
 */
export interface CastAttrs {
  /** The dtype cast to. */
  readonly dtype: DType;
}

/**
 * Attributes of a recorded reduction.
 *
 * @example
 * ```ts
 * const y = sum(variable(ones([2, 3])), 1);
 * (y.node!.attrs as ReduceAttrs).keptShape;   // [2, 1]
 * ```
 */
export interface ReduceAttrs {
  /** The reduced axes, non-negative and sorted. */
  readonly axes: readonly number[];
  /** Whether the reduced axes were kept as size 1. */
  readonly keepDims: boolean;
  /** The input's shape with the reduced axes set to 1: the shape `g` is viewed in to broadcast. */
  readonly keptShape: Shape;
}

/**
 * Attributes of a recorded softmax or logSoftmax.
 *
 * @example
 * ```ts
 * const y = softmax(variable(ones([2, 3])));
 * (y.node!.attrs as SoftmaxAttrs).axis;   // 1
 * ```
 */
export interface SoftmaxAttrs {
  /** The normalised axis, non-negative. */
  readonly axis: number;
}

/**
 * Attributes of a recorded transpose.
 *
 * @example
 * ```ts
 * const y = transpose(variable(ones([2, 3])));
 * (y.node!.attrs as TransposeAttrs).perm;   // [1, 0]
 * ```
 */
export interface TransposeAttrs {
  /** Result axis i is input axis `perm[i]`. */
  readonly perm: readonly number[];
}

/**
 * Attributes of a recorded slice.
 *
 * @example
 * ```ts
 * const y = slice(variable(arange(10)), [2], [3]);
 * (y.node!.attrs as SliceAttrs).begin;   // [2]
 * ```
 */
export interface SliceAttrs {
  /** Where the box starts on every axis (non-negative). */
  readonly begin: readonly number[];
}

/**
 * Attributes of a recorded pad.
 *
 * @example
 * ```ts
 * const y = pad(variable([1, 2]), [[1, 0]], -1);
 * (y.node!.attrs as PadAttrs).value;   // -1
 * ```
 */
export interface PadAttrs {
  /** `[before, after]` per axis. */
  readonly paddings: readonly (readonly [number, number])[];
  /** The fill value. */
  readonly value: number;
}

/**
 * Attributes of a recorded concat.
 *
 * @example
 * ```ts
 * const y = concat([variable(ones([2])), variable(ones([3]))]);
 * (y.node!.attrs as ConcatAttrs).offsets;   // [0, 2]
 * ```
 */
export interface ConcatAttrs {
  /** The joined axis (non-negative). */
  readonly axis: number;
  /** Where each input starts along `axis`. */
  readonly offsets: readonly number[];
}

/**
 * Attributes of a recorded gather, scatterAdd, takeAlongAxis or scatterAlongAxis.
 *
 * @example
 * ```ts
 * const y = gather(variable([[1, 2], [3, 4]]), [1, 0]);
 * (y.node!.attrs as IndexAttrs).axis;   // 0
 * ```
 */
export interface IndexAttrs {
  /** The int32 indices. */
  readonly indices: Tensor;
  /** The indexed axis (non-negative). */
  readonly axis: number;
}

/**
 * Attributes of a recorded pick.
 *
 * @example
 * ```ts
 * const y = pick(variable([[1, 2], [3, 4]]), [1, 0]);
 * (y.node!.attrs as PickAttrs).keptShape;   // [2, 1]
 * ```
 */
export interface PickAttrs extends IndexAttrs {
  /** The input's shape with `axis` set to 1 (the shape of `indices`). */
  readonly keptShape: Shape;
}

/**
 * Attributes of a recorded matmul.
 *
 * @example
 * ```ts
 * const y = matmul(variable(ones([2, 3])), variable(ones([2, 3])), false, true);
 * (y.node!.attrs as MatmulAttrs).transposeB;   // true
 * ```
 */
export interface MatmulAttrs {
  /** Whether the last two axes of `a` were swapped. */
  readonly transposeA: boolean;
  /** Whether the last two axes of `b` were swapped. */
  readonly transposeB: boolean;
}

/**
 * Attributes of the hidden whole of a recorded split or unstack.
 *
 * @example
 * ```ts
 * const [head] = split(variable(arange(5)), [2, 3]);
 * const whole = head!.node!.inputs[0]!;
 * (whole.node!.attrs as SplitAttrs).sizes;   // [2, 3]
 * ```
 */
export interface SplitAttrs {
  /** The cut axis (non-negative). */
  readonly axis: number;
  /** Each part's extent along `axis` (all 1 for unstack). */
  readonly sizes: readonly number[];
  /** The parts' shapes (for unstack, without `axis`). */
  readonly partShapes: readonly Shape[];
  /** True for unstack: the parts lost `axis`, so their gradients are stacked, not concatenated. */
  readonly dropAxis: boolean;
}

/**
 * Attributes of one recorded part.
 *
 * @example
 * ```ts
 * const [, tail] = split(variable(arange(5)), [2, 3]);
 * (tail!.node!.attrs as SplitPartAttrs).index;   // 1
 * ```
 */
export interface SplitPartAttrs {
  /** Which part this is, in order along the axis. */
  readonly index: number;
}

/**
 * Attributes of a recorded conv2d, conv2dInputGrad or conv2dWeightGrad (conv1d records a conv2d
 * over height 1).
 *
 * @example
 * ```ts
 * const y = conv2d(variable(ones([1, 1, 4, 4])), variable(ones([1, 1, 3, 3])), { padding: 1 });
 * (y.node!.attrs as ConvAttrs).params.padding;   // [1, 1]
 * ```
 */
export interface ConvAttrs {
  /** Strides, padding, dilation and groups, one entry per spatial axis. */
  readonly params: Conv2dParams;
}

/**
 * Attributes of a recorded avgPool2d or avgPool2dGrad.
 *
 * @example
 * ```ts
 * const y = avgPool2d(variable(ones([1, 1, 4, 4])), { poolSize: 2 });
 * (y.node!.attrs as PoolAttrs).params.strides;   // [2, 2]
 * ```
 */
export interface PoolAttrs {
  /** Window, strides and padding, one entry per spatial axis. */
  readonly params: Pool2dParams;
}

/**
 * Attributes of a recorded maxPool2d.
 *
 * @example
 * ```ts
 * const y = maxPool2d(variable(randn([1, 1, 4, 4])), { poolSize: 2 });
 * (y.node!.attrs as MaxPoolAttrs).indices.shape;   // [1, 1, 4]: where each window's maximum lies
 * ```
 */
export interface MaxPoolAttrs extends PoolAttrs {
  /** int32 `[N, C, Ho·Wo]`: the plane offset `h·W + w` of each window's first maximum. */
  readonly indices: Tensor;
}
