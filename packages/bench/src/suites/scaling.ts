/**
 * Scaling rows (issue 19): the dense loss rows at 1x, 4x and 16x their size, shown as the cost of
 * one element in nanoseconds, lossgraph cpu beside jax-js and PyTorch. Once the data leaves the
 * caches every engine is bound by memory, so the ratio at each size is what counts.
 */
import {
  Comparison, renderComparison, scaleSample, timingPreset, type Suite, type SuiteContext, type SuiteReport, type TimingOptions,
} from '../harness.js';
import { JAX_ID, jaxStepEngine } from '../peers/jax.js';
import { runTorch } from '../peers/torch.js';
import {
  jaxLossStep, lossgraphLossStep, lossInputs, lossWorkloads, type LossgraphModules, type LossInputs, type LossWorkload,
} from './loss.js';
import { runSteps, sizeOf, type StepEngine } from './steps.js';

/** The sizes of the scaling rows, as multiples of the loss section's rows. @example `SCALING_FACTORS // [1, 4, 16]` */
export const SCALING_FACTORS: readonly number[] = [1, 4, 16];

/** A scaling row: a dense loss row with its batch multiplied by `factor`. */
export interface ScalingWorkload extends LossWorkload {
  /** The multiple of the loss section's size. */
  factor: number;
}

/**
 * The scaling rows: each dense loss (not CTC) at each factor, the batch axis multiplied.
 *
 * @param factors - multiples of the loss section's sizes, default {@link SCALING_FACTORS}
 * @param scale - fraction of the base sizes (tests use small ones), as in `lossWorkloads`
 * @returns rows with ids like `scaling/l2-x4`
 * @throws RangeError when a factor is not a positive integer
 * @example
 * ```ts
 * scalingWorkloads([4]).map((w) => w.label); // ['SoftmaxCE [16384,1000], sparse labels (4x)', ...]
 * ```
 */
export function scalingWorkloads(factors: readonly number[] = SCALING_FACTORS, scale = 1): ScalingWorkload[] {
  for (const f of factors) if (!Number.isInteger(f) || f < 1) throw new RangeError(`scalingWorkloads: factors must be integers >= 1, got ${f}`);
  const base = lossWorkloads(scale).filter((w) => w.group === 'dense');
  return base.flatMap((w) => factors.map((factor): ScalingWorkload => {
    const predShape = [w.predShape[0]! * factor, ...w.predShape.slice(1)];
    const label = w.label.replace(/\[\d+,/, `[${predShape[0]},`);
    return { ...w, id: `scaling/${w.id}-x${factor}`, label: `${label} (${factor}x)`, predShape, factor };
  }));
}

/** Big rows make few calls: the warm-up only has to compile and touch the memory once. */
function scalingTiming(quick: boolean): TimingOptions {
  return quick
    ? { ...timingPreset(true), minWarmupRuns: 1, maxRuns: 20 }
    : { warmupMs: 200, minWarmupRuns: 3, budgetMs: 600, minRuns: 5, maxRuns: 200, hardLimitMs: 4_000, rounds: 1 };
}

/**
 * The scaling section: ns per element of the dense losses' forward plus backward at 1x, 4x and
 * 16x, lossgraph cpu against jax-js (`jit(grad)`) and PyTorch (one thread). Every in-process
 * cell's gradient is checked against the float64 reference first.
 *
 * @param options - `torch`/`jax: false` leave a peer out, `factors` and `scale` shrink it (tests)
 * @returns the suite (`--filter scaling` runs it)
 * @example
 * ```ts
 * const report = await scalingSuite().run(context);
 * ```
 */
export function scalingSuite(options: { torch?: boolean; jax?: boolean; factors?: readonly number[]; scale?: number } = {}): Suite {
  return { id: 'scaling', title: 'Scaling of the losses', run: (context) => runScaling(context, options) };
}

async function runScaling(context: SuiteContext, options: { torch?: boolean; jax?: boolean; factors?: readonly number[]; scale?: number }): Promise<SuiteReport> {
  const workloads = scalingWorkloads(options.factors ?? SCALING_FACTORS, options.scale ?? 1);
  const selected = workloads.filter((w) => context.selects(w.id) || context.selects(w.label));
  if (selected.length === 0) return { markdown: '', targets: [] };
  const seeds = new Map(lossWorkloads().map((w, i) => [w.kind, 11 + 104_729 * i]));
  // Inputs are made when a row is reached and dropped after it: the 16x rows hold 65M values each.
  let current: { id: string; inputs: LossInputs } | undefined;
  const inputsOf = (w: ScalingWorkload): LossInputs => {
    if (current?.id !== w.id) current = { id: w.id, inputs: lossInputs(w, seeds.get(w.kind)!) };
    return current.inputs;
  };
  let lg: LossgraphModules | undefined;
  const lgEngine: StepEngine<ScalingWorkload> = {
    id: 'lossgraph-cpu', label: 'lossgraph cpu',
    async init() {
      try {
        lg = { tensor: await import('@lossgraph/tensor'), autograd: await import('@lossgraph/autograd'), loss: await import('@lossgraph/loss') };
        return undefined;
      } catch (error) { return `failed to load: ${(error as Error).message}`; }
    },
    activate() { lg!.tensor.setBackend('cpu'); return Promise.resolve(); },
    describe: () => undefined,
    prepare: (w) => lossgraphLossStep(lg!, w, inputsOf(w)),
  };
  const engines: StepEngine<ScalingWorkload>[] = [lgEngine];
  if (options.jax ?? true) engines.push(jaxStepEngine<ScalingWorkload>((jax, w) => jaxLossStep(jax, w, inputsOf(w)), '`jit(grad(loss))`, as in the loss section'));
  const columns = [...engines.map(({ id, label }) => ({ id, label })), { id: 'pytorch', label: 'PyTorch' }];
  const timed = new Comparison(workloads, columns);
  const timing = scalingTiming(context.quick);
  const descriptions = await runSteps('scaling', selected, engines, timed, { ...context, timing });
  current = undefined;
  if (options.torch ?? true) {
    context.log('[scaling] running PyTorch (child process)');
    // One child per row: the inputs of all twelve rows together would take gigabytes of temporary files.
    for (const w of selected) {
      const data = lossInputs(w, seeds.get(w.kind)!);
      const torch = runTorch([{ id: w.id, kind: w.kind, inputs: [{ values: data.pred, shape: w.predShape }, { values: data.label, shape: data.labelShape }], params: { rho: 1 } }], timing);
      timed.set(w.id, 'pytorch', torch.cells.get(w.id)!);
      if (torch.description !== undefined && !descriptions.includes(torch.description)) descriptions.push(torch.description);
    }
  }
  const grid = new Comparison(workloads, columns);
  for (const w of selected) {
    for (const { id } of columns) {
      const cell = timed.get(w.id, id);
      if (cell === undefined) continue;
      grid.set(w.id, id, cell.kind === 'time' ? { ...cell, sample: scaleSample(cell.sample, 1e6 / sizeOf(w.predShape)) } : cell);
    }
  }
  const footer = [
    `Each cell: nanoseconds per element of the prediction for one call of the loss section's work (forward, backward, the gradient read back), the median call's ms × 10⁶ / elements; the batch axis is multiplied by ${(options.factors ?? SCALING_FACTORS).join(', ')}. Timing: warm-up >= ${timing.minWarmupRuns} calls, >= ${timing.minRuns} timed calls or ${timing.budgetMs} ms, at most ${timing.hardLimitMs} ms per cell, one round${context.quick ? ' (--quick)' : ''}.`,
    'lossgraph cpu and jax-js are checked against the float64 reference of the loss section before they are timed; PyTorch runs one child process per row on the same inputs.',
    ...descriptions,
  ];
  const ratios = [
    ...(columns.some((c) => c.id === JAX_ID) ? [{ subject: 'lossgraph-cpu', reference: JAX_ID }] : []),
    { subject: 'lossgraph-cpu', reference: 'pytorch' },
  ];
  return { markdown: ['## Scaling: losses at 1x, 4x and 16x, ns per element (cpu, float32)', '', renderComparison(grid, { ratios, footer, unit: 'ns/element' })].join('\n'), targets: [] };
}
