/**
 * Gradients from the tape against finite differences, in float64: autograd's gradcheck on every
 * numeric case of the conformance suite (with respect to the inputs the suite differentiates), and
 * second derivatives (Hessian-vector products against central differences of the gradient, and
 * gradcheck's order-2 mode) for the smooth losses.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { add, dot, grad, gradcheck, mul, noGrad, sum, Variable, type VariableLike } from '@lossgraph/autograd';
import { canonicalName, caseAsFunction, loadCases, type ConformanceCase } from './conformance.js';

T.setBackend('cpu');
const numeric = loadCases().filter((c) => c.expectError === undefined);


describe('gradcheck on every conformance case (float64)', () => {
  test.each(numeric.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { f, point, head } = caseAsFunction(c);
    const result = gradcheck(f, point, { headGrad: head, eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
    const worst = result.inputs.filter((r) => !r.ok).map((r) => `input ${r.input} at [${r.worst?.index.join(', ')}]: ${r.worst?.analytic} vs ${r.worst?.numeric}`);
    expect(worst).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

/** The losses whose second derivatives are checked, with the case ids used. */
const SECOND_ORDER = ['SoftmaxCrossEntropyLoss', 'SigmoidBinaryCrossEntropyLoss', 'KLDivLoss', 'PoissonNLLLoss', 'CosineEmbeddingLoss', 'CTCLoss'];

function secondOrderCases(): ConformanceCase[] {
  return numeric.filter((c) => SECOND_ORDER.includes(canonicalName(c.loss)) && !c.id.includes('mxnet-ref'));
}

/**
 * A Hessian-vector product of `Σ f·head` in all its differentiable inputs at once, by the tape
 * (the gradient of gradient·direction) and by central differences of the gradient along the direction.
 */
function hessianVectorProducts(c: ConformanceCase): { tape: Float64Array; numeric: Float64Array } {
  const { f, point, head } = caseAsFunction(c);
  const argnums = point.map((_, i) => i);
  const objective = (...xs: Variable[]): Variable => sum(mul(f(...xs), head));
  const gradient = grad(objective, argnums);
  const directions = point.map((x, i) => T.randn(x.shape, { seed: 7 + i, dtype: 'float64' }));
  const directional = (...xs: Variable[]): Variable => {
    const gs = gradient(...xs);
    return gs.map((g, i) => dot(g, directions[i]!)).reduce((a, b) => add(a, b));
  };
  const flat = (vs: readonly (Variable | T.Tensor)[]): Float64Array => Float64Array.from(vs.flatMap((v) => Array.from(v.dataSync())));
  const tape = flat(grad(directional, argnums)(...point));
  const eps = 1e-5;
  const at = (sign: number): Float64Array => noGrad(() => flat(gradient(...point.map((x, i) => T.add(x, T.mul(directions[i]!, sign * eps))))));
  const plus = at(1);
  const minus = at(-1);
  return { tape, numeric: plus.map((p, i) => (p - minus[i]!) / (2 * eps)) };
}

describe('second derivatives (float64)', () => {
  const cases = secondOrderCases();
  let nonTrivial = 0;

  test.each(cases.map((c) => [c.id, c] as const))('Hessian-vector product, %s', (_id, c) => {
    const { tape, numeric: fd } = hessianVectorProducts(c);
    let scale = 0;
    for (const v of fd) scale = Math.max(scale, Math.abs(v));
    // Losses linear in their inputs (log-probabilities in, from logits) have a zero Hessian: the tape must agree.
    if (scale > 1e-3) nonTrivial++;
    for (let i = 0; i < fd.length; i++) expect(Math.abs(tape[i]! - fd[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(fd[i]!));
  });

  test('most of those products are far from zero (so the comparison means something)', () => {
    expect(nonTrivial).toBeGreaterThanOrEqual(cases.length - 4);
  });

  const firstOfEach = SECOND_ORDER.map((name) => secondOrderCases().find((c) => canonicalName(c.loss) === name)!);
  test.each(firstOfEach.map((c) => [c.id, c] as const))('gradcheck order 2, %s', (_id, c) => {
    const { f, point } = caseAsFunction(c);
    const result = gradcheck(f as (...xs: Variable[]) => Variable, point as VariableLike[], { order: 2, eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
    expect(result.ok).toBe(true);
  });
});
