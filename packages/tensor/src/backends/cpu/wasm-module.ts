/**
 * The WebAssembly SIMD module of the cpu backend (packages/tensor/wasm/kernels.c, compiled into
 * wasm-kernels.generated.ts by `pnpm build:wasm`), shared by the matrix product (wasm-matmul.ts),
 * the elementwise and reduction kernels (wasm-elementwise.ts) and fused expressions (fusion.ts).
 *
 * The module is compiled synchronously on first use. Its size, which the build writes into the doc
 * of KERNELS_WASM_TEXT, is far under the 8 MB that current Chrome allows synchronously on the main
 * thread (older Chrome allowed 4 KB and throws; that lands in the fallback). One instance, and so one memory, is kept and grown as calls need;
 * a call needing more than {@link RETAIN_BYTES} gets a throwaway instance so that a one-off large
 * operation does not pin its memory forever. When WebAssembly or its SIMD extension is missing, or
 * compilation is refused (too large for synchronous compilation, or a Content-Security-Policy
 * without 'wasm-unsafe-eval'), {@link kernelsWithHeap} answers null and callers run JavaScript.
 *
 * @internal
 */
import { KERNELS_WASM_TEXT } from './wasm-kernels.generated.js';

/** Memory kept across calls. */
const RETAIN_BYTES = 64 * 1024 * 1024;
const PAGE_BYTES = 65536;
/** Byte alignment of every buffer in the module's memory (a cache line). */
const ALIGN = 64;

/** The functions and memory kernels.c exports. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  matmul_f32(
    a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number,
    m: number, n: number, k: number, pa: number, pb: number, flags: number,
  ): void;
  binary_f32(
    op: number, a: number, aRow: number, aStep: number, b: number, bRow: number, bStep: number, out: number,
    rows: number, cols: number,
  ): void;
  unary_f32(op: number, x: number, out: number, n: number): void;
  reduce_rows_f32(op: number, x: number, out: number, rows: number, n: number): void;
  softmax_rows_f32(x: number, out: number, stats: number, rows: number, n: number, softmax: number): void;
  fused_f32(
    program: number, count: number, regs: number, kinds: number, consts: number, nregs: number, n: number,
    sumReg: number, sums: number, rowLen: number, col0: number,
  ): void;
  log_softmax_finish_f32(x: number, out: number, offsets: number, rows: number, n: number): void;
  log_softmax_grad_rows_f32(dy: number, y: number, out: number, rows: number, n: number): void;
}

/** An instance and where its free heap starts (bytes, aligned). */
export interface Kernels {
  exports: KernelExports;
  heapBase: number;
}

/** undefined: not tried yet; null: unavailable here. */
let compiled: WebAssembly.Module | null | undefined;
let shared: Kernels | undefined;

/** encodeKernelText's alphabet (wasm/generate.ts): printable ASCII without quotes, backquote and backslash. */
const TEXT_ALPHABET = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => !'"\'\\`'.includes(c)).join('');

/**
 * The bytes of a module written by encodeKernelText (wasm/generate.ts): one character per byte
 * below 89, else one of the alphabet's last two characters and one more. The embedded module is kept
 * as such text rather than base64 because gzip finds the binary's repeats in it: a bundle with the
 * kernels is 4.9 KB smaller gzipped.
 *
 * @param text - KERNELS_WASM_TEXT
 * @returns the module's bytes
 * @example
 * ```ts
 * decodeKernelText(' }*}<}6');   // Uint8Array [0, 97, 115, 109], the module's magic number
 * ```
 * @internal
 */
export function decodeKernelText(text: string): Uint8Array<ArrayBuffer> {
  const index = new Uint8Array(128);
  for (let i = 0; i < TEXT_ALPHABET.length; i++) index[TEXT_ALPHABET.charCodeAt(i)] = i;
  const singles = TEXT_ALPHABET.length - 2;
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = index[text.charCodeAt(i)]!;
    bytes[n++] = digit < singles ? digit : (digit - singles + 1) * singles + index[text.charCodeAt(++i)]!;
  }
  return bytes.slice(0, n);
}

/**
 * The compiled module, or null where WebAssembly SIMD is unavailable (tried once).
 *
 * @returns the module or null
 * @example
 * ```ts
 * if (kernelModule() === null) console.log('no WebAssembly SIMD here');
 * ```
 */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = decodeKernelText(KERNELS_WASM_TEXT);
    // validate() is false where the engine lacks SIMD (the module uses v128).
    if (!WebAssembly.validate(bytes)) return null;
    compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Bytes per page, for {@link alignPages} and the heap base's place within a page. */
const HOST_PAGE_BYTES = 4096;
/**
 * Where the free heap starts within a 4 KiB page. Copying between the module's memory and a
 * JavaScript array whose address is a few bytes above the wasm buffer's modulo 4 KiB ran 10x slower
 * (1.7 ms instead of 0.16 ms for 4 MB, measured here: the CPU's 4K-aliasing stall in memcpy), and
 * large arrays from malloc start 16 bytes into a page; half a page away is clear of the slow case
 * in both copy directions. Buffers laid out in whole pages from the heap base keep that offset.
 */
const HEAP_PAGE_OFFSET = 2048;

function instantiate(mod: WebAssembly.Module): Kernels {
  const exports = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  const heapBase = alignPages((exports.__heap_base.value as number) - HEAP_PAGE_OFFSET) + HEAP_PAGE_OFFSET;
  return { exports, heapBase };
}

/**
 * Rounds a byte count up to whole 4 KiB pages: buffers of such sizes laid out one after another
 * from the heap base all start at the same offset within a page.
 *
 * @param bytes - a size in bytes
 * @returns the next multiple of 4096
 * @example
 * ```ts
 * alignPages(65552); // 69632
 * ```
 */
export function alignPages(bytes: number): number {
  return Math.ceil(bytes / HOST_PAGE_BYTES) * HOST_PAGE_BYTES;
}

/**
 * Rounds a byte count up to the buffer alignment.
 *
 * @param bytes - a size in bytes
 * @returns the next multiple of 64
 * @example
 * ```ts
 * alignBytes(100); // 128
 * ```
 */
export function alignBytes(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * An instance whose memory holds at least `bytes` past its heap base: the shared one, grown if
 * needed, or a throwaway one for requests above the retained size.
 *
 * @param bytes - the scratch the caller will lay out from `heapBase`
 * @returns the instance, or null when WebAssembly is unavailable or memory cannot grow
 * @example
 * ```ts
 * const kernels = kernelsWithHeap(4096); // room for 1024 floats at kernels.heapBase
 * ```
 */
export function kernelsWithHeap(bytes: number): Kernels | null {
  const mod = kernelModule();
  if (mod === null) return null;
  try {
    shared ??= instantiate(mod);
    const needed = shared.heapBase + bytes;
    const kernels = needed <= RETAIN_BYTES ? shared : instantiate(mod);
    const memory = kernels.exports.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
    return kernels;
  } catch {
    // Out of memory (RangeError from grow) or instantiation refused: the JS kernels still work.
    return null;
  }
}
