/**
 * The switches of the cpu backend's fast paths: lazy elementwise fusion, and the WebAssembly SIMD
 * kernels for elementwise ops and reductions and for the matrix product. All are on by default;
 * off, the path falls back to what runs without it (one kernel per op, the JavaScript kernels).
 * Tests and benchmarks turn them off to compare a path with its fallback. Users reach the setters
 * through the `@lossgraph/tensor/cpu` entry point, not the package's main one.
 *
 * @internal
 */

/** A fast path of the cpu backend that can be switched off. */
export type CpuFastPath = 'fusion' | 'wasmElementwise' | 'wasmMatmul';

const enabled: Record<CpuFastPath, boolean> = { fusion: true, wasmElementwise: true, wasmMatmul: true };

/**
 * Whether `path` is switched on (it may still be unavailable: WebAssembly SIMD missing).
 *
 * @param path - the fast path
 * @returns its setting
 * @example
 * ```ts
 * if (isEnabled('wasmMatmul')) console.log('large float32 products may use WebAssembly');
 * ```
 */
export function isEnabled(path: CpuFastPath): boolean {
  return enabled[path];
}

function setEnabled(path: CpuFastPath, on: boolean): boolean {
  const previous = enabled[path];
  enabled[path] = on;
  return previous;
}

/**
 * Turns lazy elementwise fusion on or off (on by default where WebAssembly SIMD is available).
 * Off, every float32 elementwise op runs at once, as its own kernel; results are the same bits.
 *
 * @param on - whether float32 elementwise ops may be deferred and fused
 * @returns the previous setting
 * @example
 * ```ts
 * const previous = setFusionEnabled(false); // one kernel per op
 * setFusionEnabled(previous);
 * ```
 */
export function setFusionEnabled(on: boolean): boolean {
  return setEnabled('fusion', on);
}

/**
 * Turns the WebAssembly path of float32 elementwise ops and reductions on or off (on by default).
 * Off, every such op runs its JavaScript kernel (exp, sigmoid, softplus and logSumExp then differ
 * by a few ulps), and nothing fuses.
 *
 * @param on - whether float32 elementwise ops and reductions may use WebAssembly
 * @returns the previous setting
 * @example
 * ```ts
 * const previous = setWasmElementwiseEnabled(false); // force the JS kernels
 * setWasmElementwiseEnabled(previous);
 * ```
 */
export function setWasmElementwiseEnabled(on: boolean): boolean {
  return setEnabled('wasmElementwise', on);
}

/**
 * Turns the WebAssembly path of float32 matrix products on or off (on by default). Off, every
 * product runs the JavaScript kernel, which accumulates in float64.
 *
 * @param on - whether float32 products may use WebAssembly
 * @returns the previous setting
 * @example
 * ```ts
 * const previous = setWasmMatmulEnabled(false); // force the JS kernel
 * setWasmMatmulEnabled(previous);
 * ```
 */
export function setWasmMatmulEnabled(on: boolean): boolean {
  return setEnabled('wasmMatmul', on);
}
