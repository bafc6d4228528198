/**
 * The reusable part of the benchmarks: timing with warm-up and a time budget, medians, result
 * cells, Markdown tables with speed ratios, and performance targets checked against the results.
 * Suites (see `suites/`) decide what to run; this module decides how it is timed and shown.
 */

// ---------------------------------------------------------------- timing

/** How one cell is timed. All durations are in milliseconds. */
export interface TimingOptions {
  /** Warm-up lasts at least this long (JIT, caches, kernel compilation, lazy uploads). */
  warmupMs: number;
  /** ... and at least this many calls. */
  minWarmupRuns: number;
  /** Timed calls continue until this much time has been spent measuring ... */
  budgetMs: number;
  /** ... and at least this many calls have been timed ... */
  minRuns: number;
  /** ... but never more than this many. */
  maxRuns: number;
  /**
   * A cell whose single call is very slow stops after this much measuring time even below
   * `minRuns` (at least one timed call always runs), so one slow engine cannot stall the run.
   */
  hardLimitMs: number;
  /**
   * Suites that compare engines split each cell into this many rounds, run in turn with the
   * other engines of the row (see {@link roundTiming}), and pool the timed calls with
   * {@link poolSamples}: a burst of load from elsewhere on the machine then hits every engine of
   * the row instead of one.
   */
  rounds: number;
}

/**
 * Timing presets: the default aims at about 0.8 s per cell; `quick` at about 0.2 s, for smoke
 * runs and for trying a change.
 *
 * @param quick - true for the `--quick` preset
 * @returns a fresh options object the caller may adjust
 * @example
 * ```ts
 * const timing = timingPreset(process.argv.includes('--quick'));
 * ```
 */
export function timingPreset(quick: boolean): TimingOptions {
  return quick
    ? { warmupMs: 50, minWarmupRuns: 1, budgetMs: 150, minRuns: 3, maxRuns: 200, hardLimitMs: 1_500, rounds: 1 }
    // V8 optimises a function after it has run many times, not after some milliseconds: a few
    // warm-up calls of a 40 ms workload would time partly unoptimised code.
    : { warmupMs: 500, minWarmupRuns: 30, budgetMs: 600, minRuns: 7, maxRuns: 2_000, hardLimitMs: 6_000, rounds: 3 };
}

/**
 * The timing of one round of a cell split into `options.rounds` rounds: budget, minimum runs,
 * maximum runs and hard limit are divided among the rounds; the first round warms up fully,
 * later ones make a single untimed call (to refill caches after the other engines ran).
 *
 * @param options - the cell's whole timing
 * @param round - 0-based round number, below `options.rounds`
 * @returns the timing to pass to {@link measure} for that round
 * @throws RangeError when `round` is out of range
 * @example
 * ```ts
 * const timing = timingPreset(false);
 * const samples = [0, 1, 2].map((r) => measure(work, roundTiming(timing, r)));
 * poolSamples(samples).medianMs;
 * ```
 */
export function roundTiming(options: TimingOptions, round: number): TimingOptions {
  const rounds = Math.max(1, Math.floor(options.rounds));
  if (!Number.isInteger(round) || round < 0 || round >= rounds) {
    throw new RangeError(`roundTiming: round must be an integer in [0, ${rounds - 1}], got ${round}`);
  }
  if (rounds === 1) return options;
  return {
    warmupMs: round === 0 ? options.warmupMs : 0,
    minWarmupRuns: round === 0 ? options.minWarmupRuns : 1,
    budgetMs: options.budgetMs / rounds,
    minRuns: Math.ceil(options.minRuns / rounds),
    maxRuns: Math.max(1, Math.floor(options.maxRuns / rounds)),
    hardLimitMs: options.hardLimitMs / rounds,
    rounds: 1,
  };
}

/**
 * Pools the timed calls of several samples of the same cell into one sample.
 *
 * @param samples - at least one sample
 * @returns median, min and max over all their calls
 * @throws RangeError when `samples` is empty
 * @example
 * ```ts
 * poolSamples([measure(work, t0), measure(work, t1)]).runs; // the sum of both counts
 * ```
 */
export function poolSamples(samples: readonly Sample[]): Sample {
  if (samples.length === 0) throw new RangeError('poolSamples: expected at least one sample');
  const times = samples.flatMap((sample) => sample.times);
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length, times };
}

/**
 * A sample with every time multiplied by `factor`: milliseconds per call turned into another unit
 * (ns per element: `1e6 / elements`; µs per op: `1000 / ops`). Medians commute with a positive
 * factor, so the median is the scaled median.
 *
 * @param sample - the measured sample
 * @param factor - a positive finite number
 * @returns a new sample
 * @throws RangeError when `factor` is not positive and finite
 * @example
 * ```ts
 * scaleSample(sample, 1e6 / 4_096_000).medianMs; // ns per element of a 4,096,000-element call
 * ```
 */
export function scaleSample(sample: Sample, factor: number): Sample {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`scaleSample: factor must be a positive finite number, got ${factor}`);
  const times = sample.times.map((t) => t * factor);
  return { medianMs: sample.medianMs * factor, minMs: sample.minMs * factor, maxMs: sample.maxMs * factor, runs: sample.runs, times };
}

/** Summary of the timed calls of one cell, in milliseconds. */
export interface Sample {
  /** Median duration of one call: the number the tables show. */
  medianMs: number;
  /** Fastest call. */
  minMs: number;
  /** Slowest call. */
  maxMs: number;
  /** Number of timed calls (warm-up excluded). */
  runs: number;
  /** Duration of every timed call, in order. */
  times: readonly number[];
}

/**
 * The median of a non-empty list (the mean of the two middle values for an even count).
 *
 * @param values - durations or any numbers; not modified
 * @returns the median
 * @throws RangeError when `values` is empty
 * @example
 * ```ts
 * median([3, 1, 2]);    // 2
 * median([4, 1, 3, 2]); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: expected at least one value, got an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A millisecond clock; `performance.now` unless a test supplies a fake one. */
export type Clock = () => number;

function assertTiming(options: TimingOptions): void {
  for (const key of ['warmupMs', 'budgetMs', 'hardLimitMs'] as const) {
    if (!(options[key] >= 0)) throw new RangeError(`measure: options.${key} must be a number >= 0, got ${options[key]}`);
  }
  for (const key of ['minWarmupRuns', 'minRuns', 'maxRuns', 'rounds'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0) {
      throw new RangeError(`measure: options.${key} must be an integer >= 0, got ${options[key]}`);
    }
  }
  if (options.maxRuns < 1) throw new RangeError(`measure: options.maxRuns must be >= 1, got ${options.maxRuns}`);
  if (options.rounds < 1) throw new RangeError(`measure: options.rounds must be >= 1, got ${options.rounds}`);
}

/**
 * Times a synchronous call: warm-up first, then timed calls until both the time budget and the
 * minimum number of calls are reached (or `maxRuns`, or `hardLimitMs`). The call itself must
 * force its result to exist (read it back, dispose it): lazy engines are otherwise timed doing
 * nothing.
 *
 * @param fn - the work of one call
 * @param options - warm-up and budget, usually from {@link timingPreset}
 * @param clock - milliseconds clock, for tests
 * @returns median, min, max and count of the timed calls
 * @throws RangeError naming the option when an option is out of range
 * @example
 * ```ts
 * const sample = measure(() => { const y = add(a, b); y.dataSync(); }, timingPreset(false));
 * console.log(`${sample.medianMs.toFixed(2)} ms over ${sample.runs} runs`);
 * ```
 */
export function measure(fn: () => void, options: TimingOptions, clock: Clock = () => performance.now()): Sample {
  assertTiming(options);
  const warmupStart = clock();
  for (let i = 0; i < options.minWarmupRuns || clock() - warmupStart < options.warmupMs; i++) {
    fn();
    if (clock() - warmupStart >= options.hardLimitMs) break;
  }
  const times: number[] = [];
  const start = clock();
  while (times.length < options.maxRuns) {
    const t0 = clock();
    fn();
    const t1 = clock();
    times.push(t1 - t0);
    const spent = t1 - start;
    if (spent >= options.hardLimitMs) break;
    if (spent >= options.budgetMs && times.length >= options.minRuns) break;
  }
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length, times };
}

// ---------------------------------------------------------------- result cells

/** The outcome of one (row, engine) cell of a comparison. */
export type CellResult =
  /** Measured; `note` (e.g. a failed correctness check) is listed under the table. */
  | { kind: 'time'; sample: Sample; note?: string }
  /** The engine cannot run here (no display for WebGL, failed to load): shown as "n/a". */
  | { kind: 'unavailable'; reason: string }
  /** The engine threw on this workload: shown as "error", with the message under the table. */
  | { kind: 'error'; message: string }
  /** The engine has no implementation of this workload by design: shown as "—". */
  | { kind: 'skipped' };

/** A column of a comparison: one engine. */
export interface EngineColumn {
  /** Key used to store and look up cells, e.g. `lossgraph-cpu`. */
  id: string;
  /** Column header, e.g. `lossgraph cpu`. */
  label: string;
}

/** A row of a comparison: one workload. */
export interface WorkloadRow {
  /** Key used to store and look up cells and to match `--filter`. */
  id: string;
  /** Row label, e.g. `add [1000,1000] + [1000]`. */
  label: string;
  /** Free-form group (e.g. `elementwise`), for targets that apply to a kind of row. */
  group: string;
}

/**
 * A grid of results: rows are workloads, columns are engines. Suites fill it and
 * {@link renderComparison} prints it.
 *
 * @example
 * ```ts
 * const grid = new Comparison([{ id: 'exp', label: 'exp 1M', group: 'elementwise' }],
 *                             [{ id: 'tfjs-cpu', label: 'TF.js cpu' }]);
 * grid.set('exp', 'tfjs-cpu', { kind: 'time', sample });
 * grid.milliseconds('exp', 'tfjs-cpu'); // sample.medianMs
 * ```
 */
export class Comparison {
  /** Rows in display order. */
  readonly rows: readonly WorkloadRow[];
  /** Columns in display order. */
  readonly columns: readonly EngineColumn[];
  private readonly cells = new Map<string, CellResult>();

  /**
   * @param rows - workloads, in display order (ids unique)
   * @param columns - engines, in display order (ids unique)
   * @throws RangeError naming the duplicated id
   */
  constructor(rows: readonly WorkloadRow[], columns: readonly EngineColumn[]) {
    assertUniqueIds(rows, 'rows');
    assertUniqueIds(columns, 'columns');
    this.rows = rows;
    this.columns = columns;
  }

  /**
   * Stores the result of one cell, replacing any earlier one.
   * @throws RangeError when the row or column id is unknown
   */
  set(rowId: string, columnId: string, result: CellResult): void {
    this.assertKnown(rowId, columnId);
    this.cells.set(cellKey(rowId, columnId), result);
  }

  /** The result of one cell; `undefined` when nothing was stored (e.g. filtered out). */
  get(rowId: string, columnId: string): CellResult | undefined {
    this.assertKnown(rowId, columnId);
    return this.cells.get(cellKey(rowId, columnId));
  }

  /** The median time of a measured cell, or `undefined` for any other kind of cell. */
  milliseconds(rowId: string, columnId: string): number | undefined {
    const cell = this.get(rowId, columnId);
    return cell?.kind === 'time' ? cell.sample.medianMs : undefined;
  }

  private assertKnown(rowId: string, columnId: string): void {
    if (!this.rows.some((r) => r.id === rowId)) throw new RangeError(`Comparison: unknown row id ${JSON.stringify(rowId)}`);
    if (!this.columns.some((c) => c.id === columnId)) throw new RangeError(`Comparison: unknown column id ${JSON.stringify(columnId)}`);
  }
}

function cellKey(rowId: string, columnId: string): string {
  return `${rowId}\u0000${columnId}`;
}

function assertUniqueIds(items: readonly { id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const { id } of items) {
    if (seen.has(id)) throw new RangeError(`Comparison: duplicate id ${JSON.stringify(id)} in ${what}`);
    seen.add(id);
  }
}

// ---------------------------------------------------------------- formatting

/**
 * Milliseconds with about three significant digits (`0.123`, `1.23`, `12.3`, `123`).
 * @example `formatMs(1.2345)  // '1.23'`
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return ms.toFixed(digits);
}

/**
 * How much faster or slower `subjectMs` is than `referenceMs`, as people say it.
 *
 * @param subjectMs - time of the engine being judged
 * @param referenceMs - time of the engine it is compared with
 * @returns e.g. `'3.2x faster'`, `'1.5x slower'`; `'1.0x'` for a tie to one decimal
 * @throws RangeError when either time is not a positive finite number
 * @example
 * ```ts
 * formatRatio(1, 3.2); // '3.2x faster'
 * formatRatio(3, 2);   // '1.5x slower'
 * ```
 */
export function formatRatio(subjectMs: number, referenceMs: number): string {
  for (const [name, v] of [['subjectMs', subjectMs], ['referenceMs', referenceMs]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`formatRatio: ${name} must be a positive finite number, got ${v}`);
  }
  const faster = referenceMs / subjectMs;
  const factor = faster >= 1 ? faster : 1 / faster;
  const text = factor >= 100 ? factor.toFixed(0) : factor.toFixed(1);
  if (text === '1.0') return '1.0x';
  return `${text}x ${faster >= 1 ? 'faster' : 'slower'}`;
}

/** Column alignment of {@link renderMarkdownTable}. */
export type Align = 'left' | 'right';

/**
 * A Markdown (GitHub) table whose columns are padded so it also reads well in a terminal.
 *
 * @param header - column titles
 * @param rows - cell texts, one array per row, each as long as `header`
 * @param align - per-column alignment; default: first column left, the rest right
 * @returns the table, lines joined with `\n`, no trailing newline
 * @throws RangeError when a row's length differs from the header's
 * @example
 * ```ts
 * renderMarkdownTable(['op', 'ms'], [['exp', '1.23']]);
 * // | op  |   ms |
 * // | :-- | ---: |
 * // | exp | 1.23 |
 * ```
 */
export function renderMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new RangeError(`renderMarkdownTable: rows[${i}] has ${row.length} cells, expected ${header.length} (one per header column)`);
  });
  const aligns = header.map((_, j) => align?.[j] ?? (j === 0 ? 'left' : 'right'));
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const widths = header.map((h, j) => Math.max(3, escape(h).length, ...rows.map((r) => escape(r[j]!).length)));
  const pad = (text: string, j: number): string => (aligns[j] === 'left' ? text.padEnd(widths[j]!) : text.padStart(widths[j]!));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, j) => pad(escape(c), j)).join(' | ')} |`;
  const rule = `| ${widths.map((w, j) => (aligns[j] === 'left' ? `:${'-'.repeat(w - 1)}` : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A ratio column: how `subject` compares with `reference`, row by row. */
export interface RatioColumn {
  /** Column id of the engine being judged. */
  subject: string;
  /** Column id of the engine it is compared with. */
  reference: string;
}

/** Options of {@link renderComparison}. */
export interface RenderOptions {
  /**
   * Ratio columns, each placed right after its subject's time column and headed `vs <reference>`;
   * a footer line says so whenever there are any.
   */
  ratios?: readonly RatioColumn[];
  /** Lines printed under the table as a bullet list (method, caveats). */
  footer?: readonly string[];
  /**
   * The unit of the time columns' headers, default `ms`; for cells filled with
   * {@link scaleSample} (e.g. `ns/element`, `µs/op`).
   */
  unit?: string;
}

function cellText(cell: CellResult | undefined): string {
  if (cell === undefined) return '';
  switch (cell.kind) {
    case 'time': return cell.note === undefined ? formatMs(cell.sample.medianMs) : `${formatMs(cell.sample.medianMs)} (!)`;
    case 'unavailable': return 'n/a';
    case 'error': return 'error';
    case 'skipped': return '—';
  }
}

/**
 * Renders a comparison as a Markdown table of median milliseconds (or `options.unit`), one row per workload that
 * has at least one result, with optional ratio columns, followed by the footer and a list of
 * every note, error and unavailable engine so that no "n/a" or "error" goes unexplained.
 *
 * @param comparison - the filled grid
 * @param options - ratio columns and footer lines
 * @returns Markdown text, ending without a newline
 * @throws RangeError when a ratio column names an unknown engine
 * @example
 * ```ts
 * console.log(renderComparison(grid, { ratios: [{ subject: 'lossgraph-cpu', reference: 'tfjs-cpu' }] }));
 * ```
 */
export function renderComparison(comparison: Comparison, options: RenderOptions = {}): string {
  const ratios = options.ratios ?? [];
  const labelOf = (id: string): string => {
    const column = comparison.columns.find((c) => c.id === id);
    if (!column) throw new RangeError(`renderComparison: ratio column names unknown engine ${JSON.stringify(id)}`);
    return column.label;
  };
  for (const r of ratios) { labelOf(r.subject); labelOf(r.reference); }

  const header = ['workload'];
  for (const column of comparison.columns) {
    header.push(`${column.label} (${options.unit ?? 'ms'})`);
    // A ratio column sits right after its subject's column, so naming the reference is enough.
    for (const r of ratios.filter((x) => x.subject === column.id)) header.push(`vs ${labelOf(r.reference)}`);
  }
  const shownRows = comparison.rows.filter((row) => comparison.columns.some((c) => comparison.get(row.id, c.id) !== undefined));
  const body = shownRows.map((row) => {
    const cells = [row.label];
    for (const column of comparison.columns) {
      cells.push(cellText(comparison.get(row.id, column.id)));
      for (const r of ratios.filter((x) => x.subject === column.id)) {
        const subject = comparison.milliseconds(row.id, r.subject);
        const reference = comparison.milliseconds(row.id, r.reference);
        cells.push(subject !== undefined && reference !== undefined && subject > 0 && reference > 0 ? formatRatio(subject, reference) : '');
      }
    }
    return cells;
  });

  const notes: string[] = [];
  const unavailable = new Map<string, string>();
  for (const row of shownRows) {
    for (const column of comparison.columns) {
      const cell = comparison.get(row.id, column.id);
      if (cell?.kind === 'unavailable') unavailable.set(column.label, cell.reason);
      if (cell?.kind === 'error') notes.push(`error, ${column.label} / ${row.label}: ${cell.message}`);
      if (cell?.kind === 'time' && cell.note !== undefined) notes.push(`(!) ${column.label} / ${row.label}: ${cell.note}`);
    }
  }
  for (const [label, reason] of unavailable) notes.push(`n/a, ${label}: ${reason}`);

  const ratioNote = ratios.length > 0
    ? ['Each "vs X" column compares the engine in the nearest time column to its left with X: "3.2x faster" means it takes 1/3.2 of X\'s time.']
    : [];
  const bullets = [...(options.footer ?? []), ...ratioNote, ...notes].map((line) => `- ${line}`);
  return [renderMarkdownTable(header, body), ...(bullets.length > 0 ? ['', ...bullets] : [])].join('\n');
}

// ---------------------------------------------------------------- targets

/**
 * A performance goal: on every row it covers, `subject` must take at most `maxSlowdown` times
 * the time of `reference` (so "3x faster" is `maxSlowdown: 1/3`, "no slower" is 1, "within 2x"
 * is 2).
 */
export interface Target {
  /** What the goal says, e.g. `lossgraph cpu >= 3x faster than TF.js cpu (elementwise, reductions)`. */
  description: string;
  /** Column id of the engine being judged. */
  subject: string;
  /** Column id of the engine it is compared with. */
  reference: string;
  /** Largest allowed `subjectMs / referenceMs`. */
  maxSlowdown: number;
  /** Which rows the goal covers. */
  appliesTo: (row: WorkloadRow) => boolean;
}

/** How one target fared: `holds` is undefined when no covered row was measured for both engines. */
export interface TargetOutcome {
  /** The target's description. */
  description: string;
  /** True when every measured covered row meets the goal, false when any misses. */
  holds: boolean | undefined;
  /** One line per covered row, e.g. `exp 1M: 4.1x faster (ok)`. */
  details: string[];
}

/**
 * Checks targets against a filled comparison. Rows where either engine has no time (filtered,
 * unavailable, failed) are listed as unmeasured and do not decide the outcome.
 *
 * @param comparison - the filled grid
 * @param targets - goals to check
 * @returns one outcome per target, in order
 * @example
 * ```ts
 * evaluateTargets(grid, [{ description: 'matmul no slower than tfjs-wasm', subject: 'lossgraph-cpu',
 *   reference: 'tfjs-wasm', maxSlowdown: 1, appliesTo: (row) => row.group === 'matmul' }]);
 * ```
 */
export function evaluateTargets(comparison: Comparison, targets: readonly Target[]): TargetOutcome[] {
  return targets.map((target) => {
    let holds: boolean | undefined;
    const details: string[] = [];
    for (const row of comparison.rows.filter(target.appliesTo)) {
      const subject = comparison.milliseconds(row.id, target.subject);
      const reference = comparison.milliseconds(row.id, target.reference);
      if (subject === undefined || reference === undefined || !(subject > 0) || !(reference > 0)) {
        if (comparison.get(row.id, target.subject) !== undefined || comparison.get(row.id, target.reference) !== undefined) {
          details.push(`${row.label}: not measured`);
        }
        continue;
      }
      const ok = subject <= target.maxSlowdown * reference;
      holds = (holds ?? true) && ok;
      details.push(`${row.label}: ${formatRatio(subject, reference)} (${ok ? 'ok' : 'MISS'})`);
    }
    return { description: target.description, holds, details };
  });
}

/**
 * Renders target outcomes as a Markdown list: `HOLDS`, `MISSES` or `not measured`, with the
 * per-row ratios indented below.
 * @example
 * ```ts
 * console.log(renderTargets(evaluateTargets(grid, targets)));
 * ```
 */
export function renderTargets(outcomes: readonly TargetOutcome[]): string {
  return outcomes
    .map((o) => {
      const verdict = o.holds === undefined ? 'not measured' : o.holds ? 'HOLDS' : 'MISSES';
      return [`- **${verdict}**: ${o.description}`, ...o.details.map((d) => `  - ${d}`)].join('\n');
    })
    .join('\n');
}

// ---------------------------------------------------------------- suites

/** What a suite gets from the command line and the runner. */
export interface SuiteContext {
  /** Timing for every cell. */
  timing: TimingOptions;
  /** True for `--quick`. */
  quick: boolean;
  /** Whether a row id or label is selected by `--filter` (always true without the flag). */
  selects: (text: string) => boolean;
  /** Progress output (stderr), so stdout carries only the report. */
  log: (message: string) => void;
}

/** What a suite hands back: its section of the report and how its targets fared. */
export interface SuiteReport {
  /** Markdown section, starting with a `##` heading. Empty when the filter selected nothing. */
  markdown: string;
  /** Outcomes of the suite's targets. */
  targets: TargetOutcome[];
}

/**
 * One section of the benchmark report. New sections (losses, an MLP training step, per-op
 * overhead, ...) are new suites registered in `index.ts`.
 */
export interface Suite {
  /** Short id, matched by `--filter` together with each row's id and label. */
  id: string;
  /** Section title. */
  title: string;
  /** Runs the selected rows and reports. */
  run(context: SuiteContext): Promise<SuiteReport>;
}

/** What {@link startEngines} needs of an engine: its column, its label and its set-up. */
export interface StartableEngine {
  /** The column id in the grid. */
  readonly id: string;
  /** The name in progress lines. */
  readonly label: string;
  /** Sets the engine up; resolves to why it cannot run here, or undefined when it can. */
  init(): Promise<string | undefined>;
  /** A footer line describing the engine, if it has one. */
  describe(): string | undefined;
}

/**
 * Sets up each engine of a suite in turn; one that cannot run here fills its column of every row
 * with `n/a` and the reason, so a missing peer never stops a run.
 *
 * @param tag - progress prefix, e.g. `tensor`
 * @param engines - the suite's engines
 * @param rowIds - the ids of the selected rows
 * @param grid - the table to fill
 * @param log - where progress lines go
 * @returns the engines that are ready and the footer lines they describe themselves with
 * @example
 * ```ts
 * const { ready, descriptions } = await startEngines('tensor', engines, selected.map((w) => w.id), grid, context.log);
 * ```
 */
export async function startEngines<E extends StartableEngine>(
  tag: string, engines: readonly E[], rowIds: readonly string[], grid: Comparison, log: (line: string) => void,
): Promise<{ ready: E[]; descriptions: string[] }> {
  const descriptions: string[] = [];
  const ready: E[] = [];
  for (const engine of engines) {
    log(`[${tag}] starting ${engine.label}`);
    const unavailable = await engine.init();
    if (unavailable !== undefined) {
      log(`[${tag}] ${engine.label}: n/a (${unavailable})`);
      for (const id of rowIds) grid.set(id, engine.id, { kind: 'unavailable', reason: unavailable });
      continue;
    }
    const description = engine.describe();
    if (description !== undefined) descriptions.push(description);
    ready.push(engine);
  }
  return { ready, descriptions };
}
