import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { gradients, variable, type Variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

/** Uses the parts unevenly (one twice, one squared, one dropped) so every gradient path differs. */
function mixParts(parts: Variable[]): Variable {
  const [first, second, ...rest] = parts;
  const terms = [A.mul(first!, 3), A.square(second ?? first!), A.mul(first!, first!)];
  if (rest.length > 1) terms.push(A.sin(rest[rest.length - 1]!));
  return A.concat(terms.map((t) => A.reshape(t, [-1])));
}

describe('split and unstack: gradcheck, second order, float32', () => {
  const gen = new Gen(31);

  it('split with explicit sizes (a zero-size part, negative axis)', () => {
    checkOp((x) => mixParts(A.split(x, [1, 0, 2, 1], -1)), [gen.normal([2, 4])]);
    checkOp((x) => A.square(A.concat(A.split(x, [2, 1], 0).reverse(), 0)), [gen.normal([3, 2])]);
  });

  it('split into k equal parts', () => {
    checkOp((x) => mixParts(A.split(x, 3, 1)), [gen.normal([2, 6, 2])]);
  });

  it('unstack along each axis', () => {
    checkOp((x) => mixParts(A.unstack(x)), [gen.normal([4, 3])]);
    checkOp((x) => mixParts(A.unstack(x, 1)), [gen.normal([2, 4, 2])]);
    checkOp((x) => A.square(A.stack(A.unstack(x, -1).reverse(), 0)), [gen.normal([2, 3])]);
  });
});

describe('split and unstack: values and gradients', () => {
  it('cut the values in order', () => {
    const x = T.reshape(T.arange(12), [3, 4]);
    const [a, b] = A.split(x, [1, 3], 1);
    expect(a!.toArray()).toEqual([[0], [4], [8]]);
    expect(b!.toArray()).toEqual([[1, 2, 3], [5, 6, 7], [9, 10, 11]]);
    const rows = A.unstack(x);
    expect(rows.map((r) => r.toArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(A.unstack(x, 1)[2]!.toArray()).toEqual([2, 6, 10]);
    expect(A.split(x, 2, 1).map((p) => p.shape)).toEqual([[3, 2], [3, 2]]);
  });

  it('a constant input gives constant parts', () => {
    const parts = A.unstack([[1, 2], [3, 4]]);
    expect(parts.every((p) => !p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it('the gradient stacks the parts\' gradients, with zeros for unused parts', () => {
    const x = variable(T.cast(T.reshape(T.arange(12), [3, 4]), 'float64'));
    const [r0, , r2] = A.unstack(x);
    A.sum(A.add(A.mul(r0!, 2), A.square(r2!))).backward();
    expectClose(x.grad!, [2, 2, 2, 2, 0, 0, 0, 0, 16, 18, 20, 22]);
  });

  it('a part used twice gets both contributions', () => {
    const x = variable([1, 2, 3]);
    const [a, b] = A.split(x, [2, 1]);
    A.add(A.sum(A.mul(a!, a!)), A.sum(A.mul(A.sum(a!), b!))).backward();
    // d/da (a·a + (Σa)·b) = 2a + b, d/db = Σa.
    expectClose(x.grad!, [5, 7, 3]);
  });

  it('second derivatives flow through the stacked gradient', () => {
    const x = variable(T.cast(T.reshape(T.arange(12), [3, 4]), 'float64'));
    const [left, right] = A.split(x, [1, 3], 1);
    const f = A.add(A.sum(A.square(A.square(right!))), A.sum(left!));
    const [g] = gradients(f, [x], { createGraph: true });
    expectClose(g!, [1, 4, 32, 108, 1, 500, 864, 1372, 1, 2916, 4000, 5324]);
    const [h] = gradients(A.sum(g!), [x]);
    expectClose(h!, [0, 12, 48, 108, 0, 300, 432, 588, 0, 972, 1200, 1452]);
  });

  it('the backward pass joins the parts once: one stack, however many parts are read', () => {
    const steps = 64;
    const x = variable(T.randn([steps, 3], { seed: 5 }));
    let total: Variable | null = null;
    for (const part of A.unstack(x)) total = total === null ? A.square(part) : A.add(total, A.square(part));
    const [g] = gradients(A.sum(total!), [x], { createGraph: true });
    expectClose(g!, Array.from(x.dataSync(), (v) => 2 * v), 1e-6);
    // With createGraph the backward pass is recorded: count its concats (one per stack).
    const concats = new Set<Variable>();
    const stack: Variable[] = [g!];
    const seen = new Set<Variable>();
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      if (v.node === null) continue;
      if (v.node.op.name === 'concat') concats.add(v);
      stack.push(...v.node.inputs);
    }
    expect(concats.size).toBe(1);
  });

  it('graph inspection shows the whole and its parts', () => {
    const x = variable([[1, 2], [3, 4]], { name: 'x' });
    const [a, b] = A.unstack(x);
    const y = A.add(a!, b!);
    expect(a!.node!.op.name).toBe('splitPart');
    expect(a!.node!.inputs[0]!.node!.op.name).toBe('split');
    expect(a!.node!.inputs[0]).toBe(b!.node!.inputs[0]);
    const trace = A.backwardTrace(A.sum(y));
    expect(trace.steps.some((s) => s.label.startsWith('split'))).toBe(true);
    expect(trace.steps.filter((s) => s.label.startsWith('splitPart'))).toHaveLength(2);
  });

  it('a backward trace shows the parts\' gradients going to the whole, and the whole\'s joined gradient', () => {
    const x = variable([[1, 2, 3], [4, 5, 6]], { name: 'x' });
    const [a, b] = A.split(x, [1, 2], 1);
    const whole = a!.node!.inputs[0]!;
    // Parts of shapes [2, 1] and [2, 2] do not add up elementwise: the trace used to throw here.
    const trace = A.backwardTrace(A.add(A.sum(A.mul(a!, 2)), A.sum(b!)));
    const toWhole = trace.steps.flatMap((s) => s.contributions).filter((c) => c.inputId === whole.id);
    expect(toWhole.map((c) => c.grad!.shape)).toEqual([[2, 2], [2, 1]]);
    expect(toWhole.map((c) => c.total)).toEqual([null, null]);
    expect(trace.gradients[whole.id]!.values).toEqual([[2, 1, 1], [2, 1, 1]]);
    expect(trace.gradients[x.id]!.values).toEqual([[2, 1, 1], [2, 1, 1]]);
    expect(A.formatTrace(trace)).toMatch(/split #\d+ {2}\[\[2, 1, 1\], \[2, 1, 1\]\]/);
  });

  it('bad sizes are errors that name the argument', () => {
    const x = T.zeros([2, 5]);
    expect(() => A.split(x, [2, 2], 1)).toThrow(/split: sizes \[2, 2\] add up to 4, but axis 1 of x \(shape \[2, 5\]\) has extent 5/);
    expect(() => A.split(x, 2, 1)).toThrow(/split: sizes = 2 must be a positive integer that divides the extent 5 of axis 1/);
    expect(() => A.split(x, [2, -1, 4], 1)).toThrow(/split: sizes\[1\] must be a non-negative integer, got -1/);
    expect(() => A.split(x, [], 1)).toThrow(/split: sizes must be a number of parts or a non-empty array/);
    expect(() => A.split(x, 1, 2)).toThrow(/axis/);
    expect(() => A.unstack(T.scalar(1))).toThrow(/unstack: x must have at least one axis, got a scalar/);
  });
});
