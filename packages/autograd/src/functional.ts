import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { runBackward } from './engine.js';
import { enableGrad, isGradEnabled } from './mode.js';
import { defineOp } from './op-def.js';
import { constantOf, recordOp, toVariable, Variable, type VariableLike } from './variable.js';

/**
 * A function `grad` can differentiate: Variables in, a scalar Variable out.
 *
 * @example
 * ```ts
 * const f: Differentiable = (x) => sum(square(x));
 * grad(f)(variable([1, 2]));   // [2, 4]
 * ```
 */
export type Differentiable = (...args: Variable[]) => Variable;

/**
 * Zod schema of {@link GradOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * gradOptionsSchema.parse({ createGraph: false });
 * ```
 */
export const gradOptionsSchema = z.strictObject({
  /**
   * Record the backward pass so the returned gradients can be differentiated again. By default
   * it is recorded exactly when that can matter: recording is on and f's output depends on a
   * Variable from outside this call (an argument that requires grad, as inside an outer `grad`,
   * or a parameter f captures). Pass false to skip that work when you know it is not needed.
   */
  createGraph: z.optional(z.boolean()),
});

/**
 * Options of {@link grad} and {@link valueAndGrad}: `createGraph`.
 *
 * @example
 * ```ts
 * const df = grad((x) => sum(exp(x)), 0, { createGraph: false } satisfies GradOptions);
 * ```
 */
export type GradOptions = z.input<typeof gradOptionsSchema>;

/**
 * What the function made by {@link valueAndGrad} returns.
 *
 * @example
 * ```ts
 * const { value, grads }: ValueAndGrads<Variable> = valueAndGrad((x: Variable) => sum(square(x)))(variable([3]));
 * // value 9, grads [6]
 * ```
 */
export interface ValueAndGrads<G> {
  /** f's output. */
  readonly value: Variable;
  /** The gradient(s) of the output with respect to the chosen arguments. */
  readonly grads: G;
}

/**
 * An argument that already requires grad (an outer grad's input, or a parameter) is passed to f
 * through this identity op, so that it is a fresh target of its own: its gradient counts only the
 * uses f makes of that argument (as in JAX), while the outer graph stays connected through it.
 */
const GRAD_INPUT = defineOp<undefined>('gradInput', 'd/dx x = 1', (g) => [g]);

function checkArgnums(argnums: number | readonly number[], caller: string): number[] {
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => Number.isInteger(p) && p >= 0)) {
    throw new TypeError(`${caller}: argnums must be a non-negative integer or a non-empty array of them, got ${JSON.stringify(argnums)}`);
  }
  if (new Set(list).size !== list.length) throw new RangeError(`${caller}: argnums has a repeated position: ${JSON.stringify(argnums)}`);
  return [...list];
}

function checkOptions(options: GradOptions, caller: string): GradOptions {
  return T.parseOptions(caller, gradOptionsSchema, options);
}

/** True when the graph of `y` reaches a Variable requiring grad that is not one of `own` (iterative DFS). */
function dependsOnOutside(y: Variable, own: ReadonlySet<Variable>): boolean {
  const visited = new Set<Variable>([y]);
  const stack: Variable[] = [y];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v.node === null) {
      if (!own.has(v)) return true;
      continue;
    }
    for (const u of v.node.inputs) {
      if (u.requiresGrad && !visited.has(u)) {
        visited.add(u);
        stack.push(u);
      }
    }
  }
  return false;
}

function evaluate(f: Differentiable, positions: readonly number[], args: readonly VariableLike[], options: GradOptions, caller: string): { value: Variable; grads: Variable[] } {
  for (const p of positions) {
    if (p >= args.length) throw new RangeError(`${caller}: argnums names argument ${p}, but the function was called with ${args.length} argument(s)`);
  }
  const outerRecording = isGradEnabled();
  const vars = args.map((a, i) => toVariable(a, `${caller}: argument ${i}`));
  const targets: Variable[] = [];
  let fromOutside = false;
  for (const p of positions) {
    const v = vars[p]!;
    if (!T.isFloat(v.dtype)) throw new TypeError(`${caller}: argument ${p} has dtype ${v.dtype}; only float arguments can be differentiated`);
    let target: Variable;
    if (outerRecording && v.requiresGrad) {
      fromOutside = true;
      target = recordOp(GRAD_INPUT, [v], v.value, undefined);
    } else {
      target = new Variable(v.value, true, null, v.name);
    }
    vars[p] = target;
    targets.push(target);
  }
  const out: unknown = enableGrad(() => f(...vars));
  if (!(out instanceof Variable)) throw new TypeError(`${caller}: f must return a Variable, got ${out === null ? 'null' : typeof out}`);
  if (out.size !== 1) throw new RangeError(`${caller}: f must return a single-element (scalar) Variable, got shape ${T.formatShape(out.shape)}`);
  if (!out.requiresGrad) return { value: out, grads: targets.map((t) => constantOf(T.zeros(t.shape, t.dtype))) };
  const createGraph = options.createGraph ?? (outerRecording && (fromOutside || dependsOnOutside(out, new Set(targets))));
  const grads = runBackward({
    outputs: [out],
    headGrads: [constantOf(T.onesLike(out.value))],
    targets,
    createGraph,
    retainGraph: createGraph,
    retainGrads: false,
    onVisit: null,
  })!;
  return { value: out, grads };
}

function checkFunction(f: unknown, caller: string): void {
  if (typeof f !== 'function') throw new TypeError(`${caller}: f must be a function, got ${typeof f}`);
}

/**
 * Makes the function that computes the gradient of a scalar-valued `f` with respect to its
 * argument(s) `argnums` (default 0). The gradients are Variables: differentiate them again by
 * nesting, to any order. Inside, the chosen arguments become fresh leaves (or, when they already
 * require grad, pass through an identity node), f runs with recording on, and one backward pass
 * returns their gradients without touching any `.grad`.
 *
 * @param f - Variables in, a one-element Variable out
 * @param argnums - a position (the result is one Variable) or a list (the result is a list)
 * @param options - `createGraph`; see {@link GradOptions}
 *
 * @example
 * ```ts
 * const f = (x: Variable) => sum(pow(x, 3));
 * grad(f)([1, 2]).toArray();                          // [3, 12]
 * grad((x: Variable) => sum(grad(f)(x)))([1, 2]).toArray();   // [6, 12]
 * const hvp = grad((x: Variable) => dot(grad(f)(x), v));      // Hessian-vector product
 * ```
 */
export function grad(f: Differentiable, argnums?: number, options?: GradOptions): (...args: VariableLike[]) => Variable;
export function grad(f: Differentiable, argnums: readonly number[], options?: GradOptions): (...args: VariableLike[]) => Variable[];
export function grad(f: Differentiable, argnums: number | readonly number[] = 0, options: GradOptions = {}): (...args: VariableLike[]) => Variable | Variable[] {
  checkFunction(f, 'grad');
  const positions = checkArgnums(argnums, 'grad');
  checkOptions(options, 'grad');
  const single = typeof argnums === 'number';
  return (...args) => {
    const { grads } = evaluate(f, positions, args, options, 'grad');
    return single ? grads[0]! : grads;
  };
}

/**
 * Like {@link grad}, but the function it makes returns f's value too, from the same forward pass.
 * @param f - the function to differentiate; it must return a scalar
 * @param argnums - the argument(s) to differentiate with respect to (default 0)
 * @param options - see {@link GradOptions}
 *
 * @example
 * ```ts
 * const { value, grads } = valueAndGrad((x: Variable) => sum(square(x)))([1, 2]);
 * value.item();      // 5
 * grads.toArray();   // [2, 4]
 * ```
 */
export function valueAndGrad(f: Differentiable, argnums?: number, options?: GradOptions): (...args: VariableLike[]) => ValueAndGrads<Variable>;
export function valueAndGrad(f: Differentiable, argnums: readonly number[], options?: GradOptions): (...args: VariableLike[]) => ValueAndGrads<Variable[]>;
export function valueAndGrad(
  f: Differentiable,
  argnums: number | readonly number[] = 0,
  options: GradOptions = {},
): (...args: VariableLike[]) => ValueAndGrads<Variable | Variable[]> {
  checkFunction(f, 'valueAndGrad');
  const positions = checkArgnums(argnums, 'valueAndGrad');
  checkOptions(options, 'valueAndGrad');
  const single = typeof argnums === 'number';
  return (...args) => {
    const { value, grads } = evaluate(f, positions, args, options, 'valueAndGrad');
    return { value, grads: single ? grads[0]! : grads };
  };
}
