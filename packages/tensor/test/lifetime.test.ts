/**
 * Deterministic memory: tidy disposes what it made and did not return, nests, spares kept tensors,
 * refuses async functions; memory() counts undisposed tensors per backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { add, isKept, keep, memory, mul, setBackend, sum, tensor, tidy, zeros, type Tensor } from '@lossgraph/tensor';
import '../src/gpujs.js';
import { expectFlatLoop } from './helpers.js';

afterEach(() => setBackend('cpu'));

const liveOnCpu = (): number => memory().cpu?.tensors ?? 0;

describe('tidy', () => {
  it('disposes the tensors made inside and not returned, and returns the result', () => {
    const x = tensor([1, 2, 3]);
    let inner: Tensor | undefined;
    const y = tidy(() => {
      inner = mul(x, 2);
      return add(inner, 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(y.toArray()).toEqual([3, 5, 7]);
  });

  it('finds returned tensors in arrays, Maps, Sets and plain objects', () => {
    const out = tidy(() => ({ list: [tensor([1])], map: new Map([['a', tensor([2])]]), set: new Set([tensor([3])]), n: 4 }));
    expect(out.list[0]!.item()).toBe(1);
    expect(out.map.get('a')!.item()).toBe(2);
    expect([...out.set][0]!.item()).toBe(3);
  });

  it('nests: what an inner tidy returns belongs to the outer one', () => {
    let fromInner: Tensor | undefined;
    let keptByOuter: Tensor | undefined;
    tidy(() => {
      fromInner = tidy(() => tensor([1, 2]));
      expect(fromInner.isDisposed).toBe(false);
      keptByOuter = tidy(() => tensor([3]));
      return keptByOuter;
    });
    expect(fromInner!.isDisposed).toBe(true);
    expect(keptByOuter!.isDisposed).toBe(false);
  });

  it('spares kept tensors, at every level', () => {
    let total = zeros([2]);
    tidy(() => {
      tidy(() => {
        total = keep(add(total, 1));
      });
    });
    expect(isKept(total)).toBe(true);
    expect(total.toArray()).toEqual([1, 1]);
  });

  it('disposes what it made when fn throws, and rethrows', () => {
    let made: Tensor | undefined;
    expect(() => tidy(() => {
      made = tensor([1]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(made!.isDisposed).toBe(true);
  });

  it('refuses an async function before running it, and a returned Promise after', () => {
    let ran = false;
    expect(() => tidy(async () => {
      ran = true;
    })).toThrow(/tidy: fn is an async function; tidy runs synchronous code only/);
    expect(ran).toBe(false);
    let made: Tensor | undefined;
    expect(() => tidy(() => {
      made = tensor([1]);
      return Promise.resolve(made);
    })).toThrow(/tidy: fn returned a Promise/);
    expect(made!.isDisposed).toBe(true);
    expect(() => tidy(3 as unknown as () => void)).toThrow(/tidy: fn must be a function, got number/);
  });

  it('keeps a loop flat: the count of undisposed tensors is the same after 200 steps as after 10', () => {
    const w = keep(tensor([0.5, -1]));
    let state = w;
    const step = (): void => tidy(() => {
      const next = keep(add(state, mul(sum(state), 0.01)));
      state.dispose();
      state = next;
    });
    expectFlatLoop(step, liveOnCpu);
  });
});

describe('memory', () => {
  it('counts undisposed tensors and their bytes per backend', () => {
    const before = memory().cpu ?? { tensors: 0, bytes: 0 };
    const t = zeros([10, 10]);
    const during = memory().cpu!;
    expect(during.tensors - before.tensors).toBe(1);
    expect(during.bytes - before.bytes).toBe(400);
    expect(during.textures).toBeUndefined();
    t.dispose();
    t.dispose();
    expect(memory().cpu!.tensors).toBe(before.tensors);
  });

  it('reports live textures in a gpujs texture mode (headlessgl, with an X display)', () => {
    if (!process.env.DISPLAY) return void console.log('memory() textures check skipped: no X display (run under `xvfb-run -a`)');
    setBackend('gpujs', { mode: 'headlessgl' });
    const x = tensor([1, 2, 3]);
    tidy(() => mul(x, 1).dataSync()); // uploads x: its texture lives as long as x
    const before = memory()['gpujs:headlessgl']!;
    tidy(() => void add(mul(x, 2), 1).toArray());
    const after = memory()['gpujs:headlessgl']!;
    expect(after.tensors).toBe(before.tensors);
    expect(after.textures).toBe(before.textures);
    const y = mul(x, x);
    expect(memory()['gpujs:headlessgl']!.textures).toBe(before.textures! + 1);
    y.dispose();
    expect(memory()['gpujs:headlessgl']!.textures).toBe(before.textures);
  });
});

describe('async reads: data() and array()', () => {
  it('resolve to the values in a later task, on cpu and gpujs webasm (and headlessgl with a display)', async () => {
    const modes = process.env.DISPLAY ? (['webasm', 'headlessgl'] as const) : (['webasm'] as const);
    for (const backend of ['cpu', ...modes] as const) {
      if (backend === 'cpu') setBackend('cpu');
      else setBackend('gpujs', { mode: backend });
      const t = mul(tensor([[1, 2], [3, 4]]), 2);
      let otherTaskRan = false;
      setTimeout(() => { otherTaskRan = true; }, 0);
      const pending = t.data();
      expect(otherTaskRan).toBe(false);
      expect(Array.from(await pending)).toEqual([2, 4, 6, 8]);
      expect(await t.array()).toEqual([[2, 4], [6, 8]]);
      t.dispose();
      await expect(t.data()).rejects.toThrow(/^Tensor float32 \[2, 2\] \((cpu|gpujs)\): this tensor was disposed/);
      expect(() => t.toArray()).toThrow(/^Tensor float32 \[2, 2\] \((cpu|gpujs)\): this tensor was disposed/);
    }
  });
});
