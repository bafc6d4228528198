/**
 * The backends and dtypes every nn reference suite (layers, optimisers) runs on, and the loop that
 * gives each its own describe block. gpujs settings are left out with a message where the mode
 * cannot start here (headlessgl without a display), except in CI, where they must run.
 */
import { describe } from 'vitest';
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { gpujsUnavailable } from '../../tensor/test/gpujs-modes.js';

/** One backend and dtype, with the tolerance the suite allows there. */
export interface ReferenceSetting {
  readonly label: string;
  readonly dtype: 'float32' | 'float64';
  readonly tol: number;
  /** Switches to the setting's backend; the suite's tests run it first and {@link restoreCpu} after. */
  readonly activate: () => void;
}

/** Back to the cpu backend after a test on another. */
export const restoreCpu = (): void => {
  T.setBackend('cpu');
};

/**
 * A describe block per setting: cpu float64 and float32, gpujs webasm and headlessgl float32.
 *
 * @param what - the suite's subject, for the skip message
 * @param title - the describe title of a setting
 * @param tol - the tolerance in float64 and in float32 (every float32 setting)
 * @param body - the block's tests
 */
export function describeSettings(what: string, title: (label: string) => string, tol: { float64: number; float32: number }, body: (s: ReferenceSetting) => void): void {
  const settings = [
    { label: 'cpu float64', dtype: 'float64' as const },
    { label: 'cpu float32', dtype: 'float32' as const },
    { label: 'gpujs webasm float32', dtype: 'float32' as const, mode: 'webasm' as const },
    { label: 'gpujs headlessgl float32', dtype: 'float32' as const, mode: 'headlessgl' as const },
  ];
  for (const { label, dtype, mode } of settings) {
    const reason = mode !== undefined ? gpujsUnavailable(mode) : null;
    if (reason !== null && !process.env['CI']) {
      console.log(`${what} on ${label} skipped: ${reason}`);
      continue;
    }
    const activate = mode === undefined ? restoreCpu : (): void => { T.setBackend('gpujs', { mode }); };
    describe(title(label), () => body({ label, dtype, tol: tol[dtype], activate }));
  }
}
