import { castDraft, freeze, produce } from 'immer';
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
   * Entries a step does not touch are shared with the previous snapshot (immer structural sharing).
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
 * Cost: every snapshot holds the whole record of gradients accumulated so far, so the time grows
 * with the square of the number of nodes: a few milliseconds for a loss of tens of nodes, about
 * a tenth of a second for 500, seconds for several thousand. Trace the part of a model you are
 * studying rather than a whole training step.
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
  const summary = (t: Tensor): TensorSummary => summarizeTensor(t, headLength, maxValues);

  const labels: Record<string, string> = {};
  for (const v of variables) if (v.requiresGrad) labels[v.id] = labelOf(v);

  // Running sums, kept outside the immutable state because they are tensors.
  const sums = new Map<number, Tensor>([[y.id, head.value]]);
  let accumulated: BackwardStep['accumulated'] = freeze({ [y.id]: summary(head.value) }, true);
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
    accumulated = produce(accumulated, (draft) => {
      for (const [id, total] of touched) draft[id] = castDraft(total);
    });
    steps.push(freeze({
      index: steps.length,
      nodeId: v.id,
      op: node.op.name,
      name: v.name ?? null,
      label: labelOf(v),
      scopePath: v.scopePath,
      shape: [...v.shape],
      upstream: summary(grad.value),
      contributions,
      accumulated,
    }, true));
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

  return freeze({
    outputId: y.id,
    outputLabel: labelOf(y),
    headGrad: summary(head.value),
    steps,
    gradients: accumulated,
    labels,
  }, true);
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
