/*
 * WebAssembly SIMD kernels of the cpu backend: the float32 matrix product, float32 elementwise ops
 * and last-axis reductions, and fused elementwise programs (in that order below).
 *
 * Built by `pnpm build:wasm` (scripts/build-wasm.mjs) with clang --target=wasm32 -msimd128 into
 * packages/tensor/src/backends/cpu/wasm-kernels.generated.ts, after it generates ops.generated.h
 * from the primitives table; the TypeScript side (wasm-matmul.ts, wasm-elementwise.ts, fusion.ts,
 * sharing wasm-module.ts) copies operands into this module's memory, calls a kernel and copies the
 * result out.
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

/* The op codes of every entry point that takes one, as X-macro lists generated from the primitives
 * table (packages/tensor/src/primitives.ts) by `pnpm build:wasm`. Each kernel below builds its
 * switch from its list, naming a macro of the op's own code (FUSED_<NAME>, SIMD_UNARY_<NAME>, ...):
 * an op the table gives a code but this file no code does not compile. */
#include "ops.generated.h"

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

/* ------------------------------------------------------------------ elementwise and reductions
 *
 * Float32 kernels for the elementwise ops and last-axis reductions of the cpu backend
 * (wasm-elementwise.ts copies operands in and results out). Add, subtract, multiply and divide give
 * bit-identical results to the JavaScript kernels: a float32 op computed in double and rounded
 * back is the correctly rounded float32 op. wasm's f32x4.min/max return NaN when either input is
 * NaN, as Math.min/max do.
 */

#define BINARY_LOOPS(NAME, VOP, SOP)                                                              \
  static void NAME##_vv(const float *a, const float *b, float *o, int n) {                       \
    int i = 0;                                                                                    \
    for (; i + 8 <= n; i += 8) {                                                                  \
      wasm_v128_store(o + i, VOP(wasm_v128_load(a + i), wasm_v128_load(b + i)));                  \
      wasm_v128_store(o + i + 4, VOP(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));      \
    }                                                                                             \
    for (; i < n; i++) o[i] = a[i] SOP b[i];                                                      \
  }                                                                                               \
  static void NAME##_vs(const float *a, float s, float *o, int n) {                              \
    v128_t vs = wasm_f32x4_splat(s);                                                              \
    int i = 0;                                                                                    \
    for (; i + 8 <= n; i += 8) {                                                                  \
      wasm_v128_store(o + i, VOP(wasm_v128_load(a + i), vs));                                     \
      wasm_v128_store(o + i + 4, VOP(wasm_v128_load(a + i + 4), vs));                             \
    }                                                                                             \
    for (; i < n; i++) o[i] = a[i] SOP s;                                                         \
  }                                                                                               \
  static void NAME##_sv(float s, const float *b, float *o, int n) {                              \
    v128_t vs = wasm_f32x4_splat(s);                                                              \
    int i = 0;                                                                                    \
    for (; i + 8 <= n; i += 8) {                                                                  \
      wasm_v128_store(o + i, VOP(vs, wasm_v128_load(b + i)));                                     \
      wasm_v128_store(o + i + 4, VOP(vs, wasm_v128_load(b + i + 4)));                             \
    }                                                                                             \
    for (; i < n; i++) o[i] = s SOP b[i];                                                         \
  }

/* Each binary_f32 op's vector instruction and scalar operator. */
#define SIMD_BINARY_ADD wasm_f32x4_add, +
#define SIMD_BINARY_SUB wasm_f32x4_sub, -
#define SIMD_BINARY_MUL wasm_f32x4_mul, *
#define SIMD_BINARY_DIV wasm_f32x4_div, /

/* One more expansion, so that SIMD_BINARY_<NAME> splits into BINARY_LOOPS' two arguments. */
#define BINARY_LOOPS_OF(NAME, ...) BINARY_LOOPS(NAME, __VA_ARGS__)
#define DEFINE_BINARY_LOOPS(NAME, CODE) BINARY_LOOPS_OF(NAME, SIMD_BINARY_##NAME)
SIMD_BINARY_OPS(DEFINE_BINARY_LOOPS)
#define BINARY_VV_CASE(NAME, CODE) case OP_##NAME: NAME##_vv(ar, br, o, cols); break;
#define BINARY_VS_CASE(NAME, CODE) case OP_##NAME: NAME##_vs(ar, *br, o, cols); break;
#define BINARY_SV_CASE(NAME, CODE) case OP_##NAME: NAME##_sv(*ar, br, o, cols); break;

/*
 * out (rows x cols, contiguous) = A op B, where row r of A starts at a + r*a_row and is a vector
 * when a_step is 1 or one value (repeated along the row) when a_step is 0; likewise B. Equal shapes
 * are one row; [R, C] op [C] has b_row = 0; [R, C] op [R, 1] has b_row = 1, b_step = 0. At least one
 * operand steps. out may be A's or B's buffer when that operand is full-size.
 */
EXPORT(binary_f32)
void binary_f32(int op, const float *a, int a_row, int a_step, const float *b, int b_row, int b_step, float *out,
                int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const float *ar = a + r * a_row;
    const float *br = b + r * b_row;
    float *o = out + r * cols;
    if (a_step && b_step) {
      switch (op) { SIMD_BINARY_OPS(BINARY_VV_CASE) }
    } else if (a_step) {
      switch (op) { SIMD_BINARY_OPS(BINARY_VS_CASE) }
    } else {
      switch (op) { SIMD_BINARY_OPS(BINARY_SV_CASE) }
    }
  }
}

/*
 * e^x on four lanes, within about 1 ulp of the correctly rounded float32 (Cephes expf): x is
 * clamped to [-104, 89], past which float32 gives 0 or Infinity anyway; x = n ln2 + r with
 * |r| <= ln2/2 (ln2 split in two so n ln2 is exact), e^r is a degree-7 polynomial, and 2^n is
 * applied as two factors 2^(n/2) so that n from -150 to 128 (denormal results and overflow to
 * Infinity included) rounds once, at the last multiply. pmin/pmax (one instruction each, unlike
 * min/max) return their first operand when it is NaN, and adding 1.5 * 2^23 rounds to an integer
 * held in the low mantissa bits, so NaN never needs a separate test: it stays in r and p.
 */
static inline v128_t exp_f32x4(v128_t x) {
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(-104.0f));
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(89.0f));
  const v128_t magic = wasm_f32x4_splat(12582912.0f);
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), magic);
  v128_t n = wasm_f32x4_sub(t, magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r), wasm_f32x4_splat(1.0f));
  v128_t k = wasm_i32x4_sub(t, magic);
  v128_t k1 = wasm_i32x4_shr(k, 1);
  v128_t k2 = wasm_i32x4_sub(k, k1);
  v128_t bias = wasm_i32x4_splat(127);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(k1, bias), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(k2, bias), 23);
  return wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
}

/* 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so that e^-|x| never overflows and the
 * denormal tail of large negative x survives. */
static inline v128_t sigmoid_f32x4(v128_t x) {
  v128_t e = exp_f32x4(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t inv = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
  v128_t num = wasm_v128_bitselect(wasm_f32x4_splat(1.0f), e, wasm_f32x4_ge(x, wasm_f32x4_splat(0.0f)));
  /* NaN: e is NaN, so the product is NaN whichever numerator the comparison picked. */
  return wasm_f32x4_mul(num, inv);
}

/*
 * ln(1 + e^x) = max(x, 0) + ln(1 + t) with t = e^-|x| in (0, 1], as fastmath.ts's softplusF32 does.
 * ln(1 + t) = t + t^2 Q(t) with fastmath.ts's Chebyshev fit of ln(1 + t)/t on [0, 1], its constant
 * term (1 - 5e-9) taken as 1 and the rest rounded to float32: the leading t is then exact, so tiny
 * t (denormals included) comes out as t, and the rounding of t^2 Q keeps the result within 2 ulps
 * (measured over [-120, 120]; worst near x = 0). NaN passes through pmax and exp; x = +Infinity
 * gives Infinity + 0 and -Infinity gives 0 + 0, as in JavaScript.
 */
static inline v128_t softplus_f32x4(v128_t x) {
  v128_t t = exp_f32x4(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t q = wasm_f32x4_splat(-0.0032563784824558685f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(0.019907160967660428f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(-0.0570642008371652f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(0.10614264694521301f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(-0.1531186310654033f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(0.19678117257854233f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(-0.24954558871384117f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(0.3333000403525295f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(-0.4999990399276527f));
  v128_t l = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_f32x4_mul(t, t), q));
  return wasm_f32x4_add(wasm_f32x4_pmax(x, wasm_f32x4_splat(0.0f)), l);
}

/* Each unary_f32 op's four-lane function. */
#define SIMD_UNARY_EXP exp_f32x4
#define SIMD_UNARY_SIGMOID sigmoid_f32x4
#define SIMD_UNARY_SOFTPLUS softplus_f32x4

/* Two vectors per step: V8 keeps the polynomial constants in spill slots, so a second independent
 * vector halves their reloads per element (softplus ran 1.3x faster unrolled). The tail goes
 * through zero-padded vectors. */
#define UNARY_LOOP(F)                                                                             \
  for (; i + 8 <= n; i += 8) {                                                                    \
    v128_t a = F(wasm_v128_load(x + i));                                                          \
    v128_t b = F(wasm_v128_load(x + i + 4));                                                      \
    wasm_v128_store(out + i, a);                                                                  \
    wasm_v128_store(out + i + 4, b);                                                              \
  }                                                                                               \
  for (; i < n; i += 4) {                                                                         \
    float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};                                                     \
    int m = n - i < 4 ? n - i : 4;                                                                \
    for (int j = 0; j < m; j++) tail[j] = x[i + j];                                               \
    wasm_v128_store(tail, F(wasm_v128_load(tail)));                                               \
    for (int j = 0; j < m; j++) out[i + j] = tail[j];                                             \
  }
#define UNARY_CASE(NAME, CODE) case UOP_##NAME: UNARY_LOOP(SIMD_UNARY_##NAME) break;

/* out[i] = f(x[i]) for i < n; out may be x. */
EXPORT(unary_f32)
void unary_f32(int op, const float *x, float *out, int n) {
  int i = 0;
  switch (op) { SIMD_UNARY_OPS(UNARY_CASE) }
}

/* The four float32 lanes of v as two f64x2 halves, and back (rounding once, to nearest). */
#define PROMOTE_LO(v) wasm_f64x2_promote_low_f32x4(v)
#define PROMOTE_HI(v) wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle((v), (v), 1, 0))
#define DEMOTE2(lo, hi) wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5)

/* Sum of x[0, n) accumulated in double (as the JavaScript kernel does), four lanes at a time. */
static double sum_row_f64(const float *x, int n) {
  v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  /* clang unrolls only on request (-fno-unroll-loops, scripts/build-wasm.mjs): unrolled 4x this loop
   * runs 3x faster in V8 (38 against 123 us for 512 rows of 512, measured). */
#pragma clang loop unroll_count(4)
  for (; i + 8 <= n; i += 8) {
    v128_t v = wasm_v128_load(x + i);
    v128_t w = wasm_v128_load(x + i + 4);
    s0 = wasm_f64x2_add(s0, wasm_f64x2_promote_low_f32x4(v));
    s1 = wasm_f64x2_add(s1, wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(v, v, 1, 0)));
    s2 = wasm_f64x2_add(s2, wasm_f64x2_promote_low_f32x4(w));
    s3 = wasm_f64x2_add(s3, wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(w, w, 1, 0)));
  }
  v128_t s = wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3));
  double total = wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  for (; i < n; i++) total += x[i];
  return total;
}

static float sum_row(const float *x, int n) { return (float)sum_row_f64(x, n); }

/*
 * Largest (smallest) of x[0, n), n >= 1, as Math.max (Math.min) folds it: NaN anywhere gives NaN
 * and +0 beats -0 (-0 beats +0). f32x4.max/min have those semantics but V8 spends about seven
 * instructions on each; pmax/pmin are one, so the loop runs on them with four independent
 * accumulators, tracks NaN in a separate mask, and settles a zero result's sign with a rescan
 * (the one case where pmax/pmin's order dependence shows).
 */
#define EXTREME_ROW(NAME, PICK, EXACT)                                                            \
  static float NAME(const float *x, int n) {                                                      \
    int i = 0;                                                                                    \
    v128_t nan = wasm_i32x4_splat(0);                                                             \
    v128_t acc = wasm_f32x4_splat(x[0]);                                                          \
    if (n >= 16) {                                                                                \
      v128_t m0 = wasm_v128_load(x), m1 = wasm_v128_load(x + 4);                                   \
      v128_t m2 = wasm_v128_load(x + 8), m3 = wasm_v128_load(x + 12);                              \
      v128_t n0 = wasm_f32x4_ne(m0, m0), n1 = wasm_f32x4_ne(m1, m1);                               \
      v128_t n2 = wasm_f32x4_ne(m2, m2), n3 = wasm_f32x4_ne(m3, m3);                               \
      for (i = 16; i + 16 <= n; i += 16) {                                                        \
        v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);                         \
        v128_t v2 = wasm_v128_load(x + i + 8), v3 = wasm_v128_load(x + i + 12);                    \
        m0 = PICK(m0, v0);                                                                        \
        m1 = PICK(m1, v1);                                                                        \
        m2 = PICK(m2, v2);                                                                        \
        m3 = PICK(m3, v3);                                                                        \
        n0 = wasm_v128_or(n0, wasm_f32x4_ne(v0, v0));                                             \
        n1 = wasm_v128_or(n1, wasm_f32x4_ne(v1, v1));                                             \
        n2 = wasm_v128_or(n2, wasm_f32x4_ne(v2, v2));                                             \
        n3 = wasm_v128_or(n3, wasm_f32x4_ne(v3, v3));                                             \
      }                                                                                           \
      /* A NaN lane of m (the first load) is fine: the NaN mask already holds it. */               \
      acc = PICK(PICK(m0, m1), PICK(m2, m3));                                                     \
      nan = wasm_v128_or(wasm_v128_or(n0, n1), wasm_v128_or(n2, n3));                             \
      acc = PICK(acc, wasm_i64x2_shuffle(acc, acc, 1, 0));                                        \
      acc = PICK(acc, wasm_i32x4_shuffle(acc, acc, 1, 0, 3, 2));                                  \
    }                                                                                             \
    for (; i < n; i++) {                                                                          \
      v128_t v = wasm_f32x4_splat(x[i]);                                                          \
      acc = PICK(acc, v);                                                                         \
      nan = wasm_v128_or(nan, wasm_f32x4_ne(v, v));                                               \
    }                                                                                             \
    float m = wasm_f32x4_extract_lane(acc, 0);                                                    \
    if (wasm_v128_any_true(nan) || m != m) return __builtin_nanf("");                             \
    if (m == 0.0f) {                                                                              \
      v128_t exact = wasm_f32x4_splat(m);                                                         \
      for (int j = 0; j < n; j++) exact = EXACT(exact, wasm_f32x4_splat(x[j]));                   \
      m = wasm_f32x4_extract_lane(exact, 0);                                                      \
    }                                                                                             \
    return m;                                                                                     \
  }

EXTREME_ROW(max_row, wasm_f32x4_pmax, wasm_f32x4_max)
EXTREME_ROW(min_row, wasm_f32x4_pmin, wasm_f32x4_min)

/* Each reduce_rows_f32 op's row function. */
#define REDUCE_ROWS_SUM sum_row
#define REDUCE_ROWS_MAX max_row
#define REDUCE_ROWS_MIN min_row
#define REDUCE_ROWS_CASE(NAME, CODE) case ROP_##NAME: out[p] = REDUCE_ROWS_##NAME(row, n); break;

/* out[p] = reduction of the row x[p*n, (p+1)*n) for p < rows; n >= 1. */
EXPORT(reduce_rows_f32)
void reduce_rows_f32(int op, const float *x, float *out, int rows, int n) {
  for (int p = 0; p < rows; p++) {
    const float *row = x + p * n;
    switch (op) { REDUCE_ROWS_OPS(REDUCE_ROWS_CASE) }
  }
}

/*
 * Row statistics for logSumExp, softmax and log-softmax over the last axis. For each of `rows`
 * rows of n >= 1 values: stats[2p] = shift = the row's maximum (0 when that is +-Infinity, NaN when
 * the row holds NaN) and stats[2p + 1] = sum of e^(x - shift) in double, so JavaScript finishes
 * logSumExp as shift + log(sum). With `softmax` set, out row = e^(x - shift) / sum as well.
 * x - shift is rounded to float32 before the exponential; its rounding error (exact by 2Sum) is
 * put back as a factor 1 + err, so large |x - shift| does not cost accuracy.
 */
static inline v128_t exp_diff_f32x4(v128_t x, v128_t shift) {
  v128_t t = wasm_f32x4_sub(x, shift);
  /* 2Sum of x and -shift: err is exactly (x - shift) - t. */
  v128_t bv = wasm_f32x4_sub(t, x);
  v128_t av = wasm_f32x4_sub(t, bv);
  v128_t err = wasm_f32x4_add(wasm_f32x4_sub(x, av), wasm_f32x4_sub(wasm_f32x4_neg(shift), bv));
  v128_t e = exp_f32x4(t);
  /* Where t is +-Infinity or NaN err is NaN; e is then already 0, Infinity or NaN. */
  v128_t fix = wasm_f32x4_add(wasm_f32x4_splat(1.0f), err);
  v128_t finite = wasm_f32x4_eq(fix, fix);
  return wasm_v128_bitselect(wasm_f32x4_mul(e, fix), e, finite);
}

EXPORT(softmax_rows_f32)
void softmax_rows_f32(const float *x, float *out, double *stats, int rows, int n, int softmax) {
  for (int p = 0; p < rows; p++) {
    const float *row = x + p * n;
    float *o = out + p * n;
    float m = max_row(row, n);
    float shift = (m == __builtin_inff() || m == -__builtin_inff()) ? 0.0f : m;
    v128_t vs = wasm_f32x4_splat(shift);
    v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    /* Four vectors per step: independent exponentials overlap their long dependency chains
     * (measured 1.1x faster than two, 1.3x than one). */
    for (; i + 16 <= n; i += 16) {
      v128_t e = exp_diff_f32x4(wasm_v128_load(row + i), vs);
      v128_t f = exp_diff_f32x4(wasm_v128_load(row + i + 4), vs);
      v128_t g = exp_diff_f32x4(wasm_v128_load(row + i + 8), vs);
      v128_t h = exp_diff_f32x4(wasm_v128_load(row + i + 12), vs);
      if (softmax) {
        wasm_v128_store(o + i, e);
        wasm_v128_store(o + i + 4, f);
        wasm_v128_store(o + i + 8, g);
        wasm_v128_store(o + i + 12, h);
      }
      s0 = wasm_f64x2_add(s0, wasm_f64x2_add(PROMOTE_LO(e), PROMOTE_LO(g)));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_add(PROMOTE_HI(e), PROMOTE_HI(g)));
      s2 = wasm_f64x2_add(s2, wasm_f64x2_add(PROMOTE_LO(f), PROMOTE_LO(h)));
      s3 = wasm_f64x2_add(s3, wasm_f64x2_add(PROMOTE_HI(f), PROMOTE_HI(h)));
    }
    for (; i + 4 <= n; i += 4) {
      v128_t e = exp_diff_f32x4(wasm_v128_load(row + i), vs);
      if (softmax) wasm_v128_store(o + i, e);
      s0 = wasm_f64x2_add(s0, PROMOTE_LO(e));
      s1 = wasm_f64x2_add(s1, PROMOTE_HI(e));
    }
    v128_t s = wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3));
    double total = wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
    if (i < n) {
      float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int j = i; j < n; j++) tail[j - i] = row[j];
      wasm_v128_store(tail, exp_diff_f32x4(wasm_v128_load(tail), vs));
      for (int j = i; j < n; j++) {
        total += tail[j - i];
        if (softmax) o[j] = tail[j - i];
      }
    }
    stats[2 * p] = shift;
    stats[2 * p + 1] = total;
    if (softmax) {
      v128_t scale = wasm_f32x4_splat((float)(1.0 / total));
      int j = 0;
      for (; j + 4 <= n; j += 4) wasm_v128_store(o + j, wasm_f32x4_mul(wasm_v128_load(o + j), scale));
      for (; j < n; j++) o[j] = o[j] * wasm_f32x4_extract_lane(scale, 0);
    }
  }
}

/*
 * The last pass of log-softmax: out row p = x - offsets[2p + 1], where JavaScript has replaced each
 * row's sum from softmax_rows_f32 by shift + log(sum) (Math.log, so the offset is the JavaScript
 * kernel's). The difference is taken in double and rounded once to float32, as the JavaScript
 * kernel's `out[i] = x[i] - offset` does, so this pass adds no error of its own and +-Infinity and
 * NaN come out as there. out may be x.
 */
EXPORT(log_softmax_finish_f32)
void log_softmax_finish_f32(const float *x, float *out, const double *offsets, int rows, int n) {
  for (int p = 0; p < rows; p++) {
    const float *row = x + p * n;
    float *o = out + p * n;
    double offset = offsets[2 * p + 1];
    v128_t vo = wasm_f64x2_splat(offset);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      v128_t v = wasm_v128_load(row + i);
      v128_t w = wasm_v128_load(row + i + 4);
      wasm_v128_store(o + i, DEMOTE2(wasm_f64x2_sub(PROMOTE_LO(v), vo), wasm_f64x2_sub(PROMOTE_HI(v), vo)));
      wasm_v128_store(o + i + 4, DEMOTE2(wasm_f64x2_sub(PROMOTE_LO(w), vo), wasm_f64x2_sub(PROMOTE_HI(w), vo)));
    }
    for (; i < n; i++) o[i] = (float)((double)row[i] - offset);
  }
}

/*
 * The gradient of log-softmax over the last axis: for each of `rows` rows of n values, out =
 * dy - e^y * s with s = sum(dy) accumulated in double, as the JavaScript kernel does. When s is
 * a comfortable float32 (0, or 2^-100 <= |s| <= 2^100) the product and difference run in float32:
 * against the exact formula that adds the rounding of s and of the product (2^-24 relative each)
 * to the exponential's (about 1 ulp), an error within 2^-21 |e^y s| plus the final rounding (and
 * 2^-150 where the product is denormal), and it runs 1.5x faster than the double arithmetic
 * (promotions and demotions cost V8 more than the float32 ops they replace). Other rows (s huge,
 * tiny, infinite or NaN) take double throughout, so overflow, underflow and NaN follow the
 * JavaScript kernel. out may be dy.
 */
static inline v128_t lsm_grad_f32x4(v128_t d, v128_t y, v128_t s) {
  return wasm_f32x4_sub(d, wasm_f32x4_mul(exp_f32x4(y), s));
}

static inline v128_t lsm_grad_f64x4(v128_t d, v128_t y, v128_t s) {
  v128_t e = exp_f32x4(y);
  return DEMOTE2(wasm_f64x2_sub(PROMOTE_LO(d), wasm_f64x2_mul(PROMOTE_LO(e), s)),
                 wasm_f64x2_sub(PROMOTE_HI(d), wasm_f64x2_mul(PROMOTE_HI(e), s)));
}

EXPORT(log_softmax_grad_rows_f32)
void log_softmax_grad_rows_f32(const float *dy, const float *y, float *out, int rows, int n) {
  for (int p = 0; p < rows; p++) {
    const float *d = dy + p * n;
    const float *yr = y + p * n;
    float *o = out + p * n;
    double sum = sum_row_f64(d, n);
    double mag = __builtin_fabs(sum);
    int single = sum == 0.0 || (mag >= 0x1p-100 && mag <= 0x1p100);
    v128_t vf = wasm_f32x4_splat((float)sum);
    v128_t vd = wasm_f64x2_splat(sum);
    int i = 0;
    if (single) {
      /* Four vectors per step: independent exponentials overlap their long dependency chains. */
      for (; i + 16 <= n; i += 16) {
        v128_t r0 = lsm_grad_f32x4(wasm_v128_load(d + i), wasm_v128_load(yr + i), vf);
        v128_t r1 = lsm_grad_f32x4(wasm_v128_load(d + i + 4), wasm_v128_load(yr + i + 4), vf);
        v128_t r2 = lsm_grad_f32x4(wasm_v128_load(d + i + 8), wasm_v128_load(yr + i + 8), vf);
        v128_t r3 = lsm_grad_f32x4(wasm_v128_load(d + i + 12), wasm_v128_load(yr + i + 12), vf);
        wasm_v128_store(o + i, r0);
        wasm_v128_store(o + i + 4, r1);
        wasm_v128_store(o + i + 8, r2);
        wasm_v128_store(o + i + 12, r3);
      }
      for (; i + 4 <= n; i += 4) wasm_v128_store(o + i, lsm_grad_f32x4(wasm_v128_load(d + i), wasm_v128_load(yr + i), vf));
    } else {
      for (; i + 4 <= n; i += 4) wasm_v128_store(o + i, lsm_grad_f64x4(wasm_v128_load(d + i), wasm_v128_load(yr + i), vd));
    }
    if (i < n) {
      float ty[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      float td[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int j = i; j < n; j++) {
        ty[j - i] = yr[j];
        td[j - i] = d[j];
      }
      v128_t vy = wasm_v128_load(ty), vdy = wasm_v128_load(td);
      wasm_v128_store(td, single ? lsm_grad_f32x4(vdy, vy, vf) : lsm_grad_f64x4(vdy, vy, vd));
      for (int j = i; j < n; j++) o[j] = td[j - i];
    }
  }
}

/*
 * Fused elementwise programs (fusion.ts): a chain of float32 elementwise ops run block by block, so
 * that every intermediate lives in a BLOCK-float register in L1 instead of a full-size array in
 * main memory (the approach of numexpr). A program is a list of instructions {op, dst, x, y, z} over
 * registers. regs[r] is where register r's block lives: for a stream register (an operand or a
 * result array, kinds[r] == FR_STREAM) regs[r] + off is the current block; a temporary
 * (FR_TEMP) or a splat (FR_SPLAT, filled with consts[r] once per call) is one fixed block. Each
 * op runs over whole vectors, so stream buffers must have room for n rounded up to 4 floats.
 * Ops round to float32 one at a time, exactly as the separate kernels do, so a fused result is
 * bit-identical to running the ops one after another.
 */
#define FUSED_BLOCK 256
#define FUSED_MAX_REGS 64

enum { FR_TEMP = 0, FR_STREAM = 1, FR_SPLAT = 2 };
/*
 * Each fusable op's expression over the vectors a, b, c of its operands (and the constants one and
 * zero of fused_f32).
 */
#define FUSED_NEG wasm_f32x4_neg(a)
#define FUSED_ABS wasm_f32x4_abs(a)
#define FUSED_SQUARE wasm_f32x4_mul(a, a)
#define FUSED_SQRT wasm_f32x4_sqrt(a)
/* ±1 with a's sign where a is nonzero; ±0 and NaN kept, as Math.sign. */
#define FUSED_SIGN wasm_v128_bitselect(wasm_v128_or(wasm_v128_and(a, wasm_f32x4_splat(-0.0f)), one), a, wasm_f32x4_gt(wasm_f32x4_abs(a), zero))
/* x < 0 ? 0 : x, keeping NaN and -0 as the JavaScript kernel does. */
#define FUSED_RELU wasm_f32x4_pmax(a, zero)
#define FUSED_EXP exp_f32x4(a)
#define FUSED_SIGMOID sigmoid_f32x4(a)
#define FUSED_SOFTPLUS softplus_f32x4(a)
#define FUSED_ADD wasm_f32x4_add(a, b)
#define FUSED_SUB wasm_f32x4_sub(a, b)
#define FUSED_MUL wasm_f32x4_mul(a, b)
#define FUSED_DIV wasm_f32x4_div(a, b)
/* NaN in either operand gives NaN and max(-0, +0) is +0, as Math.max/min. */
#define FUSED_MAXIMUM wasm_f32x4_max(a, b)
#define FUSED_MINIMUM wasm_f32x4_min(a, b)
/* Comparisons give 1 or 0; NaN compares false except under "not equal". */
#define FUSED_EQUAL wasm_v128_and(wasm_f32x4_eq(a, b), one)
#define FUSED_NOT_EQUAL wasm_v128_and(wasm_f32x4_ne(a, b), one)
#define FUSED_LESS wasm_v128_and(wasm_f32x4_lt(a, b), one)
#define FUSED_LESS_EQUAL wasm_v128_and(wasm_f32x4_le(a, b), one)
#define FUSED_GREATER wasm_v128_and(wasm_f32x4_gt(a, b), one)
#define FUSED_GREATER_EQUAL wasm_v128_and(wasm_f32x4_ge(a, b), one)
/* a != 0 ? b : c (a NaN condition counts as true, as in the JavaScript kernel). */
#define FUSED_WHERE wasm_v128_bitselect(b, c, wasm_f32x4_ne(a, zero))

/* One op over the block: the switch runs once per instruction and block, each case its own loop,
 * which loads the op's operands (the rest of the declaration after `v128_t`) and stores its expression. */
#define FUSED_CASE(NAME, ...)                                                                      \
  case F_##NAME:                                                                                   \
    for (int i = 0; i < m; i += 4) {                                                               \
      v128_t __VA_ARGS__;                                                                          \
      wasm_v128_store(d + i, FUSED_##NAME);                                                        \
    }                                                                                              \
    break;
#define FUSED_UNARY_CASE(NAME, CODE) FUSED_CASE(NAME, a = wasm_v128_load(x + i))
#define FUSED_BINARY_CASE(NAME, CODE) FUSED_CASE(NAME, a = wasm_v128_load(x + i), b = wasm_v128_load(y + i))
#define FUSED_TERNARY_CASE(NAME, CODE) FUSED_CASE(NAME, a = wasm_v128_load(x + i), b = wasm_v128_load(y + i), c = wasm_v128_load(z + i))

/*
 * With sum_reg >= 0, register sum_reg is also summed by rows of row_len (in double, as sum_row_f64
 * does) into sums[0], sums[1], ... (zeroed by the caller), the first element being column col0 of
 * its row: a fused expression then reduced over its last axis never needs its full-size array.
 */
EXPORT(fused_f32)
void fused_f32(const int *prog, int count, float **regs, const int *kinds, const float *consts, int nregs, int n,
               int sum_reg, double *sums, int row_len, int col0) {
  float *cur[FUSED_MAX_REGS];
  if (nregs > FUSED_MAX_REGS) return;
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  for (int r = 0; r < nregs; r++) {
    if (kinds[r] == FR_SPLAT) {
      v128_t s = wasm_f32x4_splat(consts[r]);
      for (int i = 0; i < FUSED_BLOCK; i += 4) wasm_v128_store(regs[r] + i, s);
    }
    cur[r] = regs[r];
  }
  for (int off = 0; off < n; off += FUSED_BLOCK) {
    int m = n - off < FUSED_BLOCK ? n - off : FUSED_BLOCK;
    for (int r = 0; r < nregs; r++) if (kinds[r] == FR_STREAM) cur[r] = regs[r] + off;
    for (int k = 0; k < count; k++) {
      const int *ins = prog + 5 * k;
      float *d = cur[ins[1]];
      const float *x = cur[ins[2]], *y = cur[ins[3]], *z = cur[ins[4]];
      switch (ins[0]) {
        FUSED_UNARY_OPS(FUSED_UNARY_CASE)
        FUSED_BINARY_OPS(FUSED_BINARY_CASE)
        FUSED_TERNARY_OPS(FUSED_TERNARY_CASE)
        default: break;
      }
    }
    if (sum_reg >= 0) {
      const float *v = cur[sum_reg];
      for (int i = 0; i < m;) {
        int take = row_len - col0 < m - i ? row_len - col0 : m - i;
        *sums += sum_row_f64(v + i, take);
        i += take;
        col0 += take;
        if (col0 == row_len) {
          col0 = 0;
          sums++;
        }
      }
    }
  }
}
