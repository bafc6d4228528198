/**
 * The live lab in headless Chromium (Debian's, WebGL2 on SwiftShader), opened from file:// as a
 * user opens dist/index.html: every loss of the picker draws its graph and passes the numeric
 * check, a typed loss works and a broken one is reported without breaking the page, the walk goes
 * forward then backward with each op's gradient rule, and training lowers the loss while the page
 * keeps drawing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumUnavailable, launchChromium, watchedPage } from '@lossgraph/chromium';
import { DERIVATIVE_FORMULAS } from '@lossgraph/autograd';
import { LOSS_CASES } from '../app/catalogue.js';
import { buildLabHtml } from '../app/site.js';

const unavailable = chromiumUnavailable();
if (unavailable !== null) console.warn(`lab test: skipped, ${unavailable}`);

/** Frames per second of requestAnimationFrame over `ms`, measured in the page. */
function frameRate(page: Page, ms: number): Promise<number> {
  return page.evaluate((span) => new Promise<number>((done) => {
    let frames = 0;
    const t0 = performance.now();
    const tick = (): void => {
      frames++;
      const elapsed = performance.now() - t0;
      if (elapsed < span) requestAnimationFrame(tick);
      else done((frames * 1000) / elapsed);
    };
    requestAnimationFrame(tick);
  }), ms);
}

const readNumber = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).textContent());

describe.skipIf(unavailable !== null)('the lab in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-'));
    const file = join(dir, 'index.html');
    writeFileSync(file, await buildLabHtml(false));
    browser = await launchChromium();
    ({ page, problems } = await watchedPage(browser));
    await page.goto(pathToFileURL(file).href);
    await page.getByTestId('graph').getByTestId('node').first().waitFor({ timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws every loss of the picker, each passing the numeric check', async () => {
    const options = await page.getByTestId('loss-select').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual([...LOSS_CASES.map((c) => c.name), 'custom']);
    for (const c of LOSS_CASES) {
      await page.getByTestId('loss-select').selectOption(c.name);
      const graph = page.getByTestId('graph');
      expect(await page.locator('#graph-area .lg-toolbar h1').textContent()).toBe(c.name);
      expect(await page.getByTestId('input-error').textContent(), c.name).toBe('');
      // The loss is drawn: one card per input at least, and its scope (a box, or one folded card).
      expect(await graph.getByTestId('node').count(), c.name).toBeGreaterThanOrEqual(c.inputs.length);
      expect(await graph.locator(`[data-scope-box], [data-scope-id]`).count(), c.name).toBeGreaterThanOrEqual(1);
      expect(await graph.textContent(), c.name).toContain(c.name);
      const check = page.getByTestId('gradcheck');
      expect(await check.getAttribute('data-ok'), `${c.name}: ${await check.textContent()}`).toBe('true');
      expect(Number(await check.getAttribute('data-max-abs-error')), c.name).toBeLessThan(1e-5);
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('steps forward through the ops, then backward with each op\'s gradient rule and the gradients it sends', async () => {
    await page.getByTestId('loss-select').selectOption('L2Loss');
    const status = page.getByTestId('step-status');
    expect(await status.textContent()).toMatch(/^forward 1 \/ \d+$/);
    const forwardSteps = Number(/\/ (\d+)/.exec((await status.textContent())!)![1]);
    // L2Loss: sub, square, mul (the ½), then the mean over the non-batch axis.
    expect(forwardSteps).toBeGreaterThanOrEqual(4);
    // Before the last forward step the loss's output is not computed yet.
    expect(await page.locator('.lg-pending').count()).toBeGreaterThan(0);
    for (let i = 1; i < forwardSteps; i++) await page.getByTestId('step-forward').click();
    expect(await status.textContent()).toBe(`forward ${forwardSteps} / ${forwardSteps}`);
    expect(await page.locator('.lg-pending').count()).toBe(0);
    expect(await page.getByTestId('step-forward').isDisabled()).toBe(true);

    await page.getByTestId('step-backward').click();
    expect(await status.textContent()).toMatch(/^backward 1 \/ \d+$/);
    const panel = page.locator('.lg-panel');
    // The first op back is the last forward: its rule as the derivatives table writes it.
    const formulas = Object.values(DERIVATIVE_FORMULAS) as string[];
    const rule = await panel.locator('.lg-formula').first().textContent();
    expect(formulas).toContain(rule);
    expect(await panel.textContent()).toContain('upstream gradient');
    await page.getByTestId('step-backward').click();
    expect(await status.textContent()).toMatch(/^backward 2 \/ \d+$/);
    // Each input's term and its accumulated gradient.
    expect(await panel.locator('.lg-contributions li').count()).toBeGreaterThan(0);
    expect(await panel.locator('.lg-total').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('renders a typed custom loss that passes the numeric check; a syntax error is reported and the page keeps working', async () => {
    await page.getByTestId('custom-loss-editor').fill('(pred, label) => sum(square(sub(softmax(pred, -1), label)), -1)');
    await page.getByTestId('custom-loss-apply').click();
    expect(await page.getByTestId('custom-loss-error').textContent()).toBe('');
    expect(await page.getByTestId('loss-select').inputValue()).toBe('custom');
    const graph = page.getByTestId('graph');
    expect(await graph.textContent()).toContain('custom loss');
    expect(await graph.getByTestId('node').count()).toBeGreaterThanOrEqual(5);
    const ops = await graph.locator('[data-node-id] .lg-title').allTextContents();
    for (const op of ['softmax', 'sub', 'square', 'sum']) expect(ops.some((t) => t.startsWith(op)), op).toBe(true);
    expect(await page.getByTestId('gradcheck').getAttribute('data-ok')).toBe('true');

    await page.getByTestId('custom-loss-editor').fill('(pred, label) => mul(pred,');
    await page.getByTestId('custom-loss-apply').click();
    expect(await page.getByTestId('custom-loss-error').textContent()).toMatch(/^syntax error: /);
    // A loss that runs but fails (shapes that do not broadcast) is reported the same way.
    await page.getByTestId('custom-loss-editor').fill('(pred, label) => add(pred, [1, 2, 3, 4])');
    await page.getByTestId('custom-loss-apply').click();
    expect(await page.getByTestId('custom-loss-error').textContent()).not.toBe('');
    // The page still works: another loss draws and checks.
    await page.getByTestId('loss-select').selectOption('HuberLoss');
    expect(await graph.textContent()).toContain('HuberLoss');
    expect(await page.getByTestId('gradcheck').getAttribute('data-ok')).toBe('true');
    expect(problems.filter((p) => !p.startsWith('console'))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('draws the graph of the gradient and checks the Hessian-vector product', async () => {
    await page.getByTestId('loss-select').selectOption('SoftmaxCrossEntropyLoss');
    await page.getByTestId('second-order').click();
    const result = page.getByTestId('second-order-result');
    expect(await result.textContent()).toMatch(/^H·v = \[.*\] for v = \[-1, 0, 1, -1, 0, 1\] · gradgradcheck pass/);
    // Softmax cross-entropy's Hessian in each row's logits is diag(p) - p·pᵀ, so H·v = p∘v - p (p·v).
    const expected = [[0.5, -1, 2], [1.5, 0.25, -0.75]].flatMap((row) => {
      const e = row.map(Math.exp);
      const p = e.map((x) => x / e.reduce((a, b) => a + b));
      const v = [-1, 0, 1];
      const pv = p.reduce((a, x, i) => a + x * v[i]!, 0);
      return p.map((x, i) => x * v[i]! - x * pv);
    });
    const got = /^H·v = \[([^\]]*)\]/.exec((await result.textContent())!)![1]!.split(', ').map(Number);
    expect(got).toHaveLength(6);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 3));
    expect(await page.getByTestId('second-order-graph').getByTestId('node').count()).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });

  it('trains on blobs: the loss falls within 5 s while requestAnimationFrame keeps 30 Hz or more; pause stops it', async () => {
    await page.getByTestId('dataset-select').selectOption('blobs');
    // Frame rates on a loaded machine are noisy (other test files run beside this one), so up to
    // three runs from a reset; one long fit without frame pacing drew at 1-2 Hz on every run.
    const runs: { before: number; after: number; seconds: number; steps: number; rate: number; fell: boolean }[] = [];
    for (let run = 0; run < 3; run++) {
      await page.getByTestId('train-reset').click();
      const before = await readNumber(page, 'train-loss');
      expect(before).toBeGreaterThan(0.5);
      const started = Date.now();
      await page.getByTestId('train-start').click();
      const rate = await frameRate(page, 2000);
      const fell = await expect.poll(() => readNumber(page, 'train-loss'), { timeout: Math.max(1, 5000 - (Date.now() - started)), interval: 100 })
        .toBeLessThan(before * 0.8).then(() => true, () => false);
      const after = await readNumber(page, 'train-loss');
      const seconds = (Date.now() - started) / 1000;
      await page.getByTestId('train-pause').click();
      await expect.poll(() => page.getByTestId('train-start').isEnabled()).toBe(true);
      const steps = await readNumber(page, 'train-steps');
      await page.waitForTimeout(300);
      expect(await readNumber(page, 'train-steps')).toBe(steps);
      runs.push({ before, after, seconds, steps, rate, fell });
      console.log(`lab training run ${run + 1} (cpu, blobs, SoftmaxCrossEntropyLoss): loss ${before} -> ${after} in ${seconds.toFixed(1)} s, ${steps} steps; requestAnimationFrame ${rate.toFixed(1)} Hz during the first 2 s`);
      if (fell && rate >= 30) break;
    }
    expect(runs.some((r) => r.fell && r.rate >= 30), JSON.stringify(runs)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws one training step with the layers as scopes and each parameter inside its layer', async () => {
    await page.getByTestId('train-graph').click();
    expect(await page.locator('#graph-area .lg-toolbar h1').textContent()).toBe('one training step');
    const graph = page.getByTestId('graph');
    // The card of each parameter lies inside the box of its layer.
    for (const layer of ['dense0', 'dense1', 'dense2']) {
      const box = (await graph.locator('[data-scope-box]').filter({ has: page.locator('.lg-scope-label', { hasText: new RegExp(`^. ${layer}$`) }) }).boundingBox())!;
      for (const name of ['weight', 'bias']) {
        const card = (await graph.locator('[data-node-id] .lg-title', { hasText: `${layer}.${name} #` }).locator('..').boundingBox())!;
        expect(card.x, `${layer}.${name}`).toBeGreaterThanOrEqual(box.x);
        expect(card.y, `${layer}.${name}`).toBeGreaterThanOrEqual(box.y);
        expect(card.x + card.width, `${layer}.${name}`).toBeLessThanOrEqual(box.x + box.width);
        expect(card.y + card.height, `${layer}.${name}`).toBeLessThanOrEqual(box.y + box.height);
      }
    }
    expect(problems).toEqual([]);
  });

  it('trains on the gpujs backend (WebGL2) too', async () => {
    await page.getByTestId('backend-select').selectOption('gpujs');
    await page.getByTestId('dataset-select').selectOption('moons');
    const before = await readNumber(page, 'train-loss');
    await page.getByTestId('train-start').click();
    await expect.poll(() => readNumber(page, 'train-steps'), { timeout: 45_000 }).toBeGreaterThanOrEqual(10);
    await page.getByTestId('train-pause').click();
    await expect.poll(() => page.getByTestId('train-start').isEnabled(), { timeout: 20_000 }).toBe(true);
    const after = await readNumber(page, 'train-loss');
    console.log(`lab training (gpujs webgl2 on SwiftShader, moons): loss ${before} -> ${after} after ${await readNumber(page, 'train-steps')} steps`);
    expect(after).toBeLessThan(before);
    expect(await page.getByTestId('train-error').textContent()).toBe('');
    await page.getByTestId('backend-select').selectOption('cpu');
    expect(problems).toEqual([]);
  }, 90_000);
});
