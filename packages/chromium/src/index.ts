/**
 * Development only (a private package, never published): one way for the repository's browser
 * tests, the lab and `pnpm bench:browser` to bundle lossgraph for a page, serve it, and drive
 * Debian's Chromium with playwright-core. Nothing here downloads a browser.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The repository root (this file is packages/chromium/{src,dist}/index.*). */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Flags every launch uses: headless, no sandbox (containers), nothing that phones home. */
export const BASE_FLAGS: readonly string[] = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** WebGL and WebGL2 on SwiftShader, a software GPU: its timings compare engines, never GPUs. */
export const SWIFTSHADER_FLAGS: readonly string[] = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

/**
 * Why the browser tests cannot run here, or null when they can. Under CI a missing browser is an
 * error, not a skip: CI installs Debian's chromium, so its absence means the setup is broken.
 */
export function chromiumUnavailable(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
  if (process.env['CI']) throw new Error(`browser tests: ${reason}; CI must install Debian's chromium package`);
  return reason;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** Turn on WebGL/WebGL2 through SwiftShader (default true); false adds `--disable-gpu`. */
  webgl?: boolean;
  /** Extra command-line flags. */
  args?: readonly string[];
}

/** Launches Debian's Chromium headless, with SwiftShader WebGL unless `webgl` is false. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const webgl = options.webgl ?? true;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...BASE_FLAGS, ...(webgl ? SWIFTSHADER_FLAGS : ['--disable-gpu']), ...(options.args ?? [])],
  });
}

/** A page whose console errors, warnings and uncaught exceptions are collected in `problems`. */
export interface WatchedPage {
  page: Page;
  /** `console error: ...`, `console warning: ...` and `page error: ...` lines, in order. */
  problems: string[];
}

/** Opens a page that records its console errors and warnings and its uncaught exceptions. */
export async function watchedPage(target: Browser | BrowserContext, viewport = { width: 1280, height: 720 }): Promise<WatchedPage> {
  const page = await target.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { page, problems };
}

const LIBRARY_PACKAGES = ['tensor', 'autograd', 'loss', 'nn', 'lab'] as const;

/**
 * Resolves `@lossgraph/<name>` (and the tensor subpaths) to the TypeScript sources, so a bundle
 * never depends on a stale `dist`; esbuild maps the sources' `./x.js` imports to `./x.ts` itself.
 */
function sourcesPlugin(): Plugin {
  return {
    name: 'lossgraph-sources',
    setup(b) {
      b.onResolve({ filter: /^@lossgraph\/[a-z]+(\/[a-z]+)?$/ }, (args) => {
        const [, name, sub] = /^@lossgraph\/([a-z]+)(?:\/([a-z]+))?$/.exec(args.path)!;
        if (!(LIBRARY_PACKAGES as readonly string[]).includes(name!)) return undefined;
        return { path: join(REPOSITORY_ROOT, 'packages', name!, 'src', `${sub ?? 'index'}.ts`) };
      });
    },
  };
}

/** Options of {@link bundleForBrowser}. */
export interface BundleOptions {
  /** Bundle the packages from their TypeScript sources (default true) rather than their built `dist`. */
  fromSources?: boolean;
  /** Minify (default false: stack traces in test failures stay readable). */
  minify?: boolean;
  /** Module format (default 'esm'); 'iife' for a classic script or a page opened from file://. */
  format?: 'esm' | 'iife';
}

/**
 * Bundles one entry file (JavaScript or TypeScript) with everything it imports into one browser
 * script, returned as text.
 */
export async function bundleForBrowser(entry: string, options: BundleOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: options.format ?? 'esm',
    target: 'es2022',
    minify: options.minify ?? false,
    logLevel: 'silent',
    plugins: options.fromSources === false ? [] : [sourcesPlugin()],
  });
  return result.outputFiles[0]!.text;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8',
};

/** A local HTTP server over a fixed set of files; see {@link serveFiles}. */
export interface FileServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  close(): Promise<void>;
}

/** Options of {@link serveFiles}. */
export interface ServeOptions {
  /** The port (default 0: a free one, as tests want; `pnpm lab --port 8080` names one). */
  port?: number;
}

/**
 * Serves `files` (URL path without the leading slash → contents, or a path on disk) on 127.0.0.1
 * at a free port, or `options.port`. Module workers and `fetch` need http: Chromium refuses both
 * from file://.
 */
export async function serveFiles(files: Record<string, string | { file: string }>, options: ServeOptions = {}): Promise<FileServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!.replace(/^\//, '')) || 'index.html';
    const entry = files[path];
    if (entry === undefined) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    const body = typeof entry === 'string' ? entry : readFileSync(entry.file);
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** A minimal HTML page that loads one module script. */
export function modulePage(script: string, title = 'lossgraph'): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title></head><body><script type="module" src="./${script}"></script></body></html>`;
}
