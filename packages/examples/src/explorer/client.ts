/**
 * The explorer page's program. It runs in the browser, not in Node: {@link explorerClient} is
 * embedded in the page as source text (`explorerClient.toString()`), so it must reference nothing
 * outside its own body except DOM globals; the imports here are types only and vanish on compile.
 */
import type { BackwardTrace, GraphDescription, GraphNode, GraphScope, TensorSummary } from '@lossgraph/autograd';

/** What the page embeds in its `<script type="application/json" id="explorer-data">` tag. */
export interface ExplorerData {
  /** The page title. */
  readonly title: string;
  /** One line saying what was computed (model, data, backend). */
  readonly subtitle: string;
  /** The graph of the step, from `graphOf(loss, { gradients: 'compute' })`. */
  readonly graph: GraphDescription;
  /** The backward pass, from `backwardTrace(loss)`. */
  readonly trace: BackwardTrace;
  /** Ids of the scopes drawn folded when the page opens (the loss). */
  readonly collapsed: readonly number[];
}

/**
 * Draws the graph into the page and wires the controls: scope toggles (`[data-scope-toggle]`),
 * Prev/Next through the backward trace (`#prev`, `#next`, arrow keys), Expand all/Collapse all.
 * Node cards carry `data-node-id`, folded scopes `data-scope-id`; every drawn item carries
 * `data-key` (`n<id>` or `s<id>`). The body's `data-step` and `data-current-node` say where the
 * trace stands.
 *
 * @param doc - the page's document
 * @example
 * ```ts
 * const script = `(${explorerClient.toString()})(document);`;
 * ```
 */
export function explorerClient(doc: Document): void {
  const CARD_W = 236; // keep in step with .node's width in the page's CSS
  const CARD_H = 84;
  const GAP_X = 34;
  const GAP_Y = 58;
  const MARGIN = 40;

  const dataTag = doc.getElementById('explorer-data');
  if (dataTag === null || dataTag.textContent === null) throw new Error('explorer: the page has no #explorer-data');
  const data = JSON.parse(dataTag.textContent) as ExplorerData;
  const { graph, trace } = data;
  const nodeById = new Map<number, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  const scopeById = new Map<number, GraphScope>(graph.scopes.map((s) => [s.id, s]));
  const arity = new Map<number, number>();
  for (const e of graph.edges) arity.set(e.to, (arity.get(e.to) ?? 0) + 1);
  const collapsed = new Set<number>(data.collapsed);
  let stepIndex = 0;

  const canvas = doc.getElementById('canvas')!;
  const panel = doc.getElementById('step-panel')!;
  const counter = doc.getElementById('step-counter')!;
  const prevButton = doc.getElementById('prev') as HTMLButtonElement;
  const nextButton = doc.getElementById('next') as HTMLButtonElement;

  // toJSON writes non-finite numbers as strings, so numbers may arrive as 'NaN' or 'Infinity'.
  const formatNumber = (x: number | string | null): string => {
    if (x === null) return '-';
    if (typeof x === 'string') return x;
    if (!Number.isFinite(x)) return String(x);
    if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
    const s = x.toPrecision(4);
    return s.includes('e') ? s.replace(/\.?0+e/, 'e') : s.replace(/\.?0+$/, '');
  };
  const formatNested = (v: unknown): string => (Array.isArray(v) ? `[${v.map(formatNested).join(', ')}]` : formatNumber(v as number));
  const formatSummary = (s: TensorSummary | null, inline = 6): string => {
    if (s === null) return '—';
    if (s.values !== null && s.size <= inline) return formatNested(s.values);
    return `min ${formatNumber(s.min)} max ${formatNumber(s.max)} mean ${formatNumber(s.mean)}`;
  };
  const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
  const el = (tag: string, className: string, text?: string): HTMLElement => {
    const e = doc.createElement(tag);
    if (className !== '') e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const ancestors = (scopeId: number | null): GraphScope[] => {
    const chain: GraphScope[] = [];
    for (let s = scopeId === null ? undefined : scopeById.get(scopeId); s !== undefined; s = s.parent === null ? undefined : scopeById.get(s.parent)) chain.push(s);
    return chain;
  };
  /** The item a node is drawn as: itself, or the outermost folded scope around it. */
  const keyOf = (nodeId: number): string => {
    let key = `n${nodeId}`;
    for (const s of ancestors(nodeById.get(nodeId)?.scope ?? null)) if (collapsed.has(s.id)) key = `s${s.id}`;
    return key;
  };
  const scopeHidden = (s: GraphScope): boolean => ancestors(s.parent).some((a) => collapsed.has(a.id));
  const nodesUnder = (s: GraphScope): number[] => [...s.nodes, ...s.children.flatMap((c) => nodesUnder(scopeById.get(c)!))];

  interface Item { key: string; order: number; preds: Set<string>; succs: Set<string>; depth: number; x: number; y: number }

  function layout(): { items: Map<string, Item>; edges: { from: string; to: string; label: string }[]; width: number; height: number } {
    const items = new Map<string, Item>();
    for (const n of graph.nodes) {
      const key = keyOf(n.id);
      const item = items.get(key);
      if (item === undefined) items.set(key, { key, order: n.id, preds: new Set(), succs: new Set(), depth: 0, x: 0, y: 0 });
      else item.order = Math.min(item.order, n.id);
    }
    const edges: { from: string; to: string; label: string }[] = [];
    const seen = new Set<string>();
    for (const e of graph.edges) {
      const from = keyOf(e.from);
      const to = keyOf(e.to);
      if (from === to) continue;
      // Only an op with several operands needs the operand's position (matmul, sub, div...).
      const label = to === `n${e.to}` && (arity.get(e.to) ?? 0) >= 2 ? String(e.inputIndex) : '';
      const id = `${from}>${to}>${label}`;
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push({ from, to, label });
      items.get(from)!.succs.add(to);
      items.get(to)!.preds.add(from);
    }
    // Ids grow in creation order, so visiting items by their smallest id is a topological order.
    const ordered = [...items.values()].sort((a, b) => a.order - b.order);
    for (const item of ordered) {
      for (const p of item.preds) {
        const pred = items.get(p)!;
        if (pred.order < item.order) item.depth = Math.max(item.depth, pred.depth + 1);
      }
    }
    // A parameter or input sits just above its first consumer, not in a crowded top row.
    for (const item of ordered) {
      if (item.preds.size === 0 && item.succs.size > 0) {
        item.depth = Math.max(0, Math.min(...[...item.succs].map((s) => items.get(s)!.depth)) - 1);
      }
    }
    const layers: Item[][] = [];
    for (const item of ordered) (layers[item.depth] ??= []).push(item);
    const position = new Map<string, number>();
    for (const layer of layers) {
      if (layer === undefined) continue;
      const centre = (item: Item): number => {
        const placed = [...item.preds, ...item.succs].map((k) => position.get(k)).filter((p): p is number => p !== undefined);
        return placed.length === 0 ? item.order : placed.reduce((a, b) => a + b, 0) / placed.length;
      };
      layer.sort((a, b) => centre(a) - centre(b) || a.order - b.order);
      layer.forEach((item, i) => position.set(item.key, i - (layer.length - 1) / 2));
    }
    const widest = Math.max(1, ...layers.map((l) => (l === undefined ? 0 : l.length)));
    const width = 2 * MARGIN + widest * CARD_W + (widest - 1) * GAP_X;
    for (const item of ordered) {
      item.x = width / 2 + position.get(item.key)! * (CARD_W + GAP_X) - CARD_W / 2;
      item.y = MARGIN + 20 + item.depth * (CARD_H + GAP_Y);
    }
    const height = MARGIN * 2 + 20 + layers.length * (CARD_H + GAP_Y);
    return { items, edges, width, height };
  }

  function nodeCard(n: GraphNode, item: Item): HTMLElement {
    const card = el('div', `node kind-${n.kind}`);
    card.dataset['nodeId'] = String(n.id);
    card.dataset['key'] = item.key;
    const title = n.kind === 'op' && n.name !== null ? `${n.name} = ${n.op} #${n.id}` : n.label;
    card.append(el('div', 'title', title), el('div', 'shape', `${formatShape(n.shape)} ${n.dtype}${n.kind === 'constant' ? ' · constant' : ''}`));
    card.append(el('div', 'value', `value ${formatSummary(n.value)}`), el('div', 'grad', `grad ${formatSummary(n.grad)}`));
    card.title = `${title}\nscope: ${n.scopePath.join('/') || '(none)'}\nvalue: ${formatSummary(n.value, 16)}\ngrad: ${formatSummary(n.grad, 16)}`;
    return card;
  }

  function compositeCard(s: GraphScope, item: Item): HTMLElement {
    const card = el('div', 'node composite');
    card.dataset['scopeId'] = String(s.id);
    card.dataset['key'] = item.key;
    const toggle = el('button', 'toggle', '+');
    toggle.dataset['scopeToggle'] = String(s.id);
    toggle.title = `expand ${s.name} into its ops`;
    const head = el('div', 'title');
    head.append(toggle, doc.createTextNode(` ${s.name}`));
    const out = s.outputs.length > 0 ? nodeById.get(s.outputs[s.outputs.length - 1]!)! : null;
    const ops = nodesUnder(s).length;
    card.append(head, el('div', 'shape', `scope · ${ops} nodes${out === null ? '' : ` · out ${formatShape(out.shape)}`}`));
    card.append(el('div', 'value', `value ${formatSummary(out?.value ?? null)}`), el('div', 'grad', `grad ${formatSummary(out?.grad ?? null)}`));
    return card;
  }

  function render(): void {
    const { items, edges, width, height } = layout();
    canvas.replaceChildren();
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;

    // Boxes of unfolded scopes, inner ones first so that outer ones can enclose them.
    const boxes = new Map<number, { x0: number; y0: number; x1: number; y1: number }>();
    const visibleScopes = graph.scopes.filter((s) => !collapsed.has(s.id) && !scopeHidden(s));
    const height_ = (s: GraphScope): number => 1 + Math.max(0, ...s.children.map((c) => height_(scopeById.get(c)!)));
    for (const s of [...visibleScopes].sort((a, b) => height_(a) - height_(b))) {
      let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
      const grow = (b: { x0: number; y0: number; x1: number; y1: number }): void => {
        x0 = Math.min(x0, b.x0); y0 = Math.min(y0, b.y0); x1 = Math.max(x1, b.x1); y1 = Math.max(y1, b.y1);
      };
      for (const id of s.nodes) {
        const item = items.get(keyOf(id))!;
        grow({ x0: item.x, y0: item.y, x1: item.x + CARD_W, y1: item.y + CARD_H });
      }
      for (const c of s.children) {
        const inner = boxes.get(c);
        if (inner !== undefined) grow(inner);
        else {
          const item = items.get(`s${c}`);
          if (item !== undefined) grow({ x0: item.x, y0: item.y, x1: item.x + CARD_W, y1: item.y + CARD_H });
        }
      }
      if (x0 === Infinity) continue;
      const pad = 10;
      boxes.set(s.id, { x0: x0 - pad, y0: y0 - pad - 22, x1: x1 + pad, y1: y1 + pad });
    }
    for (const s of visibleScopes) {
      const b = boxes.get(s.id);
      if (b === undefined) continue;
      const box = el('div', 'scope-box');
      box.dataset['scopeBox'] = String(s.id);
      Object.assign(box.style, { left: `${b.x0}px`, top: `${b.y0}px`, width: `${b.x1 - b.x0}px`, height: `${b.y1 - b.y0}px` });
      const toggle = el('button', 'toggle', '−');
      toggle.dataset['scopeToggle'] = String(s.id);
      toggle.title = `fold ${s.name} into one node`;
      const label = el('div', 'scope-label');
      label.append(toggle, doc.createTextNode(` ${s.name}`));
      box.append(label);
      canvas.append(box);
    }

    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = doc.createElementNS(svgNs, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.classList.add('edges');
    const defs = doc.createElementNS(svgNs, 'defs');
    const marker = doc.createElementNS(svgNs, 'marker');
    for (const [k, v] of Object.entries({ id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto' })) marker.setAttribute(k, v);
    const tip = doc.createElementNS(svgNs, 'path');
    tip.setAttribute('d', 'M0,0 L10,5 L0,10 z');
    marker.append(tip);
    defs.append(marker);
    svg.append(defs);
    for (const e of edges) {
      const a = items.get(e.from)!;
      const b = items.get(e.to)!;
      const x1 = a.x + CARD_W / 2; const y1 = a.y + CARD_H;
      const x2 = b.x + CARD_W / 2; const y2 = b.y;
      const path = doc.createElementNS(svgNs, 'path');
      const bend = Math.max(24, (y2 - y1) / 2);
      path.setAttribute('d', `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`);
      path.setAttribute('marker-end', 'url(#arrow)');
      path.dataset['from'] = e.from;
      path.dataset['to'] = e.to;
      svg.append(path);
      if (e.label !== '') {
        const text = doc.createElementNS(svgNs, 'text');
        text.setAttribute('x', String(x2 + (x1 < x2 ? -14 : 6)));
        text.setAttribute('y', String(y2 - 8));
        text.textContent = e.label;
        svg.append(text);
      }
    }
    canvas.append(svg);

    for (const item of items.values()) {
      const id = Number(item.key.slice(1));
      const card = item.key.startsWith('n') ? nodeCard(nodeById.get(id)!, item) : compositeCard(scopeById.get(id)!, item);
      card.style.left = `${item.x}px`;
      card.style.top = `${item.y}px`;
      canvas.append(card);
    }
    // forEach, not for-of: the project's lib settings have no DOM.Iterable.
    canvas.querySelectorAll<HTMLElement>('[data-scope-toggle]').forEach((button) => {
      button.addEventListener('click', (event: MouseEvent) => {
        event.stopPropagation();
        const id = Number(button.dataset['scopeToggle']);
        if (collapsed.has(id)) collapsed.delete(id);
        else collapsed.add(id);
        render();
      });
    });
    showStep();
  }

  function showStep(): void {
    const steps = trace.steps;
    canvas.querySelectorAll('.current, .receiving, .has-grad').forEach((e) => e.classList.remove('current', 'receiving', 'has-grad'));
    counter.textContent = `step ${Math.min(stepIndex + 1, steps.length)} / ${steps.length}`;
    prevButton.disabled = stepIndex <= 0;
    nextButton.disabled = stepIndex >= steps.length - 1;
    const step = steps[stepIndex];
    if (step === undefined) {
      panel.replaceChildren(el('p', '', 'The output does not depend on any op: there is no backward pass to step through.'));
      return;
    }
    doc.body.dataset['step'] = String(stepIndex + 1);
    doc.body.dataset['currentNode'] = String(step.nodeId);
    const byKey = (key: string): HTMLElement | null => canvas.querySelector<HTMLElement>(`[data-key="${key}"]`);
    for (const id of Object.keys(step.accumulated)) byKey(keyOf(Number(id)))?.classList.add('has-grad');
    const currentKey = keyOf(step.nodeId);
    for (const c of step.contributions) {
      const key = keyOf(c.inputId);
      if (c.grad !== null && key !== currentKey) byKey(key)?.classList.add('receiving');
    }
    const current = byKey(currentKey);
    current?.classList.add('current');
    current?.scrollIntoView({ block: 'nearest', inline: 'nearest' });

    const rows: HTMLElement[] = [];
    rows.push(el('h2', '', `${step.label}`));
    rows.push(el('div', 'muted', `op ${step.op} · shape ${formatShape(step.shape)}${step.scopePath.length > 0 ? ` · in ${step.scopePath.join('/')}` : ''}`));
    if (currentKey !== `n${step.nodeId}`) rows.push(el('div', 'note', `inside the folded ${scopeById.get(Number(currentKey.slice(1)))!.name}: expand it to see this op`));
    rows.push(el('h3', '', 'upstream gradient'));
    rows.push(el('pre', 'upstream', formatSummary(step.upstream, 16)));
    rows.push(el('h3', '', 'sent to its inputs'));
    const list = el('ul', 'contributions');
    for (const c of step.contributions) {
      const li = el('li', '');
      li.append(el('span', 'input', `[${c.inputIndex}] ${c.inputLabel}`));
      li.append(el('pre', '', c.grad === null ? 'nothing (constant)' : `+ ${formatSummary(c.grad, 16)}`));
      list.append(li);
    }
    rows.push(list);
    panel.replaceChildren(...rows);
  }

  prevButton.addEventListener('click', () => {
    stepIndex = Math.max(0, stepIndex - 1);
    showStep();
  });
  nextButton.addEventListener('click', () => {
    stepIndex = Math.min(trace.steps.length - 1, stepIndex + 1);
    showStep();
  });
  doc.getElementById('expand-all')!.addEventListener('click', () => {
    collapsed.clear();
    render();
  });
  doc.getElementById('collapse-all')!.addEventListener('click', () => {
    for (const s of graph.rootScopes) collapsed.add(s);
    render();
  });
  doc.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight') nextButton.click();
    if (event.key === 'ArrowLeft') prevButton.click();
  });
  render();
}
