import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import type { DType } from '@lossgraph/tensor';
import { setGradEnabled } from './mode.js';
import { noteReleased } from './scope.js';
import { defineOp, type InputGrad, type OpDef } from './op-def.js';
import type { CastAttrs } from './op-types.js';
import {
  adoptGrad, checkingSavedInputs, constantOf, disposeOwnedGrad, inputsWrittenSince, recording, recordOp, toVariable, Variable, type Node, type VariableLike,
} from './variable.js';

/**
 * Zod schema of {@link BackwardOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * backwardOptionsSchema.parse({ createGraph: true });   // { createGraph: true, retainGrads: false }
 * ```
 */
export const backwardOptionsSchema = z.strictObject({
  /** Keep the graph so another backward can run through it. Default: the value of `createGraph`. */
  retainGraph: z.optional(z.boolean()),
  /** Record the backward pass itself, so the gradients can be differentiated again. Default false. */
  createGraph: z._default(z.boolean(), false),
  /** Keep the gradient of every intermediate node in `node.outputGrad`, for graph inspection. Default false. */
  retainGrads: z._default(z.boolean(), false),
});

/**
 * Options of {@link Variable.backward}: `retainGraph`, `createGraph`, `retainGrads`.
 *
 * @example
 * ```ts
 * const x = variable([1, 2]);
 * const y = sum(square(x));
 * y.backward(undefined, { createGraph: true } satisfies BackwardOptions);   // x.grad can be differentiated again
 * ```
 */
export type BackwardOptions = z.input<typeof backwardOptionsSchema>;

/**
 * What {@link runBackward} reports for each Variable it back-propagates through.
 *
 * @example
 * ```ts
 * const y = sum(square(variable([1, 2], { name: 'x' })));
 * runBackward({
 *   outputs: [y], headGrads: [constant(1)], targets: null, createGraph: false, retainGraph: false, retainGrads: false,
 *   onVisit: (visit: BackwardVisit) => console.log(visit.node?.op.name ?? visit.variable.name, visit.grad.toArray()),
 * });   // sum 1, square [1, 1], x [2, 4]
 * ```
 */
export interface BackwardVisit {
  /** The Variable whose gradient is now complete: a node's output, or a leaf. */
  readonly variable: Variable;
  /** Its node (null for a leaf). */
  readonly node: Node | null;
  /** The gradient of the objective with respect to `variable`. */
  readonly grad: Variable;
  /** What the node sent to each of its inputs (null where nothing was sent); empty for a leaf. */
  readonly inputGrads: readonly (Variable | null)[];
}

/**
 * A complete description of one backward pass, for {@link runBackward}.
 *
 * @example
 * ```ts
 * const x = variable([1, 2]);
 * const y = sum(square(x));
 * const pass: BackwardPass = {
 *   outputs: [y], headGrads: [constant(1)], targets: [x],
 *   createGraph: false, retainGraph: false, retainGrads: false, onVisit: null,
 * };
 * runBackward(pass);   // [dy/dx] = [[2, 4]]
 * ```
 */
export interface BackwardPass {
  /** Where back-propagation starts. */
  readonly outputs: readonly Variable[];
  /** One gradient per output, with the output's shape and dtype. */
  readonly headGrads: readonly Variable[];
  /**
   * Null: accumulate into the `.grad` of every leaf reached (what `backward` does). A list: return
   * the gradients with respect to these Variables instead, leaving every `.grad` alone, and skip
   * the parts of the graph that do not lead to them (what `grad` does).
   */
  readonly targets: readonly Variable[] | null;
  /** Record the pass so its results can be differentiated again. */
  readonly createGraph: boolean;
  /** Keep the nodes usable for another pass. */
  readonly retainGraph: boolean;
  /** Store each node's output gradient in `node.outputGrad`. */
  readonly retainGrads: boolean;
  /** Called once per Variable whose gradient is complete, in back-propagation order. */
  readonly onVisit: ((visit: BackwardVisit) => void) | null;
}

const NO_INPUT_GRADS: readonly (Variable | null)[] = Object.freeze([]);

/** One part's gradient on its way to the hidden whole of a multi-output op. @internal */
export interface PartGrad {
  /** The part's node (its attrs say which part it is). */
  readonly node: Node;
  /** The gradient with respect to the part, in the part's shape. */
  readonly grad: Variable;
}

/**
 * The op of the hidden "whole" behind a multi-output op (split, unstack): each part is a node whose
 * only input is the whole and whose rule sends the part's gradient as it is. The engine collects
 * those instead of summing k whole-sized gradients, and `collect` assembles the whole's gradient
 * in one op (a concat), so k parts cost O(size), not O(k · size), in the backward pass.
 * @internal
 */
export interface PartsOpDef<A = unknown> extends OpDef<A> {
  /** The whole's gradient from its parts' (a part missing from the list got no gradient). */
  collect(parts: readonly PartGrad[], node: Node<A>, whole: Variable): Variable;
}

function partsOpOf(v: Variable): PartsOpDef | null {
  const op = v.node?.op as Partial<PartsOpDef> | undefined;
  return op !== undefined && typeof op.collect === 'function' ? (op as PartsOpDef) : null;
}

/**
 * Lists the Variables that require grad and that `roots` depend on, every Variable after all of
 * its inputs (a post-order). Iterative, so a chain of any length neither overflows the stack nor
 * costs more than linear time. With `targets`, also returns the Variables from which some target
 * can be reached (the only ones worth back-propagating through).
 */
function sortGraph(roots: readonly Variable[], targets: ReadonlySet<Variable> | null): { order: Variable[]; reaching: Set<Variable> | null } {
  const order: Variable[] = [];
  const visited = new Set<Variable>();
  const reaching = targets === null ? null : new Set<Variable>();
  const stack: Variable[] = [];
  const nextInput: number[] = [];
  for (const root of roots) {
    if (!root.requiresGrad || visited.has(root)) continue;
    visited.add(root);
    stack.push(root);
    nextInput.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const v = stack[top]!;
      const node = v.node;
      const i = nextInput[top]!;
      if (node !== null && i < node.inputs.length) {
        nextInput[top] = i + 1;
        const u = node.inputs[i]!;
        if (u.requiresGrad && !visited.has(u)) {
          visited.add(u);
          stack.push(u);
          nextInput.push(0);
        }
        continue;
      }
      stack.pop();
      nextInput.pop();
      order.push(v);
      if (reaching !== null) {
        let reaches = targets!.has(v);
        if (!reaches && node !== null) {
          for (let j = 0; j < node.inputs.length; j++) {
            if (reaching.has(node.inputs[j]!)) {
              reaches = true;
              break;
            }
          }
        }
        if (reaches) reaching.add(v);
      }
    }
  }
  return { order, reaching };
}

// ---------------------------------------------------------------- the engine's own primitives
// The engine sums the gradients that meet at a Variable and casts each gradient to its input's
// dtype. Under createGraph both are recorded like any op, so second derivatives flow through them;
// they are primitives of the engine's own because the derivatives table imports this module, so
// the engine importing an op would close an import cycle.

/** The sum of two gradients of one Variable: they have its shape, so neither is summed back. */
const ACCUMULATE = defineOp<undefined>('add', 'd/da a + b = 1, d/db a + b = 1', (g) => [g, g]);

function sumOfGrads(a: Variable, b: Variable): Variable {
  return recordOp(ACCUMULATE, [a, b], T.add(a.value, b.value), undefined);
}

/** The cast primitive; the derivatives table lists it as its `cast` row. @internal */
export const CAST = defineOp<CastAttrs>('cast', "d/dx cast(x) = 1 (g is cast back to x's dtype)", (g, [x]) => [castVariable(g, x.dtype)]);

/**
 * `x` converted to `dtype`: itself when it has that dtype already, a constant for an int32 result
 * (no gradient), else a recorded cast. @internal
 */
export function castVariable(x: Variable, dtype: DType): Variable {
  const out = T.cast(x.value, dtype);
  if (out === x.value) return x;
  if (!T.isFloat(out.dtype) || !recording(x)) return constantOf(out);
  return recordOp(CAST, [x], out, { dtype: out.dtype });
}

// ---------------------------------------------------------------- the pass

function accumulate(grads: Map<Variable, Variable>, v: Variable, g: Variable): void {
  const existing = grads.get(v);
  grads.set(v, existing === undefined ? g : sumOfGrads(existing, g));
}

function detached(g: Variable): Variable {
  return g.requiresGrad ? g.detach() : g;
}

/** Whether back-propagation sends a gradient to `u`: it requires one and, with targets, leads to one. */
function needs(u: Variable, reaching: ReadonlySet<Variable> | null): boolean {
  return u.requiresGrad && (reaching === null || reaching.has(u));
}

function needsAny(inputs: readonly Variable[], reaching: ReadonlySet<Variable> | null): boolean {
  for (let i = 0; i < inputs.length; i++) if (needs(inputs[i]!, reaching)) return true;
  return false;
}

/** The node's rule applied once: one entry per input, checked so a user-defined rule's mistake is named. */
function ruleResult(node: Node, g: Variable, output: Variable): readonly InputGrad[] {
  const grads = node.op.vjp(g, node.inputs, output, node.attrs);
  if (!Array.isArray(grads) || grads.length !== node.inputs.length) {
    throw new Error(
      `autograd: the gradient rule of '${node.op.name}' must return an array of ${node.inputs.length} entries (one per input), ` +
        `got ${Array.isArray(grads) ? `${grads.length} entries` : typeof grads}`,
    );
  }
  return grads;
}

function releasedError(v: Variable, node: Node): Error {
  return new Error(
    `backward: the graph through '${node.op.name}' (Variable #${v.id}) was already freed by an earlier backward pass; ` +
      'pass { retainGraph: true } to that earlier backward to run backward through the same graph again',
  );
}

/**
 * The backward engine: visits the graph in reverse topological order, calls each node's gradient
 * rule once (when some input needs a gradient), takes from it the gradients of the inputs that
 * need one, and sums the contributions that meet at a Variable.
 * With `createGraph` false the whole pass runs with recording off, so it builds no graph.
 *
 * Low-level: {@link Variable.backward}, {@link gradients} and `grad` are built on it, and graph
 * inspection uses `onVisit` to watch a pass.
 * @param pass - the heads, their gradients and the options of the pass
 *
 * @returns the gradients with respect to `targets` (zeros for a target the outputs do not depend
 *   on), or null when accumulating into leaves
 *
 * @example
 * ```ts
 * runBackward({ outputs: [y], headGrads: [constant(onesLike(y.value))], targets: null,
 *   createGraph: false, retainGraph: false, retainGrads: true, onVisit: (v) => console.log(v.variable.id) });
 * ```
 */
export function runBackward(pass: BackwardPass): Variable[] | null {
  const { createGraph, retainGrads, onVisit } = pass;
  const previous = setGradEnabled(createGraph);
  try {
    // Without createGraph nothing the pass makes outlives it except the gradients it hands back
    // (leaf .grad values, or the returned ones), so the backend may reuse the memory of every
    // other tensor made meanwhile. Inspection (retainGrads, onVisit) exposes the intermediate
    // gradients, so it keeps everything.
    if (createGraph || retainGrads || onVisit !== null) return backwardPass(pass, null);
    const kept: T.Tensor[] = [];
    // The same promise lets a tidy dispose every tensor the pass made but hands on, now: on gpujs
    // those are textures that would otherwise wait for the garbage collector. Leaf gradients are
    // kept (adoptGrad); returned gradients leave the tidy as its result.
    return T.tidy(() =>
      T.withScratch(() => backwardPass(pass, kept), (result) => (result === null ? kept : result.map((g) => g.value))),
    );
  } finally {
    setGradEnabled(previous);
  }
}

/** The body of {@link runBackward}; with `kept`, lists each leaf gradient it assigns there. */
function backwardPass(pass: BackwardPass, kept: T.Tensor[] | null): Variable[] | null {
  const { outputs, headGrads, targets, createGraph, retainGraph, retainGrads, onVisit } = pass;
  const targetSet = targets === null ? null : new Set(targets);
  const { order, reaching } = sortGraph(outputs, targetSet);
  const grads = new Map<Variable, Variable>();
  const headValues = new Set(headGrads.map((h) => h.value).filter((t) => !defaultHeads.has(t)));
  const partGrads = new Map<Variable, PartGrad[]>();
  for (let i = 0; i < outputs.length; i++) {
    if (outputs[i]!.requiresGrad) accumulate(grads, outputs[i]!, headGrads[i]!);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    let g = grads.get(v);
    const parts = partGrads.get(v);
    if (parts !== undefined) {
      partGrads.delete(v);
      const whole = partsOpOf(v)!.collect(parts, v.node!, v);
      g = g === undefined ? whole : sumOfGrads(g, whole);
      grads.set(v, g);
    }
    if (g === undefined) continue;
    const node = v.node;
    if (node === null) {
      if (targetSet === null) {
        const previous = v.grad;
        v.grad = previous === null ? (createGraph ? g : detached(g)) : sumOfGrads(previous, g);
        if (kept !== null) {
          kept.push(v.grad.value);
          // A head gradient passed straight through to a leaf is the caller's tensor, not ours.
          if (!headValues.has(v.grad.value)) adoptGrad(v.grad);
          // Accumulation replaced the previous gradient with the sum: free it if backward made it.
          if (previous !== null) disposeOwnedGrad(previous);
        }
        if (onVisit !== null) onVisit({ variable: v, node: null, grad: g, inputGrads: NO_INPUT_GRADS });
      }
      continue;
    }
    if (reaching !== null && !reaching.has(v)) continue;
    if (node.released) throw releasedError(v, node);
    if (retainGrads) node.outputGrad = createGraph ? g : detached(g);
    const inputs = node.inputs;
    const sent: (Variable | null)[] | null = onVisit === null ? null : new Array<Variable | null>(inputs.length).fill(null);
    // An input assigned since the node was recorded fails the pass if the rule reads its value.
    const written = inputsWrittenSince(node);
    const inputGrads = !needsAny(inputs, reaching)
      ? NO_INPUT_GRADS
      : written ? checkingSavedInputs(node, () => ruleResult(node, g, v)) : ruleResult(node, g, v);
    for (let i = 0; i < inputGrads.length; i++) {
      const u = inputs[i]!;
      if (!needs(u, reaching)) continue;
      const entry = inputGrads[i]!;
      let gi = typeof entry !== 'function' ? entry : written ? checkingSavedInputs(node, entry) : entry();
      if (gi === null) continue;
      if (gi.dtype !== u.dtype) gi = castVariable(gi, u.dtype);
      if (partsOpOf(u) !== null) {
        const list = partGrads.get(u);
        if (list === undefined) partGrads.set(u, [{ node, grad: gi }]);
        else list.push({ node, grad: gi });
        if (sent !== null) sent[i] = gi;
        continue;
      }
      if (!T.shapesEqual(gi.shape, u.shape)) {
        throw new Error(
          `autograd: the gradient rule of '${node.op.name}' returned shape ${T.formatShape(gi.shape)} for input ${i}, ` +
            `which has shape ${T.formatShape(u.shape)} (a bug in that rule)`,
        );
      }
      accumulate(grads, u, gi);
      if (sent !== null) sent[i] = gi;
    }
    if (!retainGraph) {
      node.released = true;
      // The last op of a scope freed: the values the scope kept to itself are disposed now.
      if (v.scope !== null) noteReleased(v.scope, kept !== null);
      // Free the gradient as soon as it has been used, unless the caller asked for it.
      if (targetSet === null || !targetSet.has(v)) grads.delete(v);
    }
    if (onVisit !== null) onVisit({ variable: v, node, grad: g, inputGrads: sent! });
  }
  if (targets === null) return null;
  return targets.map((t) => {
    const g = grads.get(t);
    if (g === undefined) return constantOf(T.zeros(t.shape, t.dtype));
    return createGraph ? g : detached(g);
  });
}

/** The ones made as omitted head gradients: ours, so a leaf that receives one as its gradient owns it. */
const defaultHeads = new WeakSet<T.Tensor>();

/** Converts a head gradient to the output's shape and dtype; ones when omitted. @internal */
export function headGradFor(y: Variable, headGrad: VariableLike | null | undefined, argName: string): Variable {
  if (headGrad === undefined || headGrad === null) {
    const ones = T.onesLike(y.value);
    defaultHeads.add(ones);
    return constantOf(ones);
  }
  let h = toVariable(headGrad, argName, y.dtype);
  if (!T.shapesEqual(h.shape, y.shape)) {
    throw new RangeError(`${argName}: expected the output's shape ${T.formatShape(y.shape)}, got ${T.formatShape(h.shape)}`);
  }
  if (h.dtype !== y.dtype) h = castVariable(h, y.dtype);
  return h;
}

/** Validates backward options. @internal */
export function readBackwardOptions(options: BackwardOptions | undefined, caller: string): { createGraph: boolean; retainGraph: boolean; retainGrads: boolean } {
  const { createGraph, retainGraph, retainGrads } = T.parseOptions(caller, backwardOptionsSchema, options ?? {});
  return { createGraph, retainGraph: retainGraph ?? createGraph, retainGrads };
}

/** The body of {@link Variable.backward}. @internal */
export function backwardFrom(y: Variable, headGrad: VariableLike | undefined, options: BackwardOptions | undefined): void {
  const { createGraph, retainGraph, retainGrads } = readBackwardOptions(options, 'backward');
  if (!y.requiresGrad) {
    throw new Error(
      `backward: Variable #${y.id} does not require grad, so there is nothing to back-propagate ` +
        '(make the inputs with variable(..., { requiresGrad: true }) and compute it outside noGrad)',
    );
  }
  const pass = (): void => {
    const head = headGradFor(y, headGrad, 'backward: headGrad');
    runBackward({ outputs: [y], headGrads: [head], targets: null, createGraph, retainGraph, retainGrads, onVisit: null });
  };
  // The ones made as the head gradient, and a cast of the caller's, are temporaries: a tidy frees
  // them (leaf gradients are kept). With createGraph the gradients are graph values the caller
  // owns, and with retainGrads every node keeps its gradient for inspection.
  if (createGraph || retainGrads) pass();
  else T.tidy(pass);
}

/**
 * Zod schema of {@link GradientsOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * gradientsOptionsSchema.parse({ createGraph: true });   // { createGraph: true }
 * ```
 */
export const gradientsOptionsSchema = z.strictObject({
  /** One head gradient per output (ones where omitted). */
  headGrads: z.optional(z.readonly(z.array(z.custom<VariableLike | null | undefined>()))),
  /** Record the pass so the gradients can be differentiated again. Default false. */
  createGraph: z._default(z.boolean(), false),
  /** Keep the graph for another pass. Default: the value of `createGraph`. */
  retainGraph: z.optional(z.boolean()),
});

/**
 * Options of {@link gradients}: `headGrads`, `createGraph`, `retainGraph`.
 *
 * @example
 * ```ts
 * const [dx] = gradients(y, [x], { headGrads: [constant(2)], createGraph: true } satisfies GradientsOptions);
 * ```
 */
export type GradientsOptions = z.input<typeof gradientsOptionsSchema>;

/**
 * The gradients of `outputs` (weighted by their head gradients) with respect to `inputs`, without
 * touching any `.grad` (PyTorch's `torch.autograd.grad`). An input the outputs do not depend on
 * gets zeros.
 *
 * @param outputs - one Variable or several (their gradients add up)
 * @param inputs - Variables that require grad
 * @param options - `headGrads`, `createGraph`, `retainGraph`
 * @returns one gradient per input, each with the input's shape
 *
 * @example
 * ```ts
 * const x = variable([1, 2, 3]);
 * const [dx] = gradients(sum(square(x)), [x]);
 * dx.toArray();   // [2, 4, 6]
 * ```
 */
export function gradients(outputs: Variable | readonly Variable[], inputs: readonly Variable[], options: GradientsOptions = {}): Variable[] {
  const parsed = T.parseOptions('gradients', gradientsOptionsSchema, options);
  const outs = outputs instanceof Variable ? [outputs] : outputs;
  if (!Array.isArray(outs) || !outs.every((o) => o instanceof Variable)) throw new TypeError('gradients: outputs must be a Variable or an array of Variables');
  if (!Array.isArray(inputs) || !inputs.every((x) => x instanceof Variable)) throw new TypeError('gradients: inputs must be an array of Variables');
  inputs.forEach((x, i) => {
    if (!x.requiresGrad) throw new TypeError(`gradients: inputs[${i}] (Variable #${x.id}) does not require grad`);
  });
  const { createGraph } = parsed;
  const retainGraph = parsed.retainGraph ?? createGraph;
  const heads = parsed.headGrads;
  if (heads !== undefined && (!Array.isArray(heads) || heads.length !== outs.length)) {
    throw new RangeError(`gradients: options.headGrads must have one entry per output (${outs.length})`);
  }
  const headGrads = outs.map((y, i) => headGradFor(y, heads?.[i], `gradients: headGrads[${i}]`));
  return runBackward({ outputs: outs, headGrads, targets: inputs, createGraph, retainGraph, retainGrads: false, onVisit: null })!;
}
