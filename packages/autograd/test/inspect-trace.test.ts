import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import { add, backwardTrace, constant, exp, formatTrace, graphOf, mul, scope, sum, tanh, toDot, toJSON, variable, type BackwardTrace } from '../src/index.js';

const E = Math.E;

/** y = sum(exp(x) * w) in float64, with x = [0, 1] and w = [2, 3]. */
function threeOps() {
  const x = variable(tensor([0, 1], [2], 'float64'), { name: 'x' });
  const w = variable(tensor([2, 3], [2], 'float64'), { name: 'w' });
  const e = exp(x);
  const m = mul(e, w);
  const y = sum(m);
  return { x, w, e, m, y };
}

/**
 * Frozen all the way down; a step's `accumulated` (a read-only Proxy view, which cannot report
 * itself frozen) must refuse every write instead, and its entries be frozen.
 */
function deeplyFrozen(x: unknown, key?: string): boolean {
  if (x === null || typeof x !== 'object') return true;
  if (key === 'accumulated' || key === 'gradients') return refusesWrites(x) && Object.values(x).every((v) => deeplyFrozen(v));
  if (!Object.isFrozen(x)) return false;
  return Object.entries(x).every(([k, v]) => deeplyFrozen(v, k));
}

function refusesWrites(record: object): boolean {
  const attempts = [
    () => { (record as Record<string, unknown>)['1'] = 1; },
    () => Object.defineProperty(record, 'x', { value: 1 }),
    () => { delete (record as Record<string, unknown>)[Object.keys(record)[0]!]; },
    () => Object.setPrototypeOf(record, {}),
  ];
  return attempts.every((attempt) => {
    try {
      attempt();
      return false;
    } catch (e) {
      return e instanceof TypeError;
    }
  });
}

const close = (values: number[]) => values.map((v) => expect.closeTo(v, 12));

describe('backwardTrace', () => {
  it('has one snapshot per node with the hand-computed upstream gradients and contributions', () => {
    const { x, w, e, m, y } = threeOps();
    const trace = backwardTrace(y);
    expect(trace.outputId).toBe(y.id);
    expect(trace.headGrad.values).toBe(1);
    expect(trace.steps.map((s) => [s.index, s.op, s.nodeId])).toEqual([[0, 'sum', y.id], [1, 'mul', m.id], [2, 'exp', e.id]]);

    const [sumStep, mulStep, expStep] = trace.steps;
    // d y / d y = 1; sum sends ones to its input.
    expect(sumStep!.upstream.values).toBe(1);
    expect(sumStep!.contributions).toEqual([
      expect.objectContaining({ inputIndex: 0, inputId: m.id, inputLabel: `mul #${m.id}`, grad: expect.objectContaining({ values: [1, 1] }) }),
    ]);
    // mul(e, w) with upstream g = 1: sends g*w to e and g*e^x to w.
    expect(mulStep!.upstream.values).toEqual([1, 1]);
    expect(mulStep!.contributions.map((c) => [c.inputId, c.grad!.values])).toEqual([[e.id, [2, 3]], [w.id, close([1, E])]]);
    // exp with upstream w: sends w * e^x to x.
    expect(expStep!.upstream.values).toEqual([2, 3]);
    expect(expStep!.shape).toEqual([2]);
    expect(expStep!.contributions.map((c) => [c.inputId, c.grad!.values])).toEqual([[x.id, close([2, 3 * E])]]);

    expect(trace.gradients[x.id]!.values).toEqual(close([2, 3 * E]));
    expect(trace.gradients[w.id]!.values).toEqual(close([1, E]));
    expect(trace.labels[x.id]).toBe(`x #${x.id}`);
  });

  it('makes frozen, independent snapshots that share what did not change', () => {
    const { x, w, e, m, y } = threeOps();
    const trace = backwardTrace(y);
    expect(deeplyFrozen(trace)).toBe(true);
    const [s0, s1, s2] = trace.steps;
    const keys = (s: typeof s0) => Object.keys(s!.accumulated).map(Number).sort((a, b) => a - b);
    // Each snapshot holds exactly what had been accumulated by then: later steps did not write into it.
    expect(keys(s0)).toEqual([m.id, y.id]);
    expect(keys(s1)).toEqual([w.id, e.id, m.id, y.id]);
    expect(keys(s2)).toEqual([x.id, w.id, e.id, m.id, y.id]);
    expect(s0!.accumulated).not.toBe(s1!.accumulated);
    // Structural sharing (immer): an entry a step did not touch is the same object.
    expect(s2!.accumulated[w.id]).toBe(s1!.accumulated[w.id]);
    expect(s2!.accumulated[y.id]).toBe(s0!.accumulated[y.id]);
    expect(trace.gradients).toBe(s2!.accumulated);
    expect(() => { (s0!.accumulated as Record<string, unknown>)[x.id] = null; }).toThrow(TypeError);
    expect(() => { (s0!.upstream.head as number[])[0] = 5; }).toThrow(TypeError);
    expect(s0!.accumulated[x.id]).toBeUndefined();
  });

  it('shows partial sums where a Variable feeds several ops', () => {
    const x = variable(tensor([0, 1], [2], 'float64'), { name: 'x' });
    const y = sum(add(mul(x, x), exp(x)));
    const trace = backwardTrace(y);
    expect(trace.steps.map((s) => s.op).slice(0, 2)).toEqual(['sum', 'add']);
    const mulStep = trace.steps.find((s) => s.op === 'mul')!;
    // Both operands of x*x are x: each gets g * x.
    expect(mulStep.contributions.map((c) => [c.inputId, c.grad!.values])).toEqual([[x.id, [0, 1]], [x.id, [0, 1]]]);
    // d/dx (x^2 + e^x) = 2x + e^x
    expect(trace.gradients[x.id]!.values).toEqual(close([1, 2 + E]));
    const last = trace.steps[trace.steps.length - 1]!;
    const first = trace.steps.findIndex((s) => s.contributions.some((c) => c.inputId === x.id));
    // Before the last consumer of x ran, x's entry was a partial sum.
    expect(trace.steps[first]!.accumulated[x.id]!.values).not.toEqual(last.accumulated[x.id]!.values);
    const text = formatTrace(trace);
    // x got e^x first, then x twice from the product: running totals e^x + x, then e^x + 2x.
    expect(text).toMatch(/-> \[0\] x #\d+  \+\[0, 1\]  \(total so far \[1, 3\.718\]\)\n  -> \[1\] x #\d+  \+\[0, 1\]  \(total so far \[1, 4\.718\]\)/);
    expect(mulStep.contributions.map((c) => c.total!.values)).toEqual([close([1, 1 + E]), close([1, 2 + E])]);
  });

  it('uses the head gradient it is given and records constant inputs as receiving nothing', () => {
    const x = variable(tensor([1, 2], [2], 'float64'), { name: 'x' });
    const y = mul(x, 3);
    const trace = backwardTrace(y, [1, -1]);
    expect(trace.headGrad.values).toEqual([1, -1]);
    expect(trace.steps).toHaveLength(1);
    expect(trace.steps[0]!.upstream.values).toEqual([1, -1]);
    expect(trace.steps[0]!.contributions[1]!.grad).toBeNull();
    expect(trace.gradients[x.id]!.values).toEqual([3, -3]);
    expect(formatTrace(trace)).toContain('(no gradient: constant)');
    expect(JSON.parse(toJSON(trace)).steps[0].upstream.values).toEqual([1, -1]);
  });

  it('leaves the graph and every .grad as they were', () => {
    const { x, w, m, y } = threeOps();
    y.backward(undefined, { retainGraph: true });
    const before = x.grad;
    backwardTrace(y);
    expect(x.grad).toBe(before);
    expect(Array.from(x.grad!.dataSync())).toEqual(close([2, 3 * E]));
    expect(m.node!.outputGrad).toBeNull();
    expect(m.node!.released).toBe(false);
    // The graph still works, and gradients keep accumulating as usual.
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(close([4, 6 * E]));
    expect(Array.from(w.grad!.dataSync())).toEqual(close([2, 2 * E]));
  });

  it('names the scope of each step', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = scope('loss', () => sum(exp(x)));
    const trace = backwardTrace(y);
    expect(trace.steps.map((s) => s.scopePath)).toEqual([['loss'], ['loss']]);
    expect(formatTrace(trace).split('\n')[1]).toBe(`step 1/2  sum #${y.id}  shape []  in loss`);
  });

  it('validates its arguments', () => {
    const x = variable([1, 2]);
    const y = sum(exp(x));
    expect(() => backwardTrace([1] as never)).toThrow(/backwardTrace: y must be a Variable, got an array/);
    expect(() => backwardTrace(variable([1], { requiresGrad: false }))).toThrow(/backwardTrace: y \(Variable #\d+\) does not require grad/);
    expect(() => backwardTrace(exp(x), [1, 2, 3])).toThrow(/backwardTrace: headGrad: expected the output's shape \[2\], got \[3\]/);
    expect(() => backwardTrace(y, undefined, { headLength: 1.5 })).toThrow(/backwardTrace: options.headLength must be a non-negative integer/);
    y.backward();
    expect(() => backwardTrace(y)).toThrow(/backwardTrace: the graph through '(exp|sum)' \(Variable #\d+\) was freed by an earlier backward pass/);
    expect(() => formatTrace({} as BackwardTrace)).toThrow(/formatTrace: trace must be made by backwardTrace/);
  });
});

describe('formatTrace', () => {
  it('renders a three-op trace as text', () => {
    const { x, w, e, m, y } = threeOps();
    expect(formatTrace(backwardTrace(y))).toBe([
      `backward pass from sum #${y.id}, head gradient 1`,
      `step 1/3  sum #${y.id}  shape []`,
      '  upstream  1',
      `  -> [0] mul #${m.id}  +[1, 1]`,
      `step 2/3  mul #${m.id}  shape [2]`,
      '  upstream  [1, 1]',
      `  -> [0] exp #${e.id}  +[2, 3]`,
      `  -> [1] w #${w.id}  +[1, 2.718]`,
      `step 3/3  exp #${e.id}  shape [2]`,
      '  upstream  [2, 3]',
      `  -> [0] x #${x.id}  +[2, 8.155]`,
      'gradients:',
      `  x #${x.id}  [2, 8.155]`,
      `  w #${w.id}  [1, 2.718]`,
      `  exp #${e.id}  [2, 3]`,
      `  mul #${m.id}  [1, 1]`,
      `  sum #${y.id}  1`,
      '',
    ].join('\n'));
  });
});

describe('long graphs', () => {
  it('describe and trace a long chain without overflowing the stack', () => {
    const x = variable([0.5], { name: 'x' });
    let h = x;
    for (let i = 0; i < 2000; i++) h = scope('step', () => mul(h, 1));
    const g = graphOf(h, { gradients: 'compute', values: false });
    expect(g.nodes.filter((n) => n.kind === 'op')).toHaveLength(2000);
    expect(g.scopes).toHaveLength(2000);
    expect(g.nodes.find((n) => n.id === x.id)!.grad!.values).toEqual([1]);
    let k = x;
    for (let i = 0; i < 300; i++) k = mul(k, 1);
    const trace = backwardTrace(k);
    expect(trace.steps).toHaveLength(300);
    expect(trace.gradients[x.id]!.values).toEqual([1]);
  });
});

describe('graph size', () => {
  it('traces a 10,000-node chain: snapshots share their records, so the trace is linear in the graph', () => {
    // Before the records were shared, each snapshot copied every gradient so far: this chain took
    // minutes and gigabytes (8,000 nodes: 62 s, 870 MB held); now it takes seconds.
    const x = variable([0.5, -1], { name: 'x' });
    let h = x;
    for (let i = 0; i < 10_000; i++) h = i % 2 === 0 ? tanh(h) : mul(h, 1.5);
    const trace = backwardTrace(sum(h));
    expect(trace.steps).toHaveLength(10_001);
    expect(Object.keys(trace.steps[0]!.accumulated)).toHaveLength(2);
    expect(Object.keys(trace.steps[5000]!.accumulated)).toHaveLength(5002);
    expect(Object.keys(trace.gradients)).toHaveLength(10_002);
    // An entry set early is the same object in every later snapshot.
    const first = trace.steps[1]!.accumulated[trace.steps[1]!.contributions[0]!.inputId];
    expect(trace.steps[9000]!.accumulated[trace.steps[1]!.contributions[0]!.inputId]).toBe(first);
    const before = trace.steps[4999]!;
    const after = trace.steps[5000]!;
    expect(after.accumulated[before.nodeId]).toBe(before.accumulated[before.nodeId]);
    expect(JSON.parse(JSON.stringify(trace.steps[2]!.accumulated))).toEqual({ ...trace.steps[2]!.accumulated });
  });

  it('describes and renders a 200,000-node chain', () => {
    const x = variable([0.5], { name: 'x' });
    const one = constant([1]);
    let h = x;
    for (let i = 0; i < 200_000; i++) h = mul(h, one);
    const g = graphOf(h, { values: false });
    expect(g.nodes).toHaveLength(200_002);
    expect(g.edges).toHaveLength(400_000);
    expect(toDot(g).match(/->/g)).toHaveLength(400_000);
  }, 180_000);
});
