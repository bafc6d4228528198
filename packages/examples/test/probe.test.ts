import { it } from 'vitest';
import { run } from '../src/digits.js';
it('probe', async () => {
  for (const cfg of [{ hidden: 128, learningRate: 0.003 }, { hidden: 128, learningRate: 0.001 }, { hidden: 128, learningRate: 0.003, seed: 1 }, { hidden: 128, learningRate: 0.003, seed: 2 }]) {
    const accs: number[] = [];
    const r = await run({ epochs: 25, outDir: null, progress: { write: (s: string) => { const m = / test acc ([0-9.]+)/.exec(s); if (m) accs.push(Number(m[1])); return true; } }, ...cfg });
    console.log(JSON.stringify(cfg), accs.map((a) => a.toFixed(3)).join(' '), r.seconds.toFixed(1));
  }
}, 300000);
