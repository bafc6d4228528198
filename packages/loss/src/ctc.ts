import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import type { DType, Tensor } from '@lossgraph/tensor';
import {
  add, gather, logSoftmax, logSumExp, max, mul, neg, reshape, sub, sum, unstack, where, type Variable, type VariableLike,
} from '@lossgraph/autograd';
import { lossClass, lossOptionsSchema, reductionSchema } from './base.js';
import { convertOperand, floatDtypeOf, hostValues, integerCheck, optionalOperand } from './validation.js';

/**
 * Options of {@link CTCLoss}. There is no batch axis option: the layout says where the batch is.
 *
 * @example
 * ```ts
 * ctcLossSchema.parse({ layout: 'TNC' });   // { layout: 'TNC', labelLayout: 'NT', blank: 'last', zeroInfinity: false, weight: null, reduction: 'none' }
 * ```
 */
export const ctcLossSchema = z.strictObject({
  /** Gluon `layout`: the axes of pred, 'NTC' (batch, time, classes) or 'TNC'. */
  layout: z._default(z.enum(['NTC', 'TNC']), 'NTC').check(z.describe("Gluon `layout`: pred's axes, 'NTC' or 'TNC'")),
  /** Gluon `label_layout`: the axes of label, 'NT' (batch, label position) or 'TN'. */
  labelLayout: z._default(z.enum(['NT', 'TN']), 'NT').check(z.describe("Gluon `label_layout`: label's axes, 'NT' or 'TN'")),
  /** Which class is the blank: 'last' (C - 1, Gluon's) or 'first' (0, PyTorch's default; labels then lie in [1, C)). */
  blank: z._default(z.enum(['last', 'first']), 'last').check(z.describe("PyTorch `blank`: the blank class, 'last' (C - 1, as Gluon) or 'first' (0, PyTorch's default)")),
  /** PyTorch `zero_infinity`: an alignment that cannot fit in its time steps gives loss 0 and zero gradients. */
  zeroInfinity: z._default(z.boolean(), false).check(z.describe('PyTorch `zero_infinity`: impossible alignments give loss 0 and zero gradients')),
  weight: lossOptionsSchema.shape.weight,
  /** Reduction of the per-sample losses; 'mean' is their plain batch mean (PyTorch divides each by its label length first). */
  reduction: reductionSchema,
});
/**
 * Options of {@link CTCLoss} as passed to its constructor.
 *
 * @example
 * ```ts
 * const options: CTCLossOptions = { layout: 'TNC', labelLayout: 'TN' };
 * new CTCLoss(options);
 * ```
 */
export type CTCLossOptions = z.input<typeof ctcLossSchema>;

/**
 * The trailing inputs of {@link CTCLoss.forward}.
 *
 * @example
 * ```ts
 * ctcInputsSchema.parse({ predLengths: [20, 15], labelLengths: [2, 3] });
 * ```
 */
export const ctcInputsSchema = z.strictObject({
  /** Gluon `pred_lengths`: the number of valid time steps of each sequence, in [1, T]; default T. */
  predLengths: optionalOperand,
  /** Gluon `label_lengths`: the length of each label; default: the position of its first -1. */
  labelLengths: optionalOperand,
  /** Per-sample weight, broadcast to `(batch,)`. */
  sampleWeight: optionalOperand,
});
/**
 * The trailing inputs of {@link CTCLoss.forward}.
 *
 * @example
 * ```ts
 * const inputs: CTCInputs = { predLengths: [20, 15], labelLengths: [2, 3] };
 * new CTCLoss().forward(ones([2, 20, 4]), [[1, 0, 0], [2, 1, 1]], inputs);
 * ```
 */
export type CTCInputs = z.input<typeof ctcInputsSchema>;

/**
 * The log-probability of an impossible alignment state, per dtype. Finite, unlike -Infinity, so
 * that logSumExp, its gradient and its second derivative never meet inf - inf. It must lie far
 * below every real log-probability of an alignment (a sum of up to T log-softmax values, each as
 * low as -2·max|logit|) and absorb additions of them: -1e30 did neither for float64 logits of
 * ±1e30 (it outranked the real alignments, giving gradients of -137 and 162), so float64 uses
 * -1e300 (exact for logits up to ±1e30 and beyond) and float32 -1e30 (exact up to ±1e4).
 */
const IMPOSSIBLE: Readonly<Record<DType, number>> = { float32: -1e30, float64: -1e300, int32: -1e30 };

/** The label sequences on the host: one array of class indices per sample. */
interface HostLabels {
  readonly sequences: readonly Int32Array[];
  /** The label's padded length L (so the extended label has 2L + 1 positions). */
  readonly width: number;
}

/**
 * Gluon's `CTCLoss`: the connectionist temporal classification loss, the negative log-likelihood
 * of a label sequence summed over every alignment of it to the time steps.
 *
 * `L = -log Σ_{alignments a of label} Π_t softmax(pred_t)[a_t]`, computed by the forward (alpha)
 * recursion in log space over the extended label `blank, l1, blank, l2, ..., blank`: each step
 * takes the logSumExp of staying, advancing one position, or skipping a blank between two
 * different labels, plus the log-probability of the position's class. The recursion is
 * vectorised over the batch and the label positions and made of autograd ops, so its gradient
 * (and second derivative) come from the tape. Then `· sampleWeight · weight`; there is no mean:
 * the output has shape `(batch,)`. A label that cannot fit in its time steps (label length plus
 * repeated neighbours above its time steps) gives a loss of about 1e30 in float32, 1e300 in
 * float64 (not Infinity, where PyTorch gives Infinity), with finite gradients; with `zeroInfinity`
 * it gives 0 and zero gradients, as PyTorch's `zero_infinity`.
 *
 * Conventions as MXNet's: the blank is the last class (C - 1; `blank: 'first'` makes it class 0,
 * as PyTorch's default, and labels then lie in [1, C)); labels are padded with -1, and a
 * label's length is the position of its first -1 unless `labelLengths` is given (then the padding
 * is ignored and may hold anything); time steps past `predLengths` are ignored (zero gradient).
 *
 * Options (Gluon names in brackets): `layout` [`layout`, 'NTC' (default) or 'TNC'], `labelLayout`
 * [`label_layout`, 'NT' (default) or 'TN'], `blank` [`blank` (PyTorch's), 'last' (default) or
 * 'first'], `zeroInfinity` [`zero_infinity` (PyTorch's), default false], `weight` [`weight`, default null],
 * `reduction` [`reduction`, 'none' (default), 'mean' (the plain batch mean) or 'sum']. Inputs:
 * `forward(pred, label, { predLengths, labelLengths, sampleWeight })` [`pred_lengths`,
 * `label_lengths`, `sample_weight`]; pred holds unnormalised scores (a log-softmax over the
 * classes is applied, as MXNet does).
 *
 * @example
 * ```ts
 * const ctc = new CTCLoss();
 * const pred = ones([2, 20, 4]);                       // uniform over 3 labels + blank
 * ctc.forward(pred, [[1, 0, -1, -1], [2, 1, 1, -1]]).toArray();   // [18.8282, 16.5058]
 * ```
 */
export class CTCLoss extends lossClass('CTCLoss', ctcLossSchema)<[pred: VariableLike, label: VariableLike, inputs?: CTCInputs]> {
  /** The batch axis of pred: where 'N' is in the layout. */
  override get batchAxis(): number {
    return this.options.layout.indexOf('N');
  }

  protected compute(pred: VariableLike, label: VariableLike, inputs?: CTCInputs): Variable {
    const given = this.readInputs(ctcInputsSchema, inputs);
    const { layout } = this.options;
    const dtype = floatDtypeOf(pred);
    const readPred = this.readOperand(pred, 'pred', dtype);
    if (readPred.shape.length !== 3) {
      throw new RangeError(`${this.name}: pred must have 3 axes (${layout.split('').join(', ')} for layout '${layout}'), got shape ${T.formatShape(readPred.shape)}`);
    }
    const batchAxis = layout.indexOf('N');
    const timeAxis = layout.indexOf('T');
    const batch = readPred.shape[batchAxis]!;
    const steps = readPred.shape[timeAxis]!;
    const classes = readPred.shape[2]!;
    if (steps < 1 || classes < 1) throw new RangeError(`${this.name}: pred needs at least one time step and one class, got shape ${T.formatShape(readPred.shape)}`);
    const blank = this.options.blank === 'last' ? classes - 1 : 0;
    const labels = this.readLabels(label, given.labelLengths, batch, classes, blank);
    const predLengths = this.readPredLengths(given.predLengths, batch, steps);
    const sampleWeight = this.prepareSampleWeight(given.sampleWeight, [batch], dtype);
    const p = convertOperand(readPred, dtype);
    // An empty batch has no time steps to run: its (0,) loss is still a function of pred.
    if (batch === 0) return this.applyWeighting(sum(p, [timeAxis, 2]), sampleWeight);
    const plan = alignmentPlan(labels, blank, predLengths, steps, classes, layout, p.dtype);

    const logProbs = logSoftmax(p, 2);
    // emissions[t][n·S + q]: the log-probability of the class of state q of sample n at step t,
    // read from the flattened log-probabilities in one gather (for either layout); then one
    // Variable per step, whose gradients the backward pass stacks back in one op.
    const emitted = reshape(gather(reshape(logProbs, [p.size]), plan.emissionIndex, 0), [plan.steps, batch, plan.states]);
    // Each step's emissions less their largest (per sample), added back at the end: the alphas of
    // the likely alignments stay near 0, where logSumExp's gradient exp(x - y) is exact. At
    // logits of ±1e30 the raw alphas reach -1e31, which absorbs log 3 (the logSumExp of three
    // equal predecessors), and the gradient weights summed to 3 instead of 1. Any per-step
    // constant leaves the loss and its gradients unchanged, so the shift is held constant: in
    // the graph, the max's backward made a batch-32, T-50 CTC 50% slower.
    const shift = max(emitted.detach(), 2, true);
    const emissionAt = unstack(reshape(sub(emitted, shift), [plan.steps, batch * plan.states]), 0);
    const shifted = plan.runningMask === undefined ? shift : mul(shift, plan.runningMask);
    const totalShift = sum(reshape(shifted, [plan.steps, batch]), 0);
    // alpha[n·S + q]: log-probability of the alignments of the first t+1 steps ending in state q. State
    // 0 of each sample is an impossible state in front of the extended label (q = s + 1), which
    // every step keeps impossible: it is what a missing predecessor or a forbidden skip reads.
    let alpha = where(plan.startMask, emissionAt[0]!, IMPOSSIBLE[p.dtype]);
    for (let t = 1; t < plan.steps; t++) {
      // Each state's three predecessors (itself, the state before, the one before that), one row
      // each, so that the logSumExp reduces the leading axis over contiguous rows.
      const predecessors = gather(alpha, plan.transitionIndex, 0);
      const next = add(logSumExp(predecessors, 0), emissionAt[t]!);
      const active = plan.activeMasks[t];
      alpha = active === undefined ? next : where(active, next, alpha);
    }
    // A complete alignment ends on the last label or on the blank after it.
    const ends = gather(alpha, plan.endIndex, 0);
    const loss = neg(add(logSumExp(ends, 1), totalShift));
    const possible = this.options.zeroInfinity ? feasibility(labels, predLengths, p.dtype) : undefined;
    return this.applyWeighting(possible === undefined ? loss : where(possible, loss, 0), sampleWeight);
  }

  /** Reads and checks label and labelLengths: one sequence of classes other than the blank per sample. */
  private readLabels(label: VariableLike, labelLengths: VariableLike | null | undefined, batch: number, classes: number, blank: number): HostLabels {
    const { labelLayout } = this.options;
    const { values, shape } = hostValues(this.name, 'label', label);
    const batchAt = labelLayout.indexOf('N');
    if (shape.length !== 2 || shape[batchAt] !== batch) {
      const want = labelLayout === 'NT' ? `(${batch}, L)` : `(L, ${batch})`;
      throw new RangeError(`${this.name}: label must have shape ${want} for labelLayout '${labelLayout}' and a batch of ${batch}, got shape ${T.formatShape(shape)}`);
    }
    const width = shape[1 - batchAt]!;
    const at = (n: number, j: number): number => (labelLayout === 'NT' ? values[n * width + j]! : values[j * batch + n]!);
    const lengths = new Int32Array(batch);
    if (labelLengths === undefined || labelLengths === null) {
      for (let n = 0; n < batch; n++) {
        let j = 0;
        while (j < width && at(n, j) !== -1) j++;
        lengths[n] = j;
      }
    } else {
      const given = hostValues(this.name, 'labelLengths', labelLengths);
      if (given.values.length !== batch) {
        throw new RangeError(`${this.name}: labelLengths of shape ${T.formatShape(given.shape)} must hold one length per sample (${batch})`);
      }
      integerCheck(this.name, 'labelLengths', given.values, given.shape, 0, width + 1, `lengths must lie in [0, ${width}], the label's padded length`);
      lengths.set(given.values);
    }
    const [low, high] = blank === 0 ? [1, classes] : [0, blank];
    const sequences: Int32Array[] = [];
    for (let n = 0; n < batch; n++) {
      const seq = new Int32Array(lengths[n]!);
      for (let j = 0; j < seq.length; j++) {
        const v = at(n, j);
        if (!(Number.isInteger(v) && v >= low && v < high)) {
          const position = labelLayout === 'NT' ? `[${n}, ${j}]` : `[${j}, ${n}]`;
          throw new RangeError(
            `${this.name}: label holds ${v} at ${position}, inside the label's length ${seq.length}; labels must be integers in [${low}, ${high}) ` +
              `(class ${blank}, the ${blank === 0 ? 'first' : 'last'} of pred's ${classes}, is the blank (option 'blank' is '${this.options.blank}'); pad with -1 or pass labelLengths)`,
          );
        }
        seq[j] = v;
      }
      sequences.push(seq);
    }
    return { sequences, width };
  }

  /** Reads and checks predLengths (default: every sequence has all `steps` time steps). */
  private readPredLengths(predLengths: VariableLike | null | undefined, batch: number, steps: number): Int32Array {
    if (predLengths === undefined || predLengths === null) return new Int32Array(batch).fill(steps);
    const { values, shape } = hostValues(this.name, 'predLengths', predLengths);
    if (values.length !== batch) throw new RangeError(`${this.name}: predLengths of shape ${T.formatShape(shape)} must hold one length per sample (${batch})`);
    integerCheck(this.name, 'predLengths', values, shape, 1, steps + 1, `lengths must lie in [1, ${steps}], pred's number of time steps`);
    return Int32Array.from(values);
  }
}

/**
 * (batch,) with 1 where the label fits in its time steps, 0 where no alignment exists: a label of
 * length L with r neighbours equal to the one before them needs L + r steps (a blank between each
 * repeated pair).
 */
function feasibility(labels: HostLabels, predLengths: Int32Array, dtype: DType): Tensor {
  const fits = labels.sequences.map((seq, n) => {
    let needed = seq.length;
    for (let j = 1; j < seq.length; j++) if (seq[j] === seq[j - 1]) needed++;
    return needed <= predLengths[n]! ? 1 : 0;
  });
  return T.tensor(fits, [fits.length], dtype);
}

/** The index tensors and masks that drive the recursion, built once per call on the host. */
interface AlignmentPlan {
  /** Time steps to run: the longest predLength. */
  readonly steps: number;
  /** States per sample: the impossible lead state and the extended label's 2L + 1 positions. */
  readonly states: number;
  /** (steps, N, 1) with 1 where the sample's sequence is still running; undefined when all are. */
  readonly runningMask: Tensor | undefined;
  /** int32 (steps, N·S): the flat position in pred of the class each state emits at each step. */
  readonly emissionIndex: Tensor;
  /** (N·S): 1 at the two states an alignment may start in (the first blank and the first label). */
  readonly startMask: Tensor;
  /** int32 (3, N·S): the flat indices of each state's three predecessors, one row per kind. */
  readonly transitionIndex: Tensor;
  /** int32 (N, 2): the flat states of the last label and of the final blank. */
  readonly endIndex: Tensor;
  /** Per time step, (N·S) with 1 where the sequence is still running; undefined when all are. */
  readonly activeMasks: readonly (Tensor | undefined)[];
}

/** States in front of the extended label, always impossible. */
const LEAD = 1;

function alignmentPlan(labels: HostLabels, blank: number, predLengths: Int32Array, steps: number, classes: number, layout: 'NTC' | 'TNC', dtype: DType): AlignmentPlan {
  const batch = labels.sequences.length;
  // The states of the recursion: the impossible lead state, then the extended label's 2L + 1 positions.
  const states = LEAD + 2 * labels.width + 1;
  const size = batch * states;
  // The lead state emits the blank too (any class would do): it only ever holds impossible values.
  const emitted = new Int32Array(size).fill(blank);
  const transition = new Int32Array(3 * size);
  const ends = new Int32Array(batch * 2);
  const start = new Array<number>(size).fill(0);
  labels.sequences.forEach((seq, n) => {
    const row = n * states;
    for (let j = 0; j < seq.length; j++) emitted[row + LEAD + 2 * j + 1] = seq[j]!;
    // The lead state's predecessors are itself (it stays impossible).
    transition[row] = transition[size + row] = transition[2 * size + row] = row;
    for (let q = LEAD; q < states; q++) {
      transition[row + q] = row + q;
      transition[size + row + q] = row + q - 1;
      // Skipping the blank between two labels is allowed only when they differ (a label state has
      // odd s = q - LEAD; the first label has no label before it).
      const s = q - LEAD;
      const canSkip = s % 2 === 1 && s >= 3 && emitted[row + q] !== emitted[row + q - 2];
      transition[2 * size + row + q] = canSkip ? row + q - 2 : row;
    }
    const last = LEAD + 2 * seq.length;
    ends[2 * n] = row + last;
    ends[2 * n + 1] = seq.length > 0 ? row + last - 1 : row;
    start[row + LEAD] = 1;
    if (states > LEAD + 1) start[row + LEAD + 1] = 1;
  });
  let longest = 0;
  for (const len of predLengths) longest = Math.max(longest, len);
  const emission = new Int32Array(longest * size);
  for (let t = 0; t < longest; t++) {
    for (let n = 0; n < batch; n++) {
      const base = (layout === 'NTC' ? n * steps + t : t * batch + n) * classes;
      const out = t * size + n * states;
      for (let q = 0; q < states; q++) emission[out + q] = base + emitted[n * states + q]!;
    }
  }
  const running = new Array<number>(longest * batch);
  for (let t = 0; t < longest; t++) for (let n = 0; n < batch; n++) running[t * batch + n] = predLengths[n]! > t ? 1 : 0;
  const activeMasks: (Tensor | undefined)[] = [];
  for (let t = 0; t < longest; t++) {
    if (predLengths.every((len) => len > t)) {
      activeMasks.push(undefined);
      continue;
    }
    const mask = new Array<number>(size);
    for (let n = 0; n < batch; n++) mask.fill(predLengths[n]! > t ? 1 : 0, n * states, (n + 1) * states);
    activeMasks.push(T.tensor(mask, [size], dtype));
  }
  return {
    steps: longest,
    states,
    runningMask: running.every((r) => r === 1) ? undefined : T.tensor(running, [longest, batch, 1], dtype),
    emissionIndex: T.tensor(emission, [longest, size], 'int32'),
    startMask: T.tensor(start, [size], dtype),
    transitionIndex: T.tensor(transition, [3, size], 'int32'),
    endIndex: T.tensor(ends, [batch, 2], 'int32'),
    activeMasks,
  };
}
