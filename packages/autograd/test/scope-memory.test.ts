/**
 * Backward disposes the values a scope kept to itself (made inside it, not returned) once it has
 * gone through the scope's last op, when it frees the graph: a loop without tidy does not pile them
 * up until the garbage collector runs. Counted with memory().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memory, randn, setBackend } from '@lossgraph/tensor';
import { backwardTrace, exp, log, mul, scope, sum, variable } from '@lossgraph/autograd';
import '@lossgraph/tensor/gpujs';

afterEach(() => setBackend('cpu'));

const live = (key: string): number => memory()[key]?.tensors ?? 0;

describe('backward disposes the values internal to a scope', () => {
  it.each([['cpu', 'cpu'], ['gpujs webasm', 'gpujs:webasm']] as const)('%s: once backward frees the graph, only the result and the gradient remain', (_, key) => {
    if (key === 'cpu') setBackend('cpu'); else setBackend('gpujs', { mode: 'webasm' });
    const x = variable(randn([4, 3], { seed: 1 }), { requiresGrad: true });
    const before = live(key);
    // Inside: the constant 2, mul's and exp's outputs; returned: sum's.
    const y = scope('f', () => sum(exp(mul(x, 2))));
    const afterForward = live(key);
    expect(afterForward - before).toBe(4);
    const expected = Array.from(x.value.dataSync(), (v) => 2 * Math.exp(2 * v));
    y.backward();
    expect(live(key) - before).toBe(2);   // y and x.grad
    x.grad!.value.dataSync().forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 4));
    expect(y.item()).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 2, 3);
  });

  it('keeps them while part of the scope has not been through backward, or the graph is retained', () => {
    setBackend('cpu');
    const x = variable(randn([3], { seed: 2 }), { requiresGrad: true });
    const before = live('cpu');
    const [a, b] = scope('two', () => [sum(mul(exp(x), 3)), sum(log(exp(mul(x, 5))))]);
    a.backward();
    expect(live('cpu') - before).toBe(9 + 1);   // b's branch has not been through backward: all nine values stay, and x.grad
    b.backward();
    expect(live('cpu') - before).toBe(3);   // a, b and x.grad
    x.grad!.value.dataSync().forEach((g, i) => expect(g).toBeCloseTo(3 * Math.exp(x.value.dataSync()[i]!) + 5, 4));
    const c = scope('kept', () => sum(exp(mul(x, 2))));
    c.backward(undefined, { retainGraph: true });
    expect(live('cpu') - before).toBe(3 + 4);   // c and its three internal values
    c.backward();   // the second pass reads the values again, then frees them
    expect(live('cpu') - before).toBe(4);
  });

  it('leaves inspected passes alone: backwardTrace after a scope reads every value', () => {
    setBackend('cpu');
    const x = variable([1, 2], { requiresGrad: true });
    const y = scope('f', () => sum(exp(mul(x, 2))));
    const before = live('cpu');
    const trace = backwardTrace(y);
    expect(trace.steps.map((s) => s.op)).toEqual(['sum', 'exp', 'mul']);
    expect(live('cpu')).toBeGreaterThanOrEqual(before);
    expect(y.item()).toBeCloseTo(Math.exp(2) + Math.exp(4), 4);
  });
});
