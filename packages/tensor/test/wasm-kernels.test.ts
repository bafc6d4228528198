/** The committed WebAssembly module must come from the committed kernels.c. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS_SOURCE_SHA256, KERNELS_WASM_BASE64 } from '../src/backends/cpu/wasm-kernels.generated.js';

describe('wasm-kernels.generated.ts', () => {
  it('was built from the current kernels.c (run `pnpm build:wasm` after editing it)', () => {
    const source = readFileSync(new URL('../wasm/kernels.c', import.meta.url), 'utf8').replace(/\r\n/g, '\n');
    const sha256 = createHash('sha256').update(source).digest('hex');
    expect(KERNELS_SOURCE_SHA256, 'kernels.c changed without `pnpm build:wasm`').toBe(sha256);
  });

  it('holds a valid WebAssembly SIMD module exporting the matmul, elementwise and reduction kernels', () => {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => `${e.kind}:${e.name}`).sort();
    expect(exports).toEqual([
      'function:binary_f32', 'function:fused_f32', 'function:log_softmax_finish_f32', 'function:log_softmax_grad_rows_f32',
      'function:matmul_f32', 'function:reduce_rows_f32', 'function:softmax_rows_f32', 'function:unary_f32',
      'global:__heap_base', 'memory:memory',
    ]);
  });
});
