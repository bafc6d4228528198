import { describe, expect, it } from 'vitest';
import { add, backwardTrace, DERIVATIVE_FORMULAS, graphOf, matmul, mean, mul, relu, scope, square, sub, variable, type GraphDescription } from '@lossgraph/autograd';
import { explorerPage, graphMarkup, renderGraph } from '@lossgraph/lab';
import { escapeHtml } from '../src/render.js';

/** pred, a parameter w and a constant label; a 'model' scope (pred · w) and an 'L2' scope (mean((m - label)²)). */
function l2Graph() {
  const pred = variable([1, 2, 4], { name: 'pred' });
  const w = variable([2, 2, 2], { name: 'w', parameter: true });
  const m = scope('model', () => mul(pred, w));
  const loss = scope('L2', () => mean(square(sub(m, [1, 1, 1]))));
  const graph = graphOf(loss, { gradients: 'compute' });
  const trace = backwardTrace(loss);
  const scopeId = (name: string): number => graph.scopes.find((s) => s.name === name)!.id;
  return { pred, w, m, loss, graph, trace, model: scopeId('model'), l2: scopeId('L2') };
}

/** The values of one attribute over the elements that carry another, in document order. */
function attrs(html: string, attribute: string): string[] {
  return [...html.matchAll(new RegExp(`${attribute}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

/** The card of a node (its whole element, up to the next card). */
function card(html: string, nodeId: number): string {
  const start = html.lastIndexOf('<div', html.indexOf(`data-node-id="${nodeId}"`));
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('\n', start));
}

describe('graphMarkup', () => {
  it('draws one card per node, a box per scope, and the parameter inside its scope', () => {
    const { graph, pred, w, m, model, l2 } = l2Graph();
    const { canvas } = graphMarkup(graph, null, { collapsed: [], traceStep: 0 });
    expect(attrs(canvas, 'data-node-id').map(Number)).toEqual(graph.nodes.map((n) => n.id));
    expect(attrs(canvas, 'data-scope-box').map(Number).sort()).toEqual([model, l2].sort());
    expect(attrs(canvas, 'data-scope-id')).toEqual([]);
    expect(card(canvas, pred.id)).toContain('>pred #');
    expect(card(canvas, pred.id)).toContain('value [1, 2, 4]');
    // d mean((2·pred - 1)²) / d pred = 2(2·pred - 1)·2 / 3 = [4/3, 4, 28/3]
    expect(card(canvas, pred.id)).toContain('grad [1.333, 4, 9.333]');
    expect(card(canvas, m.id)).toContain('model');
    expect(card(canvas, w.id)).toContain('lg-kind-leaf');
    // The parameter's box: its card lies inside the 'model' box.
    const box = new RegExp(`data-scope-box="${model}" style="left:([\\d.]+)px;top:([\\d.]+)px;width:([\\d.]+)px;height:([\\d.]+)px`).exec(canvas)!;
    const [x0, y0, bw, bh] = box.slice(1).map(Number) as [number, number, number, number];
    const [cx, cy] = /left:([\d.]+)px;top:([\d.]+)px/.exec(card(canvas, w.id))!.slice(1).map(Number) as [number, number];
    expect(cx).toBeGreaterThanOrEqual(x0);
    expect(cy).toBeGreaterThanOrEqual(y0);
    expect(cx + 252).toBeLessThanOrEqual(x0 + bw);
    expect(cy + 104).toBeLessThanOrEqual(y0 + bh);
    // Every edge is an SVG path with an arrowhead.
    expect(attrs(canvas, 'data-from')).toHaveLength(graph.edges.length);
    expect(canvas).toContain('marker-end="url(#lg-arrow)"');
  });

  it('folds a scope into one composite card and keeps its edges to the outside', () => {
    const { graph, l2, m } = l2Graph();
    const { canvas } = graphMarkup(graph, null, { collapsed: [l2], traceStep: 0 });
    const inside = graph.scopes.find((s) => s.id === l2)!.nodes;
    expect(attrs(canvas, 'data-node-id').map(Number)).toEqual(graph.nodes.map((n) => n.id).filter((id) => !inside.includes(id)));
    expect(attrs(canvas, 'data-scope-id')).toEqual([String(l2)]);
    expect(canvas).toMatch(/>\+<\/button> L2</);
    expect(canvas).toContain(`data-from="n${m.id}" data-to="s${l2}"`);
  });

  it("keeps two layers' boxes apart: a parameter does not share a row with the previous layer's output", () => {
    // Two dense-like layers inside a model scope, parameters made first (as at initialize).
    const w0 = variable([[1, -1], [2, 0.5]], { name: 'w0', parameter: true });
    const b0 = variable([0.1, 0.2], { name: 'b0', parameter: true });
    const w1 = variable([[1, 1]], { name: 'w1', parameter: true });
    const x = variable([[1, 2]], { name: 'x', requiresGrad: false });
    const y = scope('model', () => {
      const h = scope('layer0', () => relu(add(matmul(x, w0, false, true), b0)));
      return scope('layer1', () => matmul(h, w1, false, true));
    });
    const graph = graphOf(y);
    const { canvas } = graphMarkup(graph, null, { collapsed: [], traceStep: 0 });
    const boxOf = (name: string): [number, number, number, number] => {
      const id = graph.scopes.find((s) => s.name === name)!.id;
      const m = new RegExp(`data-scope-box="${id}" style="left:([\\d.]+)px;top:([\\d.]+)px;width:([\\d.]+)px;height:([\\d.]+)px`).exec(canvas)!;
      return m.slice(1).map(Number) as [number, number, number, number];
    };
    const [ax, ay, aw, ah] = boxOf('layer0');
    const [bx, by, bw, bh] = boxOf('layer1');
    const overlap = ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
    expect(overlap).toBe(false);
  });

  it('puts edge labels at the middle of the edge, clear of the arrowhead', () => {
    const { graph } = l2Graph();
    const { canvas } = graphMarkup(graph, null, { collapsed: [], traceStep: 0 });
    const labels = [...canvas.matchAll(/<text x="([\d.]+)" y="([\d.]+)" data-edge-label="n(\d+)&#62;n(\d+)">in (\d)<\/text>/g)];
    // mul, sub and square's... only the binary ops have labelled operands: mul (2) and sub (pred side; the constant too).
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const [, x, y, from, to] of labels) {
      const path = new RegExp(`d="M[\\d.]+,[\\d.]+ C[\\d.]+,[\\d.]+ [\\d.]+,[\\d.]+ ([\\d.]+),([\\d.]+)" marker-end="url\\(#lg-arrow\\)" data-from="n${from}" data-to="n${to}"`).exec(canvas)!;
      const [tipX, tipY] = [Number(path[1]), Number(path[2])];
      expect(Math.hypot(Number(x) - tipX, Number(y) - tipY)).toBeGreaterThan(25);
    }
  });

  it('walks the backward trace, showing each op with its gradient rule from the derivatives table', () => {
    const { graph, trace } = l2Graph();
    expect(trace.steps.map((s) => s.op)).toEqual(['mean', 'square', 'sub', 'mul']);
    const first = graphMarkup(graph, trace, { collapsed: [], traceStep: 0 });
    expect(first.counter).toBe('step 1 / 4');
    expect(first.previous).toBeNull();
    expect(first.next).toBe(1);
    expect(first.currentKey).toBe(`n${trace.steps[0]!.nodeId}`);
    expect(first.panel).toContain(escapeHtml(DERIVATIVE_FORMULAS['mean']!));
    expect(first.panel).toContain('upstream gradient');
    const third = graphMarkup(graph, trace, { collapsed: [], traceStep: 2 });
    expect(third.panel).toContain(`<pre class="lg-formula">${escapeHtml(DERIVATIVE_FORMULAS['sub']!)}</pre>`);
    expect(third.panel).toContain('nothing (constant)');
    // The op's card is the current one; its inputs that receive gradient are marked.
    expect(third.canvas).toMatch(new RegExp(`class="lg-node lg-kind-op lg-current" data-testid="node" data-node-id="${trace.steps[2]!.nodeId}"`));
    expect(third.canvas).toMatch(new RegExp(`lg-receiving" data-testid="node" data-node-id="${trace.steps[3]!.nodeId}"`));
    const last = graphMarkup(graph, trace, { collapsed: [], traceStep: 99 });
    expect(last.counter).toBe('step 4 / 4');
    expect(last.next).toBeNull();
  });

  it("counts a folded scope's ops as one step, listing their rules and what leaves the scope", () => {
    const { graph, trace, l2, m } = l2Graph();
    const folded = graphMarkup(graph, trace, { collapsed: [l2], traceStep: 0 });
    expect(folded.counter).toBe('step 1 / 2');
    expect(folded.currentKey).toBe(`s${l2}`);
    expect(folded.next).toBe(3);
    for (const op of ['mean', 'square', 'sub']) expect(folded.panel).toContain(escapeHtml(DERIVATIVE_FORMULAS[op]!));
    expect(folded.panel).toContain('>L2</h2>');
    expect(folded.panel).not.toContain('expand it to see');
    // What leaves the loss: the gradient sent to the model's output, d/dm = 2(m - 1)/3 = [2/3, 2, 14/3].
    expect(folded.panel).toContain(`[0] model`.replace('model', graph.nodes.find((n) => n.id === m.id)!.label));
    expect(folded.panel).toContain('+ [0.6667, 2, 4.667]');
    // Standing inside the fold (trace step 2) is the same step.
    expect(graphMarkup(graph, trace, { collapsed: [l2], traceStep: 2 }).counter).toBe('step 1 / 2');
  });

  it('walks the forward pass op by op: ops not computed yet are marked, the panel shows what each op is computed from', () => {
    const { graph, trace, l2, m, pred } = l2Graph();
    // Ops in creation order: mul (model), then sub, square, mean (L2).
    const first = graphMarkup(graph, trace, { collapsed: [], traceStep: 0, forwardStep: 0 });
    expect(first.forwardSteps).toBe(4);
    expect(first.forwardStep).toBe(0);
    expect(first.counter).toBe('forward 1 / 4');
    expect(first.currentKey).toBe(`n${m.id}`);
    // mul(pred, w) = [2, 4, 8]; its inputs are marked as feeding it; no gradient is shown yet.
    expect(first.panel).toContain('computed from');
    expect(first.panel).toContain('[2, 4, 8]');
    expect(first.canvas).toMatch(new RegExp(`lg-feeding" data-testid="node" data-node-id="${pred.id}"`));
    expect(first.canvas).not.toContain('grad [1.333');
    expect((first.canvas.match(/lg-pending/g) ?? []).length).toBe(3);
    expect(first.canvas).toContain('not computed yet');
    const last = graphMarkup(graph, trace, { collapsed: [], traceStep: 0, forwardStep: 99 });
    expect(last.forwardStep).toBe(3);
    expect(last.canvas).not.toContain('lg-pending');
    // mean((m - 1)²) = mean([1, 9, 49]) = 59/3
    expect(last.panel).toContain('19.67');
    // A folded loss is one forward step.
    const folded = graphMarkup(graph, trace, { collapsed: [l2], traceStep: 0, forwardStep: 1 });
    expect(folded.forwardSteps).toBe(2);
    expect(folded.currentKey).toBe(`s${l2}`);
    // Without forwardStep, the backward walk, whose panel adds each input's accumulated gradient.
    const back = graphMarkup(graph, trace, { collapsed: [], traceStep: 3, forwardStep: null });
    expect(back.forwardStep).toBeNull();
    expect(back.counter).toBe('step 4 / 4');
    expect(back.panel).toContain('accumulated');
  });

  it('escapes names that look like markup', () => {
    const x = variable([1], { name: '<img src=x onerror=alert(1)>' });
    const y = scope('a"b', () => mul(x, 2));
    const { canvas } = graphMarkup(graphOf(y), null, { collapsed: [], traceStep: 0 });
    expect(canvas).not.toContain('<img');
    expect(canvas).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(canvas).toContain('a&#34;b');
  });
});

describe('explorerPage', () => {
  it('writes one self-contained page that embeds the graph, the trace and the renderer', () => {
    const { graph, trace, l2 } = l2Graph();
    const html = explorerPage(graph, { title: 'L2 <demo>', subtitle: 'one step', trace, collapsed: [l2] });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>L2 &lt;demo&gt;</title>');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('const graphMarkup = function graphMarkup(');
    expect(html).toContain('const mountGraph = function mountGraph(');
    const json = /<script type="application\/json" id="lossgraph-data">([^<]*)<\/script>/.exec(html)!;
    const data = JSON.parse(json[1]!) as { title: string; collapsed: number[]; graph: GraphDescription; trace: { steps: unknown[] } };
    expect(data.title).toBe('L2 <demo>');
    expect(data.collapsed).toEqual([l2]);
    expect(data.graph.nodes).toHaveLength(graph.nodes.length);
    expect(data.trace.steps).toHaveLength(4);
    // The page fills the window and the drawing scrolls inside, so the toolbar cannot scroll away.
    expect(html).toMatch(/html, body \{ height: 100%; margin: 0; overflow: hidden; \}/);
    expect(html).toMatch(/\.lg-toolbar \{ position: sticky; top: 0;/);
  });

  it('folds every outermost scope with collapsed: true, and works without a trace', () => {
    const { graph, model, l2 } = l2Graph();
    const data = JSON.parse(/id="lossgraph-data">([^<]*)</.exec(explorerPage(graph, { collapsed: true }))![1]!) as { collapsed: number[]; trace: null; title: string };
    expect(data.collapsed).toEqual([model, l2]);
    expect(data.trace).toBeNull();
    expect(data.title).toBe('lossgraph explorer');
  });

  it('rejects bad arguments by name, before any work', () => {
    const { graph } = l2Graph();
    expect(() => explorerPage({} as never)).toThrow(/explorerPage: graph is invalid: a graphOf\(\.\.\.\) description/);
    expect(() => explorerPage(graph, { colapsed: true } as never)).toThrow(/explorerPage: unknown option 'colapsed'/);
    expect(() => explorerPage(graph, { trace: 3 } as never)).toThrow(/explorerPage: option 'trace' is invalid: a backwardTrace\(\.\.\.\) result/);
    expect(() => renderGraph(graph, {} as never)).toThrow(/renderGraph: element is invalid: a DOM element/);
    expect(() => renderGraph(graph, { nodeType: 1 } as never, { collapsed: 'all' } as never)).toThrow(/renderGraph: option 'collapsed' is invalid/);
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });
});
