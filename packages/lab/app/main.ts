/**
 * The live lab: lossgraph runs in the page. The backprop half (loss, inputs, graph, walk, numeric
 * check, second order) always computes on the cpu backend; the training half runs on the backend
 * chosen, through nn's async `fit`, which yields between steps so the page keeps drawing.
 */
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import * as A from '@lossgraph/autograd';
import { argmax, backwardTrace, grad, gradcheck, graphOf, mean, mul, noGrad, scope, softmax, sum, variable, Variable } from '@lossgraph/autograd';
import { Adam, DataLoader, Dense, fit, Sequential, type LossLike } from '@lossgraph/nn';
import { renderGraph, type GraphView } from '@lossgraph/lab';
import { CUSTOM_EXAMPLE, CUSTOM_INPUTS, LOSS_CASES, targetsOf, type InputSpec, type LossCase, type TargetForm } from './catalogue.js';
import { DATASETS, toySet, type DatasetName, type ToySet } from './datasets.js';

const CUSTOM = 'custom';
const byId = <E extends HTMLElement = HTMLElement>(id: string): E => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`lab: the page has no #${id}`);
  return element as E;
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const format = (x: number): string => (Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(4) : x.toExponential(2));

// ------------------------------------------------------------------ backends
type BackendName = 'cpu' | 'gpujs';
let trainingBackend: BackendName = 'cpu';
function useBackend(name: BackendName): void {
  if (name === 'gpujs') T.setBackend('gpujs', { mode: 'webgl2' });
  else T.setBackend('cpu');
}
/** Runs `fn` on cpu (the backprop half's float64 checks), then returns to the training backend. */
function onCpu<R>(fn: () => R): R {
  if (trainingBackend === 'cpu') return fn();
  useBackend('cpu');
  try {
    return fn();
  } finally {
    useBackend(trainingBackend);
  }
}

// ------------------------------------------------------------------ the loss and its inputs
/** The custom loss compiled from the editor, or null before the first Apply. */
let customLoss: ((pred: Variable, label: Variable) => Variable) | null = null;
let customSource = CUSTOM_EXAMPLE;
/** The edited values of each case's inputs, by case name and input name. */
const edited = new Map<string, Map<string, number[]>>();
let selected: string = LOSS_CASES[0]!.name;

/** Every function autograd exports, by name: the custom loss's vocabulary. */
const OPS: Readonly<Record<string, unknown>> = Object.fromEntries(Object.entries(A).filter(([name, value]) => typeof value === 'function' && /^[a-z]\w*$/.test(name)));

/**
 * Compiles the editor's text into a loss function with the ops in scope. A syntax error or a text
 * that is not a function throws here, before anything is computed.
 */
function compileCustom(source: string): (pred: Variable, label: Variable) => Variable {
  const names = Object.keys(OPS);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the user's own loss is the point of the editor
  const made: unknown = new Function(...names, `"use strict";\nreturn (${source}\n);`)(...names.map((n) => OPS[n]));
  if (typeof made !== 'function') throw new TypeError(`expected a function (pred, label) => ..., got ${made === null ? 'null' : typeof made}`);
  return (pred, label) => {
    const out: unknown = (made as (p: Variable, l: Variable) => unknown)(pred, label);
    if (!(out instanceof Variable)) throw new TypeError(`your loss returned ${out === null ? 'null' : typeof out}, not a Variable: build it from the ops (add, mul, logSoftmax, ...)`);
    return out;
  };
}

interface Current {
  readonly name: string;
  readonly note: string;
  readonly inputs: readonly InputSpec[];
  readonly call: (inputs: Readonly<Record<string, Variable>>) => Variable;
  readonly train: LossCase['train'];
}

function currentCase(): Current {
  if (selected === CUSTOM) {
    const fn = customLoss!;
    return {
      name: 'custom loss', note: customSource, inputs: CUSTOM_INPUTS,
      call: (v) => scope('custom loss', () => fn(v['pred']!, v['label']!)),
      train: { target: 'onehot', loss: () => ({ forward: (p: Variable, l: T.Tensor) => scope('custom loss', () => fn(p, variable(l))) }) },
    };
  }
  return LOSS_CASES.find((c) => c.name === selected)!;
}

function valuesOf(caseName: string, spec: InputSpec): number[] {
  return edited.get(caseName)?.get(spec.name) ?? [...spec.values];
}

// ------------------------------------------------------------------ the input cells
function drawInputs(): void {
  const c = currentCase();
  const holder = byId('inputs');
  holder.replaceChildren();
  for (const spec of c.inputs) {
    const values = valuesOf(c.name, spec);
    const table = document.createElement('table');
    table.className = 'tensor-cells';
    table.dataset['input'] = spec.name;
    const caption = table.createCaption();
    caption.innerHTML = `${spec.name} <span>[${spec.shape.join(', ')}] ${spec.dtype}${spec.differentiable ? ' · requires grad' : ''}</span>`;
    const width = spec.shape[spec.shape.length - 1] ?? 1;
    for (let r = 0; r < values.length / width; r++) {
      const row = table.insertRow();
      for (let k = 0; k < width; k++) {
        const i = r * width + k;
        const input = document.createElement('input');
        input.type = 'text';
        input.inputMode = 'decimal';
        input.value = String(values[i]);
        input.dataset['testid'] = 'cell';
        input.dataset['index'] = String(i);
        input.className = spec.dtype === 'int32' ? 'int' : '';
        input.setAttribute('aria-label', `${spec.name}[${i}]`);
        input.addEventListener('change', () => {
          const x = Number(input.value);
          const ok = input.value.trim() !== '' && Number.isFinite(x) && (spec.dtype === 'float32' || Number.isInteger(x));
          input.classList.toggle('bad', !ok);
          if (!ok) {
            byId('input-error').textContent = `${spec.name}[${i}]: expected ${spec.dtype === 'int32' ? 'an integer' : 'a finite number'}, got "${input.value}"`;
            return;
          }
          const forCase = edited.get(c.name) ?? new Map<string, number[]>();
          const next = [...valuesOf(c.name, spec)];
          next[i] = x;
          forCase.set(spec.name, next);
          edited.set(c.name, forCase);
          recompute();
        });
        row.insertCell().append(input);
      }
    }
    holder.append(table);
  }
}

// ------------------------------------------------------------------ graph, walk, numeric check
let view: GraphView | null = null;
/** Loss scopes of more nodes than this start folded. */
const FOLD_ABOVE = 16;
/** What the second-order button differentiates: the current loss's call and inputs, once computed. */
let lastComputed: { c: Current; tensors: Map<string, T.Tensor> } | null = null;

function tensorsOf(c: Current): Map<string, T.Tensor> {
  return new Map(c.inputs.map((spec) => [spec.name, T.tensor(valuesOf(c.name, spec), [...spec.shape], spec.dtype)]));
}

function leavesOf(c: Current, tensors: Map<string, T.Tensor>): Record<string, Variable> {
  return Object.fromEntries(c.inputs.map((spec) => [spec.name, variable(tensors.get(spec.name)!, { name: spec.name, requiresGrad: spec.differentiable })]));
}

function showError(message: string): void {
  byId(selected === CUSTOM ? 'custom-loss-error' : 'input-error').textContent = message;
}

/** Computes the chosen loss on the inputs and redraws the graph and the numeric check. */
function recompute(): void {
  byId('input-error').textContent = '';
  byId('custom-loss-error').textContent = '';
  const c = currentCase();
  byId('loss-note').textContent = c.note;
  try {
    onCpu(() => {
      const tensors = tensorsOf(c);
      const loss = c.call(leavesOf(c, tensors));
      if (!T.isFloat(loss.dtype)) throw new TypeError(`the loss must be float, got ${loss.dtype}`);
      if (!loss.requiresGrad) throw new TypeError('the loss does not depend on any input that requires grad (pred): there is nothing to differentiate');
      const graph = graphOf(loss, { gradients: 'compute' });
      const trace = backwardTrace(loss);
      // A loss of a few ops starts unfolded, so the forward walk goes op by op; CTC's hundred ops start folded.
      const collapsed = graph.scopes.filter((sc) => sc.parent === null && graph.nodes.filter((n) => n.scopePath[0] === sc.name).length > FOLD_ABOVE).map((sc) => sc.id);
      view = renderGraph(graph, byId('graph-area'), { trace, collapsed, forward: true, title: c.name, subtitle: `per-sample loss, shape [${loss.shape.join(', ')}] · head gradient: ones · computed on cpu` });
      updateWalk();
      lastComputed = { c, tensors };
      numericCheck(c, tensors, loss.shape);
    });
  } catch (e) {
    showError(messageOf(e));
    byId('gradcheck').textContent = '';
    byId('gradcheck').dataset['ok'] = '';
    return;
  }
  if (!byId('second').hidden) secondOrder();
}

function numericCheck(c: Current, tensors: Map<string, T.Tensor>, lossShape: readonly number[]): void {
  const checked = c.inputs.filter((s) => s.differentiable);
  const f = (...xs: Variable[]): Variable => {
    const named: Record<string, Variable> = {};
    for (const spec of c.inputs) {
      const k = checked.indexOf(spec);
      named[spec.name] = k >= 0 ? xs[k]! : variable(T.cast(tensors.get(spec.name)!, spec.dtype === 'int32' ? 'int32' : 'float64'), { name: spec.name });
    }
    return c.call(named);
  };
  // Ones as the head gradient: the analytic side is then exactly the gradient the graph shows.
  const result = gradcheck(f, checked.map((s) => tensors.get(s.name)!), { headGrad: T.ones([...lossShape], 'float64') });
  const box = byId('gradcheck');
  box.dataset['ok'] = String(result.ok);
  box.dataset['maxAbsError'] = String(result.maxAbsError);
  const rows = result.inputs.map((r, k) => {
    const n = Math.min(r.analytic.length, 6);
    const cells = Array.from({ length: n }, (_, j) => `<tr><td>${checked[k]!.name}[${j}]</td><td>${format(r.analytic[j]!)}</td><td>${format(r.numeric[j]!)}</td><td>${r.analytic[j]! - r.numeric[j]! === 0 ? '0' : Math.abs(r.analytic[j]! - r.numeric[j]!).toExponential(1)}</td></tr>`);
    return cells.join('') + (r.analytic.length > n ? `<tr><td colspan="4">… ${r.analytic.length - n} more, largest difference ${r.maxAbsError.toExponential(1)}</td></tr>` : '');
  }).join('');
  box.innerHTML = `<div class="verdict">${result.ok ? 'pass' : 'FAIL'} · largest |graph − numeric| = ${result.maxAbsError.toExponential(2)}</div>` +
    '<div class="note">central differences in float64 on cpu, beside the graph\'s gradient</div>' +
    `<table><tr><th></th><th>graph</th><th>numeric</th><th>|diff|</th></tr>${rows}</table>`;
}

function updateWalk(): void {
  if (view === null) return;
  const state = view.state();
  const root = byId('graph-area');
  byId('step-status').textContent = state.forwardStep !== null && state.forwardStep !== undefined
    ? `forward ${state.forwardStep + 1} / ${view.forwardSteps()}`
    : `backward ${root.querySelector('.lg-counter')?.textContent?.replace(/^step /, '') ?? ''}`;
  byId<HTMLButtonElement>('step-forward').disabled = state.forwardStep !== null && state.forwardStep !== undefined && state.forwardStep >= view.forwardSteps() - 1;
  const next = root.querySelector<HTMLButtonElement>('[data-action="next"]');
  byId<HTMLButtonElement>('step-backward').disabled = state.forwardStep === null && next !== null && next.disabled;
}

function stepForward(): void {
  if (view === null) return;
  const { forwardStep } = view.state();
  view.goForward(forwardStep === null || forwardStep === undefined ? 0 : forwardStep + 1);
  updateWalk();
}

function stepBackward(): void {
  if (view === null) return;
  const { forwardStep } = view.state();
  if (forwardStep !== null && forwardStep !== undefined) view.goTo(0);
  else byId('graph-area').querySelector<HTMLButtonElement>('[data-action="next"]')?.click();
  updateWalk();
}

/** The Hessian-vector product of the loss's sum with respect to pred, and the graph that computes it. */
function secondOrder(): void {
  const section = byId('second');
  section.hidden = false;
  const out = byId('second-order-result');
  if (lastComputed === null) {
    out.textContent = 'Compute a loss first.';
    return;
  }
  const { c, tensors } = lastComputed;
  try {
    onCpu(() => {
      const pred = tensors.get('pred')!;
      const objective = (p: Variable): Variable => {
        const named = leavesOf(c, tensors);
        named['pred'] = p;
        return sum(c.call(named));
      };
      const x = variable(pred, { name: 'pred', requiresGrad: true });
      // Not ones: softmax's output ignores a shift of all logits, so H·1 is zero for every softmax loss.
      const v = variable(T.tensor(Array.from({ length: pred.size }, (_, i) => (i % 3) - 1), [...pred.shape]), { name: 'v' });
      // grad records its own backward pass (createGraph) because x requires grad: g is a graph too.
      const g = grad(objective)(x);
      g.setName('∇pred L');
      const hv = sum(mul(g, v));
      hv.setName('∇L · v');
      const graph = graphOf(hv, { gradients: 'compute' });
      const hvp = grad((p: Variable) => sum(mul(grad(objective)(p), v)))(pred);
      renderGraph(graph, byId('second-order-graph'), { trace: backwardTrace(hv), collapsed: false, forward: true, title: 'the graph of the gradient: ∇pred L · v', subtitle: 'grad recorded its backward pass (createGraph); the card of pred shows H·v' });
      byId('second-order-graph').querySelector('[data-testid="graph"]')?.setAttribute('data-testid', 'second-order-graph');
      const check = gradcheck((p) => sum(c.call({ ...leavesOf(c, tensors), pred: p })), [T.cast(pred, 'float64')], { order: 2 });
      out.textContent = `H·v = [${Array.from(hvp.dataSync(), format).join(', ')}] for v = [${Array.from(v.value.dataSync()).join(', ')}] · gradgradcheck ${check.ok ? 'pass' : 'FAIL'}, largest difference ${check.maxAbsError.toExponential(2)}`;
      out.dataset['ok'] = String(check.ok);
    });
  } catch (e) {
    out.textContent = `second order: ${messageOf(e)}`;
  }
}

// ------------------------------------------------------------------ training
const GRID = 40;
/** The loss over every point and the boundary are evaluated at most this often while training. */
const EVALUATE_EVERY_MS = 250;
let toy: ToySet = toySet('blobs');
let net: Sequential | null = null;
let optimizer: Adam | null = null;
let trainKey = '';
let controller: AbortController | null = null;
let running: Promise<void> | null = null;
let steps = 0;
let stepLosses: number[] = [];
let boundary: Float32Array | null = null;
let dirty = true;
let lastEval = 0;

interface TrainSetup { target: TargetForm; loss: LossLike; name: string }
function trainSetup(): TrainSetup | null {
  const c = currentCase();
  if (c.train === null || (selected === CUSTOM && customLoss === null)) return null;
  return { target: c.train.target, loss: c.train.loss(), name: c.name };
}

function trainNote(): void {
  const setup = trainSetup();
  byId('train-note').textContent = setup === null
    ? `${currentCase().name} compares pairs, triplets or sequences, not classes: pick a (pred, label) loss to train.`
    : `Dense(16, tanh) → Dense(16, tanh) → Dense(${toy.numClasses}), Adam, batches of 30, ${setup.name} on ${setup.target === 'index' ? 'class indices' : setup.target === 'signed' ? '±1 rows' : 'one-hot rows'}.`;
  byId<HTMLButtonElement>('train-start').disabled = setup === null || running !== null;
}

function resetTraining(): void {
  stop();
  const dataset = byId<HTMLSelectElement>('dataset-select').value as DatasetName;
  toy = toySet(dataset);
  net = new Sequential().add(new Dense(16, { activation: 'tanh' }), new Dense(16, { activation: 'tanh' }), new Dense(toy.numClasses));
  net.initialize({ seed: 1 });
  optimizer = new Adam(net, { learningRate: learningRate() });
  steps = 0;
  stepLosses = [];
  trainKey = `${selected}|${dataset}|${customSource}`;
  byId('train-error').textContent = '';
  trainNote();
  dirty = true;
  evaluate(true);
}

function learningRate(): number {
  const lr = Number(byId<HTMLInputElement>('learning-rate').value);
  return Number.isFinite(lr) && lr > 0 ? lr : 0.03;
}

/** Loss over every point, accuracy, and the boundary grid's class scores, on the training backend. */
function evaluate(force = false): void {
  const now = performance.now();
  if (net === null || (!force && (!dirty || now - lastEval < EVALUATE_EVERY_MS))) return;
  lastEval = now;
  dirty = false;
  const setup = trainSetup();
  const model = net;
  try {
    T.tidy(() => noGrad(() => {
      const x = T.tensor(toy.points, [toy.labels.length, 2]);
      const out = model.forward(x);
      if (setup !== null) {
        const l = setup.loss.forward(out, targetsOf(setup.target, toy.labels, toy.numClasses));
        byId('train-loss').textContent = mean(l).item().toFixed(4);
      }
      const guess = argmax(out, -1).dataSync();
      let right = 0;
      guess.forEach((g, i) => { if (g === toy.labels[i]) right++; });
      byId('train-accuracy').textContent = `${((100 * right) / toy.labels.length).toFixed(1)} %`;
      const cells = new Float32Array(GRID * GRID * 2);
      for (let r = 0; r < GRID; r++) for (let k = 0; k < GRID; k++) {
        cells[2 * (r * GRID + k)] = -1.2 + (2.4 * (k + 0.5)) / GRID;
        cells[2 * (r * GRID + k) + 1] = 1.2 - (2.4 * (r + 0.5)) / GRID;
      }
      boundary = Float32Array.from(softmax(model.forward(T.tensor(cells, [GRID * GRID, 2])), -1).dataSync());
    }));
  } catch (e) {
    byId('train-error').textContent = messageOf(e);
  }
  byId('train-steps').textContent = String(steps);
  drawBoundary();
  drawCurve();
}

/**
 * A 2-D context drawn on the CPU (`willReadFrequently`): GPU canvases on SwiftShader, a software
 * GPU, compiled shaders for each new drawing on the page's first frames and held
 * requestAnimationFrame under 10 Hz while they did; these small canvases need no GPU.
 */
function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  return canvas.getContext('2d', { willReadFrequently: true })!;
}
/** The boundary's grid drawn at one pixel per cell, then scaled onto the visible canvas. */
const tile = Object.assign(document.createElement('canvas'), { width: GRID, height: GRID });

const COLOURS = [[217, 72, 15], [43, 92, 187], [46, 140, 74]] as const;
function drawBoundary(): void {
  const canvas = byId<HTMLCanvasElement>('train-boundary');
  const ctx = context2d(canvas);
  const { width, height } = canvas;
  const k = toy.numClasses;
  if (boundary !== null && boundary.length === GRID * GRID * k) {
    const image = ctx.createImageData(GRID, GRID);
    for (let i = 0; i < GRID * GRID; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (boundary[i * k + c]! > boundary[i * k + best]!) best = c;
      const confidence = (boundary[i * k + best]! - 1 / k) / (1 - 1 / k);
      const [r, g, b] = COLOURS[best]!;
      const a = 0.12 + 0.45 * confidence;
      image.data.set([255 - a * (255 - r), 255 - a * (255 - g), 255 - a * (255 - b), 255], 4 * i);
    }
    tile.getContext('2d', { willReadFrequently: true })!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, 0, 0, width, height);
  } else {
    ctx.fillStyle = '#fafbfc';
    ctx.fillRect(0, 0, width, height);
  }
  for (let i = 0; i < toy.labels.length; i++) {
    const x = ((toy.points[2 * i]! + 1.2) / 2.4) * width;
    const y = ((1.2 - toy.points[2 * i + 1]!) / 2.4) * height;
    const [r, g, b] = COLOURS[toy.labels[i]!]!;
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}

function drawCurve(): void {
  const canvas = byId<HTMLCanvasElement>('train-curve');
  const ctx = context2d(canvas);
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#5b6478';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('batch loss by step (smoothed)', 6, 12);
  if (stepLosses.length < 2) return;
  const smooth: number[] = [];
  let s = stepLosses[0]!;
  for (const l of stepLosses) smooth.push((s = 0.9 * s + 0.1 * l));
  const top = Math.max(...smooth) * 1.05;
  const left = 34;
  ctx.fillText(top.toPrecision(3), 2, 26);
  ctx.fillText('0', 2, height - 4);
  ctx.fillText(`${stepLosses.length}`, width - 30, height - 4);
  ctx.strokeStyle = '#2b3a67';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  smooth.forEach((v, i) => {
    const x = left + ((width - left - 6) * i) / (smooth.length - 1);
    const y = height - 16 - ((height - 40) * v) / top;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

function start(): void {
  const setup = trainSetup();
  if (setup === null || running !== null) return;
  if (net === null || trainKey !== `${selected}|${byId<HTMLSelectElement>('dataset-select').value}|${customSource}`) resetTraining();
  const model = net!;
  const opt = optimizer!;
  opt.setLearningRate(learningRate());
  controller = new AbortController();
  frameStartedAt = performance.now();
  byId<HTMLButtonElement>('train-start').disabled = true;
  byId<HTMLButtonElement>('train-pause').disabled = false;
  byId('train-error').textContent = '';
  running = trainByFrames(model, setup.target, { loss: setup.loss, optimizer: opt, signal: controller.signal }).then(() => undefined, (e: unknown) => {
    byId('train-error').textContent = messageOf(e);
  }).finally(() => {
    running = null;
    controller = null;
    byId<HTMLButtonElement>('train-pause').disabled = true;
    trainNote();
    evaluate(true);
  });
}

/** Training time per animation frame (at least one step); the rest of the frame is the page's, to draw. */
const TRAIN_MS_PER_FRAME = 4;
/** Points per training step. */
const BATCH = 30;

/**
 * Trains until `signal` aborts, through `fit`: one call per batch (its `data` a loader of that one
 * batch, from a fresh shuffle each pass over the points), as many calls as fit in
 * {@link TRAIN_MS_PER_FRAME}, then a wait for the next animation frame. One long `fit` yields
 * between steps with zero-delay tasks, which keeps the page responsive but not drawing: in headless
 * Chromium with SwiftShader, requestAnimationFrame fell from 60 Hz to 1-2 Hz during such a fit.
 * A whole epoch per frame was still too much on a loaded machine, where a few milliseconds of work
 * take several times as long, so the unit is one step.
 */
async function trainByFrames(model: Sequential, target: TargetForm, options: { loss: LossLike; optimizer: Adam; signal: AbortSignal }): Promise<void> {
  const onStep = ({ loss }: { loss: number }): void => {
    steps++;
    stepLosses.push(loss);
    dirty = true;
  };
  const rng = new T.Random(steps + 1);
  const n = toy.labels.length;
  while (!options.signal.aborted) {
    // A pass over the points in a fresh order, one batch per fit call.
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let b = 0; b < n && !options.signal.aborted; b += BATCH) {
      const rows = order.slice(b, b + BATCH);
      const x = T.tensor(rows.flatMap((i) => [toy.points[2 * i]!, toy.points[2 * i + 1]!]), [rows.length, 2]);
      const y = targetsOf(target, Int32Array.from(rows, (i) => toy.labels[i]!), toy.numClasses);
      const frameStart = frameStartedAt;
      try {
        const { aborted } = await fit(model, { ...options, data: new DataLoader(x, y, { batchSize: rows.length }), epochs: 1, onStep });
        if (aborted) return;
      } finally {
        x.dispose();
        y.dispose();
      }
      if (performance.now() - frameStart >= TRAIN_MS_PER_FRAME) {
        await new Promise<void>((done) => requestAnimationFrame(() => done()));
        frameStartedAt = performance.now();
      }
    }
  }
}
let frameStartedAt = 0;

function stop(): void {
  controller?.abort();
}

function frame(): void {
  evaluate();
  requestAnimationFrame(frame);
}

// ------------------------------------------------------------------ wiring
function fillSelects(): void {
  const select = byId<HTMLSelectElement>('loss-select');
  for (const c of LOSS_CASES) select.add(new Option(c.name, c.name));
  select.add(new Option('custom loss (editor)', CUSTOM));
  select.value = selected;
  const datasets = byId<HTMLSelectElement>('dataset-select');
  for (const d of DATASETS) datasets.add(new Option(d, d));
}

function applyCustom(): void {
  const source = byId<HTMLTextAreaElement>('custom-loss-editor').value;
  byId('custom-loss-error').textContent = '';
  let fn: (pred: Variable, label: Variable) => Variable;
  try {
    fn = compileCustom(source);
  } catch (e) {
    byId('custom-loss-error').textContent = `${e instanceof SyntaxError ? 'syntax error' : 'error'}: ${messageOf(e)}`;
    return;
  }
  customLoss = fn;
  customSource = source;
  selected = CUSTOM;
  byId<HTMLSelectElement>('loss-select').value = CUSTOM;
  afterLossChange();
}

function afterLossChange(): void {
  drawInputs();
  recompute();
  if (running === null) resetTraining();
  else trainNote();
}

function main(): void {
  fillSelects();
  byId<HTMLTextAreaElement>('custom-loss-editor').value = CUSTOM_EXAMPLE;
  byId('loss-select').addEventListener('change', () => {
    const value = byId<HTMLSelectElement>('loss-select').value;
    if (value === CUSTOM && customLoss === null) {
      applyCustom();
      return;
    }
    selected = value;
    afterLossChange();
  });
  byId('custom-loss-apply').addEventListener('click', applyCustom);
  // The view's own toolbar (Prev / Next, folding) and the arrow keys move the walk too.
  byId('graph-area').addEventListener('click', updateWalk);
  document.addEventListener('keydown', updateWalk);
  byId('step-forward').addEventListener('click', stepForward);
  byId('step-backward').addEventListener('click', stepBackward);
  byId('second-order-button').addEventListener('click', secondOrder);
  byId('train-start').addEventListener('click', start);
  byId('train-pause').addEventListener('click', stop);
  byId('train-reset').addEventListener('click', resetTraining);
  byId('dataset-select').addEventListener('change', resetTraining);
  byId('learning-rate').addEventListener('change', () => optimizer?.setLearningRate(learningRate()));
  byId('train-graph').addEventListener('click', trainingStepGraph);
  byId('backend-select').addEventListener('change', () => {
    const wasRunning = running;
    stop();
    void (wasRunning ?? Promise.resolve()).then(() => {
      const choice = byId<HTMLSelectElement>('backend-select').value as BackendName;
      try {
        useBackend(choice);
        trainingBackend = choice;
      } catch (e) {
        byId('train-error').textContent = `backend ${choice}: ${messageOf(e)}`;
        byId<HTMLSelectElement>('backend-select').value = trainingBackend;
        useBackend(trainingBackend);
      }
      dirty = true;
      if (wasRunning !== null) start();
    });
  });
  drawInputs();
  recompute();
  resetTraining();
  requestAnimationFrame(frame);
}

/** Draws the graph of one training step on four points: the layers and their parameters as scopes. */
function trainingStepGraph(): void {
  const setup = trainSetup();
  if (net === null || setup === null) return;
  const model = net;
  try {
    const rows = [0, 1, 2, 3];
    const x = T.tensor(rows.flatMap((i) => [toy.points[2 * i]!, toy.points[2 * i + 1]!]), [4, 2]);
    const y = targetsOf(setup.target, Int32Array.from(rows, (i) => toy.labels[i]!), toy.numClasses);
    const loss = mean(setup.loss.forward(model.forward(x), y));
    const graph = graphOf(loss, { gradients: 'compute' });
    view = renderGraph(graph, byId('graph-area'), { trace: backwardTrace(loss), collapsed: graph.scopes.filter((s) => s.name === setup.name || s.name === 'custom loss').map((s) => s.id), forward: true, title: 'one training step', subtitle: `4 points of ${byId<HTMLSelectElement>('dataset-select').value} through the net and ${setup.name}, on ${trainingBackend}` });
    updateWalk();
  } catch (e) {
    byId('train-error').textContent = messageOf(e);
  }
}

try {
  main();
} catch (e) {
  document.body.prepend(Object.assign(document.createElement('pre'), { className: 'error', textContent: `lab failed to start: ${messageOf(e)}` }));
  throw e;
}
