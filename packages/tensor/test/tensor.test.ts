import { describe, expect, it } from 'vitest';
import { arange, reshape, scalar, tensor, zeros } from '../src/index.js';

describe('Tensor', () => {
  it('reports shape, dtype, size and rank', () => {
    const t = zeros([2, 3, 4], 'float64');
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.dtype).toBe('float64');
    expect(t.size).toBe(24);
    expect(t.rank).toBe(3);
    expect(scalar(1).rank).toBe(0);
    expect(scalar(1).size).toBe(1);
    expect(zeros([3, 0]).size).toBe(0);
  });

  it('has a frozen shape', () => {
    const t = zeros([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('dataSync returns a fresh copy each time', () => {
    const t = tensor([1, 2, 3]);
    const first = t.dataSync();
    expect(first).toBeInstanceOf(Float32Array);
    first[0] = 99;
    expect(t.dataSync()[0]).toBe(1);
    expect(t.dataSync()).not.toBe(t.dataSync());
    expect(tensor([1], undefined, 'int32').dataSync()).toBeInstanceOf(Int32Array);
    expect(tensor([1], undefined, 'float64').dataSync()).toBeInstanceOf(Float64Array);
  });

  it('reshape shares values without letting either tensor change the other', () => {
    const t = arange(6);
    const r = reshape(t, [2, 3]);
    expect(r.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    r.dataSync()[0] = 42;
    expect(t.dataSync()[0]).toBe(0);
  });

  it('toArray nests by shape; a scalar gives a number', () => {
    expect(tensor([[[1, 2]], [[3, 4]]]).toArray()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(scalar(5).toArray()).toBe(5);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it('item reads a one-element tensor of any rank and rejects others', () => {
    expect(tensor([[4.5]]).item()).toBe(4.5);
    expect(() => tensor([1, 2]).item()).toThrow(/item\(\): expected a tensor with exactly one element, got shape \[2\]/);
    expect(() => zeros([0]).item()).toThrow(/got shape \[0\]/);
  });

  it('dispose makes later reads fail clearly', () => {
    const t = tensor([1, 2]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(/disposed/);
  });
});

describe('Tensor.toString', () => {
  it('prints small float tensors in full, PyTorch style', () => {
    expect(tensor([1, 2.5, -3]).toString()).toBe('tensor([ 1.0000,  2.5000, -3.0000], shape=[3], dtype=float32)');
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)');
    expect(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]).toString()).toBe(
      'tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]], shape=[2, 2, 2], dtype=float32)',
    );
  });

  it('prints ints without a decimal point, and scalars and empty tensors', () => {
    expect(tensor([[1, -20], [3, 4]], undefined, 'int32').toString()).toBe('tensor([[  1, -20],\n        [  3,   4]], shape=[2, 2], dtype=int32)');
    expect(scalar(3.25).toString()).toBe('tensor(3.2500, shape=[], dtype=float32)');
    expect(tensor([]).toString()).toBe('tensor([], shape=[0], dtype=float32)');
  });

  it('switches to scientific notation for wide ranges and prints nan and inf', () => {
    expect(tensor([1e-5, 1, 100]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00, 1.0000e+02], shape=[3], dtype=float32)');
    expect(tensor([NaN, Infinity, -1.5]).toString()).toBe('tensor([    nan,     inf, -1.5000], shape=[3], dtype=float32)');
  });

  it('abbreviates a 2000-element tensor to its corners', () => {
    expect(arange(2000).toString()).toBe('tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.], shape=[2000], dtype=float32)');
    const text = reshape(arange(2000), [40, 50]).toString();
    expect(text.split('\n')).toEqual([
      'tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],',
      '        [  50.,   51.,   52., ...,   97.,   98.,   99.],',
      '        [ 100.,  101.,  102., ...,  147.,  148.,  149.],',
      '        ...,',
      '        [1850., 1851., 1852., ..., 1897., 1898., 1899.],',
      '        [1900., 1901., 1902., ..., 1947., 1948., 1949.],',
      '        [1950., 1951., 1952., ..., 1997., 1998., 1999.]], shape=[40, 50], dtype=float32)',
    ]);
  });

  it('does not abbreviate 1000 elements', () => {
    const text = arange(1000).toString();
    expect(text).not.toContain('...');
    expect(text).toContain(' 999.]');
  });
});
