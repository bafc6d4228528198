import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { variable, type Variable } from '../src/index.js';
import { checkOp, expectClose, Gen } from './helpers.js';

type Domain = 'any' | 'positive' | 'nonzero' | 'moderate';

function sample(gen: Gen, shape: number[], domain: Domain): Tensor {
  switch (domain) {
    case 'any': return gen.normal(shape);
    case 'moderate': return gen.uniform(shape, -1.5, 1.5);
    case 'positive': return gen.uniform(shape, 0.3, 2.5);
    case 'nonzero': return gen.awayFromZero(shape);
  }
}

const UNARY: [string, (x: Variable) => Variable, Domain, boolean][] = [
  ['neg', A.neg, 'any', true],
  ['square', A.square, 'any', true],
  ['sqrt', A.sqrt, 'positive', true],
  ['rsqrt', A.rsqrt, 'positive', true],
  ['reciprocal', A.reciprocal, 'positive', true],
  ['exp', A.exp, 'moderate', true],
  ['expm1', A.expm1, 'moderate', true],
  ['log', A.log, 'positive', true],
  ['log1p', A.log1p, 'positive', true],
  ['abs', A.abs, 'nonzero', true],
  ['sin', A.sin, 'any', true],
  ['cos', A.cos, 'any', true],
  ['erf', A.erf, 'any', true],
  ['tanh', A.tanh, 'any', true],
  ['sigmoid', A.sigmoid, 'any', true],
  ['softplus', A.softplus, 'any', true],
  ['logSigmoid', A.logSigmoid, 'any', true],
  ['relu', A.relu, 'nonzero', true],
];

describe('unary ops: gradcheck, second order, float32', () => {
  for (const [name, op, domain, smooth] of UNARY) {
    it(name, () => {
      const gen = new Gen(name.length * 31 + name.charCodeAt(0));
      for (let trial = 0; trial < 2; trial++) {
        const shape = gen.shape(trial === 0 ? 0 : 1, 3);
        checkOp(op, [sample(gen, shape, domain)], { secondOrder: smooth });
      }
    });
  }

  it('match hand-computed derivatives at known points', () => {
    const x = variable(T.tensor([0.5, 2], undefined, 'float64'));
    const d = (op: (v: Variable) => Variable): number[] => Array.from(A.grad((v: Variable) => A.sum(op(v)))(x).dataSync());
    expectClose(d(A.exp), [Math.exp(0.5), Math.exp(2)], 1e-12);
    expectClose(d(A.log), [2, 0.5], 1e-12);
    expectClose(d(A.sqrt), [0.5 / Math.sqrt(0.5), 0.5 / Math.sqrt(2)], 1e-12);
    expectClose(d(A.tanh), [1 - Math.tanh(0.5) ** 2, 1 - Math.tanh(2) ** 2], 1e-12);
    const s = (v: number): number => 1 / (1 + Math.exp(-v));
    expectClose(d(A.sigmoid), [s(0.5) * (1 - s(0.5)), s(2) * (1 - s(2))], 1e-12);
    expectClose(d(A.softplus), [s(0.5), s(2)], 1e-12);
    expectClose(d(A.logSigmoid), [1 - s(0.5), 1 - s(2)], 1e-12);
    expectClose(d(A.erf), [(2 / Math.sqrt(Math.PI)) * Math.exp(-0.25), (2 / Math.sqrt(Math.PI)) * Math.exp(-4)], 1e-12);
  });

  it('take subgradient 0 at the kinks of abs and relu', () => {
    const x = variable([-1, 0, 2]);
    expectClose(A.grad((v: Variable) => A.sum(A.abs(v)))(x), [-1, 0, 1]);
    expectClose(A.grad((v: Variable) => A.sum(A.relu(v)))(x), [0, 0, 1]);
  });

  it('make constants of piecewise-constant ops', () => {
    const x = variable([-1.5, 0, 2.5]);
    for (const op of [A.sign, A.floor, A.ceil, A.round]) expect(op(x).requiresGrad).toBe(false);
    expectClose(A.sign(x), [-1, 0, 1]);
    expectClose(A.floor(x), [-2, 0, 2]);
    expectClose(A.round(x), [-2, 0, 3]);
  });
});

const BINARY: [string, (a: Variable, b: Variable) => Variable, Domain, Domain][] = [
  ['add', A.add, 'any', 'any'],
  ['sub', A.sub, 'any', 'any'],
  ['mul', A.mul, 'any', 'any'],
  ['div', A.div, 'any', 'nonzero'],
  ['pow', A.pow, 'positive', 'moderate'],
  ['maximum', A.maximum, 'any', 'any'],
  ['minimum', A.minimum, 'any', 'any'],
];

describe('binary ops with broadcasting: gradcheck, second order, float32', () => {
  for (const [name, op, domainA, domainB] of BINARY) {
    it(name, () => {
      const gen = new Gen(name.length * 17 + name.charCodeAt(1));
      for (let trial = 0; trial < 3; trial++) {
        const shapeA = gen.shape(1, 3);
        const shapeB = gen.broadcastPartner(shapeA);
        // Alternate which operand is the broadcast one.
        const [sa, sb] = trial === 1 ? [shapeB, shapeA] : [shapeA, shapeB];
        checkOp(op, [sample(gen, sa, domainA), sample(gen, sb, domainB)]);
      }
    });
  }

  it('reduce the gradient of a broadcast operand to its shape', () => {
    const a = variable(T.ones([2, 3]));
    const b = variable(T.tensor([[1], [2]]));
    A.mul(a, b).backward();
    expect(b.grad!.shape).toEqual([2, 1]);
    expectClose(b.grad!, [3, 3]);
    expectClose(a.grad!, [1, 1, 1, 2, 2, 2]);
  });

  it('accept tensors, arrays and numbers as constants, keeping the Variable dtype', () => {
    const x = variable(T.tensor([1, 2], undefined, 'float64'));
    const y = A.add(A.mul(x, 2), [10, 20]);
    expect(y.dtype).toBe('float64');
    expectClose(y, [12, 24]);
    const z = A.sub(T.tensor([5, 5]), x);
    z.backward();
    expectClose(x.grad!, [-1, -1]);
    expect(x.grad!.dtype).toBe('float64');
  });

  it('give a leaf a gradient of its own dtype when a wider constant promotes the result', () => {
    const x = variable([1, 2]);
    const y = A.mul(x, T.tensor([3, 4], undefined, 'float64'));
    expect(y.dtype).toBe('float64');
    y.backward();
    expect(x.grad!.dtype).toBe('float32');
    expectClose(x.grad!, [3, 4]);
  });

  it('pow: d/dx and d/dp at hand-computed points, and no NaN at 0 ** 0', () => {
    const x = variable(T.tensor([2, 3], undefined, 'float64'));
    const p = variable(T.tensor([3, 0.5], undefined, 'float64'));
    const [dx, dp] = A.grad((a: Variable, b: Variable) => A.sum(A.pow(a, b)), [0, 1])(x, p);
    expectClose(dx!, [12, 0.5 / Math.sqrt(3)], 1e-12);
    expectClose(dp!, [8 * Math.log(2), Math.sqrt(3) * Math.log(3)], 1e-12);
    const zero = variable([0, 0]);
    expectClose(A.grad((a: Variable) => A.sum(A.pow(a, [0, 2])))(zero), [0, 0]);
    expectClose(A.grad((e: Variable) => A.sum(A.pow([0, -2], e)))(variable([2, 2])), [0, 0]);
  });

  it('maximum and minimum split the gradient equally at ties', () => {
    const a = variable([1, 2, 5]);
    const b = variable([1, 3, 4]);
    A.maximum(a, b).backward();
    expectClose(a.grad!, [0.5, 0, 1]);
    expectClose(b.grad!, [0.5, 1, 0]);
    a.zeroGrad();
    b.zeroGrad();
    A.minimum(a, b).backward();
    expectClose(a.grad!, [0.5, 1, 0]);
    expectClose(b.grad!, [0.5, 0, 1]);
  });
});

describe('where, clip, cast, comparisons', () => {
  it('where: gradcheck with broadcasting; cond gets nothing', () => {
    const gen = new Gen(5);
    const cond = T.tensor([[1], [0], [1]], undefined, 'int32');
    checkOp((a, b) => A.where(cond, a, b), [gen.normal([3, 4]), gen.normal([4])]);
    const a = variable([1, 2, 3]);
    const b = variable([10, 20, 30]);
    A.where([1, 0, 1], a, b).backward([1, 2, 3]);
    expectClose(a.grad!, [1, 0, 3]);
    expectClose(b.grad!, [0, 2, 0]);
  });

  it('where: a float Variable used as cond receives no gradient', () => {
    const c = variable([1, 0]);
    const a = variable([1, 2]);
    A.sum(A.where(c, a, 0)).backward();
    expect(c.grad).toBeNull();
    expectClose(a.grad!, [1, 0]);
  });

  it('clip: gradcheck inside and outside; 1 at the bounds', () => {
    const gen = new Gen(6);
    checkOp((x) => A.clip(x, -0.5, 0.5), [gen.awayFromZero([3, 4], 0.02)]);
    const x = variable([-2, -1, 0, 1, 2]);
    A.clip(x, -1, 1).backward();
    expectClose(x.grad!, [0, 1, 1, 1, 0]);
  });

  it('cast: float32 <-> float64 passes the gradient, int32 is a constant', () => {
    const x = variable([1.5, 2.5]);
    const y = A.cast(x, 'float64');
    expect(y.dtype).toBe('float64');
    A.sum(A.mul(y, y)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expectClose(x.grad!, [3, 5]);
    expect(A.cast(x, 'int32').requiresGrad).toBe(false);
    expect(A.cast(x, 'float32')).toBe(x);
    checkOp((v) => A.square(A.cast(A.cast(v, 'float32'), 'float64')), [new Gen(8).normal([3])], { secondOrder: false, gradcheck: { atol: 1e-3, rtol: 1e-3, eps: 1e-3 } });
  });

  it('comparisons give constants of 0/1', () => {
    const x = variable([1, 2, 3]);
    const cases: [(a: Variable, b: number) => Variable, number[]][] = [
      [A.equal, [0, 1, 0]], [A.notEqual, [1, 0, 1]], [A.less, [1, 0, 0]],
      [A.lessEqual, [1, 1, 0]], [A.greater, [0, 0, 1]], [A.greaterEqual, [0, 1, 1]],
    ];
    for (const [op, expected] of cases) {
      const r = op(x, 2);
      expect(r.requiresGrad).toBe(false);
      expectClose(r, expected);
    }
  });
});

describe('erf: values and derivatives of orders 1 to 3 against PyTorch', () => {
  // torch.erf and torch.autograd.grad (create_graph) in float64, Debian's python3-torch.
  const xs = [-2.2, -0.7, 0, 0.3, 1.6];
  const reference = {
    value: [-0.9981371537020182, -0.6778011938374184, 0, 0.3286267594591274, 0.976348383344644],
    first: [0.008922155064916198, 0.6912748604105386, 1.1283791670955126, 1.031260909618963, 0.08722905863394531],
    second: [0.03925748228563128, 0.967784804574754, 0, -0.6187565457713778, -0.279132987628625],
    third: [0.15488861192694525, -0.027650994416421826, -2.256758334191025, -1.6912678917750994, 0.7187674431437096],
  };
  it('matches in float64 (the graph makes each order from the one before)', () => {
    const x = variable(T.tensor(xs, undefined, 'float64'));
    expectClose(A.erf(x).dataSync(), reference.value, 1e-14);
    const d1 = (v: Variable): Variable => A.grad((u: Variable) => A.sum(A.erf(u)))(v);
    const d2 = (v: Variable): Variable => A.grad((u: Variable) => A.sum(d1(u)))(v);
    const d3 = (v: Variable): Variable => A.grad((u: Variable) => A.sum(d2(u)))(v);
    expectClose(d1(x).dataSync(), reference.first, 1e-12);
    expectClose(d2(x).dataSync(), reference.second, 1e-12);
    expectClose(d3(x).dataSync(), reference.third, 1e-12);
  });
});
