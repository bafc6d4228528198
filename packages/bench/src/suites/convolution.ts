/**
 * The convolution section: a 2-D convolution forward plus backward (issue 16's N 32, C 16 → 32,
 * 32x32, kernel 3, padding 1) and one training step of a small digits CNN (the first `pnpm digits-cnn` net), on lossgraph
 * cpu, TF.js cpu, tfjs-wasm, jax-js (wasm, `jit`) and PyTorch (one thread).
 */
import {
  Comparison, renderComparison, type Suite, type SuiteContext, type SuiteReport, type WorkloadRow,
} from '../harness.js';
import { jaxArray, jaxStepEngine, type Jax, type JaxArray } from '../peers/jax.js';
import { loadTfjs, tfjsEngine, type TfjsBackendName } from '../peers/tfjs.js';
import { runTorch, type TorchWorkload } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { compareValues, PEER_RATIOS, oneHotRows, runSteps, sizeOf, sparseLabels, type PreparedStep, type StepEngine } from './steps.js';

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
    const run = (): [ArrayLike<number>, ArrayLike<number>] => {
      const [dx, dw] = A.gradients(A.sum(A.conv2d(xv, wv, { padding })), [xv, wv]);
      return [dx!.dataSync(), dw!.dataSync()];
    };
    return {
      step() { run(); },
      check() { const [dx, dw] = run(); return checkConvGradients(row.spec, dx, dw); },
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

/**
 * The float64 gradients of `sum(conv2d(x, w))` (stride 1, padding keeping the size): each input
 * value's gradient is the sum of the weights that touch it, each weight's the sum of the inputs it
 * touches.
 */
function convGradientReference(spec: ConvSpec, x: Float32Array, w: Float32Array): { dx: Float64Array; dw: Float64Array } {
  const { n, c, o, size, kernel } = spec;
  const p = (kernel - 1) / 2;
  const inside = (v: number): boolean => v >= 0 && v < size;
  const plane = new Float64Array(c * size * size);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    let acc = 0;
    for (let oc = 0; oc < o; oc++) for (let kh = 0; kh < kernel; kh++) for (let kw = 0; kw < kernel; kw++) {
      if (inside(i - kh + p) && inside(j - kw + p)) acc += w[((oc * c + ch) * kernel + kh) * kernel + kw]!;
    }
    plane[(ch * size + i) * size + j] = acc;
  }
  const dx = new Float64Array(n * c * size * size);
  for (let b = 0; b < n; b++) dx.set(plane, b * plane.length);
  const perChannel = new Float64Array(c * kernel * kernel);
  for (let ch = 0; ch < c; ch++) for (let kh = 0; kh < kernel; kh++) for (let kw = 0; kw < kernel; kw++) {
    let acc = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      const yi = i + kh - p;
      const xj = j + kw - p;
      if (inside(yi) && inside(xj)) acc += x[((b * c + ch) * size + yi) * size + xj]!;
    }
    perChannel[(ch * kernel + kh) * kernel + kw] = acc;
  }
  const dw = new Float64Array(o * c * kernel * kernel);
  for (let oc = 0; oc < o; oc++) dw.set(perChannel, oc * perChannel.length);
  return { dx, dw };
}

/** Checks a conv row's two gradients (NCHW, OIHW) against {@link convGradientReference}. */
function checkConvGradients(spec: ConvSpec, dx: ArrayLike<number>, dw: ArrayLike<number>): string | undefined {
  const { x, w } = convInputs(spec);
  const reference = convGradientReference(spec, x, w);
  return compareValues('gradient of x', dx, reference.dx) ?? compareValues('gradient of w', dw, reference.dw);
}

/** The digits-cnn weights for engines that take them from outside (jax-js): Glorot-uniform, zero biases. */
function digitsCnnWeights(): { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; w3: Float32Array; b3: Float32Array } {
  const glorot = (size: number, fanIn: number, fanOut: number, seed: number): Float32Array =>
    Float32Array.from(uniformData(size, seed), (v) => v * Math.sqrt(6 / (fanIn + fanOut)));
  return {
    w1: glorot(16 * 1 * 9, 9, 144, 41), b1: new Float32Array(16),
    w2: glorot(32 * 16 * 9, 144, 288, 42), b2: new Float32Array(32),
    w3: glorot(128 * 10, 128, 10, 43), b3: new Float32Array(10),
  };
}

/**
 * The float64 loss of the digits CNN (conv 3x3 pad 1 + bias + ReLU, max-pool 2, twice; the
 * flattened NCHW features times `w3 [128, 10]` plus `b3`; softmax CE averaged over the batch).
 */
function digitsCnnLossReference(weights: ReturnType<typeof digitsCnnWeights>, x: Float32Array, y: Int32Array): number {
  const conv = (input: Float64Array, n: number, c: number, o: number, size: number, w: Float32Array, b: Float32Array): Float64Array => {
    const out = new Float64Array(n * o * size * size);
    for (let s = 0; s < n; s++) for (let oc = 0; oc < o; oc++) for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      let acc = b[oc]!;
      for (let ch = 0; ch < c; ch++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
        const yi = i + kh - 1;
        const xj = j + kw - 1;
        if (yi >= 0 && yi < size && xj >= 0 && xj < size) acc += input[((s * c + ch) * size + yi) * size + xj]! * w[((oc * c + ch) * 3 + kh) * 3 + kw]!;
      }
      out[((s * o + oc) * size + i) * size + j] = Math.max(0, acc);
    }
    return out;
  };
  const pool = (input: Float64Array, planes: number, size: number): Float64Array => {
    const half = size / 2;
    const out = new Float64Array(planes * half * half);
    for (let q = 0; q < planes; q++) for (let i = 0; i < half; i++) for (let j = 0; j < half; j++) {
      const at = (di: number, dj: number): number => input[(q * size + 2 * i + di) * size + 2 * j + dj]!;
      out[(q * half + i) * half + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
    }
    return out;
  };
  const B = DIGITS_CNN_BATCH;
  const h1 = pool(conv(Float64Array.from(x), B, 1, 16, 8, weights.w1, weights.b1), B * 16, 8);
  const h2 = pool(conv(h1, B, 16, 32, 4, weights.w2, weights.b2), B * 32, 4);
  let loss = 0;
  for (let s = 0; s < B; s++) {
    const logits = Array.from({ length: 10 }, (_, j) => {
      let acc = weights.b3[j]!;
      for (let k = 0; k < 128; k++) acc += h2[s * 128 + k]! * weights.w3[k * 10 + j]!;
      return acc;
    });
    const mx = Math.max(...logits);
    loss += (mx + Math.log(logits.reduce((t, v) => t + Math.exp(v - mx), 0)) - logits[y[s]!]!) / B;
  }
  return loss;
}

/**
 * A conv row on jax-js: `jit(grad(sum(lax.conv(x, w))))` with respect to both, read back; the
 * digits-cnn step as one `jit` of forward, `valueAndGrad` and an Adam update (max-pool through
 * `lax.reduceWindow`), the loss read with `dataSync()`.
 */
function jaxStep(jax: Jax, row: ConvRow): PreparedStep {
  const { lax, numpy: np, nn } = jax;
  if (row.kind === 'conv') {
    const { x, xShape, w, wShape } = convInputs(row.spec);
    const xs = jaxArray(jax, x, xShape);
    const ws = jaxArray(jax, w, wShape);
    const p = (row.spec.kernel - 1) / 2;
    const gradsOf = jax.jit(jax.grad((a: JaxArray, b: JaxArray) => lax.conv(a, b, [1, 1], [[p, p], [p, p]]).sum(), { argnums: [0, 1] }));
    const run = (): [ArrayLike<number>, ArrayLike<number>] => {
      const [dx, dw] = gradsOf(xs.ref, ws.ref);
      return [dx.dataSync() as ArrayLike<number>, dw.dataSync() as ArrayLike<number>];
    };
    return {
      step() { run(); },
      check() { const [dx, dw] = run(); return checkConvGradients(row.spec, dx, dw); },
      release() { xs.dispose(); ws.dispose(); gradsOf.dispose(); },
    };
  }
  const { x, xShape, y } = digitsBatch();
  const initial = digitsCnnWeights();
  const shapes = [[16, 1, 3, 3], [16], [32, 16, 3, 3], [32], [128, 10], [10]];
  const order = [initial.w1, initial.b1, initial.w2, initial.b2, initial.w3, initial.b3];
  let params = order.map((v, i) => jaxArray(jax, v, shapes[i]!));
  let m = shapes.map((shape) => np.zeros(shape));
  let v = shapes.map((shape) => np.zeros(shape));
  const xs = jaxArray(jax, x, xShape);
  const ys = jaxArray(jax, y, [DIGITS_CNN_BATCH]);
  const pool = (h: JaxArray): JaxArray => lax.reduceWindow(h, (window: JaxArray) => window.max(), [1, 1, 2, 2], [1, 1, 2, 2]);
  const lossOf = (ps: JaxArray[], xb: JaxArray, yb: JaxArray): JaxArray => {
    const [w1, b1, w2, b2, w3, b3] = ps as [JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray];
    let h = pool(nn.relu(lax.conv(xb, w1, [1, 1], [[1, 1], [1, 1]]).add(b1.reshape([1, 16, 1, 1]))));
    h = pool(nn.relu(lax.conv(h, w2, [1, 1], [[1, 1], [1, 1]]).add(b2.reshape([1, 32, 1, 1]))));
    const logits = np.matmul(h.reshape([DIGITS_CNN_BATCH, 128]), w3).add(b3);
    return nn.logSoftmax(logits, -1).mul(nn.oneHot(yb, 10)).sum().neg().div(DIGITS_CNN_BATCH);
  };
  const [beta1, beta2, eps, lr] = [0.9, 0.999, 1e-8, 0.003];
  // Adam as torch.optim.Adam: the bias corrections enter as one step size per update, computed here.
  const update = jax.jit((ps: JaxArray[], ms: JaxArray[], vs: JaxArray[], xb: JaxArray, yb: JaxArray, stepSize: JaxArray, vScale: JaxArray): [JaxArray, JaxArray[], JaxArray[], JaxArray[]] => {
    const [loss, grads] = jax.valueAndGrad(lossOf)(ps.map((q) => q.ref), xb, yb);
    const nm = ms.map((mi, i) => mi.mul(beta1).add(grads[i]!.ref.mul(1 - beta1)));
    const nv = vs.map((vi, i) => vi.mul(beta2).add(grads[i]!.ref.mul(grads[i]!).mul(1 - beta2)));
    const np2 = ps.map((q, i) => q.sub(nm[i]!.ref.mul(stepSize.ref).div(np.sqrt(nv[i]!.ref.mul(vScale.ref)).add(eps))));
    stepSize.dispose();
    vScale.dispose();
    return [loss, np2, nm, nv];
  });
  let t = 0;
  const run = (): number => {
    t++;
    const [loss, nextP, nextM, nextV] = update(params, m, v, xs.ref, ys.ref, np.array(lr / (1 - beta1 ** t)), np.array(1 / (1 - beta2 ** t)));
    params = nextP;
    m = nextM;
    v = nextV;
    return loss.dataSync()[0]!;
  };
  return {
    step() { run(); },
    check: () => compareValues('loss of the first step', [run()], [digitsCnnLossReference(initial, x, y)]),
    release() {
      xs.dispose(); ys.dispose(); update.dispose();
      for (const a of [...params, ...m, ...v]) a.dispose();
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
  const jaxEngine = jaxStepEngine<ConvRow>((jax, r) => jaxStep(jax, r), 'conv2d: `jit(grad(sum(lax.conv(x, w, [1, 1], padding)), { argnums: [0, 1] }))`, NCHW/OIHW, both gradients checked against a float64 reference first; the step: the same net from `lax.conv`, `lax.reduceWindow` (max) and `matmul`, forward, `valueAndGrad` and an Adam update under one `jit` (Glorot-uniform weights; its first loss checked against a float64 forward)');
  const engines = [lgEngine, ...tfEngines, jaxEngine];
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
    'digits-cnn step: the small digits CNN (the first `pnpm digits-cnn` net; the example now trains a wider one with BatchNorm) (Conv2D 16 3x3 ReLU, max-pool 2, Conv2D 32 3x3 ReLU, max-pool 2, Dense 10) on one fixed [32, 1, 8, 8] batch: zero grads, forward, softmax CE, backward, Adam (lr 0.003), the loss read back. TF.js: the same net from `tf.conv2d`/`tf.maxPool`/`tf.matMul` with `tf.train.adam(...).minimize`. PyTorch: `nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear)`, `torch.optim.Adam`, `F.cross_entropy`.',
    ...descriptions,
  ];
  const ratios = PEER_RATIOS;
  return { markdown: ['## Convolution (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'), targets: [] };
}
