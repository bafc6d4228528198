/**
 * The losses on float32 inputs large enough for the cpu backend's lazy elementwise fusion to
 * engage ([64, 128], past its 1024-element threshold): forward values and pred gradients with
 * fusion on equal those with fusion off bit for bit (-0 distinct from 0, NaN matching NaN), and
 * both are close to the same loss computed in float64 (a dtype that never fuses).
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { isDeferred, setFusionEnabled } from '@lossgraph/tensor/cpu';
import { mul, variable, type Variable } from '@lossgraph/autograd';
import { expectSameValues } from '../../tensor/test/helpers.js';
import {
  HingeLoss, HuberLoss, KLDivLoss, L1Loss, L2Loss, LogisticLoss, SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss,
} from '../src/index.js';

T.setBackend('cpu');

afterEach(() => {
  setFusionEnabled(true);
});

const ROWS = 64;
const COLS = 128;
const SHAPE = [ROWS, COLS];
const SIZE = ROWS * COLS;

/** A small deterministic generator (independent of the package's Random). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** `n` float32 values uniform in [lo, hi). */
function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const next = lcg(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** Rows of probabilities (a float32 softmax of random scores); every 17th element an exact 0 when `zeros`. */
function probabilities(seed: number, zeros: boolean): Float32Array {
  const s = uniform(SIZE, seed, -3, 3);
  const out = new Float32Array(SIZE);
  for (let r = 0; r < ROWS; r++) {
    let total = 0;
    for (let c = 0; c < COLS; c++) {
      const i = r * COLS + c;
      const v = zeros && i % 17 === 3 ? 0 : Math.exp(s[i]!);
      out[i] = v;
      total += v;
    }
    for (let c = 0; c < COLS; c++) out[r * COLS + c] = out[r * COLS + c]! / total;
  }
  return out;
}

/** A row-wise log-softmax of random scores, in float32 (KLDiv's default pred: log-probabilities). */
function logProbabilities(seed: number): Float32Array {
  const p = probabilities(seed, false);
  return p.map((v) => Math.log(v));
}

/** One loss evaluation: its inputs as float32 arrays (converted exactly to float64 for the reference). */
interface Case {
  name: string;
  pred: Float32Array;
  /** Labels and other inputs, in the pred's dtype. */
  run: (pred: Variable, dtype: 'float32' | 'float64') => Variable;
  /** False where the gradient's last op is not elementwise (it may still fuse inside). */
  gradFuses?: false;
}

const asDtype = (values: Float32Array, dtype: 'float32' | 'float64', shape: number[] = SHAPE): T.Tensor =>
  T.tensor(dtype === 'float32' ? values : Float64Array.from(values), shape, dtype);

const signs = uniform(SIZE, 7, 0, 1).map((v) => (v < 0.5 ? -1 : 1));
const bits = uniform(SIZE, 8, 0, 1).map((v) => (v < 0.4 ? 1 : 0));
const regressionLabel = uniform(SIZE, 9, -2, 2);
const sparseLabel = Array.from(uniform(ROWS, 10, 0, COLS), (v) => Math.floor(v));
const posWeightFull = uniform(SIZE, 11, 0.25, 4);
const posWeightRow = uniform(COLS, 12, 0.25, 4);
const klLabel = probabilities(13, true);

const CASES: Case[] = [
  {
    name: 'SoftmaxCE (sparse)', pred: uniform(SIZE, 20, -6, 6), gradFuses: false,
    run: (p) => new SoftmaxCrossEntropyLoss().forward(p, sparseLabel),
  },
  {
    name: 'SigmoidBCE', pred: uniform(SIZE, 21, -12, 12),
    run: (p, dtype) => new SigmoidBinaryCrossEntropyLoss().forward(p, asDtype(bits, dtype)),
  },
  {
    name: 'SigmoidBCE with a full-size posWeight', pred: uniform(SIZE, 22, -12, 12),
    run: (p, dtype) => new SigmoidBinaryCrossEntropyLoss().forward(p, asDtype(bits, dtype), { posWeight: asDtype(posWeightFull, dtype) }),
  },
  {
    name: 'SigmoidBCE with a per-class posWeight', pred: uniform(SIZE, 23, -12, 12),
    run: (p, dtype) => new SigmoidBinaryCrossEntropyLoss().forward(p, asDtype(bits, dtype), { posWeight: asDtype(posWeightRow, dtype, [COLS]) }),
  },
  {
    name: 'SigmoidBCE from sigmoid outputs', pred: uniform(SIZE, 24, 0.001, 0.999),
    run: (p, dtype) => new SigmoidBinaryCrossEntropyLoss({ fromSigmoid: true }).forward(p, asDtype(bits, dtype)),
  },
  {
    name: 'L2', pred: uniform(SIZE, 25, -3, 3),
    run: (p, dtype) => new L2Loss().forward(p, asDtype(regressionLabel, dtype)),
  },
  {
    name: 'L2 weighted by 0.5', pred: uniform(SIZE, 26, -3, 3),
    run: (p, dtype) => new L2Loss({ weight: 0.5 }).forward(p, asDtype(regressionLabel, dtype)),
  },
  {
    name: 'L1', pred: uniform(SIZE, 27, -3, 3),
    run: (p, dtype) => new L1Loss().forward(p, asDtype(regressionLabel, dtype)),
  },
  {
    name: 'Huber (rho 1)', pred: uniform(SIZE, 28, -3, 3),
    run: (p, dtype) => new HuberLoss().forward(p, asDtype(regressionLabel, dtype)),
  },
  {
    name: 'Huber (rho 0.25)', pred: uniform(SIZE, 29, -3, 3),
    run: (p, dtype) => new HuberLoss({ rho: 0.25 }).forward(p, asDtype(regressionLabel, dtype)),
  },
  {
    name: 'Hinge', pred: uniform(SIZE, 30, -2, 2),
    run: (p, dtype) => new HingeLoss().forward(p, asDtype(signs, dtype)),
  },
  {
    name: 'Logistic (signed labels)', pred: uniform(SIZE, 31, -10, 10),
    run: (p, dtype) => new LogisticLoss().forward(p, asDtype(signs, dtype)),
  },
  {
    name: 'Logistic (binary labels)', pred: uniform(SIZE, 32, -10, 10),
    run: (p, dtype) => new LogisticLoss({ labelFormat: 'binary' }).forward(p, asDtype(bits, dtype)),
  },
  {
    name: 'KLDiv (log-probabilities, labels with zeros)', pred: logProbabilities(33),
    run: (p, dtype) => new KLDivLoss().forward(p, asDtype(klLabel, dtype)),
  },
  {
    name: 'KLDiv (raw scores)', pred: uniform(SIZE, 34, -4, 4), gradFuses: false,
    run: (p, dtype) => new KLDivLoss({ fromLogits: false }).forward(p, asDtype(klLabel, dtype)),
  },
];

/** Forward value and pred gradient of a case in `dtype`, with fusion on or off. */
function evaluate(c: Case, dtype: 'float32' | 'float64', fusion: boolean): { loss: Float64Array; grad: Float64Array; out: Variable; gradDeferred: boolean } {
  const previous = setFusionEnabled(fusion);
  try {
    const pred = variable(asDtype(c.pred, dtype), { requiresGrad: true });
    const out = c.run(pred, dtype);
    out.backward();
    expect(pred.grad, `${c.name}: pred has a gradient`).not.toBeNull();
    // A gradient made by a fused expression stays marked so once its values are computed.
    const gradDeferred = isDeferred(pred.grad!.value);
    return { loss: Float64Array.from(out.dataSync()), grad: Float64Array.from(pred.grad!.dataSync()), out, gradDeferred };
  } finally {
    setFusionEnabled(previous);
  }
}

/**
 * Within 1e-5 of the float64 value relative to it, plus 1e-6 of the largest magnitude in the
 * array (elements that cancel to near zero carry the absolute float32 error of their terms).
 */
function expectClose(actual: ArrayLike<number>, reference: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label} length`).toBe(reference.length);
  let scale = 0;
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i]!));
  for (let i = 0; i < reference.length; i++) {
    const a = actual[i]!;
    const e = reference[i]!;
    expect(Number.isFinite(a), `${label} element ${i} finite`).toBe(true);
    if (!(Math.abs(a - e) <= 1e-5 * Math.abs(e) + 1e-6 * scale)) {
      expect.fail(`${label} element ${i}: float32 ${a}, float64 ${e} (relative error ${(Math.abs(a - e) / Math.abs(e)).toExponential(2)})`);
    }
  }
}

describe('losses with fusion on and off (float32, [64, 128])', () => {
  test('the inputs are large enough to fuse: an elementwise op on pred is deferred', () => {
    const pred = T.tensor(uniform(SIZE, 1, -1, 1), SHAPE);
    expect(isDeferred(T.sub(pred, 1))).toBe(true);
    setFusionEnabled(false);
    expect(isDeferred(T.sub(pred, 1))).toBe(false);
  });

  for (const c of CASES) {
    test(`${c.name}: forward and pred gradient are bit-identical, and close to float64`, () => {
      const fused = evaluate(c, 'float32', true);
      const unfused = evaluate(c, 'float32', false);
      expect(fused.out.value.dtype).toBe('float32');
      expectSameValues(fused.loss, unfused.loss, `${c.name} forward`);
      expectSameValues(fused.grad, unfused.grad, `${c.name} gradient`);
      // So that this test keeps testing fusion: the gradient came out of a fused expression.
      if (c.gradFuses !== false) expect(fused.gradDeferred, `${c.name}: gradient made by fusion`).toBe(true);
      const reference = evaluate(c, 'float64', true);
      expect(reference.out.value.dtype).toBe('float64');
      expectClose(fused.loss, reference.loss, `${c.name} forward`);
      expectClose(fused.grad, reference.grad, `${c.name} gradient`);
    });
  }

  test('a training-style loop (several backward passes, scratch arrays recycled) gives the same losses fused and unfused', () => {
    const run = (fusion: boolean): number[] => {
      const previous = setFusionEnabled(fusion);
      try {
        let w = T.tensor(uniform(SIZE, 40, -1, 1), SHAPE);
        const x = T.tensor(uniform(SIZE, 41, -2, 2), SHAPE);
        const label = T.tensor(bits, SHAPE);
        const losses: number[] = [];
        for (let step = 0; step < 5; step++) {
          const pred = variable(w, { requiresGrad: true });
          const logits = mul(pred, x);
          const out = new SigmoidBinaryCrossEntropyLoss().forward(logits, label);
          out.backward();
          losses.push(...Array.from(out.dataSync()));
          // The update stays deferred (fused) until the next forward pass reads it.
          w = T.sub(w, T.mul(pred.grad!.value, 0.5));
        }
        losses.push(...Array.from(w.dataSync()));
        return losses;
      } finally {
        setFusionEnabled(previous);
      }
    };
    expectSameValues(run(true), run(false), 'losses and final weights');
  });
});
