/**
 * Property-based bad-input suite for the layers (fast-check): Dense, Activation and Sequential get
 * random constructor arguments and options (misspelt names included) and random inputs (shapes
 * with empty axes, every dtype, non-operands). Each call either returns finite values or throws a
 * TypeError or RangeError naming the layer and the argument at fault, before any backend kernel
 * ran (kernel calls counted by wrapping the backend's methods).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lossgraph/tensor';
import type { Variable } from '@lossgraph/autograd';
import { Activation, Dense, Sequential } from '../src/index.js';
import { countKernels, type KernelCounter } from '../../tensor/test/kernel-count.js';

T.setBackend('cpu');

let counter: KernelCounter;
beforeAll(() => {
  counter = countKernels();
});
afterAll(() => counter.restore());

const DTYPES = ['float32', 'float64', 'int32'] as const;

const inputArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.constantFrom(...DTYPES), fc.nat()).map(([shape, dtype, seed]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return T.tensor(Array.from({ length: size }, (_, i) => ((seed + i) * 37) % 5 - 2), shape, dtype);
  }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('x', null, undefined, {}, [[1, 2], [3]]) },
);

const optionValueArb = fc.constantFrom<unknown>(-1, 0, 1, 3, 2.5, true, false, null, 'relu', 'tanh', 'sigmoid', 'softrelu', 'gelu', 'float32', 'float64', 'int32', 'zeros', 'x');
const denseOptionsArb = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('activation', 'useBias', 'flatten', 'inUnits', 'dtype', 'biasInitializer', 'in_units', 'use_bias'), optionValueArb, { maxKeys: 3 }),
);

/** What an error must say: the layer first, then the argument or option at fault. */
const NAMES = /\b(x|units|options?|activation|useBias|flatten|inUnits|dtype|biasInitializer|weightInitializer|name|in_units|use_bias|input|features)\b/;

/**
 * Constructing (and initialising: a zero bias is a fill kernel) is not counted; a construction
 * that throws must have run no kernel, and so must a forward that throws.
 */
function check(layerName: string, make: () => { forward(x: unknown): Variable }, x: unknown): 'finite' | 'refused' {
  let before = counter.calls;
  let out: Variable;
  try {
    const layer = make();
    before = counter.calls;
    out = layer.forward(x);
  } catch (e) {
    const error = e as Error;
    expect(error instanceof TypeError || error instanceof RangeError, `${error.constructor.name}: ${error.message}`).toBe(true);
    expect(error.message.startsWith(layerName), error.message).toBe(true);
    expect(error.message).toMatch(NAMES);
    expect(counter.calls - before, `kernels ran before: ${error.message}`).toBe(0);
    return 'refused';
  }
  const values = Array.from(out.dataSync());
  expect(values.every(Number.isFinite), `${layerName} gave ${values.join(', ')}`).toBe(true);
  return 'finite';
}

/**
 * Runs `outcome` on `numRuns` generated cases (seed 18) and expects both outcomes among them: some
 * inputs refused, some giving finite values (a generator that made only one kind would test half
 * the rule).
 */
function expectFiniteAndRefused<A extends unknown[]>(cases: fc.Arbitrary<A>, outcome: (...args: A) => string, numRuns: number): void {
  const seen = new Set<string>();
  fc.assert(fc.property(cases, (args) => { seen.add(outcome(...args)); }), { numRuns, seed: 18 });
  expect([...seen].sort()).toEqual(['finite', 'refused']);
}

describe('bad inputs to every layer: finite values, or an error naming the argument before any kernel runs', () => {
  it('Dense', () => {
    expectFiniteAndRefused(
      fc.tuple(fc.constantFrom<unknown>(1, 2, 3, 0, -1, 1.5, '2'), denseOptionsArb, inputArb),
      (units, options, x) => check('Dense', () => new Dense(units as number, options as never).initialize({ seed: 0 }), x),
      300,
    );
  });

  it('Activation', () => {
    expectFiniteAndRefused(fc.tuple(optionValueArb, inputArb), (name, x) => check('Activation', () => new Activation(name as never), x), 200);
  });

  it('Sequential of two Dense layers', () => {
    expectFiniteAndRefused(
      fc.tuple(denseOptionsArb, inputArb),
      (options, x) => check('Dense', () => new Sequential().add(new Dense(3, options as never), new Dense(2)).initialize({ seed: 1 }), x),
      200,
    );
  });
});
