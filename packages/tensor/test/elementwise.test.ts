import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import {
  add, BINARY_OPS, broadcastShapes, cast, clip, div, equal, expm1, log1p, mul, pow, relu, round, sigmoid, sign, softplus,
  sub, tensor, UNARY_OPS, where, zeros, type BinaryOp, type Shape, type Tensor, type UnaryOp,
} from '../src/index.js';
import { BINARY_A, BINARY_B, BINARY_EXPECTED, UNARY_EXPECTED, UNARY_INPUT } from './fixtures.js';
import { broadcastOffset, expectClose, randomValues } from './helpers.js';

const unaryFns: Record<UnaryOp, (x: Tensor) => Tensor> = {
  neg: T.neg, exp: T.exp, expm1: T.expm1, log: T.log, log1p: T.log1p, sqrt: T.sqrt, rsqrt: T.rsqrt, square: T.square,
  reciprocal: T.reciprocal, abs: T.abs, sign: T.sign, tanh: T.tanh, sigmoid: T.sigmoid, softplus: T.softplus, relu: T.relu,
  floor: T.floor, ceil: T.ceil, round: T.round, sin: T.sin, cos: T.cos, erf: T.erf,
};

const binaryFns: Record<BinaryOp, (a: T.TensorLike, b: T.TensorLike) => Tensor> = {
  add: T.add, sub: T.sub, mul: T.mul, div: T.div, pow: T.pow, maximum: T.maximum, minimum: T.minimum, equal: T.equal,
  notEqual: T.notEqual, less: T.less, lessEqual: T.lessEqual, greater: T.greater, greaterEqual: T.greaterEqual,
};

/** The scalar meaning of each binary op, for the naive broadcasting reference. */
const binaryScalar: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: Math.pow,
  maximum: Math.max, minimum: Math.min, equal: (a, b) => +(a === b), notEqual: (a, b) => +(a !== b),
  less: (a, b) => +(a < b), lessEqual: (a, b) => +(a <= b), greater: (a, b) => +(a > b), greaterEqual: (a, b) => +(a >= b),
};

/** NumPy broadcasting by explicit index arithmetic: slow and obviously right. */
function naiveBroadcast(fn: (a: number, b: number) => number, a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>, bShape: Shape): number[] {
  const out = broadcastShapes(aShape, bShape);
  const size = out.reduce((p, d) => p * d, 1);
  return Array.from({ length: size }, (_, i) => fn(a[broadcastOffset(i, out, aShape)]!, b[broadcastOffset(i, out, bShape)]!));
}

describe('unary ops', () => {
  it('lists every op in UNARY_OPS', () => {
    expect([...UNARY_OPS].sort()).toEqual(Object.keys(UNARY_EXPECTED).sort());
  });

  for (const op of UNARY_OPS) {
    it(`${op} matches NumPy in float64 and float32`, () => {
      const expected = UNARY_EXPECTED[op];
      const out64 = unaryFns[op](tensor(UNARY_INPUT, undefined, 'float64'));
      expect(out64.dtype).toBe('float64');
      expectClose(out64, expected, { rtol: 1e-14, atol: 1e-15 });
      const out32 = unaryFns[op](tensor(UNARY_INPUT));
      expect(out32.dtype).toBe('float32');
      expectClose(out32, expected, { rtol: 2e-7, atol: 1e-7 });
    });
  }

  it('keeps int32 for neg, square, abs, sign, relu, floor, ceil, round and gives float32 otherwise', () => {
    const x = tensor([-3, 0, 2], undefined, 'int32');
    for (const op of UNARY_OPS) {
      const out = unaryFns[op](x);
      const intOps = ['neg', 'square', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round'];
      expect(out.dtype, op).toBe(intOps.includes(op) ? 'int32' : 'float32');
    }
    expect(Array.from(T.square(x).dataSync())).toEqual([9, 0, 4]);
    expect(Array.from(T.relu(x).dataSync())).toEqual([0, 0, 2]);
    expectClose(T.exp(x), [Math.exp(-3), 1, Math.exp(2)], { rtol: 1e-7 });
  });

  it('int32 square wraps like int32 arithmetic', () => {
    expect(T.square(tensor([65536], undefined, 'int32')).item()).toBe(0);
    expect(T.square(tensor([46341], undefined, 'int32')).item()).toBe(-2147479015);
  });

  it('sigmoid and softplus stay finite and exact for |x| up to 1e4', () => {
    const x = tensor([-1e4, -800, -100, -30, 30, 100, 800, 1e4], undefined, 'float64');
    const s = sigmoid(x).dataSync();
    expect(Array.from(s.slice(4))).toEqual([1 / (1 + Math.exp(-30)), 1, 1, 1]);
    expect(s[0]).toBe(0);
    expect(s[2]).toBeCloseTo(Math.exp(-100), 300);
    expect(s[3]! / Math.exp(-30)).toBeCloseTo(1, 12);
    const sp = softplus(x).dataSync();
    expect(sp[0]).toBe(0);
    expect(sp[2]! / Math.exp(-100)).toBeCloseTo(1, 12);
    expect(Array.from(sp.slice(5))).toEqual([100, 800, 1e4]);
    expect(Array.from(softplus(tensor([-1e4, 1e4])).dataSync())).toEqual([0, 1e4]);
  });

  it('log1p and expm1 are accurate near zero', () => {
    const x = tensor([1e-10, -1e-12], undefined, 'float64');
    expectClose(log1p(x), [1e-10 - 5e-21, -1e-12 - 5e-25], { rtol: 1e-15 });
    expectClose(expm1(x), [1e-10 + 5e-21, -1e-12 + 5e-25], { rtol: 1e-15 });
  });

  it('round sends halves away from zero; sign(0) is 0; relu keeps NaN', () => {
    expect(Array.from(round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997])).dataSync())).toEqual([-3, -2, -1, 1, 2, 3, 0]);
    expect(Array.from(sign(tensor([-0.1, 0, 7])).dataSync())).toEqual([-1, 0, 1]);
    expect(Array.from(relu(tensor([NaN, -1, 2])).dataSync())).toEqual([NaN, 0, 2]);
  });

  it('rejects non-tensors with the argument name', () => {
    expect(() => T.exp('x' as unknown as Tensor)).toThrow(/x: expected a Tensor, a number or an array of numbers, got string/);
    expect(() => T.exp([[1], [2, 3]])).toThrow(/x: ragged nested array/);
  });
});

describe('binary ops', () => {
  for (const op of BINARY_OPS) {
    it(`${op} matches NumPy in float64 and float32`, () => {
      const out64 = binaryFns[op](tensor(BINARY_A, undefined, 'float64'), tensor(BINARY_B, undefined, 'float64'));
      expect(out64.dtype).toBe('float64');
      expectClose(out64, BINARY_EXPECTED[op], { rtol: 1e-15 });
      expectClose(binaryFns[op](tensor(BINARY_A), tensor(BINARY_B)), BINARY_EXPECTED[op], { rtol: 2e-7 });
    });
  }

  it('pow follows Math.pow', () => {
    const out = pow(tensor([-8, 0, -2, 1, 4]), tensor([1 / 3, -1, 0.5, NaN, 0.5])).dataSync();
    expect(Array.from(out)).toEqual([NaN, Infinity, NaN, NaN, 2]);
    expect(pow(tensor([3]), 2).item()).toBe(9);
  });

  it('maximum and minimum propagate NaN', () => {
    expect(Array.from(T.maximum(tensor([NaN, 1]), tensor([1, NaN])).dataSync())).toEqual([NaN, NaN]);
    expect(Array.from(T.minimum(tensor([NaN, 1]), 0).dataSync())).toEqual([NaN, 0]);
  });

  it('comparisons return 1/0 in the promoted dtype', () => {
    const out = equal(tensor([1, 2], undefined, 'int32'), tensor([1, 3], undefined, 'int32'));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([1, 0]);
    expect(T.less(tensor([1]), tensor([2], undefined, 'float64')).dtype).toBe('float64');
  });

  it('accepts numbers and arrays on either side', () => {
    expect(Array.from(sub(10, tensor([1, 2])).dataSync())).toEqual([9, 8]);
    expect(Array.from(sub(tensor([1, 2]), 10).dataSync())).toEqual([-9, -8]);
    expect(add([1, 2], [[10], [20]]).toArray()).toEqual([[11, 12], [21, 22]]);
    expect(add(1, 2).item()).toBe(3);
  });
});

describe('broadcasting', () => {
  const cases: [string, Shape, Shape][] = [
    ['same shape', [2, 3], [2, 3]],
    ['scalar right', [2, 3], []],
    ['scalar left', [], [4]],
    ['one-element tensor', [2, 3], [1, 1]],
    ['row vector [N, C] op [C]', [4, 5], [5]],
    ['column [N, C] op [N, 1]', [4, 5], [4, 1]],
    ['column on the left [N, 1] op [N, C]', [4, 1], [4, 5]],
    ['outer product [N, 1] op [1, C]', [3, 1], [1, 4]],
    ['middle axis [2, 1, 4] op [2, 3, 4]', [2, 1, 4], [2, 3, 4]],
    ['rank mismatch [3, 1, 5] op [4, 1]', [3, 1, 5], [4, 1]],
    ['inner broadcast of a batch [2, 3, 4] op [2, 3, 1]', [2, 3, 4], [2, 3, 1]],
    ['both broadcast [1, 3, 1, 2] op [2, 1, 4, 1]', [1, 3, 1, 2], [2, 1, 4, 1]],
    ['long rows [3, 40] op [40]', [3, 40], [40]],
    ['size-1 everywhere [1, 1, 1] op [1]', [1, 1, 1], [1]],
  ];
  for (const [name, aShape, bShape] of cases) {
    it(`${name} agrees with index arithmetic for every op`, () => {
      const aValues = randomValues(aShape.reduce((p, d) => p * d, 1), 1).map((v) => Math.round(v * 4) / 2);
      const bValues = randomValues(bShape.reduce((p, d) => p * d, 1), 2).map((v) => Math.round(v * 4) / 2 + 0.25);
      const a = tensor(aValues, aShape, 'float64');
      const b = tensor(bValues, bShape, 'float64');
      for (const op of BINARY_OPS) {
        const out = binaryFns[op](a, b);
        expect(out.shape, op).toEqual(broadcastShapes(aShape, bShape));
        expectClose(out, naiveBroadcast(binaryScalar[op], aValues, aShape, bValues, bShape), { rtol: 1e-15 });
      }
    });
  }

  it('broadcasts zero-size axes to zero-size results', () => {
    expect(add(zeros([0]), zeros([3, 1])).shape).toEqual([3, 0]);
    expect(add(zeros([0, 3]), 1).shape).toEqual([0, 3]);
    expect(mul(zeros([2, 0]), zeros([1, 0])).size).toBe(0);
    expect(add(zeros([1, 0]), zeros([5, 1])).shape).toEqual([5, 0]);
  });

  it('rejects incompatible shapes, naming both', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(axis -1 has 3 vs 4\)/);
    expect(() => mul(zeros([0]), zeros([2]))).toThrow(/\[0\] and \[2\]/);
  });
});

describe('dtype rules', () => {
  it('int32 stays int32 for add, sub and mul, with int32 wrap-around', () => {
    const a = tensor([7, -3], undefined, 'int32');
    const b = tensor([2, 2], undefined, 'int32');
    for (const [fn, expected] of [[add, [9, -1]], [sub, [5, -5]], [mul, [14, -6]]] as const) {
      const out = fn(a, b);
      expect(out.dtype).toBe('int32');
      expect(Array.from(out.dataSync())).toEqual(expected);
    }
    expect(add(tensor([2147483647], undefined, 'int32'), 1).item()).toBe(-2147483648);
    expect(mul(tensor([65536], undefined, 'int32'), 65537).item()).toBe(65536);
  });

  it('int32 / int32 gives float32 true division', () => {
    const out = div(tensor([7, -7], undefined, 'int32'), tensor([2, 2], undefined, 'int32'));
    expect(out.dtype).toBe('float32');
    expect(Array.from(out.dataSync())).toEqual([3.5, -3.5]);
  });

  it('a plain number takes the tensor dtype unless it needs a float', () => {
    expect(add(tensor([1], undefined, 'int32'), 2).dtype).toBe('int32');
    expect(add(tensor([1], undefined, 'int32'), 2.5).dtype).toBe('float32');
    expect(add(tensor([1], undefined, 'float64'), 2).dtype).toBe('float64');
    expect(add(tensor([1], undefined, 'int32'), tensor([1], undefined, 'float64')).dtype).toBe('float64');
  });

  it('mixed int32 and float32 operands compute in float', () => {
    const out = mul(tensor([3, 5], undefined, 'int32'), tensor([0.5, 0.25]));
    expect(out.dtype).toBe('float32');
    expect(Array.from(out.dataSync())).toEqual([1.5, 1.25]);
  });

  it('cast truncates toward zero and converts between floats', () => {
    expect(Array.from(cast(tensor([1.7, -1.7, 2.5, -0.5]), 'int32').dataSync())).toEqual([1, -1, 2, 0]);
    expect(cast(tensor([1, 2], undefined, 'int32'), 'float64').dtype).toBe('float64');
    expect(cast(tensor([0.1], undefined, 'float64'), 'float32').item()).toBe(Math.fround(0.1));
    const same = tensor([1]);
    expect(cast(same, 'float32')).toBe(same);
    expect(() => cast(same, 'uint8' as 'int32')).toThrow(/dtype: expected one of/);
  });

  it('float64 keeps precision that float32 loses', () => {
    const big = 16777216; // 2^24: float32 cannot represent 2^24 + 1
    expect(add(tensor([big], undefined, 'float64'), 1).item()).toBe(big + 1);
    expect(add(tensor([big]), 1).item()).toBe(big);
    expect(sub(add(tensor([1], undefined, 'float64'), 1e-12), 1).item()).toBe((1 + 1e-12) - 1);
    expect(sub(add(tensor([1]), 1e-12), 1).item()).toBe(0);
  });
});

describe('where and clip', () => {
  it('where picks a where cond is non-zero, broadcasting all three', () => {
    expect(Array.from(where(tensor([1, 0, 2]), tensor([1, 2, 3]), tensor([-1, -2, -3])).dataSync())).toEqual([1, -2, 3]);
    expect(where(tensor([[1], [0]]), tensor([1, 2, 3]), 0).toArray()).toEqual([[1, 2, 3], [0, 0, 0]]);
    expect(where(tensor([1, 0]), 5, tensor([[7], [8]])).toArray()).toEqual([[5, 7], [5, 8]]);
    expect(where(tensor([NaN]), 1, 2).item()).toBe(1);
  });

  it('where promotes the branch dtypes and rejects bad shapes', () => {
    expect(where(tensor([1]), tensor([1], undefined, 'int32'), tensor([2], undefined, 'float64')).dtype).toBe('float64');
    expect(() => where(zeros([2]), zeros([3]), 0)).toThrow(/where: shapes \[2\] and \[3\] cannot be broadcast/);
  });

  it('where agrees with index arithmetic on a general broadcast', () => {
    const condValues = randomValues(6, 3).map((v) => (v > 0 ? 1 : 0));
    const aValues = randomValues(4, 4);
    const cond = tensor(condValues, [2, 1, 3]);
    const a = tensor(aValues, [4, 1], 'float64');
    const out = where(cond, a, -5);
    expect(out.shape).toEqual([2, 4, 3]);
    const pickA = naiveBroadcast((c) => c, condValues, [2, 1, 3], aValues, [4, 1]);
    const aBroadcast = naiveBroadcast((_, x) => x, condValues, [2, 1, 3], aValues, [4, 1]);
    expectClose(out, pickA.map((c, i) => (c !== 0 ? aBroadcast[i]! : -5)), { rtol: 0, atol: 0 });
  });

  it('clip limits to [low, high] and validates the bounds', () => {
    expect(Array.from(clip(tensor([-2, 0.5, 3]), 0, 1).dataSync())).toEqual([0, 0.5, 1]);
    expect(() => clip(tensor([1]), 2, 1)).toThrow(/clip: expected numbers low <= high, got low=2, high=1/);
    expect(() => clip(tensor([1]), NaN, 1)).toThrow(/clip/);
  });

  it('clip keeps NaN, takes infinite bounds, keeps the dtype and shape, and matches maximum-then-minimum', () => {
    const values = [NaN, -Infinity, -3, -1, -0.25, 0, 0.1, 1, 7, Infinity];
    expect(Array.from(clip(tensor(values), -1, 1).dataSync())).toEqual([NaN, -1, -1, -1, -0.25, 0, Math.fround(0.1), 1, 1, 1]);
    expect(Array.from(clip(tensor(values), 0, Infinity).dataSync())).toEqual([NaN, 0, 0, 0, 0, 0, Math.fround(0.1), 1, 7, Infinity]);
    const x = tensor(randomValues(60, 3).map((v) => v * 5), [3, 4, 5], 'float64');
    const got = clip(x, -2.5, 0.3);
    expect(got.dtype).toBe('float64');
    expect(got.shape).toEqual([3, 4, 5]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(T.minimum(T.maximum(x, -2.5), 0.3).dataSync()));
    const ints = clip(tensor([-5, 0, 2, 9], undefined, 'int32'), -1, 3);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([-1, 0, 2, 3]);
  });

  it('clip equals maximum-then-minimum bit for bit on float32 data around the bounds, signed zeros included', () => {
    const specials = [NaN, -0, 0, -Infinity, Infinity, -1, 1, Math.fround(-1.0000001), Math.fround(0.9999999)];
    const values = [...specials, ...randomValues(5000, 11).map((v) => v * 3)];
    const x = tensor(values);
    for (const [low, high] of [[-1, 1], [0, 1], [-1, 0], [-0, 0], [-Infinity, 0.5], [0.25, 0.25], [-2, Infinity]] as const) {
      const got = Array.from(clip(x, low, high).dataSync());
      const want = Array.from(T.minimum(T.maximum(x, low), high).dataSync());
      expect(got.length).toBe(want.length);
      // toEqual treats -0 and 0 alike; Object.is does not.
      const mismatches = got.filter((v, i) => !Object.is(v, want[i])).length;
      expect(mismatches, `clip(x, ${low}, ${high})`).toBe(0);
    }
  });
});

describe('float32 exp, sigmoid and softplus (the cpu fast path)', () => {
  /** float64 references, rounded to float32 like the results. */
  const refs: Record<'exp' | 'sigmoid' | 'softplus', (v: number) => number> = {
    exp: Math.exp,
    sigmoid: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
    softplus: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  };
  const fns = { exp: T.exp, sigmoid, softplus };
  // Dense over [-110, 110] plus the tails and the boundaries of float32's exp range.
  const grid = Float32Array.from({ length: 22001 }, (_, i) => -110 + i / 100);
  const special = [0, -0, 1e-30, -1e-30, 88.72, 88.73, -87.33, -103.97, -104, 1e-8, -1e-8, 20, -20, 30, -30, 80, -80.5];

  for (const name of ['exp', 'sigmoid', 'softplus'] as const) {
    it(`${name} is within 2 float32 ulps of the float64 function, denormal tails included`, () => {
      const inputs = Float32Array.from([...grid, ...special]);
      const got = fns[name](tensor(inputs)).dataSync();
      for (let i = 0; i < inputs.length; i++) {
        const want = Math.fround(refs[name](inputs[i]!));
        const g = got[i]!;
        if (want === Infinity || want === 0) {
          expect(g, `${name}(${inputs[i]})`).toBe(want);
          continue;
        }
        // One float32 ulp of a normal value is 2^-23 relative; denormals have an absolute ulp of 2^-149.
        const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
        expect(Math.abs(g - want) / ulp, `${name}(${inputs[i]}) = ${g}, want ${want}`).toBeLessThanOrEqual(2);
      }
    });

    it(`${name} keeps NaN and handles ±Infinity`, () => {
      const got = Array.from(fns[name](tensor([NaN, Infinity, -Infinity])).dataSync());
      const want = [NaN, refs[name](Infinity), refs[name](-Infinity)];
      expect(got).toEqual(want);
    });
  }

  it('softplus of large negative inputs keeps full relative accuracy (log1p of tiny values)', () => {
    const xs = [-20, -30, -50, -87, -100];
    const got = softplus(tensor(xs)).dataSync();
    xs.forEach((x, i) => expect(got[i]! / Math.fround(Math.exp(x))).toBeCloseTo(1, 5));
  });
});
