/** Bad inputs throw before any work, naming the input; good inputs of every accepted kind work. */
import { describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { currentScope, isGradEnabled, variable, Variable } from '@lossgraph/autograd';
import {
  CosineEmbeddingLoss, CTCLoss, HingeLoss, KLDivLoss, L1Loss, L2Loss, PoissonNLLLoss, SigmoidBinaryCrossEntropyLoss,
  SoftmaxCrossEntropyLoss, TripletLoss,
} from '../src/index.js';

T.setBackend('cpu');
const x = [[0.5, -1, 2], [1.5, 0.25, -0.75]];
const ctcPred = T.randn([2, 6, 4], { seed: 3 });

describe('errors name the input and what was expected', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['label with the wrong element count', () => new L2Loss().forward(x, [1, 2, 3]), /L2Loss: label of shape \[3\] \(3 elements\) cannot be reshaped to pred's shape \[2, 3\]/],
    ['target with the wrong element count', () => new PoissonNLLLoss().forward(x, [1]), /target of shape \[1\].*shape/],
    ['positive of the wrong size', () => new TripletLoss().forward(x, [[1, 2]], x), /TripletLoss: positive of shape \[1, 2\]/],
    ['negative of the wrong size', () => new TripletLoss().forward(x, x, [1]), /negative of shape \[1\]/],
    ['sampleWeight that does not broadcast', () => new L1Loss().forward(x, x, { sampleWeight: [1, 2] }), /L1Loss: sampleWeight of shape \[2\] does not broadcast to the unreduced loss shape \[2, 3\]/],
    ['sampleWeight that would enlarge the loss', () => new L1Loss().forward(x, x, { sampleWeight: [[[1]], [[2]]] }), /sampleWeight of shape \[2, 1, 1\]/],
    ['sampleWeight (N,) against a softmax loss (N, 1)', () => new SoftmaxCrossEntropyLoss().forward(x, [0, 1], { sampleWeight: [1, 2] }), /sampleWeight of shape \[2\] does not broadcast to the unreduced loss shape \[2, 1\]/],
    ['posWeight that does not broadcast', () => new SigmoidBinaryCrossEntropyLoss().forward(x, x, { posWeight: [1, 2] }), /posWeight of shape \[2\] does not broadcast to pred's shape \[2, 3\]/],
    ['an unknown input name', () => new L1Loss().forward(x, x, { sampleWeights: [1] } as never), /L1Loss: unknown input 'sampleWeights'; expected inputs: sampleWeight/],
    ['posWeight given to a loss without it', () => new L1Loss().forward(x, x, { posWeight: [1] } as never), /unknown input 'posWeight'/],
    ['an input of the wrong type', () => new L1Loss().forward(x, x, { sampleWeight: 'heavy' as never }), /input 'sampleWeight' is invalid: expected a Variable, a Tensor/],
    ['pred that is not an operand', () => new L1Loss().forward('x' as never, x), /L1Loss: pred must be a Variable, a Tensor, a number or nested arrays/],
    ['a ragged label', () => new L1Loss().forward(x, [[1, 2, 3], [4]] as never), /L1Loss: label: ragged nested array/],
    ['batchAxis beyond the loss', () => new L1Loss({ batchAxis: 2 }).forward(x, x), /L1Loss: option 'batchAxis' is 2, but the loss has 2 axes/],
    ['a sparse label of the wrong shape', () => new SoftmaxCrossEntropyLoss().forward(x, [0, 1, 2]), /sparse label must have pred's shape without the class axis 1, \[2\] \(or \[2, 1\]\), got shape \[3\]/],
    ['a sparse label out of range', () => new SoftmaxCrossEntropyLoss().forward(x, [0, 3]), /SoftmaxCrossEntropyLoss: label holds 3, outside \[0, 3\) at \[1\]/],
    ['a negative sparse label', () => new SoftmaxCrossEntropyLoss().forward(x, [-1, 0]), /label holds -1, outside \[0, 3\)/],
    ['a non-integer sparse label', () => new SoftmaxCrossEntropyLoss().forward(x, [0.5, 1]), /label holds 0.5, not an integer at \[0\]/],
    ['a class axis out of range', () => new SoftmaxCrossEntropyLoss({ axis: 2 }).forward(x, [0, 1]), /option 'axis' is 2, but pred has 2 axes/],
    ['a dense label of the wrong size', () => new SoftmaxCrossEntropyLoss({ sparseLabel: false }).forward(x, [0, 1]), /label of shape \[2\].*cannot be reshaped/],
    ['a KL label that does not broadcast', () => new KLDivLoss().forward(x, [[0.5, 0.5]]), /KLDivLoss: label of shape \[1, 2\] does not broadcast to pred's shape \[2, 3\]/],
    ['cosine inputs of the wrong rank', () => new CosineEmbeddingLoss().forward([1, 2], [1, 2], [1]), /input2 must have shape \(batch, features\), got shape \[2\]/],
    ['cosine input1 of the wrong size', () => new CosineEmbeddingLoss().forward([[1, 2]], x, [1, -1]), /input1 of shape \[1, 2\]/],
    ['a cosine label per sample', () => new CosineEmbeddingLoss().forward(x, x, [1, -1, 1]), /label of shape \[3\] must hold one value per sample \(2/],
    ['cosine labels are 1 or -1', () => new CosineEmbeddingLoss().forward(x, x, [1, 0]), /label must hold 1 \(similar\) or -1 \(dissimilar\), got 0 at flat index 1/],
    ['CTC pred of the wrong rank', () => new CTCLoss().forward([[1, 2]], [[0]]), /CTCLoss: pred must have 3 axes \(N, T, C for layout 'NTC'\), got shape \[1, 2\]/],
    ['a CTC label batch that differs', () => new CTCLoss().forward(ctcPred, [[0, 1, -1]]), /label must have shape \(2, L\) for labelLayout 'NT' and a batch of 2, got shape \[1, 3\]/],
    ['a CTC label in the TN layout with the wrong batch', () => new CTCLoss({ labelLayout: 'TN' }).forward(ctcPred, [[0, 1, 2]]), /label must have shape \(L, 2\)/],
    ['a CTC label holding the blank', () => new CTCLoss().forward(ctcPred, [[0, 3], [1, -1]]), /label holds 3 at \[0, 1\].*class 3, the last of pred's 4, is the blank/],
    ['a CTC label that is not an integer', () => new CTCLoss().forward(ctcPred, [[0, 1.5], [1, -1]]), /label holds 1.5 at \[0, 1\]/],
    ['CTC labelLengths per sample', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { labelLengths: [2] }), /labelLengths of shape \[1\] must hold one length per sample \(2\)/],
    ['CTC labelLengths beyond the label', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { labelLengths: [2, 3] }), /labelLengths holds 3, outside \[0, 3\)/],
    ['CTC predLengths per sample', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { predLengths: [6, 6, 6] }), /predLengths of shape \[3\] must hold one length per sample/],
    ['CTC predLengths beyond the time steps', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { predLengths: [7, 6] }), /predLengths holds 7, outside \[1, 7\)/],
    ['CTC predLengths of 0', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { predLengths: [0, 6] }), /predLengths holds 0, outside \[1, 7\)/],
    ['CTC sampleWeight per sample', () => new CTCLoss().forward(ctcPred, [[0, 1], [1, 2]], { sampleWeight: [[1], [2]] }), /sampleWeight of shape \[2, 1\] does not broadcast to the unreduced loss shape \[2\]/],
  ];
  test.each(cases)('%s', (_what, call, message) => {
    expect(call).toThrow(message);
  });

  test('a failed call leaves no scope open and recording on', () => {
    expect(() => new L2Loss().forward(x, [1])).toThrow();
    expect(currentScope()).toBeNull();
    expect(isGradEnabled()).toBe(true);
  });

  test('input checks run before any op: a bad sample weight records nothing on pred', () => {
    const pred = variable(x);
    let made = 0;
    const before = new Variable(T.scalar(0), false, null, undefined).id;
    try {
      new L1Loss().forward(pred, x, { sampleWeight: [1, 2] });
    } catch {
      made = new Variable(T.scalar(0), false, null, undefined).id - before - 1;
    }
    // Only the conversion of the label (a constant) and the sample weight happen before the check.
    expect(made).toBeLessThanOrEqual(2);
  });
});

describe('accepted inputs', () => {
  test('Variables, Tensors, nested arrays and typed arrays give the same loss', () => {
    const loss = new L2Loss();
    const expected = [1.25 / 6, 2.875 / 6];   // ½·mean of (0.25, 1, 0) and of (2.25, 0.0625, 0.5625)
    const flat = new Float32Array([1, 0, 2, 0, 0, 0]);
    const results = [
      loss.forward(x, [[1, 0, 2], [0, 0, 0]]),
      loss.forward(T.tensor(x), T.tensor(flat, [2, 3])),
      loss.forward(variable(x), flat),
    ];
    const byHand = x.map((row, i) => row.reduce((acc, v, j) => acc + 0.5 * (v - flat[i * 3 + j]!) ** 2, 0) / 3);
    expect(byHand.map((v) => Number(v.toFixed(4)))).toEqual(expected.map((v) => Number(v.toFixed(4))));
    for (const r of results) {
      expect(r).toBeInstanceOf(Variable);
      const got = Array.from(r.dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(byHand[i]!, 6));
    }
  });

  test('sparse labels as int32 or as integer-valued floats agree', () => {
    const loss = new SoftmaxCrossEntropyLoss();
    const a = loss.forward(x, T.tensor([2, 0], [2], 'int32')).dataSync();
    const b = loss.forward(x, [2.0, 0.0]).dataSync();
    const c = loss.forward(x, [[2], [0]]).dataSync();   // the class axis kept as size 1
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).toEqual(Array.from(c));
    const lse0 = Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(2));
    expect(a[0]).toBeCloseTo(lse0 - 2, 5);
  });

  test('null optional inputs count as absent', () => {
    const a = new L1Loss().forward(x, x, { sampleWeight: null });
    expect(Array.from(a.dataSync())).toEqual([0, 0]);
  });

  test('the loss computes in pred dtype, and a label Variable of another dtype gets its gradient in its own', () => {
    const pred = variable(T.tensor(x, undefined, 'float64'));
    const label = variable(T.tensor([[1, 0, 2], [0, 0, 0]], undefined, 'float32'));
    const out = new L2Loss().forward(pred, label);
    expect(out.dtype).toBe('float64');
    out.backward();
    expect(label.grad?.dtype).toBe('float32');
    expect(pred.grad?.dtype).toBe('float64');
    // d/dlabel of mean((label - pred)²/2) = (label - pred)/3
    expect(label.grad!.dataSync()[0]).toBeCloseTo((1 - 0.5) / 3, 6);
  });

  test('int32 pred is computed in float32', () => {
    const out = new L1Loss().forward(T.tensor([[1, 2]], undefined, 'int32'), [[0, 0]]);
    expect(out.dtype).toBe('float32');
    expect(out.toArray()).toEqual([1.5]);
  });

  test('HingeLoss matches a hand computation with the label reshaped from (N,) to (N, 1)', () => {
    const out = new HingeLoss().forward([[0.3], [-2]], [1, -1]);
    expect(Array.from(out.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.7, 0]);
  });

  test('TripletLoss takes an optional per-sample weight', () => {
    const loss = new TripletLoss();
    const plain = loss.forward([[0, 0]], [[1, 0]], [[0, 1]]);    // max(0, 1 - 1 + 1) = 1
    const weighted = loss.forward([[0, 0]], [[1, 0]], [[0, 1]], { sampleWeight: [3] });
    expect(plain.toArray()).toEqual([1]);
    expect(weighted.toArray()).toEqual([3]);
  });
});
