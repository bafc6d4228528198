/** Each loss call is one composite node: every op it makes lives in a scope named after the loss. */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { scope, variable, type Variable } from '@lossgraph/autograd';
import { CosineEmbeddingLoss, CTCLoss, L2Loss, SoftmaxCELoss, TripletLoss } from '../src/index.js';

T.setBackend('cpu');

/** Every Variable computed by a recorded op between `out` and the leaves. */
function opOutputs(out: Variable): Variable[] {
  const seen = new Set<Variable>();
  const stack = [out];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v) || v.node === null) continue;
    seen.add(v);
    stack.push(...v.node.inputs);
  }
  return [...seen];
}

describe('scopes', () => {
  test.each([
    ['L2Loss', (p: Variable) => new L2Loss().forward(p, [[1, 2, 3], [4, 5, 6]])],
    ['SoftmaxCrossEntropyLoss', (p: Variable) => new SoftmaxCELoss().forward(p, [0, 2], { sampleWeight: [[1], [2]] })],
    ['TripletLoss', (p: Variable) => new TripletLoss().forward(p, [[0, 0, 0], [1, 1, 1]], [[1, 0, 0], [0, 1, 0]])],
    ['CosineEmbeddingLoss', (p: Variable) => new CosineEmbeddingLoss().forward(p, [[1, 0, 0], [0, 1, 0]], [1, -1])],
  ] as const)('%s: the output and every op inside carry the loss scope; the inputs do not', (name, call) => {
    const pred = variable([[0.5, -1, 2], [1.5, 0.25, -0.75]], { name: 'pred' });
    const out = call(pred);
    expect(out.scopePath).toEqual([name]);
    const ops = opOutputs(out);
    expect(ops.length).toBeGreaterThan(2);
    for (const v of ops) expect(v.scopePath).toEqual([name]);
    expect(pred.scopePath).toEqual([]);
  });

  test('calls nest inside an outer scope, and two calls are two frames', () => {
    const loss = new L2Loss();
    const pred = variable([[1, 2]]);
    const [a, b] = scope('model', () => [loss.forward(pred, [[0, 0]]), loss.forward(pred, [[1, 1]])]);
    expect(a!.scopePath).toEqual(['model', 'L2Loss']);
    expect(a!.scope!.id).not.toBe(b!.scope!.id);
    expect(a!.scope!.parent).toBe(b!.scope!.parent);
  });

  test('CTC records a handful of ops per time step', () => {
    const pred = variable(T.randn([2, 20, 5], { seed: 1 }));
    const ops = opOutputs(new CTCLoss().forward(pred, [[0, 1], [2, -1]]));
    for (const v of ops) expect(v.scopePath).toEqual(['CTCLoss']);
    // Per step: the predecessors' gather, logSumExp, the step's part of the emissions' unstack and an add.
    expect(ops.length).toBeLessThanOrEqual(20 * 5 + 15);
    expect(ops.length).toBeGreaterThanOrEqual(19 * 4);
  });
});
