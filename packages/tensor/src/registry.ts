import * as z from 'zod/mini';
import type { Backend, BackendStats } from './backend.js';
import { parseOptions } from './options.js';

/**
 * Zod schema of the GPU.js modes, as GPU.js names them.
 *
 * @example
 * ```ts
 * gpuJsModeSchema.options;   // ['cpu', 'webasm', 'headlessgl', 'webgl', 'webgl2', 'webgpu', 'gpu']
 * ```
 */
export const gpuJsModeSchema = z.enum(['cpu', 'webasm', 'headlessgl', 'webgl', 'webgl2', 'webgpu', 'gpu']);

/**
 * Modes of the gpujs backend, as GPU.js names them.
 *
 * @example
 * ```ts
 * const mode: GpuJsMode = 'webgl2';
 * setBackend('gpujs', { mode });
 * ```
 */
export type GpuJsMode = z.infer<typeof gpuJsModeSchema>;

/**
 * Zod schema of {@link BackendOptions} (the gpujs backend's; the cpu backend takes none, so
 * {@link setBackend} refuses any option for it).
 *
 * @example
 * ```ts
 * backendOptionsSchema.parse({ mode: 'webasm' });
 * ```
 */
export const backendOptionsSchema = z.strictObject({
  /** GPU.js mode for the `gpujs` backend; the default lets GPU.js pick the best available. */
  mode: z.optional(gpuJsModeSchema),
});

/**
 * Options of {@link setBackend}: `mode`, for the gpujs backend only.
 *
 * @example
 * ```ts
 * setBackend('gpujs', { mode: 'headlessgl' } satisfies BackendOptions);
 * ```
 */
export type BackendOptions = z.input<typeof backendOptionsSchema>;

/** The cpu backend has no options. */
const cpuOptionsSchema = z.strictObject({});

/**
 * Makes a backend; registered by each backend module.
 *
 * @example
 * ```ts
 * const factory: BackendFactory = () => new CpuBackend();
 * registerBackend('cpu2', factory);
 * ```
 */
export type BackendFactory = (options: BackendOptions) => Backend;

const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>();
let current: Backend | undefined;
let currentName = 'cpu';

/** @internal Each backend module registers itself under its name. */
export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

/**
 * Chooses the backend that runs every op from now on. Tensors made before keep their storage and
 * are moved to the new backend when an op first uses them.
 *
 * @param name - `'cpu'` (typed-array loops, the default) or `'gpujs'` (GPU.js kernels; registered by
 *   `import '@lossgraph/tensor/gpujs'`, with the gpu.js package installed)
 * @param options - `mode` picks the GPU.js mode: `'headlessgl'` (Node + the gl package),
 *   `'webgl2'`/`'webgl'` (browsers), `'webgpu'`, `'webasm'` or `'cpu'`
 * @returns the backend now in use
 * @throws Error naming the backend when it is unknown or not registered (saying what to install and
 *   import for `'gpujs'`), or when its mode cannot start here; TypeError for an unknown option (the
 *   cpu backend takes none) or a mode GPU.js lacks
 *
 * @example
 * ```ts
 * import '@lossgraph/tensor/gpujs';
 * setBackend('gpujs', { mode: 'webasm' });
 * ```
 */
export function setBackend(name: 'cpu' | 'gpujs', options: BackendOptions = {}): Backend {
  const factory = factories.get(name);
  if (!factory && name === 'gpujs') {
    throw new Error("setBackend('gpujs'): the gpujs backend is not loaded. Install GPU.js (`npm install gpu.js`) and import the " +
      "backend once before choosing it: `import '@lossgraph/tensor/gpujs';`");
  }
  if (!factory) throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; expected one of ${[...factories.keys()].map((k) => `'${k}'`).join(', ')}`);
  options = parseOptions(`setBackend('${name}')`, name === 'cpu' ? cpuOptionsSchema : backendOptionsSchema, options);
  const key = `${name}:${options.mode ?? ''}`;
  let backend = instances.get(key);
  if (!backend) {
    backend = factory(options);
    instances.set(key, backend);
  }
  current = backend;
  currentName = name;
  return backend;
}

/**
 * The backend that runs ops now (the cpu backend unless {@link setBackend} chose another).
 *
 * @example
 * ```ts
 * getBackend().name;   // 'cpu'
 * ```
 */
export function getBackend(): Backend {
  if (!current) setBackend(currentName as 'cpu' | 'gpujs');
  return current!;
}

/**
 * The counters of the current backend: kernel compilations, readbacks and uploads since the last
 * {@link resetStats}. A steady-state gpujs training loop compiles nothing new and reads back only
 * what the program asks for.
 *
 * @example
 * ```ts
 * resetStats();
 * sum(tensor([1, 2, 3])).item();   // a readback on gpujs
 * getStats();   // { kernelCompilations: 0, readbacks: 0, uploads: 0 } on cpu, where reading is free
 * ```
 */
export function getStats(): Readonly<BackendStats> {
  return { ...getBackend().stats };
}

/**
 * Sets the current backend's counters to zero.
 *
 * @example
 * ```ts
 * resetStats();
 * getStats().readbacks;   // 0
 * ```
 */
export function resetStats(): void {
  const stats = getBackend().stats;
  stats.kernelCompilations = 0;
  stats.readbacks = 0;
  stats.uploads = 0;
}
