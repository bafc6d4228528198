/**
 * A one-line progress bar for training loops.
 */

/** Where the bar writes: anything with `write` (and optionally `isTTY`), e.g. `process.stderr`. */
export interface ProgressSink {
  /** Writes text as it is (no newline added). */
  write(text: string): unknown;
  /** True on a terminal: the bar then redraws in place. */
  readonly isTTY?: boolean;
}

/**
 * A progress bar on one line: `[#####.....] 5/10 loss 0.1234 acc 0.9500`. On a terminal it
 * redraws in place; elsewhere (logs, CI) it prints one line per `update` that is at least
 * `every` steps after the last printed one, plus the final one, so logs stay short.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar('digits', 20);
 * for (let epoch = 1; epoch <= 20; epoch++) bar.update(epoch, { loss: 0.1, acc: 0.97 });
 * bar.done();
 * ```
 */
export class ProgressBar {
  private lastPrinted = 0;
  private readonly every: number;

  /**
   * @param label - printed before the bar
   * @param total - number of steps
   * @param sink - where to write (default `process.stderr`); null for silence
   */
  constructor(private readonly label: string, private readonly total: number, private readonly sink: ProgressSink | null = process.stderr) {
    this.every = Math.max(1, Math.ceil(total / 10));
  }

  /**
   * Shows step `step` of `total` with named metrics.
   * @param step - steps done (1..total)
   * @param metrics - values to show, e.g. `{ loss: 0.12 }`
   */
  update(step: number, metrics: Record<string, number> = {}): void {
    if (this.sink === null) return;
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const shown = Object.entries(metrics).map(([k, v]) => `${k} ${formatMetric(v)}`).join('  ');
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${this.total}  ${shown}`;
    if (this.sink.isTTY === true) {
      this.sink.write(`\r${line}\x1b[K`);
    } else if (step - this.lastPrinted >= this.every || step === this.total) {
      this.sink.write(`${line}\n`);
      this.lastPrinted = step;
    }
  }

  /** Ends the line (on a terminal). */
  done(): void {
    if (this.sink?.isTTY === true) this.sink.write('\n');
  }
}

function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}
