/**
 * The layers' behaviour beyond the PyTorch references (layers-reference.test.ts): train and
 * evaluation mode, Dropout's masks, layouts, deferred input sizes, option and input errors, and
 * finite-difference checks of order 1 and 2.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import { add, assertGradcheck, mul, sum, variable, type Variable } from '@lossgraph/autograd';
import { BatchNorm, Dense, Dropout, Embedding, GRU, LayerNorm, LSTM, RNN, Sequential } from '@lossgraph/nn';
import '@lossgraph/tensor/gpujs';

const f64 = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64' });

describe('train and eval mode', () => {
  it('is training by default and propagates to every descendant', () => {
    const drop = new Dropout(0.5);
    const bn = new BatchNorm();
    const net = new Sequential().add(new Dense(4), new Sequential().add(drop, bn));
    expect(net.training && drop.training && bn.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect([net.training, drop.training, bn.training]).toEqual([false, false, false]);
    net.train();
    expect([net.training, drop.training, bn.training]).toEqual([true, true, true]);
    expect(() => net.train('yes' as unknown as boolean)).toThrow(/mode must be a boolean/);
  });
});

describe('Dropout', () => {
  it('keeps about 1 − rate of the elements, scaled by 1/(1 − rate), with a fresh mask each forward', () => {
    const drop = new Dropout(0.25, { seed: 3 });
    const x = T.ones([4000]);
    const a = drop.forward(x).dataSync();
    const b = drop.forward(x).dataSync();
    const kept = Array.from(a).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(kept.length / 4000).toBeGreaterThan(0.72);
    expect(kept.length / 4000).toBeLessThan(0.78);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // the same seed repeats the same masks
    const again = new Dropout(0.25, { seed: 3 });
    expect(Array.from(again.forward(x).dataSync())).toEqual(Array.from(a));
  });

  it('sends the gradient through the same mask', () => {
    const drop = new Dropout(0.5, { seed: 1 });
    const x = variable(T.randn([50], { seed: 2 }));
    const y = drop.forward(x);
    sum(y).backward();
    const mask = Array.from(y.dataSync(), (v, i) => v / x.dataSync()[i]!);
    x.grad!.dataSync().forEach((g, i) => expect(g).toBeCloseTo(mask[i]!, 5));
  });

  it('draws the same masks on gpujs webasm as on cpu for a seed', () => {
    const x = T.randn([6, 7], { seed: 4 });
    const cpu = Array.from(new Dropout(0.3, { seed: 5 }).forward(x).dataSync());
    T.setBackend('gpujs', { mode: 'webasm' });
    try {
      const gpu = Array.from(new Dropout(0.3, { seed: 5 }).forward(x).dataSync());
      gpu.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 5));
    } finally {
      T.setBackend('cpu');
    }
  });

  it('is the identity in evaluation mode and with rate 0', () => {
    const x = variable(T.randn([3, 4], { seed: 2 }));
    expect(new Dropout(0.9).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
  });

  it('rejects a rate outside [0, 1) and unknown options', () => {
    expect(() => new Dropout(1)).toThrow(/Dropout: rate is invalid: .*below 1/);
    expect(() => new Dropout(-0.1)).toThrow(/Dropout: rate/);
    expect(() => new Dropout(0.5, { axes: [1] } as never)).toThrow(/unknown option 'axes'/);
  });
});

describe('Embedding', () => {
  it('maps indices of any shape to rows, and rejects out-of-range indices', () => {
    const embed = new Embedding(4, 2);
    embed.weight.setData([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(embed.forward([3, 0, 3]).toArray()).toEqual([[6, 7], [0, 1], [6, 7]]);
    expect(embed.forward(T.tensor([[1.0, 2.0]])).shape).toEqual([1, 2, 2]);
    expect(() => embed.forward([4])).toThrow(/Embedding 'embedding': x holds 4 .*\[0, 4\)/);
    expect(() => embed.forward([0.5])).toThrow(/expected integers/);
    expect(() => new Embedding(0, 2)).toThrow(/Embedding: inputDim/);
  });
});

describe('LayerNorm and BatchNorm', () => {
  it('infer the channel count, then hold to it', () => {
    const norm = new LayerNorm().initialize();
    norm.forward(T.randn([2, 5]));
    expect(norm.gamma!.shape).toEqual([5]);
    expect(() => norm.forward(T.randn([2, 6]))).toThrow(/LayerNorm 'layernorm': expected 5 channels on axis -1/);
    const bn = new BatchNorm({ inChannels: 3 }).initialize();
    expect(bn.runningMean.data().toArray()).toEqual([0, 0, 0]);
    expect(bn.runningVar.data().toArray()).toEqual([1, 1, 1]);
    expect(() => bn.forward(T.randn([2, 4]))).toThrow(/expected 3 channels on axis 1/);
    expect(() => new BatchNorm({ axis: 3 }).initialize().forward(T.randn([2, 3]))).toThrow(/axis 3 is out of range/);
  });

  it('BatchNorm saves its running statistics under MXNet\'s names, without gradients', () => {
    const bn = new BatchNorm({ inChannels: 2 }).initialize();
    expect([...bn.collectParams().keys()]).toEqual(['gamma', 'beta', 'running_mean', 'running_var']);
    sum(bn.forward(f64([4, 2], 1))).backward();
    expect(bn.runningMean.grad()).toBeNull();
    expect(bn.gamma!.grad()).not.toBeNull();
  });

  it('BatchNorm in evaluation mode leaves the running statistics alone', () => {
    const bn = new BatchNorm({ inChannels: 2 }).initialize().eval();
    const y = bn.forward(T.tensor([[1, 2], [3, 4]]));
    // running mean 0, variance 1: y = x / sqrt(1 + 1e-5)
    expect(y.dataSync()[3]).toBeCloseTo(4 / Math.sqrt(1 + 1e-5), 6);
    expect(bn.runningMean.data().toArray()).toEqual([0, 0]);
  });

  it('pass gradcheck of order 1 and 2', () => {
    const head = f64([4, 3, 2], 9);
    const ln = new LayerNorm({ axis: 1, dtype: 'float64' }).initialize({ init: 'normal', seed: 1 });
    const bn = new BatchNorm({ dtype: 'float64' }).initialize({ seed: 1 });
    for (const block of [ln, bn]) {
      const f = (x: Variable): Variable => sum(mul(block.forward(x), head));
      assertGradcheck(f, [f64([4, 3, 2], 2)]);
      assertGradcheck(f, [f64([4, 3, 2], 2)], { order: 2 });
    }
  });
});

describe('RNN, GRU and LSTM', () => {
  it('name parameters as MXNet 1.9 and infer the input size', () => {
    const gru = new GRU(4, { numLayers: 2, bidirectional: true });
    expect([...gru.collectParams().keys()]).toEqual([
      'l0_i2h_weight', 'l0_h2h_weight', 'l0_i2h_bias', 'l0_h2h_bias',
      'r0_i2h_weight', 'r0_h2h_weight', 'r0_i2h_bias', 'r0_h2h_bias',
      'l1_i2h_weight', 'l1_h2h_weight', 'l1_i2h_bias', 'l1_h2h_bias',
      'r1_i2h_weight', 'r1_h2h_weight', 'r1_i2h_bias', 'r1_h2h_bias',
    ]);
    gru.initialize({ seed: 0 });
    expect(gru.forward(T.randn([5, 2, 3])).shape).toEqual([5, 2, 8]);
    const shapes = Object.fromEntries([...gru.collectParams()].map(([k, p]) => [k, p.shape]));
    expect(shapes.l0_i2h_weight).toEqual([12, 3]);
    expect(shapes.r1_i2h_weight).toEqual([12, 8]);
    expect(shapes.l1_h2h_weight).toEqual([12, 4]);
    expect(() => gru.forward(T.randn([5, 2, 4]))).toThrow(/GRU 'gru': expected 3 input features \(inputSize\)/);
  });

  it('NTC is TNC with the first two axes swapped, and forward with states returns the final ones', () => {
    const x = f64([5, 2, 3], 4);
    const tnc = new LSTM(4, { numLayers: 2, dtype: 'float64', inputSize: 3 }).initialize({ seed: 7 });
    const ntc = new LSTM(4, { numLayers: 2, dtype: 'float64', inputSize: 3, layout: 'NTC' }).initialize({ seed: 7 });
    const [a, [h, c]] = tnc.forward(x, tnc.beginState(2));
    const b = ntc.forward(T.transpose(x, [1, 0, 2]));
    expect(Array.from(T.transpose(b.value, [1, 0, 2]).dataSync())).toEqual(Array.from(a.dataSync()));
    expect(h!.shape).toEqual([2, 2, 4]);
    expect(c!.shape).toEqual([2, 2, 4]);
    // the top layer's final h is the output's last step
    expect(Array.from(T.slice(h!.value, [1, 0, 0], [1, 2, 4]).dataSync())).toEqual(Array.from(T.slice(a.value, [4, 0, 0], [1, 2, 4]).dataSync()));
  });

  it('drop between layers in training mode only, as Gluon\'s dropout option', () => {
    const x = f64([4, 2, 3], 11);
    const make = (dropout: number, numLayers: number) => new GRU(5, { numLayers, dropout, dtype: 'float64', inputSize: 3 }).initialize({ seed: 2 });
    const plain = Array.from(make(0, 2).forward(x).dataSync());
    const dropped = make(0.5, 2);
    expect(Array.from(dropped.forward(x).dataSync())).not.toEqual(plain);
    expect(Array.from(dropped.eval().forward(x).dataSync())).toEqual(plain);
    // one layer: nothing between layers to drop
    expect(Array.from(make(0.5, 1).forward(x).dataSync())).toEqual(Array.from(make(0, 1).forward(x).dataSync()));
    expect(() => new LSTM(4, { dropout: 1 })).toThrow(/LSTM: option 'dropout' is invalid: expected a drop probability below 1/);
  });

  it('check the states and the input', () => {
    const rnn = new RNN(4, { numLayers: 2 }).initialize();
    expect(() => rnn.forward(T.randn([5, 2, 3]), [T.zeros([1, 2, 4])])).toThrow(/states\[0\] must have shape \[2, 2, 4\]/);
    expect(() => rnn.forward(T.randn([5, 2, 3]), [])).toThrow(/states must be an array of one tensor \[h\]/);
    expect(() => new LSTM(4).initialize().forward(T.randn([5, 2, 3]), [T.zeros([1, 2, 4])])).toThrow(/two tensors \[h, c\]/);
    expect(() => rnn.forward(T.randn([5, 3]))).toThrow(/expected x of rank 3/);
    expect(() => new GRU(4, { layout: 'NCT' } as never)).toThrow(/GRU: option 'layout'/);
    expect(() => new GRU(0)).toThrow(/GRU: hiddenSize/);
  });

  it('pass gradcheck of order 1 and 2 in the input and the initial state', () => {
    for (const layer of [new GRU(2, { bidirectional: true, dtype: 'float64' }), new LSTM(2, { dtype: 'float64' }), new RNN(2, { activation: 'tanh', dtype: 'float64' })]) {
      layer.initialize({ init: 'normal', seed: 3 });
      const x = f64([3, 2, 2], 5);
      const states = layer.beginState(2, 'float64').map((_, i) => f64([layer.directions, 2, 2], 6 + i));
      const g = (xv: Variable, ...s: Variable[]): Variable => {
        const [out, finals] = layer.forward(xv, s);
        return add(sum(mul(out, f64([...out.shape], 8))), sum(mul(finals.at(-1)!, f64([...finals.at(-1)!.shape], 9))));
      };
      assertGradcheck(g, [x, ...states]);
      assertGradcheck(g, [x, ...states], { order: 2 });
    }
  });
});
