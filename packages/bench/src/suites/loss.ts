/**
 * Losses forward plus backward: lossgraph's Gluon losses on the cpu backend against `tf.grad` of
 * the matching `tf.losses` function on TF.js cpu and tfjs-wasm, `jit(grad)` of the same formula on
 * jax-js, and PyTorch (one thread, child process), all on the same float32 inputs. Includes CTC,
 * which TF.js and jax-js lack.
 */
import { Comparison, evaluateTargets, renderComparison, type CellResult, type Suite, type SuiteContext, type SuiteReport, type Target, type WorkloadRow } from '../harness.js';
import { jaxArray, jaxStepEngine, JAX_ID, type Jax, type JaxArray } from '../peers/jax.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch, type TorchKind, type TorchWorkload } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { oneHotRows, runSteps, sizeOf, sparseLabels, type PreparedStep, type StepEngine } from './steps.js';

/** One row of the loss table. */
export interface LossWorkload extends WorkloadRow {
  /** `dense` for the TF.js-comparable losses, `ctc` for CTC. */
  group: 'dense' | 'ctc';
  /** Which loss (the PyTorch child's name for it). */
  kind: Exclude<TorchKind, 'mlp_step' | 'scalar_add' | 'scalar_chain' | 'gru' | 'conv2d_step' | 'digits_cnn_step'>;
  /** Shape of the prediction (for CTC: batch, time, classes). */
  predShape: readonly number[];
  /** CTC only: label length (every label this long, no padding). */
  labelLength?: number;
}

/** The inputs of a row, generated once and handed to every engine. */
export interface LossInputs {
  /** Prediction values, uniform [-1, 1) (CTC: scaled to [-3, 3)). */
  pred: Float32Array;
  /** Sparse class labels (softmax CE, CTC) or dense targets (BCE: 0/1; L2, Huber: uniform [-2, 2)). */
  label: Float32Array | Int32Array;
  /** Shape of `label`. */
  labelShape: readonly number[];
}

/**
 * The rows of the loss table, in display order. `scale` shrinks the batch (tests use small ones).
 *
 * @param scale - fraction of the issue's sizes, in (0, 1]; 1 gives 4096x1000 logits and 1M elements
 * @returns fresh rows
 * @example
 * ```ts
 * lossWorkloads().map((w) => w.label);
 * ```
 */
export function lossWorkloads(scale = 1): LossWorkload[] {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`lossWorkloads: scale must be in (0, 1], got ${scale}`);
  const rows = Math.max(1, Math.round(4096 * scale));
  const million = Math.max(1, Math.round(1000 * scale));
  return [
    { id: 'softmax-ce', label: `SoftmaxCE [${rows},1000], sparse labels`, group: 'dense', kind: 'softmax_ce', predShape: [rows, 1000] },
    { id: 'sigmoid-bce', label: `SigmoidBCE [${rows},1000]`, group: 'dense', kind: 'sigmoid_bce', predShape: [rows, 1000] },
    { id: 'l2', label: `L2 [${million},1000]`, group: 'dense', kind: 'l2', predShape: [million, 1000] },
    { id: 'huber', label: `Huber [${million},1000], rho 1`, group: 'dense', kind: 'huber', predShape: [million, 1000] },
    { id: 'ctc', label: `CTC N ${Math.max(1, Math.round(32 * scale))}, T 50, C 20, label length 10`, group: 'ctc', kind: 'ctc', predShape: [Math.max(1, Math.round(32 * scale)), 50, 20], labelLength: 10 },
  ];
}

/**
 * Deterministic inputs of a row (seeded by its position in the full list, so `--filter` does
 * not change them).
 *
 * @param workload - the row
 * @param seed - base seed
 * @returns prediction and label
 * @example
 * ```ts
 * const { pred, label } = lossInputs(lossWorkloads()[0]!, 1);
 * ```
 */
export function lossInputs(workload: LossWorkload, seed: number): LossInputs {
  const size = sizeOf(workload.predShape);
  const pred = uniformData(size, seed);
  const batch = workload.predShape[0]!;
  switch (workload.kind) {
    case 'softmax_ce':
      return { pred, label: sparseLabels(batch, workload.predShape[1]!, seed + 1), labelShape: [batch] };
    case 'sigmoid_bce':
      return { pred, label: Float32Array.from(uniformData(size, seed + 1), (v) => (v >= 0 ? 1 : 0)), labelShape: workload.predShape };
    case 'l2':
    case 'huber':
      return { pred, label: Float32Array.from(uniformData(size, seed + 1), (v) => 2 * v), labelShape: workload.predShape };
    case 'ctc': {
      const length = workload.labelLength ?? 10;
      const blank = workload.predShape[2]! - 1;
      // Spread the scores so the softmax is not flat: alignments then differ in probability.
      return { pred: Float32Array.from(pred, (v) => 3 * v), label: sparseLabels(batch * length, blank, seed + 1), labelShape: [batch, length] };
    }
  }
}

/** The lossgraph packages a loss step uses. */
export type LossgraphModules = {
  /** `@lossgraph/tensor`. */
  tensor: typeof import('@lossgraph/tensor');
  /** `@lossgraph/autograd`. */
  autograd: typeof import('@lossgraph/autograd');
  /** `@lossgraph/loss`. */
  loss: typeof import('@lossgraph/loss');
};

/**
 * One loss row on lossgraph cpu: forward, `sum(...).backward()`, the gradient read without a
 * copy; checked against {@link lossGradientCheck} (but CTC).
 *
 * @param lg - the loaded lossgraph packages
 * @param workload - the row
 * @param inputs - its inputs
 * @returns the step
 * @example
 * ```ts
 * const step = lossgraphLossStep(lg, w, lossInputs(w, 1));
 * ```
 */
export function lossgraphLossStep(lg: LossgraphModules, workload: LossWorkload, inputs: LossInputs): PreparedStep {
  const T = lg.tensor;
  const pred = lg.autograd.variable(T.tensor(inputs.pred, [...workload.predShape], 'float32'), { requiresGrad: true, name: 'pred' });
  const label = T.tensor(inputs.label, [...inputs.labelShape], inputs.label instanceof Int32Array ? 'int32' : 'float32');
  const L = lg.loss;
  const lossFn =
    workload.kind === 'softmax_ce' ? new L.SoftmaxCrossEntropyLoss({ sparseLabel: true }) :
    workload.kind === 'sigmoid_bce' ? new L.SigmoidBinaryCrossEntropyLoss() :
    workload.kind === 'l2' ? new L.L2Loss() :
    workload.kind === 'huber' ? new L.HuberLoss({ rho: 1 }) :
    new L.CTCLoss({ layout: 'NTC', labelLayout: 'NT' });
  const run = (): ArrayLike<number> => {
    pred.zeroGrad();
    const l = lossFn.forward(pred, label);
    lg.autograd.sum(l).backward();
    // Read without a copy, as PyTorch's .numpy() and TF.js cpu's dataSync() do.
    return pred.grad!.value.dataNoCopy();
  };
  return {
    step() { run(); },
    // CTC has no closed-form gradient to check against here; the loss package's tests check it against PyTorch.
    ...(workload.kind === 'ctc' ? {} : { check: () => lossGradientCheck(workload, inputs, run()) }),
    release() { pred.value.dispose(); label.dispose(); },
  };
}

/**
 * Compares a loss gradient with respect to the prediction with its float64 reference, computed
 * here element by element from the formulas (nothing as large as the input is allocated, so the
 * scaling rows can be checked too). The reference is the gradient of Gluon's reduction (the mean
 * over the non-batch axes, summed over the batch); `scale` converts it to another reduction's.
 *
 * @param workload - a dense loss row (`softmax_ce`, `sigmoid_bce`, `l2`, `huber` with rho 1)
 * @param inputs - the row's inputs
 * @param actual - the engine's gradient, row-major
 * @param scale - factor from Gluon's reduction to the engine's (TF.js's mean: 1/N, L2 2/N)
 * @returns undefined when every value is within 1e-3 of the largest reference magnitude,
 *   otherwise the worst value
 * @example
 * ```ts
 * const w = lossWorkloads(0.01)[2]!; // L2
 * const inputs = lossInputs(w, 1);
 * const exact = Float32Array.from(inputs.pred, (p, i) => (p - (inputs.label[i] as number)) / 1000);
 * lossGradientCheck(w, inputs, exact); // undefined
 * ```
 */
export function lossGradientCheck(workload: LossWorkload, inputs: LossInputs, actual: ArrayLike<number>, scale = 1): string | undefined {
  const size = sizeOf(workload.predShape);
  if (workload.kind === 'ctc') return 'no float64 reference for CTC';
  if (actual.length !== size) return `gradient has ${actual.length} values, expected ${size}`;
  const cols = workload.predShape[workload.predShape.length - 1]!;
  const x = inputs.pred;
  const y = inputs.label;
  let expectedAt: (i: number) => number;
  if (workload.kind === 'softmax_ce') {
    const rows = size / cols;
    const rowMax = new Float64Array(rows);
    const rowSum = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]!);
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c]! - m);
      rowMax[r] = m;
      rowSum[r] = s;
    }
    expectedAt = (i) => {
      const r = Math.floor(i / cols);
      return Math.exp(x[i]! - rowMax[r]!) / rowSum[r]! - (y[r] === i - r * cols ? 1 : 0);
    };
  } else if (workload.kind === 'sigmoid_bce') {
    expectedAt = (i) => (1 / (1 + Math.exp(-x[i]!)) - y[i]!) / cols;
  } else if (workload.kind === 'l2') {
    expectedAt = (i) => (x[i]! - y[i]!) / cols;
  } else {
    expectedAt = (i) => Math.min(1, Math.max(-1, x[i]! - y[i]!)) / cols;
  }
  let largest = 0;
  for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(scale * expectedAt(i)));
  const tolerance = 1e-3 * (largest > 0 ? largest : 1);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < size; i++) {
    const err = Math.abs(actual[i]! - scale * expectedAt(i));
    // Written so that NaN counts as the worst possible error.
    if (!(err <= worst)) { worst = Number.isNaN(err) ? Infinity : err; worstIndex = i; }
    if (worst === Infinity) break;
  }
  if (worst <= tolerance) return undefined;
  return `at index ${worstIndex} got ${actual[worstIndex]}, expected ${scale * expectedAt(worstIndex)} (tolerance ${tolerance.toPrecision(2)})`;
}

/**
 * jax-js's loss: the same formula and reduction as Gluon's (mean over the last axis, summed over
 * the batch), so its gradient is checked against the same reference as lossgraph's. Softmax CE
 * takes the sparse labels through `nn.oneHot` inside the compiled function: the gradient of
 * `takeAlongAxis` (a scatter) does not compile under `jit` in jax-js 0.1.25.
 */
function jaxLossOf(jax: Jax, workload: LossWorkload): (x: JaxArray, y: JaxArray) => JaxArray {
  const { numpy: np, nn } = jax;
  const cols = workload.predShape[workload.predShape.length - 1]!;
  switch (workload.kind) {
    case 'softmax_ce': return (x, y) => nn.logSoftmax(x, -1).mul(nn.oneHot(y, cols)).sum().neg();
    case 'sigmoid_bce': return (x, y) => nn.softplus(x.ref).sub(x.mul(y)).sum().div(cols);
    case 'l2': return (x, y) => { const d = x.sub(y); return d.ref.mul(d).sum().mul(0.5 / cols); };
    default: return (x, y) => {
      const d = x.sub(y);
      const a = np.abs(d.ref);
      return np.where(a.ref.less(1), d.ref.mul(d).mul(0.5), a.sub(0.5)).sum().div(cols);
    };
  }
}

/**
 * One loss row on jax-js: `jit(grad(loss))` applied to the prediction, the gradient read back
 * with `dataSync()`; "n/a" for CTC, which jax-js lacks.
 *
 * @param jax - the loaded namespace
 * @param workload - the row
 * @param inputs - its inputs
 * @returns the step, or the "n/a" cell
 * @example
 * ```ts
 * const step = jaxLossStep(await loadJax(), w, lossInputs(w, 1));
 * ```
 */
export function jaxLossStep(jax: Jax, workload: LossWorkload, inputs: LossInputs): PreparedStep | CellResult {
  if (workload.kind === 'ctc') return { kind: 'unavailable', reason: 'jax-js 0.1.25 has no CTC loss (and no lax.scan to write its recursion under jit)' };
  const pred = jaxArray(jax, inputs.pred, workload.predShape);
  const label = jaxArray(jax, inputs.label, inputs.labelShape);
  const gradient = jax.jit(jax.grad(jaxLossOf(jax, workload)));
  // dataSync() consumes the gradient; .ref keeps the inputs alive for the next call.
  const run = (): ArrayLike<number> => gradient(pred.ref, label.ref).dataSync();
  return {
    step() { run(); },
    check: () => lossGradientCheck(workload, inputs, run()),
    release() { pred.dispose(); label.dispose(); gradient.dispose(); },
  };
}

type Tf = typeof import('@tensorflow/tfjs');

function tfjsStep(tf: Tf, workload: LossWorkload, inputs: LossInputs): PreparedStep | CellResult {
  if (workload.kind === 'ctc') return { kind: 'unavailable', reason: 'TF.js has no CTC loss' };
  const pred = tf.tensor(inputs.pred, [...workload.predShape], 'float32');
  const label = workload.kind === 'softmax_ce'
    ? tf.tensor(oneHotRows(inputs.label as Int32Array, workload.predShape[1]!), [...workload.predShape], 'float32')
    : tf.tensor(inputs.label, [...inputs.labelShape], 'float32');
  const lossOf =
    workload.kind === 'softmax_ce' ? (x: import('@tensorflow/tfjs').Tensor) => tf.losses.softmaxCrossEntropy(label, x) :
    workload.kind === 'sigmoid_bce' ? (x: import('@tensorflow/tfjs').Tensor) => tf.losses.sigmoidCrossEntropy(label, x) :
    workload.kind === 'l2' ? (x: import('@tensorflow/tfjs').Tensor) => tf.losses.meanSquaredError(label, x) :
    (x: import('@tensorflow/tfjs').Tensor) => tf.losses.huberLoss(label, x, undefined, 1);
  const gradient = tf.grad(lossOf);
  const batch = workload.predShape[0]!;
  // tf.losses take the mean over every element (softmax CE: over the batch), Gluon the mean over
  // the last axis summed over the batch; meanSquaredError has no 1/2.
  const scale = (workload.kind === 'l2' ? 2 : 1) / batch;
  return {
    step() {
      const g = gradient(pred);
      g.dataSync();
      g.dispose();
    },
    check() {
      const g = gradient(pred);
      try { return lossGradientCheck(workload, inputs, g.dataSync(), scale); } finally { g.dispose(); }
    },
    release() { pred.dispose(); label.dispose(); },
  };
}

/** Options of {@link lossSuite}. */
export interface LossSuiteOptions {
  /** Fraction of the issue's sizes (default 1); tests use a small one. */
  scale?: number;
  /** Include the PyTorch column (default true). */
  torch?: boolean;
  /** Include the jax-js column (default true). */
  jax?: boolean;
}

/**
 * The loss section: forward+backward of SoftmaxCE, SigmoidBCE, L2, Huber and CTC, lossgraph cpu
 * against TF.js cpu, tfjs-wasm, jax-js (wasm, `jit(grad)`) and PyTorch, with ratio columns and the
 * issue's targets. Every in-process engine's gradient is checked before it is timed.
 *
 * @param options - sizes and whether to run PyTorch
 * @returns the suite
 * @example
 * ```ts
 * const report = await lossSuite().run(context);
 * ```
 */
export function lossSuite(options: LossSuiteOptions = {}): Suite {
  return { id: 'loss', title: 'Losses, forward plus backward', run: (context) => runLossSuite(context, options) };
}

async function runLossSuite(context: SuiteContext, options: LossSuiteOptions): Promise<SuiteReport> {
  const workloads = lossWorkloads(options.scale ?? 1);
  const selected = workloads.filter((w) => context.selects(`loss/${w.id}`) || context.selects(w.label));
  if (selected.length === 0) return { markdown: '', targets: [] };
  const inputs = new Map(selected.map((w) => [w.id, lossInputs(w, 11 + 104_729 * workloads.indexOf(w))]));

  let lg: LossgraphModules | undefined;
  const lgEngine: StepEngine<LossWorkload> = {
    id: 'lossgraph-cpu',
    label: 'lossgraph cpu',
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph cpu: `variable(pred, { requiresGrad: true })`, `new XLoss().forward(pred, label)`, `sum(...).backward()`, `pred.grad.value.dataNoCopy()` (no copy, like PyTorch `.numpy()` and TF.js cpu `dataSync()`)',
    async init() {
      try {
        lg = { tensor: await import('@lossgraph/tensor'), autograd: await import('@lossgraph/autograd'), loss: await import('@lossgraph/loss') };
        lg.tensor.setBackend('cpu');
        return undefined;
      } catch (error) {
        return `failed to load: ${(error as Error).message}`;
      }
    },
    prepare: (w) => lossgraphLossStep(lg!, w, inputs.get(w.id)!),
  };
  const tfEngines = (['cpu', 'wasm'] as TfjsBackendName[]).map((backend): StepEngine<LossWorkload> => {
    const base = tfjsEngine(backend);
    let tf: Tf | undefined;
    return {
      id: base.id, label: base.label, describe: () => base.describe(), activate: () => base.activate(),
      async init() { const why = await base.init(); if (why === undefined) tf = await loadTfjs(); return why; },
      prepare: (w) => tfjsStep(tf!, w, inputs.get(w.id)!),
    };
  });
  const jaxEngine = jaxStepEngine<LossWorkload>((jax, w) => jaxLossStep(jax, w, inputs.get(w.id)!), '`jit(grad(loss))(pred, labels)`, the gradient read with `dataSync()`');
  const engines = [lgEngine, ...tfEngines, ...(options.jax ?? true ? [jaxEngine] : [])];
  const columns = engines.map(({ id, label }) => ({ id, label }));
  columns.push({ id: 'pytorch', label: 'PyTorch' });
  const grid = new Comparison(workloads, columns);
  const descriptions = await runSteps('loss', selected, engines, grid, context);

  const runTorchColumn = options.torch ?? true;
  if (runTorchColumn) {
    context.log('[loss] running PyTorch (child process)');
    const torchWork: TorchWorkload[] = selected.map((w) => {
      const data = inputs.get(w.id)!;
      return { id: w.id, kind: w.kind, inputs: [{ values: data.pred, shape: w.predShape }, { values: data.label, shape: data.labelShape }], params: { rho: 1 } };
    });
    const torch = runTorch(torchWork, context.timing);
    for (const w of selected) {
      const cell = torch.cells.get(w.id)!;
      grid.set(w.id, 'pytorch', cell);
      context.log(`[loss] ${w.label} / PyTorch: ${cell.kind === 'time' ? `${cell.sample.medianMs.toFixed(3)} ms` : JSON.stringify(cell)}`);
    }
    if (torch.description !== undefined) descriptions.push(torch.description);
  }

  const t = context.timing;
  const footer = [
    `Each cell: median ms of one call computing the loss, backpropagating it to the prediction and reading the gradient back as a typed array; after warm-up (>= ${t.warmupMs} ms), >= ${t.budgetMs} ms and >= ${t.minRuns} timed calls` + (t.rounds > 1 ? `, in ${t.rounds} rounds taken in turn by the in-process engines` : '') + `${context.quick ? ' (--quick)' : ''}. PyTorch times itself with the same rule in its own process.`,
    'TF.js: `tf.grad(x => tf.losses.<fn>(labels, x))(pred)` then `dataSync()`: softmaxCrossEntropy (one-hot labels, made before timing), sigmoidCrossEntropy, meanSquaredError, huberLoss (delta 1). PyTorch: `F.cross_entropy`, `F.binary_cross_entropy_with_logits`, `0.5 * F.mse_loss`, `F.huber_loss`, `F.ctc_loss` (after `log_softmax`, blank = C - 1), reduction sum, `.backward()`, `pred.grad.numpy()`.',
    `jax-js: the Gluon formula and reduction in \`jax.numpy\` (softmax CE: \`-sum(logSoftmax(x) * oneHot(labels))\`, BCE: \`softplus(x) - x * y\`, Huber: \`where(|d| < 1, d²/2, |d| - 1/2)\`), \`jit(grad(loss))\`. Every in-process cell's gradient is first checked against a float64 reference computed from the formula (scaled to the engine's reduction); a cell that differs is an error, not a time.`,
    'Same float32 inputs on every engine (deterministic; passed to PyTorch through temporary binary files). The losses reduce differently (Gluon: mean over non-batch axes, then sum; tf.losses: mean), which changes the result by a constant factor, not the work.',
    ...descriptions,
  ];
  const ratios = [
    { subject: 'lossgraph-cpu', reference: 'tfjs-cpu' },
    { subject: 'lossgraph-cpu', reference: 'tfjs-wasm' },
    ...(columns.some((c) => c.id === JAX_ID) ? [{ subject: 'lossgraph-cpu', reference: JAX_ID }] : []),
    { subject: 'lossgraph-cpu', reference: 'pytorch' },
  ];
  return {
    markdown: ['## Losses, forward plus backward (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'),
    targets: evaluateTargets(grid, lossTargets()),
  };
}

/**
 * The loss targets: >= 20x faster than TF.js cpu and tfjs-wasm, within 2x of PyTorch and faster
 * than jax-js on the
 * dense losses; CTC within 5x of PyTorch.
 * @example
 * ```ts
 * lossTargets().map((t) => t.description);
 * ```
 */
export function lossTargets(): Target[] {
  const dense = (row: WorkloadRow): boolean => row.group === 'dense';
  return [
    { description: 'losses: lossgraph cpu at least 20x faster than TF.js cpu', subject: 'lossgraph-cpu', reference: 'tfjs-cpu', maxSlowdown: 1 / 20, appliesTo: dense },
    { description: 'losses: lossgraph cpu at least 20x faster than tfjs-wasm', subject: 'lossgraph-cpu', reference: 'tfjs-wasm', maxSlowdown: 1 / 20, appliesTo: dense },
    { description: 'losses: lossgraph cpu within 2x of PyTorch (1 thread)', subject: 'lossgraph-cpu', reference: 'pytorch', maxSlowdown: 2, appliesTo: dense },
    { description: 'losses: lossgraph cpu faster than jax-js `jit(grad)` (issue 19)', subject: 'lossgraph-cpu', reference: JAX_ID, maxSlowdown: 1, appliesTo: dense },
    { description: 'CTC: lossgraph cpu within 5x of PyTorch F.ctc_loss (1 thread)', subject: 'lossgraph-cpu', reference: 'pytorch', maxSlowdown: 5, appliesTo: (row) => row.group === 'ctc' },
  ];
}
