/**
 * The browser test's page: the MLP of ./mlp.ts bundled with the library, driven from the test
 * through `globalThis.lossgraphPage` (Playwright's `page.evaluate`).
 */
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { fitFor, trainMlp, type MlpRun } from './mlp.js';

/** The backends the page trains on. */
export type PageBackend = 'cpu' | 'webgl2' | 'webgl';

function use(backend: PageBackend): void {
  if (backend === 'cpu') T.setBackend('cpu');
  else T.setBackend('gpujs', { mode: backend });
}

/** What a rAF-watched fit measured. */
export interface FrameRun {
  /** Steps `fit` ran. */
  steps: number;
  /** Animation frames that fired while it ran. */
  frames: number;
  /** Frames per second over the fit. */
  hz: number;
  /** The longest gap between two frames, in milliseconds. */
  longestGapMs: number;
  /** The fit's wall-clock time. */
  elapsedMs: number;
}

const api = {
  /** Trains the README loop for `steps` steps on `backend`, reading memory() after `probes`. */
  train(backend: PageBackend, steps: number, probes: number[]): MlpRun {
    use(backend);
    return trainMlp(steps, probes);
  },
  /** Runs `fit` for `ms` on `backend`, counting requestAnimationFrame callbacks meanwhile. */
  async frames(backend: PageBackend, ms: number): Promise<FrameRun> {
    use(backend);
    let frames = 0;
    let last = performance.now();
    let longestGapMs = 0;
    let running = true;
    const tick = (now: number): void => {
      if (!running) return;
      frames++;
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    // Start counting on a frame, so the first interval is a whole one.
    await new Promise<void>((resolve) => requestAnimationFrame((now) => { last = now; resolve(); }));
    requestAnimationFrame(tick);
    const run = await fitFor(ms);
    running = false;
    return { steps: run.steps, frames, hz: (frames * 1000) / run.elapsedMs, longestGapMs, elapsedMs: run.elapsedMs };
  },
};

/** The page's API, as the test sees it. */
export type PageApi = typeof api;
(globalThis as unknown as { lossgraphPage: PageApi }).lossgraphPage = api;
