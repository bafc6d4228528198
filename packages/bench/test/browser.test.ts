/**
 * `pnpm bench:browser` in one short run (one timed step per cell): every engine runs both workloads
 * in the same Chromium page, and every engine's first loss (same seeded inputs and weights) agrees,
 * so the table compares the same computation. The report says SwiftShader is a software GPU.
 */
import { describe, expect, it } from 'vitest';
import { chromiumUnavailable } from '@lossgraph/chromium';
import { benchBrowser, ENGINES } from '../src/browser/run.js';

const unavailable = chromiumUnavailable();
if (unavailable !== null) console.warn(`bench:browser test: skipped, ${unavailable}`);

describe.skipIf(unavailable !== null)('bench:browser', () => {
  it('times every engine on both workloads in one page, with the same first loss everywhere', async () => {
    const result = await benchBrowser({ warmup: 1, minReps: 1, maxReps: 1, budgetMs: 0 });
    console.log(result.markdown);
    expect(result.problems).toEqual([]);
    expect(result.renderer).toMatch(/SwiftShader/);
    expect(result.markdown).toMatch(/SwiftShader is a software GPU: .* compare the engines .*, not GPUs/);
    // float64 references for the same inputs and weights (python/browser_reference.py, numpy).
    const reference = { mlp: 2.49005550028171, 'softmax-ce': 8.051527770051218 };
    for (const workload of ['mlp', 'softmax-ce'] as const) {
      const cells = result.cells.filter((c) => c.workload === workload);
      expect(cells.map((c) => c.engine)).toEqual([...ENGINES]);
      for (const c of cells) {
        expect(c.error, `${c.engine} ${workload}`).toBeUndefined();
        expect(c.medianMs!).toBeGreaterThan(0);
        expect(Math.abs(c.firstLoss! - reference[workload]) / reference[workload], `${c.engine} ${workload}`).toBeLessThan(1e-5);
      }
    }
  }, 300_000);
});
