import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import { constant, graphOf, sum, toDot, toMermaid, type GraphDescription } from '@lossgraph/autograd';
import { Dense, Sequential, Xavier } from '@lossgraph/nn';

/** The graph of a Sequential of two Dense layers, one with deferred input size (its weight is made inside the first forward pass). */
function twoLayerGraph(): GraphDescription {
  const net = new Sequential().add(new Dense(3, { activation: 'relu' }), new Dense(2, { inUnits: 3 }));
  net.initialize({ init: new Xavier(), seed: 0 });
  return graphOf(sum(net.forward(constant(tensor([[1, 2, 3, 4]])))));
}

describe('parameters in graph inspection', () => {
  it("puts each layer's parameters in that layer's scope", () => {
    const g = twoLayerGraph();
    const params = g.nodes.filter((n) => n.kind === 'leaf');
    expect(params.map((n) => [n.name, n.scopePath])).toEqual([
      // dense1's parameters are made at initialize (their shape is known), dense0's bias too, its weight in the first forward pass.
      ['dense0.bias', ['sequential', 'dense0']],
      ['dense1.weight', ['sequential', 'dense1']],
      ['dense1.bias', ['sequential', 'dense1']],
      ['dense0.weight', ['sequential', 'dense0']],
    ]);
    const dense0 = g.scopes.find((s) => s.name === 'dense0')!;
    const weight = params.find((n) => n.name === 'dense0.weight')!;
    expect(weight.scope).toBe(dense0.id);
    // The layer's only input from outside is the batch, a constant outside every scope.
    expect(dense0.inputs.map((id) => g.nodes.find((n) => n.id === id)!.kind)).toEqual(['constant']);
    expect(g.rootNodes.map((id) => g.nodes.find((n) => n.id === id)!.op ?? 'constant')).toEqual(['constant', 'sum']);
  });

  it('folding the Sequential hides every parameter (DOT and Mermaid)', () => {
    const g = twoLayerGraph();
    const dot = toDot(g, { collapse: ['sequential'] });
    const mermaid = toMermaid(g, { collapse: ['sequential'] });
    for (const text of [dot, mermaid]) {
      expect(text).not.toMatch(/dense\d\.(weight|bias)/);
      expect(text).toMatch(/sequential/);
    }
    // Unfolded, each parameter is drawn inside its layer's cluster.
    const unfolded = toDot(g);
    const cluster = (name: string): string => {
      const start = unfolded.indexOf(`label="${name}"`);
      return unfolded.slice(start, unfolded.indexOf('}', start));
    };
    expect(cluster('dense0')).toMatch(/dense0\.weight/);
    expect(cluster('dense0')).toMatch(/dense0\.bias/);
    expect(cluster('dense1')).toMatch(/dense1\.weight/);
    expect(cluster('dense1')).not.toMatch(/dense0\./);
  });
});
