/**
 * The lab's loss catalogue: for every loss of @lossgraph/loss, small named inputs to edit in cells,
 * the call that computes its per-sample losses, and how (if at all) it trains on a 2-D toy set.
 */
import * as T from '@lossgraph/tensor';
import { logSoftmax, type Variable, type VariableLike } from '@lossgraph/autograd';
import * as L from '@lossgraph/loss';
import type { LossLike } from '@lossgraph/nn';

/** One editable input: flat values of a shape, shown as rows of its last axis. */
export interface InputSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /**
   * Differentiated by the numeric check and the graph (a leaf that requires grad). Labels are
   * constants: several losses check that their values are classes or ±1, which a finite
   * difference's nudge would break.
   */
  readonly differentiable: boolean;
}

/**
 * How a loss reads a class label when it trains a classifier with one output per class:
 * `index` an int32 class, `onehot` a float one-hot row, `signed` a row of ±1.
 */
export type TargetForm = 'index' | 'onehot' | 'signed';

/** One entry of the loss picker. */
export interface LossCase {
  /** The class name in @lossgraph/loss (the option's label). */
  readonly name: string;
  /** What the inputs mean, one line. */
  readonly note: string;
  readonly inputs: readonly InputSpec[];
  /** The per-sample losses from the inputs, by name. */
  readonly call: (inputs: Readonly<Record<string, Variable>>) => Variable;
  /** How it trains a classifier, or null when it is no (pred, label) loss of classes (triplets, pairs, sequences). */
  readonly train: { readonly target: TargetForm; readonly loss: () => LossLike } | null;
}

const PRED = [0.5, -1, 2, 1.5, 0.25, -0.75];
const f = (name: string, shape: number[], values: number[], differentiable = true): InputSpec => ({ name, shape, values, dtype: 'float32', differentiable });
const label = (shape: number[], values: number[]): InputSpec => ({ name: 'label', shape, values, dtype: 'float32', differentiable: false });
const classes = (values: number[]): InputSpec => ({ name: 'label', shape: [values.length], values, dtype: 'int32', differentiable: false });

/** A (pred, label) loss with its own inputs. */
function pair(name: string, note: string, inputs: InputSpec[], make: () => { forward(p: Variable, l: VariableLike): Variable }, train: TargetForm | null, through?: (pred: Variable) => Variable): LossCase {
  const wrap = (pred: Variable): Variable => (through === undefined ? pred : through(pred));
  return {
    name, note, inputs,
    call: (v) => make().forward(wrap(v['pred']!), v['label']!),
    train: train === null ? null : { target: train, loss: () => { const loss = make(); return { forward: (p, l) => loss.forward(wrap(p), l) }; } },
  };
}

const logProbabilities = (pred: Variable): Variable => logSoftmax(pred, -1);

/** Every loss of the catalogue, in the picker's order. */
export const LOSS_CASES: readonly LossCase[] = [
  pair('SoftmaxCrossEntropyLoss', 'pred: logits, one row per sample; label: class indices', [f('pred', [2, 3], PRED), classes([0, 2])], () => new L.SoftmaxCrossEntropyLoss(), 'index'),
  pair('L2Loss', 'pred and label of the same shape', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 2, 1, 1, 0])], () => new L.L2Loss(), 'onehot'),
  pair('L1Loss', 'pred and label of the same shape', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 2, 1, 1, 0])], () => new L.L1Loss(), 'onehot'),
  pair('HuberLoss', 'quadratic within rho (1) of the label, linear beyond', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 2, 1, 1, 0])], () => new L.HuberLoss(), 'onehot'),
  pair('SmoothL1Loss', 'quadratic within beta (1), linear beyond', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 2, 1, 1, 0])], () => new L.SmoothL1Loss(), 'onehot'),
  pair('SigmoidBinaryCrossEntropyLoss', 'pred: logits; label: 0 or 1 per output', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 1, 0, 1, 0])], () => new L.SigmoidBinaryCrossEntropyLoss(), 'onehot'),
  pair('SigmoidFocalLoss', 'pred: logits; label: 0 or 1 per output', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 1, 0, 1, 0])], () => new L.SigmoidFocalLoss(), 'onehot'),
  pair('MultiLabelSoftMarginLoss', 'pred: logits; label: 0 or 1 per class', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 1, 0, 1, 0])], () => new L.MultiLabelSoftMarginLoss(), 'onehot'),
  pair('NLLLoss', 'pred: logits, through logSoftmax (outside the loss); label: class indices', [f('pred', [2, 3], PRED), classes([0, 2])], () => new L.NLLLoss(), 'index', logProbabilities),
  pair('KLDivLoss', 'pred: logits, through logSoftmax (outside the loss); label: probabilities', [f('pred', [2, 3], PRED), label([2, 3], [0.2, 0.3, 0.5, 0.6, 0.3, 0.1])], () => new L.KLDivLoss(), 'onehot', logProbabilities),
  pair('PoissonNLLLoss', 'pred: log of the rate; label: counts', [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 4, 2, 1, 0])], () => new L.PoissonNLLLoss(), 'onehot'),
  pair('HingeLoss', 'pred: scores; label: ±1', [f('pred', [3, 1], [0.3, -1.2, 2]), label([3, 1], [1, -1, -1])], () => new L.HingeLoss(), 'signed'),
  pair('SquaredHingeLoss', 'pred: scores; label: ±1', [f('pred', [3, 1], [0.3, -1.2, 2]), label([3, 1], [1, -1, -1])], () => new L.SquaredHingeLoss(), 'signed'),
  pair('LogisticLoss', 'pred: scores; label: ±1', [f('pred', [3, 1], [0.3, -1.2, 2]), label([3, 1], [1, -1, -1])], () => new L.LogisticLoss(), 'signed'),
  {
    name: 'GaussianNLLLoss', note: 'pred: means; target; variance: positive',
    inputs: [f('pred', [2, 2], [0.5, -1, 2, 1.5]), label([2, 2], [1, 0, 2, 1]), f('variance', [2, 2], [0.5, 1, 2, 0.25])],
    call: (v) => new L.GaussianNLLLoss().forward(v['pred']!, v['label']!, v['variance']!),
    train: null,
  },
  {
    name: 'TripletLoss', note: 'anchor (pred), positive, negative: one embedding per row',
    inputs: [f('pred', [2, 3], PRED), f('positive', [2, 3], [0, 0, 1, 1, 1, 1]), f('negative', [2, 3], [1, 0, 0, 0, 1, 0])],
    call: (v) => new L.TripletLoss().forward(v['pred']!, v['positive']!, v['negative']!),
    train: null,
  },
  {
    name: 'CosineEmbeddingLoss', note: 'two embeddings per row; label: 1 similar, -1 dissimilar',
    inputs: [f('pred', [2, 3], PRED), f('input2', [2, 3], [1, 0, 0, 0, 1, 0]), label([2], [1, -1])],
    call: (v) => new L.CosineEmbeddingLoss().forward(v['pred']!, v['input2']!, v['label']!),
    train: null,
  },
  {
    name: 'MarginRankingLoss', note: 'scores of two items; label: 1 if the first ranks higher, -1 otherwise',
    inputs: [f('pred', [3, 1], [0.3, -1.2, 2]), f('input2', [3, 1], [0.5, 0.5, 0.5]), label([3, 1], [1, -1, 1])],
    call: (v) => new L.MarginRankingLoss({ margin: 0.5 }).forward(v['pred']!, v['input2']!, v['label']!),
    train: null,
  },
  {
    name: 'SDMLLoss', note: 'x1 (pred) and x2: row i of each is a matching pair',
    inputs: [f('pred', [3, 2], [0.5, -1, 2, 1.5, 0.25, -0.75]), f('x2', [3, 2], [0.4, -0.8, 1.5, 1, 0, -1])],
    call: (v) => new L.SDMLLoss().forward(v['pred']!, v['x2']!),
    train: null,
  },
  {
    name: 'CTCLoss', note: 'pred: [batch, time, classes] scores, the last class the blank; label: one sequence per row',
    inputs: [f('pred', [1, 4, 3], [0.5, -1, 2, 1.5, 0.25, -0.75, -0.5, 1, 0, 0.2, 0.8, -0.3]), { name: 'label', shape: [1, 2], values: [0, 1], dtype: 'int32', differentiable: false }],
    call: (v) => new L.CTCLoss().forward(v['pred']!, v['label']!),
    train: null,
  },
];

/** The custom loss's inputs: logits and a one-hot label of the same shape, as it trains. */
export const CUSTOM_INPUTS: readonly InputSpec[] = [f('pred', [2, 3], PRED), label([2, 3], [1, 0, 0, 0, 0, 1])];

/** The editor's first text: softmax cross-entropy written with the ops, per sample. */
export const CUSTOM_EXAMPLE = '(pred, label) => neg(sum(mul(label, logSoftmax(pred, -1)), -1))';

/** The label tensor a target form makes from class indices. */
export function targetsOf(form: TargetForm, labels: Int32Array, numClasses: number): T.Tensor {
  if (form === 'index') return T.tensor(labels, [labels.length], 'int32');
  const rows = new Float32Array(labels.length * numClasses).fill(form === 'signed' ? -1 : 0);
  labels.forEach((c, i) => { rows[i * numClasses + c] = 1; });
  return T.tensor(rows, [labels.length, numClasses]);
}
