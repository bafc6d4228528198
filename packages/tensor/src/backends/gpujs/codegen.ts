/**
 * Source generation for the gpujs kernels. Every kernel is a JavaScript function written as a
 * string with its shapes, strides and loop bounds baked in as literals, so GPU.js sees constant
 * loop bounds (required by GLSL ES 1.0) and one compiled kernel serves exactly one layout.
 *
 * All index arithmetic is float arithmetic (that is what GPU.js emits for WebGL), exact for
 * integers below 2^24. Float division is not exact on every GPU, so each `floor(n / d)` is
 * followed by a correction step that makes quotient and remainder exact (see {@link divmod}).
 *
 * @internal
 */
import type { KernelSpec } from './runtime.js';

/** Largest element count whose flat indices float32 index arithmetic represents exactly. */
export const MAX_EXACT_INDEX = 2 ** 24;

/**
 * A finite number as source text GPU.js reads as a float literal. Negative numbers are
 * parenthesised so they can follow any operator.
 */
export function lit(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`gpujs backend: internal error, cannot write ${value} as a kernel literal`);
  const text = Object.is(value, -0) ? '0' : String(value);
  return value < 0 ? `(${text})` : text;
}

/** Collects the statements of a kernel body and hands out variable names that cannot clash. */
export class KernelSource {
  private readonly lines: string[] = [];
  private counter = 0;

  /** @param args - the kernel's parameter names, in call order */
  constructor(private readonly args: readonly string[]) {}

  /** A new variable name starting with `prefix`. */
  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** Appends statements. */
  add(...statements: string[]): this {
    this.lines.push(...statements);
    return this;
  }

  /** Declares `let name = expr;` under a fresh name and returns the name. */
  let(prefix: string, expr: string): string {
    const name = this.fresh(prefix);
    this.lines.push(`let ${name} = ${expr};`);
    return name;
  }

  /** The whole kernel function, returning `resultExpr`. */
  build(resultExpr: string): string {
    return `function(${this.args.join(', ')}) {\n  ${this.lines.join('\n  ')}\n  return ${resultExpr};\n}`;
  }
}

/**
 * Emits an exact `q = floor(n / d)`, `r = n - q * d` for a positive integer literal `d`. The float
 * quotient may be one off when the GPU's division rounds the wrong way; products and differences
 * of integers below 2^24 are exact, so checking the remainder's range repairs it.
 */
export function divmod(src: KernelSource, n: string, d: number): { q: string; r: string } {
  if (d === 1) return { q: n, r: '0' };
  const q = src.let('q', `Math.floor(${n} / ${d})`);
  const r = src.let('r', `${n} - ${q} * ${d}`);
  src.add(
    `if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${d}; }`,
    `if (${r} >= ${d}) { ${q} = ${q} + 1; ${r} = ${r} - ${d}; }`,
  );
  return { q, r };
}

/**
 * Splits the flat row-major index `n` over `dims` into one coordinate per axis (outermost first).
 * The outermost coordinate needs no division: it is what is left.
 */
export function coordinates(src: KernelSource, n: string, dims: readonly number[]): string[] {
  const coords = new Array<string>(dims.length);
  let rest = n;
  for (let axis = dims.length - 1; axis > 0; axis--) {
    const { q, r } = divmod(src, rest, dims[axis]!);
    coords[axis] = r;
    rest = q;
  }
  if (dims.length > 0) coords[0] = rest;
  return coords;
}

/** `base + sum(coords[k] * strides[k])` as an expression, skipping zero terms. */
export function offsetExpr(coords: readonly string[], strides: readonly number[], base = 0): string {
  const terms: string[] = [];
  if (base !== 0) terms.push(lit(base));
  for (let k = 0; k < coords.length; k++) {
    const s = strides[k]!;
    const c = coords[k]!;
    if (s === 0 || c === '0') continue;
    terms.push(s === 1 ? c : `${c} * ${lit(s)}`);
  }
  return terms.length === 0 ? '0' : terms.join(' + ');
}

/**
 * The spec of a kernel that computes one output element per thread: `body` gets the kernel's
 * source with `i`, the element's flat index, declared, writes its statements and returns the
 * expression of the element's value. `sizeFree` as in {@link KernelSpec}.
 */
export function perElementSpec(
  key: string, args: readonly string[], body: (src: KernelSource, i: string) => string, { sizeFree = false } = {},
): KernelSpec {
  const source = (): string => {
    const src = new KernelSource(args);
    return src.build(body(src, src.let('i', 'this.thread.x')));
  };
  return sizeFree ? { key, source, sizeFree } : { key, source };
}
