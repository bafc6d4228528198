import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import type { Shape, Tensor } from '@lossgraph/tensor';
import { runBackward } from './engine.js';
import { grad } from './functional.js';
import { enableGrad, noGrad } from './mode.js';
import { concat, reshape } from './ops/shape.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { constantOf, Variable, type VariableLike } from './variable.js';

/**
 * Zod schema of {@link GradcheckOptions}: names, types, ranges and defaults; unknown names are refused.
 *
 * @example
 * ```ts
 * gradcheckOptionsSchema.parse({ order: 2 });   // { eps: 1e-6, atol: 1e-5, rtol: 1e-3, order: 2, seed: 0 }
 * ```
 */
export const gradcheckOptionsSchema = z.strictObject({
  /** Finite-difference step. Default 1e-6. */
  eps: z._default(z.number().check(z.positive()), 1e-6),
  /** Absolute tolerance. Default 1e-5. */
  atol: z._default(z.number().check(z.nonnegative()), 1e-5),
  /** Relative tolerance (of the numeric value). Default 1e-3. */
  rtol: z._default(z.number().check(z.nonnegative()), 1e-3),
  /** 1 (default) checks the gradient; 2 checks the gradient of the gradient (gradgradcheck). */
  order: z._default(z.literal([1, 2]), 1),
  /** The weights of f's output in the checked objective Σ f·h. Default: seeded standard normals. */
  headGrad: z.optional(z.custom<VariableLike>()),
  /** Seed of the random head gradient(s). Default 0. */
  seed: z._default(z.number().check(z.int()), 0),
});

/**
 * Options of {@link gradcheck}: `eps`, `atol`, `rtol`, `order`, `headGrad`, `seed`.
 *
 * @example
 * ```ts
 * gradcheck((x) => sum(tanh(x)), [[0.1, -0.4]], { eps: 1e-6, atol: 1e-6, order: 2 } satisfies GradcheckOptions);
 * ```
 */
export type GradcheckOptions = z.input<typeof gradcheckOptionsSchema>;

/**
 * The element of one input whose analytic and numeric gradients disagree most.
 *
 * @example
 * ```ts
 * const worst: GradcheckWorst | null = gradcheck((x) => sum(exp(x)), [[1, 2]]).inputs[0]!.worst;
 * worst?.absError;   // tiny: the tape's gradient of exp is exact
 * ```
 */
export interface GradcheckWorst {
  /** Its position in the input, one index per axis. */
  readonly index: readonly number[];
  /** The gradient from the tape at that element. */
  readonly analytic: number;
  /** The central finite difference at that element. */
  readonly numeric: number;
  /** `|analytic - numeric|`. */
  readonly absError: number;
}

/**
 * How one input fared.
 *
 * @example
 * ```ts
 * const [report]: readonly GradcheckInputReport[] = gradcheck((x) => sum(exp(x)), [[1, 2]]).inputs;
 * report!.worst?.index;   // the element whose gradients disagree most
 * ```
 */
export interface GradcheckInputReport {
  /** Position in `inputs`. */
  readonly input: number;
  /** The input's shape. */
  readonly shape: Shape;
  /** False for int32 inputs, which are passed as they are and not differentiated. */
  readonly checked: boolean;
  /** True when every element of this input is within tolerance (always true when not checked). */
  readonly ok: boolean;
  /** The largest absolute difference over this input's elements. */
  readonly maxAbsError: number;
  /** The largest relative difference over this input's elements. */
  readonly maxRelError: number;
  /** The element that exceeds its tolerance by most (or, when all pass, has the largest error); null for none. */
  readonly worst: GradcheckWorst | null;
  /** The analytic gradient of the objective (flat, float64). */
  readonly analytic: Float64Array;
  /** The central-difference gradient of the objective (flat, float64). */
  readonly numeric: Float64Array;
}

/**
 * The result of {@link gradcheck}.
 *
 * @example
 * ```ts
 * const result: GradcheckResult = gradcheck((x) => sum(sigmoid(x)), [[0.3, -1]]);
 * result.ok;            // true
 * result.maxAbsError;   // about 1e-10
 * ```
 */
export interface GradcheckResult {
  /** True when every element of every float input is within tolerance. */
  readonly ok: boolean;
  /** The largest absolute difference between analytic and numeric gradients, over every input. */
  readonly maxAbsError: number;
  /** The largest difference relative to the numeric gradient, over every input. */
  readonly maxRelError: number;
  /** The derivative order checked: 1 for the gradient, 2 for the gradient of the gradient. */
  readonly order: 1 | 2;
  /** One report per input. */
  readonly inputs: readonly GradcheckInputReport[];
}

/**
 * Thrown by {@link assertGradcheck}; the message names the input and element that failed.
 *
 * @example
 * ```ts
 * try {
 *   assertGradcheck((x) => sum(mul(x, x)), [[0.5, 2]], { order: 2 });
 * } catch (e) {
 *   if (e instanceof GradcheckError) console.log(e.result.maxAbsError);
 * }
 * ```
 */
export class GradcheckError extends Error {
  /** The full result. */
  readonly result: GradcheckResult;

  /**
   * @param message - what failed: the input, the element, the analytic and numeric values
   * @param result - the failing result, kept on the error
   */
  constructor(message: string, result: GradcheckResult) {
    super(message);
    this.name = 'GradcheckError';
    this.result = result;
  }
}

type CheckSettings = z.output<typeof gradcheckOptionsSchema>;

function readOptions(options: GradcheckOptions): CheckSettings {
  return T.parseOptions('gradcheck', gradcheckOptionsSchema, options);
}

function asFloat64(t: Tensor): Tensor {
  return T.isFloat(t.dtype) && t.dtype !== 'float64' ? T.cast(t, 'float64') : t;
}

function callChecked(f: (...inputs: Variable[]) => Variable, args: Variable[]): Variable {
  const y: unknown = f(...args);
  if (!(y instanceof Variable)) throw new TypeError(`gradcheck: f must return a Variable, got ${y === null ? 'null' : typeof y}`);
  if (!T.isFloat(y.dtype)) throw new TypeError(`gradcheck: f must return a float Variable, got dtype ${y.dtype}`);
  return y;
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return index;
}

/**
 * The gradient function of `Σ f·h1` with respect to the float inputs, flattened and joined into
 * one vector: checking its gradient checks the second derivatives of f.
 */
function firstDerivative(f: (...inputs: Variable[]) => Variable, base: readonly Tensor[], positions: readonly number[], seed: number): (...inputs: Variable[]) => Variable {
  const y0 = noGrad(() => callChecked(f, base.map(constantOf)));
  const h1 = T.randn(y0.shape, { seed: seed + 1, dtype: 'float64' });
  const objective = (...xs: Variable[]): Variable => sum(mul(f(...xs), h1));
  return (...xs) => {
    const gs = grad(objective, positions)(...xs);
    return concat(gs.map((g) => reshape(g, [-1])));
  };
}

function check(f: (...inputs: Variable[]) => Variable, base: readonly Tensor[], positions: readonly number[], s: CheckSettings): GradcheckResult {
  const y0 = noGrad(() => callChecked(f, base.map(constantOf)));
  let head: Tensor;
  if (s.headGrad === undefined) head = T.randn(y0.shape, { seed: s.seed, dtype: 'float64' });
  else {
    head = asFloat64(s.headGrad instanceof Variable ? s.headGrad.value : T.toTensor(s.headGrad, 'options.headGrad'));
    if (!T.shapesEqual(head.shape, y0.shape)) throw new RangeError(`gradcheck: options.headGrad has shape ${T.formatShape(head.shape)}, but f returns shape ${T.formatShape(y0.shape)}`);
  }
  const objective = (inputs: readonly Tensor[]): number =>
    noGrad(() => {
      const y = callChecked(f, inputs.map(constantOf));
      return T.sum(T.mul(asFloat64(y.value), head)).item();
    });

  // Analytic: one backward pass with the head gradient.
  const leaves = base.map((t, i) => (positions.includes(i) ? new Variable(t, true, null, undefined) : constantOf(t)));
  const targets = positions.map((p) => leaves[p]!);
  const y = enableGrad(() => callChecked(f, leaves));
  const analytic = y.requiresGrad
    ? runBackward({ outputs: [y], headGrads: [constantOf(T.cast(head, y.dtype))], targets, createGraph: false, retainGraph: false, retainGrads: false, onVisit: null })!
    : targets.map((t) => constantOf(T.zeros(t.shape, t.dtype)));

  const reports: GradcheckInputReport[] = [];
  let allOk = true;
  let maxAbs = 0;
  let maxRel = 0;
  base.forEach((t, i) => {
    const k = positions.indexOf(i);
    if (k < 0) {
      reports.push({ input: i, shape: t.shape, checked: false, ok: true, maxAbsError: 0, maxRelError: 0, worst: null, analytic: new Float64Array(0), numeric: new Float64Array(0) });
      return;
    }
    const a = Float64Array.from(asFloat64(analytic[k]!.value).dataSync());
    const n = new Float64Array(t.size);
    const values = Float64Array.from(t.dataSync());
    const inputs = [...base];
    for (let j = 0; j < values.length; j++) {
      const original = values[j]!;
      values[j] = original + s.eps;
      inputs[i] = T.tensor(values, t.shape, 'float64');
      const plus = objective(inputs);
      values[j] = original - s.eps;
      inputs[i] = T.tensor(values, t.shape, 'float64');
      const minus = objective(inputs);
      values[j] = original;
      n[j] = (plus - minus) / (2 * s.eps);
    }
    let ok = true;
    let inputAbs = 0;
    let inputRel = 0;
    let worst: GradcheckWorst | null = null;
    let worstExcess = -Infinity;
    for (let j = 0; j < n.length; j++) {
      const absError = Math.abs(a[j]! - n[j]!);
      const scale = Math.max(Math.abs(a[j]!), Math.abs(n[j]!));
      const relError = scale === 0 ? absError : absError / scale;
      const excess = Number.isNaN(absError) ? Infinity : absError - (s.atol + s.rtol * Math.abs(n[j]!));
      if (excess > 0) ok = false;
      inputAbs = Math.max(inputAbs, Number.isNaN(absError) ? Infinity : absError);
      inputRel = Math.max(inputRel, Number.isNaN(relError) ? Infinity : relError);
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { index: unravel(j, t.shape), analytic: a[j]!, numeric: n[j]!, absError };
      }
    }
    allOk &&= ok;
    maxAbs = Math.max(maxAbs, inputAbs);
    maxRel = Math.max(maxRel, inputRel);
    reports.push({ input: i, shape: t.shape, checked: true, ok, maxAbsError: inputAbs, maxRelError: inputRel, worst, analytic: a, numeric: n });
  });
  return { ok: allOk, maxAbsError: maxAbs, maxRelError: maxRel, order: s.order, inputs: reports };
}

/**
 * Compares the analytic gradient of f against central finite differences, in float64. The
 * checked objective is Σ f(inputs)·h with a fixed random `h` (so every output element counts);
 * every float input is converted to float64 and differentiated, int32 inputs are passed as they
 * are. An element passes when |analytic - numeric| <= atol + rtol·|numeric|.
 *
 * With `order: 2` it checks second derivatives instead (PyTorch's gradgradcheck): the function
 * checked is the gradient of Σ f·h1, computed by a recorded backward pass, so its gradient
 * exercises every op's gradient rule differentiated again.
 *
 * Needs a backend with float64 (the cpu backend).
 *
 * @param f - the function to check; Variables in, a float Variable out
 * @param inputs - the point to check at
 * @param options - `eps`, `atol`, `rtol`, `order`, `headGrad`, `seed`
 * @returns a report with the errors per input and the worst element of each
 *
 * @example
 * ```ts
 * const r = gradcheck((a, b) => mul(a, b), [randn([2, 3]), randn([3])]);
 * r.ok;   // true
 * ```
 */
export function gradcheck(f: (...inputs: Variable[]) => Variable, inputs: readonly VariableLike[], options: GradcheckOptions = {}): GradcheckResult {
  if (typeof f !== 'function') throw new TypeError(`gradcheck: f must be a function, got ${typeof f}`);
  if (!Array.isArray(inputs)) throw new TypeError('gradcheck: inputs must be an array of operands');
  const settings = readOptions(options);
  const base = inputs.map((x, i) => asFloat64(x instanceof Variable ? x.value : T.toTensor(x, `gradcheck: inputs[${i}]`, 'float64')));
  const positions = base.flatMap((t, i) => (T.isFloat(t.dtype) ? [i] : []));
  if (positions.length === 0) throw new TypeError('gradcheck: no float input to check');
  const checked = settings.order === 2 ? firstDerivative(f, base, positions, settings.seed) : f;
  return check(checked, base, positions, settings);
}

/**
 * {@link gradcheck} that throws a {@link GradcheckError} describing the worst element of each
 * failing input (its index, analytic and numeric values) when the check fails.
 * @param f - the function to check
 * @param inputs - the points to check it at
 * @param options - see {@link GradcheckOptions}
 *
 * @example
 * ```ts
 * assertGradcheck((x) => softmax(x), [randn([3, 4])], { order: 2 });
 * ```
 */
export function assertGradcheck(f: (...inputs: Variable[]) => Variable, inputs: readonly VariableLike[], options: GradcheckOptions = {}): GradcheckResult {
  const result = gradcheck(f, inputs, options);
  if (result.ok) return result;
  const s = readOptions(options);
  const lines = result.inputs
    .filter((r) => !r.ok)
    .map((r) => {
      const w = r.worst!;
      return (
        `  input ${r.input} (shape ${T.formatShape(r.shape)}): at [${w.index.join(', ')}] analytic ${w.analytic} vs numeric ${w.numeric} ` +
        `(|diff| ${w.absError.toExponential(3)} > ${s.atol} + ${s.rtol}·|numeric|); max abs error ${r.maxAbsError.toExponential(3)}`
      );
    });
  const what = result.order === 2 ? 'second derivatives' : 'gradients';
  throw new GradcheckError(`gradcheck: analytic and numeric ${what} differ:\n${lines.join('\n')}`, result);
}
