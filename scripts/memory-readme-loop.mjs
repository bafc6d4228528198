#!/usr/bin/env node
// The nn README's loop, as written (each step in a tidy), for N synchronous steps on one backend,
// printing rss, arrayBuffers, heapUsed and memory() at steps 10, 100, 500, 1000, ... N: the check of
// issue 13's memory target (arrayBuffers and rss each grow less than 50 MB over 2000 steps on
// gpujs webasm). Runs the built packages: `pnpm run build` first.
//   node --expose-gc scripts/memory-readme-loop.mjs [--backend gpujs] [--mode webasm] [--steps 2000]
import { parseArgs } from 'node:util';
import { arange, memory, randn, setBackend, tidy } from '../packages/tensor/dist/index.js';
import '../packages/tensor/dist/gpujs.js';
import { logSoftmax, mean, neg, pick } from '../packages/autograd/dist/index.js';
import { DataLoader, Dense, Sequential, SGD, Xavier } from '../packages/nn/dist/index.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'gpujs' }, mode: { type: 'string', default: 'webasm' }, steps: { type: 'string', default: '2000' } } });
const steps = Number(values.steps);
if (values.backend === 'gpujs') setBackend('gpujs', { mode: values.mode });
else setBackend('cpu');

const mb = (b) => (b / 2 ** 20).toFixed(1);
const rows = [];
function probe(step) {
  globalThis.gc?.();
  const m = process.memoryUsage();
  rows.push({ step, rss: m.rss, arrayBuffers: m.arrayBuffers, heapUsed: m.heapUsed, live: JSON.stringify(Object.values(memory())[0] ?? {}) });
}

// The README's code, verbatim but for the step count.
const images = randn([256, 64], { seed: 1 });
const labels = arange(256).dataSync().map((i) => i % 10);
const net = new Sequential().add(new Dense(128, { activation: 'relu' }), new Dense(10));
net.initialize({ init: new Xavier(), seed: 0 });
const opt = new SGD(net, { learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 });
const loader = new DataLoader(images, labels, { batchSize: 64, shuffle: true, seed: 0 });

const probes = new Set([1, 2, 5, 10, 20, 30, 50, 75, 100, 500, 1000, 1500, 2000, 3000, 4000, 5000, steps]);
const started = performance.now();
let step = 0;
outer: for (;;) {
  for (const { x, y } of loader) {
    tidy(() => {
      opt.zeroGrad();
      const loss = mean(neg(pick(logSoftmax(net.forward(x)), y)));
      loss.backward();
      opt.step();
    });
    step++;
    if (probes.has(step)) probe(step);
    if (step === steps) break outer;
  }
}
const elapsed = performance.now() - started;
console.log(`${values.backend}${values.backend === 'gpujs' ? ` ${values.mode}` : ''}, ${steps} steps, ${(elapsed / steps).toFixed(2)} ms/step, gc ${globalThis.gc ? 'forced before each probe' : 'not forced (run with --expose-gc to force it)'}`);
console.log('| step | rss MB | arrayBuffers MB | heapUsed MB | memory() |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.step} | ${mb(r.rss)} | ${mb(r.arrayBuffers)} | ${mb(r.heapUsed)} | ${r.live} |`);
const first = rows[0], last = rows[rows.length - 1];
console.log(`growth from step ${first.step} to ${last.step}: rss ${mb(last.rss - first.rss)} MB, arrayBuffers ${mb(last.arrayBuffers - first.arrayBuffers)} MB, heapUsed ${mb(last.heapUsed - first.heapUsed)} MB`);
