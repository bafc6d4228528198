/**
 * `pnpm worker`: an MLP that trains in a Web Worker while the page draws its progress. Bundles the
 * page (src/browser/worker-page.ts) and the worker (src/browser/worker.ts) with the library, writes
 * them to `out/worker/` and serves that folder on 127.0.0.1 (module workers refuse file://); open
 * the printed address in a browser. The worker trains with `fit` on the cpu backend (WebAssembly
 * SIMD) and posts every step's epoch, step and loss.
 *
 * Flags: `--epochs <n>` (default 20), `--out <dir>` (default `packages/examples/out/worker`).
 */
import { join } from 'node:path';
import { bundleForBrowser, serveFiles } from '@lossgraph/chromium';
import { parseFlags } from './lib/cli.js';
import { PACKAGE_ROOT } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';

/** Options of {@link run}. */
export interface WorkerExampleOptions {
  /** Where to write the page's files; null writes nothing (default `packages/examples/out/worker`). */
  readonly outDir?: string | null;
  /** Minify the bundles (default false). */
  readonly minify?: boolean;
}

/** What {@link run} built. */
export interface WorkerExampleResult {
  /** The page's files by URL path: `index.html`, `page.js` and `worker.js`. */
  readonly files: Readonly<Record<string, string>>;
  /** The folder written, or null. */
  readonly dir: string | null;
}

/** The default output folder (gitignored). */
export const DEFAULT_OUT_DIR: string = join(PACKAGE_ROOT, 'out', 'worker');

/**
 * Bundles the page and the worker and writes them. Served over http, `index.html?epochs=N` trains
 * for N epochs (default 20).
 * @param options - see {@link WorkerExampleOptions}
 * @returns the files and the folder written
 * @example
 * ```ts
 * const { files } = await run({ outDir: null });   // serve files with serveFiles(files)
 * ```
 */
export async function run(options: WorkerExampleOptions = {}): Promise<WorkerExampleResult> {
  const outDir = options.outDir === undefined ? DEFAULT_OUT_DIR : options.outDir;
  const source = (name: string): string => join(PACKAGE_ROOT, 'src', 'browser', name);
  const bundle = { minify: options.minify ?? false };
  const files: Record<string, string> = {
    'index.html': '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>lossgraph worker</title></head><body><script type="module" src="./page.js"></script></body></html>',
    'page.js': await bundleForBrowser(source('worker-page.ts'), bundle),
    'worker.js': await bundleForBrowser(source('worker.ts'), bundle),
  };
  if (outDir !== null) for (const [name, text] of Object.entries(files)) writeOutput(outDir, name, text);
  return { files, dir: outDir };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv, { common: ['epochs', 'out'] });
  const { files, dir } = await run({ outDir: flags.outDir ?? DEFAULT_OUT_DIR, minify: true });
  console.log(`wrote ${displayPath(dir!)}/{index.html,page.js,worker.js}`);
  const server = await serveFiles(files);
  console.log(`serving at ${server.url}?epochs=${flags.epochs ?? 20} (Ctrl-C stops)`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
