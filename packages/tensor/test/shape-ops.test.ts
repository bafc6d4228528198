import { describe, expect, it } from 'vitest';
import {
  arange, broadcastTo, concat, expandDims, pad, reshape, slice, squeeze, stack, tensor, transpose, zeros,
} from '../src/index.js';
import { randomValues } from './helpers.js';

describe('reshape, expandDims, squeeze', () => {
  it('reshape keeps the values in row-major order and infers one -1', () => {
    const x = arange(6);
    expect(reshape(x, [2, 3]).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(reshape(x, [-1]).shape).toEqual([6]);
    expect(reshape(tensor([[5]]), []).item()).toBe(5);
    expect(reshape(zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
    expect(reshape(x, [6])).toBe(x);
  });

  it('reshape rejects shapes of the wrong size, two -1s and bad entries', () => {
    expect(() => reshape(arange(6), [4, 2])).toThrow(/reshape: cannot reshape \[6\] \(6 elements\) into \[4, 2\] \(8 elements\)/);
    expect(() => reshape(arange(6), [4, -1])).toThrow(/cannot reshape \[6\] \(6 elements\) into \[4, -1\]/);
    expect(() => reshape(arange(6), [-1, -1])).toThrow(/reshape: at most one -1/);
    expect(() => reshape(arange(6), [2, 3.5] as number[])).toThrow(/reshape: shape: expected an array of non-negative integers/);
    expect(() => reshape(arange(6), 6 as unknown as number[])).toThrow(/reshape: shape must be an array/);
  });

  it('expandDims inserts a size-1 axis anywhere, counting negatives from the end', () => {
    const x = zeros([2, 3]);
    expect(expandDims(x).shape).toEqual([1, 2, 3]);
    expect(expandDims(x, 2).shape).toEqual([2, 3, 1]);
    expect(expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expect(expandDims(x, -3).shape).toEqual([1, 2, 3]);
    expect(() => expandDims(x, 3)).toThrow(/axis: axis 3 is out of range for a tensor of rank 3/);
  });

  it('squeeze removes size-1 axes and refuses others', () => {
    expect(squeeze(zeros([1, 3, 1])).shape).toEqual([3]);
    expect(squeeze(zeros([1, 3, 1]), -1).shape).toEqual([1, 3]);
    expect(squeeze(zeros([1, 1])).shape).toEqual([]);
    expect(() => squeeze(zeros([1, 3]), 1)).toThrow(/squeeze: axis 1 of shape \[1, 3\] has size 3, not 1/);
    expect(() => squeeze(zeros([1, 3]), 2)).toThrow(/axis: axis 2 is out of range/);
  });
});

describe('transpose', () => {
  it('reverses the axes by default and follows perm otherwise', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(transpose(x).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const y = reshape(arange(24), [2, 3, 4]);
    const p = transpose(y, [1, 2, 0]);
    expect(p.shape).toEqual([3, 4, 2]);
    const values = p.dataSync();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 2; k++) expect(values[(i * 4 + j) * 2 + k]).toBe(k * 12 + i * 4 + j);
    expect(transpose(y, [-1, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(transpose(y, [0, 1, 2])).toBe(y);
  });

  it('transposes large matrices (the tiled path) correctly', () => {
    const [r, c] = [67, 45];
    const values = randomValues(r * c, 8);
    const out = transpose(tensor(values, [r, c], 'float64')).dataSync();
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expect(out[j * r + i]).toBe(values[i * c + j]);
    const batched = transpose(tensor(values.slice(0, 3 * 20 * 15), [3, 20, 15], 'float64'), [0, 2, 1]).dataSync();
    for (let b = 0; b < 3; b++) for (let i = 0; i < 20; i++) for (let j = 0; j < 15; j++) expect(batched[(b * 15 + j) * 20 + i]).toBe(values[(b * 20 + i) * 15 + j]);
  });

  it('rejects perms that are not permutations', () => {
    expect(() => transpose(zeros([2, 3]), [0, 0])).toThrow(/transpose: perm \[0,0\] is not a permutation of the 2 axes of shape \[2, 3\]/);
    expect(() => transpose(zeros([2, 3]), [0])).toThrow(/not a permutation/);
    expect(() => transpose(zeros([2, 3]), [0, 2])).toThrow(/perm: axis 2 is out of range/);
    expect(() => transpose(zeros([2, 3]), 1 as unknown as number[])).toThrow(/transpose: perm must be an array/);
  });
});

describe('broadcastTo', () => {
  it('repeats along size-1 and new axes', () => {
    expect(broadcastTo(tensor([1, 2]), [3, 2]).toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(broadcastTo(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(broadcastTo(tensor(7), [2, 2]).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(broadcastTo(tensor([[1, 2]]), [2, 0, 2]).shape).toEqual([2, 0, 2]);
    const x = tensor([[1, 2]]);
    expect(broadcastTo(x, [1, 2])).toBe(x);
  });

  it('refuses to shrink or reshape', () => {
    expect(() => broadcastTo(tensor([1, 2]), [3])).toThrow(/broadcastTo: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => broadcastTo(zeros([3, 1]), [3])).toThrow(/broadcastTo: shape \[3, 1\] cannot be broadcast to \[3\]/);
    expect(() => broadcastTo(zeros([3]), [-1])).toThrow(/broadcastTo: shape: expected an array of non-negative integers/);
  });
});

describe('slice', () => {
  const x = reshape(arange(24), [2, 3, 4]);

  it('takes a box, with -1 sizes, negative begins and short lists', () => {
    expect(slice(arange(10), [2], [3]).toArray()).toEqual([2, 3, 4]);
    expect(slice(x, [1, 1, 1], [1, 2, 2]).toArray()).toEqual([[[17, 18], [21, 22]]]);
    expect(slice(x, [0, 2], [-1, 1]).toArray()).toEqual([[[8, 9, 10, 11]], [[20, 21, 22, 23]]]);
    expect(slice(x, [1]).toArray()).toEqual([(x.toArray() as number[][][])[1]]);
    expect(slice(arange(10), [-3]).toArray()).toEqual([7, 8, 9]);
    expect(slice(arange(10), [4], [0]).shape).toEqual([0]);
    expect(slice(x, [0, 0, 3], [2, 3, 1]).toArray()).toEqual([[[3], [7], [11]], [[15], [19], [23]]]);
  });

  it('rejects boxes outside the tensor, naming the axis', () => {
    expect(() => slice(arange(10), [8], [3])).toThrow(/slice: axis 0 begins at 8 with size 3, outside the extent 10 of shape \[10\]/);
    expect(() => slice(arange(10), [11])).toThrow(/slice: axis 0 begins at 11/);
    expect(() => slice(arange(10), [-11])).toThrow(/slice: axis 0 begins at -1/);
    expect(() => slice(arange(10), [0.5])).toThrow(/slice: begin\[0\] must be an integer, got 0.5/);
    expect(() => slice(arange(10), [0], [-2])).toThrow(/slice: size\[0\] must be a non-negative integer or -1, got -2/);
    expect(() => slice(arange(10), [0, 0])).toThrow(/slice: begin must be an array of at most 1 integers for shape \[10\]/);
    expect(() => slice(x, [0, 0], [1])).toThrow(/slice: size must have as many entries as begin \(2\)/);
  });
});

describe('concat and stack', () => {
  it('concat joins along any axis and promotes dtypes', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([a, tensor([[9], [8]])], 1).toArray()).toEqual([[1, 2, 9], [3, 4, 8]]);
    expect(concat([a, tensor([[9], [8]])], -1).shape).toEqual([2, 3]);
    expect(concat([tensor([1], undefined, 'int32'), tensor([0.5], undefined, 'float64')]).dtype).toBe('float64');
    expect(concat([a])).toBe(a);
    expect(concat([zeros([0, 2]), a]).toArray()).toEqual(a.toArray());
  });

  it('concat copies long blocks along inner axes', () => {
    const a = reshape(arange(2 * 3 * 40), [2, 3, 40]);
    const b = reshape(arange(2 * 2 * 40, 0, -1), [2, 2, 40]);
    const out = concat([a, b], 1);
    expect(out.shape).toEqual([2, 5, 40]);
    const av = a.toArray() as number[][][];
    const bv = b.toArray() as number[][][];
    expect(out.toArray()).toEqual([[...av[0]!, ...bv[0]!], [...av[1]!, ...bv[1]!]]);
  });

  it('concat rejects mismatched shapes, naming the tensor and both shapes', () => {
    expect(() => concat([zeros([2, 2]), zeros([2, 3])], 0)).toThrow(/concat: xs\[1\] has shape \[2, 3\], which does not match xs\[0\] \[2, 2\] outside axis 0/);
    expect(() => concat([zeros([2]), zeros([2, 1])])).toThrow(/xs\[1\] has shape \[2, 1\]/);
    expect(() => concat([])).toThrow(/concat: expected a non-empty array of tensors/);
    expect(() => concat([zeros([2])], 1)).toThrow(/axis: axis 1 is out of range/);
  });

  it('stack adds a new axis', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([a, b], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([a, b], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(() => stack([a, tensor([1, 2, 3])])).toThrow(/concat: xs\[1\] has shape \[1, 3\]/);
    expect(() => stack([])).toThrow(/stack: expected a non-empty array/);
  });
});

describe('pad', () => {
  it('pads each axis with the value', () => {
    expect(pad(tensor([1, 2]), [[1, 0]]).toArray()).toEqual([0, 1, 2]);
    expect(pad(tensor([[1, 2], [3, 4]]), [[0, 1], [2, 0]], 9).toArray()).toEqual([[9, 9, 1, 2], [9, 9, 3, 4], [9, 9, 9, 9]]);
    expect(pad(zeros([0, 1]), [[1, 1], [0, 0]], 5).toArray()).toEqual([[5], [5]]);
    const x = tensor([1]);
    expect(pad(x, [[0, 0]])).toBe(x);
    expect(pad(tensor([1], undefined, 'int32'), [[1, 1]], -1).toArray()).toEqual([-1, 1, -1]);
  });

  it('rejects malformed paddings', () => {
    expect(() => pad(zeros([2, 2]), [[1, 1]])).toThrow(/pad: paddings must have one \[before, after\] pair per axis \(2\) of shape \[2, 2\]/);
    expect(() => pad(zeros([2]), [[1, -1]])).toThrow(/pad: paddings\[0\] must be two non-negative integers, got \[1,-1\]/);
    expect(() => pad(zeros([2]), [[1]] as unknown as [number, number][])).toThrow(/paddings\[0\]/);
  });
});
