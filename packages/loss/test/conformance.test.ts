/**
 * The shared conformance suite (test/fixtures/losses.json) on the cpu backend: every numeric case
 * in float32 at the case's tolerance (integer inputs fed as int32) and in float64 at a much tighter
 * one (integer inputs fed as floats), and every error case. Summaries go to test/out/.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { setBackend } from '@lossgraph/tensor';
import {
  loadCases, runErrorCase, runNumericCase, summarise, writeSummary, type CaseResult, type RunSettings, type Tolerance,
} from './conformance.js';

const cases = loadCases();
const numeric = cases.filter((c) => c.expectError === undefined);
const errorCases = cases.filter((c) => c.expectError !== undefined);

/** float64 against float64 references: only rounding differs. */
const FLOAT64_TOLERANCE: Tolerance = { rtol: 1e-9, atol: 1e-12 };

const runs: { name: string; settings: RunSettings; tol: (caseTol: Tolerance) => Tolerance }[] = [
  { name: 'cpu-float32', settings: { dtype: 'float32', intLabels: true }, tol: (t) => t },
  { name: 'cpu-float64', settings: { dtype: 'float64', intLabels: false }, tol: () => FLOAT64_TOLERANCE },
];

test('the fixture holds the whole public suite', () => {
  expect(cases).toHaveLength(119);
  expect(numeric).toHaveLength(112);
  expect(errorCases).toHaveLength(7);
});

for (const run of runs) {
  describe(`conformance, ${run.name}`, () => {
    const results: CaseResult[] = [];
    const errors: { id: string; ok: boolean; message: string }[] = [];
    setBackend('cpu');

    test.each(numeric.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      setBackend('cpu');
      const result = runNumericCase(c, run.settings, run.tol(c.tol!));
      results.push(result);
      const failed = result.comparisons.filter((r) => !r.ok).map((r) => r.detail);
      expect(failed).toEqual([]);
    });

    test.each(errorCases.map((c) => [c.id, c] as const))('%s throws', (_id, c) => {
      setBackend('cpu');
      const result = runErrorCase(c, run.settings);
      errors.push({ id: c.id, ...result });
      expect(result.message.toLowerCase()).toContain(c.expectError!.toLowerCase());
    });

    afterAll(() => {
      console.log(writeSummary(run.name, summarise('cpu', run.settings.dtype, results, errors)));
    });
  });
}
