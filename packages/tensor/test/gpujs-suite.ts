/**
 * The gpujs backend's test suite, run once per GPU.js mode by gpujs-<mode>.test.ts (one file per
 * mode, so vitest runs the modes in parallel). Every primitive family is checked against the cpu
 * backend on random shapes and values (fast-check), within float32 tolerance where the GPU rounds
 * differently and exactly where it moves values; then the device behaviour: kernel caching,
 * pipeline readbacks, texture lifetimes, float64 refusal.
 *
 * GL shader compiles cost ~0.1 s each under Mesa's software renderer and every new shape is a new
 * kernel, so the texture modes run fewer random cases (`runs`) over a small set of extents.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  add, arange, argmax, argmin, BINARY_OPS, broadcastTo, cast, clip, concat, exp, gather, getStats, logSoftmax, logSoftmaxGrad,
  logSumExp, logSumExpGrad, matmul, sub, max, mean, min, mul, oneHot, ones, pad, pow, randn, reshape, resetStats, scatterAdd,
  scatterAlongAxis, setBackend, slice, softmax, sum, takeAlongAxis, tensor, transpose, UNARY_OPS, where, zeros,
  type BinaryOp, type DType, type GpuJsMode, type Shape, type Tensor, type UnaryOp,
} from '../src/index.js';
import * as ops from '../src/index.js';
import { GpuJsBackend } from '../src/gpujs.js';
import { expectClose, type Tolerance } from './helpers.js';

const EXACT: Tolerance = { rtol: 0, atol: 0 };
/** One or two float32 roundings apart (GPUs may round division and transcendental functions differently). */
const FLOAT32: Tolerance = { rtol: 1e-4, atol: 1e-6 };

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** Starts the gpujs backend in `mode`, or says why it cannot start. */
function start(mode: GpuJsMode): { backend: GpuJsBackend | null; error: string | null } {
  try {
    const backend = setBackend('gpujs', { mode });
    setBackend('cpu');
    return { backend: backend as GpuJsBackend, error: null };
  } catch (e) {
    setBackend('cpu');
    return { backend: null, error: (e as Error).message };
  }
}

/** A way to call `global.gc` inside a vitest worker, which runs without --expose-gc. */
function collectGarbage(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/**
 * Defines the suite for one mode. headlessgl needs the `gl` package and an X display: when it
 * cannot start, the suite fails under CI (`process.env.CI` set, where it must run) and is skipped
 * with a message otherwise.
 */
export function defineGpuJsSuite(mode: GpuJsMode): void {
  const { backend: started, error } = start(mode);
  const ci = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
  if (started === null) {
    if (mode === 'headlessgl' && !ci) {
      console.warn(`[gpujs tests] skipping mode 'headlessgl': ${error}. Run under \`xvfb-run -a\` (with CI set this is a failure).`);
      describe.skip(`gpujs backend, mode '${mode}' (no display or no gl package: ${error})`, () => {
        it('runs under xvfb-run -a', () => {});
      });
    } else {
      // Under CI the texture mode must run: its absence is a failure, not a skip.
      describe(`gpujs backend, mode '${mode}'`, () => {
        it('starts', () => {
          throw new Error(`mode '${mode}' is required here${ci ? ' (CI is set)' : ''} but did not start: ${error}`);
        });
      });
    }
    return;
  }
  const texture = mode === 'headlessgl';
  /** Fewer random cases where every new shape costs a shader compile. */
  const runs = (n: number): number => (texture ? Math.max(3, Math.ceil(n / 4)) : n);

  describe(`gpujs backend, mode '${mode}'`, () => {
    afterAll(() => {
      setBackend('cpu');
    });

    const useGpu = (): GpuJsBackend => setBackend('gpujs', { mode }) as GpuJsBackend;

    /** Builds the same computation on the cpu backend and on gpujs and compares them. */
    function agree(build: () => Tensor, tolerance: Tolerance = EXACT): void {
      setBackend('cpu');
      const expected = build();
      useGpu();
      const actual = build();
      setBackend('cpu');
      expect(actual.backend.name).toBe('gpujs');
      expect(actual.shape).toEqual(expected.shape);
      expect(actual.dtype).toBe(expected.dtype);
      expectClose(actual.dataSync(), expected.dataSync(), tolerance);
    }

    // ---------------------------------------------------------------- arbitraries

    /** Extents 1..3 (a small set, so shapes repeat and compiled kernels are reused), rarely 0 or 5. */
    const extentArb = fc.oneof(
      { weight: 10, arbitrary: fc.integer({ min: 1, max: 3 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 5) },
    );
    const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> => fc.array(extentArb, { minLength: minRank, maxLength: maxRank });
    /** Floats in [-3, 3] without subnormals (GPUs may flush them to zero), with repeats for ties. */
    const valueArb = fc.oneof(
      { weight: 4, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v)) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 0, 0.5, 1, 2) },
    );
    const valuesArb = (n: number): fc.Arbitrary<number[]> => fc.array(valueArb, { minLength: n, maxLength: n });
    const tensorArb = (minRank = 0, maxRank = 3): fc.Arbitrary<{ shape: number[]; values: number[] }> =>
      shapeArb(minRank, maxRank).chain((shape) => valuesArb(sizeOf(shape)).map((values) => ({ shape, values })));
    /** Two shapes that broadcast together: one drops leading axes and stretches some. */
    const broadcastPairArb = shapeArb(0, 3).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.boolean())
        .map(([drop, ones, swap]) => {
          const other = shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
          return swap ? [other, shape] : [shape, other];
        }),
    );
    const axisOf = (rank: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: Math.max(0, rank - 1) });
    const permutationOf = (rank: number): fc.Arbitrary<number[]> => fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });

    // ---------------------------------------------------------------- start-up

    it('starts in the requested mode', () => {
      const backend = useGpu();
      expect(backend.name).toBe('gpujs');
      expect(backend.mode).toBe(mode);
      expect(backend.pipeline).toBe(texture);
      expect(backend.readIsFree).toBe(!texture);
    });

    // ---------------------------------------------------------------- elementwise

    /** Inputs inside each op's domain, so results are finite and comparable. */
    const intoDomain = (op: UnaryOp, v: number): number => {
      switch (op) {
        case 'log': case 'sqrt': case 'rsqrt': return Math.abs(v) + 0.05;
        case 'log1p': return Math.abs(v) - 0.95;
        case 'reciprocal': return v >= 0 ? v + 0.05 : v - 0.05;
        default: return v;
      }
    };
    const exactUnary: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'square']);

    it('every unary op agrees with the cpu backend', () => {
      fc.assert(fc.property(fc.constantFrom<Shape>([7], [2, 3]), fc.infiniteStream(valueArb), (shape, stream) => {
        const values = [...stream.take(sizeOf(shape))];
        for (const op of UNARY_OPS) {
          const fn = ops[op] as (x: Tensor) => Tensor;
          agree(() => fn(tensor(values.map((v) => intoDomain(op, v)), shape)), exactUnary.has(op) ? EXACT : FLOAT32);
        }
      }), { numRuns: runs(4) });
    });

    it('unary ops are accurate where formulas cancel: tiny and huge arguments, exact halves', () => {
      const tiny = [1e-7, -3e-6, 2e-4, -0.05, 0.09, 0.11];
      for (const op of ['expm1', 'log1p', 'tanh', 'sigmoid', 'softplus'] as const) {
        agree(() => ops[op](tensor(tiny)), { rtol: 1e-5, atol: 0 });
      }
      agree(() => ops.tanh(tensor([-60, -20, 20, 60])), FLOAT32);
      agree(() => ops.sigmoid(tensor([-100, -30, 30, 100])), { rtol: 1e-4, atol: 1e-30 });
      agree(() => ops.softplus(tensor([-100, -30, 30, 100])), { rtol: 1e-5, atol: 1e-30 });
      agree(() => ops.round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997])));
    });

    it('int32 unary ops keep int32 values', () => {
      agree(() => ops.abs(tensor([-3, 0, 7], undefined, 'int32')));
      agree(() => ops.neg(tensor([-3, 0, 7], undefined, 'int32')));
      agree(() => ops.exp(tensor([-1, 0, 2], undefined, 'int32')), FLOAT32);
    });

    it('every binary op agrees with the cpu backend under broadcasting', () => {
      const opArb = fc.constantFrom<BinaryOp>(...BINARY_OPS);
      fc.assert(fc.property(opArb, broadcastPairArb, fc.boolean(), fc.infiniteStream(valueArb), (op, [sa, sb], integral, stream) => {
        let a = [...stream.take(sizeOf(sa!))];
        let b = [...stream.take(sizeOf(sb!))];
        if (op === 'div') b = b.map((v) => (v >= 0 ? v + 0.25 : v - 0.25));
        // Negative bases need integer exponents to stay real; positive bases take any.
        if (op === 'pow' && integral) b = b.map((v) => Math.round(v));
        if (op === 'pow' && !integral) a = a.map((v) => Math.abs(v) + 0.1);
        const fn = ops[op] as (x: Tensor, y: Tensor) => Tensor;
        const exact = !['div', 'pow'].includes(op);
        agree(() => fn(tensor(a, sa), tensor(b, sb)), exact ? { rtol: 1e-7, atol: 0 } : FLOAT32);
      }), { numRuns: runs(60) });
    });

    it('pow follows JavaScript for negative bases, zero bases and zero exponents', () => {
      agree(
        () => pow(tensor([-2, -2, -2, -2, 0, 0, 0, 3, -3, -0.5]), tensor([3, 2, -1, 0.5, -1, 0, 2, 0, -2, 3])),
        FLOAT32,
      );
      agree(() => pow(tensor([2, -3, 5], undefined, 'int32'), tensor([3, 3, -1], undefined, 'int32')));
    });

    it('where agrees with the cpu backend under broadcasting', () => {
      fc.assert(fc.property(broadcastPairArb, fc.boolean(), fc.infiniteStream(valueArb), ([sa, sb], condFirst, stream) => {
        const sc = condFirst ? sa! : sb!;
        const cond = [...stream.take(sizeOf(sc))].map((v) => (v > 0 ? 1 : 0));
        const a = [...stream.take(sizeOf(sa!))];
        const b = [...stream.take(sizeOf(sb!))];
        agree(() => where(tensor(cond, sc), tensor(a, sa), tensor(b, sb)));
      }), { numRuns: runs(20) });
    });

    it('cast truncates toward zero and int32 arithmetic is exact', () => {
      fc.assert(fc.property(tensorArb(0, 2), ({ shape, values }) => {
        const scaled = values.map((v) => v * 1000);
        agree(() => cast(tensor(scaled, shape), 'int32'));
        agree(() => cast(cast(tensor(scaled, shape), 'int32'), 'float32'));
        agree(() => add(mul(cast(tensor(scaled, shape), 'int32'), 3), cast(tensor(values, shape), 'int32')));
      }), { numRuns: runs(12) });
    });

    // ---------------------------------------------------------------- reductions

    const reducers = { sum, max, min, logSumExp, mean } as const;
    type Reducer = keyof typeof reducers;

    it('sum, max, min, logSumExp and mean agree on random axes, with and without keepDims', () => {
      const caseArb = tensorArb(0, 3).chain((t) => fc.record({
        t: fc.constant(t),
        op: fc.constantFrom<Reducer>('sum', 'max', 'min', 'logSumExp', 'mean'),
        axes: fc.oneof(fc.constant(undefined), fc.subarray([...Array(t.shape.length).keys()])),
        keepDims: fc.boolean(),
      }));
      fc.assert(fc.property(caseArb, ({ t, op, axes, keepDims }) => {
        const reduced = axes === undefined ? sizeOf(t.shape) : sizeOf(axes.map((a) => t.shape[a]!));
        const tolerance = op === 'max' || op === 'min' ? EXACT : { rtol: 1e-4, atol: 1e-6 * (1 + 3 * reduced) };
        agree(() => reducers[op](tensor(t.values, t.shape), axes, keepDims), tolerance);
      }), { numRuns: runs(60) });
    });

    it('reductions longer than one chunk run in several passes and stay accurate', () => {
      const long = Array.from({ length: 3 * 2500 }, (_, i) => Math.sin(i * 0.37) * 2);
      for (const op of ['sum', 'max', 'min', 'logSumExp'] as const) {
        agree(() => reducers[op](tensor(long, [3, 2500]), 1), { rtol: 1e-4, atol: 1e-3 });
        agree(() => reducers[op](tensor(long, [2500, 3]), 0), { rtol: 1e-4, atol: 1e-3 });
      }
      agree(() => argmax(tensor(long, [3, 2500]), 1));
      agree(() => argmin(tensor(long, [2500, 3]), 0));
    });

    it('int32 reductions stay int32', () => {
      agree(() => sum(tensor([[1, -2, 3], [4, 5, -6]], undefined, 'int32'), 1));
      agree(() => max(tensor([[1, -2, 3], [4, 5, -6]], undefined, 'int32'), 0));
    });

    it('argmax and argmin agree (first index on ties), on an axis or flattened', () => {
      const caseArb = tensorArb(1, 3).filter((t) => sizeOf(t.shape) > 0).chain((t) => fc.record({
        t: fc.constant(t),
        axis: fc.oneof(fc.constant(undefined), axisOf(t.shape.length)),
        keepDims: fc.boolean(),
        op: fc.constantFrom(argmax, argmin),
      }));
      fc.assert(fc.property(caseArb, ({ t, axis, keepDims, op }) => {
        agree(() => op(tensor(t.values, t.shape), axis, keepDims));
      }), { numRuns: runs(30) });
    });

    it('softmax and logSoftmax agree on random axes, also for large logits', () => {
      const caseArb = tensorArb(1, 3).chain((t) => fc.record({ t: fc.constant(t), axis: axisOf(t.shape.length), scale: fc.constantFrom(1, 300) }));
      fc.assert(fc.property(caseArb, ({ t, axis, scale }) => {
        const logits = t.values.map((v) => v * scale);
        agree(() => softmax(tensor(logits, t.shape), axis), { rtol: 1e-4, atol: 1e-6 });
        agree(() => logSoftmax(tensor(logits, t.shape), axis), { rtol: 1e-4, atol: 1e-4 * scale });
      }), { numRuns: runs(20) });
    });

    it('clip agrees, with finite and infinite bounds', () => {
      fc.assert(fc.property(tensorArb(0, 3), fc.constantFrom<[number, number]>([-0.5, 0.5], [0, Infinity], [-Infinity, 1]), (t, [low, high]) => {
        agree(() => clip(tensor(t.values, t.shape), low, high));
      }), { numRuns: runs(20) });
    });

    it('logSoftmaxGrad agrees on random axes', () => {
      const caseArb = tensorArb(1, 3).chain((t) => fc.record({ t: fc.constant(t), axis: axisOf(t.shape.length) }));
      fc.assert(fc.property(caseArb, ({ t, axis }) => {
        const dy = t.values.map((v, i) => v * ((i % 3) - 1));
        agree(() => logSoftmaxGrad(tensor(dy, t.shape), logSoftmax(tensor(t.values, t.shape), axis), axis), { rtol: 1e-4, atol: 1e-5 });
      }), { numRuns: runs(20) });
    });

    it('logSumExpGrad agrees on random axes, and matches its composition on -Infinity rows', () => {
      const caseArb = tensorArb(1, 3).chain((t) => fc.record({
        t: fc.constant(t),
        axes: fc.subarray([...t.shape.keys()], { minLength: 1 }),
      }));
      fc.assert(fc.property(caseArb, ({ t, axes }) => {
        agree(() => {
          const x = tensor(t.values, t.shape);
          const y = logSumExp(x, axes, true);
          const dy = tensor(Array.from({ length: y.size }, (_, i) => (i % 3) - 1.5), y.shape);
          return logSumExpGrad(dy, x, y, axes);
        }, { rtol: 1e-4, atol: 1e-5 });
      }), { numRuns: runs(20) });
      useGpu();
      try {
        const x = tensor([[-Infinity, -Infinity, -Infinity], [0, -Infinity, 1]]);
        for (const axis of [0, 1]) {
          const y = logSumExp(x, axis, true);
          const dy = ops.onesLike(y);
          expectClose(logSumExpGrad(dy, x, y, axis).dataSync(), mul(dy, exp(sub(x, y))).dataSync(), EXACT);
        }
      } finally {
        setBackend('cpu');
      }
    });

    // ---------------------------------------------------------------- matmul

    it('batched matmul agrees, with broadcast batch axes, transposes and vector operands', () => {
      const caseArb = fc.record({
        batch: broadcastPairArb.filter(([a, b]) => a!.length <= 2 && b!.length <= 2),
        m: fc.integer({ min: 1, max: 4 }),
        n: fc.integer({ min: 1, max: 4 }),
        k: fc.integer({ min: 1, max: 5 }),
        transposeA: fc.boolean(),
        transposeB: fc.boolean(),
        vector: fc.constantFrom('none', 'a', 'b'),
        seed: fc.nat(),
      });
      fc.assert(fc.property(caseArb, ({ batch: [ba, bb], m, n, k, transposeA, transposeB, vector, seed }) => {
        const aShape = vector === 'a' ? [k] : [...ba!, ...(transposeA ? [k, m] : [m, k])];
        const bShape = vector === 'b' ? [k] : [...bb!, ...(transposeB ? [n, k] : [k, n])];
        agree(
          () => matmul(randn(aShape, { seed }), randn(bShape, { seed: seed + 1 }), vector === 'a' ? false : transposeA, vector === 'b' ? false : transposeB),
          { rtol: 1e-4, atol: 1e-5 * k * 16 },
        );
      }), { numRuns: runs(30) });
    });

    // ---------------------------------------------------------------- layout

    it('reshape, transpose and broadcastTo agree', () => {
      fc.assert(fc.property(tensorArb(1, 3).chain((t) => fc.record({ t: fc.constant(t), perm: permutationOf(t.shape.length), lead: fc.integer({ min: 1, max: 2 }) })), ({ t, perm, lead }) => {
        agree(() => transpose(tensor(t.values, t.shape), perm));
        agree(() => reshape(transpose(tensor(t.values, t.shape), perm), [sizeOf(t.shape)]));
        const target = [lead, ...t.shape.map((d) => d)];
        agree(() => broadcastTo(tensor(t.values, t.shape), target));
        const stretched = t.shape.map((d, i) => (perm[0] === i ? 1 : d));
        agree(() => broadcastTo(tensor(Array.from({ length: sizeOf(stretched) }, (_, i) => i - 1.5), stretched), [lead, ...t.shape]));
      }), { numRuns: runs(20) });
    });

    it('slice and pad agree', () => {
      const caseArb = tensorArb(1, 3).chain((t) => fc.record({
        t: fc.constant(t),
        box: fc.tuple(...t.shape.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))))),
        paddings: fc.tuple(...t.shape.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
        value: fc.constantFrom(0, -1.5, 7, -Infinity),
      }));
      fc.assert(fc.property(caseArb, ({ t, box, paddings, value }) => {
        agree(() => slice(tensor(t.values, t.shape), box.map(([b]) => b), box.map(([, s]) => s)));
        agree(() => pad(tensor(t.values, t.shape), paddings as [number, number][], value));
      }), { numRuns: runs(24) });
    });

    it('concat agrees for 1 to 4 parts along any axis, and for more parts than one shader reads', () => {
      const caseArb = shapeArb(1, 3).chain((shape) => fc.record({
        shape: fc.constant(shape),
        axis: axisOf(shape.length),
        extents: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        seed: fc.nat(),
      }));
      fc.assert(fc.property(caseArb, ({ shape, axis, extents, seed }) => {
        const parts = extents.map((e, i) => {
          const s = shape.map((d, j) => (j === axis ? e : d));
          return { s, seed: seed + i };
        });
        agree(() => concat(parts.map((p) => randn(p.s, { seed: p.seed })), axis));
      }), { numRuns: runs(24) });
      const many = Array.from({ length: 19 }, (_, i) => [[i, -i], [i / 2, 1]]);
      agree(() => concat(many.map((v) => tensor(v)), 1));
      agree(() => concat(many.map((v) => tensor(v)), 0));
    });

    // ---------------------------------------------------------------- indexing

    it('gather and scatterAdd agree (repeated indices accumulate)', () => {
      const caseArb = tensorArb(1, 3).filter((t) => sizeOf(t.shape) > 0).chain((t) => axisOf(t.shape.length).chain((axis) => fc.record({
        t: fc.constant(t),
        axis: fc.constant(axis),
        indexShape: shapeArb(0, 2),
      }).chain((c) => fc.record({
        c: fc.constant(c),
        indices: fc.array(fc.integer({ min: 0, max: t.shape[axis]! - 1 }), { minLength: sizeOf(c.indexShape), maxLength: sizeOf(c.indexShape) }),
      }))));
      fc.assert(fc.property(caseArb, ({ c: { t, axis, indexShape }, indices }) => {
        agree(() => gather(tensor(t.values, t.shape), tensor(indices, indexShape, 'int32'), axis));
        const updatesShape = [...t.shape.slice(0, axis), ...indexShape, ...t.shape.slice(axis + 1)];
        const updates = Array.from({ length: sizeOf(updatesShape) }, (_, i) => Math.sin(i + 1));
        agree(() => scatterAdd(tensor(updates, updatesShape), tensor(indices, indexShape, 'int32'), axis, t.shape), { rtol: 1e-6, atol: 1e-6 });
      }), { numRuns: runs(24) });
    });

    it('takeAlongAxis and scatterAlongAxis agree', () => {
      const caseArb = tensorArb(1, 3).filter((t) => sizeOf(t.shape) > 0).chain((t) => axisOf(t.shape.length).chain((axis) =>
        fc.integer({ min: 0, max: 3 }).chain((j) => {
          const indexShape = t.shape.map((d, i) => (i === axis ? j : d));
          return fc.record({
            t: fc.constant(t),
            axis: fc.constant(axis),
            indexShape: fc.constant(indexShape),
            indices: fc.array(fc.integer({ min: 0, max: t.shape[axis]! - 1 }), { minLength: sizeOf(indexShape), maxLength: sizeOf(indexShape) }),
          });
        })));
      fc.assert(fc.property(caseArb, ({ t, axis, indexShape, indices }) => {
        agree(() => takeAlongAxis(tensor(t.values, t.shape), tensor(indices, indexShape, 'int32'), axis));
        const updates = indices.map((_, i) => Math.cos(i));
        agree(() => scatterAlongAxis(tensor(updates, indexShape), tensor(indices, indexShape, 'int32'), axis, t.shape), { rtol: 1e-6, atol: 1e-6 });
      }), { numRuns: runs(24) });
    });

    it('oneHot agrees, out-of-range indices giving rows of offValue', () => {
      fc.assert(fc.property(
        fc.array(fc.integer({ min: -1, max: 4 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<[number, number, DType]>([1, 0, 'float32'], [0.9, 0.025, 'float32'], [5, -1, 'int32']),
        (indices, depth, [on, off, dtype]) => {
          agree(() => oneHot(tensor(indices, undefined, 'int32'), depth, on, off, dtype));
        },
      ), { numRuns: runs(12) });
    });

    // ---------------------------------------------------------------- sizes

    it('handles tensors of a million elements (exact index arithmetic at large offsets)', () => {
      useGpu();
      const n = 1024;
      const grid = reshape(arange(n * n), [n, n]);
      const flipped = transpose(grid).dataSync();
      for (const [i, j] of [[0, 1], [1, 0], [1023, 1022], [517, 999], [1000, 3]] as const) {
        expect(flipped[i * n + j]).toBe(j * n + i);
      }
      expect(sum(ones([n * n])).item()).toBe(n * n);
      const shifted = add(grid, 1).dataSync();
      expect(shifted[n * n - 1]).toBe(n * n);
      expect(argmax(grid).item()).toBe(n * n - 1);
      setBackend('cpu');
    });

    it('makes empty results and reduces empty axes to the identity', () => {
      agree(() => add(zeros([0, 3]), ones([3])));
      agree(() => sum(zeros([2, 0]), 1));
      agree(() => max(zeros([2, 0]), 1));
      agree(() => logSumExp(zeros([0]), 0));
      agree(() => matmul(zeros([2, 0]), zeros([0, 3])));
      agree(() => concat([zeros([2, 0]), ones([2, 2])], 1));
      agree(() => pad(zeros([0, 2]), [[1, 1], [0, 0]], 3));
    });

    // ---------------------------------------------------------------- device behaviour

    it('compiles each kernel once: a second run with the same shapes compiles nothing', () => {
      useGpu();
      const step = (seed: number): number => {
        const x = randn([4, 3], { seed });
        const w = randn([3, 5], { seed: seed + 1 });
        const logits = add(matmul(x, w), tensor([0.1, 0.2, 0.3, 0.4, 0.5]));
        const loss = mean(sum(mul(logSoftmax(logits), -1), 1));
        return loss.item() + argmax(logits, 1).dataSync()[0]! + sum(softmax(logits, 0)).item();
      };
      resetStats();
      step(1);
      const first = getStats().kernelCompilations;
      expect(first).toBeGreaterThan(5);
      resetStats();
      step(2);
      expect(getStats().kernelCompilations).toBe(0);
      setBackend('cpu');
    });

    it(texture ? 'keeps results on the device and reads back only on request, once' : 'keeps values in host memory: nothing to upload or read back', () => {
      useGpu();
      const x = tensor([[1, 2], [3, 4]]);
      const w = tensor([[0.5], [-1]]);
      resetStats();
      const y = softmax(add(matmul(x, w), 1), 0);
      const total = sum(y);
      expect(getStats().readbacks).toBe(0);
      expect(getStats().uploads).toBe(texture ? 3 : 0); // x, w and the scalar 1
      const values = y.dataSync();
      expect(getStats().readbacks).toBe(texture ? 1 : 0);
      // The readback is cached on the immutable tensor: further reads are free.
      y.dataSync();
      y.toArray();
      expect(reshape(y, [2]).dataSync()).toEqual(values);
      expect(getStats().readbacks).toBe(texture ? 1 : 0);
      expect(total.item()).toBeCloseTo(1, 5);
      expect(getStats().readbacks).toBe(texture ? 2 : 0);
      // Values read back or uploaded once are not uploaded again.
      add(x, w);
      expect(getStats().uploads).toBe(texture ? 3 : 0);
      setBackend('cpu');
    });

    it('refuses float64 with an error that points to the cpu backend', () => {
      useGpu();
      const message = /gpujs backend supports float32 and int32; float64 needs the cpu backend/;
      expect(() => tensor([1, 2], undefined, 'float64')).toThrow(message);
      expect(() => zeros([2], 'float64')).toThrow(message);
      expect(() => cast(tensor([1, 2]), 'float64')).toThrow(message);
      setBackend('cpu');
      const onCpu = tensor([1, 2], undefined, 'float64');
      useGpu();
      expect(() => add(onCpu, 1)).toThrow(message);
      setBackend('cpu');
    });

    it('moves tensors of other backends and rejects disposed ones', () => {
      setBackend('cpu');
      const onCpu = tensor([1, 2, 3]);
      useGpu();
      const doubled = mul(onCpu, 2);
      expect(doubled.backend.name).toBe('gpujs');
      expect(Array.from(doubled.dataSync())).toEqual([2, 4, 6]);
      doubled.dispose();
      expect(() => add(doubled, 1)).toThrow(/disposed/);
      setBackend('cpu');
    });

    if (texture) {
      it('deletes a texture on dispose, but not while a reshape still shares it', () => {
        const backend = useGpu();
        const a = tensor([1, 2, 3, 4]);
        const before = backend.liveTextures;
        const x = add(a, a); // uploads a, renders x
        const y = reshape(x, [2, 2]);
        const z = mul(y, y);
        expect(backend.liveTextures).toBe(before + 3);
        const texture = (x.storage as { texture: { _deleted: boolean } | null }).texture!;
        x.dispose();
        expect(texture._deleted).toBe(false);
        expect(Array.from(y.dataSync())).toEqual([2, 4, 6, 8]);
        y.dispose();
        expect(texture._deleted).toBe(true);
        expect(backend.liveTextures).toBe(before + 2);
        z.dispose();
        a.dispose();
        expect(backend.liveTextures).toBe(before);
        setBackend('cpu');
      });

      const gc = collectGarbage();
      it.skipIf(gc === null)('deletes the texture of a tensor collected without dispose()', async () => {
        const backend = useGpu();
        const kept = tensor([1, 2, 3]);
        const before = backend.liveTextures;
        // Results made and dropped in a closure: only the FinalizationRegistry can free them.
        (() => {
          for (let i = 0; i < 20; i++) add(kept, kept);
        })();
        expect(backend.liveTextures).toBe(before + 20 + 1);
        for (let attempt = 0; attempt < 20 && backend.liveTextures > before + 1; attempt++) {
          gc!();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(backend.liveTextures).toBeLessThanOrEqual(before + 1);
        setBackend('cpu');
      });
    }

    it('shares one flat elementwise kernel across sizes, each result keeping its own values', () => {
      const backend = useGpu();
      const small = ops.exp(tensor([0, 1]));
      const compiled = backend.cachedKernels;
      const large = ops.exp(tensor(Array.from({ length: 1000 }, (_, i) => i / 1000)));
      const scalar = ops.exp(tensor(2));
      expect(backend.cachedKernels).toBe(compiled);
      expectClose(small.dataSync(), [1, Math.E], FLOAT32);
      expectClose(scalar.dataSync(), [Math.exp(2)], FLOAT32);
      expect(large.dataSync()[999]).toBeCloseTo(Math.exp(0.999), 5);
      setBackend('cpu');
    });

    it('fills and one-hot rows with infinite values', () => {
      agree(() => oneHot(tensor([0, 2, -1], undefined, 'int32'), 3, -Infinity, 0));
      agree(() => ops.full([2, 3], Infinity));
      agree(() => max(pad(tensor([[1, 2], [3, 4]]), [[0, 0], [1, 1]], -Infinity), 1));
    });

    it('refuses tensors too large for float32 index arithmetic before any work', () => {
      useGpu();
      expect(() => zeros([2 ** 24 + 1])).toThrow(/more than 2\^24/);
      setBackend('cpu');
    });

    if (mode === 'cpu') {
      it("mode 'gpu' (the default) picks the best mode available here and computes with it", () => {
        const best = new GpuJsBackend();
        expect(['headlessgl', 'webgl2', 'webgl', 'webasm']).toContain(best.mode);
        const product = best.matmul(best.fromValues(new Float32Array([1, 2]), [1, 2], 'float32'), best.fromValues(new Float32Array([3, 4]), [2, 1], 'float32'), false, false, [1, 1], 'float32');
        expect(Array.from(best.read(product))).toEqual([11]);
        best.destroy();
      });
    }

    it('names the mode when a mode cannot be used', () => {
      expect(() => new GpuJsBackend({ mode: 'webgpu' })).toThrow(/mode 'webgpu' cannot start/);
      // Node has no browser WebGL: the error names the mode and what it needs.
      expect(() => new GpuJsBackend({ mode: 'webgl2' })).toThrow(/mode 'webgl2' cannot start here.*needs a browser/);
      expect(() => new GpuJsBackend({ mode: 'teapot' as GpuJsMode })).toThrow(/mode must be one of .*got "teapot"/);
    });
  });

}
