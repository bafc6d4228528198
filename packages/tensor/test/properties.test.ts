/**
 * Property tests: random shapes and values through the cpu kernels, checked against laws that
 * must hold whatever path (same-shape, scalar, inner broadcast, general strided) a kernel takes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, broadcastShapes, concat, logSumExp, matmul, max, mul, pad, reshape, slice, sum, tensor, transpose,
  type Shape,
} from '../src/index.js';
import { expectClose } from './helpers.js';

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** A shape of rank 0..4 with extents 0..5 (mostly non-zero). */
const shapeArb = fc.array(fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) }), { minLength: 0, maxLength: 4 });

/** A shape and float64 values for it. Values are multiples of 1/8, so sums are exact in float64. */
const tensorArb = shapeArb.chain((shape) =>
  fc.array(fc.integer({ min: -64, max: 64 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((ints) => ({ shape, values: ints.map((v) => v / 8) })),
);

/** Two shapes that broadcast: the second drops leading axes and sets some extents to 1. */
const broadcastPairArb = shapeArb.chain((shape) =>
  fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.boolean())
    .map(([drop, ones, swap]) => {
      const other = shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return swap ? [other, shape] as const : [shape, other] as const;
    }),
);

function permutationOf(rank: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });
}

describe('properties of the cpu kernels', () => {
  it('the sum over all axes equals the sum of the sums over any one axis', () => {
    fc.assert(fc.property(tensorArb, fc.nat(), ({ shape, values }, pick) => {
      const t = tensor(values, shape, 'float64');
      const total = sum(t).item();
      expect(total).toBe(values.reduce((a, b) => a + b, 0));
      if (shape.length > 0) expect(sum(sum(t, pick % shape.length)).item()).toBe(total);
    }), { numRuns: 150 });
  });

  it('max over a set of axes equals max of max over its parts; logSumExp likewise', () => {
    fc.assert(fc.property(tensorArb.filter(({ shape }) => shape.length >= 2 && sizeOf(shape) > 0), ({ shape, values }) => {
      const t = tensor(values, shape, 'float64');
      const last = shape.length - 1;
      expectClose(max(t, [0, last]), max(max(t, last), 0).dataSync(), { rtol: 0, atol: 0 });
      expectClose(logSumExp(t, [0, last]), logSumExp(logSumExp(t, last), 0).dataSync(), { rtol: 1e-12, atol: 1e-12 });
    }), { numRuns: 100 });
  });

  it('transposing by a permutation and then by its inverse is the identity', () => {
    fc.assert(fc.property(tensorArb.chain((t) => permutationOf(t.shape.length).map((perm) => ({ ...t, perm }))), ({ shape, values, perm }) => {
      const t = tensor(values, shape, 'float64');
      const inverse = perm.map((_, i) => perm.indexOf(i));
      const there = transpose(t, perm);
      expect(there.shape).toEqual(perm.map((a) => shape[a]));
      const back = transpose(there, inverse);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.dataSync())).toEqual(values);
    }), { numRuns: 150 });
  });

  it('broadcast add and mul agree with adding explicitly broadcast copies', () => {
    fc.assert(fc.property(broadcastPairArb, fc.integer(), ([aShape, bShape], seed) => {
      const a = tensor(Array.from({ length: sizeOf(aShape) }, (_, i) => ((i * 7 + seed) % 13) - 6), aShape, 'float64');
      const b = tensor(Array.from({ length: sizeOf(bShape) }, (_, i) => ((i * 5 + seed) % 11) - 5), bShape, 'float64');
      const outShape = broadcastShapes(aShape, bShape);
      const sumAB = add(a, b);
      expect(sumAB.shape).toEqual(outShape);
      // The reference reads each operand by right-aligned coordinates, an extent-1 axis always at 0.
      const av = a.dataSync();
      const bv = b.dataSync();
      const at = (values: Float64Array | Float32Array | Int32Array, shape: Shape, coords: number[]): number => {
        let offset = 0;
        for (let i = 0; i < shape.length; i++) offset = offset * shape[i]! + (shape[i] === 1 ? 0 : coords[coords.length - shape.length + i]!);
        return values[offset]!;
      };
      const expectedSum: number[] = [];
      const expectedProduct: number[] = [];
      const coords = new Array<number>(outShape.length).fill(0);
      for (let flat = 0; flat < sizeOf(outShape); flat++) {
        let rest = flat;
        for (let i = outShape.length - 1; i >= 0; i--) {
          coords[i] = rest % outShape[i]!;
          rest = Math.floor(rest / outShape[i]!);
        }
        expectedSum.push(at(av, aShape, coords) + at(bv, bShape, coords));
        expectedProduct.push(at(av, aShape, coords) * at(bv, bShape, coords));
      }
      expect(Array.from(sumAB.dataSync())).toEqual(expectedSum);
      expect(Array.from(mul(a, b).dataSync())).toEqual(expectedProduct);
    }), { numRuns: 200 });
  });

  it('matmul agrees with the triple loop on random shapes, batches and transposes', () => {
    const dims = fc.integer({ min: 1, max: 40 });
    fc.assert(fc.property(dims, dims, dims, fc.constantFrom([], [1], [3], [2, 1]), fc.constantFrom([], [1], [3], [1, 2]),
      fc.boolean(), fc.boolean(), (m, k, n, aBatch, bBatch, ta, tb) => {
        let batch: number[];
        try {
          batch = broadcastShapes(aBatch, bBatch);
        } catch {
          return;
        }
        const aShape = [...aBatch, ...(ta ? [k, m] : [m, k])];
        const bShape = [...bBatch, ...(tb ? [n, k] : [k, n])];
        const av = Array.from({ length: sizeOf(aShape) }, (_, i) => ((i * 31) % 17) / 4 - 2);
        const bv = Array.from({ length: sizeOf(bShape) }, (_, i) => ((i * 23) % 19) / 4 - 2);
        const out = matmul(tensor(av, aShape, 'float64'), tensor(bv, bShape, 'float64'), ta, tb);
        expect(out.shape).toEqual([...batch, m, n]);
        const values = out.dataSync();
        const batches = sizeOf(batch);
        const aMat = m * k;
        const bMat = k * n;
        const aCount = sizeOf(aBatch);
        const bCount = sizeOf(bBatch);
        for (let t = 0; t < batches; t++) {
          // With these batch shapes a batch index maps to an operand matrix by a simple rule.
          const ao = (aCount === 1 ? 0 : batches === aCount ? t : Math.floor(t / (batches / aCount))) * aMat;
          const bo = (bCount === 1 ? 0 : batches === bCount ? t : t % bCount) * bMat;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += av[ao + (ta ? p * m + i : i * k + p)]! * bv[bo + (tb ? j * k + p : p * n + j)]!;
              const got = values[(t * m + i) * n + j]!;
              if (Math.abs(got - s) > 1e-9 * (1 + Math.abs(s))) expect.fail(`batch ${t} (${i}, ${j}): got ${got}, expected ${s}`);
            }
          }
        }
      }), { numRuns: 60 });
  });

  it('slicing the parts back out of a concat recovers them', () => {
    fc.assert(fc.property(shapeArb.filter((s) => s.length > 0), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.nat(),
      (shape, extra1, extra2, axisPick) => {
        const axis = axisPick % shape.length;
        const withExtent = (e: number): number[] => shape.map((d, i) => (i === axis ? e : d));
        const parts = [shape, withExtent(extra1), withExtent(extra2)].map((s, k) =>
          tensor(Array.from({ length: sizeOf(s) }, (_, i) => i + 1000 * k), s, 'float64'));
        const joined = concat(parts, axis);
        let begin = 0;
        for (const part of parts) {
          const b = shape.map((_, i) => (i === axis ? begin : 0));
          const size = part.shape.map((d) => d);
          expect(Array.from(slice(joined, b, size).dataSync())).toEqual(Array.from(part.dataSync()));
          begin += part.shape[axis]!;
        }
      }), { numRuns: 150 });
  });

  it('slicing the interior out of a padded tensor recovers it; the border holds the value', () => {
    fc.assert(fc.property(tensorArb.filter(({ shape }) => shape.length > 0), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 4, maxLength: 4 }),
      ({ shape, values }, pads) => {
        const paddings = shape.map((_, i) => pads[i]!) as [number, number][];
        const t = tensor(values, shape, 'float64');
        const padded = pad(t, paddings, 0.5);
        expect(padded.shape).toEqual(shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]));
        const inner = slice(padded, paddings.map((p) => p[0]), shape);
        expect(Array.from(inner.dataSync())).toEqual(values);
        const border = sizeOf(padded.shape) - sizeOf(shape);
        expect(sum(padded).item()).toBeCloseTo(values.reduce((a, b) => a + b, 0) + 0.5 * border, 9);
      }), { numRuns: 150 });
  });

  it('reshape to -1 and back is the identity', () => {
    fc.assert(fc.property(tensorArb, ({ shape, values }) => {
      const t = tensor(values, shape, 'float64');
      const flat = reshape(t, [-1]);
      expect(flat.shape).toEqual([sizeOf(shape)]);
      expect(Array.from(reshape(flat, shape).dataSync())).toEqual(values);
    }), { numRuns: 50 });
  });
});
