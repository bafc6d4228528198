/** Options: zod validation at construction (errors name the option), defaults, toString, schemas. */
import { describe, expect, test } from 'vitest';
import * as z from 'zod/mini';
import {
  CosineEmbeddingLoss, CTCLoss, HingeLoss, HuberLoss, KLDivLoss, L1Loss, L2Loss, LogisticLoss, lossOptionsSchema, PoissonNLLLoss,
  SigmoidBCELoss, SigmoidBinaryCrossEntropyLoss, SoftmaxCELoss, SoftmaxCrossEntropyLoss, SquaredHingeLoss, TripletLoss,
  type HuberLossOptions, type SoftmaxCELossOptions,
} from '../src/index.js';

describe('defaults (Gluon 1.x)', () => {
  test.each([
    [new L2Loss(), { weight: 1, batchAxis: 0, reduction: 'none' }],
    [new L1Loss(), { weight: null, batchAxis: 0, reduction: 'none' }],
    [new SigmoidBinaryCrossEntropyLoss(), { weight: null, batchAxis: 0, reduction: 'none', fromSigmoid: false }],
    [new SoftmaxCrossEntropyLoss(), { weight: null, batchAxis: 0, reduction: 'none', axis: -1, sparseLabel: true, fromLogits: false, ignoreIndex: null, classWeight: null, labelSmoothing: 0 }],
    [new KLDivLoss(), { weight: null, batchAxis: 0, reduction: 'none', fromLogits: true, axis: -1 }],
    [new CTCLoss(), { layout: 'NTC', labelLayout: 'NT', blank: 'last', zeroInfinity: false, weight: null, reduction: 'none' }],
    [new HuberLoss(), { weight: null, batchAxis: 0, reduction: 'none', rho: 1 }],
    [new HingeLoss(), { weight: null, batchAxis: 0, reduction: 'none', margin: 1 }],
    [new SquaredHingeLoss(), { weight: null, batchAxis: 0, reduction: 'none', margin: 1 }],
    [new LogisticLoss(), { weight: null, batchAxis: 0, reduction: 'none', labelFormat: 'signed' }],
    [new TripletLoss(), { weight: null, batchAxis: 0, reduction: 'none', margin: 1 }],
    [new PoissonNLLLoss(), { weight: null, batchAxis: 0, reduction: 'none', fromLogits: true, computeFull: false, epsilon: 1e-8 }],
    [new CosineEmbeddingLoss(), { weight: null, batchAxis: 0, reduction: 'none', margin: 0 }],
  ] as const)('%s', (loss, expected) => {
    expect({ ...loss.options }).toEqual(expected);
    expect(Object.isFrozen(loss.options)).toBe(true);
  });

  test('given options override the defaults', () => {
    const loss = new SoftmaxCrossEntropyLoss({ axis: 0, sparseLabel: false, weight: 2, batchAxis: 1 });
    expect(loss.options).toEqual({ weight: 2, batchAxis: 1, reduction: 'none', axis: 0, sparseLabel: false, fromLogits: false, ignoreIndex: null, classWeight: null, labelSmoothing: 0 });
    expect(loss.weight).toBe(2);
    expect(loss.batchAxis).toBe(1);
  });

  test("CTC's batch axis comes from its layout", () => {
    expect(new CTCLoss().batchAxis).toBe(0);
    expect(new CTCLoss({ layout: 'TNC' }).batchAxis).toBe(1);
  });

  test('the aliases are the same classes', () => {
    expect(SigmoidBCELoss).toBe(SigmoidBinaryCrossEntropyLoss);
    expect(SoftmaxCELoss).toBe(SoftmaxCrossEntropyLoss);
    expect(new SoftmaxCELoss().name).toBe('SoftmaxCrossEntropyLoss');
  });
});

describe('invalid options throw at construction, naming the option', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['unknown name', () => new L2Loss({ wieght: 1 } as never), /L2Loss: unknown option 'wieght'; expected options: weight, batchAxis/],
    ['two unknown names', () => new HingeLoss({ a: 1, b: 2 } as never), /unknown options 'a', 'b'/],
    ['weight of the wrong type', () => new L1Loss({ weight: '2' as never }), /L1Loss: option 'weight' is invalid: .*expected number.*\(got "2"\)/],
    ['non-finite weight', () => new L1Loss({ weight: Infinity }), /option 'weight'/],
    ['NaN weight', () => new L1Loss({ weight: NaN }), /option 'weight'/],
    ['fractional batchAxis', () => new L1Loss({ batchAxis: 0.5 }), /option 'batchAxis'.*int/],
    ['negative batchAxis', () => new L1Loss({ batchAxis: -1 }), /option 'batchAxis'/],
    ['rho = 0', () => new HuberLoss({ rho: 0 }), /HuberLoss: option 'rho' is invalid: .*>0/],
    ['rho < 0', () => new HuberLoss({ rho: -1 }), /option 'rho'/],
    ['labelFormat', () => new LogisticLoss({ labelFormat: 'weird' as never }), /option 'labelFormat'.*"signed"\|"binary"/],
    ['layout', () => new CTCLoss({ layout: 'NCT' as never }), /CTCLoss: option 'layout'.*"NTC"\|"TNC"/],
    ['labelLayout', () => new CTCLoss({ labelLayout: 'TT' as never }), /option 'labelLayout'.*"NT"\|"TN"/],
    ['CTC has no batchAxis', () => new CTCLoss({ batchAxis: 1 } as never), /unknown option 'batchAxis'/],
    ['sparseLabel must be a boolean', () => new SoftmaxCrossEntropyLoss({ sparseLabel: 1 as never }), /option 'sparseLabel'.*boolean/],
    ['axis must be an integer', () => new SoftmaxCrossEntropyLoss({ axis: 1.5 }), /option 'axis'/],
    [
      'the class axis cannot be the batch axis',
      () => new SoftmaxCrossEntropyLoss({ axis: 0 }),
      /^SoftmaxCrossEntropyLoss: option 'axis' \(0\) is the batch axis \(batchAxis 0\): the classes and the samples of a batch must lie along different axes$/,
    ],
    ['nor another batch axis', () => new SoftmaxCELoss({ axis: 1, batchAxis: 1 }), /option 'axis' \(1\) is the batch axis \(batchAxis 1\)/],
    ['nor a negative axis that lands on it', () => new SoftmaxCELoss({ axis: -2 }).forward([[1, 2], [3, 4]], [0, 1]), /option 'axis' \(-2\) is the batch axis \(batchAxis 0\)/],
    ['fromSigmoid', () => new SigmoidBinaryCrossEntropyLoss({ fromSigmoid: 'yes' as never }), /option 'fromSigmoid'/],
    ['margin must be a number', () => new TripletLoss({ margin: null as never }), /option 'margin'/],
    ['epsilon must be >= 0', () => new PoissonNLLLoss({ epsilon: -1e-8 }), /option 'epsilon'/],
    ['computeFull', () => new PoissonNLLLoss({ computeFull: 'no' as never }), /option 'computeFull'/],
    ['cosine batchAxis must be 0', () => new CosineEmbeddingLoss({ batchAxis: 1 as never }), /option 'batchAxis'/],
    ['options must be an object', () => new L2Loss(3 as never), /L2Loss: options must be an object.*got 3/],
  ];
  test.each(bad)('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });

  test('a wrong type is a TypeError, a value out of range a RangeError', () => {
    expect(() => new L1Loss({ weight: '2' as never })).toThrow(TypeError);
    expect(() => new HuberLoss({ rho: 0 })).toThrow(RangeError);
    expect(() => new L1Loss({ nope: 1 } as never)).toThrow(TypeError);
  });

  test('null options mean the defaults, as undefined does', () => {
    expect(new L1Loss(null as never).options).toEqual(new L1Loss().options);
  });
});

describe('toString is a Gluon-style repr', () => {
  test.each([
    [new L2Loss(), "L2Loss(weight=1, batchAxis=0, reduction='none')"],
    [new HuberLoss({ rho: 0.5 }), "HuberLoss(weight=null, batchAxis=0, reduction='none', rho=0.5)"],
    [new CTCLoss({ layout: 'TNC' }), "CTCLoss(layout='TNC', labelLayout='NT', blank='last', zeroInfinity=false, weight=null, reduction='none')"],
    [new SigmoidBCELoss({ fromSigmoid: true, weight: 0.7 }), "SigmoidBinaryCrossEntropyLoss(weight=0.7, batchAxis=0, reduction='none', fromSigmoid=true)"],
  ] as const)('%s', (loss, text) => {
    expect(String(loss)).toBe(text);
  });
});

describe('schemas: one declaration for types, defaults, validation and docs', () => {
  test('each class exposes its schema, extending the common one', () => {
    expect(Object.keys(HuberLoss.schema.shape)).toEqual(['weight', 'batchAxis', 'reduction', 'rho']);
    expect(Object.keys(lossOptionsSchema.shape)).toEqual(['weight', 'batchAxis', 'reduction']);
    expect(HuberLoss.schema.parse({})).toEqual({ weight: null, batchAxis: 0, reduction: 'none', rho: 1 });
  });

  test('every option carries a description naming its Gluon (or PyTorch) option', () => {
    const schemas = [L2Loss, L1Loss, SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss, KLDivLoss, CTCLoss, HuberLoss, HingeLoss,
      SquaredHingeLoss, LogisticLoss, TripletLoss, PoissonNLLLoss, CosineEmbeddingLoss].map((c) => c.schema);
    for (const schema of schemas) {
      for (const [name, field] of Object.entries(schema.shape as Record<string, z.core.$ZodType>)) {
        expect(z.globalRegistry.get(field)?.description, name).toMatch(/(Gluon|PyTorch) `[a-z_]+`/);
      }
    }
  });

  test('the option types are inferred from the schemas', () => {
    const options: HuberLossOptions = { rho: 2 };
    const sce: SoftmaxCELossOptions = { axis: 1, sparseLabel: false };
    // @ts-expect-error rho must be a number
    const wrong: HuberLossOptions = { rho: '2' };
    expect([options, sce, wrong]).toHaveLength(3);
  });
});
