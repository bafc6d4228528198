/**
 * The lab's HTML: the page skeleton (every control with its stable `data-testid`), its style, and
 * the bundled script inline, so `dist/index.html` is one file that opens from file://.
 */

/** The lab's style; the graph view brings its own (`GRAPH_STYLE`, classes `lg-`). */
export const LAB_STYLE = `
*, *::before, *::after { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #eef0f4; }
header { display: flex; align-items: baseline; gap: 14px; padding: 8px 16px; background: #1d2330; color: #fff; }
header h1 { font-size: 17px; margin: 0; white-space: nowrap; }
header p { margin: 0; color: #b9c0cf; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.lab { display: grid; gap: 10px; padding: 10px; grid-template-columns: 330px minmax(0, 1fr); grid-template-areas: "controls graph" "train train" "second second"; }
@media (min-width: 1700px) {
  .lab { grid-template-columns: 340px minmax(0, 1fr) 430px; grid-template-areas: "controls graph train" "second second second"; }
}
.panel { background: #fff; border: 1px solid #d9dde5; border-radius: 8px; padding: 10px 12px; min-width: 0; }
/* What training changes many times a second (numbers, canvases) must not lay out or paint the graph views again. */
.graph-area, .second, .train { contain: layout paint; }
.stats b { display: inline-block; min-width: 90px; contain: layout paint; }
.panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #5b6478; margin: 2px 0 6px; }
.controls { grid-area: controls; display: flex; flex-direction: column; gap: 10px; padding: 0; background: none; border: none; }
.controls > section { background: #fff; border: 1px solid #d9dde5; border-radius: 8px; padding: 8px 12px; }
.graph-area { grid-area: graph; height: calc(100vh - 62px); min-height: 420px; padding: 0; overflow: hidden; }
.graph-area .lg-root { min-height: 0; }
.graph-area .lg-side { width: 300px; }
.train { grid-area: train; }
.second { grid-area: second; }
.second .graph-box { height: 560px; border: 1px solid #d9dde5; border-radius: 6px; overflow: hidden; }
select, button, input, textarea { font: inherit; }
select { width: 100%; padding: 3px 4px; }
button { padding: 3px 10px; border-radius: 4px; border: 1px solid #8892a6; background: #f5f6f8; cursor: pointer; }
button:hover:not(:disabled) { background: #e6e9f0; }
button:disabled { opacity: .45; cursor: default; }
button.primary { background: #2b3a67; color: #fff; border-color: #2b3a67; }
.row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 6px; }
.note { color: #5b6478; font-size: 12px; margin-top: 4px; }
textarea { width: 100%; height: 58px; resize: vertical; font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; padding: 4px 6px; }
.error { color: #b42318; font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.error:empty { display: none; }
.inputs { display: flex; flex-wrap: wrap; gap: 6px 14px; }
.tensor-cells { border-collapse: collapse; }
.tensor-cells caption { text-align: left; font-weight: 600; font-size: 12px; }
.tensor-cells caption span { font-weight: 400; color: #5b6478; }
.tensor-cells input { width: 46px; padding: 1px 3px; border: 1px solid #c6ccd8; border-radius: 3px; font: 12px ui-monospace, Menlo, Consolas, monospace; text-align: right; }
.tensor-cells input.int { background: #f3f4f8; }
.tensor-cells input.bad { border-color: #b42318; background: #fdecea; }
.check { font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; }
.check .verdict { font-family: system-ui, sans-serif; font-weight: 600; }
.check[data-ok="true"] .verdict { color: #217a3c; }
.check[data-ok="false"] .verdict { color: #b42318; }
.check table { border-collapse: collapse; margin-top: 4px; }
.check td, .check th { padding: 0 6px 0 0; text-align: right; font-weight: 400; }
.check th { color: #5b6478; }
.train-grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.train canvas { border: 1px solid #d9dde5; border-radius: 4px; background: #fafbfc; }
.train label { display: inline-flex; gap: 4px; align-items: center; }
.train select { width: auto; }
.train input[type=number] { width: 70px; }
.stats { display: grid; grid-template-columns: auto auto; gap: 2px 10px; font-variant-numeric: tabular-nums; margin-top: 6px; }
.stats b { font: 600 15px ui-monospace, Menlo, Consolas, monospace; }
.legend-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 3px 0 8px; vertical-align: -1px; }
`;

/** The page's body: every control, with the `data-testid`s the browser test drives. */
export const LAB_BODY = `
<header><h1>lossgraph lab</h1><p>lossgraph runs in this page: pick a loss or write one, edit its inputs, step forward then backward through its graph, check its gradient numerically, see its second derivative, and train a small net with it.</p></header>
<main class="lab">
  <div class="controls panel">
    <section>
      <h2>Loss</h2>
      <select data-testid="loss-select" id="loss-select" aria-label="loss"></select>
      <div class="note" id="loss-note"></div>
      <div class="row"><label for="custom-loss-editor">Your own: <code>(pred, label) =&gt; …</code>, the autograd ops in scope</label></div>
      <textarea data-testid="custom-loss-editor" id="custom-loss-editor" spellcheck="false"></textarea>
      <div class="row"><button type="button" data-testid="custom-loss-apply" id="custom-loss-apply">Apply</button><span class="note">label: one-hot, like pred</span></div>
      <div class="error" data-testid="custom-loss-error" id="custom-loss-error" role="alert"></div>
    </section>
    <section>
      <h2>Inputs</h2>
      <div class="inputs" id="inputs"></div>
      <div class="error" data-testid="input-error" id="input-error" role="alert"></div>
    </section>
    <section>
      <h2>Walk</h2>
      <div class="row"><button type="button" data-testid="step-forward" id="step-forward">Forward ▶</button><button type="button" data-testid="step-backward" id="step-backward">Backward ◀</button><span data-testid="step-status" id="step-status"></span></div>
      <div class="note">Forward computes one op at a time; Backward sends the gradient back one op at a time. The panel beside the graph shows the op, its gradient rule, the upstream gradient and what each input receives. Click + on a loss to unfold it into its ops.</div>
    </section>
    <section>
      <h2>Numeric check</h2>
      <div class="check" data-testid="gradcheck" id="gradcheck"></div>
      <div class="row"><button type="button" data-testid="second-order" id="second-order-button">Second order: Hessian-vector product</button></div>
    </section>
  </div>
  <div class="graph-area panel" id="graph-area"></div>
  <section class="train panel">
    <h2>Train a small net</h2>
    <div class="row">
      <label>data <select data-testid="dataset-select" id="dataset-select"></select></label>
      <label>backend <select data-testid="backend-select" id="backend-select"><option value="cpu">cpu</option><option value="gpujs">gpujs (webgl2)</option></select></label>
      <label>learning rate <input type="number" data-testid="learning-rate" id="learning-rate" value="0.03" min="0.0001" max="1" step="0.005"></label>
    </div>
    <div class="row">
      <button type="button" class="primary" data-testid="train-start" id="train-start">Start</button>
      <button type="button" data-testid="train-pause" id="train-pause" disabled>Pause</button>
      <button type="button" data-testid="train-reset" id="train-reset">Reset</button>
      <button type="button" data-testid="train-graph" id="train-graph" title="Draw the graph of one training step (its layers and their parameters as scopes) in the graph view">Graph of a step</button>
    </div>
    <div class="note" data-testid="train-note" id="train-note"></div>
    <div class="error" data-testid="train-error" id="train-error" role="alert"></div>
    <div class="train-grid">
      <div><canvas data-testid="train-boundary" id="train-boundary" width="260" height="260"></canvas><div class="note" id="train-legend"></div></div>
      <div>
        <canvas data-testid="train-curve" id="train-curve" width="300" height="150"></canvas>
        <div class="stats">
          <span>loss (all points)</span><b data-testid="train-loss" id="train-loss">–</b>
          <span>accuracy</span><b data-testid="train-accuracy" id="train-accuracy">–</b>
          <span>steps</span><b data-testid="train-steps" id="train-steps">0</b>
        </div>
        <div class="note" id="train-net"></div>
      </div>
    </div>
  </section>
  <section class="second panel" id="second" hidden>
    <h2>Second order</h2>
    <div class="note" data-testid="second-order-result" id="second-order-result"></div>
    <div class="graph-box" id="second-order-graph"></div>
  </section>
</main>
`;

/**
 * The whole page: style, skeleton and the bundled app (an iife, so it runs from file://, where
 * Chromium refuses module scripts).
 *
 * @param script - the bundled app
 * @returns the HTML text of `dist/index.html`
 */
export function labPage(script: string): string {
  // A `</script` inside the bundle (a string in gpu.js) would end the element early.
  const safe = script.replace(/<\/script/gi, '<\\/script');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>lossgraph lab</title>
<style>${LAB_STYLE}</style>
</head>
<body>
${LAB_BODY}
<script>${safe}</script>
</body>
</html>
`;
}
