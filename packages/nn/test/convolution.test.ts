/**
 * Conv1D/Conv2D and the pooling layers against PyTorch float64 (the convolution fixtures of the
 * autograd package: torch.nn.functional with a bias for the conv layers), on the cpu backend in
 * float64 and float32 and on gpujs (webasm), plus deferred inChannels, dtype and validation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
type DType = 'float32' | 'float64';
import { gradients, mul, sum, variable, type Variable } from '@lossgraph/autograd';
import {
  AvgPool1D, AvgPool2D, Block, Conv1D, Conv2D, Flatten, GlobalAvgPool1D, GlobalAvgPool2D, MaxPool1D, MaxPool2D, Sequential, Xavier,
} from '../src/index.js';

interface Case {
  name: string; op: string; options?: Record<string, number[] | number>;
  xShape: number[]; wShape?: number[]; yShape: number[];
  x: number[]; w?: number[]; b?: number[]; r: number[]; y: number[]; dx: number[]; dw?: number[]; yBias?: number[]; db?: number[];
}

const fixture = fileURLToPath(new URL('../../autograd/test/fixtures/convolution.json', import.meta.url));
const cases = (JSON.parse(readFileSync(fixture, 'utf8')) as { cases: Case[] }).cases;

function largestError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

/** The layer of a case, with 1-D options unwrapped to numbers. */
function layerOf(c: Case, dtype: DType): Block {
  const o = c.options ?? {};
  const one = (v: number[] | number | undefined): number => (Array.isArray(v) ? v[0]! : v!);
  const pool1 = { poolSize: one(o.poolSize), strides: one(o.strides), padding: one(o.padding) };
  const pool2 = { poolSize: o.poolSize!, strides: o.strides!, padding: o.padding! };
  switch (c.op) {
    case 'conv2d': return new Conv2D(c.wShape![0]!, { kernelSize: c.wShape!.slice(2), strides: o.strides!, padding: o.padding!, dilation: o.dilation!, groups: o.groups as number, dtype });
    case 'conv1d': return new Conv1D(c.wShape![0]!, { kernelSize: c.wShape![2]!, strides: one(o.strides), padding: one(o.padding), dilation: one(o.dilation), groups: o.groups as number, dtype });
    case 'maxPool2d': return new MaxPool2D(pool2);
    case 'avgPool2d': return new AvgPool2D(pool2);
    case 'maxPool1d': return new MaxPool1D(pool1);
    case 'avgPool1d': return new AvgPool1D(pool1);
    case 'globalAvgPool1d': return new GlobalAvgPool1D();
    case 'globalAvgPool2d': return new GlobalAvgPool2D();
    default: throw new Error(`no layer for ${c.op}`);
  }
}

/** The largest error of the layer's output and of the gradients of Σ y·r (input, weight, bias). */
function runLayer(c: Case, dtype: DType): number {
  const layer = layerOf(c, dtype);
  const x = variable(T.tensor(c.x, c.xShape, dtype));
  const conv = layer instanceof Conv1D || layer instanceof Conv2D ? layer : null;
  if (conv !== null) {
    conv.initialize();
    conv.forward(x);   // infers inChannels
    conv.weight.setData(T.tensor(c.w!, c.wShape!, dtype));
    conv.bias!.setData(T.tensor(c.b!, [c.b!.length], dtype));
  }
  const y = layer.forward(x);
  const targets: Variable[] = conv === null ? [x] : [x, conv.weight.variable, conv.bias!.variable];
  const grads = gradients(sum(mul(y, T.tensor(c.r, c.yShape, dtype))), targets);
  const errors = [largestError(y.dataSync(), conv === null ? c.y : c.yBias!), largestError(grads[0]!.dataSync(), c.dx)];
  if (conv !== null) errors.push(largestError(grads[1]!.dataSync(), c.dw!), largestError(grads[2]!.dataSync(), c.db!));
  return Math.max(...errors);
}

describe('layers against PyTorch', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: cpu float64, float32 and gpujs webasm', (_name, c) => {
    expect(runLayer(c, 'float64')).toBeLessThan(1e-12);
    expect(runLayer(c, 'float32')).toBeLessThan(2e-5);
    T.setBackend('gpujs', { mode: 'webasm' });
    try {
      expect(runLayer(c, 'float32')).toBeLessThan(2e-5);
    } finally {
      T.setBackend('cpu');
    }
  });
});

describe('Conv1D and Conv2D', () => {
  it('infer inChannels on the first forward, per group', () => {
    const layer = new Conv2D(6, { kernelSize: [3, 2], groups: 2, padding: 1 });
    layer.initialize({ init: new Xavier(), seed: 0 });
    expect(layer.inChannels).toBeUndefined();
    expect(layer.forward(T.randn([2, 4, 5, 5], { seed: 1 })).shape).toEqual([2, 6, 5, 6]);
    expect(layer.weight.shape).toEqual([6, 2, 3, 2]);
    expect(layer.inChannels).toBe(4);
    expect(() => layer.forward(T.randn([2, 2, 5, 5]))).toThrow(/expected 4 input channels \(inChannels\), got x of shape \[2, 2, 5, 5\]/);
  });

  it('take inChannels, dtype, useBias and an activation', () => {
    const layer = new Conv1D(3, { kernelSize: 2, inChannels: 2, useBias: false, activation: 'relu', dtype: 'float64' });
    expect(layer.weight.shape).toEqual([3, 2, 2]);
    expect(layer.bias).toBeNull();
    layer.initialize({ seed: 0 });
    const y = layer.forward(T.randn([1, 2, 6], { seed: 2 }));
    expect(y.dtype).toBe('float64');
    expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0);
    expect([...new Sequential().add(new Conv2D(4, { kernelSize: 3 }), new Conv2D(4, { kernelSize: 3 })).collectParams().keys()])
      .toEqual(['conv0.weight', 'conv0.bias', 'conv1.weight', 'conv1.bias']);
  });

  it('name the bad argument', () => {
    expect(() => new Conv2D(0, { kernelSize: 3 })).toThrow(/Conv2D: channels/);
    expect(() => new Conv2D(4, {} as { kernelSize: number })).toThrow(/Conv2D: option 'kernelSize'/);
    expect(() => new Conv2D(4, { kernelSize: [3, 3, 3] })).toThrow(/Conv2D: option 'kernelSize'/);
    expect(() => new Conv1D(4, { kernelSize: 3, stride: 2 } as unknown as { kernelSize: number })).toThrow(/Conv1D: unknown option 'stride'/);
    expect(() => new Conv2D(5, { kernelSize: 3, groups: 2 })).toThrow('Conv2D: channels (5) must be a multiple of groups (2)');
    expect(() => new Conv1D(4, { kernelSize: 3 }).forward(T.randn([2, 3, 4, 4]))).toThrow(/x must be \[N, C, W\]/);
  });
});

describe('pooling layers and Flatten', () => {
  it('keep Gluon defaults: 2x2 windows, strides equal to the window', () => {
    expect(new MaxPool2D().forward(T.randn([1, 2, 7, 6])).shape).toEqual([1, 2, 3, 3]);
    expect(new AvgPool1D({ poolSize: 3 }).forward(T.randn([1, 2, 7])).shape).toEqual([1, 2, 2]);
    expect(new GlobalAvgPool2D().forward(T.randn([3, 2, 4, 5])).shape).toEqual([3, 2, 1, 1]);
    expect(new GlobalAvgPool1D().forward(T.randn([3, 2, 4])).shape).toEqual([3, 2, 1]);
    expect(new Flatten().forward(T.tensor([[[1, 2], [3, 4]]])).toArray()).toEqual([[1, 2, 3, 4]]);
  });

  it('name the bad argument', () => {
    expect(() => new MaxPool2D({ poolSize: 0 })).toThrow(/MaxPool2D: option 'poolSize'/);
    expect(() => new AvgPool2D({ pool_size: 2 } as unknown as { poolSize: number })).toThrow(/unknown option 'pool_size'/);
    expect(() => new GlobalAvgPool2D().forward(T.randn([2, 3, 4]))).toThrow(/x must be \[N, C, H, W\]/);
  });
});
