import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '@lossgraph/tensor';
import { mul, sum, variable, type VariableLike } from '@lossgraph/autograd';
import { Activation, Block, Dense, Parameter, Sequential, Xavier } from '@lossgraph/nn';

/** A Dense layer with fixed weights: W [3, 2], b [3]. */
function fixedDense(activation?: 'relu' | 'sigmoid' | 'tanh' | 'softrelu' | 'softplus' | 'none'): Dense {
  const layer = new Dense(3, { inUnits: 2, activation });
  layer.weight.setData([[1, 2], [3, 4], [5, 6]]);
  layer.bias!.setData([0.5, -1, 0]);
  return layer;
}

const x = [[1, -1], [2, 0.5]];
// x · Wᵀ = [[-1, -1, -1], [3, 8, 13]]; + b
const linear = [[-0.5, -2, -1], [3.5, 7, 13]];

describe('Dense forward', () => {
  it('computes x · Wᵀ + b (hand-computed)', () => {
    expect(fixedDense().forward(x).toArray()).toEqual(linear);
  });

  it('applies each activation', () => {
    const map = (f: (v: number) => number) => linear.map((row) => row.map(f));
    const softplus = (v: number) => Math.log1p(Math.exp(v));
    const cases: Array<[Parameters<typeof fixedDense>[0], (v: number) => number]> = [
      ['relu', (v) => Math.max(v, 0)],
      ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
      ['tanh', Math.tanh],
      ['softrelu', softplus],
      ['softplus', softplus],
      ['none', (v) => v],
    ];
    for (const [name, f] of cases) {
      const got = fixedDense(name).forward(x).toArray() as number[][];
      const want = map(f);
      got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i]!, 5));
    }
  });

  it('without bias', () => {
    const layer = new Dense(1, { useBias: false, inUnits: 2 });
    layer.weight.setData([[2, -1]]);
    expect(layer.bias).toBeNull();
    expect(layer.forward([[3, 4]]).toArray()).toEqual([[2]]);
    expect([...layer.collectParams().keys()]).toEqual(['weight']);
  });

  it('back-propagates into weight [units, inUnits] and bias', () => {
    const layer = fixedDense();
    sum(layer.forward(x)).backward();
    // d sum(x Wᵀ + b) / dW[u, i] = sum over the batch of x[:, i]; / db[u] = batch size
    expect(layer.weight.grad()!.toArray()).toEqual([[3, -0.5], [3, -0.5], [3, -0.5]]);
    expect(layer.bias!.grad()!.toArray()).toEqual([2, 2, 2]);
  });

  it('accepts Variables and keeps the graph to them', () => {
    const input = variable(x);
    sum(fixedDense().forward(input)).backward();
    // d/dx[b, i] = sum_u W[u, i]
    expect(input.grad!.toArray()).toEqual([[9, 12], [9, 12]]);
  });

  it('flattens the axes after the batch axis by default', () => {
    const layer = new Dense(2).initialize({ seed: 0 });
    expect(layer.forward(zeros([4, 2, 3])).shape).toEqual([4, 2]);
    expect(layer.weight.shape).toEqual([2, 6]);
    expect(layer.inUnits).toBe(6);
  });

  it('acts on the last axis with flatten: false', () => {
    const layer = new Dense(2, { flatten: false, inUnits: 3 }).initialize();
    layer.weight.setData([[1, 0, 0], [0, 1, 1]]);
    const y = layer.forward(tensor([[[1, 2, 3], [4, 5, 6]]]));
    expect(y.shape).toEqual([1, 2, 2]);
    expect(y.toArray()).toEqual([[[1, 5], [4, 11]]]);
    expect(layer.forward([1, 2, 3]).toArray()).toEqual([1, 5]);
  });

  it('rejects inputs with the wrong number of features, naming inUnits and the shape', () => {
    const layer = new Dense(2, { inUnits: 3 }).initialize();
    expect(() => layer.forward(zeros([5, 4]))).toThrow(/expected 3 input features \(inUnits\), got x of shape \[5, 4\]/);
    expect(() => layer.forward(zeros([4]))).toThrow(/\[batch, \.\.\.features\]/);
  });

  it('validates its options with messages naming them', () => {
    expect(() => new Dense(0)).toThrow(/Dense: units is invalid: .*>0.*got 0/);
    expect(() => new Dense(2.5)).toThrow(/Dense: units/);
    expect(() => new Dense(2, { activation: 'gelu' as 'relu' })).toThrow(/option 'activation'.*got "gelu"/);
    expect(() => new Dense(2, { units: 3 } as object)).toThrow(/Dense: unknown option 'units'; expected options: /);
    expect(() => new Dense(2, { inUnits: -1 })).toThrow(/option 'inUnits'/);
    expect(() => new Dense(2, { name: 'a.b' })).toThrow(/option 'name'/);
  });

  it('errors clearly before initialize()', () => {
    const layer = new Dense(2, { inUnits: 2 });
    expect(() => layer.forward([[1, 2]])).toThrow(/Parameter 'weight' is not initialised; call initialize\(\)/);
  });
});

describe('deferred shape inference', () => {
  it('infers inUnits on the first call and draws the weight then', () => {
    const net = new Sequential().add(new Dense(4, { activation: 'relu' }), new Dense(2));
    net.initialize({ init: new Xavier(), seed: 3 });
    const w0 = net.collectParams().get('dense0.weight')!;
    expect(w0.shape).toEqual([4, -1]);
    expect(w0.isInitialized).toBe(false);
    expect(() => w0.data()).toThrow(/'dense0.weight' has shape \[4, \?\] with extents still unknown/);
    const y = net.forward(zeros([5, 7]));
    expect(y.shape).toEqual([5, 2]);
    expect(w0.shape).toEqual([4, 7]);
    expect(net.collectParams().get('dense1.weight')!.shape).toEqual([2, 4]);
    expect(() => net.forward(zeros([5, 8]))).toThrow(/expected 7 input features/);
  });

  it('draws the same values as a layer given inUnits up front (seeds follow names, not order)', () => {
    const deferred = new Sequential().add(new Dense(3), new Dense(2));
    const explicit = new Sequential().add(new Dense(3, { inUnits: 5 }), new Dense(2, { inUnits: 3 }));
    deferred.initialize({ init: new Xavier(), seed: 11 });
    explicit.initialize({ init: new Xavier(), seed: 11 });
    deferred.forward(zeros([1, 5]));
    for (const [name, p] of explicit.collectParams()) {
      expect(deferred.collectParams().get(name)!.data().toArray()).toEqual(p.data().toArray());
    }
  });
});

describe('parameter naming', () => {
  it('names children per kind with a counter, as Gluon', () => {
    const net = new Sequential().add(new Dense(8), new Activation('relu'), new Dense(4), new Activation('tanh'), new Dense(2));
    expect([...net.collectParams().keys()]).toEqual([
      'dense0.weight', 'dense0.bias', 'dense1.weight', 'dense1.bias', 'dense2.weight', 'dense2.bias',
    ]);
    expect([...net.children.keys()]).toEqual(['dense0', 'activation0', 'dense1', 'activation1', 'dense2']);
  });

  it('nests names, honours given names and filters with a RegExp', () => {
    const body = new Sequential({ name: 'body' }).add(new Dense(4), new Dense(4, { name: 'hidden' }));
    const net = new Sequential().add(body, new Dense(2));
    expect([...net.collectParams().keys()]).toEqual([
      'body.dense0.weight', 'body.dense0.bias', 'body.hidden.weight', 'body.hidden.bias', 'dense0.weight', 'dense0.bias',
    ]);
    expect([...net.collectParams(/weight$/).keys()]).toEqual(['body.dense0.weight', 'body.hidden.weight', 'dense0.weight']);
    expect([...net.collectParams(/weight/g).keys()]).toEqual(['body.dense0.weight', 'body.hidden.weight', 'dense0.weight']);
    // names relative to the block asked
    expect([...body.collectParams().keys()]).toEqual(['dense0.weight', 'dense0.bias', 'hidden.weight', 'hidden.bias']);
    // a parameter knows its full name from the root, and so does its Variable
    const p = body.collectParams().get('hidden.bias')!;
    expect(p.name).toBe('body.hidden.bias');
    net.initialize();
    expect(p.variable.name).toBe('body.hidden.bias');
  });

  it('gives the same names in every model built the same way', () => {
    const build = () => new Sequential().add(new Dense(3), new Dense(1));
    build();
    expect([...build().collectParams().keys()]).toEqual([...build().collectParams().keys()]);
    expect([...build().collectParams().keys()][0]).toBe('dense0.weight');
  });

  it('rejects a duplicate given name', () => {
    expect(() => new Sequential().add(new Dense(2, { name: 'fc' }), new Dense(2, { name: 'fc' }))).toThrow(/a child named 'fc' already exists/);
  });

  it('lists a shared block once', () => {
    const shared = new Dense(2, { inUnits: 2 });
    const net = new Sequential().add(shared, shared);
    expect([...net.collectParams().keys()]).toEqual(['dense0.weight', 'dense0.bias']);
  });

  it('supports custom blocks with registered parameters', () => {
    class Scale extends Block {
      readonly factor = this.registerParameter(new Parameter('factor', { shape: [1], init: 'ones' }));
      forward(input: VariableLike) {
        return mul(input, this.factor.variable);
      }
    }
    const net = new Sequential().add(new Scale(), new Dense(1, { inUnits: 1 }));
    expect([...net.collectParams().keys()]).toEqual(['scale0.factor', 'dense0.weight', 'dense0.bias']);
    net.initialize({ init: 'ones' });
    expect(net.forward([[2], [3]]).toArray()).toEqual([[2], [3]]);
  });
});
