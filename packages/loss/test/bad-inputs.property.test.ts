/**
 * Property-based bad-input suite (fast-check): every public loss gets random shapes (empty axes
 * included), dtypes, non-operands and option objects (known names with plausible or wrong values,
 * misspelt names). Each call either returns a finite loss (the inputs were valid) or throws a
 * TypeError or RangeError that starts with the loss's name and names the argument or option at
 * fault, before any backend kernel ran: every compute method of the active backend is wrapped to
 * count its calls, and a refused call must leave the count unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lossgraph/tensor';
import type { Variable } from '@lossgraph/autograd';
import { countKernels, type KernelCounter } from '../../tensor/test/kernel-count.js';
import {
  CosineEmbeddingLoss, CTCLoss, HingeLoss, HuberLoss, KLDivLoss, L1Loss, L2Loss, LogisticLoss, PoissonNLLLoss,
  SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss, SquaredHingeLoss, TripletLoss,
} from '../src/index.js';

T.setBackend('cpu');

// ---------------------------------------------------------------- counting backend kernels

let counter: KernelCounter;
beforeAll(() => {
  counter = countKernels();
});
afterAll(() => counter.restore());

// ---------------------------------------------------------------- random operands

/** Where an operand's values lie when it is valid: the loss's documented domain. */
type Domain = 'any' | 'unit' | 'positive' | 'sign' | 'class' | 'ctcLabel';

const DTYPES = ['float32', 'float64', 'int32'] as const;

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });

/** A deterministic value in the domain, from an integer stream. */
function valueIn(domain: Domain, n: number, integer: boolean): number {
  const u = ((n * 2654435761) % 1000) / 1000;
  switch (domain) {
    case 'any': return integer ? Math.round(4 * u - 2) : 4 * u - 2;
    case 'unit': return integer ? Math.round(u) : 0.05 + 0.9 * u;
    case 'positive': return integer ? 1 + Math.round(2 * u) : 0.1 + 3 * u;
    case 'sign': return u < 0.5 ? -1 : 1;
    case 'class': return Math.floor(3 * u);
    case 'ctcLabel': return u < 0.2 ? -1 : Math.floor(2 * u);
  }
}

function operandArb(domain: Domain, shape: fc.Arbitrary<number[]> = shapeArb): fc.Arbitrary<unknown> {
  const tensorArb = fc.tuple(shape, fc.constantFrom(...DTYPES), fc.nat()).map(([s, dtype, seed]) => {
    const size = s.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, (_, i) => valueIn(domain, seed + i, dtype === 'int32'));
    return T.tensor(values, s, dtype);
  });
  const notOperands = fc.constantFrom<unknown>('pred', null, {}, [[1, 2], [3]], true, undefined);
  return fc.oneof({ weight: 12, arbitrary: tensorArb }, { weight: 1, arbitrary: notOperands });
}

/** Values an option might be given: valid for some option, wrong for others. */
const optionValueArb = fc.constantFrom<unknown>(-1, 0, 1, 2, 0.5, 1.5, -0.5, true, false, null, 'signed', 'binary', 'NTC', 'TNC', 'NT', 'TN', 'x');

/** An options object: some of the loss's own names, sometimes a misspelt one. */
function optionsArb(names: readonly string[]): fc.Arbitrary<Record<string, unknown> | undefined> {
  const known = fc.dictionary(fc.constantFrom(...names), optionValueArb, { maxKeys: 3 });
  const misspelt = fc.constantFrom('weigth', 'batch_axis', 'sparse_label', 'from_logits', 'Axis');
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: known },
    { weight: 1, arbitrary: fc.tuple(known, misspelt, optionValueArb).map(([o, k, v]) => ({ ...o, [k]: v })) },
  );
}

function sampleWeightArb(): fc.Arbitrary<Record<string, unknown> | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: operandArb('positive').map((w) => ({ sampleWeight: w })) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({ sampleWeights: [1] }, { sampleWeight: 'heavy' }) },
  );
}

// ---------------------------------------------------------------- the losses and their inputs

interface LossCase {
  readonly name: string;
  /** Constructs the loss (its forward is called with the generated arguments, whatever its arity). */
  readonly make: (options: Record<string, unknown> | undefined) => { forward: unknown };
  readonly optionNames: readonly string[];
  /** The positional arguments of forward (the trailing inputs object separately). */
  readonly args: (options: Record<string, unknown> | undefined) => fc.Arbitrary<unknown[]>;
  readonly inputs: fc.Arbitrary<Record<string, unknown> | undefined>;
}

/** A loss class: its name, constructor and option names (the keys of its zod schema). */
type LossClass = (new (options?: never) => { forward: unknown }) & { schema: { shape: Record<string, unknown> } };

/** The fields of a case that its class gives. */
function lossOf(cls: LossClass): Pick<LossCase, 'name' | 'make' | 'optionNames'> {
  return { name: cls.name, make: (o) => new cls(o as never), optionNames: Object.keys(cls.schema.shape) };
}

/** pred and label over the domains the options select (fromSigmoid: probabilities, and so on). */
function predLabel(pred: Domain, label: Domain): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    // Independent shapes: mostly mismatched.
    fc.tuple(operandArb(pred), operandArb(label)),
    // The same shape: mostly valid.
    shapeArb.chain((s) => fc.tuple(operandArb(pred, fc.constant(s)), operandArb(label, fc.constant(s)))),
  );
}

const option = (options: Record<string, unknown> | undefined, key: string): unknown => options?.[key];

const cases: LossCase[] = [
  ...([L1Loss, L2Loss, HuberLoss, HingeLoss, SquaredHingeLoss, LogisticLoss] as const).map((cls): LossCase => ({
    ...lossOf(cls),
    args: (o) => predLabel('any', option(o, 'labelFormat') === 'binary' ? 'unit' : 'sign'),
    inputs: sampleWeightArb(),
  })),
  {
    ...lossOf(SigmoidBinaryCrossEntropyLoss),
    args: (o) => predLabel(option(o, 'fromSigmoid') === true ? 'unit' : 'any', 'unit'),
    inputs: fc.oneof(sampleWeightArb(), operandArb('positive').map((w) => ({ posWeight: w }))),
  },
  {
    ...lossOf(SoftmaxCrossEntropyLoss),
    args: (o) => fc.oneof(
      predLabel('any', option(o, 'sparseLabel') === false ? 'unit' : 'class'),
      // Sparse labels of pred's shape without its last axis: mostly valid.
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((s) =>
        fc.tuple(operandArb('any', fc.constant(s)), operandArb('class', fc.constant(s.slice(0, -1))))),
    ),
    inputs: sampleWeightArb(),
  },
  {
    ...lossOf(KLDivLoss),
    args: () => predLabel('any', 'unit'),
    inputs: sampleWeightArb(),
  },
  {
    ...lossOf(PoissonNLLLoss),
    args: (o) => predLabel(option(o, 'fromLogits') === false ? 'positive' : 'any', 'positive'),
    inputs: sampleWeightArb(),
  },
  {
    ...lossOf(TripletLoss),
    args: () => fc.oneof(
      fc.tuple(operandArb('any'), operandArb('any'), operandArb('any')),
      shapeArb.chain((s) => fc.tuple(operandArb('any', fc.constant(s)), operandArb('any', fc.constant(s)), operandArb('any', fc.constant(s)))),
    ),
    inputs: sampleWeightArb(),
  },
  {
    ...lossOf(CosineEmbeddingLoss),
    args: () => fc.oneof(
      fc.tuple(operandArb('any'), operandArb('any'), operandArb('sign')),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).chain(([n, f]) =>
        fc.tuple(operandArb('any', fc.constant([n, f])), operandArb('any', fc.constant([n, f])), operandArb('sign', fc.constant([n])))),
    ),
    inputs: sampleWeightArb(),
  },
  {
    ...lossOf(CTCLoss),
    args: () => fc.oneof(
      fc.tuple(operandArb('any'), operandArb('ctcLabel')),
      // (N, T, C) with C = 3 (two labels and the blank) and labels (N, L): mostly valid in NTC.
      fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })).chain(([n, t, l]) =>
        fc.tuple(operandArb('any', fc.constant([n, t, 3])), operandArb('ctcLabel', fc.constant([n, l])))),
    ),
    inputs: fc.oneof(
      sampleWeightArb(),
      fc.tuple(operandArb('positive'), operandArb('positive')).map(([p, l]) => ({ predLengths: p, labelLengths: l })),
    ),
  },
];

// ---------------------------------------------------------------- the property

/** What an error must say: the loss first, then the argument or option at fault. */
const ARGUMENT_NAMES = /\b(pred|label|target|positive|negative|input1|input2|sampleWeight|posWeight|predLengths|labelLengths|options?|inputs?|axis|batchAxis|weight|margin|rho|labelFormat|layout|labelLayout|epsilon|fromLogits|fromSigmoid|sparseLabel|computeFull)\b/;

function checkCall(c: LossCase, options: Record<string, unknown> | undefined, args: unknown[], inputs: Record<string, unknown> | undefined): void {
  const before = counter.calls;
  let out: Variable;
  try {
    const loss = c.make(options);
    out = (loss.forward as (...a: unknown[]) => Variable).call(loss, ...args, ...(inputs === undefined ? [] : [inputs]));
  } catch (e) {
    const error = e as Error;
    const where = `${c.name} with options ${JSON.stringify(options)}: ${error.message}`;
    expect(error instanceof TypeError || error instanceof RangeError, `${where} (${error.constructor.name})`).toBe(true);
    expect(error.message.startsWith(`${c.name}: `), where).toBe(true);
    expect(error.message, where).toMatch(ARGUMENT_NAMES);
    expect(counter.calls - before, `kernels ran before: ${where}`).toBe(0);
    return;
  }
  const values = Array.from(out.dataSync());
  // The one accepted non-finite result: the mean over the non-batch axes of an empty pred is 0/0,
  // NaN, as in PyTorch and MXNet.
  const first = args[0];
  if (first instanceof T.Tensor && first.size === 0) return;
  expect(values.every(Number.isFinite), `${c.name} with options ${JSON.stringify(options)} gave ${values.join(', ')}`).toBe(true);
}

describe('bad inputs to every loss: a finite loss, or an error naming the argument before any kernel runs', () => {
  it('wraps the backend: a kernel call is counted', () => {
    const before = counter.calls;
    T.add(T.tensor([1]), T.tensor([2]));
    expect(counter.calls).toBeGreaterThan(before);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcomes = { finite: 0, refused: 0 };
    fc.assert(
      fc.property(
        optionsArb(c.optionNames).chain((options) => fc.tuple(fc.constant(options), c.args(options), c.inputs)),
        ([options, args, inputs]) => {
          const before = counter.calls;
          checkCall(c, options, args, inputs);
          if (counter.calls === before) outcomes.refused++;
          else outcomes.finite++;
        },
      ),
      { numRuns: 300, seed: 18 },
    );
    // Both kinds of outcome occur, so the property tested something on each side.
    expect(outcomes.finite).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
