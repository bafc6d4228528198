/**
 * The float32 matrix product of the cpu backend on WebAssembly SIMD (packages/tensor/wasm/kernels.c,
 * compiled into wasm-kernels.generated.ts by `pnpm build:wasm`).
 *
 * The module and its memory are shared with the elementwise kernels (wasm-module.ts). Each product
 * copies one batch's operands into the module's memory, runs the packed GEMM there and copies the
 * product out: the copies are O(m*k + k*n + m*n) against O(m*n*k) work, which is why only products
 * above a size threshold come here (see matmul.ts). When WebAssembly or its SIMD extension is
 * missing, compilation is refused, or memory cannot grow (see wasm-module.ts), {@link wasmMatmulF32}
 * answers false and the caller runs its JavaScript kernel.
 *
 * @internal
 */
import { isEnabled } from './switches.js';
import { alignBytes as align, kernelModule, kernelsWithHeap } from './wasm-module.js';

/** Tile sizes of kernels.c: packed panels are padded to whole MR-row and NR-column panels. */
const MR = 4;
const NR = 8;

/**
 * Whether float32 products can run on WebAssembly here (enabled, and the module compiled).
 *
 * @returns true when `wasmMatmulF32` will run products
 * @example
 * ```ts
 * if (!wasmMatmulAvailable()) console.log('float32 matmul runs in JavaScript');
 * ```
 */
export function wasmMatmulAvailable(): boolean {
  return isEnabled('wasmMatmul') && kernelModule() !== null;
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
  if (!isEnabled('wasmMatmul')) return false;
  const aBytes = align(m * k * 4);
  const bBytes = align(k * n * 4);
  const cBytes = align(m * n * 4);
  const paBytes = align(Math.ceil(m / MR) * MR * k * 4);
  const pbBytes = align(Math.ceil(n / NR) * NR * k * 4);
  const kernels = kernelsWithHeap(aBytes + bBytes + cBytes + paBytes + pbBytes);
  if (kernels === null) return false;
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
