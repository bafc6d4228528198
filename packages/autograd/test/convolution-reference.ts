/**
 * The PyTorch references of the convolution and pooling ops (fixtures/convolution.json, made by
 * fixtures/convolution.py with torch 1.13 in float64) and a runner that computes the same values
 * and gradients here, on whatever backend is current, reporting the largest error of each.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@lossgraph/tensor';
import type { DType } from '@lossgraph/tensor';
import * as A from '../src/index.js';
import type { Variable } from '../src/index.js';

/** One case of the fixture file. */
export interface ReferenceCase {
  name: string;
  op: 'conv1d' | 'conv2d' | 'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d' | 'globalAvgPool1d' | 'globalAvgPool2d';
  options?: Record<string, number[] | number>;
  xShape: number[];
  wShape?: number[];
  yShape: number[];
  x: number[];
  w?: number[];
  b?: number[];
  r: number[];
  y: number[];
  dx: number[];
  dw?: number[];
  yBias?: number[];
  db?: number[];
}

/** Every case of the fixture file. */
export function loadReferenceCases(): ReferenceCase[] {
  const path = fileURLToPath(new URL('./fixtures/convolution.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: ReferenceCase[] }).cases;
}

/** The largest |actual − expected| over `expected`, scaled by max(1, |expected|). */
export function largestError(actual: ArrayLike<number>, expected: readonly number[]): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / Math.max(1, Math.abs(e));
    worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
  }
  return worst;
}

/** The op of a case, applied with the case's options (the 1-D options unwrapped to numbers). */
export function applyOp(c: ReferenceCase, x: Variable, w?: Variable): Variable {
  const o = c.options ?? {};
  const one = (v: number[] | number | undefined): number | undefined => (Array.isArray(v) ? v[0] : v);
  switch (c.op) {
    case 'conv2d': return A.conv2d(x, w!, o as A.Conv2dOptions);
    case 'conv1d': return A.conv1d(x, w!, { strides: one(o.strides)!, padding: one(o.padding)!, dilation: one(o.dilation)!, groups: o.groups as number });
    case 'maxPool2d': return A.maxPool2d(x, o as A.Pool2dOptions);
    case 'avgPool2d': return A.avgPool2d(x, o as A.Pool2dOptions);
    case 'maxPool1d': return A.maxPool1d(x, { poolSize: one(o.poolSize)!, strides: one(o.strides)!, padding: one(o.padding)! });
    case 'avgPool1d': return A.avgPool1d(x, { poolSize: one(o.poolSize)!, strides: one(o.strides)!, padding: one(o.padding)! });
    case 'globalAvgPool1d': return A.mean(x, [2], true);
    case 'globalAvgPool2d': return A.mean(x, [2, 3], true);
  }
}

/** The largest error of the value and of each gradient (of Σ y·r) of one case in `dtype`. */
export interface CaseErrors {
  y: number;
  dx: number;
  dw?: number;
}

/** Runs one case on the current backend in `dtype`. */
export function runCase(c: ReferenceCase, dtype: DType): CaseErrors {
  const x = A.variable(T.tensor(c.x, c.xShape, dtype));
  const w = c.w === undefined ? undefined : A.variable(T.tensor(c.w, c.wShape!, dtype));
  const y = applyOp(c, x, w);
  const objective = A.sum(A.mul(y, T.tensor(c.r, c.yShape, dtype)));
  const grads = A.gradients(objective, w === undefined ? [x] : [x, w]);
  return {
    y: largestError(y.dataSync(), c.y),
    dx: largestError(grads[0]!.dataSync(), c.dx),
    ...(w === undefined ? {} : { dw: largestError(grads[1]!.dataSync(), c.dw!) }),
  };
}
