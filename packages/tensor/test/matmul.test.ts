import { describe, expect, it } from 'vitest';
import { broadcastShapes, matmul, tensor, transpose, zeros, type DType, type Shape } from '../src/index.js';
import { broadcastOffset, expectClose, randomValues } from './helpers.js';

/**
 * out = op(a) @ op(b) by the textbook triple loop over every batch, with broadcast batch axes
 * resolved by index arithmetic.
 */
function naiveMatmul(
  a: number[], aShape: Shape, b: number[], bShape: Shape, transposeA = false, transposeB = false,
): { values: number[]; shape: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const [aRows, aCols] = [aShape[ra - 2]!, aShape[ra - 1]!];
  const [bRows, bCols] = [bShape[rb - 2]!, bShape[rb - 1]!];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
  const batches = batch.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  for (let t = 0; t < batches; t++) {
    const ao = broadcastOffset(t, batch, aShape.slice(0, -2), aRows * aCols);
    const bo = broadcastOffset(t, batch, bShape.slice(0, -2), bRows * bCols);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[ao + p * aCols + i]! : a[ao + i * aCols + p]!;
          const bv = transposeB ? b[bo + j * bCols + p]! : b[bo + p * bCols + j]!;
          s += av * bv;
        }
        values.push(s);
      }
    }
  }
  return { values, shape: [...batch, m, n] };
}

function check(aShape: Shape, bShape: Shape, transposeA = false, transposeB = false, dtype: DType = 'float64', seed = 1): void {
  const a = randomValues(aShape.reduce((p, d) => p * d, 1), seed);
  const b = randomValues(bShape.reduce((p, d) => p * d, 1), seed + 1);
  const expected = naiveMatmul(a, aShape, b, bShape, transposeA, transposeB);
  const out = matmul(tensor(a, aShape, dtype), tensor(b, bShape, dtype), transposeA, transposeB);
  expect(out.shape).toEqual(expected.shape);
  expect(out.dtype).toBe(dtype);
  expectClose(out, expected.values, dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-5 });
}

describe('matmul', () => {
  it('multiplies small matrices exactly', () => {
    expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).toArray()).toEqual([[11]]);
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
  });

  it('matches the triple loop on small, thin and large matrices', () => {
    const sizes: [number, number, number][] = [[1, 1, 1], [2, 3, 4], [5, 1, 7], [7, 9, 1], [1, 20, 30], [33, 17, 45], [64, 64, 64], [37, 300, 29], [5, 64, 130]];
    let seed = 1;
    for (const [m, k, n] of sizes) {
      check([m, k], [k, n], false, false, 'float64', seed);
      check([m, k], [k, n], false, false, 'float32', seed++);
    }
  });

  it('transposes either operand without changing the result', () => {
    for (const [m, k, n] of [[3, 4, 5], [40, 50, 36], [1, 33, 70], [70, 33, 2]] as const) {
      check([k, m], [k, n], true, false);
      check([m, k], [n, k], false, true);
      check([k, m], [n, k], true, true);
      check([k, m], [n, k], true, true, 'float32');
    }
    const a = tensor(randomValues(12, 3), [4, 3]);
    const b = tensor(randomValues(20, 4), [4, 5]);
    expectClose(matmul(a, b, true), matmul(transpose(a), b).dataSync(), { rtol: 1e-6 });
  });

  it('runs batches and broadcasts batch axes', () => {
    check([3, 4, 5], [3, 5, 2]);
    check([2, 1, 4, 5], [3, 5, 6]);
    check([1, 4, 5], [6, 3, 5], false, true);
    check([2, 3, 40, 50], [1, 40, 36], true, false);
    check([4, 40, 50], [50, 36]);
    check([40, 50], [3, 50, 36], false, false, 'float32');
  });

  it('promotes 1-D operands like NumPy and removes the added axis', () => {
    const v = tensor([1, 2, 3]);
    const m = tensor([[1, 0], [0, 1], [1, 1]]);
    expect(matmul(v, m).shape).toEqual([2]);
    expect(Array.from(matmul(v, m).dataSync())).toEqual([4, 5]);
    expect(Array.from(matmul(transpose(m), v).dataSync())).toEqual([4, 5]);
    expect(matmul(v, v).shape).toEqual([]);
    expect(matmul(v, v).item()).toBe(14);
    expect(matmul(zeros([4, 2, 3]), v).shape).toEqual([4, 2]);
  });

  it('keeps int32 and float64, promotes mixed dtypes', () => {
    const ai = tensor([[1, 2], [3, 4]], undefined, 'int32');
    const out = matmul(ai, ai);
    expect(out.dtype).toBe('int32');
    expect(out.toArray()).toEqual([[7, 10], [15, 22]]);
    expect(matmul(ai, tensor([[0.5], [0.5]])).dtype).toBe('float32');
    // float64 keeps the 1e-9 that float32 rounds away.
    const x = tensor([[1 + 1e-9, 1]], undefined, 'float64');
    const y = tensor([[1], [-1]], undefined, 'float64');
    expect(matmul(x, y).item()).toBeCloseTo(1e-9, 15);
    expect(matmul(tensor([[1 + 1e-9, 1]]), tensor([[1], [-1]])).item()).toBe(0);
  });

  it('handles zero-size operands', () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(matmul(zeros([0, 4]), zeros([4, 3])).shape).toEqual([0, 3]);
    expect(matmul(zeros([0, 2, 4]), zeros([4, 3])).shape).toEqual([0, 2, 3]);
  });

  it('rejects mismatched inner dimensions, naming both shapes', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: a \[2, 3\] has 3 columns, b \[4, 5\] has 4 rows/);
    expect(() => matmul(zeros([2, 3]), zeros([2, 5]), true, true)).toThrow(/a \[2, 3\] \(transposed\) has 2 columns, b \[2, 5\] \(transposed\) has 5 rows/);
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4]))).toThrow(/matmul batch axes: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => matmul(tensor(1), zeros([2]))).toThrow(/matmul: operands must have rank >= 1, got shapes \[\] and \[2\]/);
    expect(() => matmul('a' as unknown as number[], zeros([2]))).toThrow(/a: expected a Tensor/);
  });
});
