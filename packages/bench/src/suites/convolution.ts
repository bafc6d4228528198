/**
 * The convolution section: a 2-D convolution forward plus backward (issue 16's N 32, C 16 → 32,
 * 32x32, kernel 3, padding 1) and one training step of the `pnpm digits-cnn` net, on lossgraph
 * cpu, TF.js cpu, tfjs-wasm and PyTorch (one thread).
 */
import {
  Comparison, renderComparison, type Suite, type SuiteContext, type SuiteReport, type WorkloadRow,
} from '../harness.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch, type TorchWorkload } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { oneHotRows, runSteps, sizeOf, sparseLabels, type PreparedStep, type StepEngine } from './steps.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;
type TfVariable = import('@tensorflow/tfjs').Variable;
type Lg = {
  tensor: typeof import('@lossgraph/tensor');
  autograd: typeof import('@lossgraph/autograd');
  loss: typeof import('@lossgraph/loss');
  nn: typeof import('@lossgraph/nn');
};

/** The sizes of the convolution row. */
export interface ConvSpec {
  /** Batch, input channels, output channels, height (= width), kernel (padding keeps the size). */
  n: number; c: number; o: number; size: number; kernel: number;
}

/** Issue 16's convolution: N 32, C 16 → 32, 32x32, kernel 3, padding 1. @example `CONV_16_32.o // 32` */
export const CONV_16_32: ConvSpec = { n: 32, c: 16, o: 32, size: 32, kernel: 3 };

/** Samples per digits-cnn step. @example `DIGITS_CNN_BATCH // 32` */
export const DIGITS_CNN_BATCH = 32;

interface ConvRow extends WorkloadRow { kind: 'conv' | 'cnn-step'; spec: ConvSpec }

/** Values of `[n, c, h, w]` moved to `[n, h, w, c]` (TF.js's layout). */
function toNhwc(values: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < n!; b++) for (let ch = 0; ch < c!; ch++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) {
    out[((b * h! + y) * w! + x) * c! + ch] = values[((b * c! + ch) * h! + y) * w! + x]!;
  }
  return out;
}

/** Weights `[o, c, kh, kw]` moved to `[kh, kw, c, o]` (TF.js's filter layout). */
function toHwio(values: Float32Array, [o, c, kh, kw]: readonly number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let oc = 0; oc < o!; oc++) for (let ic = 0; ic < c!; ic++) for (let y = 0; y < kh!; y++) for (let x = 0; x < kw!; x++) {
    out[((y * kw! + x) * c! + ic) * o! + oc] = values[((oc * c! + ic) * kh! + y) * kw! + x]!;
  }
  return out;
}

/** The inputs of the convolution row: x `[n, c, size, size]`, w `[o, c, k, k]` (NCHW, OIHW). */
function convInputs(spec: ConvSpec): { x: Float32Array; xShape: number[]; w: Float32Array; wShape: number[] } {
  const xShape = [spec.n, spec.c, spec.size, spec.size];
  const wShape = [spec.o, spec.c, spec.kernel, spec.kernel];
  const scale = 1 / Math.sqrt(spec.c * spec.kernel * spec.kernel);
  return { x: uniformData(sizeOf(xShape), 21), xShape, w: Float32Array.from(uniformData(sizeOf(wShape), 22), (v) => v * scale), wShape };
}

/** A digits-like batch: `[32, 1, 8, 8]` pixels in [0, 1), labels in 0..9. */
function digitsBatch(): { x: Float32Array; xShape: number[]; y: Int32Array } {
  const xShape = [DIGITS_CNN_BATCH, 1, 8, 8];
  return { x: Float32Array.from(uniformData(sizeOf(xShape), 31), (v) => (v + 1) / 2), xShape, y: sparseLabels(DIGITS_CNN_BATCH, 10, 32) };
}

function lossgraphStep(lg: Lg, row: ConvRow): PreparedStep {
  const T = lg.tensor;
  const A = lg.autograd;
  if (row.kind === 'conv') {
    const { x, xShape, w, wShape } = convInputs(row.spec);
    const xv = A.variable(T.tensor(x, xShape));
    const wv = A.variable(T.tensor(w, wShape));
    const padding = (row.spec.kernel - 1) / 2;
    return {
      step() {
        const [dx, dw] = A.gradients(A.sum(A.conv2d(xv, wv, { padding })), [xv, wv]);
        dx!.dataSync();
        dw!.dataSync();
      },
      release() { xv.value.dispose(); wv.value.dispose(); },
    };
  }
  const { Sequential, Conv2D, MaxPool2D, Flatten, Dense, Xavier, Adam } = lg.nn;
  const net = new Sequential().add(
    new Conv2D(16, { kernelSize: 3, padding: 1, activation: 'relu' }), new MaxPool2D(),
    new Conv2D(32, { kernelSize: 3, padding: 1, activation: 'relu' }), new MaxPool2D(),
    new Flatten(), new Dense(10),
  );
  net.initialize({ init: new Xavier(), seed: 0 });
  const opt = new Adam(net, { learningRate: 0.003 });
  const lossFn = new lg.loss.SoftmaxCrossEntropyLoss();
  const { x, xShape, y } = digitsBatch();
  const xs = T.tensor(x, xShape);
  const ys = T.tensor(y, [DIGITS_CNN_BATCH], 'int32');
  return {
    step() {
      opt.zeroGrad();
      const total = A.sum(lossFn.forward(net.forward(xs), ys));
      total.backward();
      opt.step(DIGITS_CNN_BATCH);
      total.value.item();
    },
    release() { xs.dispose(); ys.dispose(); },
  };
}

function tfjsStep(tf: Tf, row: ConvRow): PreparedStep {
  if (row.kind === 'conv') {
    const { x, xShape, w, wShape } = convInputs(row.spec);
    const [n, c, h, wd] = xShape as [number, number, number, number];
    const xs = tf.tensor4d(toNhwc(x, xShape), [n, h, wd, c]);
    const ws = tf.tensor4d(toHwio(w, wShape), [row.spec.kernel, row.spec.kernel, c, row.spec.o]);
    const gradsOf = tf.grads((a: TfTensor, b: TfTensor) => tf.sum(tf.conv2d(a as import('@tensorflow/tfjs').Tensor4D, b as import('@tensorflow/tfjs').Tensor4D, 1, 'same')));
    return {
      step() {
        const [dx, dw] = gradsOf([xs, ws]);
        dx!.dataSync();
        dw!.dataSync();
        dx!.dispose();
        dw!.dispose();
      },
      release() { xs.dispose(); ws.dispose(); },
    };
  }
  const { x, xShape, y } = digitsBatch();
  const xs = tf.tensor4d(toNhwc(x, xShape), [DIGITS_CNN_BATCH, 8, 8, 1]);
  const ys = tf.tensor2d(oneHotRows(y, 10), [DIGITS_CNN_BATCH, 10]);
  const glorot = (shape: number[], fanIn: number, fanOut: number, seed: number): TfVariable =>
    tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), 'float32', seed));
  const vars = {
    w1: glorot([3, 3, 1, 16], 9, 144, 1), b1: tf.variable(tf.zeros([16])),
    w2: glorot([3, 3, 16, 32], 144, 288, 2), b2: tf.variable(tf.zeros([32])),
    w3: glorot([128, 10], 128, 10, 3), b3: tf.variable(tf.zeros([10])),
  };
  const opt = tf.train.adam(0.003);
  return {
    step() {
      const cost = opt.minimize(() => {
        let h = tf.relu(tf.add(tf.conv2d(xs, vars.w1 as import('@tensorflow/tfjs').Tensor4D, 1, 'same'), vars.b1)) as import('@tensorflow/tfjs').Tensor4D;
        h = tf.maxPool(h, 2, 2, 'valid');
        h = tf.relu(tf.add(tf.conv2d(h, vars.w2 as import('@tensorflow/tfjs').Tensor4D, 1, 'same'), vars.b2)) as import('@tensorflow/tfjs').Tensor4D;
        h = tf.maxPool(h, 2, 2, 'valid');
        const logits = tf.add(tf.matMul(tf.reshape(h, [DIGITS_CNN_BATCH, 128]), vars.w3), vars.b3);
        return tf.losses.softmaxCrossEntropy(ys, logits) as import('@tensorflow/tfjs').Scalar;
      }, true)!;
      cost.dataSync();
      cost.dispose();
    },
    release() {
      xs.dispose(); ys.dispose(); opt.dispose();
      for (const v of Object.values(vars)) v.dispose();
    },
  };
}

function torchWorkload(row: ConvRow): TorchWorkload {
  if (row.kind === 'conv') {
    const { x, xShape, w, wShape } = convInputs(row.spec);
    return { id: row.id, kind: 'conv2d_step', inputs: [{ values: x, shape: xShape }, { values: w, shape: wShape }], params: { padding: (row.spec.kernel - 1) / 2 } };
  }
  const { x, xShape, y } = digitsBatch();
  return { id: row.id, kind: 'digits_cnn_step', inputs: [{ values: x, shape: xShape }, { values: y, shape: [DIGITS_CNN_BATCH] }], params: { learningRate: 0.003 } };
}

/**
 * The convolution section: conv2d forward plus backward (both gradients read back) and one Adam
 * step of the digits CNN, on lossgraph cpu, TF.js cpu, tfjs-wasm and PyTorch.
 *
 * @param options - `torch: false` leaves PyTorch out and `spec` shrinks the convolution (tests)
 * @returns the suite
 * @example
 * ```ts
 * const report = await convolutionSuite().run(context);
 * ```
 */
export function convolutionSuite(options: { torch?: boolean; spec?: ConvSpec } = {}): Suite {
  return { id: 'conv', title: 'Convolution', run: (context) => runConvolution(context, options.spec ?? CONV_16_32, options.torch ?? true) };
}

async function runConvolution(context: SuiteContext, spec: ConvSpec, withTorch: boolean): Promise<SuiteReport> {
  const all: ConvRow[] = [
    { id: 'conv/conv2d', label: `conv2d fwd+bwd, N ${spec.n}, C ${spec.c} → ${spec.o}, ${spec.size}x${spec.size}, kernel ${spec.kernel}, padding ${(spec.kernel - 1) / 2}`, group: 'conv', kind: 'conv', spec },
    { id: 'conv/digits-cnn-step', label: `digits-cnn training step (Adam), batch ${DIGITS_CNN_BATCH}`, group: 'conv', kind: 'cnn-step', spec },
  ];
  const rows = all.filter((r) => context.selects(r.id) || context.selects(r.label));
  if (rows.length === 0) return { markdown: '', targets: [] };
  let lg: Lg | undefined;
  const lgEngine: StepEngine<ConvRow> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu',
    async init() {
      try {
        lg = { tensor: await import('@lossgraph/tensor'), autograd: await import('@lossgraph/autograd'), loss: await import('@lossgraph/loss'), nn: await import('@lossgraph/nn') };
        return undefined;
      } catch (error) { return `failed to load: ${(error as Error).message}`; }
    },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph cpu: `conv2d` (im2col into the WebAssembly SIMD GEMM), `gradients(sum(conv2d(x, w)), [x, w])`; the step: `Sequential(Conv2D, MaxPool2D, Conv2D, MaxPool2D, Flatten, Dense)`, `Adam`, `SoftmaxCrossEntropyLoss`',
    prepare: (r) => lossgraphStep(lg!, r),
  };
  const tfEngines = (['cpu', 'wasm'] as TfjsBackendName[]).map((backend): StepEngine<ConvRow> => {
    const base = tfjsEngine(backend);
    let tf: Tf | undefined;
    return {
      id: base.id, label: base.label, describe: () => base.describe(), activate: () => base.activate(),
      async init() { const why = await base.init(); if (why === undefined) tf = await loadTfjs(); return why; },
      // tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel, so no convolution can be trained on it.
      prepare: (r) => (backend === 'wasm' ? { kind: 'unavailable', reason: 'tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel (no convolution gradient)' } : tfjsStep(tf!, r)),
    };
  });
  const engines = [lgEngine, ...tfEngines];
  const grid = new Comparison(rows, [...engines.map(({ id, label }) => ({ id, label })), { id: 'pytorch', label: 'PyTorch' }]);
  const descriptions = await runSteps('conv', rows, engines, grid, context);
  if (withTorch) {
    context.log('[conv] running PyTorch (child process)');
    const torch = runTorch(rows.map(torchWorkload), context.timing);
    for (const row of rows) grid.set(row.id, 'pytorch', torch.cells.get(row.id)!);
    if (torch.description !== undefined) descriptions.push(torch.description);
  }
  const footer = [
    'conv2d row: each cell is the median ms of one forward convolution and both gradients of its sum (input and weight), read back; same values everywhere. TF.js runs NHWC with HWIO filters (its native layout; `tf.grads` of `tf.sum(tf.conv2d(x, w, 1, "same"))`); lossgraph and PyTorch run NCHW.',
    'digits-cnn step: the `pnpm digits-cnn` net (Conv2D 16 3x3 ReLU, max-pool 2, Conv2D 32 3x3 ReLU, max-pool 2, Dense 10) on one fixed [32, 1, 8, 8] batch: zero grads, forward, softmax CE, backward, Adam (lr 0.003), the loss read back. TF.js: the same net from `tf.conv2d`/`tf.maxPool`/`tf.matMul` with `tf.train.adam(...).minimize`. PyTorch: `nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear)`, `torch.optim.Adam`, `F.cross_entropy`.',
    ...descriptions,
  ];
  const ratios = [
    { subject: 'lossgraph-cpu', reference: 'tfjs-cpu' },
    { subject: 'lossgraph-cpu', reference: 'tfjs-wasm' },
    { subject: 'lossgraph-cpu', reference: 'pytorch' },
  ];
  return { markdown: ['## Convolution (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'), targets: [] };
}
