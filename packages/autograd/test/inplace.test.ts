/**
 * In-place writes (Variable.assign) against recorded graphs, as PyTorch's version counters: a
 * backward that would read a value written after its op was recorded fails, naming the Variable
 * and the op; updates between steps are untouched. And disposed values named by their Variable.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import { add, exp, gradients, grad, matmul, mul, noGrad, sub, sum, variable } from '../src/index.js';

describe('in-place writes and recorded graphs', () => {
  it('fails the backward of an op that saved the written Variable, naming it and the op', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = sum(mul(x, x));
    expect(x.version).toBe(0);
    x.assign([10, 20]);
    expect(x.version).toBe(1);
    expect(() => y.backward()).toThrow(
      new RegExp(`Variable "x" #${x.id} was modified in place by assign \\(now at version 1\\) after 'mul' saved it for backward`),
    );
    expect(x.grad).toBeNull();
  });

  it('names an unnamed Variable by its id, and catches the write in gradients() too', () => {
    const w = variable([[1, 0], [0, 1]]);
    const y = sum(matmul([[1, 2]], w));
    w.assign([[2, 0], [0, 2]]);
    // d/dw (a @ w) = aᵀ g reads only the other operand, so w's gradient is still right.
    expect(gradients(y, [w])[0]!.toArray()).toEqual([[1, 1], [2, 2]]);
    const a = variable([1, 2], { name: 'a' });
    const b = variable([3, 4], { name: 'b' });
    const z = sum(mul(a, b));
    a.assign([5, 6]);
    // d/db a·b = a reads a, which was written after 'mul' was recorded.
    expect(() => gradients(z, [b])).toThrow(new RegExp(`Variable "a" #${a.id} was modified in place.*after 'mul'`));
  });

  it('lets a backward through ops whose gradient does not read the written value go on, as PyTorch does', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = sum(add(x, 1));
    x.assign([10, 20]);
    y.backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it('accepts an op recorded after the write', () => {
    const x = variable([1, 2]);
    x.assign([3, 4]);
    const y = sum(mul(x, x));
    y.backward();
    expect(x.grad!.toArray()).toEqual([6, 8]);
  });

  it('leaves optimiser steps after backward and noGrad updates between steps unaffected', () => {
    const w = variable([1, 2], { name: 'w' });
    for (let step = 0; step < 3; step++) {
      const loss = sum(mul(mul(w, w), 0.5));
      loss.backward();
      noGrad(() => w.assign(sub(w, mul(w.grad!, 0.5))));
      w.zeroGrad();
    }
    expect(w.toArray()).toEqual([0.125, 0.25]);
    expect(w.version).toBe(3);
    expect(grad((v) => sum(mul(v, v)))(w).toArray()).toEqual([0.25, 0.5]);
  });

  it('fails the second backward of a retained graph after a write between the two', () => {
    const w = variable([1, 2], { name: 'w' });
    const loss = sum(exp(mul(w, w)));
    loss.backward(undefined, { retainGraph: true });
    noGrad(() => w.assign([0, 0]));
    expect(() => loss.backward()).toThrow(/Variable "w" #\d+ was modified in place by assign \(now at version 1\) after 'mul'/);
  });

  it('catches a write before a second-order backward through the recorded gradient', () => {
    const x = variable([1, 2], { name: 'x' });
    const [dx] = gradients(sum(mul(mul(x, x), x)), [x], { createGraph: true });
    x.assign([0, 0]);
    expect(() => sum(dx!).backward()).toThrow(/Variable "x" #\d+ was modified in place/);
  });
});

describe('disposed values', () => {
  it('names the leaf whose value was disposed', () => {
    const w = variable([1, 2], { name: 'w' });
    w.value.dispose();
    expect(() => mul(w, 2)).toThrow(new RegExp(`^Variable "w" #${w.id}: its value was disposed`));
    expect(() => w.toArray()).toThrow(/Variable "w" #\d+: its value was disposed/);
  });

  it('names the op that made a disposed intermediate value', () => {
    const x = variable([1, 2]);
    const y = exp(x);
    y.value.dispose();
    expect(() => add(y, 1)).toThrow(new RegExp(`^Variable #${y.id} \\(the output of 'exp'\\): its value was disposed`));
    expect(() => y.item()).toThrow(/the output of 'exp'/);
  });

  it('keeps the tensor layer naming the argument for a plain tensor', () => {
    const t = T.tensor([1, 2]);
    t.dispose();
    expect(() => T.add(1, t)).toThrow(/^b: this tensor was disposed/);
  });
});
