import { describe, expect, it } from 'vitest';
import * as A from '../src/index.js';
import { scope, variable } from '../src/index.js';

describe('scope', () => {
  it('records the active scope path on every Variable made inside, nested', () => {
    const x = variable([1, 2], { name: 'x' });
    let inner: A.Variable | undefined;
    let leaf: A.Variable | undefined;
    const y = scope('loss', () => {
      const a = A.mul(x, 2);
      inner = scope('inner', () => A.exp(a));
      leaf = variable(3);
      return A.sum(inner);
    });
    expect(x.scopePath).toEqual([]);
    expect(y.scopePath).toEqual(['loss']);
    expect(inner!.scopePath).toEqual(['loss', 'inner']);
    expect(leaf!.scopePath).toEqual(['loss']);
    expect(inner!.scope!.parent).toBe(y.scope);
    expect(inner!.scope!.depth).toBe(1);
    expect(A.scopePath(inner!.scope)).toEqual(['loss', 'inner']);
    expect(A.currentScope()).toBeNull();
  });

  it('gives each activation its own frame, so two calls of one loss stay apart', () => {
    const x = variable([1]);
    const a = scope('L2Loss', () => A.square(x));
    const b = scope('L2Loss', () => A.square(x));
    expect(a.scopePath).toEqual(b.scopePath);
    expect(a.scope!.id).not.toBe(b.scope!.id);
  });

  it('restores the outer scope after a throw and validates its arguments', () => {
    expect(() => scope('s', () => { throw new Error('boom'); })).toThrow('boom');
    expect(A.currentScope()).toBeNull();
    expect(() => scope('', () => 1)).toThrow(/name must be a non-empty string/);
    expect(() => scope('s', 1 as never)).toThrow(/fn must be a function/);
    expect(scope('s', () => 42)).toBe(42);
  });

  it('exposes the node structure graph inspection walks', () => {
    const w = variable([[1, 2]], { name: 'w' });
    const y = scope('model', () => A.sum(A.transpose(w), 0, true)).setName('out');
    expect(y.name).toBe('out');
    const node = y.node!;
    expect(node.op.name).toBe('sum');
    expect(node.attrs).toEqual({ axes: [0], keepDims: true, keptShape: [1, 1] });
    const t = node.inputs[0]!;
    expect(t.node!.op.name).toBe('transpose');
    expect(t.node!.attrs).toEqual({ perm: [1, 0] });
    expect(t.node!.inputs[0]).toBe(w);
    expect(t.shape).toEqual([2, 1]);
    expect(t.scopePath).toEqual(['model']);
  });
});

describe('noGrad, enableGrad and scope given asynchronous code', () => {
  const runners = [
    ['noGrad', (fn: () => unknown) => A.noGrad(fn)],
    ['enableGrad', (fn: () => unknown) => A.enableGrad(fn)],
    ['scope', (fn: () => unknown) => A.scope('s', fn)],
  ] as const;

  it.each(runners)('%s refuses an async function before running it', (caller, run) => {
    let ran = false;
    const body = async (): Promise<void> => {
      ran = true;
      await Promise.resolve();
    };
    expect(() => run(body)).toThrow(new RegExp(`^${caller}: fn must be synchronous, got an async function`));
    expect(ran).toBe(false);
    expect(A.isGradEnabled()).toBe(true);
    expect(A.currentScope()).toBeNull();
  });

  it.each(runners)('%s refuses a plain function that returns a promise, with the mode restored', (caller, run) => {
    expect(() => run(() => Promise.resolve(1))).toThrow(new RegExp(`^${caller}: fn must be synchronous`));
    expect(A.isGradEnabled()).toBe(true);
    expect(A.currentScope()).toBeNull();
  });

  it('still returns what a synchronous fn returns, objects included', () => {
    expect(A.noGrad(() => ({ then: 1 }))).toEqual({ then: 1 });
    expect(A.scope('s', () => 3)).toBe(3);
  });
});
