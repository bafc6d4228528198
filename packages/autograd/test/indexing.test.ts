import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { variable, type Variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

const squared = (op: (x: Variable) => Variable) => (x: Variable): Variable => A.square(op(x));

describe('indexing ops: gradcheck, second order (through the adjoints), float32', () => {
  const gen = new Gen(33);

  it('gather (repeated indices, 2-D indices, every axis)', () => {
    checkOp(squared((x) => A.gather(x, [2, 0, 2])), [gen.normal([3, 2])]);
    checkOp(squared((x) => A.gather(x, T.tensor([[1, 1], [0, 3]], undefined, 'int32'), 1)), [gen.normal([2, 4, 2])]);
    checkOp(squared((x) => A.gather(x, [0, 0, 1], -1)), [gen.normal([2, 2])]);
  });

  it('scatterAdd (repeated indices accumulate)', () => {
    checkOp(squared((u) => A.scatterAdd(u, [1, 1, 0], 0, [3, 2])), [gen.normal([3, 2])]);
    checkOp(squared((u) => A.scatterAdd(u, [2, 0], 1, [2, 3])), [gen.normal([2, 2])]);
  });

  it('takeAlongAxis and scatterAlongAxis', () => {
    const idx = gen.indices([3, 2], 4);
    checkOp(squared((x) => A.takeAlongAxis(x, idx, 1)), [gen.normal([3, 4])]);
    checkOp(squared((u) => A.scatterAlongAxis(u, idx, 1, [3, 4])), [gen.normal([3, 2])]);
    const idx0 = gen.indices([2, 3], 2);
    checkOp(squared((x) => A.takeAlongAxis(x, idx0, 0)), [gen.normal([2, 3])]);
  });

  it('pick (default axis, axis 0, keepDims, index with the axis kept)', () => {
    checkOp(squared((x) => A.pick(x, [1, 0, 3])), [gen.normal([3, 4])]);
    checkOp(squared((x) => A.pick(x, [[1, 0, 1]], 0, true)), [gen.normal([2, 3])]);
    checkOp(squared((x) => A.pick(x, T.tensor([[2], [2]], undefined, 'int32'), 1)), [gen.normal([2, 3])]);
    checkOp((x) => A.pick(A.logSoftmax(x), [1, 0, 3]), [gen.normal([3, 4])]);
  });

  it('put gradients where the indices point, adding repeats', () => {
    const x = variable([[1, 2], [3, 4], [5, 6]]);
    A.gather(x, [2, 0, 2]).backward([[1, 1], [2, 2], [10, 10]]);
    expectClose(x.grad!, [2, 2, 0, 0, 11, 11]);
    const y = variable([[1, 2, 3], [4, 5, 6]]);
    A.pick(y, [2, 0]).backward([7, 8]);
    expectClose(y.grad!, [0, 0, 7, 8, 0, 0]);
  });

  it('the gradient of scatterAdd is a gather (second order through both)', () => {
    const x = variable(T.tensor([1, 2, 3], undefined, 'float64'));
    // f(x) = Σ gather(x, i)^3, so f'' = 6·x·count(i) on the diagonal.
    const f = (v: Variable): Variable => A.sum(A.pow(A.gather(v, [0, 0, 2]), 3));
    const h = A.grad((v: Variable) => A.sum(A.grad(f)(v)))(x);
    expectClose(h, [6 * 1 * 2, 0, 6 * 3], 1e-12);
  });

  it('oneHot, argmax and argmin are constants; bad indices are reported', () => {
    const o = A.oneHot([0, 2], 3);
    expect(o.requiresGrad).toBe(false);
    expectClose(o, [1, 0, 0, 0, 0, 1]);
    const x = variable([[1, 5, 2], [7, 0, 3]]);
    expectClose(A.argmax(x, 1), [1, 0]);
    expectClose(A.argmin(x, 1), [0, 1]);
    expect(() => A.gather(x, [5])).toThrow(/indices must hold integers in \[0, 2\)/);
    expect(() => A.pick(x, [0, 1, 2])).toThrow(/pick: index shape/);
  });
});
