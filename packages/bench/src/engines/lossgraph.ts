/**
 * lossgraph's own backends as benchmark engines. `@lossgraph/tensor` is imported lazily so a
 * backend that fails to load or start shows as "n/a" with its reason instead of ending the run.
 */
import type { GpuJsMode, Tensor } from '@lossgraph/tensor';
import type { TensorEngine } from './types.js';

type Lossgraph = typeof import('@lossgraph/tensor');

/** The lossgraph backends the benchmarks know how to start. */
export type LossgraphBackendName = 'cpu' | 'gpujs';

/**
 * Why a gpujs mode cannot start in this process, checked before touching native code: the
 * `headlessgl` mode (the `gl` package) needs an X display, e.g. `xvfb-run -a pnpm bench`.
 *
 * @param mode - the GPU.js mode about to be requested
 * @param env - environment to inspect (tests pass their own)
 * @returns undefined when worth trying, otherwise the reason
 * @example
 * ```ts
 * gpuModePrecondition('headlessgl', {}); // 'no X display (DISPLAY unset); run under xvfb-run -a'
 * ```
 */
export function gpuModePrecondition(mode: GpuJsMode | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (mode === 'headlessgl' && process.platform === 'linux' && !env['DISPLAY']) {
    return 'no X display (DISPLAY unset); run under xvfb-run -a to measure it';
  }
  return undefined;
}

/**
 * A {@link TensorEngine} running lossgraph on one backend. Results are materialised with the
 * backend's `read` (for gpujs that is the readback from the device; for cpu it is the array
 * itself, as TF.js cpu's `dataSync` is), then disposed.
 *
 * @param backend - `'cpu'` or `'gpujs'`
 * @param mode - GPU.js mode for `'gpujs'` (e.g. `'webasm'`, `'headlessgl'`); ignored for cpu
 * @returns the engine; call `init()` before anything else
 * @example
 * ```ts
 * const engine = lossgraphEngine('gpujs', 'webasm');
 * const why = await engine.init(); // undefined when ready
 * ```
 */
export function lossgraphEngine(backend: LossgraphBackendName, mode?: GpuJsMode): TensorEngine<Tensor> {
  const suffix = backend === 'gpujs' && mode !== undefined ? ` ${mode}` : '';
  let lg: Lossgraph | undefined;
  let description: string | undefined;
  const lib = (): Lossgraph => {
    if (!lg) throw new Error(`lossgraph ${backend}${suffix}: init() must succeed before the engine is used`);
    return lg;
  };
  const options = backend === 'gpujs' && mode !== undefined ? { mode } : {};
  return {
    id: `lossgraph-${backend}${suffix.replace(' ', '-')}`,
    label: `lossgraph ${backend}${suffix}`,
    async init() {
      const blocker = backend === 'gpujs' ? gpuModePrecondition(mode) : undefined;
      if (blocker !== undefined) return blocker;
      let loaded: Lossgraph;
      try {
        loaded = await import('@lossgraph/tensor');
        if (backend === 'gpujs') await import('@lossgraph/tensor/gpujs');
      } catch (error) {
        return `@lossgraph/tensor failed to load: ${(error as Error).message}`;
      }
      const previous = loaded.getBackend().name;
      try {
        const instance = loaded.setBackend(backend, options);
        const probe = loaded.add(loaded.tensor([1, 2]), loaded.tensor([3, 4]));
        const values = Array.from(probe.dataSync());
        probe.dispose();
        if (values[0] !== 4 || values[1] !== 6) return `probe 1+3, 2+4 gave ${values.join(', ')}`;
        const actualMode = (instance as { mode?: unknown }).mode;
        if (mode !== undefined && typeof actualMode === 'string' && actualMode !== mode) {
          return `asked for GPU.js mode '${mode}' but the backend runs '${actualMode}'`;
        }
        lg = loaded;
        if (typeof actualMode === 'string') {
          const pipeline = (instance as { pipeline?: unknown }).pipeline;
          description = `lossgraph ${backend}${suffix}: GPU.js runs mode '${actualMode}'` +
            (pipeline === true ? ', pipeline mode (results stay on the device until read)' : pipeline === false ? ', values in host memory' : '');
        }
        return undefined;
      } catch (error) {
        return `setBackend('${backend}'${mode ? `, { mode: '${mode}' }` : ''}) failed: ${(error as Error).message.split('\n')[0]}`;
      } finally {
        loaded.setBackend(previous as LossgraphBackendName);
      }
    },
    activate() {
      lib().setBackend(backend, options);
      return Promise.resolve();
    },
    describe: () => description,
    fromArray: (values, shape) => lib().tensor(values, [...shape], 'float32'),
    add: (a, b) => lib().add(a, b),
    exp: (x) => lib().exp(x),
    sumLastAxis: (x) => lib().sum(x, -1),
    maxLastAxis: (x) => lib().max(x, -1),
    matmul: (a, b) => lib().matmul(a, b),
    read: (x) => x.backend.read(x),
    dispose: (x) => x.dispose(),
  };
}
