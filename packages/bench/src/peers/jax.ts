/**
 * jax-js as a peer: `@jax-js/jax` on its `wasm` device (fused expressions compiled to
 * WebAssembly), timed as its users write it: `jit(grad(f))` or `jit` of a whole training step.
 * Loaded lazily, so a broken install turns its column into "n/a" instead of ending the run.
 *
 * jax-js arrays are reference-counted: every op consumes its operands, `x.ref` adds a reference
 * to keep one, and `dataSync()` consumes the array it reads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CellResult, WorkloadRow } from '../harness.js';
import type { PreparedStep, StepEngine } from '../suites/steps.js';

/** The `@jax-js/jax` namespace. */
export type Jax = typeof import('@jax-js/jax');
/** A jax-js array. */
export type JaxArray = import('@jax-js/jax').Array;

/** Column id of jax-js in every table. @example `JAX_ID // 'jax-js'` */
export const JAX_ID = 'jax-js';

let loaded: Promise<Jax> | undefined;

/**
 * Loads `@jax-js/jax` once and starts its wasm device. `init()` without arguments would also probe
 * WebGPU and WebGL, which touch `navigator` (absent in Node), so only `'wasm'` is asked for.
 *
 * @returns the namespace, with `defaultDevice('wasm')` set
 * @throws Error when the wasm device does not start
 * @example
 * ```ts
 * const jax = await loadJax();
 * jax.numpy.array([1, 2]).dataSync(); // Float32Array [1, 2]
 * ```
 */
export function loadJax(): Promise<Jax> {
  loaded ??= (async () => {
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`init('wasm') started ${JSON.stringify(devices)}, not the wasm device`);
    jax.defaultDevice('wasm');
    return jax;
  })();
  return loaded;
}

/** The installed version of `@jax-js/jax`, read from its package.json. */
function jaxVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    // The package's exports hide package.json; its main file sits in dist/, one level below.
    const main = require.resolve('@jax-js/jax');
    return (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/**
 * A jax-js array of float32 values (a copy), on the wasm device.
 *
 * @param jax - the loaded namespace
 * @param values - row-major values
 * @param shape - extents
 * @returns the array (one reference, owned by the caller)
 * @example
 * ```ts
 * const x = jaxArray(jax, Float32Array.of(1, 2, 3, 4), [2, 2]);
 * ```
 */
export function jaxArray(jax: Jax, values: Float32Array | Int32Array, shape: readonly number[]): JaxArray {
  return jax.numpy.array(values, { shape: [...shape], dtype: values instanceof Int32Array ? jax.numpy.int32 : jax.numpy.float32 });
}

/**
 * jax-js as a {@link StepEngine}: loads the library, then builds each row's step with `prepare`.
 *
 * @param prepare - the row's step on jax-js, or a cell ("n/a" with the reason) where jax-js lacks
 *   the ops
 * @param what - the footer line's account of how the rows are written
 * @returns the engine, column `jax-js wasm`
 * @example
 * ```ts
 * const engine = jaxStepEngine<LossWorkload>((jax, row) => lossStep(jax, row), '`jit(grad(loss))`');
 * ```
 */
export function jaxStepEngine<R extends WorkloadRow>(prepare: (jax: Jax, row: R) => PreparedStep | CellResult, what: string): StepEngine<R> {
  let jax: Jax | undefined;
  let version = '?';
  return {
    id: JAX_ID,
    label: 'jax-js wasm',
    async init() {
      try {
        jax = await loadJax();
        version = jaxVersion();
        const probe = jax.numpy.array([1, 2]).add(jax.numpy.array([3, 4])).dataSync();
        if (probe[0] !== 4 || probe[1] !== 6) return `probe 1+3, 2+4 gave ${Array.from(probe).join(', ')}`;
        return undefined;
      } catch (error) {
        return `failed to start: ${((error as Error).message ?? String(error)).split('\n')[0]}`;
      }
    },
    activate: () => Promise.resolve(),
    describe: () => `jax-js ${version} (\`@jax-js/jax\`, device wasm, one thread): ${what}`,
    prepare: (row) => prepare(jax!, row),
  };
}
