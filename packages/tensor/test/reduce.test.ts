import { describe, expect, it } from 'vitest';
import {
  argmax, argmin, exp, logSoftmax, logSoftmaxGrad, logSumExp, logSumExpGrad, max, mul, sub, mean, min, reshape, softmax, sum, tensor, zeros,
  type ReduceOp, type Shape, type Tensor,
} from '../src/index.js';
import { expectClose, randomValues } from './helpers.js';
import { setWasmElementwiseEnabled } from '../src/cpu.js';

const reducers: Record<ReduceOp, (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor> = {
  sum, max, min, logSumExp,
};

/** Reduces `axes` of row-major `values` by visiting every element: slow and obviously right. */
function naiveReduce(op: ReduceOp, values: ArrayLike<number>, shape: Shape, axes: readonly number[]): number[] {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outSize = kept.reduce((p, i) => p * shape[i]!, 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  const coords = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < values.length; flat++) {
    let rest = flat;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      coords[axis] = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
    }
    const outIndex = kept.reduce((acc, axis) => acc * shape[axis]! + coords[axis]!, 0);
    groups[outIndex]!.push(values[flat]!);
  }
  return groups.map((g) => {
    switch (op) {
      case 'sum': return g.reduce((a, b) => a + b, 0);
      case 'max': return g.reduce((a, b) => Math.max(a, b), -Infinity);
      case 'min': return g.reduce((a, b) => Math.min(a, b), Infinity);
      case 'logSumExp': {
        const m = Math.max(...g);
        return g.length === 0 ? -Infinity : m + Math.log(g.reduce((a, b) => a + Math.exp(b - m), 0));
      }
    }
  });
}

/** Every subset of the axes of a rank-`rank` tensor. */
function axisSubsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << rank; mask++) out.push([...Array(rank).keys()].filter((i) => mask & (1 << i)));
  return out;
}

describe('reductions', () => {
  const x = tensor([[[-10, -9, -8, -7], [-6, -5, -4, -3], [-2, -1, 0, 1]], [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11, 12, 13]]]);

  it('sum, max, min and logSumExp over chosen axes match NumPy', () => {
    expect(sum(x, [0, 2]).toArray()).toEqual([-20, 12, 44]);
    expect(max(x, 1).toArray()).toEqual([[-2, -1, 0, 1], [10, 11, 12, 13]]);
    expect(min(x, [0, 1]).toArray()).toEqual([-10, -9, -8, -7]);
    const scaled = tensor(Array.from(x.dataSync(), (v) => v / 10), [2, 3, 4], 'float64');
    expectClose(logSumExp(scaled, [0, 2]), [2.0058179967931937, 2.4058179967931936, 2.805817996793194], { rtol: 1e-14 });
    expect(sum(x).item()).toBe(36);
    expect(sum(x).shape).toEqual([]);
  });

  it('negative axes count from the end', () => {
    expect(sum(x, -1).toArray()).toEqual(sum(x, 2).toArray());
    expect(max(x, [-3, -1]).toArray()).toEqual(max(x, [0, 2]).toArray());
  });

  it('keepDims keeps reduced axes as size 1', () => {
    expect(sum(x, 1, true).shape).toEqual([2, 1, 4]);
    expect(sum(x, undefined, true).shape).toEqual([1, 1, 1]);
    expect(max(x, [0, 2], true).toArray()).toEqual([[[5], [9], [13]]]);
  });

  it('an empty axis list copies; a scalar reduces to itself', () => {
    expect(sum(x, []).toArray()).toEqual(x.toArray());
    expect(sum(tensor(5)).item()).toBe(5);
    expect(logSumExp(tensor(2, undefined, 'float64')).item()).toBe(2);
  });

  it('empty reductions give the identity: 0, -Infinity, Infinity, -Infinity', () => {
    const e = zeros([2, 0, 3]);
    expect(Array.from(sum(e, 1).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(max(e, 1).dataSync())).toEqual(new Array(6).fill(-Infinity));
    expect(Array.from(min(e, [0, 1]).dataSync())).toEqual([Infinity, Infinity, Infinity]);
    expect(logSumExp(e).item()).toBe(-Infinity);
    expect(sum(e, 2).shape).toEqual([2, 0]);
    expect(sum(e, 2).size).toBe(0);
  });

  it('agrees with element-by-element reduction for every axis subset of several shapes', () => {
    const shapes: Shape[] = [[5], [3, 4], [4, 1, 6], [2, 3, 4, 5], [1, 7, 1, 3], [3, 0, 2]];
    let seed = 10;
    for (const shape of shapes) {
      const values = randomValues(shape.reduce((p, d) => p * d, 1), seed++).map((v) => v * 5);
      const t = tensor(values, shape, 'float64');
      for (const axes of axisSubsets(shape.length)) {
        for (const op of ['sum', 'max', 'min', 'logSumExp'] as const) {
          const out = reducers[op](t, axes);
          expect(out.shape, `${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`).toEqual(shape.filter((_, i) => !axes.includes(i)));
          expectClose(out, naiveReduce(op, values, shape, axes), { rtol: 1e-12, atol: 1e-12 });
        }
      }
    }
  });

  it('sums float32 in double precision', () => {
    // 1e6 copies of 0.1 (as float32): a float32 accumulator drifts by about 1%.
    const n = 1_000_000;
    const x32 = tensor(new Float32Array(n).fill(0.1));
    expect(sum(x32).item()).toBe(Math.fround(Math.fround(0.1) * n));
    const cols = reshape(x32, [n / 4, 4]);
    expectClose(sum(cols, 0), new Array(4).fill(Math.fround(0.1) * (n / 4)), { rtol: 1e-7 });
  });

  it('int32 sums stay int32; max and min of ints too', () => {
    const xi = tensor([[1, 2], [3, 4]], undefined, 'int32');
    expect(sum(xi, 0).dtype).toBe('int32');
    expect(Array.from(sum(xi, 0).dataSync())).toEqual([4, 6]);
    expect(max(xi).item()).toBe(4);
    expect(logSumExp(xi).dtype).toBe('float32');
  });

  it('max and min propagate NaN', () => {
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(Array.from(min(tensor([[1, NaN], [0, 2]]), 0).dataSync())).toEqual([0, NaN]);
    expect(sum(tensor([1, NaN])).item()).toBeNaN();
  });

  it('logSumExp is stable for large logits and handles infinities', () => {
    const big = tensor([[1000, 999, -1000], [-1000, -1001, -999.5]], undefined, 'float64');
    expectClose(logSumExp(big, 1), [1000.3132616875182, -998.8958693946632], { rtol: 1e-14 });
    expectClose(logSumExp(big, 0), [1000.0, 999.0, -999.0259230158199], { rtol: 1e-14 });
    expect(logSumExp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(Array.from(logSumExp(tensor([[-Infinity, -Infinity], [-Infinity, -Infinity]]), 0).dataSync())).toEqual([-Infinity, -Infinity]);
    expect(logSumExp(tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(Array.from(logSumExp(tensor([[Infinity, 0], [1, 0]]), 0).dataSync())).toEqual([Infinity, Math.log(2)].map(Math.fround));
    expect(logSumExp(tensor([-Infinity, 0])).item()).toBe(0);
    expect(logSumExp(tensor([NaN, 0])).item()).toBeNaN();
  });

  it('mean divides by the count and gives float32 for ints, NaN when empty', () => {
    expect(mean(tensor([[1, 2], [3, 4]]), 0).toArray()).toEqual([2, 3]);
    expect(mean(tensor([[1, 2], [3, 4]])).item()).toBe(2.5);
    const mi = mean(tensor([1, 2], undefined, 'int32'));
    expect(mi.dtype).toBe('float32');
    expect(mi.item()).toBe(1.5);
    expect(mean(zeros([0])).item()).toBeNaN();
    expect(mean(tensor([[1, 2]]), 1, true).shape).toEqual([1, 1]);
  });

  it('rejects bad axes and keepDims, naming the argument', () => {
    expect(() => sum(x, 3)).toThrow(/axis: axis 3 is out of range for a tensor of rank 3 \(expected -3 <= axis < 3\)/);
    expect(() => sum(x, -4)).toThrow(/axis: axis -4 is out of range/);
    expect(() => max(x, 0.5)).toThrow(/axis: expected an integer axis, got 0.5/);
    expect(() => min(x, [0, 0])).toThrow(/axis: repeated axis in \[0,0\]/);
    expect(() => sum(x, '1' as unknown as number)).toThrow(/axis: expected an integer or an array of integers, got "1"/);
    expect(() => sum(x, 0, 'yes' as unknown as boolean)).toThrow(/sum: keepDims must be a boolean/);
    expect(() => mean(x, 5)).toThrow(/axis: axis 5 is out of range/);
  });
});

describe('argmax and argmin', () => {
  it('return the first index of the extreme along an axis, as int32', () => {
    const x = tensor([[1, 3, 3], [4, 4, 2]]);
    const am = argmax(x, 1);
    expect(am.dtype).toBe('int32');
    expect(Array.from(am.dataSync())).toEqual([1, 0]);
    expect(Array.from(argmin(x, 1).dataSync())).toEqual([0, 2]);
    expect(Array.from(argmax(tensor([[5, 1, 7], [5, 2, 7]]), 0).dataSync())).toEqual([0, 1, 0]);
    expect(Array.from(argmin(tensor([[5, 1, 7], [5, 1, 6]]), 0).dataSync())).toEqual([0, 0, 1]);
  });

  it('flatten when no axis is given and support keepDims and negative axes', () => {
    const x = tensor([[1, 9], [9, 0]]);
    expect(argmax(x).item()).toBe(1);
    expect(argmax(x).shape).toEqual([]);
    expect(argmin(x).item()).toBe(3);
    expect(argmax(x, -1, true).toArray()).toEqual([[1], [0]]);
  });

  it('agree with a naive scan along a middle axis', () => {
    const shape = [3, 5, 4];
    const values = randomValues(60, 77).map((v) => Math.round(v * 3));
    const t = tensor(values, shape);
    const out = argmax(t, 1).dataSync();
    for (let p = 0; p < 3; p++) {
      for (let c = 0; c < 4; c++) {
        let best = 0;
        for (let r = 1; r < 5; r++) if (values[(p * 5 + r) * 4 + c]! > values[(p * 5 + best) * 4 + c]!) best = r;
        expect(out[p * 4 + c]).toBe(best);
      }
    }
  });

  it('treat NaN as the extreme (first NaN wins), as NumPy does', () => {
    expect(argmax(tensor([1, NaN, 5, NaN])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, -5])).item()).toBe(1);
    expect(Array.from(argmax(tensor([[1, 2], [NaN, 0], [NaN, NaN]]), 0).dataSync())).toEqual([1, 2]);
  });

  it('reject empty axes and bad axes', () => {
    expect(() => argmax(zeros([0]))).toThrow(/argmax: cannot take argmax over an empty axis \(shape \[0\]\)/);
    expect(() => argmin(zeros([2, 2]), 2)).toThrow(/axis: axis 2 is out of range/);
    expect(() => argmax(zeros([2]), 1.5)).toThrow(/axis: expected an integer axis/);
  });
});

describe('softmax and logSoftmax', () => {
  const logits = tensor([[1000, 999, -1000], [-1000, -1001, -999.5]], undefined, 'float64');

  it('are stable for logits of magnitude 1000 along the last axis', () => {
    expectClose(softmax(logits), [0.7310585786300049, 0.26894142136999516, 0.0, 0.3314989604240915, 0.12195165230972885, 0.5465493872661796], { rtol: 1e-14 });
    expectClose(logSoftmax(logits), [-0.31326168751822286, -1.3132616875182228, -2000.3132616875182, -1.1041306053367284, -2.1041306053367284, -0.6041306053367282], { rtol: 1e-14 });
    const f32 = softmax(tensor([[1000, 999, -1000]])).dataSync();
    expectClose(f32, [0.7310585786300049, 0.26894142136999516, 0], { rtol: 1e-6 });
  });

  it('logSoftmaxGrad is dy - exp(y) * sum(dy) along any axis, in float32 and float64', () => {
    const shape = [3, 4, 5];
    const values = randomValues(60, 8).map((v) => v * 10);
    const dyValues = randomValues(60, 9);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const axis of [0, 1, 2]) {
        const y = logSoftmax(tensor(values, shape, dtype), axis);
        const dy = tensor(dyValues, shape, dtype);
        const total = sum(dy, axis, true).dataSync();
        const yv = y.dataSync();
        const expected = dyValues.map((d, i) => {
          const coords = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
          coords[axis] = 0;
          const keptShape = shape.map((n, k) => (k === axis ? 1 : n));
          const j = (coords[0]! * keptShape[1]! + coords[1]!) * keptShape[2]! + coords[2]!;
          return d - Math.exp(yv[i]!) * total[j]!;
        });
        const got = logSoftmaxGrad(dy, y, axis);
        expect(got.dtype).toBe(dtype);
        expectClose(got, expected, dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 });
      }
    }
    expect(() => logSoftmaxGrad(zeros([2, 3]), zeros([3, 2]))).toThrow(/dy has shape \[2, 3\] but y has shape \[3, 2\]/);
  });

  it('logSumExpGrad is dy * exp(x - y) over leading, middle, last and several axes, in float32 and float64', () => {
    const shape = [3, 4, 5];
    const values = randomValues(60, 10).map((v) => v * 10);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const axes of [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
        const x = tensor(values, shape, dtype);
        const y = logSumExp(x, axes, true);
        const dy = tensor(randomValues(y.size, 11 + axes.length), y.shape, dtype);
        // The composition the fused kernel replaces, and a float64 reference from the same inputs.
        const composed = mul(dy, exp(sub(x, y)));
        const x64 = tensor(x.dataSync(), shape, 'float64');
        const reference = mul(tensor(dy.dataSync(), y.shape, 'float64'), exp(sub(x64, tensor(y.dataSync(), y.shape, 'float64'))));
        const got = logSumExpGrad(dy, x, y, axes);
        expect(got.dtype).toBe(dtype);
        expect(got.shape).toEqual(shape);
        const tolerance = dtype === 'float32' ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 1e-14, atol: 1e-15 };
        expectClose(got, composed.dataSync(), dtype === 'float32' ? { rtol: 2e-6, atol: 1e-7 } : tolerance);
        expectClose(got, reference.dataSync(), tolerance);
        // dy and y may also come without the kept axes.
        expectClose(logSumExpGrad(reshape(dy, y.shape.filter((_, i) => !axes.includes(i))), x, logSumExp(x, axes), axes), got.dataSync(), { rtol: 0, atol: 0 });
      }
    }
    // A row with the gradient of softmax: dy = 1 gives softmax(x).
    expectClose(logSumExpGrad(tensor([1]), tensor([0, Math.log(3)]), tensor([Math.log(4)]), 0), [0.25, 0.75], { rtol: 1e-15 });
    expect(() => logSumExpGrad(zeros([2, 1]), zeros([2, 3]), zeros([1, 3]), 1)).toThrow(/y has shape \[1, 3\] but the reduced shape is \[2, 1\]/);
    expect(() => logSumExpGrad(zeros([3]), zeros([2, 3]), zeros([2]), 1)).toThrow(/dy has shape \[3\]/);
  });

  it('logSumExpGrad on large float32 tensors agrees with JavaScript and WebAssembly elementwise kernels alike', () => {
    for (const [shape, axes] of [[[3, 32, 21], [0]], [[40, 30], [1]], [[4, 300, 2], [1]], [[6, 200], [0, 1]]] as [number[], number[]][]) {
      const n = shape.reduce((p, d) => p * d, 1);
      const values = randomValues(n, 12).map((v, i) => (i % 97 === 0 ? -Infinity : v * 10));
      const x64 = tensor(values, shape, 'float64');
      const x = tensor(values, shape, 'float32');
      const y = logSumExp(x, axes, true);
      const dy = tensor(randomValues(y.size, 13), y.shape, 'float32');
      const reference = mul(tensor(dy.dataSync(), y.shape, 'float64'), exp(sub(x64, tensor(y.dataSync(), y.shape, 'float64')))).dataSync();
      for (const on of [true, false]) {
        const previous = setWasmElementwiseEnabled(on);
        try {
          expectClose(logSumExpGrad(dy, x, y, axes), reference, { rtol: 1e-6, atol: 1e-7 });
        } finally {
          setWasmElementwiseEnabled(previous);
        }
      }
    }
  });

  it('logSumExpGrad gives what the composition gives on -Infinity rows (NaN where x and y are both -Infinity)', () => {
    const x = [-Infinity, -Infinity, -Infinity, 0, -Infinity, 1];
    for (const dtype of ['float32', 'float64'] as const) {
      for (const axis of [0, 1]) {
        const shape = axis === 1 ? [2, 3] : [3, 2];
        const xs = tensor(axis === 1 ? x : [x[0]!, x[3]!, x[1]!, x[4]!, x[2]!, x[5]!], shape, dtype);
        const y = logSumExp(xs, axis, true);
        const dy = tensor([2, 3], y.shape, dtype);
        const composed = mul(dy, exp(sub(xs, y))).dataSync();
        expect(Array.from(composed).filter(Number.isNaN)).toHaveLength(3);
        expectClose(logSumExpGrad(dy, xs, y, axis), composed, { rtol: 1e-6, atol: 0 });
      }
    }
    // Large enough for the WebAssembly composition, with and without it.
    const wide = tensor(Array.from({ length: 2048 }, (_, i) => (i < 1024 ? -Infinity : (i % 7) - 3)), [2, 1024], 'float32');
    const y = logSumExp(wide, 1, true);
    const dy = tensor([2, 3], [2, 1], 'float32');
    const composed = mul(dy, exp(sub(wide, y))).dataSync();
    expect(Array.from(composed.subarray(0, 1024)).every(Number.isNaN)).toBe(true);
    for (const on of [true, false]) {
      const previous = setWasmElementwiseEnabled(on);
      try {
        expectClose(logSumExpGrad(dy, wide, y, 1), composed, { rtol: 1e-6, atol: 0 });
      } finally {
        setWasmElementwiseEnabled(previous);
      }
    }
  });

  it('are stable along a leading axis', () => {
    expectClose(softmax(logits, 0), [1.0, 1.0, 0.37754066879814546, 0.0, 0.0, 0.6224593312018546], { rtol: 1e-14 });
    expectClose(logSoftmax(logits, 0), [0, 0, -0.9740769841801067, -2000, -2000, -0.4740769841801067], { rtol: 1e-13 });
  });

  it('agree with exp(x - logSumExp(x)) along every axis of a 3-D tensor', () => {
    const shape = [3, 4, 5];
    const values = randomValues(60, 5).map((v) => v * 20);
    const t = tensor(values, shape, 'float64');
    for (const axis of [0, 1, 2, -1]) {
      const a = ((axis % 3) + 3) % 3;
      const lse = naiveReduce('logSumExp', values, shape, [a]);
      const expectedLog = values.map((v, i) => {
        const coords = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
        let outIndex = 0;
        for (let k = 0; k < 3; k++) if (k !== a) outIndex = outIndex * shape[k]! + coords[k]!;
        return v - lse[outIndex]!;
      });
      expectClose(logSoftmax(t, axis), expectedLog, { rtol: 1e-12, atol: 1e-12 });
      expectClose(softmax(t, axis), expectedLog.map(Math.exp), { rtol: 1e-12, atol: 1e-15 });
      const rowSums = sum(softmax(t, axis), axis).dataSync();
      expectClose(rowSums, new Array(rowSums.length).fill(1), { rtol: 1e-14 });
    }
  });

  it('default to the last axis, keep float64 and turn ints into float32', () => {
    expectClose(softmax(tensor([0, 0])), [0.5, 0.5]);
    expect(softmax(tensor([1, 2], undefined, 'int32')).dtype).toBe('float32');
    expect(logSoftmax(tensor([1, 2], undefined, 'float64')).dtype).toBe('float64');
  });

  it('reject bad axes', () => {
    expect(() => softmax(zeros([2, 2]), 2)).toThrow(/axis: axis 2 is out of range for a tensor of rank 2/);
    expect(() => logSoftmax(zeros([2]), 0.5)).toThrow(/axis: expected an integer axis/);
  });
});
