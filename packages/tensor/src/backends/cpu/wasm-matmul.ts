/**
 * The float32 matrix product of the cpu backend on WebAssembly SIMD (packages/tensor/wasm/kernels.c,
 * compiled into wasm-kernels.generated.ts by `pnpm build:wasm`).
 *
 * The module is compiled synchronously on first use: it is about 6 KB, well under the 8 MB that
 * current Chrome allows synchronously on the main thread (older Chrome allowed 4 KB and throws; that
 * lands in the fallback below). Each product copies one batch's operands into
 * the module's memory, runs the packed GEMM there and copies the product out: the copies are
 * O(m*k + k*n + m*n) against O(m*n*k) work, which is why only products above a size threshold come
 * here (see matmul.ts). When WebAssembly or its SIMD extension is missing, or compilation is
 * refused (too large for synchronous compilation, or a Content-Security-Policy without
 * 'wasm-unsafe-eval'), {@link wasmMatmulF32} answers
 * false and the caller runs its JavaScript kernel.
 *
 * @internal
 */
import { KERNELS_WASM_BASE64 } from './wasm-kernels.generated.js';

/** Tile sizes of kernels.c: packed panels are padded to whole MR-row and NR-column panels. */
const MR = 4;
const NR = 8;
/** Memory kept across calls; a product needing more gets a throwaway instance so a one-off large product does not pin its memory forever. */
const RETAIN_BYTES = 64 * 1024 * 1024;
const PAGE_BYTES = 65536;
/** Byte alignment of every buffer in the module's memory (a cache line). */
const ALIGN = 64;

interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  matmul_f32(
    a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number,
    m: number, n: number, k: number, pa: number, pb: number, flags: number,
  ): void;
}

interface Kernels {
  exports: KernelExports;
  heapBase: number;
}

/** undefined: not tried yet; null: unavailable here. */
let compiled: WebAssembly.Module | null | undefined;
let shared: Kernels | undefined;
let enabled = true;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    // validate() is false where the engine lacks SIMD (the module uses v128).
    if (!WebAssembly.validate(bytes)) return null;
    compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

function instantiate(mod: WebAssembly.Module): Kernels {
  const exports = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  return { exports, heapBase: align(exports.__heap_base.value as number) };
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * Turns the wasm path on or off (it is on by default). Off, every product runs the JavaScript
 * kernel; tests use this to compare the two paths and to cover the fallback.
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
  const previous = enabled;
  enabled = on;
  return previous;
}

/**
 * Whether float32 products can run on WebAssembly here (enabled, and the module compiled).
 *
 * @returns true when {@link wasmMatmulF32} will run products
 * @example
 * ```ts
 * if (!wasmMatmulAvailable()) console.log('float32 matmul runs in JavaScript');
 * ```
 */
export function wasmMatmulAvailable(): boolean {
  return enabled && module() !== null;
}

/**
 * `out[batch] = op(a[batch]) @ op(b[batch])` on WebAssembly for every batch, where batch `t` reads
 * A at `aOffsets[t]` and B at `bOffsets[t]` (elements, row-major m x k and k x n, or k x m and
 * n x k when transposed) and writes `out` at `t * m * n`.
 *
 * @param a - every A matrix of the product (contiguous, row-major)
 * @param b - every B matrix of the product (contiguous, row-major)
 * @param out - receives the batches of m x n products, one after another
 * @param m - rows of the product
 * @param n - columns of the product
 * @param k - the shared extent, at least 1
 * @param transposeA - each A matrix is stored k x m and used transposed
 * @param transposeB - each B matrix is stored n x k and used transposed
 * @param aOffsets - per batch, where its A matrix starts in `a`
 * @param bOffsets - per batch, where its B matrix starts in `b` (same length as `aOffsets`)
 * @returns false, having written nothing, when the wasm path is unavailable or memory cannot grow;
 *   the caller then runs the JavaScript kernel
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * wasmMatmulF32(new Float32Array([1, 2]), new Float32Array([3, 4]), out, 1, 1, 2, false, false, [0], [0]); // out[0] === 11
 * ```
 */
export function wasmMatmulF32(
  a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number,
  transposeA: boolean, transposeB: boolean, aOffsets: readonly number[], bOffsets: readonly number[],
): boolean {
  if (!enabled) return false;
  const mod = module();
  if (mod === null) return false;
  const aBytes = align(m * k * 4);
  const bBytes = align(k * n * 4);
  const cBytes = align(m * n * 4);
  const paBytes = align(Math.ceil(m / MR) * MR * k * 4);
  const pbBytes = align(Math.ceil(n / NR) * NR * k * 4);
  let kernels: Kernels;
  try {
    shared ??= instantiate(mod);
    const needed = shared.heapBase + aBytes + bBytes + cBytes + paBytes + pbBytes;
    kernels = needed <= RETAIN_BYTES ? shared : instantiate(mod);
    const memory = kernels.exports.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
  } catch {
    // Out of memory (RangeError from grow) or instantiation refused: the JS kernel still works.
    return false;
  }
  const aPtr = kernels.heapBase;
  const bPtr = aPtr + aBytes;
  const cPtr = bPtr + bBytes;
  const paPtr = cPtr + cBytes;
  const pbPtr = paPtr + paBytes;
  const heap = new Float32Array(kernels.exports.memory.buffer);
  const ars = transposeA ? 1 : k;
  const acs = transposeA ? m : 1;
  const brs = transposeB ? 1 : n;
  const bcs = transposeB ? k : 1;
  const mk = m * k;
  const kn = k * n;
  const mn = m * n;
  const c = heap.subarray(cPtr / 4, cPtr / 4 + mn);
  let aLoaded = -1;
  let bLoaded = -1;
  for (let t = 0; t < aOffsets.length; t++) {
    const aOffset = aOffsets[t]!;
    const bOffset = bOffsets[t]!;
    // An operand shared by consecutive batches (a broadcast batch axis) is copied and packed once.
    let flags = 0;
    if (aOffset !== aLoaded) {
      heap.set(a.subarray(aOffset, aOffset + mk), aPtr / 4);
      aLoaded = aOffset;
      flags |= 1;
    }
    if (bOffset !== bLoaded) {
      heap.set(b.subarray(bOffset, bOffset + kn), bPtr / 4);
      bLoaded = bOffset;
      flags |= 2;
    }
    kernels.exports.matmul_f32(aPtr, ars, acs, bPtr, brs, bcs, cPtr, m, n, k, paPtr, pbPtr, flags);
    out.set(c, t * mn);
  }
  return true;
}
