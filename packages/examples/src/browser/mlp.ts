/**
 * The MLP the browser test trains, written once so that Node (the reference) and the page (cpu,
 * gpujs webgl2, gpujs webgl) run the same program: the nn README's loop, each step in a tidy, on
 * seeded stand-in data, and `fit` for a wall-clock time. No DOM here: it runs in Node, in a page
 * and in a Worker.
 */
import * as T from '@lossgraph/tensor';
import { logSoftmax, mean, neg, pick } from '@lossgraph/autograd';
import { DataLoader, Dense, fit, Sequential, SGD, Xavier, type FitProgress } from '@lossgraph/nn';

/** The size of the problem: small, because SwiftShader runs WebGL on the CPU. */
export interface MlpShape {
  /** Samples in the data set. */
  samples: number;
  /** Features per sample. */
  features: number;
  /** Hidden units. */
  hidden: number;
  /** Classes. */
  classes: number;
  /** Samples per batch. */
  batchSize: number;
}

/** The browser test's default: 256 samples of 32 features, 32 hidden units, 10 classes, batches of 32. */
export const SMALL_MLP: MlpShape = { samples: 256, features: 32, hidden: 32, classes: 10, batchSize: 32 };

/** A net, its optimiser and its data, all seeded: the same on every backend. */
export interface MlpSetup {
  net: Sequential;
  optimizer: SGD;
  loader: DataLoader;
}

/**
 * Makes the seeded data (on the current backend), the net and its SGD optimiser.
 * @param shape - the problem's size
 * @returns the net, the optimiser and the loader
 * @example
 * ```ts
 * const { net, optimizer, loader } = mlpSetup(SMALL_MLP);
 * ```
 */
export function mlpSetup(shape: MlpShape = SMALL_MLP): MlpSetup {
  const images = T.randn([shape.samples, shape.features], { seed: 1 });
  const labels = Array.from({ length: shape.samples }, (_, i) => i % shape.classes);
  const net = new Sequential().add(new Dense(shape.hidden, { activation: 'relu' }), new Dense(shape.classes));
  net.initialize({ init: new Xavier(), seed: 0 });
  const optimizer = new SGD(net, { learningRate: 0.05, momentum: 0.9 });
  const loader = new DataLoader(images, labels, { batchSize: shape.batchSize, shuffle: true, seed: 0 });
  return { net, optimizer, loader };
}

/** What {@link trainMlp} measured. */
export interface MlpRun {
  /** Every step's loss. */
  losses: number[];
  /** Wall-clock milliseconds per step, over the steps after the first `warmup` (kernels compiled). */
  msPerStep: number;
  /** `memory()` of the current backend after the steps named in `probes`. */
  memoryAt: Record<number, T.BackendMemory>;
}

/** The key {@link T.memory} uses for the current backend. */
function memoryKey(): string {
  const backend = T.getBackend() as { name: string; mode?: unknown };
  return typeof backend.mode === 'string' ? `${backend.name}:${backend.mode}` : backend.name;
}

/**
 * The nn README's loop, synchronous, for `steps` steps on the current backend.
 * @param steps - steps to run
 * @param probes - steps after which to read `memory()`
 * @param shape - the problem's size
 * @param warmup - steps left out of `msPerStep` (the first compiles the kernels)
 * @returns the losses, the time per step and the memory probes
 * @example
 * ```ts
 * const { losses, memoryAt } = trainMlp(500, [10, 500]);
 * ```
 */
export function trainMlp(steps: number, probes: readonly number[] = [], shape: MlpShape = SMALL_MLP, warmup = 5): MlpRun {
  const { net, optimizer, loader } = mlpSetup(shape);
  const losses: number[] = [];
  const memoryAt: Record<number, T.BackendMemory> = {};
  let started = 0;
  while (losses.length < steps) {
    for (const { x, y } of loader) {
      if (losses.length === warmup) started = performance.now();
      losses.push(T.tidy(() => {
        optimizer.zeroGrad();
        const loss = mean(neg(pick(logSoftmax(net.forward(x)), y)));
        const value = loss.item();
        loss.backward();
        optimizer.step();
        return value;
      }));
      if (probes.includes(losses.length)) memoryAt[losses.length] = { ...T.memory()[memoryKey()]! };
      if (losses.length === steps) break;
    }
  }
  const msPerStep = (performance.now() - started) / Math.max(steps - warmup, 1);
  return { losses, msPerStep, memoryAt };
}

/** What {@link fitFor} measured. */
export interface FitRun {
  /** Steps `fit` ran before the signal stopped it. */
  steps: number;
  /** The last step's loss. */
  lastLoss: number;
  /** Wall-clock milliseconds the fit took. */
  elapsedMs: number;
}

/**
 * Runs `fit` on the MLP until `ms` milliseconds have passed (an AbortSignal stops it), so the caller
 * can watch what else the event loop does meanwhile (a page's animation frames, a worker's messages).
 * @param ms - how long to train
 * @param onStep - `fit`'s progress callback
 * @param shape - the problem's size
 * @returns the steps run, the last loss and the time taken
 * @example
 * ```ts
 * const { steps } = await fitFor(5000);
 * ```
 */
export async function fitFor(ms: number, onStep?: (progress: FitProgress) => void, shape: MlpShape = SMALL_MLP): Promise<FitRun> {
  const { net, optimizer, loader } = mlpSetup(shape);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  let lastLoss = NaN;
  const started = performance.now();
  const loss = (pred: Parameters<typeof logSoftmax>[0], label: T.Tensor) => mean(neg(pick(logSoftmax(pred), label)));
  try {
    const result = await fit(net, {
      loss, optimizer, data: loader, epochs: 1_000_000, signal: controller.signal,
      onStep: (progress) => {
        lastLoss = progress.loss;
        onStep?.(progress);
      },
    });
    return { steps: result.steps, lastLoss, elapsedMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
