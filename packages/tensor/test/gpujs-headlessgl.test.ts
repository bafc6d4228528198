/**
 * The gpujs backend in GPU.js mode 'headlessgl' (WebGL through the `gl` package), checked against the
 * cpu backend (see gpujs-suite.ts). Needs an X display: run under `xvfb-run -a`; skipped without one,
 * failing instead when `CI` is set.
 */
import { defineGpuJsSuite } from './gpujs-suite.js';

defineGpuJsSuite('headlessgl');
