/**
 * Training-side sections: one SGD step of an MLP (lossgraph vs TF.js vs PyTorch), the overhead
 * of one recorded op, the gpujs backend's kernel compilations and readbacks in a steady training
 * loop, and heap use over a long training run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { GpuJsMode } from '@lossgraph/tensor';
import { gpuModePrecondition } from '../engines/lossgraph.js';
import {
  Comparison, evaluateTargets, formatMs, renderComparison, renderMarkdownTable, median, scaleSample,
  type Suite, type SuiteContext, type SuiteReport, type Target, type TargetOutcome, type WorkloadRow,
} from '../harness.js';
import { jaxArray, jaxStepEngine, type Jax, type JaxArray } from '../peers/jax.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch, type TorchWorkload } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { compareValues, PEER_RATIOS, oneHotRows, runSteps, sparseLabels, type PreparedStep, type StepEngine } from './steps.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;
type Lg = {
  tensor: typeof import('@lossgraph/tensor');
  autograd: typeof import('@lossgraph/autograd');
  loss: typeof import('@lossgraph/loss');
  nn: typeof import('@lossgraph/nn');
};

async function loadLossgraph(): Promise<Lg> {
  return {
    tensor: await import('@lossgraph/tensor'),
    autograd: await import('@lossgraph/autograd'),
    loss: await import('@lossgraph/loss'),
    nn: await import('@lossgraph/nn'),
  };
}

/** An MLP and the batch it trains on. */
export interface MlpSpec {
  /** Layer widths, input first: `[784, 128, 10]`; ReLU between layers. */
  sizes: readonly number[];
  /** Samples per step. */
  batch: number;
  /** SGD learning rate. */
  learningRate: number;
}

/** The MLP: 784-128-10, batch 64, SGD 0.1. @example `MLP_784.sizes // [784, 128, 10]` */
export const MLP_784: MlpSpec = { sizes: [784, 128, 10], batch: 64, learningRate: 0.1 };

/** A digits-style MLP: 64-128-10 (UCI 8x8 digits), SGD 0.1. @example `DIGITS_MLP.sizes[0] // 64` */
export const DIGITS_MLP: MlpSpec = { sizes: [64, 128, 10], batch: 32, learningRate: 0.1 };

/**
 * A deterministic batch for an MLP: inputs uniform in [0, 1) (pixel-like), labels in
 * `[0, classes)`.
 *
 * @param spec - the MLP
 * @param seed - base seed
 * @returns x (`batch x sizes[0]`, row-major) and y (`batch` labels)
 * @example
 * ```ts
 * const { x, y } = mlpBatch(MLP_784, 1); // x.length === 64 * 784
 * ```
 */
export function mlpBatch(spec: MlpSpec, seed: number): { x: Float32Array; y: Int32Array } {
  const inputs = spec.sizes[0]!;
  const classes = spec.sizes[spec.sizes.length - 1]!;
  return {
    x: Float32Array.from(uniformData(spec.batch * inputs, seed), (v) => (v + 1) / 2),
    y: sparseLabels(spec.batch, classes, seed + 1),
  };
}

/**
 * Deterministic Glorot-uniform weights `[in, out]` and zero biases of an MLP, as `[w1, b1, w2, b2, ...]`,
 * for the engines that take their weights from outside (jax-js), so their first step can be checked
 * against {@link mlpReference}.
 *
 * @param spec - the MLP
 * @param seed - base seed
 * @returns fresh arrays
 * @example
 * ```ts
 * mlpInitialWeights(MLP_784, 7).map((w) => w.length); // [100352, 128, 1280, 10]
 * ```
 */
export function mlpInitialWeights(spec: MlpSpec, seed: number): Float32Array[] {
  return spec.sizes.slice(1).flatMap((out, i) => {
    const inputs = spec.sizes[i]!;
    const limit = Math.sqrt(6 / (inputs + out));
    return [Float32Array.from(uniformData(inputs * out, seed + i), (v) => v * limit), new Float32Array(out)];
  });
}

/**
 * The float64 reference of an MLP's loss and gradients: ReLU between layers, softmax cross-entropy
 * averaged over the batch (the objective lossgraph's `sum` plus `opt.step(batch)` and PyTorch's
 * mean minimise).
 *
 * @param spec - the MLP
 * @param weights - `[w1, b1, w2, b2, ...]`, w `[in, out]` row-major
 * @param x - the batch, `[batch, sizes[0]]`
 * @param y - labels
 * @returns the loss and one gradient per weight array, in the same order
 * @example
 * ```ts
 * const { x, y } = mlpBatch(MLP_784, 3);
 * const { loss, grads } = mlpReference(MLP_784, mlpInitialWeights(MLP_784, 7), x, y);
 * ```
 */
export function mlpReference(spec: MlpSpec, weights: readonly Float32Array[], x: Float32Array, y: Int32Array): { loss: number; grads: Float64Array[] } {
  const B = spec.batch;
  const layers = spec.sizes.length - 1;
  const acts: Float64Array[] = [Float64Array.from(x)];
  const pre: Float64Array[] = [];
  for (let l = 0; l < layers; l++) {
    const n = spec.sizes[l]!;
    const m = spec.sizes[l + 1]!;
    const w = weights[2 * l]!;
    const b = weights[2 * l + 1]!;
    const h = acts[l]!;
    const z = new Float64Array(B * m);
    for (let r = 0; r < B; r++) for (let j = 0; j < m; j++) {
      let acc = b[j]!;
      for (let k = 0; k < n; k++) acc += h[r * n + k]! * w[k * m + j]!;
      z[r * m + j] = acc;
    }
    pre.push(z);
    acts.push(l < layers - 1 ? z.map((v) => Math.max(0, v)) : z);
  }
  const C = spec.sizes[layers]!;
  const logits = acts[layers]!;
  let loss = 0;
  let dz = new Float64Array(B * C);
  for (let r = 0; r < B; r++) {
    let mx = -Infinity;
    for (let j = 0; j < C; j++) mx = Math.max(mx, logits[r * C + j]!);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(logits[r * C + j]! - mx);
    loss += (mx + Math.log(sum) - logits[r * C + y[r]!]!) / B;
    for (let j = 0; j < C; j++) dz[r * C + j] = (Math.exp(logits[r * C + j]! - mx) / sum - (j === y[r] ? 1 : 0)) / B;
  }
  const grads: Float64Array[] = new Array<Float64Array>(2 * layers);
  for (let l = layers - 1; l >= 0; l--) {
    const n = spec.sizes[l]!;
    const m = spec.sizes[l + 1]!;
    const h = acts[l]!;
    const w = weights[2 * l]!;
    const gw = new Float64Array(n * m);
    const gb = new Float64Array(m);
    for (let r = 0; r < B; r++) for (let j = 0; j < m; j++) {
      const d = dz[r * m + j]!;
      gb[j] += d;
      for (let k = 0; k < n; k++) gw[k * m + j] += h[r * n + k]! * d;
    }
    grads[2 * l] = gw;
    grads[2 * l + 1] = gb;
    if (l > 0) {
      const z = pre[l - 1]!;
      const next = new Float64Array(B * n);
      for (let r = 0; r < B; r++) for (let k = 0; k < n; k++) {
        if (!(z[r * n + k]! > 0)) continue;
        let acc = 0;
        for (let j = 0; j < m; j++) acc += dz[r * m + j]! * w[k * m + j]!;
        next[r * n + k] = acc;
      }
      dz = next;
    }
  }
  return { loss, grads };
}

/**
 * jax-js's MLP step, as its users write one: the whole SGD update under one `jit`, its
 * `valueAndGrad` of the mean softmax CE, the new weights replacing the old (consumed) ones, the
 * loss read with `dataSync()`. The first step's loss and update are checked against
 * {@link mlpReference}.
 */
function jaxMlpTrainer(jax: Jax, spec: MlpSpec, x: Float32Array, y: Int32Array): PreparedStep {
  const { numpy: np, nn } = jax;
  const classes = spec.sizes[spec.sizes.length - 1]!;
  const initial = mlpInitialWeights(spec, 7);
  let params = initial.map((w, i) => jaxArray(jax, w, i % 2 === 0 ? [spec.sizes[i / 2]!, spec.sizes[i / 2 + 1]!] : [w.length]));
  const xs = jaxArray(jax, x, [spec.batch, spec.sizes[0]!]);
  const ys = jaxArray(jax, y, [spec.batch]);
  const lossOf = (ps: JaxArray[], xb: JaxArray, yb: JaxArray): JaxArray => {
    let h = xb;
    for (let l = 0; l * 2 < ps.length; l++) {
      h = np.matmul(h, ps[2 * l]!).add(ps[2 * l + 1]!);
      if (2 * l + 2 < ps.length) h = nn.relu(h);
    }
    return nn.logSoftmax(h, -1).mul(nn.oneHot(yb, classes)).sum().neg().div(spec.batch);
  };
  const update = jax.jit((ps: JaxArray[], xb: JaxArray, yb: JaxArray): [JaxArray, JaxArray[]] => {
    const [loss, grads] = jax.valueAndGrad(lossOf)(ps.map((p) => p.ref), xb, yb);
    return [loss, ps.map((p, i) => p.sub(grads[i]!.mul(spec.learningRate)))];
  });
  const run = (): number => {
    const [loss, next] = update(params, xs.ref, ys.ref);
    params = next;
    return loss.dataSync()[0]!;
  };
  return {
    step() { run(); },
    check() {
      const before = params.map((p) => p.ref.dataSync().slice());
      const loss = run();
      const reference = mlpReference(spec, initial, x, y);
      const lossWrong = compareValues('loss', [loss], [reference.loss]);
      if (lossWrong !== undefined) return lossWrong;
      for (let i = 0; i < params.length; i++) {
        const after = params[i]!.ref.dataSync();
        const gradient = Float64Array.from(after as ArrayLike<number>, (v: number, j: number) => (before[i]![j]! - v) / spec.learningRate);
        const wrong = compareValues(`gradient of weight array ${i}`, gradient, reference.grads[i]!, 2e-3);
        if (wrong !== undefined) return wrong;
      }
      return undefined;
    },
    release() { xs.dispose(); ys.dispose(); update.dispose(); for (const p of params) p.dispose(); },
  };
}

/** A lossgraph training step: `zeroGrad`, forward, softmax CE summed, backward, SGD, loss read back. */
function lossgraphTrainer(lg: Lg, spec: MlpSpec, x: Float32Array, y: Int32Array): { step(): number; release(): void } {
  const T = lg.tensor;
  const { Sequential, Dense, Xavier, SGD } = lg.nn;
  const net = new Sequential();
  spec.sizes.slice(1).forEach((units, i) => net.add(new Dense(units, i < spec.sizes.length - 2 ? { activation: 'relu' } : {})));
  net.initialize({ init: new Xavier(), seed: 0 });
  const opt = new SGD(net, { learningRate: spec.learningRate });
  const lossFn = new lg.loss.SoftmaxCrossEntropyLoss();
  const xs = T.tensor(x, [spec.batch, spec.sizes[0]!], 'float32');
  const ys = T.tensor(y, [spec.batch], 'int32');
  return {
    step() {
      opt.zeroGrad();
      const total = lg.autograd.sum(lossFn.forward(net.forward(xs), ys));
      total.backward();
      opt.step(spec.batch);
      return total.value.item();
    },
    release() { xs.dispose(); ys.dispose(); },
  };
}

function tfjsTrainer(tf: Tf, spec: MlpSpec, x: Float32Array, y: Int32Array): PreparedStep {
  const classes = spec.sizes[spec.sizes.length - 1]!;
  const xs = tf.tensor(x, [spec.batch, spec.sizes[0]!], 'float32');
  const ys = tf.tensor(oneHotRows(y, classes), [spec.batch, classes], 'float32');
  const weights: { w: import('@tensorflow/tfjs').Variable; b: import('@tensorflow/tfjs').Variable }[] = [];
  for (let i = 1; i < spec.sizes.length; i++) {
    const limit = Math.sqrt(6 / (spec.sizes[i - 1]! + spec.sizes[i]!));
    weights.push({
      w: tf.variable(tf.randomUniform([spec.sizes[i - 1]!, spec.sizes[i]!], -limit, limit, 'float32', i)),
      b: tf.variable(tf.zeros([spec.sizes[i]!])),
    });
  }
  const opt = tf.train.sgd(spec.learningRate);
  return {
    step() {
      const cost = opt.minimize(() => {
        let h: TfTensor = xs;
        weights.forEach(({ w, b }, i) => {
          h = tf.add(tf.matMul(h, w), b);
          if (i < weights.length - 1) h = tf.relu(h);
        });
        return tf.losses.softmaxCrossEntropy(ys, h) as import('@tensorflow/tfjs').Scalar;
      }, true)!;
      cost.dataSync();
      cost.dispose();
    },
    release() {
      xs.dispose(); ys.dispose(); opt.dispose();
      for (const { w, b } of weights) { w.dispose(); b.dispose(); }
    },
  };
}

interface MlpRow extends WorkloadRow { spec: MlpSpec }

/**
 * The MLP training-step section: one SGD step of 784-128-10 at batch 64 with softmax
 * cross-entropy on lossgraph cpu, TF.js cpu, tfjs-wasm, jax-js (the step under `jit`) and PyTorch.
 *
 * @param options - `torch: false` leaves PyTorch out (tests)
 * @returns the suite
 * @example
 * ```ts
 * const report = await mlpStepSuite().run(context);
 * ```
 */
export function mlpStepSuite(options: { torch?: boolean; spec?: MlpSpec } = {}): Suite {
  return { id: 'mlp-step', title: 'MLP training step', run: (context) => runMlpStep(context, options.spec ?? MLP_784, options.torch ?? true) };
}

async function runMlpStep(context: SuiteContext, spec: MlpSpec, withTorch: boolean): Promise<SuiteReport> {
  const row: MlpRow = { id: 'mlp-step', label: `SGD step, MLP ${spec.sizes.join('-')}, batch ${spec.batch}, softmax CE`, group: 'training', spec };
  if (!context.selects('mlp-step') && !context.selects(row.label)) return { markdown: '', targets: [] };
  const { x, y } = mlpBatch(spec, 3);
  let lg: Lg | undefined;
  const lgEngine: StepEngine<MlpRow> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu',
    async init() { try { lg = await loadLossgraph(); return undefined; } catch (error) { return `failed to load: ${(error as Error).message}`; } },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph cpu: `Sequential(Dense(relu), Dense)`, Xavier init, `SGD`, `SoftmaxCrossEntropyLoss`, `sum(...).backward()`, `opt.step(batch)`, loss read with `item()`',
    prepare: (r) => { const t = lossgraphTrainer(lg!, r.spec, x, y); return { step: () => { t.step(); }, release: t.release }; },
  };
  const tfEngines = (['cpu', 'wasm'] as TfjsBackendName[]).map((backend): StepEngine<MlpRow> => {
    const base = tfjsEngine(backend);
    let tf: Tf | undefined;
    return {
      id: base.id, label: base.label, describe: () => base.describe(), activate: () => base.activate(),
      async init() { const why = await base.init(); if (why === undefined) tf = await loadTfjs(); return why; },
      prepare: (r) => tfjsTrainer(tf!, r.spec, x, y),
    };
  });
  const jaxEngine = jaxStepEngine<MlpRow>((jax, r) => jaxMlpTrainer(jax, r.spec, x, y), 'the SGD step under one `jit` (`valueAndGrad` of the mean softmax CE, the new weights returned), the loss read with `dataSync()`; its first step\'s loss and gradients (from the update) checked against a float64 reference');
  const engines = [lgEngine, ...tfEngines, jaxEngine];
  const grid = new Comparison([row], [...engines.map(({ id, label }) => ({ id, label })), { id: 'pytorch', label: 'PyTorch' }]);
  const descriptions = await runSteps('mlp-step', [row], engines, grid, context);
  if (withTorch) {
    context.log('[mlp-step] running PyTorch (child process)');
    const torch = runTorch([{
      id: row.id, kind: 'mlp_step',
      inputs: [{ values: x, shape: [spec.batch, spec.sizes[0]!] }, { values: y, shape: [spec.batch] }],
      params: { sizes: spec.sizes, learningRate: spec.learningRate },
    }], context.timing);
    grid.set(row.id, 'pytorch', torch.cells.get(row.id)!);
    if (torch.description !== undefined) descriptions.push(torch.description);
  }
  const footer = [
    'Each cell: median ms of one whole step (zero grads, forward, loss, backward, SGD update, the scalar loss read back), same input batch and labels everywhere.',
    'TF.js: `tf.variable` weights (Glorot-uniform), `tf.train.sgd(lr).minimize(() => tf.losses.softmaxCrossEntropy(oneHot, logits), true)`, `dataSync()` of the cost. PyTorch: `nn.Sequential(Linear, ReLU, Linear)`, `torch.optim.SGD`, `F.cross_entropy`, `loss.item()`.',
    ...descriptions,
  ];
  const ratios = PEER_RATIOS;
  const targets: Target[] = [
    { description: 'MLP step: lossgraph cpu at least 2x faster than tfjs-wasm', subject: 'lossgraph-cpu', reference: 'tfjs-wasm', maxSlowdown: 1 / 2, appliesTo: () => true },
  ];
  const outcomes = evaluateTargets(grid, targets);
  return { markdown: ['## MLP training step (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'), targets: outcomes };
}

/** Ops per timed call of the overhead section's scalar-add row. */
export const OPS_PER_CALL = 1000;

/** Lengths of the overhead section's recorded chains (issue 19: 10 and 100,000 recorded ops). @example `CHAIN_LENGTHS // [10, 100000]` */
export const CHAIN_LENGTHS: readonly number[] = [10, 100_000];

/** jax-js 0.1.25's eager `grad` overflows the call stack on a 10,000-op chain (measured): longer chains are n/a. */
const JAX_CHAIN_LIMIT = 5_000;

interface OverheadRow extends WorkloadRow {
  /** Ops per timed call: the call's ms times 1000 / ops is the µs per op. */
  ops: number;
  /** `add`: independent recorded adds; `chain`: a chain of adds, then backward through it. */
  kind: 'add' | 'chain';
}

/**
 * The per-op overhead section, in µs per op: a scalar add recorded on the tape (a variable
 * requiring grad) against TF.js's `tf.add` on scalars inside `tf.tidy`, jax-js's eager add and
 * PyTorch's `a + 1` with `requires_grad`; and chains of 10 and 100,000 recorded scalar adds
 * differentiated back to their start (`tf.grad`, jax-js's eager `grad`, PyTorch's `backward`), so
 * the cost of a short graph's fixed work and of a long graph's bookkeeping both show.
 *
 * @param options - `torch: false` leaves PyTorch out, `chains` other lengths (tests)
 * @returns the suite
 * @example
 * ```ts
 * const report = await overheadSuite().run(context);
 * ```
 */
export function overheadSuite(options: { torch?: boolean; chains?: readonly number[] } = {}): Suite {
  return { id: 'overhead', title: 'Per-op overhead', run: (context) => runOverhead(context, options.torch ?? true, options.chains ?? CHAIN_LENGTHS) };
}

async function runOverhead(context: SuiteContext, withTorch: boolean, chains: readonly number[]): Promise<SuiteReport> {
  const all: OverheadRow[] = [
    { id: 'scalar-add', label: 'scalar add', group: 'overhead', ops: OPS_PER_CALL, kind: 'add' },
    ...chains.map((n): OverheadRow => ({ id: `chain-${n}`, label: `chain of ${n.toLocaleString('en-US')} recorded adds + backward`, group: 'overhead', ops: n, kind: 'chain' })),
  ];
  const rows = all.filter((r) => context.selects(`overhead/${r.id}`) || context.selects(r.label));
  if (rows.length === 0) return { markdown: '', targets: [] };
  let lg: Lg | undefined;
  const lgEngine: StepEngine<OverheadRow> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu (recorded)',
    async init() { try { lg = await loadLossgraph(); return undefined; } catch (error) { return `failed to load: ${(error as Error).message}`; } },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph: `add(a, one)` with `a = variable(scalar(1), { requiresGrad: true })`, so every add is recorded on the tape; chains: `x = add(x, one)` n times, `x.backward()`, `a.grad.value.item()`',
    prepare(row) {
      const { autograd: A, tensor: T } = lg!;
      const a = A.variable(T.scalar(1), { requiresGrad: true });
      const one = T.scalar(1);
      if (row.kind === 'add') {
        return { step() { for (let i = 0; i < row.ops; i++) A.add(a, one); }, release() { a.value.dispose(); one.dispose(); } };
      }
      const run = (): number => {
        a.zeroGrad();
        let x = a;
        for (let i = 0; i < row.ops; i++) x = A.add(x, one);
        x.backward();
        return a.grad!.value.item();
      };
      return { step() { run(); }, check: () => chainCheck(run()), release() { a.value.dispose(); one.dispose(); } };
    },
  };
  const tfEngines = (['cpu', 'wasm'] as TfjsBackendName[]).map((backend): StepEngine<OverheadRow> => {
    const base = tfjsEngine(backend);
    let tf: Tf | undefined;
    return {
      id: base.id, label: base.label, describe: () => base.describe(), activate: () => base.activate(),
      async init() { const why = await base.init(); if (why === undefined) tf = await loadTfjs(); return why; },
      prepare(row) {
        const t = tf!;
        const a = t.scalar(1);
        const b = t.scalar(1);
        if (row.kind === 'add') {
          // One tidy around the batch of adds: its own cost is spread over them, as in a real loop body.
          return { step() { t.tidy(() => { for (let i = 0; i < row.ops; i++) t.add(a, b); }); }, release() { a.dispose(); b.dispose(); } };
        }
        const gradient = t.grad((x: TfTensor) => { let y = x; for (let i = 0; i < row.ops; i++) y = t.add(y, b); return y; });
        const run = (): number => { const g = gradient(a); try { return g.dataSync()[0]!; } finally { g.dispose(); } };
        return { step() { run(); }, check: () => chainCheck(run()), release() { a.dispose(); b.dispose(); } };
      },
    };
  });
  const jaxEngine = jaxStepEngine<OverheadRow>((jax, row) => {
    const a = jax.numpy.array(1);
    if (row.kind === 'add') {
      return { step() { for (let i = 0; i < row.ops; i++) a.ref.add(1).dispose(); }, release() { a.dispose(); } };
    }
    if (row.ops > JAX_CHAIN_LIMIT) {
      a.dispose();
      return { kind: 'unavailable', reason: `eager \`grad\` of a chain of 10,000 adds overflows the call stack in jax-js 0.1.25 (a recursive dispose), so chains over ${JAX_CHAIN_LIMIT.toLocaleString('en-US')} ops are not run` };
    }
    const gradient = jax.grad((x: JaxArray) => { let y = x; for (let i = 0; i < row.ops; i++) y = y.add(1); return y; });
    const run = (): number => gradient(a.ref).dataSync()[0]!;
    return { step() { run(); }, check: () => chainCheck(run()), release() { a.dispose(); } };
  }, 'eager ops (no `jit`: a compiled chain would measure the compiler, not the per-op cost): `a.ref.add(1).dispose()`; chains: `grad(x => x.add(1)...add(1))(a)`');
  const engines = [lgEngine, ...tfEngines, jaxEngine];
  const columns = [...engines.map(({ id, label }) => ({ id, label })), { id: 'pytorch', label: 'PyTorch' }];
  const timed = new Comparison(all, columns);
  const descriptions = await runSteps('overhead', rows, engines, timed, context);
  if (withTorch) {
    const torch = runTorch(rows.map((r): TorchWorkload => (r.kind === 'add'
      ? { id: r.id, kind: 'scalar_add', params: { repeats: r.ops } }
      : { id: r.id, kind: 'scalar_chain', params: { length: r.ops } })), context.timing);
    for (const r of rows) timed.set(r.id, 'pytorch', torch.cells.get(r.id)!);
    if (torch.description !== undefined) descriptions.push(`${torch.description}: \`a + 1.0\` with \`a = torch.tensor(1.0, requires_grad=True)\`; chains: \`x = x + 1.0\` n times, \`x.backward()\`, \`a.grad.item()\``);
  }
  const grid = new Comparison(all, columns);
  for (const r of rows) {
    for (const { id } of columns) {
      const cell = timed.get(r.id, id);
      if (cell !== undefined) grid.set(r.id, id, cell.kind === 'time' ? { ...cell, sample: scaleSample(cell.sample, 1000 / r.ops) } : cell);
    }
  }
  const footer = [
    `Each cell: µs per op, the median call's ms × 1000 / ops. scalar add: ${OPS_PER_CALL} adds per call (TF.js: \`tf.add\` of two scalars, the adds inside one \`tf.tidy\`). Chains: one call builds the chain of n adds and differentiates it back to its start (TF.js: \`tf.grad\`); every chain's gradient (1) is checked before it is timed.`,
    ...descriptions,
  ];
  const us = grid.milliseconds('scalar-add', 'lossgraph-cpu');
  const outcomes: TargetOutcome[] = rows.some((r) => r.id === 'scalar-add') ? [{
    description: 'per-op overhead: a recorded scalar add in lossgraph cpu under 2 µs',
    holds: us === undefined ? undefined : us < 2,
    details: [us === undefined ? 'not measured' : `${us.toFixed(2)} µs per op (${us < 2 ? 'ok' : 'MISS'})`],
  }] : [];
  const ratios = PEER_RATIOS;
  return { markdown: ['## Per-op overhead (µs per op)', '', renderComparison(grid, { ratios, footer, unit: 'µs/op' })].join('\n'), targets: outcomes };
}

/** A chain of adds has gradient 1 with respect to its start. */
function chainCheck(gradient: number): string | undefined {
  return gradient === 1 ? undefined : `the chain's gradient is ${gradient}, expected 1`;
}

/** What a steady-state gpujs training loop did, from `getStats()`. */
export interface GpuLoopStats {
  /** Kernel compilations during the first step. */
  firstStepCompilations: number;
  /** Kernel compilations during the later steps (target 0). */
  laterCompilations: number;
  /** Readbacks per later step (target: 1, the scalar loss). */
  readbacksPerStep: number;
  /** Uploads per later step. */
  uploadsPerStep: number;
  /** Median ms of a later step. */
  medianStepMs: number;
  /** Number of later steps. */
  steps: number;
}

/**
 * Judges a gpujs loop against the targets: no compilation after the first step, and no readback
 * but the scalar loss.
 *
 * @param mode - the GPU.js mode, for the text
 * @param stats - what the loop did
 * @param pipeline - whether values live on the device; in host-memory modes nothing is ever read
 *   back, so the readback target is left undecided instead of holding trivially
 * @returns two outcomes
 * @example
 * ```ts
 * gpuLoopTargets('webasm', { firstStepCompilations: 30, laterCompilations: 0, readbacksPerStep: 1, uploadsPerStep: 0, medianStepMs: 5, steps: 20 });
 * ```
 */
export function gpuLoopTargets(mode: string, stats: GpuLoopStats, pipeline = true): TargetOutcome[] {
  const compiled = stats.laterCompilations === 0;
  const readbacks = stats.readbacksPerStep <= 1;
  const readbackOutcome: TargetOutcome = pipeline
    ? { description: `gpujs ${mode}: only the scalar loss read back per training step`, holds: readbacks, details: [`${stats.readbacksPerStep.toFixed(2)} readbacks per step (${readbacks ? 'ok' : 'MISS'})`] }
    : { description: `gpujs ${mode}: only the scalar loss read back per training step`, holds: undefined, details: ['values live in host memory in this mode: there are no readbacks to count'] };
  return [
    { description: `gpujs ${mode}: no kernel compilation after the first training step`, holds: compiled, details: [`${stats.laterCompilations} compilations over ${stats.steps} later steps (${compiled ? 'ok' : 'MISS'})`] },
    readbackOutcome,
  ];
}

/**
 * The gpujs section: a small MLP (64-32-10, batch 32) trained in a loop on the gpujs backend in
 * mode `webasm` (and `headlessgl` when an X display is set), counting kernel compilations after
 * the first step and readbacks per step with `getStats()`/`resetStats()`.
 *
 * @param options - the modes to try (default webasm, plus headlessgl when DISPLAY is set)
 * @returns the suite
 * @example
 * ```ts
 * const report = await gpujsLoopSuite({ modes: ['webasm'] }).run(context);
 * ```
 */
export function gpujsLoopSuite(options: { modes?: readonly GpuJsMode[] } = {}): Suite {
  return { id: 'gpujs-loop', title: 'gpujs training loop', run: (context) => runGpuLoop(context, options.modes) };
}

async function runGpuLoop(context: SuiteContext, modesOption: readonly GpuJsMode[] | undefined): Promise<SuiteReport> {
  if (!context.selects('gpujs-loop') && !context.selects('gpujs training loop')) return { markdown: '', targets: [] };
  const modes: GpuJsMode[] = modesOption ? [...modesOption] : ['webasm', ...(process.env['DISPLAY'] ? ['headlessgl' as GpuJsMode] : [])];
  const spec: MlpSpec = { sizes: [64, 32, 10], batch: 32, learningRate: 0.1 };
  const steps = context.quick ? 5 : 20;
  const { x, y } = mlpBatch(spec, 5);
  const lg = await loadLossgraph();
  const rows: string[][] = [];
  const outcomes: TargetOutcome[] = [];
  const notes: string[] = [];
  await import('@lossgraph/tensor/gpujs');
  for (const mode of modes) {
    const blocker = gpuModePrecondition(mode);
    if (blocker !== undefined) { rows.push([mode, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']); notes.push(`${mode}: ${blocker}`); continue; }
    context.log(`[gpujs-loop] ${mode}: ${steps} steps`);
    try {
      lg.tensor.setBackend('gpujs', { mode });
      const trainer = lossgraphTrainer(lg, spec, x, y);
      lg.tensor.resetStats();
      trainer.step();
      const first = lg.tensor.getStats();
      lg.tensor.resetStats();
      const times: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        trainer.step();
        times.push(performance.now() - t0);
      }
      const later = lg.tensor.getStats();
      trainer.release();
      const stats: GpuLoopStats = {
        firstStepCompilations: first.kernelCompilations, laterCompilations: later.kernelCompilations,
        readbacksPerStep: later.readbacks / steps, uploadsPerStep: later.uploads / steps, medianStepMs: median(times), steps,
      };
      const pipeline = (lg.tensor.getBackend() as { pipeline?: unknown }).pipeline;
      rows.push([mode, pipeline === true ? 'device textures (pipeline)' : 'host memory', String(stats.firstStepCompilations), String(stats.laterCompilations), stats.readbacksPerStep.toFixed(2), stats.uploadsPerStep.toFixed(2), formatMs(stats.medianStepMs)]);
      outcomes.push(...gpuLoopTargets(mode, stats, pipeline === true));
    } catch (error) {
      rows.push([mode, 'error', 'error', 'error', 'error', 'error', 'error']);
      notes.push(`${mode}: ${((error as Error).message ?? String(error)).split('\n')[0]}`);
      outcomes.push({ description: `gpujs ${mode}: training loop runs`, holds: false, details: [((error as Error).message ?? String(error)).split('\n')[0]!] });
    } finally {
      lg.tensor.setBackend('cpu');
    }
  }
  if (!process.env['DISPLAY'] && modesOption === undefined) notes.push('headlessgl: not run (DISPLAY unset); run under xvfb-run -a to include it');
  const table = renderMarkdownTable(
    ['mode', 'values live in', 'compilations, step 1', `compilations, steps 2-${steps + 1}`, 'readbacks / step', 'uploads / step', 'median ms / step'],
    rows,
  );
  const footer = [
    `MLP ${spec.sizes.join('-')} (ReLU), batch ${spec.batch}, SGD, softmax CE; each step: zeroGrad, forward, loss, backward, SGD update, the scalar loss read with \`item()\`. Counters from \`getStats()\` of @lossgraph/tensor, reset after step 1; ${steps} later steps${context.quick ? ' (--quick)' : ''}.`,
    'In host-memory modes (webasm, cpu) kernels read and write host arrays, so there is nothing to read back and the readback counter stays 0 by construction; the readback target is decided only in the texture modes (headlessgl, webgl).',
    ...notes,
  ].map((l) => `- ${l}`);
  return { markdown: ['## gpujs training loop: compilations and readbacks', '', table, '', ...footer].join('\n'), targets: outcomes };
}

/** Heap figures at one checkpoint of the memory run. */
export interface HeapCheckpoint {
  /** Steps done. */
  step: number;
  /** `process.memoryUsage().heapUsed` after a full gc, bytes. */
  heapUsed: number;
  /** Resident set size, bytes. */
  rss: number;
  /** Seconds since the run began. */
  seconds: number;
}

/**
 * Whether heap use stayed flat between two checkpoints: growth of at most 10% or 2 MiB,
 * whichever is larger (gc timing moves the figure by about that much without any leak).
 *
 * @param early - the earlier checkpoint
 * @param late - the later checkpoint
 * @returns the outcome
 * @example
 * ```ts
 * heapTarget({ step: 1000, heapUsed: 50e6, rss: 0, seconds: 3 }, { step: 10000, heapUsed: 51e6, rss: 0, seconds: 30 }).holds; // true
 * ```
 */
export function heapTarget(early: HeapCheckpoint, late: HeapCheckpoint): TargetOutcome {
  const allowed = Math.max(0.1 * early.heapUsed, 2 * 2 ** 20);
  const growth = late.heapUsed - early.heapUsed;
  const ok = growth <= allowed;
  return {
    description: `memory: heapUsed flat from step ${early.step} to step ${late.step} (growth <= max(10%, 2 MiB))`,
    holds: ok,
    details: [`${mib(early.heapUsed)} MiB -> ${mib(late.heapUsed)} MiB (${growth >= 0 ? '+' : ''}${mib(growth)} MiB, ${ok ? 'ok' : 'MISS'})`],
  };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** A full gc when one can be had: `--expose-gc`, or the flag set at run time. */
function findGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The memory section: the digits-style MLP (64-128-10, batch 16, SGD) trained on the cpu backend
 * for 10,000 steps (1,000 with `--quick`), heapUsed after a full gc at a tenth of the run and at
 * its end.
 *
 * @param options - `steps` overrides the length (tests)
 * @returns the suite
 * @example
 * ```ts
 * const report = await memorySuite().run(context);
 * ```
 */
export function memorySuite(options: { steps?: number } = {}): Suite {
  return { id: 'memory', title: 'Memory over a long training run', run: (context) => runMemory(context, options.steps) };
}

async function runMemory(context: SuiteContext, stepsOption: number | undefined): Promise<SuiteReport> {
  if (!context.selects('memory') && !context.selects('heapUsed')) return { markdown: '', targets: [] };
  const steps = stepsOption ?? (context.quick ? 1_000 : 10_000);
  const marks = [Math.max(1, Math.round(steps / 10)), steps];
  const lg = await loadLossgraph();
  lg.tensor.setBackend('cpu');
  const gc = findGc();
  const { x, y } = mlpBatch(DIGITS_MLP, 100);
  const trainer = lossgraphTrainer(lg, DIGITS_MLP, x, y);
  const checkpoints: HeapCheckpoint[] = [];
  const start = performance.now();
  context.log(`[memory] ${steps} steps`);
  let lastLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    lastLoss = trainer.step();
    if (marks.includes(step)) {
      gc?.();
      const usage = process.memoryUsage();
      checkpoints.push({ step, heapUsed: usage.heapUsed, rss: usage.rss, seconds: (performance.now() - start) / 1000 });
      context.log(`[memory] step ${step}: heapUsed ${mib(usage.heapUsed)} MiB`);
    }
  }
  trainer.release();
  const table = renderMarkdownTable(
    ['step', 'heapUsed (MiB)', 'rss (MiB)', 'elapsed (s)'],
    checkpoints.map((c) => [String(c.step), mib(c.heapUsed), mib(c.rss), c.seconds.toFixed(1)]),
  );
  const footer = [
    `MLP ${DIGITS_MLP.sizes.join('-')} (ReLU), batch ${DIGITS_MLP.batch}, SGD ${DIGITS_MLP.learningRate}, softmax CE, one fixed batch, lossgraph cpu, ${steps} steps${context.quick ? ' (--quick)' : ''}; final loss ${lastLoss.toFixed(4)}.`,
    gc ? 'heapUsed read right after a full gc (`v8.setFlagsFromString(\'--expose_gc\')` + `vm.runInNewContext(\'gc\')`).' : 'No gc could be exposed: heapUsed includes garbage not yet collected.',
  ].map((l) => `- ${l}`);
  return { markdown: ['## Memory over a long training run', '', table, '', ...footer].join('\n'), targets: checkpoints.length === 2 ? [heapTarget(checkpoints[0]!, checkpoints[1]!)] : [] };
}
