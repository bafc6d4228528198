import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { variable, type Variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

/** Shape ops are linear; squaring their result makes the second-order check exercise their rules twice. */
const squared = (op: (x: Variable) => Variable) => (x: Variable): Variable => A.square(op(x));

describe('shape ops: gradcheck, second order, float32', () => {
  const gen = new Gen(21);

  it('reshape (with -1)', () => {
    checkOp(squared((x) => A.reshape(x, [4, -1])), [gen.normal([2, 3, 2])]);
    checkOp(squared((x) => A.reshape(x, [])), [gen.normal([1, 1])]);
  });

  it('transpose (default and explicit, negative axes)', () => {
    checkOp(squared((x) => A.transpose(x)), [gen.normal([2, 3, 4])]);
    checkOp(squared((x) => A.transpose(x, [1, -1, 0])), [gen.normal([2, 3, 4])]);
  });

  it('expandDims and squeeze', () => {
    checkOp(squared((x) => A.expandDims(x, -1)), [gen.normal([2, 3])]);
    checkOp(squared((x) => A.squeeze(x, 1)), [gen.normal([2, 1, 3])]);
    checkOp(squared((x) => A.squeeze(x)), [gen.normal([1, 3, 1])]);
  });

  it('broadcastTo', () => {
    checkOp(squared((x) => A.broadcastTo(x, [2, 3, 4])), [gen.normal([3, 1])]);
    checkOp(squared((x) => A.broadcastTo(x, [2, 3])), [gen.normal([])]);
  });

  it('slice (negative begin, -1 sizes, short lists)', () => {
    checkOp(squared((x) => A.slice(x, [1, -3], [-1, 2])), [gen.normal([3, 4])]);
    checkOp(squared((x) => A.slice(x, [1])), [gen.normal([3, 2, 2])]);
  });

  it('pad', () => {
    checkOp(squared((x) => A.pad(x, [[1, 0], [2, 1]], 3)), [gen.normal([2, 3])]);
  });

  it('concat (mixed sizes, a constant operand, negative axis) and stack', () => {
    const c = T.randn([2, 1], { seed: 4, dtype: 'float64' });
    checkOp((a, b) => A.square(A.concat([a, c, b], -1)), [gen.normal([2, 3]), gen.normal([2, 2])]);
    checkOp((a, b) => A.square(A.stack([a, b], 1)), [gen.normal([2, 3]), gen.normal([2, 3])]);
  });

  it('the gradients land in the right places', () => {
    const x = variable(T.arange(6));
    A.slice(A.reshape(x, [2, 3]), [0, 1], [2, 1]).backward([[1], [2]]);
    expectClose(x.grad!, [0, 1, 0, 0, 2, 0]);
    const a = variable([1, 2]);
    const b = variable([3]);
    A.concat([a, b]).backward([10, 20, 30]);
    expectClose(a.grad!, [10, 20]);
    expectClose(b.grad!, [30]);
    const p = variable([[1, 2]]);
    A.pad(p, [[1, 1], [0, 1]]).backward(T.reshape(T.arange(9), [3, 3]));
    expectClose(p.grad!, [3, 4]);
  });

  it('no-op shape calls return the operand itself', () => {
    const x = variable(T.zeros([2, 3]));
    expect(A.reshape(x, [2, 3])).toBe(x);
    expect(A.transpose(x, [0, 1])).toBe(x);
    expect(A.broadcastTo(x, [2, 3])).toBe(x);
    expect(A.pad(x, [[0, 0], [0, 0]])).toBe(x);
    expect(A.concat([x])).toBe(x);
  });

  it('bad arguments raise the tensor package errors, naming the op', () => {
    const x = variable(T.zeros([2, 3]));
    expect(() => A.reshape(x, [4, 2])).toThrow(/reshape/);
    expect(() => A.concat([])).toThrow(/concat: expected a non-empty array/);
    expect(() => A.transpose(x, [0, 0])).toThrow(/transpose/);
  });
});
