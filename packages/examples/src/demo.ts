/**
 * The Quick start demo: the same few tensor operations on the cpu backend and on GPU.js, printed.
 * Run with `pnpm start`.
 */
import { getStats, matmul, randn, setBackend, softmax, sum, tensor, type Tensor } from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';

function show(label: string, t: Tensor): void {
  console.log(`${label}\n${t.toString()}\n`);
}

function demo(backendLabel: string): number[] {
  console.log(`=== ${backendLabel} ===`);
  const x = tensor([[0, 2], [1, 4]]);
  const w = randn([2, 3], { seed: 1 });
  const logits = matmul(x, w);
  const probs = softmax(logits, -1);
  show('x', x);
  show('w = randn([2, 3], { seed: 1 })', w);
  show('softmax(matmul(x, w))', probs);
  show('row sums', sum(probs, -1));
  return Array.from(probs.dataSync());
}

const onCpu = demo("setBackend('cpu')");
setBackend('gpujs', { mode: 'webasm' });
const onGpu = demo("setBackend('gpujs', { mode: 'webasm' })");
const gap = Math.max(...onCpu.map((v, i) => Math.abs(v - onGpu[i]!)));
const stats = getStats();
console.log(`largest difference between the backends: ${gap.toExponential(2)}`);
console.log(`gpujs kernels compiled: ${stats.kernelCompilations}, readbacks: ${stats.readbacks}`);
