/**
 * The page of `pnpm worker`: starts the training worker (./worker.ts), shows its progress (a bar,
 * the epoch, the step and the loss), and animates a spinner on requestAnimationFrame to show that
 * the page stays responsive while the worker trains. `globalThis.workerDemo` exposes what the page
 * saw, for the test.
 */
import type { TrainRequest, WorkerMessage } from './worker.js';

/** What the page saw, read by the test. */
export interface WorkerDemoState {
  /** Every progress message, in order. */
  readonly progress: Extract<WorkerMessage, { type: 'progress' }>[];
  /** The final message, once it came. */
  result: Extract<WorkerMessage, { type: 'done' | 'error' }> | null;
  /** Animation frames drawn while the worker trained. */
  frames: number;
}

const EPOCHS = Number(new URLSearchParams(location.search).get('epochs') ?? '20');
const state: WorkerDemoState = { progress: [], result: null, frames: 0 };
(globalThis as unknown as { workerDemo: WorkerDemoState }).workerDemo = state;

document.title = 'lossgraph: training in a Web Worker';
document.body.innerHTML = `
  <h1>Training in a Web Worker</h1>
  <p>An MLP (32 → 32 ReLU → 10, SGD with momentum) trains on seeded stand-in data in a module worker;
  the page only draws its progress, so the spinner keeps turning.</p>
  <canvas id="spinner" width="48" height="48"></canvas>
  <progress id="bar" max="1" value="0" style="width: 20em"></progress>
  <p id="status">starting…</p>`;
const bar = document.getElementById('bar') as HTMLProgressElement;
const status = document.getElementById('status')!;
const context = (document.getElementById('spinner') as HTMLCanvasElement).getContext('2d')!;

const spin = (now: number): void => {
  context.clearRect(0, 0, 48, 48);
  context.beginPath();
  context.arc(24, 24, 18, now / 200, now / 200 + 4);
  context.lineWidth = 5;
  context.stroke();
  if (state.result === null) {
    state.frames++;
    requestAnimationFrame(spin);
  }
};
requestAnimationFrame(spin);

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  if (message.type === 'progress') {
    state.progress.push(message);
    bar.value = message.totalSteps / (message.stepsPerEpoch * EPOCHS);
    status.textContent = `epoch ${message.epoch}/${EPOCHS}, step ${message.step}/${message.stepsPerEpoch}: loss ${message.loss.toFixed(4)}`;
    return;
  }
  state.result = message;
  status.textContent = message.type === 'done'
    ? `done: ${message.steps} steps on ${message.backend}, last epoch's mean loss ${message.epochLosses[message.epochLosses.length - 1]!.toFixed(4)}`
    : `failed: ${message.message}`;
  if (message.type === 'error') console.error(message.message);
  worker.terminate();
};
worker.onerror = (event) => console.error(`worker: ${event.message}`);
worker.postMessage({ type: 'train', epochs: EPOCHS } satisfies TrainRequest);
