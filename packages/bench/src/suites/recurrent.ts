/**
 * Recurrent layers: a GRU forward plus backward (the gradients of the input and every weight)
 * on lossgraph cpu against TF.js cpu and tfjs-wasm (the GRU written in ops, `tf.grads`), jax-js
 * (unrolled under `jit`) and PyTorch's `nn.GRU` (one thread, child process), on the same inputs
 * and weights.
 */
import { Comparison, renderComparison, type Suite, type SuiteContext, type SuiteReport, type WorkloadRow } from '../harness.js';
import { jaxArray, jaxStepEngine, type Jax, type JaxArray } from '../peers/jax.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { compareValues, PEER_RATIOS, runSteps, sizeOf, type PreparedStep, type StepEngine } from './steps.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;

type Lg = {
  tensor: typeof import('@lossgraph/tensor');
  autograd: typeof import('@lossgraph/autograd');
  nn: typeof import('@lossgraph/nn');
};

/** A GRU workload: one layer, TNC layout. */
export interface GruSpec {
  /** Time steps T. */
  steps: number;
  /** Batch N. */
  batch: number;
  /** Input features. */
  inputSize: number;
  /** Hidden units H. */
  hiddenSize: number;
}

/** The GRU: T 50, N 32, input 32, hidden 64. @example `GRU_50.hiddenSize // 64` */
export const GRU_50: GruSpec = { steps: 50, batch: 32, inputSize: 32, hiddenSize: 64 };

/**
 * Deterministic inputs of a GRU row: x `[T, N, in]` uniform in [-1, 1), the head gradient R
 * (the objective is sum(out · R)) and the four weights uniform in [-1/√H, 1/√H) (PyTorch's
 * initialisation range), in PyTorch's / MXNet's layout and gate order.
 *
 * @param spec - the sizes
 * @param seed - base seed
 * @returns the arrays, row-major float32
 * @example
 * ```ts
 * const { x, head, weights } = gruInputs(GRU_50, 1);
 * ```
 */
export function gruInputs(spec: GruSpec, seed: number): { x: Float32Array; head: Float32Array; weights: { i2hWeight: Float32Array; h2hWeight: Float32Array; i2hBias: Float32Array; h2hBias: Float32Array } } {
  const { steps, batch, inputSize, hiddenSize } = spec;
  const bound = 1 / Math.sqrt(hiddenSize);
  const scaled = (size: number, s: number): Float32Array => Float32Array.from(uniformData(size, s), (v) => bound * v);
  return {
    x: uniformData(steps * batch * inputSize, seed),
    head: uniformData(steps * batch * hiddenSize, seed + 1),
    weights: {
      i2hWeight: scaled(3 * hiddenSize * inputSize, seed + 2),
      h2hWeight: scaled(3 * hiddenSize * hiddenSize, seed + 3),
      i2hBias: scaled(3 * hiddenSize, seed + 4),
      h2hBias: scaled(3 * hiddenSize, seed + 5),
    },
  };
}

interface GruRow extends WorkloadRow { spec: GruSpec }

type GruInputs = ReturnType<typeof gruInputs>;

/**
 * The reference the peers' gradients are checked against: lossgraph's GRU (tested against PyTorch
 * in @lossgraph/nn) run once in float64 on the same inputs, the gradient of x.
 */
async function gruReference(spec: GruSpec, inputs: GruInputs): Promise<Float64Array> {
  const T = await import('@lossgraph/tensor');
  const A = await import('@lossgraph/autograd');
  const nn = await import('@lossgraph/nn');
  const previous = T.getBackend().name as 'cpu' | 'gpujs';
  T.setBackend('cpu');
  try {
    const f64 = (values: Float32Array, shape: number[]) => T.tensor(Float64Array.from(values), shape, 'float64');
    const gru = new nn.GRU(spec.hiddenSize, { inputSize: spec.inputSize, dtype: 'float64' });
    const H3 = 3 * spec.hiddenSize;
    const params = gru.collectParams();
    params.get('l0_i2h_weight')!.setData(f64(inputs.weights.i2hWeight, [H3, spec.inputSize]));
    params.get('l0_h2h_weight')!.setData(f64(inputs.weights.h2hWeight, [H3, spec.hiddenSize]));
    params.get('l0_i2h_bias')!.setData(f64(inputs.weights.i2hBias, [H3]));
    params.get('l0_h2h_bias')!.setData(f64(inputs.weights.h2hBias, [H3]));
    const x = A.variable(f64(inputs.x, [spec.steps, spec.batch, spec.inputSize]));
    A.sum(A.mul(gru.forward(x), f64(inputs.head, [spec.steps, spec.batch, spec.hiddenSize]))).backward();
    return Float64Array.from(x.grad!.value.dataSync());
  } finally {
    T.setBackend(previous);
  }
}

/**
 * The GRU written in TF.js ops (TF.js's own `tf.layers.gru` keeps its weights in another layout
 * and adds the hidden bias before the reset gate): the input projection for all steps in one
 * matMul, then per step `r, z` sigmoids and `n = tanh(x_n + r ⊙ (W_hn h + b_hn))`, differentiated
 * with `tf.grads` with respect to x and the four weights.
 */
function tfjsGruStep(tf: Tf, spec: GruSpec, inputs: GruInputs, reference: () => Float64Array): PreparedStep {
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = spec;
  const x = tf.tensor3d(inputs.x, [T, N, I]);
  const head = tf.tensor3d(inputs.head, [T, N, H]);
  const weights = [
    tf.tensor2d(inputs.weights.i2hWeight, [3 * H, I]), tf.tensor2d(inputs.weights.h2hWeight, [3 * H, H]),
    tf.tensor1d(inputs.weights.i2hBias), tf.tensor1d(inputs.weights.h2hBias),
  ];
  const objective = (...args: TfTensor[]): TfTensor => {
    const [xs, wi, wh, bi, bh] = args as [TfTensor, TfTensor, TfTensor, TfTensor, TfTensor];
    const projected = tf.reshape(tf.add(tf.matMul(tf.reshape(xs, [T * N, I]), wi, false, true), bi), [T, N, 3 * H]);
    let h: TfTensor = tf.zeros([N, H]);
    const outs: TfTensor[] = [];
    for (let t = 0; t < T; t++) {
      const [xr, xz, xn] = tf.split(tf.reshape(tf.slice(projected, [t, 0, 0], [1, N, 3 * H]), [N, 3 * H]), 3, 1) as [TfTensor, TfTensor, TfTensor];
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, wh, false, true), bh), 3, 1) as [TfTensor, TfTensor, TfTensor];
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      outs.push(h);
    }
    return tf.sum(tf.mul(tf.stack(outs), head));
  };
  const gradients = tf.grads(objective);
  const run = (): ArrayLike<number> => {
    const grads = gradients([x, ...weights]);
    try { return grads[0]!.dataSync(); } finally { for (const g of grads) g.dispose(); }
  };
  return {
    step() { run(); },
    check: () => compareValues('gradient of x', run(), reference()),
    release() { x.dispose(); head.dispose(); for (const w of weights) w.dispose(); },
  };
}

/**
 * The GRU on jax-js: the same step function, unrolled over the 50 steps inside one `jit` (jax-js
 * 0.1.25 has no `lax.scan`), `grad` with respect to x and the four weights, x's gradient read.
 */
function jaxGruStep(jax: Jax, spec: GruSpec, inputs: GruInputs, reference: () => Float64Array): PreparedStep {
  const { numpy: np, nn } = jax;
  const { steps: T, batch: N, inputSize: I, hiddenSize: H } = spec;
  const x = jaxArray(jax, inputs.x, [T, N, I]);
  const head = jaxArray(jax, inputs.head, [T, N, H]);
  const weights = [
    jaxArray(jax, inputs.weights.i2hWeight, [3 * H, I]), jaxArray(jax, inputs.weights.h2hWeight, [3 * H, H]),
    jaxArray(jax, inputs.weights.i2hBias, [3 * H]), jaxArray(jax, inputs.weights.h2hBias, [3 * H]),
  ];
  const objective = (xs: JaxArray, wi: JaxArray, wh: JaxArray, bi: JaxArray, bh: JaxArray, r: JaxArray): JaxArray => {
    const projected = np.matmul(xs.reshape([T * N, I]), wi.transpose()).add(bi).reshape([T, N, 3 * H]);
    const whT = wh.transpose();
    let h = np.zeros([N, H]);
    const outs: JaxArray[] = [];
    for (let t = 0; t < T; t++) {
      const [xr, xz, xn] = np.split(projected.ref.slice(t), 3, 1) as [JaxArray, JaxArray, JaxArray];
      const [hr, hz, hn] = np.split(np.matmul(h.ref, whT.ref).add(bh.ref), 3, 1) as [JaxArray, JaxArray, JaxArray];
      const reset = nn.sigmoid(xr.add(hr));
      const update = nn.sigmoid(xz.add(hz));
      const candidate = np.tanh(xn.add(reset.mul(hn)));
      h = np.subtract(1, update.ref).mul(candidate).add(update.mul(h));
      outs.push(h.ref);
    }
    projected.dispose();
    whT.dispose();
    bh.dispose();
    h.dispose();
    return np.stack(outs).mul(r).sum();
  };
  const gradients = jax.jit(jax.grad(objective, { argnums: [0, 1, 2, 3, 4] }));
  const run = (): ArrayLike<number> => {
    const grads = gradients(x.ref, weights[0]!.ref, weights[1]!.ref, weights[2]!.ref, weights[3]!.ref, head.ref);
    for (const g of grads.slice(1)) g.dispose();
    return grads[0]!.dataSync() as ArrayLike<number>;
  };
  return {
    step() { run(); },
    check: () => compareValues('gradient of x', run(), reference()),
    release() { x.dispose(); head.dispose(); gradients.dispose(); for (const w of weights) w.dispose(); },
  };
}

/**
 * The recurrent section: one GRU forward plus backward (T 50, N 32, input 32, hidden 64 by
 * default) on lossgraph cpu, TF.js cpu, tfjs-wasm, jax-js and PyTorch.
 *
 * @param options - `torch: false` leaves PyTorch out (tests); `spec` other sizes
 * @returns the suite
 * @example
 * ```ts
 * const report = await recurrentSuite().run(context);
 * ```
 */
export function recurrentSuite(options: { torch?: boolean; spec?: GruSpec } = {}): Suite {
  return { id: 'recurrent', title: 'Recurrent layers', run: (context) => runRecurrent(context, options.spec ?? GRU_50, options.torch ?? true) };
}

async function runRecurrent(context: SuiteContext, spec: GruSpec, withTorch: boolean): Promise<SuiteReport> {
  const row: GruRow = {
    id: 'gru', label: `GRU fwd+bwd, T ${spec.steps}, N ${spec.batch}, input ${spec.inputSize}, hidden ${spec.hiddenSize}`, group: 'recurrent', spec,
  };
  if (!context.selects('recurrent/gru') && !context.selects(row.label)) return { markdown: '', targets: [] };
  const inputs = gruInputs(spec, 11);
  const xShape = [spec.steps, spec.batch, spec.inputSize];
  const outShape = [spec.steps, spec.batch, spec.hiddenSize];
  let lg: Lg | undefined;
  const lgEngine: StepEngine<GruRow> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu',
    async init() {
      try {
        lg = { tensor: await import('@lossgraph/tensor'), autograd: await import('@lossgraph/autograd'), nn: await import('@lossgraph/nn') };
        return undefined;
      } catch (error) {
        return `failed to load: ${(error as Error).message}`;
      }
    },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph cpu: `new GRU(H, { inputSize })` with the weights set, `sum(mul(gru.forward(x), R)).backward()`, gradient of x read back (the weights\' gradients are computed too)',
    prepare(r) {
      const { tensor: T, autograd: A, nn } = lg!;
      const gru = new nn.GRU(r.spec.hiddenSize, { inputSize: r.spec.inputSize });
      const H3 = 3 * r.spec.hiddenSize;
      gru.collectParams().get('l0_i2h_weight')!.setData(T.tensor(inputs.weights.i2hWeight, [H3, r.spec.inputSize]));
      gru.collectParams().get('l0_h2h_weight')!.setData(T.tensor(inputs.weights.h2hWeight, [H3, r.spec.hiddenSize]));
      gru.collectParams().get('l0_i2h_bias')!.setData(T.tensor(inputs.weights.i2hBias, [H3]));
      gru.collectParams().get('l0_h2h_bias')!.setData(T.tensor(inputs.weights.h2hBias, [H3]));
      const x = A.variable(T.tensor(inputs.x, xShape));
      const head = T.tensor(inputs.head, outShape);
      const run = (): ArrayLike<number> => {
        gru.zeroGrad();
        x.zeroGrad();
        A.sum(A.mul(gru.forward(x), head)).backward();
        return x.grad!.value.dataNoCopy();
      };
      return {
        step() { run(); },
        check: () => compareValues('gradient of x', run(), reference()),
        release() { x.value.dispose(); head.dispose(); },
      };
    },
  };
  let referenceValues: Float64Array | undefined;
  const reference = (): Float64Array => {
    if (referenceValues === undefined) throw new Error('the float64 GRU reference was not computed');
    return referenceValues;
  };
  try {
    referenceValues = await gruReference(spec, inputs);
  } catch (error) {
    context.log(`[recurrent] float64 reference failed: ${(error as Error).message}`);
  }
  const tfEngines = (['cpu', 'wasm'] as TfjsBackendName[]).map((backend): StepEngine<GruRow> => {
    const base = tfjsEngine(backend);
    let tf: Tf | undefined;
    return {
      id: base.id, label: base.label, describe: () => base.describe(), activate: () => base.activate(),
      async init() { const why = await base.init(); if (why === undefined) tf = await loadTfjs(); return why; },
      prepare: (r) => tfjsGruStep(tf!, r.spec, inputs, reference),
    };
  });
  const jaxEngine = jaxStepEngine<GruRow>((jax, r) => jaxGruStep(jax, r.spec, inputs, reference), 'the GRU step in `jax.numpy`, unrolled over T inside one `jit(grad(...))` (jax-js has no `lax.scan`), gradients of x and the four weights, x\'s read');
  const engines = [lgEngine, ...tfEngines, jaxEngine];
  const grid = new Comparison([row], [...engines.map(({ id, label }) => ({ id, label })), { id: 'pytorch', label: 'PyTorch' }]);
  const descriptions = await runSteps('recurrent', [row], engines, grid, context);
  if (withTorch) {
    context.log('[recurrent] running PyTorch (child process)');
    const H3 = 3 * spec.hiddenSize;
    const torch = runTorch([{
      id: row.id, kind: 'gru',
      inputs: [
        { values: inputs.x, shape: xShape }, { values: inputs.head, shape: outShape },
        { values: inputs.weights.i2hWeight, shape: [H3, spec.inputSize] }, { values: inputs.weights.h2hWeight, shape: [H3, spec.hiddenSize] },
        { values: inputs.weights.i2hBias, shape: [H3] }, { values: inputs.weights.h2hBias, shape: [H3] },
      ],
    }], context.timing);
    grid.set(row.id, 'pytorch', torch.cells.get(row.id)!);
    if (torch.description !== undefined) descriptions.push(torch.description);
  }
  const footer = [
    `Each cell: median ms of one GRU forward plus backward over ${sizeOf(xShape)} input values: zero the gradients, run the layer, back-propagate sum(out · R), read the input's gradient back; same inputs and weights everywhere.`,
    'PyTorch: `nn.GRU(input, hidden)` with the weights copied, `(gru(x)[0] * R).sum().backward()`, `x.grad.numpy()`. TF.js: the same GRU written in ops (one matMul for the input projection, then per step the r, z, n gates as PyTorch/MXNet define them), `tf.grads` with respect to x and the four weights, x\'s gradient read with `dataSync()`.',
    'Every in-process cell\'s gradient of x is checked before it is timed against lossgraph\'s GRU run once in float64 on the same inputs (itself tested against PyTorch in @lossgraph/nn).',
    ...descriptions,
  ];
  const ratios = PEER_RATIOS;
  return { markdown: ['## Recurrent layers (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'), targets: [] };
}
