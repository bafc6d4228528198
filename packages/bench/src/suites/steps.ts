/**
 * The machinery shared by the suites that time a whole step (a loss forward+backward, a training
 * step): engines that prepare a step closure per row, timed in rounds taken in turn by the
 * engines of a row, plus deterministic input helpers.
 */
import { JAX_ID } from '../peers/jax.js';
import { worstError, xorshiftFill } from './tensor.js';
import {
  measure, poolSamples, roundTiming, startEngines, type CellResult, type Comparison, type RatioColumn, type Sample, type SuiteContext, type WorkloadRow,
} from '../harness.js';

/** A prepared step: `step` is timed; `release` frees what `prepare` allocated (not timed). */
export interface PreparedStep {
  /** One timed call; must force its result to exist (read it back). */
  step(): void;
  /** Frees inputs and state. */
  release(): void;
  /**
   * Checks the step's values against a reference, once, before the first timed call (not timed):
   * undefined when they agree, otherwise what differs. A step that fails is not timed: its cell
   * becomes an error, so a wrong formula never shows as a fast one.
   */
  check?(): string | undefined;
}

/** An engine that can run whole steps of the rows of type `R`. */
export interface StepEngine<R extends WorkloadRow> {
  /** Column id. */
  readonly id: string;
  /** Column header. */
  readonly label: string;
  /** Loads the engine; undefined when ready, otherwise why it cannot run here. */
  init(): Promise<string | undefined>;
  /** Makes this engine current where the library keeps a global backend. */
  activate(): Promise<void>;
  /** A footer line, when there is something to say. */
  describe(): string | undefined;
  /**
   * Builds the step of a row (inputs made here are not timed); a cell instead when the engine
   * has no such computation (e.g. `{ kind: 'unavailable', reason: 'TF.js has no CTC loss' }`).
   */
  prepare(row: R): PreparedStep | CellResult;
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0] ?? String(error);
}

/**
 * Starts every engine and times every selected row on the ready ones, writing each cell into
 * `grid`: rounds of {@link roundTiming}, engines of a row taking turns, samples pooled. A step
 * with a `check` is checked before its first timed call and not timed when it fails. Unready
 * engines get "n/a" with their reason on every selected row.
 *
 * @param tag - progress prefix, e.g. `loss`
 * @param rows - the selected rows
 * @param engines - the in-process engines
 * @param grid - the table to fill (its columns include every engine's id)
 * @param context - timing and logging
 * @returns the footer lines of the ready engines
 * @example
 * ```ts
 * const footer = await runSteps('loss', selected, engines, grid, context);
 * ```
 */
export async function runSteps<R extends WorkloadRow>(
  tag: string, rows: readonly R[], engines: readonly StepEngine<R>[], grid: Comparison, context: SuiteContext,
): Promise<string[]> {
  const { ready, descriptions } = await startEngines(tag, engines, rows.map((row) => row.id), grid, context.log);
  const rounds = Math.max(1, context.timing.rounds);
  for (const row of rows) {
    const samples = new Map<string, Sample[]>();
    const settled = new Map<string, CellResult>();
    for (let round = 0; round < rounds; round++) {
      for (const engine of ready) {
        if (settled.has(engine.id)) continue;
        let prepared: PreparedStep | CellResult | undefined;
        try {
          await engine.activate();
          prepared = engine.prepare(row);
          if ('kind' in prepared) { settled.set(engine.id, prepared); continue; }
          const wrong = round === 0 ? prepared.check?.() : undefined;
          if (wrong !== undefined) { settled.set(engine.id, { kind: 'error', message: `values differ from the reference, not timed: ${wrong}` }); continue; }
          const step = prepared.step;
          samples.set(engine.id, [...(samples.get(engine.id) ?? []), measure(step, roundTiming(context.timing, round))]);
        } catch (error) {
          settled.set(engine.id, { kind: 'error', message: firstLine(error) });
        } finally {
          if (prepared !== undefined && !('kind' in prepared)) {
            try { prepared.release(); } catch { /* a failed release must not hide the next cell */ }
          }
        }
      }
    }
    for (const engine of ready) {
      const result: CellResult = settled.get(engine.id) ?? { kind: 'time', sample: poolSamples(samples.get(engine.id)!) };
      grid.set(row.id, engine.id, result);
      context.log(`[${tag}] ${row.label} / ${engine.label}: ${result.kind === 'time' ? `${result.sample.medianMs.toFixed(3)} ms (${result.sample.runs} runs)` : result.kind === 'unavailable' ? `n/a: ${result.reason}` : result.kind === 'error' ? `error: ${result.message}` : 'skipped'}`);
    }
  }
  return descriptions;
}

/**
 * Deterministic integer labels in `[0, classes)` (xorshift32), the same on every engine.
 *
 * @param size - number of labels
 * @param classes - number of classes, >= 1
 * @param seed - any non-zero 32-bit integer
 * @returns a new Int32Array
 * @example
 * ```ts
 * sparseLabels(3, 10, 7); // three labels in 0..9
 * ```
 */
export function sparseLabels(size: number, classes: number, seed: number): Int32Array {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`sparseLabels: size must be an integer >= 0, got ${size}`);
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`sparseLabels: classes must be an integer >= 1, got ${classes}`);
  return xorshiftFill(new Int32Array(size), seed | 0 || 0x2545f491, (state) => state % classes);
}

/**
 * One-hot rows of sparse labels, as TF.js's `softmaxCrossEntropy` takes them.
 *
 * @param labels - class indices in `[0, classes)`
 * @param classes - row width
 * @returns a `labels.length x classes` row-major Float32Array
 * @throws RangeError naming the first label out of range
 * @example
 * ```ts
 * oneHotRows(Int32Array.of(1, 0), 2); // Float32Array [0, 1, 1, 0]
 * ```
 */
export function oneHotRows(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => {
    if (!(label >= 0 && label < classes)) throw new RangeError(`oneHotRows: labels[${i}] = ${label} is outside [0, ${classes})`);
    out[i * classes + label] = 1;
  });
  return out;
}

/** Number of values in a tensor of this shape. @example `sizeOf([2, 3]) // 6` */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

/**
 * Compares an engine's values with a float64 reference, relative to the largest reference
 * magnitude (gradients and updates are small numbers: an absolute floor of 1 would pass anything).
 *
 * @param what - names the values in the message, e.g. `gradient of w1`
 * @param actual - the engine's values
 * @param expected - the reference
 * @param tolerance - relative to `max |expected|` (default 1e-3, float32 against float64)
 * @returns undefined when every value is within tolerance, otherwise the worst one
 * @example
 * ```ts
 * compareValues('loss', [0.5001], [0.5]);  // undefined
 * compareValues('loss', [0.6], [0.5]);     // 'loss[0]: got 0.6, expected 0.5 (tolerance 5.0e-4)'
 * ```
 */
export function compareValues(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-3): string | undefined {
  if (actual.length !== expected.length) return `${what}: ${actual.length} values, expected ${expected.length}`;
  let largest = 0;
  for (let i = 0; i < expected.length; i++) largest = Math.max(largest, Math.abs(expected[i]!));
  const limit = tolerance * (largest > 0 ? largest : 1);
  const { worst, worstIndex } = worstError(actual, expected);
  if (worst <= limit) return undefined;
  return `${what}[${worstIndex}]: got ${actual[worstIndex]}, expected ${expected[worstIndex]} (tolerance ${limit.toPrecision(2)})`;
}

/**
 * The ratio columns of the Node suites' tables: lossgraph's cpu cell against each peer's (TF.js cpu,
 * tfjs-wasm, jax-js, PyTorch), the same four in every suite.
 */
export const PEER_RATIOS: readonly RatioColumn[] = ['tfjs-cpu', 'tfjs-wasm', JAX_ID, 'pytorch'].map((reference) => ({ subject: 'lossgraph-cpu', reference }));
