import { freeze, produce } from 'immer';
import * as T from '@lossgraph/tensor';
import type { Tensor } from '@lossgraph/tensor';
import { headGradFor, runBackward, type BackwardVisit } from '../engine.js';
import { Variable, type VariableLike } from '../variable.js';
import { assertNotReleased, collectVariables, labelOf } from './graph.js';
import { formatShape, formatSummary } from './render.js';
import { describeValue, readSummaryOptions, summarizeTensor, type SummaryOptions, type TensorSummary } from './summary.js';

/**
 * What one node of a backward pass sent to one of its inputs.
 *
 * @example
 * ```ts
 * const step = backwardTrace(sum(mul(variable([1, 2]), 3))).steps[1]!;
 * step.contributions.map((c: TraceContribution) => c.inputLabel);
 * ```
 */
export interface TraceContribution {
  /** Position of the input among the op's operands. */
  readonly inputIndex: number;
  /** The input Variable's id. */
  readonly inputId: number;
  /** The input's display label (name or op, then `#id`). */
  readonly inputLabel: string;
  /** The gradient sent to that input (its vector-Jacobian product), or null when none was sent (a constant). */
  readonly grad: TensorSummary | null;
  /**
   * The input's accumulated gradient right after this contribution was added; null when none was
   * sent, and for a part's gradient sent to the hidden whole of a split or unstack, which joins
   * its parts' gradients when it is reached (its step's upstream).
   */
  readonly total: TensorSummary | null;
}

/**
 * One immutable snapshot of a backward pass: the visit of one op node.
 *
 * @example
 * ```ts
 * const [first]: readonly BackwardStep[] = backwardTrace(sum(exp(variable([0, 1])))).steps;
 * first!.upstream.values;   // 1: the head gradient of the sum
 * ```
 */
export interface BackwardStep {
  /** Position in back-propagation order, from 0. */
  readonly index: number;
  /** The id of the node's output Variable. */
  readonly nodeId: number;
  /** The op's name. */
  readonly op: string;
  /** The output Variable's name, null when unnamed. */
  readonly name: string | null;
  /** The display label (name or op, then `#id`). */
  readonly label: string;
  /** The scope names the op was recorded in, outermost first. */
  readonly scopePath: readonly string[];
  /** The shape of the node's output. */
  readonly shape: readonly number[];
  /** The upstream gradient: the complete gradient of the objective with respect to the node's output. */
  readonly upstream: TensorSummary;
  /** What the node added to each of its inputs, in operand order. */
  readonly contributions: readonly TraceContribution[];
  /**
   * The gradients accumulated so far, by Variable id (as a string key): every Variable that has
   * received something, including partial sums for those still waiting for other consumers.
   * A read-only view: snapshots share their entries (a persistent trie updated with immer, so a
   * step copies only the few trie nodes it touches), which keeps a trace linear in the graph's
   * size. Index it, `Object.keys`/`Object.entries` it or serialise it like a plain object; writes
   * throw a TypeError, and `Object.isFrozen` says false because it is a Proxy.
   */
  readonly accumulated: { readonly [variableId: string]: TensorSummary };
}

/**
 * A whole backward pass as {@link backwardTrace} returns it: deeply frozen, with no reference to
 * Variables or tensors.
 *
 * @example
 * ```ts
 * const trace: BackwardTrace = backwardTrace(sum(square(variable([1, 2], { name: 'x' }))));
 * trace.steps.map((s) => s.op);   // ['sum', 'square']
 * console.log(formatTrace(trace));
 * ```
 */
export interface BackwardTrace {
  /** The id of the Variable back-propagated from. */
  readonly outputId: number;
  /** Its display label. */
  readonly outputLabel: string;
  /** The head gradient the pass started from (ones when none was given). */
  readonly headGrad: TensorSummary;
  /** One snapshot per op node, in back-propagation order. */
  readonly steps: readonly BackwardStep[];
  /** The final gradient of every Variable that requires grad, leaves included, by id. */
  readonly gradients: { readonly [variableId: string]: TensorSummary };
  /** The display label of every Variable that appears in the trace, by id. */
  readonly labels: { readonly [variableId: string]: string };
}

/**
 * Runs a backward pass from `y` and records it as a list of immutable snapshots (made with
 * immer), one per op node in the order back-propagation visits them: the node's upstream
 * gradient, what it sent to each input, and all gradients accumulated so far. This is what a
 * teacher steps through.
 *
 * The user's graph is left as it was: the pass keeps the graph (`retainGraph`), stores nothing
 * on the nodes, and returns the gradients instead of accumulating them, so every leaf's `.grad`
 * is unchanged and `y.backward()` still works afterwards.
 *
 * Cost: linear in the number of nodes. Each snapshot's record of the gradients accumulated so far
 * shares every entry it did not change with the previous one (see {@link BackwardStep.accumulated}),
 * so a step costs its own summaries plus a few small trie nodes, not a copy of the record.
 *
 * @param y - the Variable to back-propagate from; it must require grad
 * @param headGrad - the gradient with respect to `y` (its shape); ones when omitted, as in `backward`
 * @param options - `headLength` and `maxValues` for the summaries (tensors of at most
 *   `maxValues` elements, 16 by default, keep all their values)
 * @returns the frozen trace
 * @throws TypeError when `y` is not a Variable or does not require grad; RangeError for a head
 *   gradient of the wrong shape; Error when the graph was freed by an earlier backward
 *
 * @example
 * ```ts
 * const x = variable([0, 1], { name: 'x' });
 * const w = variable([2, 3], { name: 'w' });
 * const trace = backwardTrace(sum(mul(exp(x), w)));
 * trace.steps.map((s) => s.op);        // ['sum', 'mul', 'exp']
 * trace.steps[2]!.upstream.values;     // [2, 3]  (w, the gradient reaching exp)
 * console.log(formatTrace(trace));
 * ```
 */
export function backwardTrace(y: Variable, headGrad?: VariableLike, options?: SummaryOptions): BackwardTrace {
  if (!(y instanceof Variable)) throw new TypeError(`backwardTrace: y must be a Variable, got ${describeValue(y)}`);
  if (!y.requiresGrad) throw new TypeError(`backwardTrace: y (Variable #${y.id}) does not require grad, so there is no backward pass to trace`);
  const { headLength, maxValues } = readSummaryOptions(options, 'backwardTrace');
  const head = headGradFor(y, headGrad, 'backwardTrace: headGrad');
  const variables = collectVariables([y]);
  assertNotReleased(variables, 'backwardTrace');
  const summary = (t: Tensor): TensorSummary => freeze(summarizeTensor(t, headLength, maxValues), true);

  const labels: Record<string, string> = {};
  for (const v of variables) if (v.requiresGrad) labels[v.id] = labelOf(v);

  // Running sums, kept outside the immutable state because they are tensors.
  const sums = new Map<number, Tensor>([[y.id, head.value]]);
  const record = new GradientRecord(variables.map((v) => v.id));
  let accumulated = record.with(EMPTY_TRIE, [[y.id, summary(head.value)]]);
  const steps: BackwardStep[] = [];
  // The hidden wholes of split/unstack: they receive their parts' gradients in the parts' shapes
  // and get their own gradient, the parts' joined, when the engine reaches them.
  const wholes = new Set<number>();
  const onVisit = (visit: BackwardVisit): void => {
    const { variable: v, node, grad, inputGrads } = visit;
    if (node === null) return;
    // Sum in operand order, so an input used twice (x * x) shows its running total after each part.
    const contributions: TraceContribution[] = [];
    const touched = new Map<number, TensorSummary>();
    if (wholes.has(v.id)) {
      sums.set(v.id, grad.value);
      touched.set(v.id, summary(grad.value));
    }
    node.inputs.forEach((u, i) => {
      const sent = inputGrads[i] ?? null;
      if (sent === null) {
        contributions.push({ inputIndex: i, inputId: u.id, inputLabel: labelOf(u), grad: null, total: null });
        return;
      }
      if (!T.shapesEqual(sent.shape, u.shape)) {
        wholes.add(u.id);
        contributions.push({ inputIndex: i, inputId: u.id, inputLabel: labelOf(u), grad: summary(sent.value), total: null });
        return;
      }
      const previous = sums.get(u.id);
      const total = previous === undefined ? sent.value : T.add(previous, sent.value);
      sums.set(u.id, total);
      const totalSummary = summary(total);
      touched.set(u.id, totalSummary);
      contributions.push({ inputIndex: i, inputId: u.id, inputLabel: labelOf(u), grad: summary(sent.value), total: totalSummary });
    });
    accumulated = record.with(accumulated, touched);
    steps.push(Object.freeze({
      index: steps.length,
      nodeId: v.id,
      op: node.op.name,
      name: v.name ?? null,
      label: labelOf(v),
      scopePath: freeze(v.scopePath),
      shape: freeze([...v.shape]),
      upstream: summary(grad.value),
      contributions: freeze(contributions, true),
      accumulated: record.view(accumulated),
    }));
  };

  // Returning gradients for every Variable (targets) instead of accumulating into leaves, with the
  // graph retained and nothing stored on nodes, is what keeps the user's graph and `.grad` intact.
  runBackward({
    outputs: [y],
    headGrads: [head],
    targets: variables.filter((v) => v.requiresGrad),
    createGraph: false,
    retainGraph: true,
    retainGrads: false,
    onVisit,
  });

  return Object.freeze({
    outputId: y.id,
    outputLabel: labelOf(y),
    headGrad: summary(head.value),
    steps: Object.freeze(steps),
    gradients: steps.length > 0 ? steps[steps.length - 1]!.accumulated : record.view(accumulated),
    labels: Object.freeze(labels),
  });
}

// ---------------------------------------------------------------- the shared record of gradients

/**
 * A node of the persistent trie behind {@link BackwardStep.accumulated}: TRIE_WIDTH slots, each a
 * child node or (at the bottom level) a summary. immer copies the nodes on the path to a changed
 * entry and shares the rest, so one update costs O(TRIE_WIDTH · depth), not O(entries).
 */
type TrieNode = readonly unknown[];

/** Slots per trie node: 32 keeps a 200k-Variable graph four levels deep. */
const TRIE_WIDTH = 32;
const EMPTY_TRIE: TrieNode = freeze([]);

/**
 * The entries of one trace's records: the Variable ids it may hold (in increasing order, so a
 * record lists its keys as a plain object would), their position as a trie index, and the depth.
 */
class GradientRecord {
  private readonly ids: readonly number[];
  private readonly indexOf = new Map<number, number>();
  private readonly depth: number;

  constructor(ids: readonly number[]) {
    this.ids = [...ids].sort((a, b) => a - b);
    this.ids.forEach((id, i) => this.indexOf.set(id, i));
    let depth = 1;
    for (let capacity = TRIE_WIDTH; capacity < this.ids.length; capacity *= TRIE_WIDTH) depth++;
    this.depth = depth;
  }

  /** `root` with the given entries set, sharing every trie node they do not pass through. */
  with(root: TrieNode, entries: Iterable<readonly [number, TensorSummary]>): TrieNode {
    return produce(root, (draft: unknown[]) => {
      for (const [id, value] of entries) {
        let node = draft;
        const index = this.indexOf.get(id)!;
        for (let level = this.depth - 1; level > 0; level--) {
          const slot = Math.floor(index / TRIE_WIDTH ** level) % TRIE_WIDTH;
          node[slot] ??= [];
          node = node[slot] as unknown[];
        }
        node[index % TRIE_WIDTH] = value;
      }
    });
  }

  /** The entry of the Variable with id `key` (a property name) in `root`, if any. */
  private lookup(root: TrieNode, key: string | symbol): TensorSummary | undefined {
    if (typeof key !== 'string') return undefined;
    const index = this.indexOf.get(Number(key));
    if (index === undefined || String(this.ids[index]) !== key) return undefined;
    let node: unknown = root;
    for (let level = this.depth - 1; level >= 0 && node !== undefined; level--) {
      node = (node as TrieNode)[Math.floor(index / TRIE_WIDTH ** level) % TRIE_WIDTH];
    }
    return node as TensorSummary | undefined;
  }

  /** The ids with an entry in `root`, in increasing order, as property names. */
  private keys(root: TrieNode): string[] {
    const out: string[] = [];
    const walk = (node: TrieNode, level: number, base: number): void => {
      for (let slot = 0; slot < node.length; slot++) {
        const child = node[slot];
        if (child === undefined) continue;
        const index = base * TRIE_WIDTH + slot;
        if (level === 0) out.push(String(this.ids[index]));
        else walk(child as TrieNode, level - 1, index);
      }
    };
    walk(root, this.depth - 1, 0);
    return out;
  }

  /** `root` as a read-only record keyed by Variable id: what {@link BackwardStep.accumulated} is. */
  view(root: TrieNode): BackwardStep['accumulated'] {
    const refuse = (): boolean => false;
    return new Proxy(Object.create(null) as Record<string, TensorSummary>, {
      get: (_target, key) => this.lookup(root, key),
      has: (_target, key) => this.lookup(root, key) !== undefined,
      ownKeys: () => this.keys(root),
      getOwnPropertyDescriptor: (_target, key) => {
        const value = this.lookup(root, key);
        return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true };
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
      setPrototypeOf: refuse,
      preventExtensions: refuse,
    });
  }
}

/**
 * Renders a backward trace as plain text, one block per step: the node, its upstream gradient,
 * and what it sent to each input (with the input's running total where it has now received
 * gradient from more than one consumer), then the final gradients. Small tensors are printed
 * in full, larger ones as min/max/mean.
 *
 * @param trace - from {@link backwardTrace}
 * @returns the text, ending with a newline
 * @throws TypeError when `trace` is not a backward trace
 *
 * @example
 * ```ts
 * console.log(formatTrace(backwardTrace(loss)));
 * // backward pass from sum #5, head gradient 1
 * // step 1/3  sum #5  shape []
 * //   upstream  1
 * //   -> [0] mul #4  +[1, 1]
 * // ...
 * ```
 */
export function formatTrace(trace: BackwardTrace): string {
  if (trace === null || typeof trace !== 'object' || !Array.isArray(trace.steps) || typeof trace.labels !== 'object') {
    throw new TypeError(`formatTrace: trace must be made by backwardTrace, got ${describeValue(trace)}`);
  }
  const lines = [`backward pass from ${trace.outputLabel}, head gradient ${formatSummary(trace.headGrad)}`];
  const n = trace.steps.length;
  const received = new Map<number, number>();
  for (const step of trace.steps) {
    const where = step.scopePath.length > 0 ? `  in ${step.scopePath.join('/')}` : '';
    lines.push(`step ${step.index + 1}/${n}  ${step.label}  shape ${formatShape(step.shape)}${where}`);
    lines.push(`  upstream  ${formatSummary(step.upstream)}`);
    for (const c of step.contributions) {
      if (c.grad === null) {
        lines.push(`  -> [${c.inputIndex}] ${c.inputLabel}  (no gradient: constant)`);
        continue;
      }
      const count = (received.get(c.inputId) ?? 0) + 1;
      received.set(c.inputId, count);
      const suffix = count > 1 && c.total !== null ? `  (total so far ${formatSummary(c.total)})` : '';
      lines.push(`  -> [${c.inputIndex}] ${c.inputLabel}  +${formatSummary(c.grad)}${suffix}`);
    }
  }
  lines.push('gradients:');
  const ids = Object.keys(trace.gradients).map(Number).sort((a, b) => a - b);
  for (const id of ids) lines.push(`  ${trace.labels[id] ?? `#${id}`}  ${formatSummary(trace.gradients[id]!)}`);
  return `${lines.join('\n')}\n`;
}
