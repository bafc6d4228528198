import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseExplorerFlags, run, DEFAULT_OUT_FILE, type ExplorerResult } from '../src/explorer.js';
import { escapeHtml } from '../src/explorer/page.js';
import { PACKAGE_ROOT } from '../src/lib/data.js';

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
    const json = /<script type="application\/json" id="explorer-data">([^<]*)<\/script>/.exec(html);
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

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
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
  const counter = async (): Promise<string> => (await page.locator('#step-counter').textContent()) ?? '';
  const current = async (): Promise<string | null> => page.locator('.current').getAttribute('data-key');

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
    await expect.poll(() => card.locator('.shape').textContent()).toBe('[5] float32');
    expect(await card.locator('.grad').textContent()).toMatch(/^grad \[.+(, .+){4}\]$/);
  });

  it('unfolds the loss into its ops and folds it again', async () => {
    const { graph, lossScopeId } = result;
    await page.locator(`[data-scope-toggle="${lossScopeId}"]`).click();
    expect(await nodeIds()).toEqual(graph.nodes.map((n) => n.id));
    expect(await page.locator('[data-scope-id]').count()).toBe(0);
    expect(await page.locator(`[data-scope-box="${lossScopeId}"]`).count()).toBe(1);
    await page.locator(`[data-scope-toggle="${lossScopeId}"]`).click();
    expect(await page.locator('[data-node-id]').count()).toBe(graph.nodes.length - 4);
    await page.locator('#collapse-all').click();
    // Folding every outermost scope leaves the two layers' biases (made outside any scope) and two composites.
    expect(await page.locator('[data-scope-id]').count()).toBe(2);
    expect(await nodeIds()).toEqual(graph.rootNodes.slice().sort((a, b) => a - b));
    await page.locator('#expand-all').click();
    expect(await page.locator('[data-node-id]').count()).toBe(graph.nodes.length);
  });

  it('steps through the backward trace with Next and Prev, highlighting the current op', async () => {
    const steps = result.trace.steps;
    expect(await counter()).toBe(`step 1 / ${steps.length}`);
    expect(await page.locator('#prev').isDisabled()).toBe(true);
    const seen: (string | null)[] = [await current()];
    expect(seen[0]).toBe(`n${steps[0]!.nodeId}`);
    for (let i = 1; i < steps.length; i++) {
      await page.locator('#next').click();
      expect(await counter()).toBe(`step ${i + 1} / ${steps.length}`);
      const key = await current();
      expect(key).toBe(`n${steps[i]!.nodeId}`);
      expect(key).not.toBe(seen.at(-1));
      seen.push(key);
      // The panel shows the step's op and one line per input.
      expect(await page.locator('#step-panel h2').textContent()).toBe(steps[i]!.label);
      expect(await page.locator('#step-panel .contributions li').count()).toBe(steps[i]!.contributions.length);
      // Those inputs that received gradient are marked.
      const receivers = steps[i]!.contributions.filter((c) => c.grad !== null).map((c) => `n${c.inputId}`).sort();
      expect((await page.locator('.receiving').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['key']))).sort()).toEqual(receivers);
    }
    expect(await page.locator('#next').isDisabled()).toBe(true);
    expect(await page.locator('body').getAttribute('data-step')).toBe(String(steps.length));
    await page.locator('#prev').click();
    expect(await counter()).toBe(`step ${steps.length - 1} / ${steps.length}`);
    expect(await current()).toBe(`n${steps[steps.length - 2]!.nodeId}`);
  });

  it('highlights the folded loss while the current op is inside it', async () => {
    await page.locator(`[data-scope-toggle="${result.lossScopeId}"]`).click();
    for (let i = 0; i < result.trace.steps.length; i++) await page.keyboard.press('ArrowLeft');
    expect(await counter()).toBe(`step 1 / ${result.trace.steps.length}`);
    expect(await current()).toBe(`s${result.lossScopeId}`);
    expect(await page.locator('body').getAttribute('data-current-node')).toBe(String(result.trace.steps[0]!.nodeId));
    expect(await page.locator('#step-panel .note').textContent()).toContain('SoftmaxCrossEntropyLoss');
  });

  it('made no request, logged no error, and looks like a page (screenshot)', async () => {
    // Unfold the loss and stand on a middle step, so the screenshot shows a step in progress.
    await page.locator(`[data-scope-toggle="${result.lossScopeId}"]`).click();
    for (let i = 0; i < 4; i++) await page.locator('#next').click();
    const outDir = join(PACKAGE_ROOT, 'out');
    mkdirSync(outDir, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(outDir, 'explorer.png'), fullPage: true });
    expect(existsSync(join(outDir, 'explorer.png'))).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });
});
