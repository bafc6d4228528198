/**
 * Deterministic memory in autograd: tidy around a training step, Variables' values and leaf
 * gradients kept, a returned Variable's graph kept for backward, backward's temporaries disposed
 * by the engine, zeroGrad and Variable.dispose freeing what they let go.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import { add, matmul, mean, mul, noGrad, square, sub, sum, variable } from '@lossgraph/autograd';
import { expectFlatLoop } from '../../tensor/test/helpers.js';

const undisposed = (): number => T.memory().cpu?.tensors ?? 0;

describe('tidy with Variables', () => {
  it("keeps Variables' values and leaf gradients, disposes the step's other tensors", () => {
    const w = variable(T.tensor([1, 2, 3]), { name: 'w' });
    let hidden: T.Tensor | undefined;
    T.tidy(() => {
      const h = mul(w, 2);
      hidden = h.value;
      sum(square(h)).backward();
    });
    expect(hidden!.isDisposed).toBe(true);
    expect(w.value.isDisposed).toBe(false);
    expect(w.grad!.toArray()).toEqual([8, 16, 24]);
  });

  it("a returned Variable keeps its recorded graph, so backward works after the tidy", () => {
    const w = variable(T.tensor([1, 2]));
    const loss = T.tidy(() => sum(square(mul(w, 3))));
    loss.backward();
    expect(w.grad!.toArray()).toEqual([18, 36]);
  });

  it('keeps the count of undisposed tensors flat over a training loop', () => {
    const x = T.randn([8, 3], { seed: 1 });
    const target = T.randn([8, 2], { seed: 2 });
    const w = variable(T.randn([3, 2], { seed: 3 }));
    const step = (): void => T.tidy(() => {
      const loss = mean(square(sub(matmul(x, w), target)));
      loss.backward();
      const old = w.value;
      noGrad(() => w.assign(sub(w, mul(w.grad!, 0.05))));
      old.dispose();
      w.zeroGrad();
    });
    expectFlatLoop(step, undisposed);
  });
});

describe('the engine frees what backward made', () => {
  it('backward leaves only the leaf gradients behind (its temporaries are disposed)', () => {
    const a = variable(T.tensor([1, 2, 3]));
    const loss = sum(mul(square(a), a));
    const before = undisposed();
    loss.backward();
    expect(undisposed() - before).toBe(1);   // a.grad
    expect(a.grad!.toArray()).toEqual([3, 12, 27]);
  });

  it('zeroGrad disposes the gradient backward made; accumulation disposes the one it replaces', () => {
    const a = variable(T.tensor([1, 2]));
    sum(square(a)).backward();
    const first = a.grad!.value;
    sum(square(a)).backward();
    expect(first.isDisposed).toBe(true);
    expect(a.grad!.toArray()).toEqual([4, 8]);
    const second = a.grad!.value;
    a.zeroGrad();
    expect(second.isDisposed).toBe(true);
  });

  it('one tensor that is the gradient of two leaves (add passes g to both) lives until both let go', () => {
    const a = variable(T.tensor([1, 2]));
    const b = variable(T.tensor([3, 4]));
    add(a, b).backward();
    a.zeroGrad();
    expect(b.grad!.toArray()).toEqual([1, 1]);
    sum(add(a, b)).backward();
    expect(b.grad!.toArray()).toEqual([2, 2]);
    b.zeroGrad();
    expect(a.grad!.toArray()).toEqual([1, 1]);
  });

  it("a head gradient of the caller's passed straight to a leaf is left alone", () => {
    const a = variable(T.tensor([1, 2]));
    const head = T.tensor([5, 6]);
    a.backward(head);
    a.zeroGrad();
    expect(head.isDisposed).toBe(false);
  });
});

describe('Variable.dispose', () => {
  it('frees the value and the gradient; using the Variable afterwards is an error', () => {
    const w = variable(T.tensor([1, 2]));
    sum(square(w)).backward();
    const value = w.value;
    const grad = w.grad!.value;
    w.dispose();
    expect(value.isDisposed).toBe(true);
    expect(grad.isDisposed).toBe(true);
    expect(w.grad).toBeNull();
    expect(() => w.toArray()).toThrow(/disposed/);
    expect(() => add(w, 1)).toThrow(/disposed/);
  });
});
