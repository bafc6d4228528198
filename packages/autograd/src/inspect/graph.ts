import { freeze } from 'immer';
import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { Tensor, type DType } from '@lossgraph/tensor';
import { headGradFor, runBackward } from '../engine.js';
import { scopeFrames, scopePath, type ScopeFrame } from '../scope.js';
import { Variable } from '../variable.js';
import { describeValue, summarizeTensor, summaryOptionsSchema, type TensorSummary } from './summary.js';

/**
 * A JSON value: what op attributes become in a graph description.
 *
 * @example
 * ```ts
 * const json: JsonValue = JSON.parse(toJSON(graphOf(y)));
 * ```
 */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * What a graph vertex stands for.
 *
 * @example
 * ```ts
 * const kinds: GraphNodeKind[] = graphOf(mul(variable([1]), 2)).nodes.map((n) => n.kind);   // ['leaf', 'constant', 'op']
 * ```
 */
export type GraphNodeKind = 'op' | 'leaf' | 'constant';

/**
 * One vertex of a {@link GraphDescription}: a Variable, that is a recorded op together with its
 * output, a leaf (parameter or input that requires grad) or a constant.
 *
 * @example
 * ```ts
 * const [leaf]: readonly GraphNode[] = graphOf(mul(variable([1, 2], { name: 'x' }), 2)).nodes;
 * leaf!.kind;   // 'leaf'
 * ```
 */
export interface GraphNode {
  /** The Variable's id (unique and increasing in creation order, so sorting by id is a topological order). */
  readonly id: number;
  /** Op output, leaf or constant. */
  readonly kind: GraphNodeKind;
  /** The op's name for an op node, null otherwise. */
  readonly op: string | null;
  /** The op's derivative as text (its {@link OpDef.formula}, e.g. `'d/dx exp(x) = exp(x)'`) for an op node, null otherwise. */
  readonly formula: string | null;
  /** The user's name ({@link variable}'s `name` or `setName`), null when unnamed. */
  readonly name: string | null;
  /** A short display label: the name if any, else the op name, `leaf` or `const`, then `#id`. */
  readonly label: string;
  /**
   * The id of the innermost scope the node belongs to, null outside every scope: the scope active
   * when the Variable was made, except for a parameter (`variable(..., { parameter: true })`, as
   * nn's layers make them), which belongs to the innermost scope around every op using it: its layer.
   */
  readonly scope: number | null;
  /** The names of the scopes from the outermost to {@link GraphNode.scope}. */
  readonly scopePath: readonly string[];
  /** The value's shape. */
  readonly shape: readonly number[];
  /** The value's dtype. */
  readonly dtype: DType;
  /** Whether gradients flow to this Variable. */
  readonly requiresGrad: boolean;
  /** True for the Variables `graphOf` was called on. */
  readonly isOutput: boolean;
  /** True when a backward pass without `retainGraph` has freed this op for further backward passes. */
  readonly released: boolean;
  /** The op's attributes (axes, shapes...) as JSON; tensors appear as `"Tensor[2, 3] int32"`. Null for leaves and constants. */
  readonly attrs: JsonValue;
  /**
   * Summary of the forward value, or null when `graphOf` was asked for no values or the value was
   * disposed (a value internal to a scope, after a backward pass that freed the graph).
   */
  readonly value: TensorSummary | null;
  /**
   * Summary of the gradient of the objective with respect to this Variable when one is known:
   * a leaf's `.grad`, an op's `node.outputGrad` (kept by `backward(..., { retainGrads: true })`),
   * or the gradient `graphOf` computed with `{ gradients: 'compute' }`. Null otherwise.
   */
  readonly grad: TensorSummary | null;
}

/**
 * One data dependency: Variable `from` is input number `inputIndex` of the op that made `to`.
 *
 * @example
 * ```ts
 * const { edges } = graphOf(sub(variable([1]), variable([2])));
 * edges.map((e: GraphEdge) => e.inputIndex);   // [0, 1]
 * ```
 */
export interface GraphEdge {
  /** Id of the operand. */
  readonly from: number;
  /** Id of the op node that consumed it. */
  readonly to: number;
  /** Position of the operand among the op's inputs (matters for sub, div, matmul...). */
  readonly inputIndex: number;
}

/**
 * One activation of {@link scope}: a composite node that a renderer may draw as a box around its
 * ops, or fold into a single node. Two calls of the same loss are two scopes with the same name.
 *
 * @example
 * ```ts
 * const g = graphOf(scope('double', () => mul(variable([1]), 2)));
 * g.scopes.map((s: GraphScope) => s.name);   // ['double']
 * ```
 */
export interface GraphScope {
  /** The scope frame's id. */
  readonly id: number;
  /** The name given to `scope`. */
  readonly name: string;
  /** The names from the outermost scope to this one. */
  readonly path: readonly string[];
  /** The enclosing scope's id, null for an outermost scope. */
  readonly parent: number | null;
  /** Ids of the scopes directly inside this one, in creation order. */
  readonly children: readonly number[];
  /** Ids of the nodes made directly in this scope (not in a nested one), in creation order. */
  readonly nodes: readonly number[];
  /** Ids of the nodes outside this scope that feed nodes inside it: the composite node's inputs. */
  readonly inputs: readonly number[];
  /** Ids of the nodes inside this scope (nested ones included) that are used outside it or are outputs of the graph. */
  readonly outputs: readonly number[];
}

/**
 * A frozen, plain description of a computation graph, as {@link graphOf} returns it. It holds no
 * reference to Variables or tensors, so it can be kept, compared, serialised with {@link toJSON}
 * and rendered with {@link toDot} or {@link toMermaid}.
 *
 * @example
 * ```ts
 * const g: GraphDescription = graphOf(sum(square(variable([1, 2], { name: 'x' }))));
 * g.nodes.map((n) => n.label);   // ['x #1', 'square #2', 'sum #3'] (the ids vary)
 * toMermaid(g);
 * ```
 */
export interface GraphDescription {
  /** Every Variable the outputs depend on, in creation (hence topological) order. */
  readonly nodes: readonly GraphNode[];
  /** Every input-to-op dependency, grouped by consuming op in creation order. */
  readonly edges: readonly GraphEdge[];
  /** Every scope that contains a node, with its ancestors, in creation order. */
  readonly scopes: readonly GraphScope[];
  /** Ids of the outermost scopes. */
  readonly rootScopes: readonly number[];
  /** Ids of the nodes made outside every scope. */
  readonly rootNodes: readonly number[];
  /** Ids of the Variables `graphOf` was called on. */
  readonly outputs: readonly number[];
}

/**
 * Zod schema of {@link GraphOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * graphOptionsSchema.parse({ gradients: 'compute' });   // { headLength: 6, maxValues: 16, values: true, gradients: 'compute' }
 * ```
 */
export const graphOptionsSchema = z.extend(summaryOptionsSchema, {
  /** Include value summaries. Default true; false skips reading the values back (useful on a GPU). */
  values: z._default(z.boolean(), true),
  /**
   * Which gradients to show: `'known'` (default) shows the gradients already stored on the graph
   * (leaves' `.grad`, ops' `outputGrad`); `'compute'` runs a separate backward pass from the
   * outputs (with ones as head gradients) that leaves every `.grad` and the graph itself
   * untouched; `'none'` shows none.
   */
  gradients: z._default(z.enum(['known', 'compute', 'none']), 'known'),
});

/**
 * Options of {@link graphOf}: `values`, `gradients`, and the summary options `headLength`, `maxValues`.
 *
 * @example
 * ```ts
 * graphOf(y, { values: false, gradients: 'compute' } satisfies GraphOptions);
 * ```
 */
export type GraphOptions = z.input<typeof graphOptionsSchema>;

/** Every Variable that `outputs` depend on, constants included, sorted by id. @internal */
export function collectVariables(outputs: readonly Variable[]): Variable[] {
  const seen = new Set<Variable>();
  const stack: Variable[] = [];
  for (const y of outputs) {
    if (!seen.has(y)) {
      seen.add(y);
      stack.push(y);
    }
  }
  // Iterative, so a long chain (an RNN unrolled, a training loop's graph) cannot overflow the stack.
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v.node === null) continue;
    for (const u of v.node.inputs) {
      if (!seen.has(u)) {
        seen.add(u);
        stack.push(u);
      }
    }
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

/** Validates the argument that names the graph's outputs. @internal */
export function readOutputs(y: Variable | readonly Variable[], caller: string): Variable[] {
  if (y instanceof Variable) return [y];
  if (!Array.isArray(y) || y.length === 0) throw new TypeError(`${caller}: y must be a Variable or a non-empty array of Variables, got ${describeValue(y)}`);
  y.forEach((v: unknown, i) => {
    if (!(v instanceof Variable)) throw new TypeError(`${caller}: y[${i}] must be a Variable, got ${describeValue(v)}`);
  });
  return [...y];
}

/** Throws a clear error when part of the graph was freed by a backward pass without retainGraph. @internal */
export function assertNotReleased(variables: readonly Variable[], caller: string): void {
  for (const v of variables) {
    if (v.node !== null && v.node.released) {
      throw new Error(
        `${caller}: the graph through '${v.node.op.name}' (Variable #${v.id}) was freed by an earlier backward pass; ` +
          'pass { retainGraph: true } to that backward, or call this before it',
      );
    }
  }
}

/** A display label for a Variable. @internal */
export function labelOf(v: Variable): string {
  const base = v.name ?? (v.node !== null ? v.node.op.name : v.requiresGrad ? 'leaf' : 'const');
  return `${base} #${v.id}`;
}

function kindOf(v: Variable): GraphNodeKind {
  return v.node !== null ? 'op' : v.requiresGrad ? 'leaf' : 'constant';
}

const MAX_ATTR_DEPTH = 6;

/** Op attributes as JSON: they may hold tensors (pick's indices) that a description must not keep. */
function attrsToJson(value: unknown, depth = 0): JsonValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Tensor) return `Tensor[${value.shape.join(', ')}] ${value.dtype}`;
  if (value instanceof Variable) return `Variable #${value.id}`;
  if (depth >= MAX_ATTR_DEPTH) return '...';
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Array.from(value as ArrayLike<unknown>, (item) => attrsToJson(item, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = attrsToJson(item, depth + 1);
    return out;
  }
  return String(value);
}

/** The gradient of every Variable the outputs depend on, from a pass that changes nothing. */
function computeGradients(outputs: readonly Variable[], variables: readonly Variable[]): Map<Variable, Tensor> {
  const differentiable = outputs.filter((y) => y.requiresGrad);
  const result = new Map<Variable, Tensor>();
  if (differentiable.length === 0) return result;
  const targets = variables.filter((v) => v.requiresGrad);
  const grads = runBackward({
    outputs: differentiable,
    headGrads: differentiable.map((y) => headGradFor(y, undefined, 'graphOf')),
    targets,
    createGraph: false,
    retainGraph: true,
    retainGrads: false,
    onVisit: null,
  })!;
  targets.forEach((v, i) => result.set(v, grads[i]!.value));
  return result;
}

/**
 * Describes the computation graph behind `y`: one node per Variable it depends on (ops, leaves
 * and constants) with its op, name, scope path, shape, dtype, a value summary and, when known, a
 * gradient summary; the edges from operands to ops; and the tree of {@link scope}s, so that a
 * renderer can draw each scope (each loss, each layer) as one composite node that expands into
 * its ops. The result is deeply frozen and holds no reference to the graph: the graph is only
 * read, never changed.
 *
 * @param y - the output Variable, or several (their graphs are merged)
 * @param options - `values` (default true), `gradients` (`'known'` by default, `'compute'` or
 *   `'none'`), and `headLength`/`maxValues` for the summaries
 * @returns the frozen description
 * @throws TypeError for a bad `y` or bad options; Error for `gradients: 'compute'` on a graph
 *   already freed by a backward pass
 *
 * @example
 * ```ts
 * const x = variable([1, 2], { name: 'x' });
 * const l = scope('L2Loss', () => mean(square(x)));
 * const g = graphOf(l, { gradients: 'compute' });
 * g.nodes.map((n) => n.label);   // ['x #1', 'square #2', 'mean #3']
 * g.scopes[0]!.name;             // 'L2Loss'
 * console.log(toDot(g));
 * ```
 */
export function graphOf(y: Variable | readonly Variable[], options: GraphOptions = {}): GraphDescription {
  const outputs = readOutputs(y, 'graphOf');
  const { headLength, maxValues, values: withValues, gradients: gradientMode } = T.parseOptions('graphOf', graphOptionsSchema, options);

  const variables = collectVariables(outputs);
  let computed: Map<Variable, Tensor> | null = null;
  if (gradientMode === 'compute') {
    assertNotReleased(variables, 'graphOf');
    computed = computeGradients(outputs, variables);
  }
  const outputSet = new Set(outputs);
  const gradientOf = (v: Variable): Tensor | null => {
    if (gradientMode === 'none') return null;
    if (computed !== null) return computed.get(v) ?? null;
    if (v.node !== null) return v.node.outputGrad?.value ?? null;
    return v.grad?.value ?? null;
  };

  const frameOf = placeVariables(variables);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const v of variables) {
    const g = gradientOf(v);
    const frame = frameOf.get(v)!;
    nodes.push({
      id: v.id,
      kind: kindOf(v),
      op: v.node?.op.name ?? null,
      formula: v.node?.op.formula ?? null,
      name: v.name ?? null,
      label: labelOf(v),
      scope: frame?.id ?? null,
      scopePath: scopePath(frame),
      shape: [...v.shape],
      dtype: v.dtype,
      requiresGrad: v.requiresGrad,
      isOutput: outputSet.has(v),
      released: v.node?.released ?? false,
      attrs: v.node === null ? null : attrsToJson(v.node.attrs),
      // A value internal to a scope is gone once backward has freed the graph (the scope's memory).
      value: withValues && !v.isDisposed ? summarizeTensor(v.value, headLength, maxValues) : null,
      grad: g === null ? null : summarizeTensor(g, headLength, maxValues),
    });
    v.node?.inputs.forEach((u, inputIndex) => edges.push({ from: u.id, to: v.id, inputIndex }));
  }

  const { scopes, rootScopes, rootNodes } = scopeTree(variables, frameOf, edges, outputs);
  return freeze({ nodes, edges, scopes, rootScopes, rootNodes, outputs: outputs.map((o) => o.id) }, true);
}

/**
 * The scope each Variable is drawn in: the one it was made in, except for a parameter used by
 * some op of the graph, which goes to the innermost scope around all of its uses. A parameter is
 * made once (at `initialize` or inside the first forward pass, in whatever scope is active then)
 * and read by every forward pass; the scope of its uses is its layer's, and for a parameter that
 * several layers share, the one that encloses them all.
 */
function placeVariables(variables: readonly Variable[]): Map<Variable, ScopeFrame | null> {
  const usesOf = new Map<Variable, ScopeFrame[][]>();
  for (const v of variables) {
    if (v.node === null) continue;
    for (const u of v.node.inputs) {
      if (!u.isParameter) continue;
      let uses = usesOf.get(u);
      if (uses === undefined) usesOf.set(u, (uses = []));
      uses.push(scopeFrames(v.scope));
    }
  }
  const placed = new Map<Variable, ScopeFrame | null>();
  for (const v of variables) {
    const uses = usesOf.get(v);
    if (uses === undefined) {
      placed.set(v, v.scope);
      continue;
    }
    // The longest common prefix of the uses' frame chains: frames are compared by identity, so two
    // calls of one layer (two frames of the same name) meet in the scope that encloses both.
    let common = uses[0]!.length;
    for (const chain of uses) {
      let i = 0;
      while (i < common && i < chain.length && chain[i] === uses[0]![i]) i++;
      common = i;
    }
    placed.set(v, common === 0 ? null : uses[0]![common - 1]!);
  }
  return placed;
}

interface MutableScope {
  id: number;
  name: string;
  path: string[];
  parent: number | null;
  children: number[];
  nodes: number[];
  inputs: number[];
  outputs: number[];
}

/** Builds the scope tree and each scope's boundary (the composite node's inputs and outputs). */
function scopeTree(
  variables: readonly Variable[],
  placed: ReadonlyMap<Variable, ScopeFrame | null>,
  edges: readonly GraphEdge[],
  outputs: readonly Variable[],
): { scopes: MutableScope[]; rootScopes: number[]; rootNodes: number[] } {
  const byId = new Map<number, MutableScope>();
  const frameOf = new Map<number, ScopeFrame | null>();
  const rootNodes: number[] = [];
  for (const v of variables) {
    const own = placed.get(v) ?? null;
    frameOf.set(v.id, own);
    if (own === null) {
      rootNodes.push(v.id);
      continue;
    }
    for (const frame of scopeFrames(own)) {
      if (!byId.has(frame.id)) {
        byId.set(frame.id, {
          id: frame.id, name: frame.name, path: scopeFrames(frame).map((f) => f.name), parent: frame.parent?.id ?? null,
          children: [], nodes: [], inputs: [], outputs: [],
        });
      }
    }
    byId.get(own.id)!.nodes.push(v.id);
  }
  const scopes = [...byId.values()].sort((a, b) => a.id - b.id);
  const rootScopes: number[] = [];
  for (const s of scopes) {
    if (s.parent === null) rootScopes.push(s.id);
    else byId.get(s.parent)!.children.push(s.id);
  }

  // A node is inside scope s when s is its frame or one of the frame's ancestors.
  const enclosing = (id: number): Set<number> => new Set(scopeFrames(frameOf.get(id) ?? null).map((f) => f.id));
  const enclosingCache = new Map<number, Set<number>>();
  const scopesOf = (id: number): Set<number> => {
    let set = enclosingCache.get(id);
    if (set === undefined) {
      set = enclosing(id);
      enclosingCache.set(id, set);
    }
    return set;
  };
  // Sets while collecting, so a scope with many boundary nodes stays linear.
  const inputSets = new Map(scopes.map((s) => [s.id, new Set<number>()]));
  const outputSets = new Map(scopes.map((s) => [s.id, new Set<number>()]));
  for (const e of edges) {
    const fromScopes = scopesOf(e.from);
    const toScopes = scopesOf(e.to);
    for (const s of toScopes) if (!fromScopes.has(s)) inputSets.get(s)!.add(e.from);
    for (const s of fromScopes) if (!toScopes.has(s)) outputSets.get(s)!.add(e.from);
  }
  for (const y of outputs) for (const s of scopesOf(y.id)) outputSets.get(s)!.add(y.id);
  for (const s of scopes) {
    s.inputs = [...inputSets.get(s.id)!].sort((a, b) => a - b);
    s.outputs = [...outputSets.get(s.id)!].sort((a, b) => a - b);
  }
  return { scopes, rootScopes, rootNodes };
}
