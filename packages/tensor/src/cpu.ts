/**
 * `@lossgraph/tensor/cpu`: the cpu backend's switches and probes, kept off the package's main
 * entry point because programs never need them: tests and benchmarks do, to compare a fast path
 * with its fallback and to check what the backend did.
 *
 * - Switches: {@link setFusionEnabled} (lazy elementwise fusion), {@link setWasmElementwiseEnabled}
 *   and {@link setWasmMatmulEnabled} (the WebAssembly SIMD kernels); each returns its previous
 *   setting. {@link fusionActive}, {@link wasmElementwiseAvailable} and {@link wasmMatmulAvailable}
 *   say whether a path can run here (switched on, and WebAssembly SIMD present).
 * - Probes: {@link isDeferred} and {@link sharesStorage} look at a cpu tensor's storage without
 *   exposing it; {@link cpuRewriteCounts} counts the rewrites that fired (see rewrites.ts).
 *
 * @example
 * ```ts
 * import { setFusionEnabled, isDeferred } from '@lossgraph/tensor/cpu';
 * const previous = setFusionEnabled(false);
 * isDeferred(exp(randn([64, 128])));   // false: ran at once
 * setFusionEnabled(previous);
 * ```
 *
 * @module
 */
import type { Tensor } from './tensor.js';
import { CpuBackend } from './backends/cpu.js';
import { FusedExpr } from './backends/cpu/fusion.js';
import { RowScatter } from './backends/cpu/rewrites.js';

export { setFusionEnabled, setWasmElementwiseEnabled, setWasmMatmulEnabled } from './backends/cpu/switches.js';
export { fusionActive } from './backends/cpu/fusion.js';
export { wasmElementwiseAvailable } from './backends/cpu/wasm-elementwise.js';
export { wasmMatmulAvailable } from './backends/cpu/wasm-matmul.js';
export { cpuRewriteCounts, type CpuRewrite } from './backends/cpu/rewrites.js';

function cpuStorage(t: Tensor, argName: string, fn: string): unknown {
  if (!(t.backend instanceof CpuBackend)) throw new TypeError(`${fn}: ${argName} must be a tensor of the cpu backend, got one of ${t.backend.name}`);
  return t.storage;
}

/**
 * Whether the values of a cpu tensor were made lazily: by a deferred (fused) elementwise
 * expression or as a sparse row scatter, rather than by a kernel writing an array at once. It
 * stays true once the values have been computed (the tensor keeps its expression, values attached).
 *
 * @param t - a tensor of the cpu backend
 * @returns true for lazily made values
 * @throws TypeError for a tensor of another backend
 * @example
 * ```ts
 * isDeferred(sub(randn([64, 128]), 1));   // true where fusion is active
 * isDeferred(tensor([1, 2]));             // false
 * ```
 */
export function isDeferred(t: Tensor): boolean {
  const storage = cpuStorage(t, 't', 'isDeferred');
  return storage instanceof FusedExpr || storage instanceof RowScatter;
}

/**
 * Whether two cpu tensors hold the same storage: one is a reshape of the other, or the scratch
 * pool gave an array dropped by one to the other (see `withScratch`).
 *
 * @param a - a tensor of the cpu backend
 * @param b - another
 * @returns true when they share storage
 * @throws TypeError for a tensor of another backend
 * @example
 * ```ts
 * const x = randn([4, 4]);
 * sharesStorage(x, reshape(x, [16]));   // true
 * sharesStorage(x, add(x, 0));          // false
 * ```
 */
export function sharesStorage(a: Tensor, b: Tensor): boolean {
  return cpuStorage(a, 'a', 'sharesStorage') === cpuStorage(b, 'b', 'sharesStorage');
}
