/**
 * `pnpm worker`: the page and its module worker, served over http and driven in headless Chromium.
 * The worker trains with fit and posts each step; the page shows it and keeps animating; the losses
 * are those of the same fit in Node (cpu: the same WebAssembly kernels, so equal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { setBackend, type Tensor } from '@lossgraph/tensor';
import { logSoftmax, mean, neg, pick, type Variable } from '@lossgraph/autograd';
import { fit } from '@lossgraph/nn';
import { chromiumUnavailable, launchChromium, serveFiles, watchedPage, type FileServer } from '@lossgraph/chromium';
import { run } from '../src/worker.js';
import { mlpSetup } from '../src/browser/mlp.js';
import type { WorkerDemoState } from '../src/browser/worker-page.js';

const unavailable = chromiumUnavailable();
if (unavailable !== null) console.warn(`worker test: skipped, ${unavailable}`);

const EPOCHS = 20;

describe.skipIf(unavailable !== null)('pnpm worker: training in a Web Worker, progress on the page', () => {
  let browser: Browser;
  let server: FileServer;

  beforeAll(async () => {
    const { files, dir } = await run({ outDir: null });
    expect(dir).toBeNull();
    expect(Object.keys(files).sort()).toEqual(['index.html', 'page.js', 'worker.js']);
    server = await serveFiles(files);
    browser = await launchChromium({ webgl: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("trains in the worker with Node's losses; the page shows every step and keeps drawing", async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}?epochs=${EPOCHS}`);
    await page.waitForFunction(() => (globalThis as unknown as { workerDemo?: WorkerDemoState }).workerDemo?.result != null, undefined, { timeout: 60_000 })
      .catch((e: Error) => { throw new Error(`${e.message}\n${problems.join('\n')}`); });
    const state = await page.evaluate(() => (globalThis as unknown as { workerDemo: WorkerDemoState }).workerDemo);
    const status = await page.textContent('#status');

    setBackend('cpu');
    const { net, optimizer, loader } = mlpSetup();
    const nodeLosses: number[] = [];
    const loss = (pred: Variable, label: Tensor): Variable => mean(neg(pick(logSoftmax(pred), label)));
    const expected = await fit(net, { loss, optimizer, data: loader, epochs: EPOCHS, onStep: (p) => nodeLosses.push(p.loss) });

    expect(state.result).toEqual({ type: 'done', steps: EPOCHS * 8, backend: 'cpu', epochLosses: [...expected.epochLosses] });
    expect(state.progress.map((p) => p.loss)).toEqual(nodeLosses);
    expect(state.progress.map((p) => p.totalSteps)).toEqual(Array.from({ length: EPOCHS * 8 }, (_, i) => i + 1));
    expect(status).toMatch(new RegExp(`^done: ${EPOCHS * 8} steps on cpu, last epoch's mean loss \\d\\.\\d{4}$`));
    expect(state.frames).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
