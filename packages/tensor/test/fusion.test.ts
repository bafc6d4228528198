/**
 * Lazy elementwise fusion of the cpu backend (src/backends/cpu/fusion.ts): every fusable op, alone
 * and in chains, random DAGs (fast-check), shared sub-expressions, the node cap, reshape, the cases
 * that must stay eager, the JavaScript fallback, more registers than fused_f32 takes, row sums of a
 * deferred expression, and scratch scopes that recycle arrays. The reference is always the same
 * computation with fusion off, compared value for value: -0 distinct from 0, NaN matching NaN (a
 * NaN's payload is not observable through the ops, and WebAssembly leaves it unspecified).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.js';
import { FusedExpr } from '../src/backends/cpu/fusion.js';
import { RowScatter } from '../src/backends/cpu/rewrites.js';
import { cpuRewriteCounts, setFusionEnabled, setWasmElementwiseEnabled, wasmElementwiseAvailable } from '../src/cpu.js';
import { expectSameValues, hex, lcg, switchedOff } from './helpers.js';

T.setBackend('cpu');

afterEach(() => {
  setFusionEnabled(true);
  setWasmElementwiseEnabled(true);
});

type Tensor = T.Tensor;

/** Awkward float32 values: NaN, infinities, signed zeros, denormals, huge and exp-boundary values. */
const SPECIAL = [
  NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1.4e-45, -1.4e-45, 1.1754942e-38, 3.4e38, -3.4e38, 1e30, -1e30,
  88.72, 88.73, -87.3, -103.97, -104, 1, -1, 0.5, 2, 20, -20, 1e-7,
];
const L = SPECIAL.length;

/**
 * `n` float32 values. With `pairing` 0 the first L*L elements hold SPECIAL[floor(i / L)], with
 * pairing 1 SPECIAL[i % L], so two arrays made with pairings 0 and 1 meet every special against
 * every special; after that, mostly uniform values in [-30, 30) and every 13th one special
 * (pairing 3: uniform values only).
 */
function f32Data(n: number, seed: number, pairing: 0 | 1 | 2 | 3 = 0): Float32Array {
  const next = lcg(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (pairing < 2 && i < L * L) out[i] = SPECIAL[pairing === 0 ? Math.floor(i / L) : i % L]!;
    else if (pairing !== 3 && i % 13 === 5) out[i] = SPECIAL[Math.floor(next() * L)]!;
    else out[i] = next() * 60 - 30;
  }
  return out;
}

const isDeferred = (t: Tensor): boolean => t.storage instanceof FusedExpr;
const exprOf = (t: Tensor): FusedExpr => {
  expect(t.storage, 'storage is a FusedExpr').toBeInstanceOf(FusedExpr);
  return t.storage as FusedExpr;
};

/** Runs `f` with fusion off (every op eager). */
const eager = <R>(f: () => R): R => switchedOff(setFusionEnabled, f);
/** Runs `f` with the WebAssembly kernels off. */
const withoutWasm = <R>(f: () => R): R => switchedOff(setWasmElementwiseEnabled, f);


/** Distance in float32 steps (0 and -0 one step apart); infinities and NaN must match exactly. */
function expectWithinUlps(actual: ArrayLike<number>, expected: ArrayLike<number>, maxUlps: number, label: string): void {
  const key = (v: number): number => {
    const b = new Int32Array(Float32Array.of(v).buffer)[0]!;
    return b < 0 ? -(b & 0x7fffffff) - 1 : b;
  };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e)) continue;
    if (!Number.isFinite(a) || !Number.isFinite(e) || Math.abs(key(a) - key(e)) > maxUlps) {
      expect.fail(`${label}: element ${i}: ${a} (0x${hex(a)}) vs ${e} (0x${hex(e)}), more than ${maxUlps} ulps apart`);
    }
  }
}

/** Values of a tensor as float32 (copied). */
const valuesOf = (t: Tensor): Float32Array => {
  expect(t.dtype).toBe('float32');
  return t.dataSync() as Float32Array;
};

const N = 4099; // not a multiple of 4 nor of the 256-float block
const BIG = 2 * 16384 + 37; // more than two of fusion.ts's 16384-float chunks

type UnaryName = T.UnaryOp;
type BinaryName = T.BinaryOp;
/** The fusable ops of each family, read from the primitives table, so a row given a fused code is tested here at once. */
const fusable = (family: 'unary' | 'binary'): string[] =>
  Object.entries(T.PRIMITIVES).filter(([, spec]) => spec.family === family && (spec as T.PrimitiveSpec).simd?.fused !== undefined).map(([name]) => name);
const UNARY = fusable('unary') as UnaryName[];
const BINARY = fusable('binary') as BinaryName[];

describe('the fusable ops under test', () => {
  it('are every fusable row of the primitives table (a guard against an empty list)', () => {
    expect(UNARY).toEqual(expect.arrayContaining(['neg', 'abs', 'sign', 'square', 'sqrt', 'relu', 'exp', 'sigmoid', 'softplus']));
    expect(BINARY).toEqual(expect.arrayContaining(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']));
  });
});
const unaryFn = (op: UnaryName): ((x: Tensor) => Tensor) => T[op] as (x: Tensor) => Tensor;
const binaryFn = (op: BinaryName): ((a: Tensor | number, b: Tensor | number) => Tensor) => T[op] as (a: Tensor | number, b: Tensor | number) => Tensor;

/** Runs `build` fused (checking the result is deferred before reading it) and eagerly; compares. */
function checkFusedEqualsEager(label: string, build: () => Tensor, expectDeferred = true): void {
  setFusionEnabled(true);
  const fused = build();
  if (expectDeferred) expect(isDeferred(fused), `${label} is deferred`).toBe(true);
  const got = valuesOf(fused);
  const want = eager(() => {
    const t = build();
    expect(isDeferred(t), `${label} with fusion off`).toBe(false);
    return valuesOf(t);
  });
  expectSameValues(got, want, label);
}

describe('fusion engages here', () => {
  it('WebAssembly SIMD is available, so float32 elementwise ops are deferred', () => {
    expect(wasmElementwiseAvailable()).toBe(true);
    const x = T.tensor(f32Data(N, 1), [N]);
    expect(isDeferred(T.exp(x))).toBe(true);
  });
});

describe('each fusable op alone equals the eager op', () => {
  for (const n of [N, BIG]) {
    const a = T.tensor(f32Data(n, 11, 0), [n]);
    const b = T.tensor(f32Data(n, 12, 1), [n]);
    for (const op of UNARY) {
      it(`${op} on ${n} values`, () => {
        checkFusedEqualsEager(`${op}(a)`, () => unaryFn(op)(a));
        checkFusedEqualsEager(`${op}(b)`, () => unaryFn(op)(b));
      });
    }
    for (const op of BINARY) {
      it(`${op} on ${n} values, every special against every special`, () => {
        checkFusedEqualsEager(`${op}(a, b)`, () => binaryFn(op)(a, b));
        checkFusedEqualsEager(`${op}(b, a)`, () => binaryFn(op)(b, a));
        checkFusedEqualsEager(`${op}(a, a)`, () => binaryFn(op)(a, a));
      });
    }
  }

  for (const op of BINARY) {
    it(`${op} against every special scalar, as shape [], [1], [1, 1] and a plain number, on either side`, () => {
      const x = T.tensor(f32Data(N, 21, 2), [N]);
      for (const s of SPECIAL) {
        const scalars: (Tensor | number)[] = [T.scalar(s), T.tensor([s], [1]), T.tensor([[s]], [1, 1]), s];
        for (const k of scalars) {
          const name = typeof k === 'number' ? `number ${s}` : `[${k.shape.join(',')}] ${s}`;
          checkFusedEqualsEager(`${op}(x, ${name})`, () => binaryFn(op)(x, k));
          checkFusedEqualsEager(`${op}(${name}, x)`, () => binaryFn(op)(k, x));
        }
      }
    });
  }

  it('where with a condition holding NaN, ±0, ±Infinity and 0/1, operands full-size or scalar', () => {
    const cond = T.tensor(f32Data(N, 31, 0), [N]);
    const bits = T.greater(T.tensor(f32Data(N, 32, 2), [N]), 0);
    const a = T.tensor(f32Data(N, 33, 1), [N]);
    const b = T.tensor(f32Data(N, 34, 2), [N]);
    for (const c of [cond, bits]) {
      checkFusedEqualsEager('where(c, a, b)', () => T.where(c, a, b));
      checkFusedEqualsEager('where(c, a, -0)', () => T.where(c, a, T.scalar(-0)));
      checkFusedEqualsEager('where(c, 0, b)', () => T.where(c, T.tensor([0], [1]), b));
      checkFusedEqualsEager('where(c, NaN, -Infinity)', () => T.where(c, T.scalar(NaN), T.scalar(-Infinity)));
      checkFusedEqualsEager('where(c, a, a)', () => T.where(c, a, a));
    }
    checkFusedEqualsEager('where(NaN, a, b)', () => T.where(T.scalar(NaN), a, b));
    checkFusedEqualsEager('where(-0, a, b)', () => T.where(T.scalar(-0), a, b));
  });

  const bounds: [number, number][] = [
    [-1, 1], [0, 1], [-1, 0], [-0, 0], [0, 0], [-0, -0], [0.1, 0.7], [-Infinity, Infinity], [-1e-40, 1e-40],
    [1e-46, 2e-46], [-1e-46, 1e-46], [-1, -1e-46], [1e-46, 1], [-3.4e38, 3.4e38], [5, 5], [-Infinity, -Infinity], [88.72, Infinity],
  ];
  for (const [low, high] of bounds) {
    it(`clip to [${low}, ${high}]`, () => {
      for (const n of [N, BIG]) {
        const x = T.tensor(f32Data(n, 41, 0), [n]);
        checkFusedEqualsEager(`clip(x, ${low}, ${high})`, () => T.clip(x, low, high));
        checkFusedEqualsEager(`clip(neg(x), ${low}, ${high})`, () => T.clip(T.neg(x), low, high));
      }
    });
  }
});

describe('chains of ops', () => {
  const x = T.tensor(f32Data(N, 51, 0), [N]);
  const y = T.tensor(f32Data(N, 52, 1), [N]);
  const z = T.tensor(f32Data(N, 53, 2), [N]);

  it('a chain through every op with scalars of shape [] and [1] stays one deferred expression and equals eager', () => {
    const build = (): Tensor => {
      let t = T.add(T.mul(x, T.scalar(0.5)), T.tensor([1.25], [1]));
      t = T.sub(T.exp(T.neg(T.abs(t))), T.sigmoid(y));
      t = T.div(T.softplus(t), T.maximum(T.sqrt(T.square(z)), T.scalar(1e-30)));
      t = T.where(T.greater(x, y), t, T.relu(T.minimum(y, z)));
      t = T.add(t, T.mul(T.equal(x, x), T.notEqual(y, 0)));
      t = T.sub(t, T.mul(T.lessEqual(x, T.scalar(-0)), T.greaterEqual(z, T.tensor([0], [1]))));
      t = T.add(t, T.less(T.clip(z, -2, 3), x));
      return t;
    };
    checkFusedEqualsEager('chain', build);
  });

  it('maximum(x, -0) and maximum(x, 0) in one expression get separate registers', () => {
    const build = (): Tensor => {
      const u = T.div(1, T.maximum(x, T.scalar(-0))); // x = -0 gives -Infinity
      const v = T.div(1, T.maximum(x, T.scalar(0))); // x = -0 gives +Infinity
      return T.sub(u, T.mul(v, 2));
    };
    checkFusedEqualsEager('1/max(x,-0) - 2/max(x,0)', build);
    // The point of the test: at x = -0 the two differ, so the result is -Infinity, not NaN.
    const values = valuesOf(build());
    const xs = x.dataSync();
    const at = Array.from(xs).findIndex((v) => Object.is(v, -0));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(values[at]).toBe(-Infinity);
    const build2 = (): Tensor => T.add(T.minimum(x, -0), T.mul(T.minimum(x, 0), T.scalar(-1)));
    checkFusedEqualsEager('min(x,-0) - min(x,0)', build2);
    const build3 = (): Tensor => T.div(T.add(T.mul(x, 0), T.scalar(-0)), T.add(T.mul(y, -0), 0));
    checkFusedEqualsEager('(x*0 + -0) / (y*-0 + 0)', build3);
  });

  it('NaN and infinite scalars are registers like any other', () => {
    checkFusedEqualsEager('NaN and Infinity splats', () =>
      T.add(T.maximum(x, T.scalar(NaN)), T.mul(T.minimum(y, Infinity), T.where(T.less(z, 0), T.scalar(-Infinity), T.scalar(NaN)))));
  });

  it('add(h, h): an op reading one expression twice frees its register once', () => {
    // Post-order h, p, q, s, t, root: p reads h twice, h's register must be freed once, or q and s
    // share it and t = q - s reads the same register twice.
    const build = (): Tensor => {
      const h = T.exp(T.mul(x, 0.01));
      const p = T.add(h, h);
      const q = T.neg(y);
      const s = T.neg(z);
      const t = T.sub(q, s);
      return T.add(p, t);
    };
    checkFusedEqualsEager('add(add(h,h), neg(y) - neg(z))', build);
  });

  it('where(h, h, h) followed by three live temporaries', () => {
    const build2 = (): Tensor => {
      const h = T.sigmoid(x);
      const p = T.where(h, h, h);
      const q = T.abs(y);
      const s = T.square(z);
      const r = T.sqrt(z);
      return T.add(p, T.sub(T.mul(q, s), r));
    };
    checkFusedEqualsEager('where(h,h,h) then three live temporaries', build2);
  });

  it('mul(h, h) followed by a nested expression', () => {
    const build3 = (): Tensor => {
      const h = T.neg(x);
      const p = T.mul(h, h);
      return T.add(p, T.div(T.exp(T.mul(y, 0.1)), T.add(T.abs(z), 1)));
    };
    checkFusedEqualsEager('mul(h,h) followed by a nested expression', build3);
  });

  it('int32 and float64 operands built into float32 chains are eager where promotion says so', () => {
    const xi = T.tensor(Int32Array.from({ length: N }, (_, i) => i - 2000), [N]);
    const xd = T.tensor(Float64Array.from({ length: N }, (_, i) => i / 7), [N]);
    const viaInt = T.add(T.exp(T.mul(x, 0.01)), T.cast(xi, 'float32'));
    expect(isDeferred(viaInt)).toBe(true);
    const mixed = T.add(T.exp(T.mul(x, 0.01)), xd); // float64 result: eager, its float32 operand evaluated
    expect(mixed.dtype).toBe('float64');
    expect(isDeferred(mixed)).toBe(false);
    const want = eager(() => T.add(T.exp(T.mul(x, 0.01)), xd).dataSync());
    expectSameValues(mixed.dataSync(), want, 'float32 chain + float64');
  });
});

describe('random DAGs (fast-check)', () => {
  type Step =
    | { kind: 'unary'; op: UnaryName; a: number }
    | { kind: 'binary'; op: BinaryName; a: number; b: number; same: boolean }
    | { kind: 'where'; c: number; a: number; b: number }
    | { kind: 'clip'; a: number; low: number; high: number };
  /** An operand index >= 0 picks from the values so far; < 0 picks a scalar (shape [] or [1]). */
  const SCALARS = [0, -0, 1, -1, 0.5, 2, NaN, Infinity, -Infinity, 1e-40, 3e38, -7.25];
  const operand = fc.integer({ min: -2 * SCALARS.length, max: 200 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom(...UNARY), a: operand }),
    // `same`: both operands the same value (add(h, h)), one register read twice.
    fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY), a: operand, b: operand, same: fc.boolean() }),
    fc.record({ kind: fc.constant('where' as const), c: operand, a: operand, b: operand }),
    fc.record({
      kind: fc.constant('clip' as const), a: operand,
      low: fc.constantFrom(-Infinity, -2, -0, 0, 0.1), high: fc.constantFrom(0, 0.7, 3, Infinity),
    }),
  );

  /** Applies the steps; every value made along the way is returned (a value of the pool). */
  function runProgram(inputs: readonly Tensor[], steps: readonly Step[]): Tensor[] {
    const pool: Tensor[] = [...inputs];
    const pick = (k: number): Tensor => {
      if (k < 0) {
        const j = -k - 1;
        const v = SCALARS[j % SCALARS.length]!;
        return j < SCALARS.length ? T.scalar(v) : T.tensor([v], [1]);
      }
      return pool[k % pool.length]!;
    };
    // Operands are never all scalars: the first one falls back to a pool value.
    const full = (k: number): Tensor => (k < 0 ? pool[-k % pool.length]! : pool[k % pool.length]!);
    for (const s of steps) {
      let t: Tensor;
      if (s.kind === 'unary') t = unaryFn(s.op)(full(s.a));
      else if (s.kind === 'binary') t = binaryFn(s.op)(full(s.a), s.same ? full(s.a) : pick(s.b));
      else if (s.kind === 'where') t = T.where(pick(s.c), full(s.a), pick(s.b));
      else t = T.clip(full(s.a), Math.min(s.low, s.high), Math.max(s.low, s.high));
      pool.push(t);
    }
    return pool.slice(inputs.length);
  }

  it('2..30 ops over 1..4 inputs: every value made, read last-first then in a shuffled order, equals eager', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1024, 1031, 2048 + 3),
        fc.array(step, { minLength: 2, maxLength: 30 }), fc.integer({ min: 0, max: 1e6 }),
        (k, seed, n, steps, shuffleSeed) => {
          const inputs = Array.from({ length: k }, (_, i) => T.tensor(f32Data(n, seed + i, (i % 3) as 0 | 1 | 2), [n]));
          const want = eager(() => runProgram(inputs, steps).map((t) => t.dataSync()));
          setFusionEnabled(true);
          const fused = runProgram(inputs, steps);
          expect(isDeferred(fused[fused.length - 1]!)).toBe(true);
          // Read the last value first (one pass over the DAG, shared nodes stored), then the others.
          const order = fused.map((_, i) => i).reverse();
          const next = lcg(shuffleSeed);
          for (let i = order.length - 1; i > 1; i--) {
            const j = 1 + Math.floor(next() * i);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          for (const i of order) expectSameValues(fused[i]!.dataSync(), want[i]!, `value ${i} of ${JSON.stringify(steps)}`);
        },
      ),
      { numRuns: 600, seed: 20261129 },
    );
  });

  it('the same programs read only at the end, each value read once in program order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), fc.array(step, { minLength: 2, maxLength: 30 }),
        (k, seed, steps) => {
          const n = 1500;
          const inputs = Array.from({ length: k }, (_, i) => T.tensor(f32Data(n, seed + i, 2), [n]));
          const want = eager(() => runProgram(inputs, steps).map((t) => t.dataSync()));
          setFusionEnabled(true);
          const fused = runProgram(inputs, steps);
          fused.forEach((t, i) => expectSameValues(t.dataSync(), want[i]!, `value ${i} of ${JSON.stringify(steps)}`));
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('random expression trees (fast-check)', () => {
  /** A tree: every node fresh, except that `twice` applies an op to one subtree on both sides. */
  type Node =
    | { kind: 'leaf'; input: number }
    | { kind: 'scalar'; value: number }
    | { kind: 'unary'; op: UnaryName; x: Node }
    | { kind: 'binary'; op: BinaryName; a: Node; b: Node }
    | { kind: 'twice'; op: BinaryName; x: Node }
    | { kind: 'where'; c: Node; a: Node; b: Node };
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'medium', maxDepth: 6, withCrossShrink: true },
      fc.record({ kind: fc.constant('leaf' as const), input: fc.nat(3) }),
      fc.record({ kind: fc.constant('scalar' as const), value: fc.constantFrom(0, -0, 1, -2.5, NaN, Infinity, 1e-40) }),
      fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom(...UNARY), x: tie('node') }),
      fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY), a: tie('node'), b: tie('node') }),
      fc.record({ kind: fc.constant('twice' as const), op: fc.constantFrom(...BINARY), x: tie('node') }),
      fc.record({ kind: fc.constant('where' as const), c: tie('node'), a: tie('node'), b: tie('node') }),
    ),
  }));

  function build(n: Node, inputs: readonly Tensor[]): Tensor {
    switch (n.kind) {
      case 'leaf': return inputs[n.input % inputs.length]!;
      case 'scalar': return T.scalar(n.value);
      case 'unary': return unaryFn(n.op)(build(n.x, inputs));
      case 'binary': return binaryFn(n.op)(build(n.a, inputs), build(n.b, inputs));
      case 'twice': {
        const x = build(n.x, inputs);
        return binaryFn(n.op)(x, x);
      }
      case 'where': return T.where(build(n.c, inputs), build(n.a, inputs), build(n.b, inputs));
    }
  }

  it('fused equals eager for random trees (ops reading one subtree twice included)', () => {
    const n = 1031;
    const inputs = Array.from({ length: 4 }, (_, i) => T.tensor(f32Data(n, 90 + i, (i % 3) as 0 | 1 | 2), [n]));
    fc.assert(
      fc.property(node, (tree) => {
        // Operands must include a full-size input for the result to have n elements.
        const root: Node = { kind: 'binary', op: 'add', a: { kind: 'leaf', input: 0 }, b: tree };
        const want = eager(() => build(root, inputs).dataSync());
        setFusionEnabled(true);
        expectSameValues(build(root, inputs).dataSync(), want, JSON.stringify(tree));
      }),
      {
        numRuns: 300, seed: 42,
        examples: [[{
          kind: 'binary', op: 'add',
          a: { kind: 'twice', op: 'add', x: { kind: 'unary', op: 'neg', x: { kind: 'leaf', input: 1 } } },
          b: { kind: 'binary', op: 'sub', a: { kind: 'unary', op: 'neg', x: { kind: 'leaf', input: 2 } }, b: { kind: 'unary', op: 'neg', x: { kind: 'leaf', input: 3 } } },
        }]],
      },
    );
  });
});

describe('shared sub-expressions', () => {
  const x = T.tensor(f32Data(N, 61, 0), [N]);

  it('h = exp(x) used by a and by b: each computes h in its own pass (h is never stored), and all are right', () => {
    const h = T.exp(x);
    const a = T.add(h, 1);
    const b = T.mul(h, 3);
    expect(exprOf(h).result).toBeNull();
    const av = a.dataSync();
    expect(exprOf(h).result, 'a small shared sub-expression is recomputed, not written out').toBeNull();
    expect(exprOf(h).spent, 'a computed it').toBe(true);
    expect(exprOf(b).result).toBeNull();
    const bv = b.dataSync();
    expect(exprOf(h).result).toBeNull();
    const want = eager(() => {
      const he = T.exp(x);
      return { a: T.add(he, 1).dataSync(), b: T.mul(he, 3).dataSync(), h: he.dataSync() };
    });
    expectSameValues(av, want.a, 'a');
    expectSameValues(bv, want.b, 'b');
    expectSameValues(h.dataSync(), want.h, 'h');
  });

  it('h used only by a: reading a does not store h, and h read later is still right', () => {
    const h = T.sigmoid(x);
    const a = T.sub(h, 0.5);
    const av = a.dataSync();
    expect(exprOf(h).result, 'only a uses h').toBeNull();
    const want = eager(() => {
      const he = T.sigmoid(x);
      return { a: T.sub(he, 0.5).dataSync(), h: he.dataSync() };
    });
    expectSameValues(av, want.a, 'a');
    expectSameValues(h.dataSync(), want.h, 'h');
  });

  it('a diamond (h used twice inside one expression) does not store h and is right', () => {
    const h = T.softplus(x);
    const r = T.add(T.mul(h, 2), T.div(h, 3));
    const rv = r.dataSync();
    expect(exprOf(h).result).toBeNull();
    const want = eager(() => {
      const he = T.softplus(x);
      return T.add(T.mul(he, 2), T.div(he, 3)).dataSync();
    });
    expectSameValues(rv, want, 'diamond');
  });

  it('an evaluated expression used as an operand later is read from its values', () => {
    const h = T.exp(T.neg(x));
    const hv = h.dataSync();
    const later = T.mul(h, h);
    expect(exprOf(later).nodes, 'h counts as an array now').toBe(1);
    const want = eager(() => {
      const he = T.exp(T.neg(x));
      return { h: he.dataSync(), later: T.mul(he, he).dataSync() };
    });
    expectSameValues(hv, want.h, 'h');
    expectSameValues(later.dataSync(), want.later, 'later');
  });

  it('three consumers of one node read in turn: each is right and the shared node is computed once', () => {
    const h = T.square(T.sub(x, 1));
    const outs = [T.add(h, 1), T.sqrt(h), T.relu(T.neg(h))];
    const vals = outs.map((t) => t.dataSync());
    const want = eager(() => {
      const he = T.square(T.sub(x, 1));
      return [T.add(he, 1), T.sqrt(he), T.relu(T.neg(he))].map((t) => t.dataSync());
    });
    vals.forEach((v, i) => expectSameValues(v, want[i]!, `consumer ${i}`));
  });
});

describe('size and depth', () => {
  const x = T.tensor(f32Data(N, 71, 2), [N]);
  const y = T.tensor(f32Data(N, 72, 2), [N]);

  it('a chain of 500 adds (past the 48-node cap) is right and never holds more than 48 nodes', () => {
    const build = (): Tensor => {
      let acc = x;
      for (let i = 0; i < 500; i++) {
        acc = T.add(acc, i % 2 === 0 ? y : T.scalar(i * 0.25));
        if (isDeferred(acc)) expect(exprOf(acc).nodes).toBeLessThanOrEqual(48);
      }
      return acc;
    };
    checkFusedEqualsEager('500 adds', build);
  });

  it('a chain of 3000 unary ops and one of 200 self-doublings (shared nodes counted per use) are right', () => {
    checkFusedEqualsEager('3000 negs and abs', () => {
      let t = x;
      for (let i = 0; i < 3000; i++) t = i % 3 === 0 ? T.abs(t) : T.neg(t);
      return t;
    });
    checkFusedEqualsEager('200 doublings', () => {
      let t = T.mul(x, 1e-30);
      for (let i = 0; i < 200; i++) t = T.add(t, t);
      return t;
    });
  });

  it('reshape of a deferred tensor shares its storage, and both read the one evaluation', () => {
    const d = T.exp(T.mul(x, 0.1));
    const r = T.reshape(d, [N]); // same shape: the same tensor
    expect(r).toBe(d);
    const n = 64 * 64;
    const x2 = T.tensor(f32Data(n, 73, 0), [n]);
    const e = T.sigmoid(T.add(x2, 1));
    const m = T.reshape(e, [64, 64]);
    const back = T.reshape(m, [16, 256]);
    expect(m.storage).toBe(e.storage);
    expect(back.storage).toBe(e.storage);
    expect(isDeferred(m)).toBe(true);
    const mv = m.dataNoCopy();
    expect(e.dataNoCopy(), 'the same array, not a second evaluation').toBe(mv);
    expect(back.dataNoCopy()).toBe(mv);
    expect(exprOf(e).result).toBe(mv);
    expectSameValues(m.dataSync(), eager(() => T.sigmoid(T.add(x2, 1)).dataSync()), 'reshaped');
    expect(m.shape).toEqual([64, 64]);
    // A deferred reshape as an operand of a later deferred op.
    const after = T.mul(T.reshape(T.neg(x2), [64, 64]), T.reshape(T.exp(x2), [64, 64]));
    expect(isDeferred(after)).toBe(true);
    expectSameValues(after.dataSync(), eager(() => T.mul(T.reshape(T.neg(x2), [64, 64]), T.reshape(T.exp(x2), [64, 64])).dataSync()), 'reshape operand');
    // m's array was handed out by dataNoCopy, so an op on it runs at once.
    expect(isDeferred(T.mul(m, 2))).toBe(false);
  });
});

describe('what stays eager', () => {
  it('fewer than 1024 elements', () => {
    const x = T.tensor(f32Data(1023, 81, 2), [1023]);
    for (const t of [T.exp(x), T.add(x, x), T.mul(x, 2), T.clip(x, 0, 1), T.where(x, x, 0)]) {
      expect(t.storage).toBeInstanceOf(Float32Array);
    }
    expect(T.exp(T.tensor(f32Data(1024, 81, 2), [1024])).storage).toBeInstanceOf(FusedExpr);
  });

  it('int32 and float64 tensors', () => {
    const xi = T.tensor(Int32Array.from({ length: 4096 }, (_, i) => i - 2048), [4096]);
    for (const t of [T.add(xi, xi), T.neg(xi), T.mul(xi, 3), T.maximum(xi, 0), T.clip(xi, -5, 5)]) {
      expect(t.storage).toBeInstanceOf(Int32Array);
    }
    const xd = T.tensor(Float64Array.from(f32Data(4096, 82, 0)), [4096]);
    for (const t of [T.add(xd, xd), T.exp(xd), T.mul(xd, 3), T.clip(xd, -1, 1), T.where(xd, xd, 0)]) {
      expect(t.storage).toBeInstanceOf(Float64Array);
    }
    // exp of int32 gives float32 but the input is not float32: eager.
    expect(T.exp(xi).storage).toBeInstanceOf(Float32Array);
  });

  it('broadcasts that are not full-size or one value', () => {
    const col = T.tensor(f32Data(64, 83, 2), [64, 1]);
    const row = T.tensor(f32Data(64, 84, 2), [1, 64]);
    const full = T.tensor(f32Data(4096, 85, 0), [64, 64]);
    const cases: [string, () => Tensor][] = [
      ['col + row', () => T.add(col, row)],
      ['full * row', () => T.mul(full, row)],
      ['col - full', () => T.sub(col, full)],
      ['full + [64]', () => T.add(full, T.reshape(row, [64]))],
      ['where(col, full, 0)', () => T.where(col, full, 0)],
      ['where(full, row, full)', () => T.where(full, row, full)],
    ];
    for (const [name, f] of cases) {
      const t = f();
      expect(t.storage, name).toBeInstanceOf(Float32Array);
      // And they are right when an operand is itself deferred.
      expectSameValues(t.dataSync(), eager(f).dataSync(), name);
    }
    const deferredRow = T.exp(T.tensor(f32Data(2048, 86, 2), [1, 2048]));
    expect(isDeferred(deferredRow)).toBe(true);
    const bcast = T.add(T.tensor(f32Data(4, 87, 2), [4, 1]), deferredRow);
    expect(bcast.storage).toBeInstanceOf(Float32Array);
    expectSameValues(bcast.dataSync(), eager(() => T.add(T.tensor(f32Data(4, 87, 2), [4, 1]), T.exp(T.tensor(f32Data(2048, 86, 2), [1, 2048])))).dataSync(), 'deferred row broadcast');
  });

  it('ops fusion lacks, on a deferred input, evaluate it', () => {
    const x = T.tensor(f32Data(N, 88, 2), [N]);
    for (const [name, f] of [
      ['log(exp)', (t: Tensor) => T.log(T.exp(t))], ['tanh(mul)', (t: Tensor) => T.tanh(T.mul(t, 0.5))],
      ['pow(add)', (t: Tensor) => T.pow(T.add(t, 1), 2)], ['floor(neg)', (t: Tensor) => T.floor(T.neg(t))],
    ] as const) {
      const t = f(x);
      expect(t.storage, name).toBeInstanceOf(Float32Array);
      expectSameValues(t.dataSync(), eager(() => f(x)).dataSync(), name);
    }
  });

  it('with fusion off nothing is deferred, and setFusionEnabled returns the previous setting', () => {
    const x = T.tensor(f32Data(N, 89, 2), [N]);
    expect(setFusionEnabled(false)).toBe(true);
    try {
      expect(T.exp(x).storage).toBeInstanceOf(Float32Array);
      expect(setFusionEnabled(false)).toBe(false);
    } finally {
      setFusionEnabled(true);
    }
    expect(isDeferred(T.exp(x))).toBe(true);
  });
});

describe('switching fusion off with deferred tensors alive', () => {
  it('they still read right, and eager ops take them as operands', () => {
    const x = T.tensor(f32Data(N, 95, 0), [N]);
    const y = T.tensor(f32Data(N, 96, 1), [N]);
    const d = T.mul(T.exp(T.mul(x, 0.1)), y);
    const e = T.sub(d, 1);
    expect(isDeferred(d) && isDeferred(e)).toBe(true);
    const want = eager(() => {
      const de = T.mul(T.exp(T.mul(x, 0.1)), y);
      return { e: T.sub(de, 1).dataSync(), f: T.add(T.sub(de, 1), de).dataSync(), d: de.dataSync() };
    });
    eager(() => {
      const f = T.add(e, d); // eager: evaluates e (storing d, which f also uses) and d
      expect(f.storage).toBeInstanceOf(Float32Array);
      expectSameValues(f.dataSync(), want.f, 'f');
      expectSameValues(e.dataSync(), want.e, 'e');
      expectSameValues(d.dataSync(), want.d, 'd');
    });
  });
});

describe('the JavaScript fallback', () => {
  const x = T.tensor(f32Data(N, 91, 0), [N]);
  const y = T.tensor(f32Data(N, 92, 1), [N]);

  const cases: [string, () => Tensor][] = [
    ...UNARY.map((op): [string, () => Tensor] => [op, () => unaryFn(op)(x)]),
    ...BINARY.map((op): [string, () => Tensor] => [op, () => binaryFn(op)(x, y)]),
    ...BINARY.map((op): [string, () => Tensor] => [`${op} scalar -0`, () => binaryFn(op)(x, T.scalar(-0))]),
    ['where', () => T.where(x, y, T.scalar(-0))],
    ['clip', () => T.clip(y, -0, 1)],
    ['chain', () => T.add(T.mul(T.sigmoid(x), T.softplus(y)), T.where(T.less(x, y), T.exp(T.mul(y, 0.1)), T.sqrt(T.abs(x))))],
  ];

  it('deferred tensors read with WebAssembly off equal the JavaScript kernels, op for op', () => {
    for (const [name, f] of cases) {
      const t = f();
      expect(isDeferred(t), name).toBe(true);
      const got = withoutWasm(() => t.dataSync());
      const want = withoutWasm(() => eager(f).dataSync());
      expectSameValues(got, want, `${name} (JS fallback vs JS eager)`);
    }
  });

  it('and equal the eager WebAssembly kernels bit for bit, except exp/sigmoid/softplus (within 4 ulps)', () => {
    // The JavaScript exp, sigmoid and softplus (fastmath.ts) are not the wasm code: they differ by
    // an ulp here and there, so a value read after WebAssembly is switched off may differ that much.
    const transcendental = new Set(['exp', 'sigmoid', 'softplus', 'chain']);
    for (const [name, f] of cases) {
      const t = f();
      const got = withoutWasm(() => t.dataSync());
      const want = eager(f).dataSync();
      if (transcendental.has(name)) expectWithinUlps(got, want, 4, `${name} (JS fallback vs wasm eager)`);
      else expectSameValues(got, want, `${name} (JS fallback vs wasm eager)`);
    }
  });

  it('with WebAssembly off nothing new is deferred', () => {
    withoutWasm(() => expect(T.exp(x).storage).toBeInstanceOf(Float32Array));
  });
});

describe('more registers than fused_f32 takes', () => {
  it('40 arrays each times its own constant, summed left to right, are right', () => {
    const n = 2048;
    const xs = Array.from({ length: 40 }, (_, i) => T.tensor(f32Data(n, 100 + i, (i % 3) as 0 | 1 | 2), [n]));
    const build = (): Tensor => xs.reduce<Tensor>((acc, xi, i) => T.add(acc, T.mul(xi, T.scalar(1 + i / 64))), T.mul(xs[0]!, 0));
    checkFusedEqualsEager('sum of 40 scaled arrays', build);
  });

  it('40 arrays summed as a balanced tree, each times its own constant', () => {
    const n = 2048;
    const xs = Array.from({ length: 40 }, (_, i) => T.tensor(f32Data(n, 200 + i, 2), [n]));
    const tree = (ts: Tensor[]): Tensor => (ts.length === 1 ? ts[0]! : T.add(tree(ts.slice(0, ts.length >> 1)), tree(ts.slice(ts.length >> 1))));
    checkFusedEqualsEager('balanced sum of 40 scaled arrays', () => tree(xs.map((xi, i) => T.mul(xi, T.scalar(0.5 + i / 32)))));
  });

  it('one expression of 47 nodes over 95 distinct arrays and numbers (a tree of wheres) is right', () => {
    const n = 1024;
    let seed = 300;
    const leaf = (): Tensor => T.tensor(f32Data(n, seed++, 2), [n]);
    const build = (): Tensor => {
      seed = 300;
      // 24 wheres over three distinct leaves (some of them distinct numbers), joined by 23 wheres.
      const terms = Array.from({ length: 24 }, (_, i) => T.where(leaf(), i % 2 === 0 ? leaf() : T.scalar(i + 0.5), leaf()));
      let level = terms;
      while (level.length > 1) {
        const next: Tensor[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) next.push(T.where(leaf(), level[i]!, level[i + 1]!));
        if (level.length % 2 === 1) next.push(level[level.length - 1]!);
        level = next;
      }
      return level[0]!;
    };
    const t = build();
    expect(exprOf(t).nodes).toBe(47);
    checkFusedEqualsEager('tree of wheres', build);
  });
});

describe('many stored sub-expressions', () => {
  it('16 wheres over 48 arrays, each also used elsewhere, summed: none stored (recomputed where used), all right', () => {
    const n = 1024;
    const leaves = Array.from({ length: 48 }, (_, i) => T.tensor(f32Data(n, 1200 + i, (i % 3) as 0 | 1 | 2), [n]));
    const build = (): { root: Tensor; others: Tensor[]; hs: Tensor[] } => {
      const hs = Array.from({ length: 16 }, (_, i) => T.where(leaves[3 * i]!, leaves[3 * i + 1]!, leaves[3 * i + 2]!));
      const others = hs.map((h, i) => T.mul(h, T.scalar(i - 7.5)));
      return { root: hs.reduce((acc, h) => T.add(acc, h)), others, hs };
    };
    const fused = build();
    expect(isDeferred(fused.root)).toBe(true);
    const rootValues = fused.root.dataSync();
    fused.hs.forEach((h, i) => expect(exprOf(h).result, `h${i} not stored`).toBeNull());
    const want = eager(() => {
      const e = build();
      return { root: e.root.dataSync(), others: e.others.map((t) => t.dataSync()), hs: e.hs.map((t) => t.dataSync()) };
    });
    expectSameValues(rootValues, want.root, 'root');
    fused.others.forEach((t, i) => expectSameValues(t.dataSync(), want.others[i]!, `other ${i}`));
    fused.hs.forEach((t, i) => expectSameValues(t.dataSync(), want.hs[i]!, `h ${i}`));
  });
});

describe('row sums of a deferred expression', () => {
  it('sum over the last axis (rows straddling blocks and chunks) is within rounding of a double sum', () => {
    for (const [rows, cols] of [[64, 1000], [3, 16385], [1, 40000], [1024, 1]] as const) {
      const n = rows * cols;
      const xv = f32Data(n, 400, 3);
      const x = T.tensor(xv, [rows, cols]);
      const e = T.mul(T.sigmoid(x), T.add(x, 0.5));
      const s = T.sum(e, -1);
      const ev = eager(() => T.mul(T.sigmoid(x), T.add(x, 0.5)).dataSync());
      const got = s.dataSync();
      const eagerSum = eager(() => T.sum(T.mul(T.sigmoid(x), T.add(x, 0.5)), -1).dataSync());
      for (let r = 0; r < rows; r++) {
        let exact = 0;
        let mag = 0;
        for (let i = r * cols; i < (r + 1) * cols; i++) {
          exact += ev[i]!;
          mag += Math.abs(ev[i]!);
        }
        expect(Math.abs(got[r]! - exact), `row ${r} of [${rows}, ${cols}]`).toBeLessThanOrEqual(Math.abs(exact) * 1.2e-7 + mag * 1e-12);
        expect(Math.abs(got[r]! - eagerSum[r]!), `row ${r} of [${rows}, ${cols}] vs eager`).toBeLessThanOrEqual(Math.abs(exact) * 2.4e-7 + mag * 1e-12);
      }
      // The expression itself is still readable (it was summed, not stored).
      expectSameValues(e.dataSync(), ev, `e of [${rows}, ${cols}]`);
    }
  });

  it('sum of a deferred expression used elsewhere, and sums over all axes, are right', () => {
    const x = T.tensor(f32Data(64 * 64, 401, 3), [64, 64]);
    const h = T.exp(T.mul(x, 0.05));
    const a = T.add(h, 1);
    const sa = T.sum(a, [0, 1]).item();
    const sh = T.sum(h).item();
    const av = eager(() => T.add(T.exp(T.mul(x, 0.05)), 1).dataSync());
    const hv = eager(() => T.exp(T.mul(x, 0.05)).dataSync());
    const ref = (v: ArrayLike<number>): number => Array.from(v).reduce((p, q) => p + q, 0);
    expect(Math.abs(sa - ref(av))).toBeLessThanOrEqual(Math.abs(ref(av)) * 1.2e-7);
    expect(Math.abs(sh - ref(hv))).toBeLessThanOrEqual(Math.abs(ref(hv)) * 1.2e-7);
    expectSameValues(a.dataSync(), av, 'a');
    expectSameValues(h.dataSync(), hv, 'h');
  });

  it('short rows (1, 3, 7 values) over many chunks, and a row sum of an expression past 64 registers', () => {
    const checkRows = (label: string, build: () => Tensor, rowLength: number): void => {
      const ev = eager(build).dataSync();
      const got = T.sum(build(), -1).dataSync();
      expect(got.length).toBe(ev.length / rowLength);
      for (let r = 0; r < got.length; r++) {
        let exact = 0;
        for (let i = r * rowLength; i < (r + 1) * rowLength; i++) exact += ev[i]!;
        if (!(Math.abs(got[r]! - exact) <= Math.abs(exact) * 1.2e-7)) expect.fail(`${label} row ${r}: ${got[r]} vs ${exact}`);
      }
    };
    for (const rowLength of [1, 3, 7]) {
      const rows = Math.ceil(40000 / rowLength);
      const x = T.tensor(f32Data(rows * rowLength, 404 + rowLength, 3), [rows, rowLength]);
      checkRows(`rows of ${rowLength}`, () => T.mul(T.add(x, 0.25), T.sigmoid(x)), rowLength);
    }
    // 24 wheres over distinct leaves joined by 23 more: 95 leaves, so the JavaScript path sums.
    const n = 1024;
    const leaves = Array.from({ length: 95 }, (_, i) => T.tensor(f32Data(n, 410 + i, 3), [8, 128]));
    const tree = (): Tensor => {
      let k = 0;
      let level = Array.from({ length: 24 }, () => T.where(leaves[k++]!, leaves[k++]!, leaves[k++]!));
      while (level.length > 1) {
        const next: Tensor[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) next.push(T.where(leaves[k++]!, level[i]!, level[i + 1]!));
        if (level.length % 2 === 1) next.push(level[level.length - 1]!);
        level = next;
      }
      return level[0]!;
    };
    checkRows('tree of wheres', tree, 128);
  });

  it('sums over two trailing axes and over a leading axis', () => {
    const x = T.tensor(f32Data(4 * 30 * 100, 403, 3), [4, 30, 100]);
    const build = (): Tensor => T.sub(T.square(x), T.mul(x, 0.5));
    const ev = eager(build).dataSync();
    const trailing = T.sum(build(), [1, 2]).dataSync();
    for (let r = 0; r < 4; r++) {
      let exact = 0;
      for (let i = r * 3000; i < (r + 1) * 3000; i++) exact += ev[i]!;
      expect(Math.abs(trailing[r]! - exact), `block ${r}`).toBeLessThanOrEqual(Math.abs(exact) * 1.2e-7);
    }
    const leading = T.sum(build(), 0);
    expect(leading.shape).toEqual([30, 100]);
    expectSameValues(leading.dataSync(), eager(() => T.sum(build(), 0).dataSync()), 'sum over axis 0');
  });

  it('a row sum with WebAssembly off equals the double sum of the JavaScript values', () => {
    const x = T.tensor(f32Data(8 * 1000, 402, 3), [8, 1000]);
    const e = T.square(T.sub(x, 1));
    const got = withoutWasm(() => T.sum(e, -1).dataSync());
    const ev = eager(() => T.square(T.sub(x, 1)).dataSync());
    for (let r = 0; r < 8; r++) {
      let exact = 0;
      for (let i = r * 1000; i < (r + 1) * 1000; i++) exact += ev[i]!;
      expect(got[r]).toBe(Math.fround(exact));
    }
  });
});

describe('broadcasts along the last axis (repeat)', () => {
  const col = (rows: number, seed: number, pairing: 0 | 1 | 2 | 3 = 0): Tensor => T.tensor(f32Data(rows, seed, pairing), [rows, 1]);

  it('broadcastTo([R, 1] -> [R, C]) is deferred and reads as the eager broadcast, rows straddling chunks', () => {
    for (const [rows, cols] of [[64, 1000], [3, 16385], [40, 1000], [1024, 16], [2, 20000]] as const) {
      const c = col(rows, 1300 + rows, 0);
      const b = T.broadcastTo(c, [rows, cols]);
      expect(isDeferred(b), `[${rows}, ${cols}]`).toBe(true);
      expectSameValues(b.dataSync(), eager(() => T.broadcastTo(c, [rows, cols]).dataSync()), `broadcast [${rows}, ${cols}]`);
      const x = T.tensor(f32Data(rows * cols, 1400 + rows, 1), [rows, cols]);
      checkFusedEqualsEager(`x * broadcast [${rows}, ${cols}]`, () => T.add(T.mul(x, T.broadcastTo(c, [rows, cols])), T.broadcastTo(T.neg(c), [rows, cols])));
      checkFusedEqualsEager(`where(broadcast, x, -0) [${rows}, ${cols}]`, () => T.where(T.broadcastTo(c, [rows, cols]), x, T.scalar(-0)));
    }
  });

  it('one value broadcast to a large shape, and [..., 1] with leading axes', () => {
    checkFusedEqualsEager('-0 to [40000]', () => T.add(T.broadcastTo(T.scalar(-0), [40000]), T.tensor(f32Data(40000, 1500, 0), [40000])));
    checkFusedEqualsEager('NaN to [64, 64]', () => T.mul(T.broadcastTo(T.tensor([NaN], [1, 1]), [64, 64]), T.tensor(f32Data(4096, 1501, 1), [64, 64])));
    const c = T.tensor(f32Data(2 * 8, 1502, 0), [2, 8, 1]);
    checkFusedEqualsEager('[2, 8, 1] to [2, 8, 100]', () => T.sub(T.broadcastTo(c, [2, 8, 100]), T.tensor(f32Data(1600, 1503, 1), [2, 8, 100])));
    checkFusedEqualsEager('[8, 1] to [1, 8, 200]', () => T.sub(T.broadcastTo(T.reshape(c, [16, 1]), [1, 16, 200]), 1));
  });

  it('short rows and other axes stay eager, and are right', () => {
    const c = col(512, 1600, 0);
    const short = T.broadcastTo(c, [512, 8]);
    expect(short.storage).toBeInstanceOf(Float32Array);
    expectSameValues(short.dataSync(), eager(() => T.broadcastTo(c, [512, 8]).dataSync()), 'short rows');
    const row = T.tensor(f32Data(64, 1601, 0), [1, 64]);
    const down = T.broadcastTo(row, [64, 64]);
    expect(down.storage).toBeInstanceOf(Float32Array);
    expectSameValues(down.dataSync(), eager(() => T.broadcastTo(row, [64, 64]).dataSync()), 'down the rows');
    const xd = T.tensor(Float64Array.from(f32Data(64, 1602, 0)), [64, 1]);
    expect(T.broadcastTo(xd, [64, 64]).storage).toBeInstanceOf(Float64Array);
  });

  it('a repeat used by two expressions, read through each and directly, and a repeat of a deferred column', () => {
    const c = col(64, 1700, 0);
    const x = T.tensor(f32Data(64 * 256, 1701, 1), [64, 256]);
    const h = T.broadcastTo(c, [64, 256]);
    const a = T.add(h, x);
    const b = T.mul(h, T.exp(x));
    const want = eager(() => {
      const he = T.broadcastTo(c, [64, 256]);
      return { a: T.add(he, x).dataSync(), b: T.mul(he, T.exp(x)).dataSync(), h: he.dataSync() };
    });
    expectSameValues(a.dataSync(), want.a, 'a');
    expectSameValues(b.dataSync(), want.b, 'b');
    expectSameValues(h.dataSync(), want.h, 'h');
    // The column itself deferred (1024 rows): broadcastTo reads it first.
    const big = T.tensor(f32Data(1024, 1702, 0), [1024, 1]);
    checkFusedEqualsEager('repeat of exp(column)', () => T.sub(T.broadcastTo(T.exp(big), [1024, 32]), T.tensor(f32Data(1024 * 32, 1703, 1), [1024, 32])));
  });

  it('with WebAssembly off at read time, and summed over rows', () => {
    const c = col(40, 1800, 3);
    const x = T.tensor(f32Data(40 * 1000, 1801, 3), [40, 1000]);
    const build = (): Tensor => T.mul(T.broadcastTo(c, [40, 1000]), T.sub(x, 1));
    const t = build();
    expectSameValues(withoutWasm(() => t.dataSync()), withoutWasm(() => eager(build).dataSync()), 'repeat, JS fallback');
    const s = T.sum(build(), -1).dataSync();
    const ev = eager(build).dataSync();
    for (let r = 0; r < 40; r++) {
      let exact = 0;
      for (let i = r * 1000; i < (r + 1) * 1000; i++) exact += ev[i]!;
      expect(Math.abs(s[r]! - exact), `row ${r}`).toBeLessThanOrEqual(Math.abs(exact) * 1.2e-7 + 1e-9);
    }
  });

  it('a repeat made inside a scratch scope and kept survives later scopes', () => {
    const x = T.tensor(f32Data(20000 * 16, 1900, 3), [20000, 16]);
    const build = (): Tensor => {
      const c = T.log(T.add(T.abs(T.tensor(f32Data(20000, 1901, 3), [20000, 1])), 1)); // 80 KB: journaled
      return T.add(T.broadcastTo(c, [20000, 16]), x);
    };
    const kept = T.withScratch(build, (r) => [r]);
    for (let i = 0; i < 3; i++) {
      T.withScratch(() => {
        const junk = T.exp(T.tensor(f32Data(20000, 1910 + i, 3), [20000, 1]));
        T.sum(T.tanh(T.mul(T.broadcastTo(T.log(T.abs(junk)), [20000, 16]), 2))).item();
        return T.sum(junk);
      }, (r) => [r]);
    }
    expectSameValues(kept.dataSync(), eager(() => T.withScratch(build, (r) => [r]).dataSync()), 'kept repeat');
  });
});

describe('constant scalings fold away (bit-identical)', () => {
  /** Ops in the DAG under `t`, by name. */
  const opsOf = (t: Tensor): string[] => {
    const ops: string[] = [];
    const visit = (e: unknown): void => {
      if (!(e instanceof FusedExpr) || e.result !== null) return;
      ops.push(e.op);
      e.args.forEach(visit);
    };
    visit(exprOf(t));
    return ops;
  };
  const x = T.tensor(f32Data(BIG, 2100, 0), [BIG]);
  const y = T.tensor(f32Data(BIG, 2101, 1), [BIG]);

  it('neg of a scalar product or quotient flips the scalar instead (no neg op), at any sign of zero, NaN and infinity', () => {
    const cases: [string, () => Tensor][] = [
      ['-(x·2)', () => T.neg(T.mul(x, 2))],
      ['-(0.5·x)', () => T.neg(T.mul(0.5, x))],
      ['-(y·(x·2))', () => T.neg(T.mul(y, T.mul(x, 2)))],
      ['-((x·-0)·y)', () => T.neg(T.mul(T.mul(x, -0), y))],
      ['-(x/3)', () => T.neg(T.div(x, 3))],
      ['-(3/x)', () => T.neg(T.div(3, x))],
      ['-(y·(x/y))', () => T.neg(T.mul(y, T.div(x, T.mul(y, 0.25))))],
    ];
    for (const [label, build] of cases) {
      setFusionEnabled(true);
      expect(opsOf(build()), label).not.toContain('neg');
      checkFusedEqualsEager(label, build);
    }
  });

  it('a product with 1 or a quotient by 1 is its other operand', () => {
    for (const [label, build] of [
      ['(x·y)·1', () => T.mul(T.mul(x, y), 1)],
      ['1·(x·y)', () => T.mul(1, T.mul(x, y))],
      ['(x·y)/1', () => T.div(T.mul(x, y), 1)],
    ] as [string, () => Tensor][]) {
      setFusionEnabled(true);
      expect(opsOf(build()), label).toEqual(['mul']);
      checkFusedEqualsEager(label, build);
    }
  });

  it('neg with no scalar below it stays a neg', () => {
    setFusionEnabled(true);
    expect(opsOf(T.neg(T.mul(x, y)))).toContain('neg');
    checkFusedEqualsEager('-(x·y)', () => T.neg(T.mul(x, y)));
  });

  it('a scaling of a deferred broadcast runs on its short array and stays a broadcast', () => {
    const c = T.tensor(f32Data(64, 2102, 0), [64, 1]);
    const wide = (): Tensor => T.broadcastTo(c, [64, 1000]);
    const cases: [string, () => Tensor][] = [
      ['broadcast·0.5', () => T.mul(wide(), 0.5)],
      ['3 - broadcast', () => T.sub(3, wide())],
      ['broadcast / -0', () => T.div(wide(), -0)],
      ['-broadcast', () => T.neg(wide())],
      ['|broadcast|', () => T.abs(wide())],
      ['-(broadcast·0.5)', () => T.neg(T.mul(wide(), 0.5))],
    ];
    for (const [label, build] of cases) {
      setFusionEnabled(true);
      expect(opsOf(build()), label).toEqual(['repeat']);
      checkFusedEqualsEager(label, build);
    }
    // exp is not computed the same way in JavaScript: it stays in the chain.
    setFusionEnabled(true);
    expect(opsOf(T.exp(wide()))).toEqual(['exp', 'repeat']);
  });
});

describe('scratch scopes', () => {
  const n = 64 * 64;
  const x = T.tensor(f32Data(n, 501, 2), [n]);
  const y = T.tensor(f32Data(n, 502, 2), [n]);

  /** A scope that allocates and drops many n-element arrays full of other values. */
  function churn(seed: number): void {
    T.withScratch(() => {
      const z = T.tensor(f32Data(n, seed, 2), [n]);
      let t = T.log(T.add(T.abs(z), 1)); // eager, journaled
      for (let i = 0; i < 6; i++) {
        t = T.mul(T.add(t, i), T.sigmoid(z)); // deferred, evaluated below
        T.sum(T.tanh(t)).item(); // tanh is eager: its input is stored and journaled
      }
      return T.sum(t);
    }, (r) => [r]);
  }

  it('a deferred result kept by the scope is evaluated before its operands are recycled', () => {
    const build = (): Tensor => {
      const t = T.log(T.add(T.abs(x), 1)); // eager temporary, journaled
      const u = T.exp(T.mul(t, -0.5));
      T.sum(T.tanh(u)).item(); // u stored, journaled
      return T.add(T.mul(u, y), t); // deferred over recycled arrays
    };
    const kept = T.withScratch(build, (r) => [r]);
    expect(isDeferred(kept)).toBe(true);
    expect(exprOf(kept).result, 'evaluated at the end of the scope').not.toBeNull();
    for (let i = 0; i < 5; i++) churn(600 + i);
    const want = eager(() => T.withScratch(build, (r) => [r]).dataSync());
    expectSameValues(kept.dataSync(), want, 'kept after churn');
  });

  it('a kept reshape of a deferred result, and a kept pair sharing a sub-expression, survive', () => {
    const build = (): Tensor[] => {
      const t = T.exp(T.mul(x, 0.01));
      T.sum(T.tanh(t)).item();
      const h = T.mul(t, y);
      return [T.reshape(T.add(h, 1), [64, 64]), T.sub(h, 2), T.reshape(h, [32, 128])];
    };
    const kept = T.withScratch(build, (r) => r);
    for (let i = 0; i < 5; i++) churn(700 + i);
    const want = eager(() => T.withScratch(build, (r) => r).map((t) => t.dataSync()));
    kept.forEach((t, i) => expectSameValues(t.dataSync(), want[i]!, `kept ${i}`));
  });

  it('nested scopes: an inner deferred result kept by the outer scope survives', () => {
    const build = (): Tensor => T.withScratch(() => {
      const inner = T.withScratch(() => T.mul(T.exp(T.mul(x, 0.02)), y), (r) => [r]);
      T.sum(T.tanh(T.add(inner, 1))).item();
      return T.sub(inner, T.sigmoid(y));
    }, (r) => [r]);
    const kept = build();
    for (let i = 0; i < 4; i++) churn(800 + i);
    expectSameValues(kept.dataSync(), eager(build).dataSync(), 'nested');
  });

  it('a deferred value made outside any scope and first evaluated inside one is not recycled', () => {
    const f = T.add(T.mul(x, 2), T.sigmoid(y));
    const h = T.exp(T.mul(x, 0.03));
    const a = T.add(h, 1);
    const b = T.mul(h, 3);
    // tanh is eager: it evaluates f and a (computing h inside a's pass).
    T.withScratch(() => T.add(T.sum(T.tanh(f)), T.sum(T.tanh(a))), (r) => [r]);
    expect(exprOf(f).result).not.toBeNull();
    expect(exprOf(a).result).not.toBeNull();
    for (let i = 0; i < 6; i++) churn(900 + i);
    const want = eager(() => {
      const he = T.exp(T.mul(x, 0.03));
      return { f: T.add(T.mul(x, 2), T.sigmoid(y)).dataSync(), a: T.add(he, 1).dataSync(), b: T.mul(he, 3).dataSync(), h: he.dataSync() };
    });
    expectSameValues(f.dataSync(), want.f, 'f');
    expectSameValues(a.dataSync(), want.a, 'a');
    expectSameValues(h.dataSync(), want.h, 'h');
    expectSameValues(b.dataSync(), want.b, 'b (built outside, evaluated after the scopes)');
  });

  it('a deferred value made outside and read directly inside a scope (through an eager op) is not recycled', () => {
    const f = T.sub(T.square(y), x);
    T.withScratch(() => T.sum(T.log(T.abs(f))), (r) => [r]);
    for (let i = 0; i < 4; i++) churn(1000 + i);
    expectSameValues(f.dataSync(), eager(() => T.sub(T.square(y), x).dataSync()), 'f');
  });

  it('a scope that throws recycles nothing: its deferred values stay readable', () => {
    let inside: Tensor | null = null;
    expect(() => T.withScratch(() => {
      const t = T.log(T.add(T.abs(x), 2));
      inside = T.mul(t, T.exp(T.neg(y)));
      throw new Error('boom');
    }, () => [])).toThrow('boom');
    for (let i = 0; i < 3; i++) churn(1100 + i);
    expectSameValues((inside as Tensor | null)!.dataSync(), eager(() => T.mul(T.log(T.add(T.abs(x), 2)), T.exp(T.neg(y))).dataSync()), 'after throw');
  });

  it('a kept value built in one scope and used in the next scope stays right', () => {
    const g1 = T.withScratch(() => T.mul(T.exp(T.mul(x, 0.01)), 2), (r) => [r]);
    const g2 = T.withScratch(() => {
      const u = T.add(g1, T.sigmoid(y));
      T.sum(T.tanh(u)).item();
      return T.mul(u, g1);
    }, (r) => [r]);
    for (let i = 0; i < 3; i++) churn(1200 + i);
    const want = eager(() => {
      const e1 = T.mul(T.exp(T.mul(x, 0.01)), 2);
      return { g1: e1.dataSync(), g2: T.mul(T.add(e1, T.sigmoid(y)), e1).dataSync() };
    });
    expectSameValues(g1.dataSync(), want.g1, 'g1');
    expectSameValues(g2.dataSync(), want.g2, 'g2');
  });
});

describe('recomputation stays bounded', () => {
  const x = T.tensor(f32Data(N, 71, 0), [N]);

  it('a large sub-expression one pass computed is stored when another expression takes it up', () => {
    let h = x;
    for (let i = 0; i < 10; i++) h = T.mul(T.add(h, 0.5), 0.75);
    const a = T.sub(h, 1);
    a.dataSync();
    expect(exprOf(h).result, 'computed inside a, not stored').toBeNull();
    expect(exprOf(h).nodes).toBeGreaterThan(8);
    const b = T.mul(h, 2);
    expect(exprOf(h).result, 'stored when b took it up').not.toBeNull();
    const want = eager(() => {
      let he = x;
      for (let i = 0; i < 10; i++) he = T.mul(T.add(he, 0.5), 0.75);
      return { a: T.sub(he, 1).dataSync(), b: T.mul(he, 2).dataSync() };
    });
    expectSameValues(a.dataSync(), want.a, 'a');
    expectSameValues(b.dataSync(), want.b, 'b');
  });

  it('a running state updated each step (an optimiser moving average) never grows past a few steps of history', () => {
    let m = T.zeros([N]);
    let maxNodes = 0;
    for (let step = 0; step < 50; step++) {
      const g = T.tensor(f32Data(N, 300 + step, 0), [N]);
      m = T.add(T.mul(m, 0.9), T.mul(g, 0.1));
      T.sum(T.div(m, 3)).item();
      if (isDeferred(m)) maxNodes = Math.max(maxNodes, exprOf(m).nodes);
    }
    expect(maxNodes).toBeLessThanOrEqual(12);
  });
});

describe('a sparse row scatter (the gradient of pick) and log-softmax gradients', () => {
  const rows = 64;
  const classes = 100;
  const y = T.logSoftmax(T.tensor(f32Data(rows * classes, 81, 0), [rows, classes]), -1);
  const index = T.tensor(Int32Array.from({ length: rows }, (_, r) => (r * 37) % classes), [rows, 1], 'int32');
  const g = T.tensor(Float32Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? 0 : Math.sin(r) * 3)), [rows, 1]);

  it('scatterAlongAxis of one value per row stays sparse and reads back like the dense scatter', () => {
    const sparse = T.scatterAlongAxis(g, index, -1, [rows, classes]);
    expect((sparse.storage as object).constructor.name).toBe('RowScatter');
    expectSameValues(sparse.dataSync(), eager(() => T.scatterAlongAxis(g, index, -1, [rows, classes])).dataSync(), 'scatter');
  });

  it('logSoftmaxGrad of a sparse scatter is bit-identical to the dense kernel', () => {
    const before = cpuRewriteCounts().sparseRowGradient;
    const fast = T.logSoftmaxGrad(T.scatterAlongAxis(g, index, -1, [rows, classes]), y, 1);
    expect(cpuRewriteCounts().sparseRowGradient, 'the sparseRowGradient rewrite fired').toBe(before + 1);
    const dense = eager(() => T.logSoftmaxGrad(T.scatterAlongAxis(g, index, -1, [rows, classes]), y, 1));
    expect(cpuRewriteCounts().sparseRowGradient, 'fusion off: the dense kernel ran').toBe(before + 1);
    expectSameValues(fast.dataSync(), dense.dataSync(), 'logSoftmaxGrad');
  });

  it('declines (and stays exact) when a row value is beyond 2^100, where the dense kernel works in double', () => {
    const huge = T.tensor(Float32Array.from({ length: rows }, (_, r) => (r === 3 ? 2 ** 110 : 1)), [rows, 1]);
    const before = cpuRewriteCounts().sparseRowGradient;
    const got = T.logSoftmaxGrad(T.scatterAlongAxis(huge, index, -1, [rows, classes]), y, 1);
    expect(cpuRewriteCounts().sparseRowGradient, 'declined').toBe(before);
    const want = eager(() => T.logSoftmaxGrad(T.scatterAlongAxis(huge, index, -1, [rows, classes]), y, 1));
    expectSameValues(got.dataSync(), want.dataSync(), 'huge row');
  });

  it('a sparse scatter kept past a scratch scope is made dense before the scope recycles', () => {
    const kept = T.withScratch(() => T.scatterAlongAxis(T.mul(g, 2), index, -1, [rows, classes]), (r) => [r]);
    for (let i = 0; i < 3; i++) T.withScratch(() => T.exp(T.tensor(f32Data(rows * classes, 90 + i, 0), [rows, classes])), (r) => [r]).dataSync();
    expectSameValues(kept.dataSync(), eager(() => T.scatterAlongAxis(T.mul(g, 2), index, -1, [rows, classes])).dataSync(), 'kept scatter');
  });
});

describe('writes through dataNoCopy cannot reach a deferred value', () => {
  // Eager ops read their operands when called; a deferred one reads them when evaluated. A write
  // into an array from dataNoCopy in between must not show, so deferred equals eager here too.
  const n = 2048;
  const source = (): Tensor => T.tensor(f32Data(n, 7, 3));

  it('handing out an operand evaluates the deferred values reading it first', () => {
    const a = source();
    const expected = eager(() => T.exp(a)).dataSync();
    const b = T.exp(a);
    const c = T.mul(b, 2);
    expect(isDeferred(b)).toBe(true);
    const values = a.dataNoCopy();
    values.fill(5);
    expectSameValues(b.dataSync(), expected, 'exp(a) after a write into a.dataNoCopy()');
    expectSameValues(c.dataSync(), expected.map((v) => Math.fround(v * 2)), 'mul(exp(a), 2)');
    expect(T.exp(a).dataSync()[0]).toBe(Math.fround(Math.exp(5)));
  });

  it('an op on an array already handed out runs at once', () => {
    const a = source();
    const values = a.dataNoCopy();
    const expected = eager(() => T.sigmoid(a)).dataSync();
    const b = T.sigmoid(a);
    expect(isDeferred(b)).toBe(false);
    values.fill(-1);
    expectSameValues(b.dataSync(), expected, 'sigmoid(a) made after a.dataNoCopy(), then a written');
  });

  it('a deferred broadcast of a column is evaluated before the column is handed out', () => {
    const column = T.tensor(f32Data(64, 3, 3), [64, 1]);
    const wide = T.broadcastTo(column, [64, 32]);
    expect(isDeferred(wide)).toBe(true);
    const expected = eager(() => T.broadcastTo(column, [64, 32])).dataSync();
    column.dataNoCopy().fill(0);
    expectSameValues(wide.dataSync(), expected, 'broadcastTo(column) after a write into the column');
  });

  it('a sparse row scatter is made dense before its values are handed out', () => {
    const updates = T.tensor(f32Data(64, 5, 3), [64, 1]);
    const indices = T.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 32), [64, 1], 'int32');
    const expected = eager(() => T.scatterAlongAxis(updates, indices, -1, [64, 32])).dataSync();
    const scattered = T.scatterAlongAxis(updates, indices, -1, [64, 32]);
    expect(scattered.storage).toBeInstanceOf(RowScatter);
    updates.dataNoCopy().fill(9);
    indices.dataNoCopy().fill(0);
    expectSameValues(scattered.dataSync(), expected, 'scatterAlongAxis after writes into its operands');
  });
});
