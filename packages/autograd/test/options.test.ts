/**
 * Every options object of autograd's public API refuses unknown names (listing the expected ones)
 * and wrong types through the one shared translator (@lossgraph/tensor's parseOptions), before any
 * work: no backward step, no call of f, no graph walked.
 */
import { describe, expect, it } from 'vitest';
import {
  backwardTrace, gradcheck, gradients, grad, graphOf, mul, summarize, sum, toDot, toMermaid, valueAndGrad, variable,
} from '../src/index.js';

describe('strict options', () => {
  it('variable: a misspelt requiresGrad is refused, not ignored', () => {
    expect(() => variable([1, 2], { requires_grad: false } as never)).toThrow(
      new TypeError("variable: unknown option 'requires_grad'; expected options: requiresGrad, name, parameter"),
    );
    expect(() => variable([1, 2], { name: 3 } as never)).toThrow(/^variable: option 'name' is invalid: Invalid input: expected string, received number \(got 3\)$/);
    expect(variable([1, 2], { requiresGrad: false }).requiresGrad).toBe(false);
  });

  it('backward: a misspelt retainGraph is refused before the graph is freed', () => {
    const x = variable([1, 2]);
    const y = sum(mul(x, x));
    expect(() => y.backward(undefined, { retain_graph: true } as never)).toThrow(
      new TypeError("backward: unknown option 'retain_graph'; expected options: retainGraph, createGraph, retainGrads"),
    );
    expect(x.grad).toBeNull();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  it('gradients, grad and valueAndGrad refuse unknown names before calling f', () => {
    const x = variable([1, 2]);
    const y = sum(mul(x, x));
    expect(() => gradients(y, [x], { create_graph: true } as never)).toThrow(
      new TypeError("gradients: unknown option 'create_graph'; expected options: headGrads, createGraph, retainGraph"),
    );
    expect(gradients(y, [x])[0]!.toArray()).toEqual([2, 4]);
    let calls = 0;
    const f = (v: ReturnType<typeof variable>) => {
      calls++;
      return sum(v);
    };
    expect(() => grad(f, 0, { createGraf: true } as never)).toThrow(new TypeError("grad: unknown option 'createGraf'; expected options: createGraph"));
    expect(() => valueAndGrad(f, 0, { createGraph: 'yes' } as never)).toThrow(/^valueAndGrad: option 'createGraph' is invalid: Invalid input: expected boolean/);
    expect(calls).toBe(0);
  });

  it('gradcheck refuses unknown names and bad values before calling f', () => {
    let calls = 0;
    const f = (v: ReturnType<typeof variable>) => {
      calls++;
      return sum(mul(v, v));
    };
    expect(() => gradcheck(f, [[1, 2]], { tol: 1e-3 } as never)).toThrow(
      new TypeError("gradcheck: unknown option 'tol'; expected options: eps, atol, rtol, order, headGrad, seed"),
    );
    expect(() => gradcheck(f, [[1, 2]], { seed: 0.5 })).toThrow(/^gradcheck: option 'seed' is invalid/);
    expect(calls).toBe(0);
    expect(gradcheck(f, [[1, 2]], { order: 2 }).ok).toBe(true);
  });

  it('graph rendering and inspection refuse unknown names', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = sum(mul(x, x));
    expect(() => graphOf(y, { gradient: 'compute' } as never)).toThrow(
      new TypeError("graphOf: unknown option 'gradient'; expected options: headLength, maxValues, values, gradients"),
    );
    const g = graphOf(y);
    expect(() => toDot(g, { collapsed: true } as never)).toThrow(new TypeError("toDot: unknown option 'collapsed'; expected options: values, gradients, collapse, direction"));
    expect(() => toMermaid(g, { dir: 'LR' } as never)).toThrow(/^toMermaid: unknown option 'dir'; expected options: values, gradients, collapse, direction$/);
    expect(() => summarize(x, { head: 2 } as never)).toThrow(new TypeError("summarize: unknown option 'head'; expected options: headLength, maxValues"));
    expect(() => backwardTrace(y, undefined, { max_values: 2 } as never)).toThrow(/^backwardTrace: unknown option 'max_values'; expected options: headLength, maxValues$/);
    expect(toDot(g, { direction: 'LR', collapse: ['none'] })).toContain('rankdir=LR');
  });
});
