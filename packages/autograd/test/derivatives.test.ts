/**
 * The derivatives table as a whole: its formulas reach the graph, a rule runs once per node and
 * does no work for an input that needs no gradient, and every module of the package loads first
 * (no import cycle hides behind a load order).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { defineOp, DERIVATIVE_FORMULAS, graphOf, recordOp, variable, type Variable } from '../src/index.js';
import { expectClose } from './helpers.js';

/** How many Variables `run` makes (ids increase by one per Variable). */
function variablesMadeBy(run: () => void): number {
  const before = variable(0).id;
  run();
  return variable(0).id - before - 1;
}

describe('the derivatives table', () => {
  it('gives every recorded op its formula, the same in DERIVATIVE_FORMULAS and in graphOf', () => {
    const x = variable(T.randn([2, 3], { seed: 1, dtype: 'float64' }), { name: 'x' });
    const w = variable(T.randn([3, 2], { seed: 2, dtype: 'float64' }), { name: 'w' });
    const [p0, p1] = A.split(A.softmax(A.matmul(x, w)), 2, 1);
    const y = A.sum(A.add(A.logSumExp(A.pick(A.logSoftmax(A.exp(x)), [0, 2]), 0), A.mean(A.mul(p0!, A.sigmoid(p1!)))));
    const g = graphOf(y);
    const ops = g.nodes.filter((n) => n.kind === 'op');
    expect(new Set(ops.map((n) => n.op))).toEqual(new Set(['matmul', 'softmax', 'split', 'splitPart', 'exp', 'logSoftmax', 'pick', 'logSumExp', 'sigmoid', 'mul', 'mean', 'add', 'sum']));
    for (const n of ops) expect(n.formula, n.op!).toBe(DERIVATIVE_FORMULAS[n.op!]);
    expect(g.nodes.filter((n) => n.kind !== 'op').every((n) => n.formula === null)).toBe(true);
    expect(y.node!.op.formula).toBe('d/dx Σx = 1 (g broadcast back)');
    expect(DERIVATIVE_FORMULAS.mul).toBe('d/da a·b = b, d/db a·b = a');
    expect(Object.isFrozen(DERIVATIVE_FORMULAS)).toBe(true);
  });

  it('lists the fused backward primitives, the engine\'s cast and the zero-gradient rows too', () => {
    for (const name of ['logSoftmaxGrad', 'logSumExpGrad', 'cast', 'sign', 'greater', 'argmax', 'oneHot']) {
      expect(DERIVATIVE_FORMULAS[name], name).toMatch(/^(hᵀ|with |d\/d)/);
    }
    const y = A.logSoftmaxGrad(variable([[1, 2]]), A.logSoftmax(variable([[0.5, -1]])));
    expect(y.node!.op.formula).toBe(DERIVATIVE_FORMULAS.logSoftmaxGrad);
    expect(A.cast(variable([1.5]), 'float64').node!.op.formula).toBe(DERIVATIVE_FORMULAS.cast);
  });

  it('does no work for an operand that needs no gradient: mul(x, c) never computes g·x for the constant c', () => {
    const x = T.randn([2, 3], { seed: 3 });
    const other = T.randn([2, 3], { seed: 4 });
    const withConstant = variablesMadeBy(() => A.sum(A.mul(variable(x), other)).backward());
    const withVariable = variablesMadeBy(() => A.sum(A.mul(variable(x), variable(other))).backward());
    // The second pass makes one more Variable than the first: the product g·x for the other operand
    // (the one-Variable difference in the forward pass is that operand itself, counted in both).
    expect(withVariable - withConstant).toBe(1);
  });

  it('calls a rule once per node, and a deferred input gradient only for an input that needs one', () => {
    let calls = 0;
    let deferred = 0;
    const HYPOT = defineOp('hypot', 'd/da √(a² + b²) = a/y, d/db √(a² + b²) = b/y', (g, [a, b], y) => {
      calls++;
      const gy = A.div(g, y);
      return [() => (deferred++, A.mul(gy, a!)), () => (deferred++, A.mul(gy, b!))];
    });
    const hypot = (a: Variable, b: Variable): Variable => recordOp(HYPOT, [a, b], T.sqrt(T.add(T.square(a.value), T.square(b.value))), undefined);
    const a = variable(T.tensor([3, 5], undefined, 'float64'));
    const b = variable(T.tensor([4, 12], undefined, 'float64'));
    hypot(a, b).backward();
    expect([calls, deferred]).toEqual([1, 2]);
    expectClose(a.grad!, [3 / 5, 5 / 13], 1e-15);
    expectClose(b.grad!, [4 / 5, 12 / 13], 1e-15);
    hypot(a, A.constant([4, 12])).backward();
    expect([calls, deferred]).toEqual([2, 3]);
    // Both inputs feed targets other than the one asked for: the rule is not called at all.
    const c = variable(T.tensor([1, 1], undefined, 'float64'));
    A.gradients(A.sum(A.add(hypot(a, b), c)), [c]);
    expect(calls).toBe(2);
  });

  it('names a user rule that returns the wrong number of gradients', () => {
    const BAD = defineOp('bad', 'd/dx bad(x) = 1', (g) => [g, g]);
    const y = recordOp(BAD, [variable([1, 2])], T.tensor([1, 2]), undefined);
    expect(() => y.backward()).toThrow(/the gradient rule of 'bad' must return an array of 1 entries \(one per input\), got 2 entries/);
  });

  it('defineOp asks for a formula', () => {
    expect(() => defineOp('cube', '', (g) => [g])).toThrow(/defineOp: formula of 'cube' must be a non-empty string/);
  });
});

describe('module loading', () => {
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const modules = (function list(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? list(path) : entry.endsWith('.ts') ? [path] : [];
    });
  })(src);

  it.each(modules.map((m) => relative(src, m)))('loads %s first, then the package works', async (module) => {
    vi.resetModules();
    await import(join(src, module));
    const lib = (await import(join(src, 'index.ts'))) as typeof A;
    const x = lib.variable([1, 2]);
    const y = lib.sum(lib.logSoftmax(lib.mul(lib.exp(x), 2)));
    const [dx] = lib.gradients(y, [x], { createGraph: true });
    expect(dx!.shape).toEqual([2]);
    expect(lib.grad((u: Variable) => lib.sum(lib.square(u)))([1, 2]).toArray()).toEqual([2, 4]);
  });
});
