/*
 * WebAssembly SIMD kernels of the cpu backend (float32 matrix product).
 *
 * Built by `pnpm build:wasm` (scripts/build-wasm.mjs) with clang --target=wasm32 -msimd128 into
 * packages/tensor/src/backends/cpu/wasm-kernels.generated.ts; the TypeScript side
 * (wasm-matmul.ts) copies operands into this module's memory, calls matmul_f32 and copies the
 * product out.
 *
 * The product is the usual packed GEMM: A is packed into panels of MR rows and B into panels of
 * NR columns, each interleaved along the shared axis so the micro-kernel reads both sequentially.
 * Packing goes through (row stride, column stride) pairs, which is how transposed operands are
 * absorbed. The 4x8 micro-kernel keeps its tile in 8 f32x4 accumulators; with 2 B vectors and the
 * 4 broadcast A values clang hoists, that fits the 15 vector registers V8 allocates on x86-64
 * (a 6x8 tile measured 1.6x slower because V8 spilled accumulators). The shared axis is cut into
 * KC-long blocks, rows and columns into groups of panels, so the panels it streams stay in L1/L2.
 *
 * Sums accumulate in float32 (no fused multiply-add in baseline wasm SIMD): each output adds its
 * products in order p = 0, 1, ... within a KC block, then adds the block sums in order. At 8
 * multiplies and 8 adds per step this runs near the 128-bit SIMD peak of one x86-64 core;
 * relaxed-SIMD fused multiply-add would be the next 2x.
 */
#include <wasm_simd128.h>

#define MR 4
#define NR 8
/* Length of a block of the shared axis: one B panel block (KC x NR floats, 8 KiB) stays in L1. */
#define KC 256
/* Row panels per block: their KC x MR floats (MC_PANELS * 4 KiB) stay in L2. */
#define MC_PANELS 24
/* Column panels per block: their KC x NR floats (NC_PANELS * 8 KiB) stay in L2. */
#define NC_PANELS 16

#define EXPORT(name) __attribute__((export_name(#name)))

/* Packs A (m x k; element (i, p) at a[i*rs + p*cs]) into panels of MR rows:
 * panel q holds A(q*MR + r, p) at dst[(q*k + p)*MR + r]; rows past m are 0. */
static void pack_a(const float *a, int rs, int cs, int m, int k, float *dst) {
  for (int i0 = 0; i0 < m; i0 += MR) {
    float *panel = dst + i0 * k;
    int rows = m - i0 < MR ? m - i0 : MR;
    if (cs == 1) {
      for (int r = 0; r < rows; r++) {
        const float *src = a + (i0 + r) * rs;
        float *d = panel + r;
        for (int p = 0; p < k; p++) d[p * MR] = src[p];
      }
    } else {
      for (int p = 0; p < k; p++) {
        const float *src = a + i0 * rs + p * cs;
        float *d = panel + p * MR;
        for (int r = 0; r < rows; r++) d[r] = src[r * rs];
      }
    }
    for (int r = rows; r < MR; r++) {
      for (int p = 0; p < k; p++) panel[p * MR + r] = 0.0f;
    }
  }
}

/* Packs B (k x n; element (p, j) at b[p*rs + j*cs]) into panels of NR columns:
 * panel t holds B(p, t*NR + c) at dst[(t*k + p)*NR + c]; columns past n are 0. */
static void pack_b(const float *b, int rs, int cs, int k, int n, float *dst) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    float *panel = dst + j0 * k;
    int cols = n - j0 < NR ? n - j0 : NR;
    if (cs == 1 && cols == NR) {
      for (int p = 0; p < k; p++) {
        const float *src = b + p * rs + j0;
        wasm_v128_store(panel + p * NR, wasm_v128_load(src));
        wasm_v128_store(panel + p * NR + 4, wasm_v128_load(src + 4));
      }
    } else if (cs == 1) {
      for (int p = 0; p < k; p++) {
        const float *src = b + p * rs + j0;
        float *d = panel + p * NR;
        for (int c = 0; c < cols; c++) d[c] = src[c];
        for (int c = cols; c < NR; c++) d[c] = 0.0f;
      }
    } else {
      for (int c = 0; c < cols; c++) {
        const float *src = b + (j0 + c) * cs;
        float *d = panel + c;
        for (int p = 0; p < k; p++) d[p * NR] = src[p * rs];
      }
      for (int c = cols; c < NR; c++) {
        for (int p = 0; p < k; p++) panel[p * NR + c] = 0.0f;
      }
    }
  }
}

/* tile (MR x NR, row stride ldc) = (accumulate ? tile : 0) + A panel block @ B panel block. */
static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  /* Unrolling makes clang hoist more loads than V8 has registers for, and V8 then spills accumulators. */
#pragma clang loop unroll(disable)
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    a += MR;
    b += NR;
  }
  if (accumulate) {
    c00 = wasm_f32x4_add(wasm_v128_load(c), c00);
    c01 = wasm_f32x4_add(wasm_v128_load(c + 4), c01);
    c10 = wasm_f32x4_add(wasm_v128_load(c + ldc), c10);
    c11 = wasm_f32x4_add(wasm_v128_load(c + ldc + 4), c11);
    c20 = wasm_f32x4_add(wasm_v128_load(c + 2 * ldc), c20);
    c21 = wasm_f32x4_add(wasm_v128_load(c + 2 * ldc + 4), c21);
    c30 = wasm_f32x4_add(wasm_v128_load(c + 3 * ldc), c30);
    c31 = wasm_f32x4_add(wasm_v128_load(c + 3 * ldc + 4), c31);
  }
  wasm_v128_store(c, c00);
  wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10);
  wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20);
  wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30);
  wasm_v128_store(c + 3 * ldc + 4, c31);
}

/* Runs the micro-kernel on one tile; a partial tile (at the bottom or right edge) goes through a
 * full-size scratch tile so the kernel never writes past the matrix. */
static void tile(int kc, const float *ap, const float *bp, float *ct, int ldc, int rows, int cols, int accumulate) {
  if (rows == MR && cols == NR) {
    micro_kernel(kc, ap, bp, ct, ldc, accumulate);
    return;
  }
  float edge[MR * NR];
  if (accumulate) {
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < cols; j++) edge[r * NR + j] = ct[r * ldc + j];
  }
  micro_kernel(kc, ap, bp, edge, NR, accumulate);
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < cols; j++) ct[r * ldc + j] = edge[r * NR + j];
}

/*
 * c (m x n, row-major, contiguous) = A @ B, with A read as a[i*ars + p*acs] and B as b[p*brs + j*bcs].
 * pa and pb are scratch for the packed panels (ceil(m/MR)*MR*k and ceil(n/NR)*NR*k floats). Bit 0 of
 * `flags` packs A and bit 1 packs B; a caller clears one when pa/pb already hold that operand (a
 * batch-broadcast operand is packed once). Requires k >= 1.
 */
EXPORT(matmul_f32)
void matmul_f32(const float *a, int ars, int acs, const float *b, int brs, int bcs, float *c, int m, int n, int k,
                float *pa, float *pb, int flags) {
  if (flags & 1) pack_a(a, ars, acs, m, k, pa);
  if (flags & 2) pack_b(b, brs, bcs, k, n, pb);
  int row_panels = (m + MR - 1) / MR;
  int col_panels = (n + NR - 1) / NR;
  for (int tc = 0; tc < col_panels; tc += NC_PANELS) {
    int t_end = tc + NC_PANELS < col_panels ? tc + NC_PANELS : col_panels;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      int accumulate = pc > 0;
      for (int qc = 0; qc < row_panels; qc += MC_PANELS) {
        int q_end = qc + MC_PANELS < row_panels ? qc + MC_PANELS : row_panels;
        for (int t = tc; t < t_end; t++) {
          const float *bp = pb + (t * k + pc) * NR;
          int j0 = t * NR;
          int cols = n - j0 < NR ? n - j0 : NR;
          for (int q = qc; q < q_end; q++) {
            const float *ap = pa + (q * k + pc) * MR;
            int i0 = q * MR;
            int rows = m - i0 < MR ? m - i0 : MR;
            tile(kc, ap, bp, c + i0 * n + j0, n, rows, cols, accumulate);
          }
        }
      }
    }
  }
}
