/**
 * The convolution and pooling references (fixtures/convolution.json, PyTorch float64) on the gpujs
 * backend in float32, in the `webasm` mode (everywhere) and the `headlessgl` mode (WebGL through
 * the gl package; needs an X display, e.g. `xvfb-run -a`). Without a display the headlessgl run is
 * skipped with a message, unless CI is set, where it fails.
 */
import { describe, expect, test } from 'vitest';
import { setBackend, type GpuJsMode } from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { loadReferenceCases, runCase } from './convolution-reference.js';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

const cases = loadReferenceCases();


for (const mode of ['webasm', 'headlessgl'] as const) {
  const reason = gpujsUnavailable(mode);
  if (reason !== null && !process.env.CI) {
    console.log(`convolution references on gpujs/${mode} skipped: ${reason}`);
    describe.skip(`convolution references, gpujs ${mode}`, () => {
      test('skipped', () => undefined);
    });
    continue;
  }

  describe(`convolution and pooling against PyTorch, gpujs ${mode} (float32)`, () => {
    test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      if (reason !== null) throw new Error(`gpujs/${mode} is unavailable: ${reason}`);
      setBackend('gpujs', { mode });
      try {
        const errors = runCase(c, 'float32');
        expect(Math.max(errors.y, errors.dx, errors.dw ?? 0), JSON.stringify(errors)).toBeLessThan(2e-5);
      } finally {
        setBackend('cpu');
      }
    });
  });
}
