/**
 * The training loop the examples share, written out rather than hidden in nn's `fit` because the
 * examples teach it: epochs of steps over a DataLoader, each step in one tidy (zero the gradients,
 * forward, backward, update) so its tensors are freed when it ends (on gpujs, textures that would
 * otherwise wait for the garbage collector, which a synchronous loop never lets run).
 */
import * as T from '@lossgraph/tensor';
import { noGrad, type Variable } from '@lossgraph/autograd';
import { accuracy, type Block, type DataLoader, type LossLike, type Optimizer } from '@lossgraph/nn';
import type { ProgressBar } from './progress.js';

/** What {@link trainEpochs} trains and how. */
export interface TrainLoop {
  readonly net: Block;
  readonly loss: LossLike;
  readonly optimizer: Optimizer;
  readonly loader: DataLoader;
  readonly epochs: number;
  /** Samples per epoch (the mean loss's denominator). */
  readonly samples: number;
  /** Held-out inputs and labels: their accuracy is shown on the bar after each epoch. */
  readonly test: { readonly x: T.Tensor; readonly y: T.Tensor };
  readonly bar: ProgressBar;
  /** Called with each step's loss right after its backward pass (the nodes carry their gradients). */
  readonly afterBackward?: (loss: Variable) => void;
}

/** What a digits example's `run` measured (digits and digits-cnn report the same). */
export interface DigitsRunResult {
  /** Accuracy on the held-out 20%. */
  readonly testAccuracy: number;
  /** Accuracy on the training 80%. */
  readonly trainAccuracy: number;
  /** Mean training loss of each epoch. */
  readonly epochLosses: readonly number[];
  /** Number of training samples. */
  readonly trainSize: number;
  /** Number of test samples. */
  readonly testSize: number;
  /** Training time in seconds (excluding data loading). */
  readonly seconds: number;
}

/**
 * Trains `net` for `epochs` epochs.
 *
 * @param loop - the net, loss, optimiser, data and progress bar
 * @returns the mean training loss of each epoch and the seconds it took
 * @example
 * ```ts
 * const { epochLosses, seconds } = trainEpochs({ net, loss, optimizer, loader, epochs: 5, samples: 1000, test, bar });
 * ```
 */
export function trainEpochs(loop: TrainLoop): { epochLosses: number[]; seconds: number } {
  const { net, loss, optimizer, test, bar } = loop;
  const epochLosses: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= loop.epochs; epoch++) {
    let lossSum = 0;
    for (const { x, y } of loop.loader) {
      lossSum += T.tidy(() => {
        optimizer.zeroGrad();
        const l = loss.forward(net.forward(x), y);
        const total = T.sum(l.value).item();
        l.backward();
        loop.afterBackward?.(l);
        optimizer.step(x.shape[0]);
        return total;
      });
    }
    epochLosses.push(lossSum / loop.samples);
    // The test accuracy is cheap at these sizes, so the bar can show it every epoch.
    bar.update(epoch, { loss: epochLosses[epoch - 1]!, 'test acc': T.tidy(() => noGrad(() => accuracy(net.forward(test.x), test.y))) });
  }
  bar.done();
  return { epochLosses, seconds: (performance.now() - start) / 1000 };
}
