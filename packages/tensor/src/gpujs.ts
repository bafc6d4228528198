/**
 * `@lossgraph/tensor/gpujs`: the GPU.js backend, kept off the package's main entry point so that a
 * cpu-only program never loads gpu.js (640 KB minified in a browser bundle; its install brings a
 * WebGPU binary and a native `gl` build). Importing this module registers the backend as
 * `'gpujs'`, as importing `@tensorflow/tfjs-backend-wasm` does for TF.js; gpu.js is an optional
 * peer dependency that gpujs users install themselves (`npm install gpu.js`).
 *
 * @example
 * ```ts
 * import { setBackend, tensor, matmul } from '@lossgraph/tensor';
 * import '@lossgraph/tensor/gpujs';
 * setBackend('gpujs', { mode: 'webasm' });
 * matmul(tensor([[1, 2]]), tensor([[3], [4]])).item();   // 11
 * ```
 *
 * @module
 */
export { GpuJsBackend } from './backends/gpujs.js';
export type { GpuJsMode } from './registry.js';
