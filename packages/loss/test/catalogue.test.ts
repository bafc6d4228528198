/**
 * Issue 15's losses and options against float64 PyTorch references (test/fixtures/catalogue.json,
 * made by test/fixtures/make_catalogue.py): reduction on every kind of loss, SoftmaxCE's
 * ignoreIndex, classWeight and labelSmoothing, NLLLoss, CTC's blank and zeroInfinity, SDMLLoss
 * (MXNet 1.9.1's code), MarginRankingLoss, GaussianNLLLoss, MultiLabelSoftMarginLoss,
 * SigmoidFocalLoss and SmoothL1Loss; on cpu float32 (the cases' tolerances) and float64 (rtol
 * 1e-9), on gpujs webasm and headlessgl (float32; headlessgl needs `xvfb-run -a`), with gradcheck
 * of order 1 on every case and of order 2 on one case per loss and option (float64), and the
 * bad-input cases. Each run prints, and writes to test/out/, the largest error per loss and option.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import { gradcheck, Variable, type VariableLike } from '@lossgraph/autograd';
import {
  buildInputs, callLoss, caseAsFunction, LOSS_CLASSES, loadCases, runErrorCase, runNumericCase, summarise, writeSummary,
  type CaseResult, type ConformanceCase, type RunSettings, type Tolerance,
} from './conformance.js';
import '@lossgraph/tensor/gpujs';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

const cases = loadCases('catalogue.json');
const numeric = cases.filter((c) => c.expectError === undefined);
const errorCases = cases.filter((c) => c.expectError !== undefined);
const FLOAT64_TOLERANCE: Tolerance = { rtol: 1e-9, atol: 1e-12 };

/** Results grouped by loss and option (the first two parts of a case id, e.g. 'SoftmaxCrossEntropyLoss/ignoreIndex'). */
function byOption(results: readonly CaseResult[]): CaseResult[] {
  return results.map((r) => ({ ...r, loss: r.id.split('/').slice(0, 2).join('/') }));
}

interface Run {
  readonly name: string;
  readonly backend: 'cpu' | 'gpujs';
  readonly mode?: T.GpuJsMode;
  readonly settings: RunSettings;
  readonly tol: (caseTol: Tolerance) => Tolerance;
}

const runs: Run[] = [
  { name: 'cpu-float32', backend: 'cpu', settings: { dtype: 'float32', intLabels: true }, tol: (t) => t },
  { name: 'cpu-float64', backend: 'cpu', settings: { dtype: 'float64', intLabels: false }, tol: () => FLOAT64_TOLERANCE },
  { name: 'gpujs-webasm', backend: 'gpujs', mode: 'webasm', settings: { dtype: 'float32', intLabels: true }, tol: (t) => t },
  { name: 'gpujs-headlessgl', backend: 'gpujs', mode: 'headlessgl', settings: { dtype: 'float32', intLabels: true }, tol: (t) => t },
];

function select(run: Run): void {
  if (run.backend === 'cpu') T.setBackend('cpu');
  else T.setBackend('gpujs', { mode: run.mode! });
}

/** Why a run cannot start here, or null when it can. */
const unavailable = (run: Run): string | null => (run.backend === 'cpu' ? null : gpujsUnavailable(run.mode!));

test('the catalogue holds every new loss and option', () => {
  const groups = new Set(numeric.map((c) => c.id.split('/').slice(0, 2).join('/')));
  for (const group of [
    'SoftmaxCrossEntropyLoss/ignoreIndex', 'SoftmaxCrossEntropyLoss/classWeight', 'SoftmaxCrossEntropyLoss/labelSmoothing', 'SoftmaxCrossEntropyLoss/reduction',
    'NLLLoss/ignoreIndex', 'NLLLoss/classWeight', 'CTCLoss/blank', 'CTCLoss/zeroInfinity', 'CTCLoss/reduction', 'L1Loss/reduction', 'HuberLoss/reduction',
    'SDMLLoss/smoothingParameter', 'SDMLLoss/weight', 'SDMLLoss/batchAxis', 'MarginRankingLoss/margin', 'GaussianNLLLoss/full', 'GaussianNLLLoss/eps',
    'MultiLabelSoftMarginLoss/classWeight', 'SigmoidFocalLoss/alpha', 'SigmoidFocalLoss/gamma', 'SmoothL1Loss/beta',
  ]) {
    expect(groups.has(group), group).toBe(true);
  }
  expect(errorCases.length).toBeGreaterThanOrEqual(18);
});

for (const run of runs) {
  const reason = unavailable(run);
  if (reason !== null && !process.env.CI) {
    console.log(`catalogue on ${run.name} skipped: ${reason}`);
    describe.skip(`catalogue, ${run.name}`, () => {
      test('skipped', () => undefined);
    });
    continue;
  }
  describe(`catalogue, ${run.name}`, () => {
    const results: CaseResult[] = [];
    const errors: { id: string; ok: boolean; message: string }[] = [];

    test.each(numeric.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      select(run);
      try {
        const result = runNumericCase(c, run.settings, run.tol(c.tol!));
        results.push(result);
        expect(result.comparisons.filter((r) => !r.ok).map((r) => r.detail)).toEqual([]);
      } finally {
        T.setBackend('cpu');
      }
    });

    test.each(errorCases.map((c) => [c.id, c] as const))('%s throws, naming the option', (_id, c) => {
      select(run);
      try {
        const result = runErrorCase(c, run.settings);
        errors.push({ id: c.id, ...result });
        expect(result.message).toContain(c.expectError!);
      } finally {
        T.setBackend('cpu');
      }
    });

    afterAll(() => {
      console.log(writeSummary(`catalogue-${run.name}`, summarise(run.name, run.settings.dtype, byOption(results), errors)));
    });
  });
}


// GaussianNLLLoss's clamp passes the gradient at eps to the variance unchanged (PyTorch's
// semantics), which is not the derivative of the clamped loss: no finite-difference check there.
const differentiable = numeric.filter((c) => !c.id.includes('clamp'));

describe('gradcheck of order 1 on every catalogue case (float64)', () => {
  test.each(differentiable.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    T.setBackend('cpu');
    const { f, point, head } = caseAsFunction(c);
    const result = gradcheck(f, point, { headGrad: head, eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
    expect(result.inputs.filter((r) => !r.ok).map((r) => `input ${r.input} at [${r.worst?.index.join(', ')}]: ${r.worst?.analytic} vs ${r.worst?.numeric}`)).toEqual([]);
  });
});

describe('gradcheck of order 2, one case per loss and option (float64)', () => {
  const seen = new Set<string>();
  const firsts = differentiable.filter((c) => {
    const group = c.id.split('/').slice(0, 2).join('/');
    if (seen.has(group)) return false;
    seen.add(group);
    return true;
  });
  test.each(firsts.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    T.setBackend('cpu');
    const { f, point } = caseAsFunction(c);
    const result = gradcheck(f as (...xs: Variable[]) => Variable, point as VariableLike[], { order: 2, eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
    expect(result.ok).toBe(true);
  });
});

describe('bad input fails before any work', () => {
  /** Variables made so far (each op and each conversion makes one). */
  const made = (): number => new Variable(T.scalar(0), false, null, undefined).id;
  test.each(errorCases.map((c) => [c.id, c] as const))('%s: at most the conversions of the inputs run', (_id, c) => {
    T.setBackend('cpu');
    const { inputs } = buildInputs(c, { dtype: 'float64', intLabels: true });
    const before = made();
    expect(() => callLoss(c.loss, new LOSS_CLASSES[c.loss]!(c.options), inputs)).toThrow(c.expectError!);
    // Converting the inputs (and reshaping the label to pred's shape) makes up to two Variables per
    // input; a loss that had started computing would have made its ops' outputs too.
    expect(made() - before - 1).toBeLessThanOrEqual(2 * Object.keys(c.inputs).length);
  });
});
