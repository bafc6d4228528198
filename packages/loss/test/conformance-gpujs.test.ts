/**
 * The conformance suite on the gpujs backend (float32, the case tolerances), in the `webasm` mode
 * (everywhere) and the `headlessgl` mode (WebGL through the gl package; needs an X display, e.g.
 * `xvfb-run -a`). Without a display the headlessgl run is skipped with a message, unless CI is set,
 * where it fails. Summaries go to test/out/.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { setBackend, type GpuJsMode } from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { loadCases, runErrorCase, runNumericCase, summarise, writeSummary, type CaseResult } from './conformance.js';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

const cases = loadCases();
const numeric = cases.filter((c) => c.expectError === undefined);
const errorCases = cases.filter((c) => c.expectError !== undefined);
const settings = { dtype: 'float32', intLabels: true } as const;


for (const mode of ['webasm', 'headlessgl'] as const) {
  const reason = gpujsUnavailable(mode);
  if (reason !== null && !process.env.CI) {
    console.log(`conformance on gpujs/${mode} skipped: ${reason}`);
    describe.skip(`conformance, gpujs ${mode}`, () => {
      test('skipped', () => undefined);
    });
    continue;
  }

  describe(`conformance, gpujs ${mode}`, () => {
    const results: CaseResult[] = [];
    const errors: { id: string; ok: boolean; message: string }[] = [];

    test('the backend starts', () => {
      expect(reason).toBeNull();
    });

    test.each(numeric.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      if (reason !== null) throw new Error(`gpujs/${mode} is unavailable: ${reason}`);
      setBackend('gpujs', { mode });
      try {
        const result = runNumericCase(c, settings, c.tol!);
        results.push(result);
        expect(result.comparisons.filter((r) => !r.ok).map((r) => r.detail)).toEqual([]);
      } finally {
        setBackend('cpu');
      }
    });

    test.each(errorCases.map((c) => [c.id, c] as const))('%s throws', (_id, c) => {
      if (reason !== null) throw new Error(`gpujs/${mode} is unavailable: ${reason}`);
      setBackend('gpujs', { mode });
      try {
        const result = runErrorCase(c, settings);
        errors.push({ id: c.id, ...result });
        expect(result.message.toLowerCase()).toContain(c.expectError!.toLowerCase());
      } finally {
        setBackend('cpu');
      }
    });

    afterAll(() => {
      if (results.length > 0) console.log(writeSummary(`gpujs-${mode}`, summarise(`gpujs/${mode}`, 'float32', results, errors)));
    });
  });
}
