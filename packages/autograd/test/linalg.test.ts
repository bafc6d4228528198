import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

describe('matmul: gradcheck, second order, float32', () => {
  const gen = new Gen(44);

  it('matrix x matrix, with every transpose combination', () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = gen.normal(tA ? [4, 3] : [3, 4]);
      const b = gen.normal(tB ? [2, 4] : [4, 2]);
      checkOp((x, y) => A.matmul(x, y, tA, tB), [a, b]);
    }
  });

  it('batched, with broadcast batch axes and different ranks', () => {
    checkOp((x, y) => A.matmul(x, y), [gen.normal([2, 3, 4]), gen.normal([4, 2])]);
    checkOp((x, y) => A.matmul(x, y), [gen.normal([2, 1, 3, 2]), gen.normal([3, 2, 2])]);
    checkOp((x, y) => A.matmul(x, y, true, true), [gen.normal([2, 2, 3]), gen.normal([1, 4, 2])]);
  });

  it('vector operands', () => {
    checkOp((x, y) => A.matmul(x, y), [gen.normal([4]), gen.normal([4, 3])]);
    checkOp((x, y) => A.matmul(x, y), [gen.normal([3, 4]), gen.normal([4])]);
    checkOp((x, y) => A.matmul(x, y), [gen.normal([4]), gen.normal([4])]);
    checkOp((x, y) => A.matmul(x, y), [gen.normal([2, 3, 4]), gen.normal([4])]);
    checkOp((x, y) => A.matmul(x, y, false, true), [gen.normal([4]), gen.normal([3, 4])]);
  });

  it('matches the hand-computed gradient dW = xᵀ g', () => {
    const x = T.tensor([[0, 2], [1, 4]]);
    const w = variable([[1, 2], [3, 4]]);
    A.matmul(x, w).backward([[1, 0], [0, 1]]);
    expectClose(w.grad!, [0, 1, 2, 4]);
  });

  it('skips the gradient of a constant operand and rejects a non-boolean transpose flag', () => {
    const w = variable([[1, 2], [3, 4]]);
    const y = A.matmul([[1, 1]], w);
    expect(y.node!.inputs[0]!.requiresGrad).toBe(false);
    expect(() => A.matmul(w, w, 1 as never)).toThrow(/transposeA must be a boolean/);
  });
});
