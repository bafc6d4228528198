/** The gpujs backend in GPU.js mode 'cpu', checked against the cpu backend (see gpujs-suite.ts). */
import { defineGpuJsSuite } from './gpujs-suite.js';

defineGpuJsSuite('cpu');
