/**
 * The explorer's HTML page: one self-contained file (inline CSS, inline script, the data as JSON),
 * so it opens from disk with no server and no network.
 */
import { toJSON } from '@lossgraph/autograd';
import { explorerClient, type ExplorerData } from './client.js';

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f5f6f8; }
header { display: flex; gap: 12px; align-items: center; padding: 10px 16px; background: #1d2330; color: #fff; }
header h1 { font-size: 16px; margin: 0; }
header .subtitle { color: #b9c0cf; flex: 1; }
header button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #8892a6; background: #2d3548; color: #fff; cursor: pointer; }
header button:disabled { opacity: 0.4; cursor: default; }
#step-counter { min-width: 90px; text-align: center; font-variant-numeric: tabular-nums; }
main { display: flex; align-items: flex-start; }
#viewport { flex: 1; overflow: auto; }
#canvas { position: relative; margin: 0 auto; }
aside { width: 360px; flex: none; position: sticky; top: 0; max-height: 100vh; overflow: auto; padding: 12px 16px; background: #fff; border-left: 1px solid #d9dde5; }
aside h2 { font-size: 15px; margin: 4px 0; }
aside h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5b6478; margin: 12px 0 4px; }
aside pre { margin: 2px 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.3 ui-monospace, Menlo, Consolas, monospace; }
aside ul { list-style: none; padding: 0; margin: 0; }
aside li { padding: 4px 0; border-bottom: 1px solid #eef0f4; }
.muted { color: #5b6478; }
.note { margin-top: 6px; padding: 4px 8px; background: #fff6d6; border-radius: 4px; }
.legend { margin-top: 18px; color: #5b6478; font-size: 12px; }
.legend span { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 4px; }
.edges { position: absolute; left: 0; top: 0; pointer-events: none; }
.edges path { fill: none; stroke: #8d96aa; stroke-width: 1.4; }
.edges marker path { fill: #8d96aa; stroke: none; }
.edges text { font-size: 11px; fill: #5b6478; }
.scope-box { position: absolute; border: 1.5px dashed #9aa6c4; border-radius: 10px; background: rgba(226, 232, 247, 0.45); }
.scope-label { position: absolute; left: 8px; top: 3px; font-weight: 600; color: #3d4a6b; }
.node { position: absolute; width: 236px; height: 84px; padding: 5px 8px; border-radius: 7px; background: #fff; border: 1.5px solid #b5bccb; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow: hidden; z-index: 1; }
.node div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.node .title { font-weight: 600; }
.node .shape { color: #5b6478; font-size: 12px; }
.node .value, .node .grad { font: 11px/1.35 ui-monospace, Menlo, Consolas, monospace; }
.node .grad { color: #8a3b12; }
.kind-leaf { border-color: #3f8f5a; background: #f1faf3; }
.kind-constant { border-style: dashed; background: #fafafa; }
.composite { border: 2px solid #5b6fb3; background: #eef1fb; }
.toggle { font: 600 12px/1 system-ui, sans-serif; width: 20px; height: 18px; padding: 0; border-radius: 4px; border: 1px solid #5b6fb3; background: #fff; color: #3d4a6b; cursor: pointer; }
.has-grad { box-shadow: inset 4px 0 0 #e8a33d; }
.receiving { border-color: #e8a33d; background: #fff4e0; }
.current { border-color: #d9480f; background: #ffe8dc; box-shadow: 0 0 0 3px rgba(217, 72, 15, .35); }
`;

/** The page's static parts; the script fills `#canvas` and `#step-panel`. */
function body(data: ExplorerData): string {
  return `<header>
  <h1>${escapeHtml(data.title)}</h1>
  <span class="subtitle">${escapeHtml(data.subtitle)}</span>
  <button id="expand-all" type="button">Expand all</button>
  <button id="collapse-all" type="button">Collapse all</button>
  <button id="prev" type="button">◀ Prev</button>
  <span id="step-counter">step</span>
  <button id="next" type="button">Next ▶</button>
</header>
<main>
  <div id="viewport"><div id="canvas"></div></div>
  <aside>
    <div id="step-panel"></div>
    <div class="legend">
      <div>Backward pass, one op per step (← → keys). Each card: shape, value and gradient of the loss with respect to it.</div>
      <div><span style="background:#ffe8dc;border:1.5px solid #d9480f"></span>current op
        <span style="background:#fff4e0;border:1.5px solid #e8a33d;margin-left:8px"></span>receives gradient now
        <span style="box-shadow:inset 4px 0 0 #e8a33d;border:1px solid #b5bccb;margin-left:8px"></span>has gradient</div>
    </div>
  </aside>
</main>`;
}

/**
 * Escapes text for HTML element content and attribute values.
 * @param text - any text
 * @returns the text with `& < > " '` escaped
 * @example `escapeHtml('a < b')   // 'a &lt; b'`
 */
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
 * Renders the explorer page: a self-contained HTML document (no external files, no network)
 * that draws the graph, lets the reader fold and unfold its scopes, and steps through the
 * backward trace. The graph and trace are embedded as JSON in
 * `<script type="application/json" id="explorer-data">`.
 *
 * @param data - title, graph (`graphOf(loss, { gradients: 'compute' })`), trace
 *   (`backwardTrace(loss)`) and the scopes folded at first
 * @returns the HTML text
 * @example
 * ```ts
 * const html = renderExplorerPage({ title: 'loss', subtitle: '', graph: graphOf(l, { gradients: 'compute' }),
 *   trace: backwardTrace(l), collapsed: [] });
 * ```
 */
export function renderExplorerPage(data: ExplorerData): string {
  // toJSON writes NaN and infinities as strings, which the page's number formatter expects.
  const json = `{"title":${JSON.stringify(data.title)},"subtitle":${JSON.stringify(data.subtitle)},` +
    `"collapsed":${JSON.stringify(data.collapsed)},"graph":${toJSON(data.graph, 0)},"trace":${toJSON(data.trace, 0)}}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body(data)}
<script type="application/json" id="explorer-data">${scriptSafeJson(json)}</script>
<script>
(${explorerClient.toString()})(document);
</script>
</body>
</html>
`;
}
