import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { grad, noGrad, valueAndGrad, variable, type Variable } from '../src/index.js';
import { expectClose, Gen } from './helpers.js';

const f64 = (values: number[] | number): T.Tensor => T.tensor(values, undefined, 'float64');

describe('grad and valueAndGrad', () => {
  it('give the gradient of a scalar function', () => {
    const f = (x: Variable): Variable => A.sum(A.pow(x, 3));
    expectClose(grad(f)([1, 2]), [3, 12]);
    const { value, grads } = valueAndGrad((x: Variable) => A.sum(A.square(x)))([1, 2]);
    expect(value.item()).toBe(5);
    expectClose(grads, [2, 4]);
  });

  it('nest to any order: d^k/dx^k of x^5 at 2', () => {
    const f = (x: Variable): Variable => A.pow(x, 5);
    const d1 = grad(f);
    const d2 = grad((x: Variable) => d1(x));
    const d3 = grad((x: Variable) => d2(x));
    const d4 = grad((x: Variable) => d3(x));
    const d5 = grad((x: Variable) => d4(x));
    const x = f64(2);
    expectClose(d1(x), 5 * 16, 1e-12);
    expectClose(d2(x), 20 * 8, 1e-12);
    expectClose(d3(x), 60 * 4, 1e-12);
    expectClose(d4(x), 120 * 2, 1e-12);
    expectClose(d5(x), 120, 1e-12);
  });

  it('Hessian-vector products match central differences of the gradient', () => {
    const gen = new Gen(9);
    const w = gen.normal([3, 3]);
    const f = (x: Variable): Variable => A.sum(A.mul(A.tanh(A.matmul(w, x)), A.exp(A.mul(x, 0.3))));
    const x0 = gen.normal([3]);
    const v = gen.normal([3]);
    const hvp = grad((x: Variable) => A.dot(grad(f)(x), v))(x0);
    const eps = 1e-5;
    const gPlus = grad(f)(T.add(x0, T.mul(v, eps)));
    const gMinus = grad(f)(T.sub(x0, T.mul(v, eps)));
    const numeric = Array.from(gPlus.dataSync(), (p, i) => (p - gMinus.dataSync()[i]!) / (2 * eps));
    expectClose(hvp, numeric, 1e-7);
  });

  it('differentiate with respect to several arguments', () => {
    const [da, db] = grad((a: Variable, b: Variable) => A.sum(A.mul(a, b)), [0, 1])([1, 2], [3, 4]);
    expectClose(da!, [3, 4]);
    expectClose(db!, [1, 2]);
    const only = grad((a: Variable, b: Variable) => A.sum(A.mul(a, b)), 1)([1, 2], [3, 4]);
    expectClose(only, [1, 2]);
  });

  it('treat each argument position separately, even when the same Variable is passed twice', () => {
    const x = variable([2, 3]);
    const [da, db] = grad((a: Variable, b: Variable) => A.sum(A.mul(a, b)), [0, 1])(x, x);
    expectClose(da!, [2, 3]);
    expectClose(db!, [2, 3]);
  });

  it('differentiate through values the inner function captures from an outer grad', () => {
    // d/dx [ d/dy (y·x) at y = 3 ] = d/dx x = 1
    const r = grad((x: Variable) => grad((y: Variable) => A.mul(y, x))(3))(f64(2));
    expectClose(r, 1, 1e-12);
  });

  it('let a gradient penalty reach captured parameters (createGraph chosen automatically)', () => {
    const w = variable(f64([1, -2]));
    const g = grad((x: Variable) => A.sum(A.mul(A.square(x), w)))(f64([3, 4]));
    expect(g.requiresGrad).toBe(true);
    A.sum(A.square(g)).backward();
    // g = 2·x·w, so d/dw Σ g² = 2·g·2x = 8·x²·w
    expectClose(w.grad!, [8 * 9 * 1, 8 * 16 * -2], 1e-12);
  });

  it('return detached gradients with createGraph false, and leave .grad alone', () => {
    const w = variable([1, 2]);
    const g = grad((x: Variable) => A.sum(A.mul(x, w)), 0, { createGraph: false })([5, 6]);
    expect(g.requiresGrad).toBe(false);
    expect(w.grad).toBeNull();
    const x = variable([1, 2]);
    grad((v: Variable) => A.sum(A.square(v)))(x);
    expect(x.grad).toBeNull();
  });

  it('work inside noGrad, and give zeros for an argument f ignores', () => {
    const g = noGrad(() => grad((x: Variable) => A.sum(A.exp(x)))(f64([0, 1])));
    expectClose(g, [1, Math.E], 1e-12);
    const [da, db] = grad((a: Variable, _b: Variable) => A.sum(a), [0, 1])([1, 2], [[3, 4, 5]]);
    expectClose(da!, [1, 1]);
    expect(db!.shape).toEqual([1, 3]);
    expectClose(db!, [0, 0, 0]);
    expectClose(grad(() => A.constant(3))(f64(1)), 0);
  });

  it('reject bad arguments with clear errors', () => {
    const f = (x: Variable): Variable => A.mul(x, 2);
    expect(() => grad(f)([1, 2])).toThrow(/f must return a single-element \(scalar\) Variable, got shape \[2\]/);
    expect(() => grad(f, 1)(1)).toThrow(/argnums names argument 1/);
    expect(() => grad(f, -1)).toThrow(/argnums must be a non-negative integer/);
    expect(() => grad(f, [0, 0])).toThrow(/repeated position/);
    expect(() => grad(f)(T.tensor([1], undefined, 'int32'))).toThrow(/dtype int32/);
    expect(() => grad('f' as never)).toThrow(/f must be a function/);
    expect(() => grad(() => 3 as never)(1)).toThrow(/f must return a Variable/);
  });

  it('second derivatives of every smooth unary op match central differences of the first', () => {
    const ops: [string, (x: Variable) => Variable, number][] = [
      ['exp', A.exp, 0.3], ['log', A.log, 1.7], ['sqrt', A.sqrt, 1.3], ['tanh', A.tanh, 0.4], ['sigmoid', A.sigmoid, -0.6],
      ['softplus', A.softplus, 0.8], ['logSigmoid', A.logSigmoid, 0.2], ['log1p', A.log1p, 0.5], ['expm1', A.expm1, 0.7],
      ['rsqrt', A.rsqrt, 1.2], ['reciprocal', A.reciprocal, 0.9], ['sin', A.sin, 0.4], ['cos', A.cos, 0.4], ['square', A.square, -1.1],
    ];
    for (const [name, op, at] of ops) {
      const d1 = grad(op);
      const d2 = grad((x: Variable) => d1(x));
      const eps = 1e-5;
      const numeric = (d1(f64(at + eps)).item() - d1(f64(at - eps)).item()) / (2 * eps);
      expect(Math.abs(d2(f64(at)).item() - numeric), name).toBeLessThan(1e-7);
    }
  });
});
