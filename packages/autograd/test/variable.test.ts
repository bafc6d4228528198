import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { constant, noGrad, variable, Variable } from '../src/index.js';
import { expectClose } from './helpers.js';

describe('Variable', () => {
  it('wraps a value and reads it back', () => {
    const v = variable([[1, 2], [3, 4]], { name: 'w' });
    expect(v.shape).toEqual([2, 2]);
    expect(v.dtype).toBe('float32');
    expect(v.size).toBe(4);
    expect(v.rank).toBe(2);
    expect(v.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4]);
    expect(variable(5).item()).toBe(5);
    expect(v.name).toBe('w');
    expect(v.isLeaf).toBe(true);
    expect(v.requiresGrad).toBe(true);
    expect(v.toString()).toContain('Variable "w"');
    expect(v.value).toBeInstanceOf(T.Tensor);
  });

  it('requires grad by default for floats only, and refuses it for int32', () => {
    expect(variable(T.tensor([1], undefined, 'int32')).requiresGrad).toBe(false);
    expect(() => variable(T.tensor([1], undefined, 'int32'), { requiresGrad: true })).toThrow(/only float32 or float64 values can require grad/);
    expect(() => variable([1], { requiresGrad: 'yes' as never })).toThrow(/variable: option 'requiresGrad' is invalid: Invalid input: expected boolean, received string/);
    expect(() => variable(null as never)).toThrow(/value/);
    expect(constant([1, 2]).requiresGrad).toBe(false);
  });

  it('gives every Variable a unique increasing id', () => {
    const a = variable(1);
    const b = A.add(a, 1);
    expect(b.id).toBeGreaterThan(a.id);
  });

  it('records ops on Variables that require grad, and only those', () => {
    const x = variable([1, 2]);
    const c = constant([3, 4]);
    const y = A.mul(x, c);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.node!.op.name).toBe('mul');
    expect(y.node!.inputs).toEqual([x, c]);
    const z = A.mul(c, c);
    expect(z.requiresGrad).toBe(false);
    expect(z.node).toBeNull();
    expect(A.add(x, 2).node!.inputs[1]!.value.dtype).toBe('float32');
  });

  it('noGrad turns recording off and restores it, even after a throw', () => {
    const x = variable([1, 2]);
    const y = noGrad(() => A.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(A.isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(A.isGradEnabled()).toBe(true);
    expect(noGrad(() => A.enableGrad(() => A.mul(x, 2))).requiresGrad).toBe(true);
  });

  it('detach keeps the value and drops the history', () => {
    const x = variable([1, 2]);
    const d = A.mul(x, 3).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    expectClose(d, [3, 6]);
  });

  it('assign replaces a leaf value (same shape, converted dtype) and refuses non-leaves', () => {
    const w = variable([1, 2]);
    w.assign(T.tensor([3, 4], undefined, 'float64'));
    expect(w.dtype).toBe('float32');
    expectClose(w, [3, 4]);
    expect(() => w.assign([1, 2, 3])).toThrow(/assign: value has shape \[3\]/);
    expect(() => A.mul(w, 2).assign([0, 0])).toThrow(/only leaf Variables can be assigned/);
  });
});

describe('backward', () => {
  it('uses ones as the head gradient of a non-scalar output (Gluon semantics)', () => {
    const x = variable([1, 2, 3]);
    A.mul(x, x).backward();
    expectClose(x.grad!, [2, 4, 6]);
  });

  it('accumulates into .grad until zeroGrad', () => {
    const x = variable([1, 2]);
    A.sum(A.mul(x, 3)).backward();
    A.sum(A.mul(x, 3)).backward();
    expectClose(x.grad!, [6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    A.sum(x).backward();
    expectClose(x.grad!, [1, 1]);
  });

  it('sums the contributions of a Variable used several times', () => {
    const x = variable(3);
    const y = A.add(A.mul(x, x), A.mul(x, 2));
    y.backward();
    expectClose(x.grad!, 8);
  });

  it('takes an explicit head gradient, checks its shape, and converts its dtype', () => {
    const x = variable([1, 2]);
    A.mul(x, 2).backward(T.tensor([1, 10], undefined, 'float64'));
    expectClose(x.grad!, [2, 20]);
    expect(x.grad!.dtype).toBe('float32');
    expect(() => A.mul(x, 2).backward([1, 2, 3])).toThrow(/headGrad: expected the output's shape \[2\], got \[3\]/);
  });

  it('frees the graph: a second backward fails clearly unless retainGraph', () => {
    const x = variable([1, 2]);
    const y = A.sum(A.exp(x));
    y.backward();
    expect(() => y.backward()).toThrow(/already freed by an earlier backward pass; pass \{ retainGraph: true \}/);
    const z = A.sum(A.exp(x));
    x.zeroGrad();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expectClose(x.grad!, [2 * Math.E, 2 * Math.E ** 2], 1e-6);
  });

  it('refuses to start from a Variable that does not require grad', () => {
    expect(() => constant([1]).backward()).toThrow(/does not require grad/);
    expect(() => variable([1]).backward(undefined, { createGraph: 1 as never })).toThrow(/backward: option 'createGraph' is invalid: Invalid input: expected boolean, received number/);
  });

  it('with createGraph, the accumulated gradient can be differentiated again', () => {
    const x = variable(T.tensor([2], undefined, 'float64'));
    A.sum(A.pow(x, 3)).backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.requiresGrad).toBe(true);
    expectClose(g, [12], 1e-12);
    x.zeroGrad();
    A.sum(g).backward();
    expectClose(x.grad!, [12], 1e-12);
  });

  it('without createGraph, gradients are constants even when the head gradient requires grad', () => {
    const x = variable([1, 2]);
    const h = variable([1, 1]);
    A.add(x, 1).backward(h);
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('gradients() returns gradients for chosen inputs without touching .grad', () => {
    const x = variable([1, 2]);
    const w = variable([3, 4]);
    const y = A.sum(A.mul(x, w));
    const [gx, gw] = A.gradients(y, [x, w]);
    expectClose(gx!, [3, 4]);
    expectClose(gw!, [1, 2]);
    expect(x.grad).toBeNull();
    expect(() => A.gradients(y, [constant([1])])).toThrow(/inputs\[0\].*does not require grad/);
  });

  it('gradients() adds up several outputs weighted by their head gradients', () => {
    const x = variable([1, 2]);
    const [g] = A.gradients([A.mul(x, 2), A.sum(A.square(x))], [x], { headGrads: [[1, 10], undefined] });
    expectClose(g!, [2 + 2, 20 + 4]);
    expect(() => A.gradients([A.mul(x, 2)], [x], { headGrads: [] })).toThrow(/one entry per output/);
  });

  it('reports every node it visits, and keeps intermediate gradients with retainGrads', () => {
    const x = variable([1, 2]);
    const h = A.mul(x, 3);
    const y = A.sum(A.exp(h));
    const visited: string[] = [];
    A.runBackward({
      outputs: [y], headGrads: [constant(1)], targets: null, createGraph: false, retainGraph: true, retainGrads: true,
      onVisit: (v) => visited.push(v.node === null ? 'leaf' : v.node.op.name),
    });
    expect(visited).toEqual(['sum', 'exp', 'mul', 'leaf']);
    expectClose(h.node!.outputGrad!, [Math.exp(3), Math.exp(6)], 1e-5);
    expectClose(x.grad!, [3 * Math.exp(3), 3 * Math.exp(6)], 1e-5);
  });
});

describe('Variable class', () => {
  it('is what every op returns', () => {
    expect(A.exp([1])).toBeInstanceOf(Variable);
    expect(A.matmul([[1]], [[2]])).toBeInstanceOf(Variable);
  });
});
