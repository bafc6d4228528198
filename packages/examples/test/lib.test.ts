import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../src/lib/cli.js';
import { loadDigits, loadIris, permutation, stratifiedSplit, toLabelled } from '../src/lib/data.js';
import { ProgressBar } from '../src/lib/progress.js';
import { linePlot, scatterPlot } from '../src/lib/svg.js';
import { EXAMPLES } from '../src/index.js';
import '@lossgraph/tensor/gpujs';

describe('examples lib', () => {
  it('parses the common flags, with cpu and webasm by default', () => {
    expect(parseFlags([])).toMatchObject({ backend: 'cpu', mode: 'webasm', quiet: false });
    expect(parseFlags(['--backend', 'gpujs', '--mode=headlessgl', '--epochs', '3', '--seed=0', '--quiet']))
      .toEqual({ backend: 'gpujs', mode: 'headlessgl', epochs: 3, seed: 0, outDir: undefined, quiet: true, extra: {} });
    expect(parseFlags(['--', '--backend', 'gpujs']).backend).toBe('gpujs');
    expect(() => parseFlags(['--backend', 'tpu'])).toThrow(/--backend: expected 'cpu' or 'gpujs', got "tpu"/);
    expect(() => parseFlags(['--epochs', '0'])).toThrow(/--epochs: expected a positive integer/);
    expect(() => parseFlags(['--bakend', 'cpu'])).toThrow(/unknown flag "--bakend"; flags are --backend, --mode/);
    expect(() => parseFlags(['--seed', '1.5'])).toThrow(/--seed: expected a non-negative integer, got "1.5"/);
    expect(() => parseFlags(['--out'])).toThrow(/--out: expected a directory/);
    expect(() => parseFlags(['--quiet=yes'])).toThrow(/--quiet: expected no value/);
    expect(() => parseFlags(['digits'])).toThrow(/unexpected argument "digits"/);
    // A program's own flags, and a subset of the common ones.
    expect(parseFlags(['--only=l2,huber', '--quiet'], { extra: { only: 'case names' } })).toMatchObject({ quiet: true, extra: { only: 'l2,huber' } });
    expect(parseFlags([], { extra: { only: 'case names' } }).extra).toEqual({});
    expect(() => parseFlags(['--only'], { extra: { only: 'case names' } })).toThrow(/--only: expected case names/);
    expect(() => parseFlags(['--epochs', '2'], { common: ['backend'] })).toThrow(/unknown flag "--epochs"; flags are --backend$/);
  });

  it('loads the bundled data sets', () => {
    const digits = loadDigits();
    expect([digits.numSamples, digits.numFeatures]).toEqual([1797, 64]);
    expect(Math.max(...digits.features)).toBe(16);
    expect(new Set(digits.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const iris = loadIris();
    expect([iris.numSamples, iris.numFeatures]).toEqual([150, 4]);
    expect(Array.from(iris.features.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(() => toLabelled([[1, 2, 0], [1, 0]])).toThrow(/row 1 has 2 columns, expected 3/);
  });

  it('splits reproducibly and by class', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 4);
    const a = stratifiedSplit(labels, 0.2, 5);
    const b = stratifiedSplit(labels, 0.2, 5);
    expect(a).toEqual(b);
    expect(a.test).toHaveLength(20);
    expect([...a.test, ...a.train].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (let c = 0; c < 4; c++) expect(Array.from(a.test).filter((i) => labels[i] === c)).toHaveLength(5);
    expect(stratifiedSplit(labels, 0.2, 6).test).not.toEqual(a.test);
    expect(Array.from(permutation(6, 1)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => stratifiedSplit(labels, 1, 0)).toThrow(/testFraction must be in \(0, 1\)/);
  });

  it('draws a progress bar on one line per update on a terminal', () => {
    const written: string[] = [];
    const bar = new ProgressBar('train', 4, { write: (s: string) => written.push(s), isTTY: true });
    bar.update(2, { loss: 0.5 });
    expect(written[0]).toBe('\rtrain [############............] 2/4  loss 0.5000\x1b[K');
  });

  it('writes line and scatter plots as SVG', () => {
    // 640x400 with margins 64/20/36/48: x 1..3 maps to 64..620, y 3..1 to 36..352.
    const line = linePlot([{ name: 'loss', y: [3, 2, 1] }], { title: 'a < b' });
    expect(line).toContain('points="64.0,36.0 342.0,194.0 620.0,352.0"');
    expect(line).toContain('a &lt; b');
    const scatter = scatterPlot([{ x: 0, y: 0, group: 0 }, { x: 1, y: 1, group: 1 }], ['a', 'b']);
    expect(scatter.match(/<circle /g)).toHaveLength(2);
  });

  it('lists every example, each with a source file and a root pnpm script', () => {
    expect(EXAMPLES).toEqual(['demo', 'digits', 'zoo', 'custom-loss', 'ctc', 'triplet', 'explorer', 'worker']);
    const root = new URL('../../../', import.meta.url);
    const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of EXAMPLES) {
      expect(existsSync(new URL(`packages/examples/src/${name}.ts`, root)), name).toBe(true);
      expect(scripts[name], name).toContain(`dist/${name}.js`);
    }
  });
});
