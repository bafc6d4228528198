/**
 * The public graph renderer: {@link renderGraph} draws a graph description into a DOM element,
 * {@link explorerPage} writes it as a complete, self-contained HTML page.
 */
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';
import { toJSON, type BackwardTrace, type GraphDescription } from '@lossgraph/autograd';
import { graphMarkup, mountGraph, type GraphView } from './view.js';

/**
 * The view's style sheet. {@link renderGraph} adds it to the document once; {@link explorerPage}
 * writes it into the page. Every class starts with `lg-`, so it styles nothing else on a page.
 *
 * @example
 * ```ts
 * const style = document.createElement('style');
 * style.textContent = GRAPH_STYLE;
 * ```
 */
export const GRAPH_STYLE = `
.lg-root, .lg-root * { box-sizing: border-box; }
.lg-root { display: flex; flex-direction: column; height: 100%; min-height: 360px; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f5f6f8; }
.lg-toolbar { position: sticky; top: 0; z-index: 5; flex: none; display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 8px 16px; background: #1d2330; color: #fff; }
.lg-heading { flex: 1 1 300px; min-width: 0; display: flex; gap: 12px; align-items: baseline; }
.lg-heading h1 { font-size: 16px; margin: 0; white-space: nowrap; }
.lg-subtitle { color: #b9c0cf; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lg-toolbar button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #8892a6; background: #2d3548; color: #fff; cursor: pointer; }
.lg-toolbar button:disabled { opacity: 0.4; cursor: default; }
.lg-counter { min-width: 90px; text-align: center; font-variant-numeric: tabular-nums; }
.lg-main { flex: 1; min-height: 0; display: flex; }
.lg-viewport { flex: 1; min-width: 0; overflow: auto; }
.lg-canvas { position: relative; margin: 0 auto; }
.lg-side { width: 360px; flex: none; overflow: auto; padding: 12px 16px; background: #fff; border-left: 1px solid #d9dde5; }
.lg-side h2 { font-size: 15px; margin: 4px 0; }
.lg-side h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5b6478; margin: 12px 0 4px; }
.lg-side pre { margin: 2px 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.3 ui-monospace, Menlo, Consolas, monospace; }
.lg-side ul { list-style: none; padding: 0; margin: 0; }
.lg-side li { padding: 4px 0; border-bottom: 1px solid #eef0f4; }
.lg-formula { padding: 3px 6px; background: #eef1fb; border-radius: 4px; color: #2b3a67; }
.lg-muted { color: #5b6478; }
.lg-legend { margin-top: 18px; color: #5b6478; font-size: 12px; }
.lg-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin: 0 4px 0 8px; border: 1.5px solid #b5bccb; }
.lg-edges { position: absolute; left: 0; top: 0; pointer-events: none; }
.lg-edges path { fill: none; stroke: #8d96aa; stroke-width: 1.4; }
.lg-edges marker path { fill: #8d96aa; stroke: none; }
.lg-edges text { font-size: 11px; fill: #3d4a6b; paint-order: stroke; stroke: #f5f6f8; stroke-width: 4px; stroke-linejoin: round; }
.lg-scope-box { position: absolute; border: 1.5px dashed #9aa6c4; border-radius: 10px; background: rgba(226, 232, 247, 0.45); }
.lg-scope-label { position: absolute; left: 8px; top: 3px; font-weight: 600; color: #3d4a6b; }
.lg-node { position: absolute; width: 252px; height: 104px; padding: 5px 8px; border-radius: 7px; background: #fff; border: 1.5px solid #b5bccb; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow: hidden; z-index: 1; }
.lg-node .lg-title, .lg-node .lg-shape { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.lg-node .lg-title { font-weight: 600; }
.lg-node .lg-shape { color: #5b6478; font-size: 12px; }
.lg-node .lg-value, .lg-node .lg-grad { font: 11px/1.3 ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.lg-node .lg-grad { color: #8a3b12; }
.lg-kind-leaf { border-color: #3f8f5a; background: #f1faf3; }
.lg-kind-constant { border-style: dashed; background: #fafafa; }
.lg-composite { border: 2px solid #5b6fb3; background: #eef1fb; }
.lg-toggle { font: 600 12px/1 system-ui, sans-serif; width: 20px; height: 18px; padding: 0; border-radius: 4px; border: 1px solid #5b6fb3; background: #fff; color: #3d4a6b; cursor: pointer; }
.lg-has-grad { box-shadow: inset 4px 0 0 #e8a33d; }
.lg-receiving { border-color: #e8a33d; background: #fff4e0; }
.lg-current { border-color: #d9480f; background: #ffe8dc; box-shadow: 0 0 0 3px rgba(217, 72, 15, .35); }
.lg-pending { opacity: .45; border-style: dotted; }
.lg-feeding { border-color: #3b6fd9; background: #eaf1ff; }
.lg-side pre.lg-total { color: #5b6478; }
.lg-swatch-current { border-color: #d9480f; background: #ffe8dc; }
.lg-swatch-receiving { border-color: #e8a33d; background: #fff4e0; }
.lg-swatch-has-grad { box-shadow: inset 4px 0 0 #e8a33d; }
`;

const renderOptionsShape = {
  /** The backward pass to step through, from `backwardTrace(y)`; omitted: the graph only, with no stepping. */
  trace: z.optional(z.custom<BackwardTrace>((value) => value !== null && typeof value === 'object' && Array.isArray((value as { steps?: unknown }).steps), 'a backwardTrace(...) result')),
  /** Scopes folded at first: their ids, or true for every outermost scope (default: none). */
  collapsed: z._default(z.union([z.boolean(), z.array(z.number().check(z.int()))]), []),
  /** The toolbar's title (default 'lossgraph graph'). */
  title: z._default(z.string(), 'lossgraph graph'),
  /** A line saying what was computed (default empty). */
  subtitle: z._default(z.string(), ''),
  /** Start with the forward walk: Prev / Next step through the ops in creation order, then through the backward pass (default false). */
  forward: z._default(z.boolean(), false),
};

/**
 * Zod schema of {@link RenderGraphOptions}.
 * @example
 * ```ts
 * RenderGraphOptionsSchema.parse({}).title   // 'lossgraph graph'
 * ```
 */
export const RenderGraphOptionsSchema = z.strictObject(renderOptionsShape);

/**
 * Options of {@link renderGraph}: `trace`, `collapsed`, `title`, `subtitle`, `forward`.
 * @example
 * ```ts
 * renderGraph(graph, element, { trace: backwardTrace(loss), collapsed: true } satisfies RenderGraphOptions);
 * ```
 */
export type RenderGraphOptions = z.input<typeof RenderGraphOptionsSchema>;

/**
 * Zod schema of {@link ExplorerPageOptions}.
 * @example
 * ```ts
 * ExplorerPageOptionsSchema.parse({ title: 'loss' }).subtitle   // ''
 * ```
 */
export const ExplorerPageOptionsSchema = z.strictObject({ ...renderOptionsShape, title: z._default(z.string(), 'lossgraph explorer') });

/**
 * Options of {@link explorerPage}: those of {@link renderGraph}, and the page's title (default 'lossgraph explorer').
 * @example
 * ```ts
 * explorerPage(graph, { title: 'my loss', trace: backwardTrace(loss) } satisfies ExplorerPageOptions);
 * ```
 */
export type ExplorerPageOptions = z.input<typeof ExplorerPageOptionsSchema>;

const graphSchema = z.custom<GraphDescription>(
  (value: unknown) => value !== null && typeof value === 'object' && ['nodes', 'edges', 'scopes', 'rootScopes'].every((k) => Array.isArray((value as Record<string, unknown>)[k])),
  'a graphOf(...) description',
);

function foldedIds(graph: GraphDescription, collapsed: boolean | readonly number[]): number[] {
  if (collapsed === true) return [...graph.rootScopes];
  return collapsed === false ? [] : [...collapsed];
}

/**
 * Draws any `graphOf(y)` into a DOM element: node cards with shape, value and gradient, scopes as
 * boxes that fold into one composite node (each loss, each layer), edges labelled with the
 * operand's position; with a `trace`, Prev / Next (and the ← → keys) walk the backward pass, and
 * a side panel shows each op's gradient rule (the derivatives table's formula), its upstream
 * gradient and the gradient each input receives. The element's content is replaced; give it a
 * height (the view fills it, and scrolls the drawing inside). Adds {@link GRAPH_STYLE} to the
 * document once.
 *
 * @param graph - the graph, from `graphOf(y, { gradients: 'compute' })` (or any graph description)
 * @param element - where to draw
 * @param options - {@link RenderGraphOptions}
 * @returns a {@link GraphView} to fold scopes and walk steps from code
 * @throws TypeError naming the bad argument or option, before anything is drawn
 * @example
 * ```ts
 * const loss = new L2Loss().forward(pred, label);
 * renderGraph(graphOf(loss, { gradients: 'compute' }), document.getElementById('graph')!, { trace: backwardTrace(loss) });
 * ```
 */
export function renderGraph(graph: GraphDescription, element: HTMLElement, options: RenderGraphOptions = {}): GraphView {
  parseArgument('renderGraph', 'graph', graphSchema, graph);
  parseArgument('renderGraph', 'element', z.custom<HTMLElement>((value) => value !== null && typeof value === 'object' && (value as { nodeType?: unknown }).nodeType === 1, 'a DOM element'), element);
  const parsed = parseOptions('renderGraph', RenderGraphOptionsSchema, options);
  const doc = element.ownerDocument;
  if (doc.querySelector('style[data-lossgraph-lab]') === null) {
    const style = doc.createElement('style');
    style.dataset['lossgraphLab'] = '';
    style.textContent = GRAPH_STYLE;
    doc.head.append(style);
  }
  return mountGraph(graph, element, { trace: parsed.trace ?? null, collapsed: foldedIds(graph, parsed.collapsed), title: parsed.title, subtitle: parsed.subtitle, forward: parsed.forward });
}

/** Escapes text for HTML element content and attribute values. @internal */
export function escapeHtml(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/**
 * JSON that is safe inside a `<script>` element: `<` is written `\u003c`, so no string in the
 * data (a scope name, a label) can close the tag or open a comment.
 */
function scriptSafeJson(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A complete, self-contained HTML page (inline style and script, no network, opens from file://)
 * that shows a graph as {@link renderGraph} does, filling the window: the toolbar stays in sight
 * and the drawing scrolls inside. The graph and trace are embedded as JSON in
 * `<script type="application/json" id="lossgraph-data">`.
 *
 * @param graph - the graph, from `graphOf(y, { gradients: 'compute' })`
 * @param options - {@link ExplorerPageOptions}
 * @returns the page's HTML text
 * @throws TypeError naming the bad argument or option
 * @example
 * ```ts
 * writeFileSync('graph.html', explorerPage(graphOf(loss, { gradients: 'compute' }), { trace: backwardTrace(loss), collapsed: true }));
 * ```
 */
export function explorerPage(graph: GraphDescription, options: ExplorerPageOptions = {}): string {
  parseArgument('explorerPage', 'graph', graphSchema, graph);
  const parsed = parseOptions('explorerPage', ExplorerPageOptionsSchema, options);
  // toJSON writes NaN and infinities as strings, which the view's number formatter expects.
  const json = `{"title":${JSON.stringify(parsed.title)},"subtitle":${JSON.stringify(parsed.subtitle)},` +
    `"collapsed":${JSON.stringify(foldedIds(graph, parsed.collapsed))},"forward":${parsed.forward},"graph":${toJSON(graph, 0)},"trace":${parsed.trace === undefined ? 'null' : toJSON(parsed.trace, 0)}}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parsed.title)}</title>
<style>
html, body { height: 100%; margin: 0; overflow: hidden; }
#lossgraph { height: 100%; }
${GRAPH_STYLE}</style>
</head>
<body>
<div id="lossgraph"></div>
<script type="application/json" id="lossgraph-data">${scriptSafeJson(json)}</script>
<script>
const graphMarkup = ${graphMarkup.toString()};
const mountGraph = ${mountGraph.toString()};
const data = JSON.parse(document.getElementById('lossgraph-data').textContent);
window.lossgraphView = mountGraph(data.graph, document.getElementById('lossgraph'), { trace: data.trace, collapsed: data.collapsed, title: data.title, subtitle: data.subtitle, forward: data.forward });
</script>
</body>
</html>
`;
}
