/**
 * Builds the lab into one self-contained page: the app bundled with esbuild (the library from its
 * TypeScript sources, gpu.js included) inline in `packages/lab/dist/index.html`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleForBrowser, REPOSITORY_ROOT } from '@lossgraph/chromium';
import { labPage } from './page.js';

/** The app's entry, in the sources (esbuild bundles TypeScript itself). */
export const LAB_ENTRY: string = join(REPOSITORY_ROOT, 'packages', 'lab', 'app', 'main.ts');

/** Where `pnpm lab:build` writes the page. */
export const LAB_PAGE: string = join(REPOSITORY_ROOT, 'packages', 'lab', 'dist', 'index.html');

/**
 * Bundles the app and returns the page's HTML.
 *
 * @param minify - minify the bundle (the built site does; tests keep stack traces readable)
 * @returns the HTML text
 */
export async function buildLabHtml(minify = true): Promise<string> {
  return labPage(await bundleForBrowser(LAB_ENTRY, { format: 'iife', minify }));
}

/**
 * Writes the page.
 *
 * @param file - where (default {@link LAB_PAGE})
 * @returns the file written and its size in bytes
 */
export async function writeLab(file: string = LAB_PAGE): Promise<{ file: string; bytes: number }> {
  const html = await buildLabHtml();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
  return { file, bytes: Buffer.byteLength(html) };
}
