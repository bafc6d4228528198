/**
 * Custom losses: the README's focal loss, made with defineLoss and as a subclass of Loss, checked by
 * hand, with gradcheck (first and second order), and for what they get for free (options
 * validation, weighting, batch-axis mean, a scope).
 */
import { describe, expect, test } from 'vitest';
import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import {
  add, expm1, gradcheck, logSigmoid, mul, neg, pow, sub, variable, type Variable, type VariableLike,
} from '@lossgraph/autograd';
import { defineLoss, Loss, lossOptionsSchema, type PredLabelArgs } from '../src/index.js';

T.setBackend('cpu');

// ---- the README's example, verbatim ----
const FocalLoss = defineLoss(
  'FocalLoss',
  (pred, label, { gamma, alpha }) => {
    // log p_t: the log-probability of the true class, from logits, stable at any magnitude
    const logPt = add(mul(label, logSigmoid(pred)), mul(sub(1, label), logSigmoid(neg(pred))));
    const alphaT = add(mul(label, alpha), mul(sub(1, label), 1 - alpha));
    return neg(mul(mul(alphaT, pow(neg(expm1(logPt)), gamma)), logPt));
  },
  {
    gamma: z._default(z.number().check(z.nonnegative()), 2).check(z.describe('focusing parameter γ')),
    alpha: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.25).check(z.describe('weight α of the positive class')),
  },
);
// ---- end of the README's example ----

/** The same loss as a subclass (the README's second form). */
const focalSchema = z.extend(lossOptionsSchema, {
  gamma: z._default(z.number().check(z.nonnegative()), 2),
  alpha: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.25),
});

class FocalLossClass extends Loss<z.infer<typeof focalSchema>> {
  constructor(options: z.input<typeof focalSchema> = {}) {
    super('FocalLoss', focalSchema, options);
  }

  protected compute(...[pred, label, inputs]: PredLabelArgs): Variable {
    const { gamma, alpha } = this.options;
    return this.pipeline(pred, label, inputs, (p, l) => {
      const logPt = add(mul(l, logSigmoid(p)), mul(sub(1, l), logSigmoid(neg(p))));
      const alphaT = add(mul(l, alpha), mul(sub(1, l), 1 - alpha));
      return neg(mul(mul(alphaT, pow(neg(expm1(logPt)), gamma)), logPt));
    });
  }
}

/** The focal loss of one logit, by hand. */
function focalByHand(x: number, z: number, gamma = 2, alpha = 0.25): number {
  const p = 1 / (1 + Math.exp(-x));
  const pt = z === 1 ? p : 1 - p;
  const alphaT = z === 1 ? alpha : 1 - alpha;
  return -alphaT * (1 - pt) ** gamma * Math.log(pt);
}

const logits = [[2, -1, 0.5], [-3, 1.5, 0.25]];
const labels = [[1, 0, 0], [1, 1, 0]];

describe.each([
  ['defineLoss', (o?: { gamma?: number; alpha?: number; weight?: number | null; batchAxis?: number }) => new FocalLoss(o)],
  ['a subclass of Loss', (o?: { gamma?: number; alpha?: number; weight?: number | null; batchAxis?: number }) => new FocalLossClass(o)],
] as const)('the focal loss made with %s', (_how, make) => {
  test('matches a hand computation, with the mean over the non-batch axes', () => {
    const out = make().forward(T.tensor(logits, undefined, 'float64'), labels);
    const expected = logits.map((row, i) => row.reduce((a, x, j) => a + focalByHand(x, labels[i]![j]!), 0) / 3);
    expect(out.shape).toEqual([2]);
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  test('gets the weighting and the batch axis for free', () => {
    const loss = make({ weight: 2, batchAxis: 1 });
    const out = loss.forward(T.tensor(logits, undefined, 'float64'), labels, { sampleWeight: [[1], [0.5]] });
    expect(out.shape).toEqual([3]);
    const expected = [0, 1, 2].map((j) => (2 * (focalByHand(logits[0]![j]!, labels[0]![j]!) + 0.5 * focalByHand(logits[1]![j]!, labels[1]![j]!))) / 2);
    Array.from(out.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 12));
  });

  test('validates its options, naming them', () => {
    expect(() => make({ gamma: -1 })).toThrow(/FocalLoss: option 'gamma'/);
    expect(() => make({ alpha: 2 })).toThrow(/option 'alpha'/);
    expect(() => make({ gama: 2 } as never)).toThrow(/unknown option 'gama'/);
    expect(make({ gamma: 1 }).options).toEqual({ weight: null, batchAxis: 0, reduction: 'none', gamma: 1, alpha: 0.25 });
  });

  test('runs in a scope named after it', () => {
    const out = make().forward(variable(logits), labels);
    expect(out.scopePath).toEqual(['FocalLoss']);
    expect(String(make())).toBe("FocalLoss(weight=null, batchAxis=0, reduction='none', gamma=2, alpha=0.25)");
  });

  test('passes gradcheck, first and second order', () => {
    const loss = make({ gamma: 2, alpha: 0.4 });
    const f = (pred: Variable): Variable => loss.forward(pred, labels, { sampleWeight: [[1], [0.5]] });
    const point: VariableLike[] = [T.tensor(logits, undefined, 'float64')];
    expect(gradcheck(f, point).ok).toBe(true);
    expect(gradcheck(f, point, { order: 2, atol: 1e-5 }).ok).toBe(true);
  });
});

describe('defineLoss', () => {
  test('the class carries the name and the schema', () => {
    expect(FocalLoss.name).toBe('FocalLoss');
    expect(FocalLoss.schema.parse({})).toEqual({ weight: null, batchAxis: 0, reduction: 'none', gamma: 2, alpha: 0.25 });
  });

  test('a formula without options needs no schema', () => {
    const Cubic = defineLoss('CubicLoss', (pred, label) => pow(sub(pred, label), 3));
    expect(new Cubic().forward([[2, 1]], [[0, 0]]).toArray()).toEqual([4.5]);
    expect(() => new Cubic({ gamma: 1 } as never)).toThrow(/CubicLoss: unknown option 'gamma'/);
  });

  test('the label is reshaped to pred unless told otherwise', () => {
    const Diff = defineLoss('DiffLoss', (pred, label) => sub(pred, label));
    expect(new Diff().forward([[1], [2]], [0, 0]).toArray()).toEqual([1, 2]);
    const Broadcast = defineLoss('BroadcastLoss', (pred, label) => sub(pred, label), {}, { reshapeLabel: false });
    expect(new Broadcast().forward([[1, 2], [3, 4]], [1]).toArray()).toEqual([0.5, 2.5]);
  });

  test('a formula that changes the shape or returns no Variable is reported', () => {
    const Shrinks = defineLoss('ShrinkLoss', (pred) => T.sum(pred.value) as unknown as Variable);
    expect(() => new Shrinks().forward([[1, 2]], [[1, 2]])).toThrow(/ShrinkLoss: the elementwise formula must return a Variable/);
    const Sums = defineLoss('SumLoss', (pred) => mul(pred, [[1], [1]]));
    expect(() => new Sums().forward([[1, 2]], [[1, 2]])).toThrow(/SumLoss: the elementwise formula must return pred's shape \[1, 2\], got \[2, 2\]/);
  });

  test('bad arguments', () => {
    expect(() => defineLoss('', (p) => p)).toThrow(/name must be a non-empty string/);
    expect(() => defineLoss('X', 3 as never)).toThrow(/elementwise must be a function/);
  });
});
