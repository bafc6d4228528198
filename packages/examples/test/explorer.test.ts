import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseExplorerFlags, run, DEFAULT_OUT_FILE, type ExplorerResult } from '../src/explorer.js';
import { PACKAGE_ROOT } from '../src/lib/data.js';
import '@lossgraph/tensor/gpujs';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env['CI']) throw new Error(`explorer test: ${CHROMIUM} is missing; CI must install Debian's chromium package`);
  console.warn(`explorer test: skipping the browser checks, ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe('explorer page (Node side)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'explorer-'));
  const result = run({ outFile: join(dir, 'page.html') });

  it('writes one self-contained page that embeds the graph and the trace as JSON', () => {
    const html = readFileSync(result.file!, 'utf8');
    expect(html).toBe(result.html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // Self-contained: no external scripts, styles, images or URLs of any kind.
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const json = /<script type="application\/json" id="lossgraph-data">([^<]*)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    const data = JSON.parse(json![1]!) as { graph: { nodes: unknown[] }; trace: { steps: { nodeId: number }[] }; collapsed: number[] };
    expect(data.graph.nodes).toHaveLength(result.graph.nodes.length);
    expect(data.trace.steps.map((s) => s.nodeId)).toEqual(result.trace.steps.map((s) => s.nodeId));
    expect(data.collapsed).toEqual([result.lossScopeId]);
  });

  it('describes the MLP step: layers and loss as scopes, gradients on every differentiable node', () => {
    const { graph, trace } = result;
    // Four parameters, the input batch as a constant, and 9 ops.
    expect(graph.nodes.map((n) => n.kind).filter((k) => k === 'op')).toHaveLength(9);
    expect(graph.nodes.filter((n) => n.kind === 'leaf').map((n) => n.name).sort()).toEqual(['dense0.bias', 'dense0.weight', 'dense1.bias', 'dense1.weight']);
    expect(graph.scopes.map((s) => s.name)).toEqual(['sequential', 'dense0', 'dense1', 'SoftmaxCrossEntropyLoss']);
    const loss = graph.scopes.find((s) => s.id === result.lossScopeId)!;
    expect(loss.nodes.map((id) => graph.nodes.find((n) => n.id === id)!.op)).toEqual(['logSoftmax', 'pick', 'neg', 'mean']);
    for (const n of graph.nodes) expect(n.grad === null).toBe(!n.requiresGrad);
    expect(trace.steps.map((s) => s.op)).toEqual(['mean', 'neg', 'pick', 'logSoftmax', 'add', 'matmul', 'relu', 'add', 'matmul']);
    // Six flowers, loss per flower: the value is the cross-entropy, positive, and near log(3) for a fresh net.
    const out = graph.nodes.find((n) => n.isOutput)!;
    expect(out.shape).toEqual([6]);
    expect(out.value!.min!).toBeGreaterThan(0);
    // The gradient reaching the logits (softmax minus one-hot, per row) sums to zero over each row.
    // The summary keeps the first 6 of 18 values: two whole rows.
    const logitsGrad = trace.steps.find((s) => s.op === 'logSoftmax')!.contributions[0]!.grad!;
    expect(logitsGrad.shape).toEqual([6, 3]);
    expect(logitsGrad.head[0]! + logitsGrad.head[1]! + logitsGrad.head[2]!).toBeCloseTo(0, 5);
    expect(logitsGrad.head[3]! + logitsGrad.head[4]! + logitsGrad.head[5]!).toBeCloseTo(0, 5);
    expect(logitsGrad.mean!).toBeCloseTo(0, 6);
    expect(logitsGrad.min!).toBeGreaterThanOrEqual(-1);
    expect(logitsGrad.max!).toBeLessThanOrEqual(1);
  });

  it('reads its flags and rejects bad ones by name', () => {
    expect(parseExplorerFlags([])).toEqual({ backend: 'cpu', mode: 'webasm', outFile: DEFAULT_OUT_FILE, seed: 0 });
    expect(parseExplorerFlags(['--backend', 'gpujs', '--out=x.html', '--seed', '3'])).toMatchObject({ backend: 'gpujs', outFile: 'x.html', seed: 3 });
    expect(() => parseExplorerFlags(['--backend', 'tpu'])).toThrow(/--backend: expected 'cpu' or 'gpujs'/);
    expect(() => parseExplorerFlags(['--out'])).toThrow(/--out: expected the path/);
    expect(() => parseExplorerFlags(['--epochs', '3'])).toThrow(/unknown flag "--epochs"/);
    expect(() => run({ hidden: 0, outFile: null })).toThrow(/option 'hidden' must be an integer >= 1/);
  });
});

describe.skipIf(!haveChromium)('explorer page in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let result: ExplorerResult;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'explorer-'));
    result = run({ outFile: join(dir, 'explorer.html') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(pathToFileURL(result.file!).href);
  });

  afterAll(async () => {
    await browser?.close();
  });

  const nodeIds = async (): Promise<number[]> => (await page.locator('[data-node-id]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset['nodeId'])))).sort((a, b) => a - b);
  const counter = async (): Promise<string> => (await page.locator('.lg-counter').textContent()) ?? '';
  const current = async (): Promise<string | null> => page.locator('.lg-current').getAttribute('data-key');
  const button = (action: string) => page.locator(`[data-action="${action}"]`);
  // The text of the cards whose text is cut: content taller or wider than its box, or a line ending in an ellipsis.
  const cutCards = async (): Promise<(string | null)[]> => page.locator('[data-testid="node"]').evaluateAll((cards) => cards
    .flatMap((card) => [card, ...Array.from(card.querySelectorAll('div'))])
    .filter((e) => e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth)
    .map((e) => e.textContent));

  it('draws every node outside the folded loss, and the loss as one composite node', async () => {
    const { graph, lossScopeId } = result;
    const loss = graph.scopes.find((s) => s.id === lossScopeId)!;
    const outside = graph.nodes.map((n) => n.id).filter((id) => !loss.nodes.includes(id));
    expect(await nodeIds()).toEqual(outside);
    expect(await page.locator(`[data-scope-id="${lossScopeId}"]`).count()).toBe(1);
    expect(await page.locator('[data-scope-id]').count()).toBe(1);
    // The layers are unfolded scopes: boxes with a fold toggle.
    expect(await page.locator('[data-scope-box]').count()).toBe(3);
    // Each card shows shape, value and gradient: the first layer's bias has 5 of each.
    const bias = graph.nodes.find((n) => n.name === 'dense0.bias')!;
    const card = page.locator(`[data-node-id="${bias.id}"]`);
    await expect.poll(() => card.locator('.lg-shape').textContent()).toBe('[5] float32');
    expect(await card.locator('.lg-grad').textContent()).toMatch(/^grad \[.+(, .+){4}\]$/);
    expect(await cutCards()).toEqual([]);
  });

  it('unfolds the loss into its ops and folds it again', async () => {
    const { graph, lossScopeId } = result;
    await page.locator(`[data-scope-toggle="${lossScopeId}"]`).click();
    expect(await nodeIds()).toEqual(graph.nodes.map((n) => n.id));
    // The loss's cards, [6, 1] and [6] values among them, fit too.
    expect(await cutCards()).toEqual([]);
    expect(await page.locator('[data-scope-id]').count()).toBe(0);
    expect(await page.locator(`[data-scope-box="${lossScopeId}"]`).count()).toBe(1);
    await page.locator(`[data-scope-toggle="${lossScopeId}"]`).click();
    expect(await page.locator('[data-node-id]').count()).toBe(graph.nodes.length - 4);
    await button('collapse-all').click();
    // Folding every outermost scope leaves two composites (the parameters are inside their layers, so folded too).
    expect(await page.locator('[data-scope-id]').count()).toBe(2);
    expect(await nodeIds()).toEqual(graph.rootNodes.slice().sort((a, b) => a - b));
    await button('expand-all').click();
    expect(await page.locator('[data-node-id]').count()).toBe(graph.nodes.length);
  });

  it('steps through the backward trace with Next and Prev, highlighting the current op', async () => {
    const steps = result.trace.steps;
    expect(await counter()).toBe(`step 1 / ${steps.length}`);
    expect(await button('prev').isDisabled()).toBe(true);
    const seen: (string | null)[] = [await current()];
    expect(seen[0]).toBe(`n${steps[0]!.nodeId}`);
    for (let i = 1; i < steps.length; i++) {
      await button('next').click();
      expect(await counter()).toBe(`step ${i + 1} / ${steps.length}`);
      const key = await current();
      expect(key).toBe(`n${steps[i]!.nodeId}`);
      expect(key).not.toBe(seen.at(-1));
      seen.push(key);
      // The panel shows the step's op and one line per input.
      expect(await page.locator('.lg-panel h2').textContent()).toBe(steps[i]!.label);
      expect(await page.locator('.lg-panel .lg-contributions li').count()).toBe(steps[i]!.contributions.length);
      // With its gradient rule, from the derivatives table.
      expect(await page.locator('.lg-panel .lg-formula').textContent()).toBe(result.graph.nodes.find((n) => n.id === steps[i]!.nodeId)!.formula);
      // Those inputs that received gradient are marked.
      const receivers = steps[i]!.contributions.filter((c) => c.grad !== null).map((c) => `n${c.inputId}`).sort();
      expect((await page.locator('.lg-receiving').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['key']))).sort()).toEqual(receivers);
    }
    expect(await button('next').isDisabled()).toBe(true);
    expect(await page.locator('#lossgraph').getAttribute('data-step')).toBe(String(steps.length));
    await button('prev').click();
    expect(await counter()).toBe(`step ${steps.length - 1} / ${steps.length}`);
    expect(await current()).toBe(`n${steps[steps.length - 2]!.nodeId}`);
  });

  it("walks the folded loss as one step that lists its ops' rules", async () => {
    const steps = result.trace.steps;
    await page.locator(`[data-scope-toggle="${result.lossScopeId}"]`).click();
    for (let i = 0; i < steps.length; i++) await page.keyboard.press('ArrowLeft');
    // The loss's four ops are one step: 9 ops, 6 steps.
    expect(await counter()).toBe(`step 1 / ${steps.length - 3}`);
    expect(await current()).toBe(`s${result.lossScopeId}`);
    expect(await page.locator('.lg-panel h2').textContent()).toBe('SoftmaxCrossEntropyLoss');
    expect(await page.locator('.lg-panel .lg-ops .lg-formula').count()).toBe(4);
    await page.keyboard.press('ArrowRight');
    expect(await counter()).toBe(`step 2 / ${steps.length - 3}`);
    expect(await current()).toBe(`n${steps[4]!.nodeId}`);
    await page.keyboard.press('ArrowLeft');
  });

  it('opens at 1280x720 unscrolled, with its controls in sight', async () => {
    const small = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    small.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await small.goto(pathToFileURL(result.file!).href);
    expect(await small.evaluate(() => window.scrollY)).toBe(0);
    for (const action of ['prev', 'next', 'expand-all', 'collapse-all']) {
      const box = (await small.locator(`[data-action="${action}"]`).boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(720);
      expect(box.x + box.width).toBeLessThanOrEqual(1280);
    }
    // The current item (the folded loss) is scrolled into the drawing's view.
    const loss = (await small.locator(`[data-scope-id="${result.lossScopeId}"]`).boundingBox())!;
    expect(loss.y + loss.height).toBeLessThanOrEqual(720);
    await small.locator('[data-action="next"]').click();
    expect(await small.evaluate(() => window.scrollY)).toBe(0);
    await small.close();
  });

  it('made no request, logged no error, and looks like a page (screenshot)', async () => {
    // Unfold the loss and stand on a middle step, so the screenshot shows a step in progress.
    await page.locator(`[data-scope-toggle="${result.lossScopeId}"]`).click();
    for (let i = 0; i < 4; i++) await button('next').click();
    const outDir = join(PACKAGE_ROOT, 'out');
    mkdirSync(outDir, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(outDir, 'explorer.png'), fullPage: true });
    expect(existsSync(join(outDir, 'explorer.png'))).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });
});
