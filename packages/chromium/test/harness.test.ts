import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, chromiumUnavailable, launchChromium, modulePage, serveFiles, watchedPage, type FileServer } from '../src/index.js';

const unavailable = chromiumUnavailable();
if (unavailable !== null) console.warn(`chromium harness test: skipped, ${unavailable}`);

describe.skipIf(unavailable !== null)('chromium harness', () => {
  let browser: Browser;
  let server: FileServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromium-harness-'));
    const entry = join(dir, 'entry.ts');
    // The page computes with the library bundled from its sources and reports through a global.
    writeFileSync(entry, [
      "import { tensor } from '@lossgraph/tensor';",
      "import { variable, sum, mul } from '@lossgraph/autograd';",
      'const x = variable([1, 2, 3]);',
      'const y = sum(mul(x, x));',
      'y.backward();',
      "(globalThis as unknown as { result: unknown }).result = { y: y.value.dataSync()[0], grad: Array.from(x.grad!.dataSync()), t: Array.from(tensor([4, 5]).dataSync()) };",
    ].join('\n'));
    const script = await bundleForBrowser(entry);
    server = await serveFiles({ 'index.html': modulePage('app.js'), 'app.js': script });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('bundles the library from its sources, serves it and runs it in Chromium with no console errors', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(server.url);
    await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 20_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${problems.join('\n')}`);
    });
    expect(await page.evaluate(() => (globalThis as unknown as { result: unknown }).result)).toEqual({ y: 14, grad: [2, 4, 6], t: [4, 5] });
    expect(problems).toEqual([]);
  });

  it('gives the page WebGL2 through SwiftShader', async () => {
    const { page } = await watchedPage(browser);
    await page.goto(server.url);
    const renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return gl === null || gl === undefined || info === null || info === undefined ? null : String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
    });
    expect(renderer).toMatch(/SwiftShader/i);
  });
});
