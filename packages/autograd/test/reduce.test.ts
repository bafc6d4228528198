import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { variable, type Axis, type Variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

const AXES: [Axis | undefined, boolean][] = [
  [undefined, false],
  [0, false],
  [-1, true],
  [[0, 2], false],
  [[-2], true],
];

type Reduction = (x: Variable, axis?: Axis, keepDims?: boolean) => Variable;

const REDUCTIONS: [string, Reduction, boolean][] = [
  ['sum', A.sum, true],
  ['mean', A.mean, true],
  ['logSumExp', A.logSumExp, true],
  ['max', A.max, true],
  ['min', A.min, true],
  ['norm', (x, axis, keepDims) => A.norm(x, 2, axis, keepDims), true],
  ['norm fro', (x, axis, keepDims) => A.norm(x, 'fro', axis, keepDims), true],
  ['norm 1', (x, axis, keepDims) => A.norm(x, 1, axis, keepDims), true],
];

describe('reductions over every axis form: gradcheck, second order, float32', () => {
  for (const [name, op, smooth] of REDUCTIONS) {
    it(name, () => {
      const gen = new Gen(name.length * 13 + name.charCodeAt(0));
      for (const [axis, keepDims] of AXES) {
        const x = name === 'norm 1' ? gen.awayFromZero([2, 3, 4]) : gen.normal([2, 3, 4]);
        checkOp((v) => op(v, axis, keepDims), [x], { secondOrder: smooth });
      }
    });
  }

  it('keep the shapes NumPy gives', () => {
    const x = variable(T.zeros([2, 3, 4]));
    expect(A.sum(x).shape).toEqual([]);
    expect(A.mean(x, [0, 2]).shape).toEqual([3]);
    expect(A.max(x, -1, true).shape).toEqual([2, 3, 1]);
    expect(A.logSumExp(x, 1).shape).toEqual([2, 4]);
  });

  it('max and min share the gradient equally among tied elements', () => {
    const x = variable([[1, 3, 3], [2, 2, 2]]);
    A.max(x, 1).backward([1, 6]);
    expectClose(x.grad!, [0, 0.5, 0.5, 2, 2, 2]);
    const y = variable([[4, 1, 1], [0, 5, 0]]);
    A.min(y).backward();
    expectClose(y.grad!, [0, 0, 0, 0.5, 0, 0.5]);
  });

  it('norm: the gradient at 0 is 0, not NaN; values match hand computation', () => {
    const x = variable([[3, 4], [0, 0]]);
    const n = A.norm(x, 2, 1);
    expectClose(n, [5, 0]);
    n.backward();
    expectClose(x.grad!, [0.6, 0.8, 0, 0]);
    expectClose(A.norm([[1, -2], [3, -4]], 1), [10]);
    expect(() => A.norm(x, 3 as never)).toThrow(/ord must be 1, 2 or 'fro'/);
  });

  it('mean divides the gradient by the number of averaged elements', () => {
    const x = variable(T.ones([2, 5]));
    A.mean(x, 1).backward();
    expectClose(x.grad!, new Array(10).fill(0.2));
  });
});

describe('softmax and logSoftmax', () => {
  for (const [name, op] of [['softmax', A.softmax], ['logSoftmax', A.logSoftmax]] as const) {
    it(`${name}: gradcheck and second order along each axis`, () => {
      const gen = new Gen(name.length);
      for (const axis of [-1, 0, 1]) checkOp((v) => op(v, axis), [gen.normal([3, 4, 2])]);
    });
  }

  it('softmax gradient of a single picked probability matches p_i (δ_ij - p_j)', () => {
    const logits = [0.5, -1, 2];
    const e = logits.map(Math.exp);
    const z = e.reduce((s, v) => s + v, 0);
    const p = e.map((v) => v / z);
    const x = variable(T.tensor(logits, undefined, 'float64'));
    A.pick(A.softmax(x), 2, 0).backward();
    expectClose(x.grad!, p.map((pj, j) => p[2]! * ((j === 2 ? 1 : 0) - pj)), 1e-12);
  });

  it('logSoftmax stays finite for huge logits', () => {
    const x = variable([1000, 0, -1000]);
    const y = A.logSoftmax(x);
    A.sum(y).backward();
    expect(Array.from(x.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('logSoftmaxGrad equals g - exp(y) Σ g, and is differentiable in g and y to second order', () => {
    const gen = new Gen(17);
    const x = gen.normal([3, 4, 2]);
    const g = gen.normal([3, 4, 2]);
    for (const axis of [-1, 0, 1]) {
      const y = T.logSoftmax(x, axis);
      const want = T.sub(g, T.mul(T.exp(y), T.sum(g, axis, true)));
      expectClose(A.logSoftmaxGrad(g, y, axis), Array.from(want.dataSync()), 1e-6);
      checkOp((gv, xv) => A.logSoftmaxGrad(gv, A.logSoftmax(xv, axis), axis), [g, x]);
    }
  });

  it('logSumExpGrad equals g exp(x - y), and is differentiable in g, x and y to second order', () => {
    const gen = new Gen(23);
    const x = gen.normal([3, 4, 2]);
    for (const axes of [[0], [1], [2], [0, 2]]) {
      const y = T.logSumExp(x, axes, true);
      const g = gen.normal(y.shape);
      const want = T.mul(g, T.exp(T.sub(x, y)));
      expectClose(A.logSumExpGrad(g, x, y, axes), Array.from(want.dataSync()), 1e-12);
      // Without the kept axes too, as logSumExp's output comes.
      expectClose(A.logSumExpGrad(T.squeeze(g, axes), x, T.logSumExp(x, axes), axes), Array.from(want.dataSync()), 1e-12);
      // y an independent input, so that its own derivative is checked, not only through x.
      checkOp((gv, xv, yv) => A.logSumExpGrad(gv, xv, yv, axes), [g, x, T.add(y, 0.25)]);
      checkOp((gv, xv) => A.logSumExpGrad(gv, xv, A.logSumExp(xv, axes, true), axes), [g, x]);
    }
  });

  it('logSumExp backward gives NaN on an all -Infinity row, as the composed rule exp(x - y) does', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const values = T.tensor([[-Infinity, -Infinity, -Infinity], [0, -Infinity, 1]], undefined, dtype);
      const x = variable(values);
      A.sum(A.mul(A.logSumExp(x, 1), [2, 3])).backward();
      const grad = Array.from(x.grad!.dataSync());
      expect(grad.slice(0, 3).every(Number.isNaN)).toBe(true);
      const e = 1 / (1 + Math.E);
      expectClose(grad.slice(3), [3 * e, 0, 3 * Math.E * e], dtype === 'float32' ? 1e-6 : 1e-14);
    }
  });

  it('logSoftmax backward matches the composed rule in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const logits = T.tensor([[0.5, -1, 2, 30], [-80, 3, 3, 0]], undefined, dtype);
      const x = variable(logits);
      A.sum(A.mul(A.logSoftmax(x), [[1, 2, 3, 4], [0, 0, 1, 0]])).backward();
      const y = T.logSoftmax(logits);
      const g = T.tensor([[1, 2, 3, 4], [0, 0, 1, 0]], undefined, dtype);
      const want = T.sub(g, T.mul(T.exp(y), T.sum(g, -1, true)));
      expectClose(x.grad!, Array.from(want.dataSync()), dtype === 'float32' ? 1e-5 : 1e-12);
    }
  });
});

describe('sumTo and dot', () => {
  it('sumTo undoes a broadcast and rejects shapes that do not broadcast', () => {
    const s = A.sumTo(T.ones([4, 2, 3]), [2, 1]);
    expect(s.shape).toEqual([2, 1]);
    expectClose(s, [12, 12]);
    expect(() => A.sumTo(T.ones([2, 3]), [4])).toThrow(/does not broadcast/);
    checkOp((x) => A.sumTo(A.square(x), [3, 1]), [new Gen(3).normal([2, 3, 4])]);
  });

  it('dot is the inner product, and checks shapes', () => {
    expectClose(A.dot([1, 2], [3, 4]), 11);
    expect(() => A.dot([1, 2], [1, 2, 3])).toThrow(/same shape/);
    checkOp((a, b) => A.dot(a, b), [new Gen(4).normal([2, 3]), new Gen(5).normal([2, 3])]);
  });
});
