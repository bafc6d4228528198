/**
 * Losses forward plus backward: lossgraph's Gluon losses on the cpu backend against `tf.grad` of
 * the matching `tf.losses` function on TF.js cpu and tfjs-wasm, and against PyTorch (one thread,
 * child process), all on the same float32 inputs. Includes CTC, which TF.js lacks.
 */
import { Comparison, evaluateTargets, renderComparison, type CellResult, type Suite, type SuiteContext, type SuiteReport, type Target, type WorkloadRow } from '../harness.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch, type TorchKind, type TorchWorkload } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { oneHotRows, runSteps, sizeOf, sparseLabels, type PreparedStep, type StepEngine } from './steps.js';

/** One row of the loss table. */
export interface LossWorkload extends WorkloadRow {
  /** `dense` for the TF.js-comparable losses, `ctc` for CTC. */
  group: 'dense' | 'ctc';
  /** Which loss (the PyTorch child's name for it). */
  kind: Exclude<TorchKind, 'mlp_step' | 'scalar_add' | 'gru'>;
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

type Lg = {
  tensor: typeof import('@lossgraph/tensor');
  autograd: typeof import('@lossgraph/autograd');
  loss: typeof import('@lossgraph/loss');
};

function lossgraphStep(lg: Lg, workload: LossWorkload, inputs: LossInputs): PreparedStep {
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
  return {
    step() {
      pred.zeroGrad();
      const l = lossFn.forward(pred, label);
      lg.autograd.sum(l).backward();
      // Read without a copy, as PyTorch's .numpy() and TF.js cpu's dataSync() do.
      pred.grad!.value.dataNoCopy();
    },
    release() { pred.value.dispose(); label.dispose(); },
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
  return {
    step() {
      const g = gradient(pred);
      g.dataSync();
      g.dispose();
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
}

/**
 * The loss section: forward+backward of SoftmaxCE, SigmoidBCE, L2, Huber and CTC, lossgraph cpu
 * against TF.js cpu, tfjs-wasm and PyTorch, with ratio columns and the issue's targets.
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

  let lg: Lg | undefined;
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
    prepare: (w) => lossgraphStep(lg!, w, inputs.get(w.id)!),
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
  const columns = [lgEngine, ...tfEngines].map(({ id, label }) => ({ id, label }));
  columns.push({ id: 'pytorch', label: 'PyTorch' });
  const grid = new Comparison(workloads, columns);
  const descriptions = await runSteps('loss', selected, [lgEngine, ...tfEngines], grid, context);

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
    'Same float32 inputs on every engine (deterministic; passed to PyTorch through temporary binary files). The losses reduce differently (Gluon: mean over non-batch axes, then sum; tf.losses: mean), which changes the result by a constant factor, not the work.',
    ...descriptions,
  ];
  const ratios = [
    { subject: 'lossgraph-cpu', reference: 'tfjs-cpu' },
    { subject: 'lossgraph-cpu', reference: 'tfjs-wasm' },
    { subject: 'lossgraph-cpu', reference: 'pytorch' },
  ];
  return {
    markdown: ['## Losses, forward plus backward (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'),
    targets: evaluateTargets(grid, lossTargets()),
  };
}

/**
 * The loss targets: >= 20x faster than TF.js cpu and tfjs-wasm and within 2x of PyTorch on the
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
    { description: 'CTC: lossgraph cpu within 5x of PyTorch F.ctc_loss (1 thread)', subject: 'lossgraph-cpu', reference: 'pytorch', maxSlowdown: 5, appliesTo: (row) => row.group === 'ctc' },
  ];
}
