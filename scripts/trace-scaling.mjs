// How backwardTrace's time and memory grow with the graph: a chain of n ops (alternating tanh and
// a multiplication, so every node has one input that requires grad), traced once per process so
// each size starts from an empty heap. Not a benchmark against anything: it shows the growth
// (quadratic before the traced gradients were shared between snapshots, linear after).
//
//   npx tsc -b packages/autograd && node --expose-gc scripts/trace-scaling.mjs 1000 2000 4000 8000
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length > 0 && process.env.TRACE_SCALING_CHILD === undefined) {
  for (const n of sizes) {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], {
      env: { ...process.env, TRACE_SCALING_CHILD: String(n) },
      encoding: 'utf8',
    });
    process.stdout.write(child.stdout || child.stderr);
  }
} else if (process.env.TRACE_SCALING_CHILD !== undefined) {
  const n = Number(process.env.TRACE_SCALING_CHILD);
  const A = await import('../packages/autograd/dist/index.js');
  const x = A.variable([0.5, -0.25, 0.125, 1], { name: 'x' });
  let y = x;
  for (let i = 0; i < n - 1; i++) y = i % 2 === 0 ? A.tanh(y) : A.mul(y, 1.5);
  y = A.sum(y);
  globalThis.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  let trace;
  try {
    trace = A.backwardTrace(y);
  } catch (e) {
    console.log(`n=${n}: ${e.message}`);
    process.exit(0);
  }
  const seconds = (performance.now() - start) / 1000;
  globalThis.gc();
  const heldMB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log(`n=${n} steps=${trace.steps.length}: ${seconds.toFixed(2)} s, trace holds ${heldMB.toFixed(0)} MB of heap, peak RSS ${peakMB.toFixed(0)} MB`);
} else {
  console.log('usage: node --expose-gc scripts/trace-scaling.mjs 1000 2000 4000 8000');
}
