/** The gpujs backend in GPU.js mode 'webasm', checked against the cpu backend (see gpujs-suite.ts). */
import { defineGpuJsSuite } from './gpujs-suite.js';

defineGpuJsSuite('webasm');
