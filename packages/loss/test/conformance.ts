/**
 * The conformance suite's runner: loads test/fixtures/losses.json (a copy of the shared suite,
 * generated from float64 torch references of MXNet's formulas), builds each case's loss and inputs,
 * runs the forward and the backward with the case's head gradient, and measures the errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '@lossgraph/tensor';
import type { DType } from '@lossgraph/tensor';
import { Variable, variable } from '@lossgraph/autograd';
import * as losses from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface JsonTensor {
  shape: number[];
  data: number[];
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface ConformanceCase {
  id: string;
  loss: string;
  options: Record<string, unknown>;
  inputs: Record<string, JsonTensor>;
  headGrad?: JsonTensor;
  expected?: { loss: JsonTensor; grads: Record<string, JsonTensor> };
  tol?: Tolerance;
  expectError?: string;
}

/**
 * Every case of a suite, in file order: losses.json (the shared suite) by default, or
 * catalogue.json (issue 15's losses and options, made by fixtures/make_catalogue.py).
 */
export function loadCases(file: 'losses.json' | 'catalogue.json' = 'losses.json'): ConformanceCase[] {
  const text = readFileSync(join(here, 'fixtures', file), 'utf8');
  const suite = JSON.parse(text) as { format: number; cases: ConformanceCase[] };
  if (suite.format !== 1) throw new Error(`${file}: unknown format ${suite.format}`);
  return suite.cases;
}

type AnyLoss = { forward(...args: unknown[]): Variable };
type LossConstructor = new (options?: Record<string, unknown>) => AnyLoss;

/** The classes by the names the suite uses (the aliases included). */
export const LOSS_CLASSES: Readonly<Record<string, LossConstructor>> = {
  L2Loss: losses.L2Loss,
  L1Loss: losses.L1Loss,
  SigmoidBinaryCrossEntropyLoss: losses.SigmoidBinaryCrossEntropyLoss,
  SigmoidBCELoss: losses.SigmoidBCELoss,
  SoftmaxCrossEntropyLoss: losses.SoftmaxCrossEntropyLoss,
  SoftmaxCELoss: losses.SoftmaxCELoss,
  KLDivLoss: losses.KLDivLoss,
  CTCLoss: losses.CTCLoss,
  HuberLoss: losses.HuberLoss,
  HingeLoss: losses.HingeLoss,
  SquaredHingeLoss: losses.SquaredHingeLoss,
  LogisticLoss: losses.LogisticLoss,
  TripletLoss: losses.TripletLoss,
  PoissonNLLLoss: losses.PoissonNLLLoss,
  CosineEmbeddingLoss: losses.CosineEmbeddingLoss,
  SDMLLoss: losses.SDMLLoss,
  NLLLoss: losses.NLLLoss,
  MarginRankingLoss: losses.MarginRankingLoss,
  GaussianNLLLoss: losses.GaussianNLLLoss,
  MultiLabelSoftMarginLoss: losses.MultiLabelSoftMarginLoss,
  SigmoidFocalLoss: losses.SigmoidFocalLoss,
  SmoothL1Loss: losses.SmoothL1Loss,
} as unknown as Record<string, LossConstructor>;

/** The inputs whose gradient the suite records (the README's list). */
const DIFFERENTIABLE: Readonly<Record<string, readonly string[]>> = {
  L2Loss: ['pred', 'label'],
  L1Loss: ['pred', 'label'],
  KLDivLoss: ['pred', 'label'],
  TripletLoss: ['pred', 'positive', 'negative'],
  CosineEmbeddingLoss: ['input1', 'input2'],
  SDMLLoss: ['x1', 'x2'],
  MarginRankingLoss: ['input1', 'input2'],
  GaussianNLLLoss: ['pred', 'target', 'variance'],
  SmoothL1Loss: ['pred', 'label'],
};

const CANONICAL: Readonly<Record<string, string>> = {
  SigmoidBCELoss: 'SigmoidBinaryCrossEntropyLoss',
  SoftmaxCELoss: 'SoftmaxCrossEntropyLoss',
};

/** The class name behind an alias. */
export function canonicalName(loss: string): string {
  return CANONICAL[loss] ?? loss;
}

function isIntegerInput(c: ConformanceCase, name: string): boolean {
  const loss = canonicalName(c.loss);
  if (loss === 'CTCLoss') return name === 'label' || name === 'predLengths' || name === 'labelLengths';
  if (loss === 'SoftmaxCrossEntropyLoss') return name === 'label' && c.options.sparseLabel !== false;
  if (loss === 'NLLLoss') return name === 'label';
  return false;
}

/** How a case is run. */
export interface RunSettings {
  /** The float dtype of every float input. */
  readonly dtype: DType;
  /** Feed integer inputs (sparse labels, CTC labels and lengths) as int32 rather than floats. */
  readonly intLabels: boolean;
}

/** The inputs of a case: Variables for the differentiable ones, Tensors for the rest. */
export function buildInputs(c: ConformanceCase, settings: RunSettings): { inputs: Record<string, Variable | T.Tensor>; wrt: string[] } {
  const differentiable = DIFFERENTIABLE[canonicalName(c.loss)] ?? ['pred'];
  const inputs: Record<string, Variable | T.Tensor> = {};
  const wrt: string[] = [];
  for (const [name, json] of Object.entries(c.inputs)) {
    if (isIntegerInput(c, name)) {
      inputs[name] = T.tensor(json.data, json.shape, settings.intLabels ? 'int32' : settings.dtype);
    } else if (differentiable.includes(name)) {
      inputs[name] = variable(T.tensor(json.data, json.shape, settings.dtype), { name });
      wrt.push(name);
    } else {
      inputs[name] = T.tensor(json.data, json.shape, settings.dtype);
    }
  }
  return { inputs, wrt };
}

/** Calls a loss with the calling convention of its class (DESIGN.md). */
export function callLoss(lossName: string, loss: AnyLoss, x: Record<string, unknown>): Variable {
  switch (canonicalName(lossName)) {
    case 'TripletLoss':
      return loss.forward(x.pred, x.positive, x.negative);
    case 'CosineEmbeddingLoss':
      return loss.forward(x.input1, x.input2, x.label, { sampleWeight: x.sampleWeight });
    case 'CTCLoss':
      return loss.forward(x.pred, x.label, { predLengths: x.predLengths, labelLengths: x.labelLengths, sampleWeight: x.sampleWeight });
    case 'SigmoidBinaryCrossEntropyLoss':
      return loss.forward(x.pred, x.label, { sampleWeight: x.sampleWeight, posWeight: x.posWeight });
    case 'PoissonNLLLoss':
      return loss.forward(x.pred, x.target, { sampleWeight: x.sampleWeight });
    case 'MarginRankingLoss':
      return loss.forward(x.input1, x.input2, x.label, { sampleWeight: x.sampleWeight });
    case 'GaussianNLLLoss':
      return loss.forward(x.pred, x.target, x.variance, { sampleWeight: x.sampleWeight });
    case 'SDMLLoss':
      return loss.forward(x.x1, x.x2, { sampleWeight: x.sampleWeight });
    default:
      return loss.forward(x.pred, x.label, { sampleWeight: x.sampleWeight });
  }
}

/** The comparison of one output (the loss or one gradient) with its reference. */
export interface Comparison {
  readonly what: string;
  readonly ok: boolean;
  readonly maxAbsError: number;
  /** max |got - expected| / max(|expected|, atol), over the elements (near-zero references count absolutely). */
  readonly maxRelError: number;
  /** max |got - expected| / (atol + rtol·|expected|): at most 1 for a pass. */
  readonly toleranceUsed: number;
  readonly detail: string;
}

export function compare(what: string, got: Variable | null, expected: JsonTensor, tol: Tolerance): Comparison {
  if (got === null) return { what, ok: false, maxAbsError: Infinity, maxRelError: Infinity, toleranceUsed: Infinity, detail: `${what}: no gradient` };
  if (!T.shapesEqual(got.shape, expected.shape)) {
    return { what, ok: false, maxAbsError: Infinity, maxRelError: Infinity, toleranceUsed: Infinity, detail: `${what}: shape ${T.formatShape(got.shape)} != ${T.formatShape(expected.shape)}` };
  }
  const values = got.dataSync();
  let maxAbs = 0;
  let maxRel = 0;
  let used = 0;
  let worst = '';
  for (let i = 0; i < values.length; i++) {
    const e = expected.data[i]!;
    const g = values[i]!;
    const err = Number.isFinite(g) ? Math.abs(g - e) : Infinity;
    const u = err / (tol.atol + tol.rtol * Math.abs(e));
    maxAbs = Math.max(maxAbs, err);
    maxRel = Math.max(maxRel, err / Math.max(Math.abs(e), tol.atol));
    if (!(u <= used)) {
      used = Number.isNaN(u) ? Infinity : u;
      worst = `[${i}] got ${g}, expected ${e}`;
    }
  }
  return { what, ok: used <= 1, maxAbsError: maxAbs, maxRelError: maxRel, toleranceUsed: used, detail: `${what}: worst ${worst} (${used.toPrecision(3)} of the tolerance)` };
}

/** What running one numeric case gave. */
export interface CaseResult {
  readonly id: string;
  readonly loss: string;
  readonly ok: boolean;
  readonly comparisons: readonly Comparison[];
}

/** Runs a numeric case: the loss and the gradient of Σ loss·headGrad with respect to each differentiable input. */
export function runNumericCase(c: ConformanceCase, settings: RunSettings, tol: Tolerance): CaseResult {
  const { inputs, wrt } = buildInputs(c, settings);
  const loss = new LOSS_CLASSES[c.loss]!(c.options);
  const out = callLoss(c.loss, loss, inputs);
  const comparisons: Comparison[] = [compare('loss', out, c.expected!.loss, tol)];
  out.backward(T.tensor(c.headGrad!.data, c.headGrad!.shape, settings.dtype));
  for (const name of wrt) {
    const expected = c.expected!.grads[name];
    if (expected === undefined) throw new Error(`${c.id}: the suite lists no gradient for ${name}`);
    comparisons.push(compare(`grad ${name}`, (inputs[name] as Variable).grad, expected, tol));
  }
  for (const name of Object.keys(c.expected!.grads)) {
    if (!wrt.includes(name)) comparisons.push({ what: `grad ${name}`, ok: false, maxAbsError: Infinity, maxRelError: Infinity, toleranceUsed: Infinity, detail: `${name} was not differentiated` });
  }
  return { id: c.id, loss: c.loss, ok: comparisons.every((r) => r.ok), comparisons };
}

/** Runs an error case: constructing or calling the loss must throw an error naming the keyword. */
export function runErrorCase(c: ConformanceCase, settings: RunSettings): { ok: boolean; message: string } {
  try {
    const { inputs } = buildInputs(c, settings);
    const loss = new LOSS_CLASSES[c.loss]!(c.options);
    callLoss(c.loss, loss, inputs);
  } catch (e) {
    const message = (e as Error).message;
    return { ok: message.toLowerCase().includes(c.expectError!.toLowerCase()), message };
  }
  return { ok: false, message: 'no error was thrown' };
}

/** Per-backend summary: pass counts and the largest error of each loss. */
export interface Summary {
  readonly backend: string;
  readonly dtype: DType;
  readonly passed: number;
  readonly total: number;
  readonly errorCasesPassed: number;
  readonly errorCases: number;
  readonly perLoss: Record<string, { passed: number; total: number; maxAbsError: number; maxRelError: number; maxToleranceUsed: number }>;
  readonly failures: readonly string[];
}

export function summarise(backend: string, dtype: DType, results: readonly CaseResult[], errors: readonly { id: string; ok: boolean; message: string }[]): Summary {
  const perLoss: Summary['perLoss'] = {};
  for (const r of results) {
    const key = canonicalName(r.loss);
    const s = (perLoss[key] ??= { passed: 0, total: 0, maxAbsError: 0, maxRelError: 0, maxToleranceUsed: 0 });
    s.total++;
    if (r.ok) s.passed++;
    for (const c of r.comparisons) {
      s.maxAbsError = Math.max(s.maxAbsError, c.maxAbsError);
      s.maxRelError = Math.max(s.maxRelError, c.maxRelError);
      s.maxToleranceUsed = Math.max(s.maxToleranceUsed, c.toleranceUsed);
    }
  }
  const failures = [
    ...results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.comparisons.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`),
    ...errors.filter((e) => !e.ok).map((e) => `${e.id}: ${e.message}`),
  ];
  return {
    backend,
    dtype,
    passed: results.filter((r) => r.ok).length,
    total: results.length,
    errorCasesPassed: errors.filter((e) => e.ok).length,
    errorCases: errors.length,
    perLoss,
    failures,
  };
}

/** Writes the summary to test/out/conformance-<name>.json (gitignored) and returns a printable table. */
export function writeSummary(name: string, summary: Summary): string {
  const dir = join(here, 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `conformance-${name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  const rows = Object.entries(summary.perLoss).map(
    ([loss, s]) =>
      `  ${loss.padEnd(30)} ${`${s.passed}/${s.total}`.padStart(6)}  max abs ${s.maxAbsError.toExponential(2)}  max rel ${s.maxRelError.toExponential(2)}  tolerance used ${(100 * s.maxToleranceUsed).toFixed(2)}%`,
  );
  return [
    `conformance on ${summary.backend} (${summary.dtype}): ${summary.passed}/${summary.total} numeric cases, ${summary.errorCasesPassed}/${summary.errorCases} error cases`,
    ...rows,
    ...summary.failures.map((f) => `  FAIL ${f}`),
  ].join('\n');
}

/** A case as a function of its differentiable inputs (the others closed over), the point to check it at (float64, cpu) and its head gradient, for gradcheck. */
export function caseAsFunction(c: ConformanceCase): { f: (...xs: Variable[]) => Variable; point: T.Tensor[]; head: T.Tensor } {
  const { inputs, wrt } = buildInputs(c, { dtype: 'float64', intLabels: true });
  const loss = new LOSS_CLASSES[c.loss]!(c.options);
  const f = (...xs: Variable[]): Variable => {
    const args: Record<string, unknown> = { ...inputs };
    wrt.forEach((name, i) => (args[name] = xs[i]));
    return callLoss(c.loss, loss, args);
  };
  return { f, point: wrt.map((name) => (inputs[name] as Variable).value), head: T.tensor(c.headGrad!.data, c.headGrad!.shape, 'float64') };
}
