/**
 * `pnpm bench:browser`: bundles ./page.ts (lossgraph from its sources, TF.js, jax-js), serves it with
 * TF.js's wasm binaries, opens it in headless Chromium (WebGL on SwiftShader, a software GPU) and
 * prints one Markdown table per workload: the median milliseconds of a step in each engine, side
 * by side, measured in the same page.
 *
 *   pnpm bench:browser [--quick] [--out <file>]
 */
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleForBrowser, chromiumUnavailable, launchChromium, modulePage, serveFiles, watchedPage } from '@lossgraph/chromium';
import type { BenchPageApi, Cell, EngineId, TimingOptions, WorkloadId } from './page.js';

/** Every column, in table order. */
export const ENGINES: readonly EngineId[] = ['lossgraph-cpu', 'lossgraph-webgl2', 'tfjs-wasm', 'tfjs-webgl', 'jax-wasm', 'jax-webgl'];
const LABELS: Record<EngineId, string> = {
  'lossgraph-cpu': 'lossgraph cpu', 'lossgraph-webgl2': 'lossgraph gpujs webgl2', 'tfjs-wasm': 'TF.js wasm',
  'tfjs-webgl': 'TF.js webgl', 'jax-wasm': 'jax-js wasm', 'jax-webgl': 'jax-js webgl',
};
const WORKLOADS: Record<WorkloadId, string> = {
  mlp: 'MLP SGD step, 784-128-10, batch 64 (forward, softmax CE, backward, update, loss read back)',
  'softmax-ce': 'SoftmaxCE forward and backward, logits [1024, 1000] (loss and gradient read back)',
};

/** Timing of a full run, and of `--quick` (a smoke run). */
export const FULL_TIMING: TimingOptions = { warmup: 5, minReps: 5, maxReps: 50, budgetMs: 3000 };
export const QUICK_TIMING: TimingOptions = { warmup: 2, minReps: 3, maxReps: 10, budgetMs: 500 };

/** What {@link benchBrowser} measured. */
export interface BrowserBenchResult {
  cells: Cell[];
  /** The WebGL renderer Chromium reported (SwiftShader here). */
  renderer: string | null;
  /** Chromium's user agent. */
  userAgent: string;
  /** Console errors and page errors seen. */
  problems: string[];
  /** The report, Markdown. */
  markdown: string;
}

/** The folder of TF.js's wasm binaries, which its wasm backend fetches at start. */
function tfjsWasmFiles(): Record<string, { file: string }> {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => [`tfjs/${f}`, { file: join(dir, f) }]));
}

const fmt = (ms: number | null): string => (ms === null ? 'n/a' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** Renders the cells as one table per workload, with the SwiftShader caveat first. */
export function report(cells: readonly Cell[], renderer: string | null, userAgent: string, timing: TimingOptions): string {
  const lines = [
    '# lossgraph in the browser, side by side (`pnpm bench:browser`)',
    '',
    `Headless Chromium (${userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? userAgent}), one page, engines run one after the other. WebGL renderer: ${renderer ?? 'none'}.`,
    '',
    '**SwiftShader is a software GPU: it runs WebGL on the CPU, so the webgl columns compare the engines (how many kernels, how much data moved), not GPUs.** On a real GPU their ranking and their ratio to the wasm columns change.',
    '',
    `Median ms per step after ${timing.warmup} warm-up steps (${timing.minReps} to ${timing.maxReps} timed steps, about ${timing.budgetMs / 1000} s per cell), the result read back to the host each step. "first loss": the first step's loss from the same seeded inputs and weights in every engine.`,
  ];
  for (const workload of Object.keys(WORKLOADS) as WorkloadId[]) {
    const row = cells.filter((c) => c.workload === workload);
    if (row.length === 0) continue;
    lines.push('', `## ${WORKLOADS[workload]}`, '', '| engine | median ms | timed steps | first loss |', '| --- | --- | --- | --- |');
    for (const c of row) lines.push(`| ${LABELS[c.engine]} | ${fmt(c.medianMs)}${c.error ? ` (${c.error})` : ''} | ${c.reps} | ${c.firstLoss === null ? 'n/a' : c.firstLoss.toFixed(5)} |`);
  }
  return lines.join('\n');
}

/**
 * Runs the browser benchmark: bundle, serve, launch Chromium, time every engine on every workload.
 * @param timing - warm-up and timed steps per cell
 * @param workloads - which workloads (default both)
 * @param engines - which columns (default all)
 * @returns the cells, the renderer, the page's problems and the Markdown report
 * @throws Error when Chromium is missing
 */
export async function benchBrowser(timing: TimingOptions = FULL_TIMING, workloads: readonly WorkloadId[] = ['mlp', 'softmax-ce'], engines: readonly EngineId[] = ENGINES): Promise<BrowserBenchResult> {
  const unavailable = chromiumUnavailable();
  if (unavailable !== null) throw new Error(`bench:browser: ${unavailable}`);
  const script = await bundleForBrowser(fileURLToPath(new URL('../../src/browser/page.ts', import.meta.url)), { minify: true });
  const server = await serveFiles({ 'index.html': modulePage('bench.js', 'lossgraph bench:browser'), 'bench.js': script, ...tfjsWasmFiles() });
  const browser = await launchChromium();
  try {
    const { page, problems } = await watchedPage(browser);
    await page.goto(server.url);
    await page.waitForFunction(() => 'benchBrowser' in globalThis, undefined, { timeout: 60_000 });
    const started = await page.evaluate((path) => (globalThis as unknown as { benchBrowser: BenchPageApi }).benchBrowser.init(path), `${server.url}tfjs/`);
    const cells: Cell[] = [];
    for (const workload of workloads) {
      cells.push(...await page.evaluate(
        ([e, w, t]) => (globalThis as unknown as { benchBrowser: BenchPageApi }).benchBrowser.run(e, w, t),
        [[...engines], workload, timing] as const,
      ));
    }
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const markdown = `${report(cells, started.renderer, userAgent, timing)}\n\njax-js devices started: ${started.jaxDevices.join(', ')}; TF.js ${started.tfjsVersion}.`;
    return { cells, renderer: started.renderer, userAgent, problems, markdown };
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
  const result = await benchBrowser(values.quick ? QUICK_TIMING : FULL_TIMING);
  console.log(result.markdown);
  if (result.problems.length > 0) console.log(`\nConsole problems in the page:\n${result.problems.join('\n')}`);
  if (values.out !== undefined) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(values.out, `${result.markdown}\n`);
    console.log(`\nwrote ${values.out}`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
