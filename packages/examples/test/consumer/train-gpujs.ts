// train.ts's training on the gpujs backend: bundled only, to measure what the gpujs entry point adds.
import { setBackend } from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';

setBackend('gpujs', { mode: 'webgl2' });
await import('./train.js');
