import { describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import * as A from '../src/index.js';
import { assertGradcheck, defineOp, gradcheck, GradcheckError, recordOp, type Variable } from '../src/index.js';
import { Gen } from './helpers.js';

/** x², with a deliberately wrong gradient (x instead of 2x). */
const WRONG_SQUARE = defineOp('wrongSquare', 'd/dx x² = x (wrong: 2x)', (g, [x]) => [A.mul(g, x)]);
const wrongSquare = (x: Variable): Variable => recordOp(WRONG_SQUARE, [x], T.square(x.value), undefined);

/** x³ with the right gradient computed from a constant, so its second derivative is lost. */
const FROZEN_CUBE = defineOp('frozenCube', 'd/dx x³ = 3x² (from a constant)', (g, [x]) => [A.mul(g, A.constant(T.mul(T.square(x.value), 3)))]);
const frozenCube = (x: Variable): Variable => recordOp(FROZEN_CUBE, [x], T.pow(x.value, 3), undefined);

describe('gradcheck', () => {
  const gen = new Gen(55);

  it('passes correct gradients and reports per-input errors', () => {
    const r = gradcheck((a, b) => A.mul(A.exp(a), b), [gen.normal([2, 3]), gen.normal([3])]);
    expect(r.ok).toBe(true);
    expect(r.order).toBe(1);
    expect(r.inputs).toHaveLength(2);
    expect(r.inputs[1]!.shape).toEqual([3]);
    expect(r.inputs[0]!.analytic).toHaveLength(6);
    expect(r.maxAbsError).toBeLessThan(1e-7);
  });

  it('catches a wrong gradient and names the input and element', () => {
    const r = gradcheck(wrongSquare, [T.tensor([1, -2, 3], undefined, 'float64')]);
    expect(r.ok).toBe(false);
    const worst = r.inputs[0]!.worst!;
    expect(worst.index).toEqual([2]);
    expect(worst.numeric / worst.analytic).toBeCloseTo(2, 6);
    expect(() => assertGradcheck(wrongSquare, [[1, -2, 3]])).toThrow(GradcheckError);
    expect(() => assertGradcheck(wrongSquare, [[1, -2, 3]])).toThrow(/input 0 \(shape \[3\]\): at \[2\] analytic/);
  });

  it('with order 2, catches a gradient rule that is not differentiable', () => {
    const x = [T.tensor([0.5, -1.5], undefined, 'float64')];
    expect(gradcheck(frozenCube, x).ok).toBe(true);
    const second = gradcheck(frozenCube, x, { order: 2 });
    expect(second.ok).toBe(false);
    expect(() => assertGradcheck(frozenCube, x, { order: 2 })).toThrow(/second derivatives differ/);
    expect(gradcheck((v) => A.pow(v, 3), x, { order: 2 }).ok).toBe(true);
  });

  it('converts float inputs to float64 and passes int32 inputs through unchecked', () => {
    let seen: string[] = [];
    const r = gradcheck((x, i) => {
      seen = [x.dtype, i.dtype];
      return A.pick(x, i);
    }, [T.randn([2, 3], { seed: 1 }), T.tensor([2, 0], undefined, 'int32')]);
    expect(seen).toEqual(['float64', 'int32']);
    expect(r.ok).toBe(true);
    expect(r.inputs[1]!.checked).toBe(false);
  });

  it('uses a given head gradient', () => {
    const r = gradcheck((x) => A.mul(x, 2), [[1, 2]], { headGrad: [0, 1] });
    expect(Array.from(r.inputs[0]!.analytic)).toEqual([0, 2]);
  });

  it('validates its arguments', () => {
    expect(() => gradcheck((x) => x, [[1]], { eps: 0 })).toThrow(/^gradcheck: option 'eps' is invalid: Too small: expected number to be >0 \(got 0\)$/);
    expect(() => gradcheck((x) => x, [[1]], { order: 3 as never })).toThrow(/^gradcheck: option 'order' is invalid: Invalid option: expected one of 1\|2 \(got 3\)$/);
    expect(() => gradcheck((x) => x, [T.tensor([1], undefined, 'int32')])).toThrow(/no float input/);
    expect(() => gradcheck((x) => x, [[1, 2]], { headGrad: [1] })).toThrow(/headGrad has shape \[1\]/);
    expect(() => gradcheck(() => 1 as never, [[1]])).toThrow(/f must return a Variable/);
  });
});
