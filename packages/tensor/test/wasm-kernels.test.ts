/**
 * The committed WebAssembly module must come from the committed sources (kernels.c and the op-code
 * header), and the committed generated files must be what the primitives table gives now: editing
 * either without `pnpm build:wasm` fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_SOURCES_SHA256, KERNELS_WASM_TEXT } from '../src/backends/cpu/wasm-kernels.generated.js';
import { decodeKernelText } from '../src/backends/cpu/wasm-module.js';
import { FUSED_OP_CODES, SIMD_BINARY_OP_CODES, SIMD_UNARY_OP_CODES } from '../src/backends/cpu/wasm-op-codes.generated.js';
import { PRIMITIVES, type PrimitiveName } from '../src/primitives.js';
import { encodeKernelText, kernelSourcesSha256, OP_CODES_HEADER, OP_CODES_MODULE, opCodesHeader, opCodesModule } from '../wasm/generate.js';

const readTensorFile = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8').replace(/\r\n/g, '\n');

describe('wasm-kernels.generated.ts', () => {
  it('was built from the current kernels.c and ops.generated.h (run `pnpm build:wasm` after editing them)', () => {
    expect(KERNEL_SOURCES_SHA256, 'kernels.c or ops.generated.h changed without `pnpm build:wasm`').toBe(kernelSourcesSha256(readTensorFile));
  });

  it('holds a valid WebAssembly SIMD module exporting the matmul, elementwise and reduction kernels', () => {
    const bytes = decodeKernelText(KERNELS_WASM_TEXT);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => `${e.kind}:${e.name}`).sort();
    expect(exports).toEqual([
      'function:binary_f32', 'function:fused_f32', 'function:log_softmax_finish_f32', 'function:log_softmax_grad_rows_f32',
      'function:matmul_f32', 'function:reduce_rows_f32', 'function:softmax_rows_f32', 'function:unary_f32',
      'global:__heap_base', 'memory:memory',
    ]);
  });
});

describe('the text form of the module (encodeKernelText, decodeKernelText)', () => {
  it('round-trips every byte value, alone and in sequence', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...decodeKernelText(encodeKernelText(all))]).toEqual([...all]);
    for (let byte = 0; byte < 256; byte++) expect([...decodeKernelText(encodeKernelText(Uint8Array.of(byte)))]).toEqual([byte]);
    expect(encodeKernelText(Uint8Array.of(0, 88, 89, 177, 178, 255))).toBe(' |} }|~ ~q');
  });

  it('holds the module byte for byte as its header says, in quote-free printable ASCII', () => {
    const size = Number(/The compiled WebAssembly module \((\d+) bytes\)/.exec(readTensorFile('src/backends/cpu/wasm-kernels.generated.ts'))?.[1]);
    const bytes = decodeKernelText(KERNELS_WASM_TEXT);
    expect(bytes.length).toBe(size);
    expect(encodeKernelText(bytes)).toBe(KERNELS_WASM_TEXT);
    expect(KERNELS_WASM_TEXT).toMatch(/^[ !#-&(-[\]-_a-~]+$/);
  });
});

describe('the op codes generated from primitives.ts', () => {
  it('ops.generated.h and wasm-op-codes.generated.ts are what the table gives now (run `pnpm build:wasm` after editing it)', () => {
    expect(readTensorFile(OP_CODES_HEADER), `${OP_CODES_HEADER} is stale`).toBe(opCodesHeader(PRIMITIVES));
    expect(readTensorFile(OP_CODES_MODULE), `${OP_CODES_MODULE} is stale`).toBe(opCodesModule(PRIMITIVES));
  });

  it('list every op the table gives a code, with that code, and no other', () => {
    const coded = (kernel: 'fused' | 'unary' | 'binary'): [string, number][] =>
      (Object.keys(PRIMITIVES) as PrimitiveName[]).flatMap((name) => {
        const code = (PRIMITIVES[name] as { simd?: Partial<Record<typeof kernel, number>> }).simd?.[kernel];
        return code === undefined ? [] : [[name, code] as [string, number]];
      });
    const sorted = (map: object): [string, number][] => Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
    expect(sorted(FUSED_OP_CODES)).toEqual(coded('fused').sort(([a], [b]) => a.localeCompare(b)));
    expect(sorted(SIMD_UNARY_OP_CODES)).toEqual(coded('unary').sort(([a], [b]) => a.localeCompare(b)));
    expect(sorted(SIMD_BINARY_OP_CODES)).toEqual(coded('binary').sort(([a], [b]) => a.localeCompare(b)));
    expect(FUSED_OP_CODES.sigmoid).toBe(7);
    expect(opCodesHeader(PRIMITIVES)).toContain('X(NOT_EQUAL, 23)');
  });

  it('gives each op of a kernel its own code', () => {
    for (const map of [FUSED_OP_CODES, SIMD_UNARY_OP_CODES, SIMD_BINARY_OP_CODES]) {
      const codes = Object.values(map);
      expect(new Set(codes).size).toBe(codes.length);
    }
  });
});
