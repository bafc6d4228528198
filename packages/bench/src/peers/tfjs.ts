/**
 * TF.js as a peer engine: its pure-JS `cpu` backend and its `wasm` backend (XNNPACK), both run
 * in this process. `@tensorflow/tfjs` is loaded lazily so that a broken install turns its columns
 * into "n/a" instead of stopping the whole benchmark.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { TensorEngine } from '../engines/types.js';

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;

/** The TF.js backends this module can run. */
export type TfjsBackendName = 'cpu' | 'wasm';

let tfModule: Promise<Tf> | undefined;
let wasmReady: Promise<void> | undefined;

/**
 * Loads `@tensorflow/tfjs` once.
 * @returns the `tf` namespace
 * @example
 * ```ts
 * const tf = await loadTfjs();
 * await tf.setBackend('cpu');
 * ```
 */
export function loadTfjs(): Promise<Tf> {
  tfModule ??= import('@tensorflow/tfjs').then((tf) => {
    // Production mode is how TF.js is meant to be deployed (no debug-only checks), and it
    // silences the "install tfjs-node" banner, which is beside the point of this comparison.
    tf.enableProdMode();
    return tf;
  });
  return tfModule;
}

/**
 * The directory holding the tfjs-backend-wasm `.wasm` binaries, with a trailing separator, as
 * `setWasmPaths` wants its prefix. In Node the backend reads the files from disk by plain path
 * (no fetch, no file:// URL), so the installed package's `dist/` works directly.
 *
 * @returns e.g. `/repo/node_modules/.pnpm/.../tfjs-backend-wasm/dist/`
 * @example
 * ```ts
 * setWasmPaths(tfjsWasmDirectory());
 * ```
 */
export function tfjsWasmDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

/** Registers the wasm backend with the path to its binaries, once per process. */
function prepareWasm(): Promise<void> {
  wasmReady ??= (async () => {
    await loadTfjs();
    // Importing the package registers the 'wasm' backend with the tfjs-core that @tensorflow/tfjs uses.
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(tfjsWasmDirectory());
  })();
  return wasmReady;
}

/**
 * A {@link TensorEngine} running TF.js on one of its backends. Results are read with `dataSync`
 * (the cpu backend hands back its own array; the wasm backend copies out of the WASM heap).
 *
 * @param backend - `'cpu'` (TF.js's plain-JS kernels) or `'wasm'` (XNNPACK, SIMD)
 * @returns the engine; call `init()` before anything else
 * @example
 * ```ts
 * const engine = tfjsEngine('wasm');
 * const why = await engine.init(); // undefined when ready
 * ```
 */
export function tfjsEngine(backend: TfjsBackendName): TensorEngine<TfTensor> {
  let tf: Tf | undefined;
  let description: string | undefined;
  const lib = (): Tf => {
    if (!tf) throw new Error(`tfjs-${backend}: init() must succeed before the engine is used`);
    return tf;
  };
  return {
    id: `tfjs-${backend}`,
    label: backend === 'cpu' ? 'TF.js cpu' : 'tfjs-wasm',
    async init() {
      try {
        if (backend === 'wasm') await prepareWasm();
        const loaded = await loadTfjs();
        if (!(await loaded.setBackend(backend))) return `tf.setBackend('${backend}') returned false`;
        await loaded.ready();
        const probe = loaded.add(loaded.tensor([1, 2]), loaded.tensor([3, 4]));
        const values = Array.from(probe.dataSync());
        probe.dispose();
        if (values[0] !== 4 || values[1] !== 6) return `probe 1+3, 2+4 gave ${values.join(', ')}`;
        tf = loaded;
        if (backend === 'wasm') {
          const simd = await loaded.env().getAsync('WASM_HAS_SIMD_SUPPORT');
          const threads = await loaded.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
          description = `tfjs-wasm ${loaded.version.tfjs} (prod mode): SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}`;
        } else {
          description = `TF.js cpu ${loaded.version.tfjs}: plain-JS kernels, prod mode`;
        }
        return undefined;
      } catch (error) {
        return `failed to start: ${(error as Error).message}`;
      }
    },
    async activate() {
      const t = lib();
      if (t.getBackend() !== backend && !(await t.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
    },
    describe: () => description,
    fromArray: (values, shape) => lib().tensor(values, [...shape], 'float32'),
    add: (a, b) => lib().add(a, b),
    exp: (x) => lib().exp(x),
    sumLastAxis: (x) => lib().sum(x, -1),
    maxLastAxis: (x) => lib().max(x, -1),
    matmul: (a, b) => lib().matMul(a, b),
    read: (x) => x.dataSync(),
    dispose: (x) => x.dispose(),
  };
}
