/**
 * The page of `pnpm bench:browser`: lossgraph (cpu; gpujs webgl2), TF.js (wasm, webgl) and jax-js
 * (wasm, webgl devices) side by side in one Chromium page, on two workloads: the MLP SGD step
 * (784-128-10, batch 64) and softmax cross-entropy forward and backward on [1024, 1000] logits.
 * Every timed call reads its result back to the host (`dataSync`), so queued GPU work is counted.
 * Every engine starts from the same seeded inputs and weights, and reports its first step's loss,
 * so a wrong column shows. Driven by ./run.ts through `globalThis.benchBrowser`.
 */
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import * as A from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { Dense, Sequential, SGD } from '@lossgraph/nn';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';

/** The workloads, by id. */
export type WorkloadId = 'mlp' | 'softmax-ce';
/** The columns, by id. */
export type EngineId = 'lossgraph-cpu' | 'lossgraph-webgl2' | 'tfjs-wasm' | 'tfjs-webgl' | 'jax-wasm' | 'jax-webgl';

/** One cell: the median time of a step, or why there is none. */
export interface Cell {
  engine: EngineId;
  workload: WorkloadId;
  /** Median milliseconds per step after warm-up, readback included; null when the cell failed. */
  medianMs: number | null;
  /** Timed steps. */
  reps: number;
  /** The first step's loss (the same inputs and weights everywhere). */
  firstLoss: number | null;
  /** The error, when the cell failed. */
  error?: string;
}

const MLP = { batch: 64, sizes: [784, 128, 10], learningRate: 0.1 };
const CE = { rows: 1024, classes: 1000 };

/** Seeded uniform values in [-scale, scale): every engine gets the same numbers. */
function uniform(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 * 2 - 1) * scale;
  }
  return out;
}
const labelsOf = (n: number, classes: number): Int32Array => Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);

const mlpX = uniform(MLP.batch * 784, 1, 1);
const mlpY = labelsOf(MLP.batch, 10);
const w1 = uniform(784 * 128, 2, Math.sqrt(6 / (784 + 128)));   // [784, 128], x · W
const w2 = uniform(128 * 10, 3, Math.sqrt(6 / (128 + 10)));
const ceLogits = uniform(CE.rows * CE.classes, 4, 3);
const ceY = labelsOf(CE.rows, CE.classes);

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j]!;
  return out;
}

/** A prepared step: `step()` runs once and returns the loss read back. */
interface Step {
  step(): number | Promise<number>;
  release(): void;
}

// ---- lossgraph ---------------------------------------------------------------------------
function lossgraphStep(workload: WorkloadId): Step {
  if (workload === 'mlp') {
    const net = new Sequential().add(new Dense(128, { activation: 'relu', inUnits: 784 }), new Dense(10, { inUnits: 128 }));
    net.initialize({ seed: 0 });
    const [p1w, p1b, p2w, p2b] = net.parameters();
    p1w!.setData(T.tensor(transpose(w1, 784, 128), [128, 784]));
    p1b!.setData(T.zeros([128]));
    p2w!.setData(T.tensor(transpose(w2, 128, 10), [10, 128]));
    p2b!.setData(T.zeros([10]));
    const opt = new SGD(net, { learningRate: MLP.learningRate });
    const loss = new SoftmaxCrossEntropyLoss();
    const x = T.keep(T.tensor(mlpX, [MLP.batch, 784]));
    const y = T.keep(T.tensor(mlpY, [MLP.batch], 'int32'));
    return {
      step: () => T.tidy(() => {
        opt.zeroGrad();
        const l = A.mean(loss.forward(net.forward(x), y));
        l.backward();
        opt.step();
        return l.item();
      }),
      release: () => { x.dispose(); y.dispose(); },
    };
  }
  const logits = T.keep(T.tensor(ceLogits, [CE.rows, CE.classes]));
  const y = T.keep(T.tensor(ceY, [CE.rows], 'int32'));
  const loss = new SoftmaxCrossEntropyLoss();
  return {
    step: () => T.tidy(() => {
      const z = A.variable(logits, { requiresGrad: true });
      const l = A.mean(loss.forward(z, y));
      l.backward();
      z.grad!.value.dataSync();
      const value = l.item();
      z.zeroGrad();   // disposes the gradient backward made (the value is the kept logits)
      return value;
    }),
    release: () => { logits.dispose(); y.dispose(); },
  };
}

// ---- TF.js --------------------------------------------------------------------------------
function tfjsStep(workload: WorkloadId): Step {
  if (workload === 'mlp') {
    const vars = [tf.variable(tf.tensor2d(w1, [784, 128])), tf.variable(tf.zeros([128])), tf.variable(tf.tensor2d(w2, [128, 10])), tf.variable(tf.zeros([10]))];
    const x = tf.tensor2d(mlpX, [MLP.batch, 784]);
    const onehot = tf.oneHot(tf.tensor1d(mlpY, 'int32'), 10);
    const optimizer = tf.train.sgd(MLP.learningRate);
    return {
      step: () => {
        const l = optimizer.minimize(() => {
          const h = tf.relu(tf.add(tf.matMul(x, vars[0]!), vars[1]!));
          return tf.losses.softmaxCrossEntropy(onehot, tf.add(tf.matMul(h, vars[2]!), vars[3]!)) as tf.Scalar;
        }, true)!;
        const value = l.dataSync()[0]!;
        l.dispose();
        return value;
      },
      release: () => { tf.dispose([...vars, x, onehot]); optimizer.dispose(); },
    };
  }
  const logits = tf.tensor2d(ceLogits, [CE.rows, CE.classes]);
  const onehot = tf.oneHot(tf.tensor1d(ceY, 'int32'), CE.classes);
  const valueAndGrad = tf.valueAndGrad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, z));
  return {
    step: () => tf.tidy(() => {
      const { value, grad } = valueAndGrad(logits);
      grad.dataSync();
      return value.dataSync()[0]!;
    }),
    release: () => tf.dispose([logits, onehot]),
  };
}

// ---- jax-js -------------------------------------------------------------------------------
type JaxArray = jax.Array;
function jaxStep(workload: WorkloadId, device: 'wasm' | 'webgl'): Step {
  jax.defaultDevice(device);
  const np = jax.numpy;
  const f32 = (values: Float32Array, shape: number[]): JaxArray => np.array(values, { shape, dtype: np.float32 });
  const i32 = (values: Int32Array): JaxArray => np.array(values, { shape: [values.length], dtype: np.int32 });
  if (workload === 'mlp') {
    let params = [f32(w1, [784, 128]), np.zeros([128]), f32(w2, [128, 10]), np.zeros([10])];
    const x = f32(mlpX, [MLP.batch, 784]);
    const y = i32(mlpY);
    const lossOf = (ps: JaxArray[], xb: JaxArray, yb: JaxArray): JaxArray => {
      const h = jax.nn.relu(np.matmul(xb, ps[0]!).add(ps[1]!));
      const z = np.matmul(h, ps[2]!).add(ps[3]!);
      return jax.nn.logSoftmax(z, -1).mul(jax.nn.oneHot(yb, 10)).sum().neg().div(MLP.batch);
    };
    // The whole SGD update under one jit, as jax-js's users write it; arrays are reference-counted
    // (an op consumes its operands; `.ref` keeps one).
    const update = jax.jit((ps: JaxArray[], xb: JaxArray, yb: JaxArray): [JaxArray, JaxArray[]] => {
      const [loss, grads] = jax.valueAndGrad(lossOf)(ps.map((p) => p.ref), xb, yb);
      return [loss, ps.map((p, i) => p.sub(grads[i]!.mul(MLP.learningRate)))];
    });
    return {
      step: () => {
        const [loss, next] = update(params, x.ref, y.ref);
        params = next;
        return loss.dataSync()[0]!;
      },
      release: () => { x.dispose(); y.dispose(); update.dispose(); for (const p of params) p.dispose(); },
    };
  }
  const logits = f32(ceLogits, [CE.rows, CE.classes]);
  const onehot = jax.nn.oneHot(i32(ceY), CE.classes);
  const lossOf = (z: JaxArray, t: JaxArray): JaxArray => jax.nn.logSoftmax(z, -1).mul(t).sum().neg().div(CE.rows);
  const valueAndGrad = jax.jit(jax.valueAndGrad(lossOf));
  return {
    step: () => {
      const [loss, grad] = valueAndGrad(logits.ref, onehot.ref) as unknown as [JaxArray, JaxArray];
      grad.dataSync();
      return loss.dataSync()[0]!;
    },
    release: () => { logits.dispose(); onehot.dispose(); valueAndGrad.dispose(); },
  };
}

// ---- the harness --------------------------------------------------------------------------
async function prepare(engine: EngineId, workload: WorkloadId): Promise<Step> {
  switch (engine) {
    case 'lossgraph-cpu': T.setBackend('cpu'); return lossgraphStep(workload);
    case 'lossgraph-webgl2': T.setBackend('gpujs', { mode: 'webgl2' }); return lossgraphStep(workload);
    case 'tfjs-wasm':
    case 'tfjs-webgl': {
      const name = engine === 'tfjs-wasm' ? 'wasm' : 'webgl';
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      return tfjsStep(workload);
    }
    case 'jax-wasm': return jaxStep(workload, 'wasm');
    case 'jax-webgl': return jaxStep(workload, 'webgl');
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Options of one cell's timing. */
export interface TimingOptions {
  /** Untimed steps first (kernels compiled, pools filled). */
  warmup: number;
  /** Timed steps: at least `minReps`, then more until `budgetMs` has passed or `maxReps` ran. */
  minReps: number;
  maxReps: number;
  budgetMs: number;
}

async function measure(engine: EngineId, workload: WorkloadId, timing: TimingOptions): Promise<Cell> {
  let step: Step | undefined;
  try {
    step = await prepare(engine, workload);
    const firstLoss = await step.step();
    for (let i = 1; i < timing.warmup; i++) await step.step();
    const times: number[] = [];
    const started = performance.now();
    while (times.length < timing.minReps || (times.length < timing.maxReps && performance.now() - started < timing.budgetMs)) {
      const t0 = performance.now();
      await step.step();
      times.push(performance.now() - t0);
    }
    return { engine, workload, medianMs: median(times), reps: times.length, firstLoss };
  } catch (e) {
    return { engine, workload, medianMs: null, reps: 0, firstLoss: null, error: (e instanceof Error ? e.message : String(e)).split('\n')[0]! };
  } finally {
    try { step?.release(); } catch { /* a failed cell's release may fail too */ }
  }
}

const api = {
  /** Starts TF.js's wasm backend (its .wasm files served under `wasmPath`) and jax-js's devices. */
  async init(wasmPath: string): Promise<{ jaxDevices: string[]; tfjsVersion: string; renderer: string | null }> {
    setWasmPaths(wasmPath);
    const jaxDevices = await jax.init('wasm', 'webgl');
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
    return { jaxDevices, tfjsVersion: tf.version.tfjs, renderer };
  },
  /** Times every engine on `workload`, one after the other. */
  async run(engines: readonly EngineId[], workload: WorkloadId, timing: TimingOptions): Promise<Cell[]> {
    const cells: Cell[] = [];
    for (const engine of engines) cells.push(await measure(engine, workload, timing));
    return cells;
  },
};

/** The page's API, as run.ts sees it. */
export type BenchPageApi = typeof api;
(globalThis as unknown as { benchBrowser: BenchPageApi }).benchBrowser = api;
