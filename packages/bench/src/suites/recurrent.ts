/**
 * Recurrent layers: a GRU forward plus backward (the gradients of the input and every weight)
 * on lossgraph cpu against PyTorch's `nn.GRU` (one thread, child process), on the same inputs
 * and weights.
 */
import { Comparison, renderComparison, type Suite, type SuiteContext, type SuiteReport, type WorkloadRow } from '../harness.js';
import { runTorch } from '../peers/torch.js';
import { uniformData } from './tensor.js';
import { runSteps, sizeOf, type StepEngine } from './steps.js';

type Lg = {
  tensor: typeof import('@lossgraph/tensor');
  autograd: typeof import('@lossgraph/autograd');
  nn: typeof import('@lossgraph/nn');
};

/** A GRU workload: one layer, TNC layout. */
export interface GruSpec {
  /** Time steps T. */
  steps: number;
  /** Batch N. */
  batch: number;
  /** Input features. */
  inputSize: number;
  /** Hidden units H. */
  hiddenSize: number;
}

/** The GRU: T 50, N 32, input 32, hidden 64. @example `GRU_50.hiddenSize // 64` */
export const GRU_50: GruSpec = { steps: 50, batch: 32, inputSize: 32, hiddenSize: 64 };

/**
 * Deterministic inputs of a GRU row: x `[T, N, in]` uniform in [-1, 1), the head gradient R
 * (the objective is sum(out · R)) and the four weights uniform in [-1/√H, 1/√H) (PyTorch's
 * initialisation range), in PyTorch's / MXNet's layout and gate order.
 *
 * @param spec - the sizes
 * @param seed - base seed
 * @returns the arrays, row-major float32
 * @example
 * ```ts
 * const { x, head, weights } = gruInputs(GRU_50, 1);
 * ```
 */
export function gruInputs(spec: GruSpec, seed: number): { x: Float32Array; head: Float32Array; weights: { i2hWeight: Float32Array; h2hWeight: Float32Array; i2hBias: Float32Array; h2hBias: Float32Array } } {
  const { steps, batch, inputSize, hiddenSize } = spec;
  const bound = 1 / Math.sqrt(hiddenSize);
  const scaled = (size: number, s: number): Float32Array => Float32Array.from(uniformData(size, s), (v) => bound * v);
  return {
    x: uniformData(steps * batch * inputSize, seed),
    head: uniformData(steps * batch * hiddenSize, seed + 1),
    weights: {
      i2hWeight: scaled(3 * hiddenSize * inputSize, seed + 2),
      h2hWeight: scaled(3 * hiddenSize * hiddenSize, seed + 3),
      i2hBias: scaled(3 * hiddenSize, seed + 4),
      h2hBias: scaled(3 * hiddenSize, seed + 5),
    },
  };
}

interface GruRow extends WorkloadRow { spec: GruSpec }

/**
 * The recurrent section: one GRU forward plus backward (T 50, N 32, input 32, hidden 64 by
 * default) on lossgraph cpu and PyTorch.
 *
 * @param options - `torch: false` leaves PyTorch out (tests); `spec` other sizes
 * @returns the suite
 * @example
 * ```ts
 * const report = await recurrentSuite().run(context);
 * ```
 */
export function recurrentSuite(options: { torch?: boolean; spec?: GruSpec } = {}): Suite {
  return { id: 'recurrent', title: 'Recurrent layers', run: (context) => runRecurrent(context, options.spec ?? GRU_50, options.torch ?? true) };
}

async function runRecurrent(context: SuiteContext, spec: GruSpec, withTorch: boolean): Promise<SuiteReport> {
  const row: GruRow = {
    id: 'gru', label: `GRU fwd+bwd, T ${spec.steps}, N ${spec.batch}, input ${spec.inputSize}, hidden ${spec.hiddenSize}`, group: 'recurrent', spec,
  };
  if (!context.selects('recurrent/gru') && !context.selects(row.label)) return { markdown: '', targets: [] };
  const inputs = gruInputs(spec, 11);
  const xShape = [spec.steps, spec.batch, spec.inputSize];
  const outShape = [spec.steps, spec.batch, spec.hiddenSize];
  let lg: Lg | undefined;
  const lgEngine: StepEngine<GruRow> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu',
    async init() {
      try {
        lg = { tensor: await import('@lossgraph/tensor'), autograd: await import('@lossgraph/autograd'), nn: await import('@lossgraph/nn') };
        return undefined;
      } catch (error) {
        return `failed to load: ${(error as Error).message}`;
      }
    },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => 'lossgraph cpu: `new GRU(H, { inputSize })` with the weights set, `sum(mul(gru.forward(x), R)).backward()`, gradient of x read back (the weights\' gradients are computed too)',
    prepare(r) {
      const { tensor: T, autograd: A, nn } = lg!;
      const gru = new nn.GRU(r.spec.hiddenSize, { inputSize: r.spec.inputSize });
      const H3 = 3 * r.spec.hiddenSize;
      gru.collectParams().get('l0_i2h_weight')!.setData(T.tensor(inputs.weights.i2hWeight, [H3, r.spec.inputSize]));
      gru.collectParams().get('l0_h2h_weight')!.setData(T.tensor(inputs.weights.h2hWeight, [H3, r.spec.hiddenSize]));
      gru.collectParams().get('l0_i2h_bias')!.setData(T.tensor(inputs.weights.i2hBias, [H3]));
      gru.collectParams().get('l0_h2h_bias')!.setData(T.tensor(inputs.weights.h2hBias, [H3]));
      const x = A.variable(T.tensor(inputs.x, xShape));
      const head = T.tensor(inputs.head, outShape);
      return {
        step() {
          gru.zeroGrad();
          x.zeroGrad();
          A.sum(A.mul(gru.forward(x), head)).backward();
          x.grad!.value.dataNoCopy();
        },
        release() { x.value.dispose(); head.dispose(); },
      };
    },
  };
  const grid = new Comparison([row], [{ id: lgEngine.id, label: lgEngine.label }, { id: 'pytorch', label: 'PyTorch' }]);
  const descriptions = await runSteps('recurrent', [row], [lgEngine], grid, context);
  if (withTorch) {
    context.log('[recurrent] running PyTorch (child process)');
    const H3 = 3 * spec.hiddenSize;
    const torch = runTorch([{
      id: row.id, kind: 'gru',
      inputs: [
        { values: inputs.x, shape: xShape }, { values: inputs.head, shape: outShape },
        { values: inputs.weights.i2hWeight, shape: [H3, spec.inputSize] }, { values: inputs.weights.h2hWeight, shape: [H3, spec.hiddenSize] },
        { values: inputs.weights.i2hBias, shape: [H3] }, { values: inputs.weights.h2hBias, shape: [H3] },
      ],
    }], context.timing);
    grid.set(row.id, 'pytorch', torch.cells.get(row.id)!);
    if (torch.description !== undefined) descriptions.push(torch.description);
  }
  const footer = [
    `Each cell: median ms of one GRU forward plus backward over ${sizeOf(xShape)} input values: zero the gradients, run the layer, back-propagate sum(out · R), read the input's gradient back; same inputs and weights everywhere.`,
    'PyTorch: `nn.GRU(input, hidden)` with the weights copied, `(gru(x)[0] * R).sum().backward()`, `x.grad.numpy()`.',
    ...descriptions,
  ];
  const ratios = [{ subject: 'lossgraph-cpu', reference: 'pytorch' }];
  return { markdown: ['## Recurrent layers (cpu, float32)', '', renderComparison(grid, { ratios, footer })].join('\n'), targets: [] };
}
