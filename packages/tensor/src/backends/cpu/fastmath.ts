/**
 * Transcendental functions for float32 results. V8's Math.exp and Math.log1p are correctly
 * rounded double routines called out of line, several times the cost of the loop around them;
 * a float32 result needs only ~1e-8 relative accuracy, which a table and a short polynomial give
 * inline. The cpu kernels use these when the output array is a Float32Array and Math.* otherwise.
 *
 * @internal
 */

/** 2^(j/64) for j in [0, 64). */
const EXP2_FRACTION = new Float64Array(64);
for (let j = 0; j < 64; j++) EXP2_FRACTION[j] = 2 ** (j / 64);

/** 2^(k - EXP2_BIAS): every power a float32 exp can reach, denormals included. */
const EXP2_BIAS = 200;
const EXP2_INTEGER = new Float64Array(2 * EXP2_BIAS);
for (let k = 0; k < 2 * EXP2_BIAS; k++) EXP2_INTEGER[k] = 2 ** (k - EXP2_BIAS);

/** Adding then subtracting 1.5·2^52 rounds a double of magnitude < 2^51 to the nearest integer. */
const ROUND_SHIFT = 6755399441055744;
const SIXTY_FOUR_OVER_LN2 = 92.33248261689366;
const LN2_OVER_SIXTY_FOUR = 0.010830424696249145;

/**
 * e^x, accurate to about 1e-9 relative (so its float32 rounding is almost always the correctly
 * rounded one). x = (64k + j)·ln2/64 + r with |r| <= ln2/128, e^x = 2^k · 2^(j/64) · e^r, and e^r
 * is a degree-3 polynomial. Past the float32 range the result is 0 or Infinity; NaN stays NaN.
 */
export function expF32(x: number): number {
  const y = x * SIXTY_FOUR_OVER_LN2;
  // ±9600 in units of ln2/64 is ±104: beyond float32's range (denormals included) on both sides.
  if (!(y > -9600 && y < 9600)) return x !== x ? x : x > 0 ? Infinity : 0;
  const n = (y + ROUND_SHIFT) - ROUND_SHIFT;
  const r = x - n * LN2_OVER_SIXTY_FOUR;
  const k = n | 0;
  return EXP2_FRACTION[k & 63]! * EXP2_INTEGER[(k >> 6) + EXP2_BIAS]! * (1 + r * (1 + r * (0.5 + r * 0.16666666666666666)));
}

/**
 * ln(1 + t) for t in [0, 1] (what softplus needs: t = e^-|x|), as t·P(t) with P a degree-9
 * Chebyshev fit of ln(1 + t)/t on [0, 1]: relative error below 5e-9 for every t, the tiniest
 * included, and no division.
 */
export function log1pUnitF32(t: number): number {
  return t * (0.999999995384853 + t * (-0.4999990399276527 + t * (0.3333000403525295 + t * (-0.24954558871384117 +
    t * (0.19678117257854233 + t * (-0.1531186310654033 + t * (0.10614264694521301 + t * (-0.0570642008371652 +
    t * (0.019907160967660428 + t * -0.0032563784824558685)))))))));
}

/**
 * 1 / (1 + e^-x) through {@link expF32}. Written without a data-dependent branch in the common
 * range (random signs would mispredict half the time); below -80, where e^-x nears float32's
 * overflow, it switches to e^x / (1 + e^x), which keeps the denormal tail.
 */
export function sigmoidF32(x: number): number {
  if (x < -80) {
    const e = expF32(x);
    return e / (1 + e);
  }
  return 1 / (1 + expF32(-x));
}

/** ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), through {@link expF32} and {@link log1pUnitF32}. */
export function softplusF32(x: number): number {
  // Math.max and Math.abs compile to branch-free instructions; NaN propagates through both.
  return Math.max(x, 0) + log1pUnitF32(expF32(-Math.abs(x)));
}
