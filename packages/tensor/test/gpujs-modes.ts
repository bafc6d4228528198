/**
 * Which GPU.js modes can run here, for the test files of every package that run a suite on gpujs:
 * headlessgl needs an X display (`xvfb-run -a`); any mode can fail to start on a machine without
 * its driver. A suite skips an unavailable mode with a message, except under CI, where it must run.
 */
import { setBackend, type GpuJsMode } from '../src/index.js';
import '../src/gpujs.js';

/**
 * Why `mode` cannot run here, or null when it can (the backend is left on cpu either way).
 * @param mode - the GPU.js mode to try
 */
export function gpujsUnavailable(mode: GpuJsMode): string | null {
  if (mode === 'headlessgl' && !process.env.DISPLAY) return 'no X display (run under `xvfb-run -a`)';
  try {
    setBackend('gpujs', { mode });
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    setBackend('cpu');
  }
}
