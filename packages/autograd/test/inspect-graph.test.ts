import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import {
  add, exp, graphOf, mean, mul, scope, square, sub, sum, summarize, variable, type GraphDescription, type GraphNode,
} from '../src/index.js';

function node(g: GraphDescription, id: number): GraphNode {
  const n = g.nodes.find((m) => m.id === id);
  if (n === undefined) throw new Error(`no node #${id}`);
  return n;
}

function deeplyFrozen(x: unknown): boolean {
  if (x === null || typeof x !== 'object') return true;
  if (!Object.isFrozen(x)) return false;
  return Object.values(x).every(deeplyFrozen);
}

describe('graphOf', () => {
  it('describes the nodes, edges, shapes and values of a small expression', () => {
    const a = variable([[1, 2, 3], [4, 5, 6]], { name: 'a' });
    const b = variable([10, 20, 30], { name: 'b' });
    const c = add(a, b);
    const d = sum(c, 1);
    const g = graphOf(d);

    expect(g.nodes.map((n) => n.id)).toEqual([a.id, b.id, c.id, d.id]);
    expect(g.nodes.map((n) => [n.kind, n.op, n.name, n.label])).toEqual([
      ['leaf', null, 'a', `a #${a.id}`],
      ['leaf', null, 'b', `b #${b.id}`],
      ['op', 'add', null, `add #${c.id}`],
      ['op', 'sum', null, `sum #${d.id}`],
    ]);
    expect(g.nodes.map((n) => n.shape)).toEqual([[2, 3], [3], [2, 3], [2]]);
    expect(g.edges).toEqual([
      { from: a.id, to: c.id, inputIndex: 0 },
      { from: b.id, to: c.id, inputIndex: 1 },
      { from: c.id, to: d.id, inputIndex: 0 },
    ]);
    expect(g.outputs).toEqual([d.id]);
    expect(g.rootNodes).toEqual([a.id, b.id, c.id, d.id]);
    expect(g.scopes).toEqual([]);
    expect(node(g, d.id).isOutput).toBe(true);
    expect(node(g, c.id).isOutput).toBe(false);
    expect(node(g, d.id).attrs).toEqual({ axes: [1], keepDims: false, keptShape: [2, 1] });

    const cv = node(g, c.id).value!;
    expect(cv).toEqual({
      shape: [2, 3], dtype: 'float32', size: 6, min: 11, max: 36, mean: 23.5, nonFinite: 0,
      head: [11, 22, 33, 14, 25, 36], values: [[11, 22, 33], [14, 25, 36]],
    });
    expect(node(g, d.id).value!.values).toEqual([66, 75]);
    // No backward has run: no gradient is known.
    expect(g.nodes.every((n) => n.grad === null)).toBe(true);
  });

  it('includes constants made from plain operands', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = mul(x, 3);
    const g = graphOf(y);
    const constNode = g.nodes.find((n) => n.kind === 'constant')!;
    expect(constNode.shape).toEqual([]);
    expect(constNode.requiresGrad).toBe(false);
    expect(constNode.value!.values).toBe(3);
    expect(g.edges).toEqual([
      { from: x.id, to: y.id, inputIndex: 0 },
      { from: constNode.id, to: y.id, inputIndex: 1 },
    ]);
  });

  it('returns a deeply frozen description', () => {
    const x = variable([1, 2], { name: 'x' });
    const g = graphOf(sum(exp(x)), { gradients: 'compute' });
    expect(deeplyFrozen(g)).toBe(true);
    expect(() => { (g.nodes as GraphNode[]).push(g.nodes[0]!); }).toThrow(TypeError);
    expect(() => { (g.nodes[0] as { name: string | null }).name = 'changed'; }).toThrow(TypeError);
  });

  it('shows known gradients: leaves .grad and the node gradients kept by retainGrads', () => {
    const x = variable([1, 2], { name: 'x' });
    const e = exp(x);
    const y = sum(mul(e, e));
    expect(graphOf(y).nodes.every((n) => n.grad === null)).toBe(true);
    y.backward(undefined, { retainGrads: true, retainGraph: true });
    const g = graphOf(y);
    // d/dx sum(e^2x) = 2 e^2x; d/de = 2e
    expect(node(g, x.id).grad!.values).toEqual([2 * Math.exp(2), 2 * Math.exp(4)].map((v) => Math.fround(v)).map((v) => expect.closeTo(v, 3)));
    expect(node(g, e.id).grad!.values).toEqual([2 * Math.E, 2 * Math.exp(2)].map((v) => expect.closeTo(v, 4)));
    expect(node(g, y.id).grad!.values).toBe(1);
    expect(graphOf(y, { gradients: 'none' }).nodes.every((n) => n.grad === null)).toBe(true);
  });

  it("computes gradients on request without touching .grad or freeing the graph", () => {
    const x = variable([0, 1], { name: 'x' });
    const w = variable([2, 3], { name: 'w' });
    const y = sum(mul(exp(x), w));
    const g = graphOf(y, { gradients: 'compute' });
    expect(node(g, x.id).grad!.values).toEqual([2, 3 * Math.E].map((v) => expect.closeTo(v, 5)));
    expect(node(g, w.id).grad!.values).toEqual([1, Math.E].map((v) => expect.closeTo(v, 5)));
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
    expect(y.node!.outputGrad).toBeNull();
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 3 * Math.E].map((v) => expect.closeTo(v, 5)));
    // The graph is now freed, and 'compute' says so clearly.
    expect(() => graphOf(y, { gradients: 'compute' })).toThrow(/graphOf: the graph through '(exp|mul|sum)' \(Variable #\d+\) was freed by an earlier backward pass; pass \{ retainGraph: true \}/);
    // The structure is still readable.
    expect(graphOf(y).nodes.find((n) => n.id === y.id)!.released).toBe(true);
  });

  it('can skip the values', () => {
    const x = variable([1, 2]);
    expect(graphOf(exp(x), { values: false }).nodes.every((n) => n.value === null)).toBe(true);
  });

  it('merges the graphs of several outputs', () => {
    const x = variable([1, 2], { name: 'x' });
    const e = exp(x);
    const y1 = sum(e);
    const y2 = mean(e);
    const g = graphOf([y1, y2]);
    expect(g.nodes.map((n) => n.id)).toEqual([x.id, e.id, y1.id, y2.id]);
    expect(g.outputs).toEqual([y1.id, y2.id]);
  });

  it('validates its arguments', () => {
    const x = variable([1, 2]);
    expect(() => graphOf(tensor([1]) as never)).toThrow(/graphOf: y must be a Variable or a non-empty array of Variables, got an instance of Tensor/);
    expect(() => graphOf([])).toThrow(/non-empty array/);
    expect(() => graphOf([x, 1 as never])).toThrow(/graphOf: y\[1\] must be a Variable, got number/);
    expect(() => graphOf(x, { gradients: 'all' as never })).toThrow(/graphOf: option 'gradients' is invalid: Invalid option: expected one of "known"\|"compute"\|"none"/);
    expect(() => graphOf(x, { values: 'yes' as never })).toThrow(/graphOf: option 'values' is invalid: Invalid input: expected boolean/);
    expect(() => graphOf(x, { maxValues: -1 })).toThrow(/graphOf: option 'maxValues' is invalid: Too small: expected number to be >=0/);
  });
});

describe('graphOf scopes', () => {
  it('shows a loss-like scope as one composite node containing its ops', () => {
    const pred = variable([1, 2, 4], { name: 'pred' });
    const l = scope('L2Loss', () => mean(square(sub(pred, [1, 1, 1]))));
    const g = graphOf(l);
    expect(g.scopes).toHaveLength(1);
    const s = g.scopes[0]!;
    expect(s.name).toBe('L2Loss');
    expect(s.path).toEqual(['L2Loss']);
    expect(s.parent).toBeNull();
    expect(g.rootScopes).toEqual([s.id]);
    expect(g.rootNodes).toEqual([pred.id]);
    const inside = s.nodes.map((id) => node(g, id));
    expect(inside.map((n) => n.kind === 'op' ? n.op : n.kind)).toEqual(['constant', 'sub', 'square', 'mean']);
    expect(inside.every((n) => n.scope === s.id && n.scopePath.join('/') === 'L2Loss')).toBe(true);
    // Its boundary: the composite node takes pred and produces the loss.
    expect(s.inputs).toEqual([pred.id]);
    expect(s.outputs).toEqual([l.id]);
    expect(node(g, l.id).value!.values).toBeCloseTo(10 / 3, 6);
  });

  it('nests scopes and keeps two activations of one name apart', () => {
    const x = variable([1, 2], { name: 'x' });
    const h = scope('model', () => scope('layer', () => exp(x)));
    const first = scope('loss', () => sum(h));
    const second = scope('loss', () => mean(h));
    const g = graphOf(add(first, second));
    const byName = (name: string) => g.scopes.filter((s) => s.name === name);
    const [model] = byName('model');
    const [layer] = byName('layer');
    expect(layer!.parent).toBe(model!.id);
    expect(layer!.path).toEqual(['model', 'layer']);
    expect(model!.children).toEqual([layer!.id]);
    expect(model!.nodes).toEqual([]);
    expect(layer!.nodes).toEqual([h.id]);
    // The nested node is inside both scopes, so both have the same boundary.
    expect(model!.inputs).toEqual([x.id]);
    expect(model!.outputs).toEqual([h.id]);
    expect(layer!.outputs).toEqual([h.id]);
    const losses = byName('loss');
    expect(losses).toHaveLength(2);
    expect(losses.map((s) => s.nodes)).toEqual([[first.id], [second.id]]);
    expect(g.rootScopes).toEqual([model!.id, ...losses.map((s) => s.id)]);
  });
});

describe('graphOf places parameters where they are used', () => {
  it('puts a parameter made outside any scope, or in an unrelated one, in the scope of the op using it', () => {
    const w = variable([1, 2], { name: 'w', parameter: true });
    const b = scope('setup', () => variable([3, 4], { name: 'b', parameter: true }));
    const x = variable([5, 6], { name: 'x' });
    const y = scope('model', () => scope('layer', () => add(mul(x, w), b)));
    const g = graphOf(y);
    const layer = g.scopes.find((s) => s.name === 'layer')!;
    expect(node(g, w.id).scopePath).toEqual(['model', 'layer']);
    expect(node(g, b.id).scopePath).toEqual(['model', 'layer']);
    expect(node(g, w.id).scope).toBe(layer.id);
    expect(layer.nodes).toEqual([w.id, b.id, y.node!.inputs[0]!.id, y.id]);
    // The input is no parameter: it stays where it was made, and feeds the scopes from outside.
    expect(node(g, x.id).scopePath).toEqual([]);
    expect(g.rootNodes).toEqual([x.id]);
    expect(layer.inputs).toEqual([x.id]);
    // No scope is left that holds only the parameter's place of birth.
    expect(g.scopes.map((s) => s.name)).toEqual(['model', 'layer']);
    // The Variable itself still records where it was made.
    expect(b.scopePath).toEqual(['setup']);
  });

  it('puts a parameter shared by two scopes in the innermost scope around both uses', () => {
    const w = variable([1, 2], { name: 'w', parameter: true });
    const y = scope('model', () => {
      const h = scope('layer', () => mul(w, 2));
      return scope('layer', () => mul(h, w));
    });
    const g = graphOf(y);
    const model = g.scopes.find((s) => s.name === 'model')!;
    expect(node(g, w.id).scope).toBe(model.id);
    expect(model.nodes).toEqual([w.id]);
    // Used by a scope and by an op outside every scope: it belongs to no scope.
    const z = add(scope('layer', () => mul(w, 3)), w);
    expect(node(graphOf(z), w.id).scopePath).toEqual([]);
  });

  it('leaves a parameter that no op uses (an output itself) where it was made', () => {
    const w = scope('made', () => variable([1], { name: 'w', parameter: true }));
    expect(node(graphOf(w), w.id).scopePath).toEqual(['made']);
    expect(() => variable([1], { parameter: 'yes' as never })).toThrow(/variable: option 'parameter' is invalid: .*boolean/);
  });
});

describe('summarize', () => {
  it('reports NaN and infinities instead of hiding them, and handles empty tensors', () => {
    const s = summarize(tensor([1, NaN, Infinity, -2]));
    expect(s.min).toBeNaN();
    expect(s.max).toBeNaN();
    expect(s.nonFinite).toBe(2);
    expect(summarize(tensor([1, Infinity])).max).toBe(Infinity);
    const empty = summarize(tensor([], [0]));
    expect([empty.min, empty.max, empty.mean, empty.size]).toEqual([null, null, null, 0]);
  });

  it('keeps all values only for small tensors, and the first few always', () => {
    const big = summarize(tensor(Array.from({ length: 20 }, (_, i) => i)), { headLength: 3 });
    expect(big.values).toBeNull();
    expect(big.head).toEqual([0, 1, 2]);
    expect(big.mean).toBe(9.5);
    expect(summarize(variable([[1, 2]])).values).toEqual([[1, 2]]);
    expect(() => summarize([1, 2] as never)).toThrow(/summarize: x must be a Tensor or a Variable, got an array/);
  });
});
