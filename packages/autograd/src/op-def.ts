/**
 * What an op is to the tape: its name, its derivative as text, and its gradient rule in the
 * all-inputs-at-once form. Imports nothing at run time, so the engine can declare its own
 * primitives with {@link defineOp} however the modules happen to load.
 */
import type { Variable } from './variable.js';

/**
 * What a gradient rule gives for one input: the gradient with respect to that input (with its
 * shape), null when the op sends it none, or a function computing it. The engine calls a function
 * only when that input needs a gradient, so a constant operand costs nothing: `mul(x, 2)` never
 * computes the gradient of the 2, a full-size product and a sum down to a scalar. Write an input's
 * gradient as a function when it takes work of its own, as a value when it is free (`g` itself) or
 * already computed for another input.
 *
 * @example
 * ```ts
 * // d/da a·b = b, d/db a·b = a: each product is computed only for an input that needs it.
 * const grads: readonly InputGrad[] = [() => mul(g, b), () => mul(g, a)];
 * ```
 */
export type InputGrad = Variable | null | (() => Variable | null);

/**
 * The gradient rule of an op (its vector-Jacobian product): given `g`, the gradient of the
 * objective with respect to the op's output, it returns the gradients of all its inputs at once,
 * one {@link InputGrad} per input in input order, so work the inputs share is done once. The
 * engine calls it once per node, and only when some input needs a gradient. Rules are written
 * with differentiable ops only, so a backward pass with `createGraph` records itself and can be
 * differentiated again.
 *
 * @typeParam A - the op's attributes (axes, shapes, indices: its non-Variable arguments)
 *
 * @example
 * ```ts
 * // hypot(a, b) = √(a² + b²): d/da = a/y and d/db = b/y share g/y, computed once.
 * const rule: GradRule<undefined> = (g, [a, b], y) => {
 *   const gy = div(g, y);
 *   return [() => mul(gy, a), () => mul(gy, b)];
 * };
 * ```
 */
export type GradRule<A> = (g: Variable, inputs: readonly Variable[], output: Variable, attrs: A) => readonly InputGrad[];

/**
 * A differentiable op as the tape sees it: a name (shown by graph inspection), its derivative
 * written out for people (`formula`) and its gradient rule. The forward computation lives in the
 * op's function, which calls the tensor package and then {@link recordOp}. The ops of this package
 * are declared in its derivatives table (`src/derivatives.ts`).
 *
 * @example
 * ```ts
 * const CUBE: OpDef = defineOp('cube', 'd/dx x³ = 3x²', (g, [x]) => [mul(g, mul(square(x), 3))]);
 * CUBE.formula;   // 'd/dx x³ = 3x²'
 * ```
 */
export interface OpDef<A = unknown> {
  /** The op's name, e.g. `'mul'` or `'logSoftmax'`. */
  readonly name: string;
  /**
   * The derivative as a short line of text, e.g. `'d/dx exp(x) = exp(x)'`, or for two inputs
   * `'d/da a·b = b, d/db a·b = a'`: what a teaching view shows at each node of the graph.
   */
  readonly formula: string;
  /** The gradient rule; see {@link GradRule}. */
  readonly vjp: GradRule<A>;
}

/**
 * Declares a differentiable op. Most code never calls this: every op of the package is declared
 * once in its derivatives table. It is public for primitives a user needs and the package lacks.
 *
 * @param name - the op's name, shown by graph inspection
 * @param formula - the derivative as a short line of text (see {@link OpDef.formula})
 * @param vjp - the gradient rule, written with differentiable ops (see {@link GradRule})
 * @throws TypeError for an empty name or formula, or a rule that is not a function
 *
 * @example
 * ```ts
 * // hypot(a, b) = √(a² + b²); the gradients of a and b share g/y.
 * const HYPOT = defineOp('hypot', 'd/da √(a² + b²) = a/y, d/db √(a² + b²) = b/y', (g, [a, b], y) => {
 *   const gy = div(g, y);
 *   return [() => mul(gy, a), () => mul(gy, b)];
 * });
 * const hypot = (a: Variable, b: Variable) =>
 *   recordOp(HYPOT, [a, b], T.sqrt(T.add(T.square(a.value), T.square(b.value))), undefined);
 * ```
 */
export function defineOp<A = undefined>(name: string, formula: string, vjp: GradRule<A>): OpDef<A> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`defineOp: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof formula !== 'string' || formula.length === 0) {
    throw new TypeError(`defineOp: formula of '${name}' must be a non-empty string (its derivative, e.g. 'd/dx exp(x) = exp(x)'), got ${JSON.stringify(formula)}`);
  }
  if (typeof vjp !== 'function') throw new TypeError(`defineOp: vjp of '${name}' must be a function, got ${typeof vjp}`);
  return Object.freeze({ name, formula, vjp });
}
