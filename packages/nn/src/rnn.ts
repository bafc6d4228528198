/**
 * Recurrent layers (Gluon's `rnn.RNN`, `rnn.GRU`, `rnn.LSTM`): multi-layer, optionally
 * bidirectional, composed of matmul, split, sigmoid and tanh, so gradients of any order come
 * from the graph. Gates and parameters are laid out as MXNet 1.9, cuDNN and PyTorch lay them out,
 * so weights copy across unchanged.
 */
import * as T from '@lossgraph/tensor';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import {
  add, concat, matmul, mul, relu, reshape, scope, sigmoid, split, stack, sub, tanh, toVariable, transpose, unstack,
  type Variable, type VariableLike,
} from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block, blockNameSchema } from './block.js';
import { initializerLikeSchema } from './initializer.js';
import {floatDTypeSchema } from './options.js';
import { Parameter, UNKNOWN_DIM } from './parameter.js';

const recurrentOptionFields = {
  /** Number of stacked layers (default 1). */
  numLayers: z._default(z.number().check(z.int(), z.positive()), 1),
  /** `'TNC'` (default: time, batch, features) or `'NTC'` (batch first) for the input and the output. */
  layout: z._default(z.enum(['TNC', 'NTC']), 'TNC'),
  /** Number of input features; omitted, it is inferred from the first input. */
  inputSize: z.optional(z.number().check(z.int(), z.positive())),
  /** Whether each layer also runs backwards in time, its outputs concatenated after the forward ones (default false). */
  bidirectional: z._default(z.boolean(), false),
  /**
   * Dropout rate on the outputs of every layer but the last, in training mode only (default 0;
   * as Gluon's `dropout`): kept values are scaled by 1/(1 − rate), a fresh mask each forward
   * from the tensor package's global stream (see `setSeed`).
   */
  dropout: z._default(z.number().check(z.minimum(0), z.lt(1, 'expected a drop probability below 1')), 0),
  /** Parameter dtype (default float32). */
  dtype: z._default(floatDTypeSchema, 'float32'),
  /** Initialiser of the input-to-hidden weights (default: the one passed to `initialize`). */
  i2hWeightInitializer: z.optional(initializerLikeSchema),
  /** Initialiser of the hidden-to-hidden weights (default: the one passed to `initialize`). */
  h2hWeightInitializer: z.optional(initializerLikeSchema),
  /** Initialiser of the input-to-hidden biases (default zeros). */
  i2hBiasInitializer: z._default(initializerLikeSchema, 'zeros'),
  /** Initialiser of the hidden-to-hidden biases (default zeros). */
  h2hBiasInitializer: z._default(initializerLikeSchema, 'zeros'),
  /** The name it takes inside its parent (default `'gru0'`, `'lstm0'`, ...). */
  name: z.optional(blockNameSchema),
};

/**
 * Zod schema of {@link RecurrentOptions} (the options of {@link GRU} and {@link LSTM}).
 * @example
 * ```ts
 * RecurrentOptionsSchema.parse({ numLayers: 2 }).layout   // 'TNC'
 * ```
 */
export const RecurrentOptionsSchema = z.strictObject(recurrentOptionFields);

/**
 * Options of {@link GRU} and {@link LSTM}.
 * @example
 * ```ts
 * const options: RecurrentOptions = { numLayers: 2, layout: 'NTC', bidirectional: true };
 * ```
 */
export type RecurrentOptions = z.input<typeof RecurrentOptionsSchema>;

/**
 * Zod schema of {@link RNNOptions}.
 * @example
 * ```ts
 * RNNOptionsSchema.parse({}).activation   // 'relu'
 * ```
 */
export const RNNOptionsSchema = z.strictObject({
  ...recurrentOptionFields,
  /** The nonlinearity of the Elman cell: `'relu'` (default, as Gluon) or `'tanh'` (PyTorch's default). */
  activation: z._default(z.enum(['relu', 'tanh']), 'relu'),
});

/**
 * Options of {@link RNN}.
 * @example
 * ```ts
 * const options: RNNOptions = { activation: 'tanh', numLayers: 2 };
 * ```
 */
export type RNNOptions = z.input<typeof RNNOptionsSchema>;

/** The four parameters of one layer in one direction. */
interface CellParams {
  readonly i2hWeight: Parameter;
  readonly h2hWeight: Parameter;
  readonly i2hBias: Parameter;
  readonly h2hBias: Parameter;
}

/**
 * What one time step of a recurrent cell carries: the hidden state `h` (`[N, H]`) and, for the
 * LSTM, the cell state `c` (null for the others).
 * @example
 * ```ts
 * const start: RecurrentState = { h: toVariable(zeros([4, 8])), c: null };
 * ```
 */
export interface RecurrentState {
  /** The hidden state. */
  h: Variable;
  /** The LSTM's cell state; null for RNN and GRU. */
  c: Variable | null;
}

/**
 * The shared machinery of {@link RNN}, {@link GRU} and {@link LSTM}: parameters, layouts,
 * stacking, both directions and the states. A subclass gives the number of gates, the number of
 * state tensors and one time step.
 *
 * Parameters, per layer `k` (and, when bidirectional, per direction: `l` forward, `r` backward),
 * as MXNet 1.9 names them: `l{k}_i2h_weight` `[G·H, in]`, `l{k}_h2h_weight` `[G·H, H]`,
 * `l{k}_i2h_bias` and `l{k}_h2h_bias` `[G·H]`, with `in` the input size for layer 0 and
 * `H · directions` above it. PyTorch's `weight_ih_l{k}(_reverse)`, `weight_hh_...`,
 * `bias_ih_...`, `bias_hh_...` are the same arrays.
 *
 * @example
 * ```ts
 * const gru = new GRU(64, { numLayers: 2 });
 * gru.initialize({ seed: 0 });
 * const out = gru.forward(randn([50, 32, 16]));                 // [50, 32, 64]
 * const [out2, [h]] = gru.forward(randn([50, 32, 16]), gru.beginState(32));   // h: [2, 32, 64]
 * ```
 */
export abstract class RecurrentLayer extends Block {
  /** Number of hidden units H. */
  readonly hiddenSize: number;
  /** Number of stacked layers. */
  readonly numLayers: number;
  /** The axis order of inputs and outputs. */
  readonly layout: 'TNC' | 'NTC';
  /** Whether each layer also runs backwards in time. */
  readonly bidirectional: boolean;
  /** Dropout rate between layers, in training mode. */
  readonly dropout: number;
  private readonly cells: CellParams[] = [];
  /** The class name, for messages. */
  protected readonly where: string;
  /** Number of state tensors: 1 (h), or 2 for the LSTM (h, c). */
  protected readonly stateCount: 1 | 2;

  /**
   * Registers the parameters of every layer and direction.
   * @param hiddenSize - H (a positive integer)
   * @param cell - the subclass's name (for messages; its lower case is the block kind), its gate
   *   count G (1 RNN, 3 GRU, 4 LSTM) and its state count (2 for the LSTM's h and c, else 1)
   * @param parsed - the parsed {@link RecurrentOptions}
   */
  protected constructor(hiddenSize: number, cell: { name: string; gates: number; states: 1 | 2 }, parsed: z.output<typeof RecurrentOptionsSchema>) {
    super(parsed.name === undefined ? {} : { name: parsed.name });
    const { name: where, gates } = cell;
    this.where = where;
    this.stateCount = cell.states;
    this.hiddenSize = parseArgument(where, 'hiddenSize', z.number().check(z.int(), z.positive()), hiddenSize);
    this.numLayers = parsed.numLayers;
    this.layout = parsed.layout;
    this.bidirectional = parsed.bidirectional;
    this.dropout = parsed.dropout;
    const H = this.hiddenSize;
    const weightInit = (init: typeof parsed.i2hWeightInitializer) => (init === undefined ? {} : { init });
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inputs = layer === 0 ? parsed.inputSize ?? UNKNOWN_DIM : H * this.directions;
      for (const prefix of ['l', 'r'].slice(0, this.directions)) {
        const param = (suffix: string, shape: number[], init: object): Parameter =>
          this.registerParameter(new Parameter(`${prefix}${layer}_${suffix}`, { shape, dtype: parsed.dtype, ...init }));
        this.cells.push({
          i2hWeight: param('i2h_weight', [gates * H, inputs], weightInit(parsed.i2hWeightInitializer)),
          h2hWeight: param('h2h_weight', [gates * H, H], weightInit(parsed.h2hWeightInitializer)),
          i2hBias: param('i2h_bias', [gates * H], { init: parsed.i2hBiasInitializer }),
          h2hBias: param('h2h_bias', [gates * H], { init: parsed.h2hBiasInitializer }),
        });
      }
    }
  }

  /** The subclass's name in lower case (`'rnn'`, `'gru'`, `'lstm'`). */
  override get kind(): string {
    return this.where.toLowerCase();
  }

  /** 2 when bidirectional, else 1. */
  get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Zero initial states for a batch, as Gluon's `begin_state`: `[h]` or `[h, c]`, each
   * `[numLayers · directions, batchSize, hiddenSize]`.
   * @param batchSize - N
   * @param dtype - the states' dtype (default: the parameters')
   * @example
   * ```ts
   * const [h0] = gru.beginState(32);
   * ```
   */
  beginState(batchSize: number, dtype: T.DType = this.cells[0]!.h2hWeight.dtype): Variable[] {
    const n = parseArgument(`${this.where}.beginState`, 'batchSize', z.number().check(z.int(), z.positive()), batchSize);
    const shape = [this.numLayers * this.directions, n, this.hiddenSize];
    return Array.from({ length: this.stateCount }, () => toVariable(T.zeros(shape, dtype)));
  }

  /**
   * Runs the layers over a sequence.
   * @param x - `[T, N, C]` (`'TNC'`) or `[N, T, C]` (`'NTC'`)
   * @returns the last layer's hidden state at every step, `[T, N, H · directions]` (or `[N, T, ...]`)
   */
  forward(x: VariableLike): Variable;
  /**
   * Runs the layers over a sequence from the given initial states and also returns the final ones.
   * @param x - `[T, N, C]` (`'TNC'`) or `[N, T, C]` (`'NTC'`)
   * @param states - `[h0]` (or `[h0, c0]` for the LSTM), each `[numLayers · directions, N, H]`
   *   (layer-major: layer 0 forward, layer 0 backward, layer 1 forward, ...), e.g. {@link RecurrentLayer.beginState}
   * @returns the output and the final states, shaped as the initial ones
   */
  forward(x: VariableLike, states: readonly VariableLike[]): [Variable, Variable[]];
  forward(x: VariableLike, states?: readonly VariableLike[]): Variable | [Variable, Variable[]] {
    const input = toVariable(x, 'x');
    if (input.rank !== 3) throw new RangeError(`${this.where} '${this.scopeName}': expected x of rank 3 (${this.layout}), got shape ${T.formatShape(input.shape)}`);
    const batch = input.shape[this.layout === 'TNC' ? 1 : 0]!;
    const features = input.shape[2]!;
    const first = this.cells[0]!.i2hWeight;
    if (first.hasShape && first.shape[1] !== features) {
      throw new RangeError(`${this.where} '${this.scopeName}': expected ${first.shape[1]} input features (inputSize), got x of shape ${T.formatShape(input.shape)}`);
    }
    for (const cell of this.cells.slice(0, this.directions)) cell.i2hWeight.inferShape([cell.i2hWeight.shape[0]!, features]);
    const initial = states === undefined ? null : this.checkStates(states, batch);
    return scope(this.scopeName, () => {
      let sequence = this.layout === 'TNC' ? input : transpose(input, [1, 0, 2]);
      const perState = initial?.map((s) => unstack(s, 0)) ?? null;
      const finals: RecurrentState[] = [];
      for (let layer = 0; layer < this.numLayers; layer++) {
        const outputs: Variable[] = [];
        for (let dir = 0; dir < this.directions; dir++) {
          const index = layer * this.directions + dir;
          const start: RecurrentState = perState === null
            ? this.zeroState(sequence.shape[1]!, sequence.dtype)
            : { h: perState[0]![index]!, c: perState[1]?.[index] ?? null };
          const { steps, last } = this.runDirection(sequence, this.cells[index]!, start, dir === 1);
          outputs.push(stack(steps, 0));
          finals.push(last);
        }
        sequence = outputs.length === 1 ? outputs[0]! : concat(outputs, 2);
        if (this.training && this.dropout > 0 && layer < this.numLayers - 1) {
          const kept = T.greaterEqual(T.rand(sequence.shape, { dtype: sequence.dtype }), this.dropout);
          sequence = mul(sequence, T.mul(kept, 1 / (1 - this.dropout)));
        }
      }
      const output = this.layout === 'TNC' ? sequence : transpose(sequence, [1, 0, 2]);
      if (states === undefined) return output;
      const finalStates = [stack(finals.map((s) => s.h), 0)];
      if (this.stateCount === 2) finalStates.push(stack(finals.map((s) => s.c!), 0));
      return [output, finalStates];
    });
  }

  /**
   * One time step of one cell.
   * @param i2h - the input's projection `x·W_ihᵀ + b_ih`, `[N, G·H]`
   * @param h2h - the hidden state's projection `h·W_hhᵀ + b_hh`, `[N, G·H]`
   * @param state - the state before the step
   */
  protected abstract step(i2h: Variable, h2h: Variable, state: RecurrentState): RecurrentState;

  private zeroState(batch: number, dtype: T.DType): RecurrentState {
    const zero = (): Variable => toVariable(T.zeros([batch, this.hiddenSize], dtype));
    return { h: zero(), c: this.stateCount === 2 ? zero() : null };
  }

  /** One layer in one direction over `[T, N, in]`; the steps come back in time order. */
  private runDirection(sequence: Variable, cell: CellParams, start: RecurrentState, reverse: boolean): { steps: Variable[]; last: RecurrentState } {
    const [time, batch, features] = sequence.shape as [number, number, number];
    const gatesWidth = cell.i2hWeight.shape[0]!;
    // The input projections of all steps in one product: T small matmuls cost about T times more.
    const projected = matmul(reshape(sequence, [time * batch, features]), cell.i2hWeight.variable, false, true);
    const i2h = unstack(add(reshape(projected, [time, batch, gatesWidth]), cell.i2hBias.variable), 0);
    const steps: Variable[] = new Array<Variable>(time);
    let state = start;
    for (let k = 0; k < time; k++) {
      const t = reverse ? time - 1 - k : k;
      const h2h = add(matmul(state.h, cell.h2hWeight.variable, false, true), cell.h2hBias.variable);
      state = this.step(i2h[t]!, h2h, state);
      steps[t] = state.h;
    }
    return { steps, last: state };
  }

  private checkStates(states: readonly VariableLike[], batch: number): Variable[] {
    if (!Array.isArray(states) || states.length !== this.stateCount) {
      throw new TypeError(`${this.where} '${this.scopeName}': states must be an array of ${this.stateCount === 1 ? 'one tensor [h]' : 'two tensors [h, c]'}, got ${Array.isArray(states) ? `${states.length} items` : typeof states}`);
    }
    const want = [this.numLayers * this.directions, batch, this.hiddenSize];
    return states.map((s, i) => {
      const v = toVariable(s, `states[${i}]`);
      if (!T.shapesEqual(v.shape, want)) {
        throw new RangeError(`${this.where} '${this.scopeName}': states[${i}] must have shape ${T.formatShape(want)} ([numLayers · directions, N, hiddenSize]), got ${T.formatShape(v.shape)}`);
      }
      return v;
    });
  }
}

/**
 * A multi-layer Elman RNN (Gluon's `rnn.RNN`): `h' = act(W_ih·x + b_ih + W_hh·h + b_hh)` with
 * `act` relu (Gluon's default) or tanh (PyTorch's default); one gate, so weights are `[H, in]`
 * and `[H, H]`. See {@link RecurrentLayer} for parameters, states and layouts.
 *
 * @example
 * ```ts
 * const rnn = new RNN(32, { activation: 'tanh', layout: 'NTC' });
 * rnn.initialize({ seed: 0 });
 * rnn.forward(randn([8, 20, 10])).shape;   // [8, 20, 32]
 * ```
 */
export class RNN extends RecurrentLayer {
  /** The cell's nonlinearity. */
  readonly activation: 'relu' | 'tanh';

  /**
   * @param hiddenSize - H (a positive integer)
   * @param options - {@link RNNOptions}: `activation`, `numLayers`, `layout`, `inputSize`, `bidirectional`, `dropout`, `dtype`, initialisers
   * @throws TypeError naming the bad argument or option
   */
  constructor(hiddenSize: number, options: RNNOptions = {}) {
    const { activation, ...parsed } = parseOptions('RNN', RNNOptionsSchema, options);
    super(hiddenSize, { name: 'RNN', gates: 1, states: 1 }, parsed);
    this.activation = activation;
  }

  protected step(i2h: Variable, h2h: Variable): RecurrentState {
    const preActivation = add(i2h, h2h);
    return { h: this.activation === 'relu' ? relu(preActivation) : tanh(preActivation), c: null };
  }
}

/**
 * A multi-layer gated recurrent unit (Gluon's `rnn.GRU`), gates in the order r, z, n (MXNet,
 * cuDNN and PyTorch):
 * `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
 * `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
 * Weights are `[3H, in]` and `[3H, H]`. See {@link RecurrentLayer} for parameters and states.
 *
 * @example
 * ```ts
 * const gru = new GRU(64, { numLayers: 2, bidirectional: true });
 * gru.initialize({ init: new Xavier(), seed: 0 });
 * gru.forward(randn([50, 32, 16])).shape;   // [50, 32, 128]
 * ```
 */
export class GRU extends RecurrentLayer {

  /**
   * @param hiddenSize - H (a positive integer)
   * @param options - {@link RecurrentOptions}: `numLayers`, `layout`, `inputSize`, `bidirectional`, `dropout`, `dtype`, initialisers
   * @throws TypeError naming the bad argument or option
   */
  constructor(hiddenSize: number, options: RecurrentOptions = {}) {
    super(hiddenSize, { name: 'GRU', gates: 3, states: 1 }, parseOptions('GRU', RecurrentOptionsSchema, options));
  }

  protected step(i2h: Variable, h2h: Variable, state: RecurrentState): RecurrentState {
    const [xr, xz, xn] = split(i2h, 3, 1) as [Variable, Variable, Variable];
    const [hr, hz, hn] = split(h2h, 3, 1) as [Variable, Variable, Variable];
    const reset = sigmoid(add(xr, hr));
    const update = sigmoid(add(xz, hz));
    const candidate = tanh(add(xn, mul(reset, hn)));
    // (1 − z) ⊙ n + z ⊙ h, written with one product fewer
    return { h: add(candidate, mul(update, sub(state.h, candidate))), c: null };
  }
}

/**
 * A multi-layer long short-term memory (Gluon's `rnn.LSTM`), gates in the order i, f, g, o
 * (MXNet, cuDNN and PyTorch): with `[i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh`,
 * `c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)` and `h' = σ(o) ⊙ tanh(c')`. Weights are `[4H, in]` and
 * `[4H, H]`; the states are `[h, c]`. See {@link RecurrentLayer} for parameters and states.
 *
 * @example
 * ```ts
 * const lstm = new LSTM(32);
 * lstm.initialize({ seed: 0 });
 * const [out, [h, c]] = lstm.forward(randn([10, 4, 8]), lstm.beginState(4));
 * ```
 */
export class LSTM extends RecurrentLayer {

  /**
   * @param hiddenSize - H (a positive integer)
   * @param options - {@link RecurrentOptions}: `numLayers`, `layout`, `inputSize`, `bidirectional`, `dropout`, `dtype`, initialisers
   * @throws TypeError naming the bad argument or option
   */
  constructor(hiddenSize: number, options: RecurrentOptions = {}) {
    super(hiddenSize, { name: 'LSTM', gates: 4, states: 2 }, parseOptions('LSTM', RecurrentOptionsSchema, options));
  }

  protected step(i2h: Variable, h2h: Variable, state: RecurrentState): RecurrentState {
    const [i, f, g, o] = split(add(i2h, h2h), 4, 1) as [Variable, Variable, Variable, Variable];
    const c = add(mul(sigmoid(f), state.c!), mul(sigmoid(i), tanh(g)));
    return { h: mul(sigmoid(o), tanh(c)), c };
  }
}
