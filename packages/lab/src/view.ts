/**
 * The graph view's two halves, both self-contained: {@link graphMarkup} lays a graph out and writes
 * it as HTML and SVG text (pure, so Node tests read what it draws), and {@link mountGraph} puts
 * that markup into an element and wires the controls. {@link explorerPage} embeds both in its
 * page as source text (`fn.toString()`), so neither may reference anything outside its own body
 * except the other one (by name, both are defined in the page's script) and DOM globals; the
 * imports here are types only and vanish on compile.
 */
import type { BackwardStep, BackwardTrace, GraphDescription, GraphNode, GraphScope, TensorSummary } from '@lossgraph/autograd';

/**
 * What the view shows: which scopes are folded and where the backward walk stands.
 *
 * @example
 * ```ts
 * const state: GraphViewState = { collapsed: [lossScopeId], traceStep: 0 };
 * ```
 */
export interface GraphViewState {
  /** Ids of the folded scopes (each drawn as one composite node). */
  readonly collapsed: readonly number[];
  /** Index into the trace's steps of the op the walk stands on (clamped to the trace). */
  readonly traceStep: number;
  /**
   * The forward walk: the index of the forward step shown (one per op in creation order, one per
   * folded scope), every op after it drawn as not yet computed and no gradient shown; null or
   * omitted: the forward pass is complete and the walk stands on `traceStep` of the backward pass.
   */
  readonly forwardStep?: number | null;
}

/**
 * The text {@link graphMarkup} writes, and where the walk can go from here.
 *
 * @example
 * ```ts
 * const { canvas, panel, counter } = graphMarkup(graph, trace, { collapsed: [], traceStep: 0 });
 * ```
 */
export interface GraphMarkup {
  /** The drawing: scope boxes, the SVG of the edges and one card per node or folded scope. */
  readonly canvas: string;
  /** The step panel: the current op (or folded scope), its gradient rule, upstream gradient and what each input receives. */
  readonly panel: string;
  /** `step i / n` (`forward i / n` in the forward walk), counting a folded scope's ops as one step; empty without a trace. */
  readonly counter: string;
  /** The canvas size in pixels. */
  readonly width: number;
  /** The canvas size in pixels. */
  readonly height: number;
  /** The `data-key` of the item the walk stands on (`n<id>` or `s<id>`), null without a step. */
  readonly currentKey: string | null;
  /** The trace step that Prev goes to, null at the first. */
  readonly previous: number | null;
  /** The trace step that Next goes to, null at the last. */
  readonly next: number | null;
  /** The number of forward steps (ops in creation order, a folded scope counting as one). */
  readonly forwardSteps: number;
  /** The forward step shown, or null when the forward pass is complete (the backward walk). */
  readonly forwardStep: number | null;
}

/**
 * Lays out a graph description and writes it as HTML: one card (`data-node-id`, `data-testid="node"`)
 * per node outside the folded scopes, one composite card (`data-scope-id`) per folded scope, a
 * dashed box (`data-scope-box`) per unfolded scope, and the edges as an SVG of paths with arrowheads,
 * labelled with the operand's position where an op has several. With a trace, it also writes the
 * step panel: the ops of a folded scope are one step, whose panel lists the ops with their
 * gradient rules and what leaves the scope.
 *
 * @param graph - `graphOf(y)`, ideally with `{ gradients: 'compute' }` so cards show gradients
 * @param trace - `backwardTrace(y)`, or null for a graph without stepping
 * @param state - the folded scopes and the trace step
 * @returns the markup, its size, and the neighbouring steps
 * @example
 * ```ts
 * const markup = graphMarkup(graphOf(loss, { gradients: 'compute' }), backwardTrace(loss), { collapsed: [], traceStep: 0 });
 * markup.canvas.includes('data-node-id');   // true
 * ```
 */
export function graphMarkup(graph: GraphDescription, trace: BackwardTrace | null, state: GraphViewState): GraphMarkup {
  const CARD_W = 252; // keep in step with .lg-node's width and height in the style
  const CARD_H = 104;
  const GAP_X = 34;
  const GAP_Y = 70;
  const MARGIN = 40;

  const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
  // A card has two lines for its value and two for its gradient: longer lists become min/max/mean.
  const formatSummary = (s: TensorSummary | null, inline = 6, maxChars = 56): string => {
    if (s === null) return '—';
    if (s.values !== null && s.size <= inline) {
      const text = formatNested(s.values);
      if (text.length <= maxChars) return text;
    }
    return `min ${formatNumber(s.min)} max ${formatNumber(s.max)} mean ${formatNumber(s.mean)}`;
  };
  const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
  const tag = (name: string, attrs: Record<string, string | number>, inner = ''): string =>
    `<${name}${Object.entries(attrs).map(([k, v]) => ` ${k}="${escape(String(v)).replace(/\n/g, '&#10;')}"`).join('')}>${inner}</${name}>`;

  const nodeById = new Map<number, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  const scopeById = new Map<number, GraphScope>(graph.scopes.map((s) => [s.id, s]));
  const arity = new Map<number, number>();
  for (const e of graph.edges) arity.set(e.to, (arity.get(e.to) ?? 0) + 1);
  const collapsed = new Set<number>(state.collapsed);

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

  // ---------------------------------------------------------------- layout
  interface Item { key: string; order: number; preds: Set<string>; succs: Set<string>; depth: number; x: number; y: number }
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
  const sources = ordered.filter((item) => item.preds.size === 0 && item.succs.size > 0);
  for (const item of sources) item.depth = Math.max(0, Math.min(...[...item.succs].map((s) => items.get(s)!.depth)) - 1);
  // The scope box an item is drawn in: its node's scope, or the parent of the folded scope it stands for.
  const boxOf = (key: string): number | null => (key.startsWith('n') ? nodeById.get(Number(key.slice(1)))!.scope : scopeById.get(Number(key.slice(1)))!.parent);
  // Scope boxes are the bounding boxes of their items, so a row shared by two scopes makes boxes
  // overlap (a layer's weight beside the previous layer's activation). Such a source gets a row of
  // its own: every row below moves down one, and the source's scope-mates in its row come along.
  for (const source of sources) {
    const row = source.depth;
    const own = boxOf(source.key);
    const shared = ordered.filter((other) => other.depth === row && other !== source);
    if (shared.every((other) => boxOf(other.key) === own)) continue;
    for (const other of ordered) if (other.depth > row) other.depth++;
    for (const other of [source, ...shared]) if (sources.includes(other) && boxOf(other.key) === own) other.depth = row + 1;
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

  // ---------------------------------------------------------------- the backward walk
  // The ops of a folded scope are one step: the reader sees the scope as one node, so the walk does too.
  interface Group { key: string; first: number; steps: BackwardStep[] }
  const groups: Group[] = [];
  for (const [i, step] of (trace?.steps ?? []).entries()) {
    const key = keyOf(step.nodeId);
    const last = groups[groups.length - 1];
    if (last !== undefined && key.startsWith('s') && last.key === key) last.steps.push(step);
    else groups.push({ key, first: i, steps: [step] });
  }
  const wanted = Math.max(0, Math.min(state.traceStep, (trace?.steps.length ?? 1) - 1));
  let groupIndex = groups.findIndex((g) => wanted >= g.first && wanted < g.first + g.steps.length);
  if (groupIndex < 0) groupIndex = 0;
  const group = groups[groupIndex];
  const highlight = new Map<string, string>();
  let panel = '';

  // ---------------------------------------------------------------- the forward walk
  // Ops in creation order (a topological order), a folded scope's run of ops being one step.
  interface ForwardGroup { key: string; nodes: GraphNode[] }
  const forwardGroups: ForwardGroup[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'op') continue;
    const key = keyOf(n.id);
    const last = forwardGroups[forwardGroups.length - 1];
    if (last !== undefined && key.startsWith('s') && last.key === key) last.nodes.push(n);
    else forwardGroups.push({ key, nodes: [n] });
  }
  const forwardStep = state.forwardStep === undefined || state.forwardStep === null || forwardGroups.length === 0
    ? null : Math.max(0, Math.min(state.forwardStep, forwardGroups.length - 1));
  const pending = new Set<string>();
  if (forwardStep !== null) {
    const done = new Set(forwardGroups.slice(0, forwardStep + 1).map((g) => g.key));
    for (const g of forwardGroups.slice(forwardStep + 1)) if (!done.has(g.key)) pending.add(g.key);
  }

  if (forwardStep !== null) {
    const fg = forwardGroups[forwardStep]!;
    const inside = new Set(fg.nodes.map((n) => n.id));
    const feeding: number[] = [];
    for (const e of graph.edges) if (inside.has(e.to) && !inside.has(e.from) && !feeding.includes(e.from)) feeding.push(e.from);
    for (const id of feeding) highlight.set(keyOf(id), 'lg-feeding');
    highlight.set(fg.key, 'lg-current');
    const rows: string[] = [];
    const lastNode = fg.nodes[fg.nodes.length - 1]!;
    if (fg.key.startsWith('s')) {
      const s = scopeById.get(Number(fg.key.slice(1)))!;
      rows.push(tag('h2', {}, escape(s.name)));
      rows.push(tag('div', { class: 'lg-muted' }, escape(`forward step ${forwardStep + 1} of ${forwardGroups.length} · folded scope · ${fg.nodes.length} ops`)));
      rows.push(tag('h3', {}, 'its ops, in order'));
      rows.push(tag('ul', { class: 'lg-ops' }, fg.nodes.map((n) => tag('li', {}, tag('span', {}, escape(`${n.label} · ${formatShape(n.shape)}`)) +
        tag('pre', {}, escape(formatSummary(n.value, 16, Infinity))))).join('')));
    } else {
      rows.push(tag('h2', {}, escape(lastNode.label)));
      rows.push(tag('div', { class: 'lg-muted' }, escape(`forward step ${forwardStep + 1} of ${forwardGroups.length} · op ${lastNode.op} · shape ${formatShape(lastNode.shape)}${lastNode.scopePath.length > 0 ? ` · in ${lastNode.scopePath.join('/')}` : ''}`)));
    }
    rows.push(tag('h3', {}, 'computed from'));
    rows.push(tag('ul', { class: 'lg-contributions' }, feeding.map((id) => {
      const n = nodeById.get(id)!;
      return tag('li', {}, tag('span', { class: 'lg-input' }, escape(n.label)) + tag('pre', {}, escape(formatSummary(n.value, 16, Infinity))));
    }).join('')));
    rows.push(tag('h3', {}, 'value'));
    rows.push(tag('pre', { class: 'lg-forward-value' }, escape(formatSummary(lastNode.value, 16, Infinity))));
    if (lastNode.formula !== null && !fg.key.startsWith('s')) rows.push(tag('h3', {}, 'its gradient rule, for the way back') + tag('pre', { class: 'lg-formula' }, escape(lastNode.formula)));
    panel = rows.join('\n');
  } else if (group === undefined) {
    panel = tag('p', { class: 'lg-muted' }, trace === null ? 'No backward trace: pass one to step through the backward pass.' : 'The output does not depend on any op: there is no backward pass to step through.');
  } else {
    const lastStep = group.steps[group.steps.length - 1]!;
    for (const id of Object.keys(lastStep.accumulated)) highlight.set(keyOf(Number(id)), 'lg-has-grad');
    const leaving = group.steps.flatMap((s) => s.contributions).filter((c) => keyOf(c.inputId) !== group.key);
    for (const c of leaving) if (c.grad !== null) highlight.set(keyOf(c.inputId), 'lg-receiving');
    highlight.set(group.key, 'lg-current');
    const rule = (step: BackwardStep): string => {
      const formula = nodeById.get(step.nodeId)?.formula ?? null;
      return formula === null ? '' : tag('pre', { class: 'lg-formula' }, escape(formula));
    };
    const rows: string[] = [];
    const first = group.steps[0]!;
    if (group.key.startsWith('s')) {
      const s = scopeById.get(Number(group.key.slice(1)))!;
      rows.push(tag('h2', {}, escape(s.name)));
      rows.push(tag('div', { class: 'lg-muted' }, escape(`folded scope · ${group.steps.length} ops, one step here (unfold it to walk its ops one by one)`)));
      rows.push(tag('h3', {}, 'its ops and their gradient rules'));
      rows.push(tag('ul', { class: 'lg-ops' }, group.steps.map((step) => tag('li', {}, tag('span', {}, escape(step.label)) + rule(step))).join('')));
    } else {
      rows.push(tag('h2', {}, escape(first.label)));
      rows.push(tag('div', { class: 'lg-muted' }, escape(`op ${first.op} · shape ${formatShape(first.shape)}${first.scopePath.length > 0 ? ` · in ${first.scopePath.join('/')}` : ''}`)));
      const formula = rule(first);
      if (formula !== '') rows.push(tag('h3', {}, 'gradient rule') + formula);
    }
    rows.push(tag('h3', {}, 'upstream gradient'));
    rows.push(tag('pre', { class: 'lg-upstream' }, escape(formatSummary(first.upstream, 16, Infinity))));
    rows.push(tag('h3', {}, 'sent to its inputs'));
    rows.push(tag('ul', { class: 'lg-contributions' }, leaving.map((c) =>
      tag('li', {}, tag('span', { class: 'lg-input' }, escape(`[${c.inputIndex}] ${c.inputLabel}`)) +
        tag('pre', {}, escape(c.grad === null ? 'nothing (constant)' : `+ ${formatSummary(c.grad, 16, Infinity)}`)) +
        (c.total === null ? '' : tag('pre', { class: 'lg-total' }, escape(`= ${formatSummary(c.total, 16, Infinity)} accumulated`))))).join('')));
    panel = rows.join('\n');
  }

  // ---------------------------------------------------------------- the drawing
  const parts: string[] = [];
  // Boxes of unfolded scopes, inner ones first so that outer ones can enclose them.
  const boxes = new Map<number, { x0: number; y0: number; x1: number; y1: number }>();
  const visibleScopes = graph.scopes.filter((s) => !collapsed.has(s.id) && !scopeHidden(s));
  const nesting = (s: GraphScope): number => 1 + Math.max(0, ...s.children.map((c) => nesting(scopeById.get(c)!)));
  for (const s of [...visibleScopes].sort((a, b) => nesting(a) - nesting(b))) {
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
      const item = items.get(`s${c}`);
      if (inner !== undefined) grow(inner);
      else if (item !== undefined) grow({ x0: item.x, y0: item.y, x1: item.x + CARD_W, y1: item.y + CARD_H });
    }
    if (x0 === Infinity) continue;
    const pad = 10;
    boxes.set(s.id, { x0: x0 - pad, y0: y0 - pad - 22, x1: x1 + pad, y1: y1 + pad });
  }
  for (const s of visibleScopes) {
    const b = boxes.get(s.id);
    if (b === undefined) continue;
    const toggle = tag('button', { class: 'lg-toggle', type: 'button', 'data-scope-toggle': s.id, title: `fold ${s.name} into one node` }, '−');
    parts.push(tag('div', { class: 'lg-scope-box', 'data-scope-box': s.id, style: `left:${b.x0}px;top:${b.y0}px;width:${b.x1 - b.x0}px;height:${b.y1 - b.y0}px` },
      tag('div', { class: 'lg-scope-label' }, `${toggle} ${escape(s.name)}`)));
  }

  const svg: string[] = ['<defs><marker id="lg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>'];
  for (const e of edges) {
    const a = items.get(e.from)!;
    const b = items.get(e.to)!;
    const x1 = a.x + CARD_W / 2; const y1 = a.y + CARD_H;
    const x2 = b.x + CARD_W / 2; const y2 = b.y;
    const bend = Math.max(24, (y2 - y1) / 2);
    svg.push(tag('path', { d: `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`, 'marker-end': 'url(#lg-arrow)', 'data-from': e.from, 'data-to': e.to }));
    if (e.label !== '') {
      // At the curve's midpoint, beside it: far from the arrowhead and from the card it enters.
      const mx = (x1 + x2) / 2; const my = (y1 + y2) / 2;
      svg.push(tag('text', { x: mx + 6, y: my + 4, 'data-edge-label': `${e.from}>${e.to}` }, `in ${e.label}`));
    }
  }
  parts.push(tag('svg', { class: 'lg-edges', xmlns: 'http://www.w3.org/2000/svg', width, height }, svg.join('')));

  for (const item of ordered) {
    const id = Number(item.key.slice(1));
    const classes = [highlight.get(item.key), pending.has(item.key) ? 'lg-pending' : undefined].filter((c) => c !== undefined);
    const cls = classes.length === 0 ? undefined : classes.join(' ');
    const valueText = (v: TensorSummary | null): string => (pending.has(item.key) ? 'not computed yet' : formatSummary(v));
    const gradText = (g: TensorSummary | null): string => (forwardStep !== null ? '— (forward pass)' : formatSummary(g));
    const place = `left:${item.x}px;top:${item.y}px`;
    if (item.key.startsWith('n')) {
      const n = nodeById.get(id)!;
      const title = n.kind === 'op' && n.name !== null ? `${n.name} = ${n.op} #${n.id}` : n.label;
      const hover = `${title}\nscope: ${n.scopePath.join('/') || '(none)'}${n.formula === null ? '' : `\nrule: ${n.formula}`}\nvalue: ${formatSummary(n.value, 16, Infinity)}\ngrad: ${formatSummary(n.grad, 16, Infinity)}`;
      parts.push(tag('div', { class: `lg-node lg-kind-${n.kind}${cls === undefined ? '' : ` ${cls}`}`, 'data-testid': 'node', 'data-node-id': n.id, 'data-key': item.key, style: place, title: hover },
        tag('div', { class: 'lg-title' }, escape(title)) +
        tag('div', { class: 'lg-shape' }, escape(`${formatShape(n.shape)} ${n.dtype}${n.kind === 'constant' ? ' · constant' : ''}`)) +
        tag('div', { class: 'lg-value' }, escape(`value ${n.kind === 'op' ? valueText(n.value) : formatSummary(n.value)}`)) +
        tag('div', { class: 'lg-grad' }, escape(`grad ${gradText(n.grad)}`))));
    } else {
      const s = scopeById.get(id)!;
      const out = s.outputs.length > 0 ? nodeById.get(s.outputs[s.outputs.length - 1]!)! : null;
      const toggle = tag('button', { class: 'lg-toggle', type: 'button', 'data-scope-toggle': s.id, title: `expand ${s.name} into its ops` }, '+');
      parts.push(tag('div', { class: `lg-node lg-composite${cls === undefined ? '' : ` ${cls}`}`, 'data-testid': 'node', 'data-scope-id': s.id, 'data-key': item.key, style: place },
        tag('div', { class: 'lg-title' }, `${toggle} ${escape(s.name)}`) +
        tag('div', { class: 'lg-shape' }, escape(`scope · ${nodesUnder(s).length} nodes${out === null ? '' : ` · out ${formatShape(out.shape)}`}`)) +
        tag('div', { class: 'lg-value' }, escape(`value ${valueText(out?.value ?? null)}`)) +
        tag('div', { class: 'lg-grad' }, escape(`grad ${gradText(out?.grad ?? null)}`))));
    }
  }

  return {
    canvas: parts.join('\n'),
    panel,
    counter: forwardStep !== null ? `forward ${forwardStep + 1} / ${forwardGroups.length}` : group === undefined ? '' : `step ${groupIndex + 1} / ${groups.length}`,
    width,
    height,
    currentKey: forwardStep !== null ? forwardGroups[forwardStep]!.key : group?.key ?? null,
    previous: groupIndex > 0 ? groups[groupIndex - 1]!.first : null,
    next: groupIndex < groups.length - 1 ? groups[groupIndex + 1]!.first : null,
    forwardSteps: forwardGroups.length,
    forwardStep,
  };
}

/**
 * What {@link renderGraph} returns: a handle on the drawn view.
 *
 * @example
 * ```ts
 * const view: GraphView = renderGraph(graph, element, { trace });
 * view.fold(lossScopeId, false);   // unfold the loss
 * view.goTo(3);                    // stand on the trace's fourth op
 * ```
 */
export interface GraphView {
  /** The folded scopes and the trace step shown now. */
  state(): GraphViewState;
  /** Walks to a step of the trace (an index into `trace.steps`, clamped) and redraws. */
  goTo(traceStep: number): void;
  /** Folds (true) or unfolds (false) a scope and redraws. */
  fold(scopeId: number, folded: boolean): void;
  /**
   * Walks to a forward step (clamped; see {@link GraphViewState.forwardStep}), or with null to the
   * complete forward pass, where {@link GraphView.goTo} walks the backward pass; redraws.
   */
  goForward(forwardStep: number | null): void;
  /** The number of forward steps at the current folding (a folded scope is one step). */
  forwardSteps(): number;
}

/**
 * The options {@link mountGraph} reads, already validated (as {@link renderGraph} passes them).
 *
 * @example
 * ```ts
 * const options: MountOptions = { trace: null, collapsed: [], title: 'graph', subtitle: '' };
 * ```
 */
export interface MountOptions {
  /** The backward trace to step through, or null. */
  readonly trace: BackwardTrace | null;
  /** Ids of the scopes folded at first. */
  readonly collapsed: readonly number[];
  /** The toolbar's title. */
  readonly title: string;
  /** The toolbar's second line (what was computed). */
  readonly subtitle: string;
  /**
   * Start with the forward walk (true), so Prev / Next go through the ops in creation order first
   * and then through the backward pass; false or omitted: the backward walk only.
   */
  readonly forward?: boolean;
}

/**
 * Fills `element` with the view (a toolbar with the title, Expand all / Collapse all and Prev / Next,
 * the drawing, the step panel) and wires the controls and the ← → keys. Use {@link renderGraph},
 * which validates its arguments; this is the part the explorer page embeds.
 *
 * @param graph - the graph description
 * @param element - where to draw; its content is replaced
 * @param options - validated options
 * @returns the view's handle
 * @example
 * ```ts
 * mountGraph(graph, document.getElementById('graph')!, { trace, collapsed: [], title: 'loss', subtitle: '' });
 * ```
 */
export function mountGraph(graph: GraphDescription, element: HTMLElement, options: MountOptions): GraphView {
  const doc = element.ownerDocument;
  const collapsed = new Set<number>(options.collapsed);
  let traceStep = 0;
  let forwardStep: number | null = options.forward === true ? 0 : null;
  let forwardCount = 0;
  const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const stepping = options.trace !== null;
  element.innerHTML = `<div class="lg-root">
<div class="lg-toolbar">
  <div class="lg-heading"><h1>${escape(options.title)}</h1><span class="lg-subtitle" title="${escape(options.subtitle)}">${escape(options.subtitle)}</span></div>
  <button type="button" data-action="expand-all">Expand all</button>
  <button type="button" data-action="collapse-all">Collapse all</button>
  ${stepping ? '<button type="button" data-action="prev">◀ Prev</button><span class="lg-counter"></span><button type="button" data-action="next">Next ▶</button>' : ''}
</div>
<div class="lg-main">
  <div class="lg-viewport"><div class="lg-canvas" data-testid="graph"></div></div>
  <aside class="lg-side">
    <div class="lg-panel"></div>
    <div class="lg-legend">
      <div>The backward pass, one op per step (← → keys); a folded scope is one step. Each card: shape, value, and the gradient of the output with respect to it.</div>
      <div><span class="lg-swatch lg-swatch-current"></span>current op <span class="lg-swatch lg-swatch-receiving"></span>receives gradient now <span class="lg-swatch lg-swatch-has-grad"></span>has gradient</div>
    </div>
  </aside>
</div>
</div>`;
  const find = (selector: string): HTMLElement | null => element.querySelector<HTMLElement>(selector);
  const viewport = find('.lg-viewport')!;
  const canvas = find('.lg-canvas')!;
  const panel = find('.lg-panel')!;
  const counter = find('.lg-counter');
  const prev = find('[data-action="prev"]') as HTMLButtonElement | null;
  const next = find('[data-action="next"]') as HTMLButtonElement | null;
  let previousStep: number | null = null;
  let nextStep: number | null = null;

  const draw = (): void => {
    const markup = graphMarkup(graph, options.trace, { collapsed: [...collapsed], traceStep, forwardStep });
    forwardStep = markup.forwardStep;
    forwardCount = markup.forwardSteps;
    canvas.style.width = `${markup.width}px`;
    canvas.style.height = `${markup.height}px`;
    canvas.innerHTML = markup.canvas;
    panel.innerHTML = markup.panel;
    if (counter !== null) counter.textContent = markup.counter;
    previousStep = markup.previous;
    nextStep = markup.next;
    const walksForward = options.forward === true;
    if (prev !== null) prev.disabled = forwardStep !== null ? forwardStep === 0 : previousStep === null && !(walksForward && forwardCount > 0);
    if (next !== null) next.disabled = forwardStep !== null ? false : nextStep === null;
    element.dataset['step'] = markup.counter.replace(/^(?:step|forward) (\d+).*$/, '$1');
    element.dataset['phase'] = forwardStep !== null ? 'forward' : 'backward';
    element.dataset['currentKey'] = markup.currentKey ?? '';
    canvas.querySelectorAll<HTMLElement>('[data-scope-toggle]').forEach((button) => {
      button.addEventListener('click', (event: MouseEvent) => {
        event.stopPropagation();
        const id = Number(button.dataset['scopeToggle']);
        view.fold(id, !collapsed.has(id));
      });
    });
    // Bring the current card into the drawing's own viewport; never scroll the page, whose toolbar must stay in sight.
    const current = markup.currentKey === null ? null : canvas.querySelector<HTMLElement>(`[data-key="${markup.currentKey}"]`);
    if (current !== null) {
      const { offsetLeft: x, offsetTop: y, offsetWidth: w, offsetHeight: h } = current;
      if (y < viewport.scrollTop || y + h > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = Math.max(0, y - (viewport.clientHeight - h) / 2);
      if (x < viewport.scrollLeft || x + w > viewport.scrollLeft + viewport.clientWidth) viewport.scrollLeft = Math.max(0, x - (viewport.clientWidth - w) / 2);
    }
  };

  const view: GraphView = {
    state: () => ({ collapsed: [...collapsed], traceStep, forwardStep }),
    goTo: (step: number) => {
      traceStep = Math.max(0, Math.min(step, (options.trace?.steps.length ?? 1) - 1));
      forwardStep = null;
      draw();
    },
    goForward: (step: number | null) => {
      forwardStep = step;
      draw();
    },
    forwardSteps: () => forwardCount,
    fold: (scopeId: number, folded: boolean) => {
      if (folded) collapsed.add(scopeId);
      else collapsed.delete(scopeId);
      draw();
    },
  };
  // With the forward walk, Next runs through the forward steps and then into the backward pass; Prev back.
  prev?.addEventListener('click', () => {
    if (forwardStep !== null) view.goForward(Math.max(0, forwardStep - 1));
    else if (previousStep !== null) view.goTo(previousStep);
    else if (options.forward === true && forwardCount > 0) view.goForward(forwardCount - 1);
  });
  next?.addEventListener('click', () => {
    if (forwardStep !== null) {
      if (forwardStep < forwardCount - 1) view.goForward(forwardStep + 1);
      else view.goTo(0);
    } else if (nextStep !== null) view.goTo(nextStep);
  });
  find('[data-action="expand-all"]')!.addEventListener('click', () => {
    collapsed.clear();
    draw();
  });
  find('[data-action="collapse-all"]')!.addEventListener('click', () => {
    for (const s of graph.rootScopes) collapsed.add(s);
    draw();
  });
  doc.addEventListener('keydown', (event: KeyboardEvent) => {
    if (!element.isConnected) return;
    if (event.key === 'ArrowRight') next?.click();
    if (event.key === 'ArrowLeft') prev?.click();
  });
  draw();
  return view;
}
