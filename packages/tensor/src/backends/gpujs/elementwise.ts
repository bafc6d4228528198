/**
 * Elementwise kernels of the gpujs backend: unary and binary ops, where, casts and strided copies
 * (transpose, broadcast, slice). One generator serves them all: each output element splits its
 * flat index over the (merged) output axes and reads every operand at its own strides.
 *
 * The formulas avoid what GLSL leaves undefined or imprecise: `pow` of a negative base, `tanh`
 * and `expm1`/`log1p` near zero (GPU.js's polyfills cancel catastrophically there), and
 * `Math.round` (GPU.js rounds halves up; this package rounds them away from zero).
 *
 * @internal
 */
import type { BinaryOp, UnaryOp } from '../../primitives.js';
import { mergeAxes } from '../../strides.js';
import { coordinates, KernelSource, lit, offsetExpr, perElementSpec } from './codegen.js';
import type { KernelSpec } from './runtime.js';

/** Writes the statements of one elementwise formula and returns the expression of its result. */
export type Formula = (src: KernelSource, values: readonly string[]) => string;

/** e^v - 1: a Taylor series near 0, where exp(v) - 1 would cancel. */
function expm1(src: KernelSource, v: string): string {
  const e = src.let('e', `Math.exp(${v}) - 1`);
  src.add(
    `if (Math.abs(${v}) < 0.1) { ${e} = ${v} * (1 + ${v} * (0.5 + ${v} * (${lit(1 / 6)} + ${v} * (${lit(1 / 24)} + ${v} * (${lit(1 / 120)} + ${v} * (${lit(1 / 720)} + ${v} * ${lit(1 / 5040)})))))); }`,
  );
  return e;
}

/** log(1 + v): a Taylor series near 0, where 1 + v would lose the low bits of v. */
function log1p(src: KernelSource, v: string): string {
  const y = src.let('l', `Math.log(1 + ${v})`);
  src.add(
    `if (Math.abs(${v}) < 0.1) { ${y} = ${v} * (1 - ${v} * (0.5 - ${v} * (${lit(1 / 3)} - ${v} * (0.25 - ${v} * (0.2 - ${v} * (${lit(1 / 6)} - ${v} * (${lit(1 / 7)} - ${v} * 0.125))))))); }`,
  );
  return y;
}

/**
 * erf(v) to float32 accuracy: its Taylor series below |v| = 0.5 (relative error under 1e-8 there,
 * where an absolute bound would not do), else Abramowitz and Stegun's 7.1.26,
 * 1 - t(a₁ + t(a₂ + t(a₃ + t(a₄ + t a₅))))·e^(-v²) with t = 1/(1 + p|v|) (absolute error under 1.5e-7).
 */
function erf(src: KernelSource, v: string): string {
  const a = src.let('a', `Math.abs(${v})`);
  const t = src.let('t', `1 / (1 + ${lit(0.3275911)} * ${a})`);
  const poly = `${t} * (${lit(0.254829592)} + ${t} * (${lit(-0.284496736)} + ${t} * (${lit(1.421413741)} + ${t} * (${lit(-1.453152027)} + ${t} * ${lit(1.061405429)}))))`;
  const e = src.let('e', `1 - ${poly} * Math.exp(-${a} * ${a})`);
  // 2/√π Σ (-1)ⁿ v^(2n+1) / (n! (2n+1)), six terms.
  const c = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320].map((k) => k * 1.1283791670955126);
  const s = src.let('s', `${v} * ${v}`);
  src.add(`if (${a} < 0.5) { ${e} = ${a} * (${lit(c[0]!)} + ${s} * (${lit(c[1]!)} + ${s} * (${lit(c[2]!)} + ${s} * (${lit(c[3]!)} + ${s} * (${lit(c[4]!)} + ${s} * ${lit(c[5]!)}))))); }`);
  return `(${v} < 0 ? -${e} : ${e})`;
}

/** Truncation toward zero, as storing a float into an Int32Array does. */
export function truncate(v: string): string {
  return `(${v} < 0 ? Math.ceil(${v}) : Math.floor(${v}))`;
}

const UNARY: Record<UnaryOp, Formula> = {
  neg: (_, [v]) => `-${v}`,
  exp: (_, [v]) => `Math.exp(${v})`,
  expm1: (src, [v]) => expm1(src, v!),
  log: (_, [v]) => `Math.log(${v})`,
  log1p: (src, [v]) => log1p(src, v!),
  sqrt: (_, [v]) => `Math.sqrt(${v})`,
  rsqrt: (_, [v]) => `1 / Math.sqrt(${v})`,
  square: (_, [v]) => `${v} * ${v}`,
  reciprocal: (_, [v]) => `1 / ${v}`,
  abs: (_, [v]) => `Math.abs(${v})`,
  sign: (_, [v]) => `Math.sign(${v})`,
  tanh: (src, [v]) => {
    // tanh|v| = -m / (2 + m) with m = expm1(-2|v|): no overflow for large |v|, no cancellation near 0.
    const m = expm1(src, src.let('a', `-2 * Math.abs(${v!})`));
    const t = src.let('t', `-${m} / (2 + ${m})`);
    return `(${v} < 0 ? -${t} : ${t})`;
  },
  sigmoid: (src, [v]) => {
    // e^-|v| never overflows; the two branches are the same function rearranged.
    const e = src.let('e', `Math.exp(-Math.abs(${v!}))`);
    return `(${v} >= 0 ? 1 / (1 + ${e}) : ${e} / (1 + ${e}))`;
  },
  softplus: (src, [v]) => {
    // log(1 + e^v) = max(v, 0) + log1p(e^-|v|), finite for every finite v.
    const l = log1p(src, src.let('e', `Math.exp(-Math.abs(${v!}))`));
    return `(${v} > 0 ? ${v} : 0) + ${l}`;
  },
  relu: (_, [v]) => `(${v} < 0 ? 0 : ${v})`,
  floor: (_, [v]) => `Math.floor(${v})`,
  ceil: (_, [v]) => `Math.ceil(${v})`,
  round: (src, [v]) => {
    const a = src.let('a', `Math.abs(${v!})`);
    const f = src.let('f', `Math.floor(${a})`);
    // a - f is exact, so exact halves go up (away from zero once the sign is back).
    src.add(`if (${a} - ${f} >= 0.5) { ${f} = ${f} + 1; }`);
    return `(${v} < 0 ? -${f} : ${f})`;
  },
  sin: (_, [v]) => `Math.sin(${v})`,
  cos: (_, [v]) => `Math.cos(${v})`,
  erf: (src, [v]) => erf(src, v!),
};

/** a ** b with JavaScript's rules for negative bases, which GLSL's pow leaves undefined. */
function power(src: KernelSource, a: string, b: string, intResult: boolean): string {
  const m = src.let('m', `Math.abs(${a})`);
  const p = src.let('p', `Math.pow(${m}, ${b})`);
  src.add(
    `if (${m} === 0) { ${p} = ${b} > 0 ? 0 : 1 / ${m}; }`,
    `if (${a} < 0) {`,
    `  if (Math.floor(${b}) === ${b}) {`,
    `    if (Math.floor(${b} * 0.5) !== ${b} * 0.5) { ${p} = -${p}; }`,
    '  } else {',
    // A negative number to a fractional power is NaN; sqrt of a negative number makes one.
    `    ${p} = Math.sqrt(-1 - ${m});`,
    '  }',
    '}',
    `if (${b} === 0) { ${p} = 1; }`,
  );
  return intResult ? truncate(p) : p;
}

const comparison = (operator: string): Formula => (_, [a, b]) => `(${a} ${operator} ${b} ? 1 : 0)`;

const BINARY: Record<Exclude<BinaryOp, 'pow'>, Formula> = {
  add: (_, [a, b]) => `${a} + ${b}`,
  sub: (_, [a, b]) => `${a} - ${b}`,
  mul: (_, [a, b]) => `${a} * ${b}`,
  div: (_, [a, b]) => `${a} / ${b}`,
  maximum: (_, [a, b]) => `Math.max(${a}, ${b})`,
  minimum: (_, [a, b]) => `Math.min(${a}, ${b})`,
  equal: comparison('==='),
  notEqual: comparison('!=='),
  less: comparison('<'),
  lessEqual: comparison('<='),
  greater: comparison('>'),
  greaterEqual: comparison('>='),
};

/** The formula of a unary op. */
export function unaryFormula(op: UnaryOp): Formula {
  const formula = UNARY[op];
  if (!formula) throw new Error(`gpujs backend: unknown unary op ${String(op)}`);
  return formula;
}

/** The formula of a binary op; `intResult` truncates pow for int32 results (2 ** -1 is 0 in int32). */
export function binaryFormula(op: BinaryOp, intResult: boolean): Formula {
  if (op === 'pow') return (src, [a, b]) => power(src, a!, b!, intResult);
  const formula = BINARY[op];
  if (!formula) throw new Error(`gpujs backend: unknown binary op ${String(op)}`);
  return formula;
}

/** `cond != 0 ? a : b`. */
export const whereFormula: Formula = (_, [c, a, b]) => `(${c} !== 0 ? ${a} : ${b})`;

/** Float to int32: truncation toward zero. */
export const truncateFormula: Formula = (_, [v]) => truncate(v!);

/** The value itself (strided copies). */
export const identityFormula: Formula = (_, [v]) => v!;

/** How an elementwise kernel reads one operand: per-axis strides over the output axes, from `base`. */
export interface OperandLayout {
  strides: readonly number[];
  base: number;
}

/**
 * A kernel computing `formula` of its operands at every element of an output of shape `dims`.
 * `name` identifies the formula in the cache key; axes are merged first, so equal shapes need no
 * index arithmetic at all.
 */
export function elementwiseSpec(name: string, formula: Formula, dims: readonly number[], operands: readonly OperandLayout[]): KernelSpec {
  const layout = mergeAxes(dims, operands.map((o) => o.strides));
  const bases = operands.map((o) => o.base);
  const args = operands.map((_, k) => `x${k}`);
  // One axis read contiguously or as a single value: the source is the same for every size.
  const flat = layout.shape.length <= 1 && bases.every((b) => b === 0) && layout.strides.every((s) => s.length === 0 || s[0] === 0 || s[0] === 1);
  if (flat) {
    // A one-element output reads every operand at 0, which is also what step 1 reads there.
    const steps = layout.strides.map((s) => (s.length === 0 ? 1 : s[0]!));
    return perElementSpec(`ew:${name}:flat:${steps.join(',')}`, args, (src, i) => {
      const values = steps.map((step, k) => src.let('v', `x${k}[${step === 0 ? '0' : i}]`));
      return formula(src, values);
    }, { sizeFree: true });
  }
  return perElementSpec(`ew:${name}:${JSON.stringify(layout)}:${JSON.stringify(bases)}`, args, (src, i) => {
    const coords = layout.shape.length <= 1 ? layout.shape.map(() => i) : coordinates(src, i, layout.shape);
    const values = operands.map((_, k) => src.let('v', `x${k}[${offsetExpr(coords, layout.strides[k]!, bases[k])}]`));
    return formula(src, values);
  });
}

/** A kernel that fills its output with its one number argument. */
export const FILL_SPEC: KernelSpec = { key: 'fill', source: () => 'function(value) {\n  return value;\n}', sizeFree: true };
