/**
 * Shared checks for the op tests: every op is checked against central differences in float64 (its
 * gradient and, where smooth, its second derivatives) and its float32 gradient against the float64 one.
 */
import { expect } from 'vitest';
import * as T from '@lossgraph/tensor';
import type { DType, Shape, Tensor } from '@lossgraph/tensor';
import { assertGradcheck, cast, gradients, mul, sum, Variable, variable, type GradcheckOptions, type VariableLike } from '../src/index.js';

/** Deterministic shapes and values for the tests. */
export class Gen {
  private readonly rng: T.Random;
  private seed: number;

  constructor(seed: number) {
    this.rng = new T.Random(seed);
    this.seed = seed * 1000;
  }

  int(low: number, high: number): number {
    return low + this.rng.int(high - low + 1);
  }

  shape(minRank = 0, maxRank = 3, maxDim = 4): number[] {
    const rank = this.int(minRank, maxRank);
    return Array.from({ length: rank }, () => this.int(1, maxDim));
  }

  /** A shape that broadcasts against `shape`: a suffix of it with some extents set to 1. */
  broadcastPartner(shape: Shape): number[] {
    const drop = this.int(0, shape.length);
    return shape.slice(drop).map((d) => (this.rng.next() < 0.35 ? 1 : d));
  }

  /** Standard normal values. */
  normal(shape: Shape, dtype: DType = 'float64'): Tensor {
    return T.randn(shape, { seed: this.seed++, dtype });
  }

  /** Uniform values in [low, high). */
  uniform(shape: Shape, low: number, high: number, dtype: DType = 'float64'): Tensor {
    return T.rand(shape, { seed: this.seed++, low, high, dtype });
  }

  /** Normal values pushed at least `gap` away from 0 (for ops with a kink there). */
  awayFromZero(shape: Shape, gap = 0.1, dtype: DType = 'float64'): Tensor {
    const t = this.normal(shape, dtype);
    return T.add(t, T.mul(T.sign(t), gap));
  }

  /** Integers in [0, n). */
  indices(shape: Shape, n: number): Tensor {
    const values = Array.from({ length: T.sizeOf(shape) }, () => this.rng.int(n));
    return T.tensor(values, shape, 'int32');
  }
}

export interface OpCheck {
  /** Also check second derivatives (smooth ops). Default true. */
  secondOrder?: boolean;
  /** Compare the float32 gradient with the float64 one. Default true. */
  float32?: boolean;
  /** Tolerances for the float32 comparison (relative to the largest float64 gradient). Default 2e-4. */
  float32Tolerance?: number;
  gradcheck?: GradcheckOptions;
}

/** The analytic gradients of Σ f·h with respect to the float inputs, with the inputs cast to `dtype`. */
export function analyticGradients(f: (...xs: Variable[]) => Variable, inputs: readonly Tensor[], dtype: DType, seed = 7): Float64Array[] {
  const vars = inputs.map((t) => (T.isFloat(t.dtype) ? variable(T.cast(t, dtype)) : variable(t, { requiresGrad: false })));
  const y = f(...vars);
  const head = T.randn(y.shape, { seed, dtype: y.dtype });
  const targets = vars.filter((v) => v.requiresGrad);
  if (!y.requiresGrad) return targets.map((t) => new Float64Array(t.size));
  return gradients(y, targets, { headGrads: [head] }).map((g) => Float64Array.from(g.dataSync()));
}

/** Checks one op at one point; see {@link OpCheck}. */
export function checkOp(f: (...xs: Variable[]) => Variable, inputs: readonly Tensor[], options: OpCheck = {}): void {
  assertGradcheck(f, inputs, options.gradcheck);
  if (options.secondOrder ?? true) assertGradcheck(f, inputs, { ...options.gradcheck, order: 2 });
  if (options.float32 ?? true) {
    const g64 = analyticGradients(f, inputs, 'float64');
    const g32 = analyticGradients(f, inputs, 'float32');
    const tol = options.float32Tolerance ?? 2e-4;
    g64.forEach((g, k) => {
      const scale = Math.max(1, ...Array.from(g, Math.abs));
      const worst = Math.max(0, ...Array.from(g, (v, j) => Math.abs(v - g32[k]![j]!)));
      expect(worst / scale, `float32 vs float64 gradient of input ${k}`).toBeLessThan(tol);
    });
  }
}

/** Flat values of a Variable or tensor, for comparisons. */
export function values(x: VariableLike): number[] {
  if (x instanceof Variable) return Array.from(x.dataSync());
  return Array.from(T.toTensor(x).dataSync());
}

/** Expects `actual` to equal `expected` elementwise within `tol`. */
export function expectClose(actual: VariableLike | ArrayLike<number>, expected: ArrayLike<number> | number, tol = 1e-6): void {
  const a = actual instanceof Variable || actual instanceof T.Tensor || typeof actual === 'number' ? values(actual as VariableLike) : Array.from(actual as ArrayLike<number>);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length, 'length').toBe(e.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - e[i]!), `element ${i}: ${v} vs ${e[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e[i]!)));
  });
}

/** Σ f·h with a fixed h: a scalar objective for nested grads. */
export function weightedSum(y: Variable, h: Tensor): Variable {
  return sum(mul(y, cast(h, y.dtype)));
}
