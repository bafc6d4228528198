import { describe, expect, it } from 'vitest';
import {
  arange, gather, oneHot, pick, reshape, scatterAdd, scatterAlongAxis, sum, takeAlongAxis, tensor, zeros,
} from '../src/index.js';
import { expectClose, randomValues } from './helpers.js';

const int = (values: number[] | number[][] | number[][][]) => tensor(values, undefined, 'int32');

describe('gather', () => {
  const x = tensor([[1, 2], [3, 4]]);

  it('takes rows or columns by index, repeating freely', () => {
    expect(gather(x, [1, 1, 0]).toArray()).toEqual([[3, 4], [3, 4], [1, 2]]);
    expect(gather(x, [1, 0], 1).toArray()).toEqual([[2, 1], [4, 3]]);
    expect(gather(x, [1, 0], -1).toArray()).toEqual([[2, 1], [4, 3]]);
  });

  it('gives shape x.shape[:axis] + indices.shape + x.shape[axis+1:]', () => {
    const y = reshape(arange(24), [2, 3, 4]);
    const out = gather(y, int([[2, 0], [1, 1], [0, 2]]), 1);
    expect(out.shape).toEqual([2, 3, 2, 4]);
    expect(Array.from(sum(out).dataSync())).toEqual([Array.from(y.dataSync()).reduce((a, b) => a + b, 0) * 2]);
    expect(gather(x, 1).toArray()).toEqual([3, 4]);
    expect(gather(x, int([])).shape).toEqual([0, 2]);
  });

  it('takes long rows (block copies) correctly', () => {
    const y = reshape(arange(5 * 50), [5, 50]);
    const rows = y.toArray() as number[][];
    expect(gather(y, [4, 0, 4]).toArray()).toEqual([rows[4], rows[0], rows[4]]);
  });

  it('rejects out-of-range and non-integer indices, naming them', () => {
    expect(() => gather(x, [0, 2])).toThrow(/gather: indices must hold integers in \[0, 2\), found 2 at flat position 1/);
    expect(() => gather(x, [-1])).toThrow(/gather: indices must hold integers in \[0, 2\), found -1/);
    expect(() => gather(x, [0.5])).toThrow(/found 0.5/);
    expect(() => gather(x, [0], 2)).toThrow(/axis: axis 2 is out of range/);
    expect(() => gather(x, 'a' as unknown as number[])).toThrow(/indices: expected a Tensor/);
  });
});

describe('scatterAdd', () => {
  it('adds slices at their indices, accumulating repeats', () => {
    expect(Array.from(scatterAdd(tensor([1, 2, 3]), [0, 0, 2], 0, [3]).dataSync())).toEqual([3, 0, 3]);
    expect(scatterAdd(tensor([[1, 2], [3, 4], [5, 6]]), [1, 1, 0], 0, [3, 2]).toArray()).toEqual([[5, 6], [4, 6], [0, 0]]);
    expect(scatterAdd(tensor([[1, 2], [3, 4]]), [2, 2], 1, [2, 3]).toArray()).toEqual([[0, 0, 3], [0, 0, 7]]);
  });

  it('is the adjoint of gather: <gather(x), u> = <x, scatterAdd(u)>', () => {
    const x = tensor(randomValues(3 * 4 * 5, 1), [3, 4, 5], 'float64');
    const indices = int([[3, 0, 3], [1, 1, 2]]);
    const u = tensor(randomValues(3 * 6 * 5, 2), [3, 2, 3, 5], 'float64');
    const lhs = sum(gather(x, indices, 1).dataSync().map((v, i) => v * u.dataSync()[i]!)).item();
    const rhs = sum(scatterAdd(u, indices, 1, [3, 4, 5]).dataSync().map((v, i) => v * x.dataSync()[i]!)).item();
    expect(lhs).toBeCloseTo(rhs, 12);
  });

  it('rejects updates of the wrong shape and bad indices', () => {
    expect(() => scatterAdd(tensor([1, 2]), [0, 1, 2], 0, [3])).toThrow(/scatterAdd: updates has shape \[2\] but indices \[3\] into shape \[3\] along axis 0 need \[3\]/);
    expect(() => scatterAdd(tensor([1]), [3], 0, [3])).toThrow(/scatterAdd: indices must hold integers in \[0, 3\), found 3/);
    expect(() => scatterAdd(tensor([1]), [0], 1, [3])).toThrow(/axis: axis 1 is out of range/);
    expect(() => scatterAdd(tensor([1]), [0], 0, [-3])).toThrow(/scatterAdd: shape: expected an array of non-negative integers/);
  });
});

describe('takeAlongAxis and scatterAlongAxis', () => {
  it('takeAlongAxis picks per position along the axis', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(takeAlongAxis(x, int([[1], [0]]), 1).toArray()).toEqual([[2], [4]]);
    expect(takeAlongAxis(x, int([[2, 2, 0], [0, 1, 1]]), 1).toArray()).toEqual([[3, 3, 1], [4, 5, 5]]);
    expect(takeAlongAxis(x, int([[1, 0, 1]]), 0).toArray()).toEqual([[4, 2, 6]]);
    expect(takeAlongAxis(x, int([[1, 0, 1]]), -2).toArray()).toEqual([[4, 2, 6]]);
  });

  it('scatterAlongAxis adds back, accumulating repeats', () => {
    expect(scatterAlongAxis(tensor([[5]]), int([[1]]), 1, [1, 3]).toArray()).toEqual([[0, 5, 0]]);
    expect(scatterAlongAxis(tensor([[1, 2, 3], [4, 5, 6]]), int([[2, 2, 0], [0, 1, 1]]), 1, [2, 3]).toArray()).toEqual([[3, 0, 3], [4, 11, 0]]);
    expect(scatterAlongAxis(tensor([[1, 2, 3]]), int([[1, 0, 1]]), 0, [2, 3]).toArray()).toEqual([[0, 2, 0], [1, 0, 3]]);
  });

  it('are adjoint on a middle axis of a 3-D tensor', () => {
    const x = tensor(randomValues(2 * 4 * 3, 5), [2, 4, 3], 'float64');
    const idx = int([[[3, 0, 1], [3, 3, 2]], [[0, 0, 0], [1, 2, 3]]]);
    const u = tensor(randomValues(12, 6), [2, 2, 3], 'float64');
    const taken = takeAlongAxis(x, idx, 1);
    expect(taken.shape).toEqual([2, 2, 3]);
    const xv = x.dataSync();
    const iv = idx.dataSync();
    const expected = Array.from(iv, (k, flat) => {
      const [p, c] = [Math.floor(flat / 6), flat % 3];
      return xv[(p * 4 + k) * 3 + c]!;
    });
    expectClose(taken, expected, { rtol: 0, atol: 0 });
    const lhs = Array.from(taken.dataSync()).reduce((acc, v, i) => acc + v * u.dataSync()[i]!, 0);
    const rhs = Array.from(scatterAlongAxis(u, idx, 1, [2, 4, 3]).dataSync()).reduce((acc, v, i) => acc + v * xv[i]!, 0);
    expect(lhs).toBeCloseTo(rhs, 12);
  });

  it('reject index shapes that do not match off the axis, and bad indices', () => {
    const x = zeros([2, 3]);
    expect(() => takeAlongAxis(x, int([[0], [0], [0]]), 1)).toThrow(/takeAlongAxis: indices shape \[3, 1\] must match x shape \[2, 3\] on every axis except 1/);
    expect(() => takeAlongAxis(x, int([[3], [0]]), 1)).toThrow(/takeAlongAxis: indices must hold integers in \[0, 3\), found 3 at flat position 0/);
    expect(() => scatterAlongAxis(tensor([[1, 2]]), int([[0]]), 1, [1, 3])).toThrow(/scatterAlongAxis: updates shape \[1, 2\] must equal indices shape \[1, 1\]/);
    expect(() => scatterAlongAxis(tensor([[1]]), int([[0]]), 1, [2, 3])).toThrow(/scatterAlongAxis: indices shape \[1, 1\] must match output shape \[2, 3\]/);
    expect(() => scatterAlongAxis(tensor([[1]]), int([[-1]]), 1, [1, 3])).toThrow(/scatterAlongAxis: indices must hold integers in \[0, 3\), found -1/);
  });
});

describe('pick', () => {
  const x = tensor([[1, 2], [3, 4]]);

  it('picks one element per row along the axis', () => {
    expect(Array.from(pick(x, [1, 0]).dataSync())).toEqual([2, 3]);
    expect(Array.from(pick(x, [1, 0], 0).dataSync())).toEqual([3, 2]);
    expect(pick(x, [1, 0], -1, true).toArray()).toEqual([[2], [3]]);
    expect(pick(x, int([[1], [1]])).toArray()).toEqual([2, 4]);
    expect(pick(reshape(arange(24), [2, 3, 4]), int([[0, 1, 2, 0], [2, 1, 0, 1]]), 1).toArray()).toEqual([[0, 5, 10, 3], [20, 17, 14, 19]]);
  });

  it('rejects wrong index shapes and out-of-range labels', () => {
    expect(() => pick(x, [0, 1, 0])).toThrow(/pick: index shape \[3\] must be x shape \[2, 2\] without axis 1 \(\[2\]\)/);
    expect(() => pick(x, [0, 2])).toThrow(/pick: index must hold integers in \[0, 2\), found 2 at flat position 1/);
    expect(() => pick(x, [0, 1], 2)).toThrow(/axis: axis 2 is out of range/);
  });
});

describe('oneHot', () => {
  it('makes rows with onValue at the index and offValue elsewhere', () => {
    expect(oneHot([0, 2], 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(oneHot(int([[1], [0]]), 2, 5, -1).toArray()).toEqual([[[-1, 5]], [[5, -1]]]);
    expect(oneHot([1], 2, 1, 0, 'int32').dtype).toBe('int32');
    expect(oneHot([1], 2, 1, 0, 'float64').dtype).toBe('float64');
  });

  it('gives all-off rows for out-of-range indices', () => {
    expect(oneHot([-1, 3, 1], 3).toArray()).toEqual([[0, 0, 0], [0, 0, 0], [0, 1, 0]]);
    expect(oneHot([0], 0).shape).toEqual([1, 0]);
  });

  it('rejects a bad depth or dtype', () => {
    expect(() => oneHot([0], -1)).toThrow(/oneHot: depth must be a non-negative integer, got -1/);
    expect(() => oneHot([0], 2.5)).toThrow(/oneHot: depth must be a non-negative integer, got 2.5/);
    expect(() => oneHot([0], 2, 1, 0, 'bool' as 'int32')).toThrow(/dtype: expected one of/);
  });
});

describe('index checks', () => {
  it('an index tensor checked once is still checked against each bound it meets', () => {
    const idx = int([0, 3, 1]);
    expect(gather(arange(5), idx).toArray()).toEqual([0, 3, 1]);
    // The same tensor again: valid for 4 elements, out of range for 3.
    expect(scatterAdd(tensor([1, 2, 3]), idx, 0, [4]).toArray()).toEqual([1, 3, 0, 2]);
    expect(() => gather(arange(3), idx)).toThrow(/gather: indices must hold integers in \[0, 3\), found 3 at flat position 1/);
    expect(() => scatterAdd(tensor([1, 2, 3]), idx, 0, [2])).toThrow(/scatterAdd: indices must hold integers in \[0, 2\), found 3/);
  });

  it('a large int32 index tensor is range-checked in one pass, and the error still names the first bad position', () => {
    const n = 5000;
    const values = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    expect(Array.from(gather(arange(10), int(values)).dataSync())).toEqual(values);
    const high = [...values];
    high[4000] = 10;
    high[4500] = 12;
    expect(() => gather(arange(10), int(high))).toThrow(/gather: indices must hold integers in \[0, 10\), found 10 at flat position 4000/);
    const low = [...values];
    low[n - 1] = -3;
    expect(() => gather(arange(10), int(low))).toThrow(/gather: indices must hold integers in \[0, 10\), found -3 at flat position 4999/);
    expect(gather(arange(10), int([])).shape).toEqual([0]);
  });

  it('scatterAdd along the last axis accumulates repeated indices', () => {
    expect(scatterAdd(tensor([[1, 2, 3], [4, 5, 6]]), [1, 1, 0], 1, [2, 2]).toArray()).toEqual([[3, 3], [6, 9]]);
  });
});
