/**
 * The Web Worker of `pnpm worker`: trains the MLP of ./mlp.ts with `fit` when the page asks, and
 * posts each step's progress back. The page's main thread never computes, so it keeps drawing
 * whatever the backend costs. Bundled as a module worker (`new Worker(url, { type: 'module' })`).
 */
import * as T from '@lossgraph/tensor';
import { fit, type FitProgress } from '@lossgraph/nn';
import { logSoftmax, mean, neg, pick, type Variable } from '@lossgraph/autograd';
import { mlpSetup, SMALL_MLP } from './mlp.js';

/** What the page sends: how many epochs to train. */
export interface TrainRequest {
  readonly type: 'train';
  readonly epochs: number;
}

/** What the worker posts: progress after each step, then the result (or the error). */
export type WorkerMessage =
  | ({ readonly type: 'progress' } & FitProgress)
  | { readonly type: 'done'; readonly epochLosses: readonly number[]; readonly steps: number; readonly backend: string }
  | { readonly type: 'error'; readonly message: string };

const post = (message: WorkerMessage): void => (globalThis as unknown as { postMessage(m: WorkerMessage): void }).postMessage(message);
const loss = (pred: Variable, label: T.Tensor): Variable => mean(neg(pick(logSoftmax(pred), label)));

(globalThis as unknown as { onmessage: (e: MessageEvent<TrainRequest>) => void }).onmessage = (event) => {
  const { epochs } = event.data;
  // The cpu backend: WebAssembly SIMD runs in workers; GPU.js's WebGL needs a document's canvas.
  T.setBackend('cpu');
  const { net, optimizer, loader } = mlpSetup(SMALL_MLP);
  fit(net, { loss, optimizer, data: loader, epochs, onStep: (progress) => post({ type: 'progress', ...progress }) })
    .then((result) => post({ type: 'done', epochLosses: result.epochLosses, steps: result.steps, backend: T.getBackend().name }))
    .catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
};
