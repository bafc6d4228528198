/**
 * Tensor primitives side by side: broadcasting add, exp, last-axis reductions and matmul on
 * lossgraph's backends, TF.js cpu, tfjs-wasm and a plain-loop floor.
 */
import type { GpuJsMode } from '@lossgraph/tensor';
import { lossgraphEngine } from '../engines/lossgraph.js';
import type { TensorEngine } from '../engines/types.js';
import {
  Comparison, evaluateTargets, measure, startEngines, poolSamples, renderComparison, roundTiming, type CellResult, type RatioColumn,
  type Sample, type Suite, type SuiteContext, type SuiteReport, type Target, type TimingOptions, type WorkloadRow,
} from '../harness.js';
import { plainLoopEngine } from '../peers/plain-loop.js';
import { tfjsEngine } from '../peers/tfjs.js';

/** The kinds of tensor workload; targets are stated per kind. */
export type TensorWorkloadGroup = 'elementwise' | 'reduction' | 'matmul';

/** One row of the tensor table: inputs, the op to time, and a float64 reference to check it. */
export interface TensorWorkload extends WorkloadRow {
  /** Kind of op, for targets. */
  group: TensorWorkloadGroup;
  /** Shapes of the inputs, filled with uniform [-1, 1) float32 values. */
  shapes: readonly (readonly number[])[];
  /** Runs the op on an engine; undefined when the engine lacks it. */
  compute<T>(engine: TensorEngine<T>, inputs: readonly T[]): T | undefined;
  /** The exact result in float64, computed from the float32 inputs. */
  reference(inputs: readonly Float32Array[]): Float64Array;
}

/**
 * Fills `out` from a xorshift32 stream started at `seed` (not 0), each state (as an unsigned
 * integer) mapped to a value by `map`: the bench's one seeded generator, cheap and the same in every run.
 *
 * @example
 * ```ts
 * xorshiftFill(new Int32Array(3), 7, (state) => state % 10); // three labels in 0..9
 * ```
 */
export function xorshiftFill<A extends Float32Array | Int32Array>(out: A, seed: number, map: (state: number) => number): A {
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = map(state >>> 0);
  }
  return out;
}

/**
 * Deterministic uniform [-1, 1) float32 values (xorshift32), so every engine and every run sees
 * the same numbers.
 *
 * @param size - number of values
 * @param seed - any non-zero 32-bit integer
 * @returns a new Float32Array
 * @example
 * ```ts
 * uniformData(4, 1); // four values in [-1, 1)
 * ```
 */
export function uniformData(size: number, seed: number): Float32Array {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`uniformData: size must be an integer >= 0, got ${size}`);
  return xorshiftFill(new Float32Array(size), seed | 0 || 0x9e3779b9, (state) => state / 2 ** 31 - 1);
}

function referenceAdd(a: Float32Array, b: Float32Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i % b.length]!;
  return out;
}

function referenceRowReduce(x: Float32Array, cols: number, combine: (acc: number, v: number) => number, start: number): Float64Array {
  const rows = x.length / cols;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = start;
    for (let j = 0; j < cols; j++) acc = combine(acc, x[r * cols + j]!);
    out[r] = acc;
  }
  return out;
}

function referenceMatmul(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return out;
}

function matmulWorkload(n: number): TensorWorkload {
  return {
    id: `matmul-${n}`,
    label: `matmul ${n}x${n}x${n}`,
    group: 'matmul',
    shapes: [[n, n], [n, n]],
    compute: (e, [a, b]) => e.matmul?.(a!, b!),
    reference: ([a, b]) => referenceMatmul(a!, b!, n),
  };
}

/**
 * The workloads of the tensor table, in display order.
 * @returns fresh workload objects
 * @example
 * ```ts
 * tensorWorkloads().map((w) => w.label);
 * ```
 */
export function tensorWorkloads(): TensorWorkload[] {
  return [
    {
      id: 'add-same',
      label: 'add [1000,1000] + [1000,1000]',
      group: 'elementwise',
      shapes: [[1000, 1000], [1000, 1000]],
      compute: (e, [a, b]) => e.add?.(a!, b!),
      reference: ([a, b]) => referenceAdd(a!, b!),
    },
    {
      id: 'add-row',
      label: 'add [1000,1000] + [1000] (row broadcast)',
      group: 'elementwise',
      shapes: [[1000, 1000], [1000]],
      compute: (e, [a, b]) => e.add?.(a!, b!),
      reference: ([a, b]) => referenceAdd(a!, b!),
    },
    {
      id: 'exp',
      label: 'exp [1000,1000]',
      group: 'elementwise',
      shapes: [[1000, 1000]],
      compute: (e, [x]) => e.exp?.(x!),
      reference: ([x]) => Float64Array.from(x!, Math.exp),
    },
    {
      id: 'sum-last',
      label: 'sum last axis of [4096,1000]',
      group: 'reduction',
      shapes: [[4096, 1000]],
      compute: (e, [x]) => e.sumLastAxis?.(x!),
      reference: ([x]) => referenceRowReduce(x!, 1000, (acc, v) => acc + v, 0),
    },
    {
      id: 'max-last',
      label: 'max last axis of [4096,1000]',
      group: 'reduction',
      shapes: [[4096, 1000]],
      compute: (e, [x]) => e.maxLastAxis?.(x!),
      reference: ([x]) => referenceRowReduce(x!, 1000, Math.max, -Infinity),
    },
    matmulWorkload(256),
    matmulWorkload(512),
  ];
}

/** Relative tolerance of the correctness check: float32 kernels, float64 reference. */
const TOLERANCE = 1e-3;

/**
 * The largest absolute difference between two equally long arrays and where it is; a NaN on
 * either side counts as an infinite error.
 *
 * @example
 * ```ts
 * worstError([1, 2.5], [1, 2]); // { worst: 0.5, worstIndex: 1 }
 * ```
 */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): { worst: number; worstIndex: number } {
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    // Written so that NaN counts as the worst possible error.
    if (!(err <= worst)) { worst = Number.isNaN(err) ? Infinity : err; worstIndex = i; }
    if (worst === Infinity) break;
  }
  return { worst, worstIndex };
}

/**
 * Compares an engine's result with the float64 reference.
 *
 * @param actual - the engine's values
 * @param expected - the reference
 * @returns undefined when within `1e-3 * max(1, max |expected|)` everywhere, otherwise what is wrong
 * @example
 * ```ts
 * checkResult([1, 2], Float64Array.of(1, 2)); // undefined
 * ```
 */
export function checkResult(actual: ArrayLike<number>, expected: Float64Array): string | undefined {
  if (actual.length !== expected.length) return `result has ${actual.length} values, expected ${expected.length}`;
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const { worst, worstIndex } = worstError(actual, expected);
  if (worst <= TOLERANCE * scale) return undefined;
  return `wrong result: at index ${worstIndex} got ${actual[worstIndex]}, expected ${expected[worstIndex]} (tolerance ${(TOLERANCE * scale).toPrecision(2)})`;
}

/** Options of {@link tensorSuite}. */
export interface TensorSuiteOptions {
  /** GPU.js modes of lossgraph's gpujs backend to measure, default `['webasm', 'headlessgl']`. */
  gpuModes?: readonly GpuJsMode[];
}

/**
 * The tensor-primitives section: a table of median milliseconds per workload and engine, ratios
 * of each lossgraph column against TF.js cpu and tfjs-wasm, and the Foundation performance
 * targets.
 *
 * @param options - which GPU.js modes to include
 * @returns the suite, to pass to the runner
 * @example
 * ```ts
 * const report = await tensorSuite().run({ timing: timingPreset(true), quick: true, selects: () => true, log: console.error });
 * console.log(report.markdown);
 * ```
 */
export function tensorSuite(options: TensorSuiteOptions = {}): Suite {
  const gpuModes = options.gpuModes ?? ['webasm', 'headlessgl'];
  return {
    id: 'tensor',
    title: 'Tensor primitives',
    run: (context) => runTensorSuite(context, gpuModes),
  };
}

async function runTensorSuite(context: SuiteContext, gpuModes: readonly GpuJsMode[]): Promise<SuiteReport> {
  const engines: TensorEngine<unknown>[] = [
    plainLoopEngine(),
    tfjsEngine('cpu'),
    tfjsEngine('wasm'),
    lossgraphEngine('cpu'),
    ...gpuModes.map((mode) => lossgraphEngine('gpujs', mode)),
  ];
  const workloads = tensorWorkloads();
  const selected = workloads.filter((w) => context.selects(`tensor/${w.id}`) || context.selects(w.label));
  const grid = new Comparison(workloads, engines.map(({ id, label }) => ({ id, label })));
  if (selected.length === 0) return { markdown: '', targets: [] };

  const data = new Map<TensorWorkload, Float32Array[]>();
  // Seeds follow the full workload list, so a row's inputs do not depend on --filter.
  for (const w of selected) {
    const seed = 1 + 7919 * workloads.indexOf(w);
    data.set(w, w.shapes.map((shape, i) => uniformData(shape.reduce((p, n) => p * n, 1), seed + i)));
  }
  const references = new Map<TensorWorkload, Float64Array>();
  const referenceOf = (w: TensorWorkload): Float64Array => {
    let ref = references.get(w);
    if (!ref) { ref = w.reference(data.get(w)!); references.set(w, ref); }
    return ref;
  };

  const { ready, descriptions } = await startEngines('tensor', engines, selected.map((w) => w.id), grid, context.log);
  // Workload-major order, in rounds: the engines of one row take turns, so a burst of load from
  // elsewhere on the machine is shared by the whole row instead of skewing one engine's number.
  const rounds = Math.max(1, context.timing.rounds);
  for (const w of selected) {
    const samples = new Map<string, Sample[]>();
    const settled = new Map<string, CellResult>();
    const notes = new Map<string, string>();
    for (let round = 0; round < rounds; round++) {
      for (const engine of ready) {
        if (settled.has(engine.id)) continue;
        await engine.activate();
        const check = round === 0 ? () => referenceOf(w) : undefined;
        const outcome = measureRound(engine, w, data.get(w)!, check, roundTiming(context.timing, round));
        if (outcome.kind === 'round') {
          samples.set(engine.id, [...(samples.get(engine.id) ?? []), outcome.sample]);
          if (outcome.note !== undefined) notes.set(engine.id, outcome.note);
        } else {
          settled.set(engine.id, outcome);
        }
      }
    }
    for (const engine of ready) {
      const note = notes.get(engine.id);
      const result: CellResult = settled.get(engine.id) ??
        (note === undefined ? { kind: 'time', sample: poolSamples(samples.get(engine.id)!) } : { kind: 'time', sample: poolSamples(samples.get(engine.id)!), note });
      grid.set(w.id, engine.id, result);
      context.log(`[tensor] ${w.label} / ${engine.label}: ${describeCell(result)}`);
    }
  }

  const lossgraphColumns = engines.filter((e) => e.id.startsWith('lossgraph-')).map((e) => e.id);
  const ratios: RatioColumn[] = lossgraphColumns.flatMap((subject) => [
    ...(subject === 'lossgraph-cpu' ? [{ subject, reference: 'plain-loop' }] : []),
    { subject, reference: 'tfjs-cpu' },
    { subject, reference: 'tfjs-wasm' },
  ]);
  const t = context.timing;
  const footer = [
    `Median of timed calls after warm-up (>= ${t.warmupMs} ms and >= ${t.minWarmupRuns} calls); each cell timed for >= ${t.budgetMs} ms and >= ${t.minRuns} calls (at most ${t.hardLimitMs} ms for very slow cells)` +
      (rounds > 1 ? `, in ${rounds} rounds taken in turn by the engines of its row` : '') + `${context.quick ? ' (--quick)' : ''}.`,
    'Readback is included for everyone: each timed call computes the result, makes its values available on the host as a typed array and disposes it. lossgraph: `backend.read` (gpujs: reads the texture back; cpu: the result array itself); TF.js: `dataSync()` (cpu: its own array; wasm: a copy out of the WASM heap); plain loop: the array it wrote.',
    'Inputs are uniform [-1, 1) float32, made on each engine before timing (upload not timed). Every cell\'s first result is checked against a float64 reference (max abs error <= 1e-3 x max(1, max |reference|)); a failed check is marked (!).',
    ...descriptions,
  ];
  return {
    markdown: [`## Tensor primitives`, '', renderComparison(grid, { ratios, footer })].join('\n'),
    targets: evaluateTargets(grid, tensorTargets()),
  };
}

/**
 * The Foundation targets for the lossgraph cpu backend: >= 3x faster than TF.js cpu on every
 * elementwise and reduction row, matmul no slower than tfjs-wasm, and the 1M-element add within
 * 2x of the plain loop.
 * @example
 * ```ts
 * tensorTargets().map((t) => t.description);
 * ```
 */
export function tensorTargets(): Target[] {
  return [
    {
      description: 'lossgraph cpu at least 3x faster than TF.js cpu on every elementwise and reduction row',
      subject: 'lossgraph-cpu',
      reference: 'tfjs-cpu',
      maxSlowdown: 1 / 3,
      appliesTo: (row) => row.group === 'elementwise' || row.group === 'reduction',
    },
    {
      description: 'lossgraph cpu matmul no slower than tfjs-wasm',
      subject: 'lossgraph-cpu',
      reference: 'tfjs-wasm',
      maxSlowdown: 1,
      appliesTo: (row) => row.group === 'matmul',
    },
    {
      description: 'lossgraph cpu 1M-element binary op within 2x of the plain typed-array loop',
      subject: 'lossgraph-cpu',
      reference: 'plain-loop',
      maxSlowdown: 2,
      appliesTo: (row) => row.id === 'add-same' || row.id === 'add-row',
    },
  ];
}

function describeCell(result: CellResult): string {
  switch (result.kind) {
    case 'time': return `${result.sample.medianMs.toFixed(3)} ms (${result.sample.runs} runs)${result.note === undefined ? '' : ` ${result.note}`}`;
    case 'error': return `error: ${result.message}`;
    case 'unavailable': return `n/a: ${result.reason}`;
    case 'skipped': return 'no such op';
  }
}

/**
 * One round of one cell: fresh inputs (not timed), on the first round a checked first result,
 * then the timed calls. An error or a missing op settles the cell for every later round.
 */
function measureRound<T>(
  engine: TensorEngine<T>, workload: TensorWorkload, data: readonly Float32Array[],
  check: (() => Float64Array) | undefined, timing: TimingOptions,
): { kind: 'round'; sample: Sample; note?: string } | CellResult {
  let inputs: T[] = [];
  try {
    inputs = workload.shapes.map((shape, i) => engine.fromArray(data[i]!, shape));
    const first = workload.compute(engine, inputs);
    if (first === undefined) return { kind: 'skipped' };
    const note = check === undefined ? undefined : checkResult(engine.read(first), check());
    engine.dispose(first);
    const sample = measure(() => {
      const y = workload.compute(engine, inputs)!;
      engine.read(y);
      engine.dispose(y);
    }, timing);
    return note === undefined ? { kind: 'round', sample } : { kind: 'round', sample, note };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message.split('\n')[0] ?? String(error) };
  } finally {
    for (const x of inputs) {
      try { engine.dispose(x); } catch { /* a failed cell must not hide the next one */ }
    }
  }
}
