#!/usr/bin/env node
// What the browser bundle of a program is made of: esbuild (minified, browser, ESM, as the consumer test
// bundles) from the packages' TypeScript sources, its total size and gzip size, then each part's minified
// bytes and the gzip size of those bytes alone (the parts' gzip sizes add up to more than the total,
// which shares context). Output bytes are attributed to their sources through the bundle's source map.
//   node scripts/bundle-breakdown.mjs [entry.ts] [--files]
// The entry defaults to the consumer test's cpu-only training program (issue 14's 60 KB gzip budget;
// that test bundles the built packages, which comes out a few bytes apart); --files lists source files
// instead of packages.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const byFile = args.includes('--files');
const entry = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'packages/examples/test/consumer/train.ts'));
const sources = {
  name: 'lossgraph-sources',
  setup(b) {
    b.onResolve({ filter: /^@lossgraph\/[a-z]+(\/[a-z]+)?$/ }, (a) => {
      const [, name, sub] = /^@lossgraph\/([a-z]+)(?:\/([a-z]+))?$/.exec(a.path);
      return { path: join(root, 'packages', name, 'src', `${sub ?? 'index'}.ts`) };
    });
  },
};
const result = await build({
  entryPoints: [entry], bundle: true, write: false, minify: true, platform: 'browser', format: 'esm', target: 'es2022',
  sourcemap: 'external', outfile: join(root, 'bundle-breakdown.js'), logLevel: 'error', plugins: [sources],
  // zod (and gpu.js, for a gpujs entry) as the tensor package resolves them
  nodePaths: [join(root, 'packages/tensor/node_modules')],
});
const js = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map')).text);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`${entry.slice(root.length + 1)}: ${kb(Buffer.byteLength(js))} minified, ${kb(gzipSync(js, { level: 9 }).length)} gzip (${gzipSync(js, { level: 9 }).length} bytes)`);

const partOf = (source) => {
  const path = source.replace(/^(\.\.\/)+/, '');
  if (byFile) return path.replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '');
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (dependency) return dependency[1];
  if (path.includes('wasm-kernels.generated')) return 'tensor: WebAssembly kernels';
  return /packages\/([a-z]+)\//.exec(path)?.[1] ?? path;
};
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const vlq = (text, at) => {
  let value = 0, shift = 0, digit;
  do { digit = BASE64.indexOf(text[at++]); value += (digit & 31) << shift; shift += 5; } while (digit & 32);
  return [value & 1 ? -(value >>> 1) : value >>> 1, at];
};
const parts = new Map();
const lines = js.split('\n');
let source = 0;
map.mappings.split(';').forEach((segments, lineIndex) => {
  const line = lines[lineIndex] ?? '';
  const marks = [];
  let column = 0;
  for (const segment of segments ? segments.split(',') : []) {
    let delta, at = 0;
    [delta, at] = vlq(segment, at);
    column += delta;
    if (at < segment.length) [delta, at] = vlq(segment, at), (source += delta);
    marks.push([column, source]);
  }
  marks.forEach(([start, s], i) => {
    const part = partOf(map.sources[s] ?? '');
    parts.set(part, (parts.get(part) ?? '') + line.slice(start, i + 1 < marks.length ? marks[i + 1][0] : line.length));
  });
});
const rows = [...parts].map(([part, text]) => [part, Buffer.byteLength(text), gzipSync(text, { level: 9 }).length]).sort((a, b) => b[2] - a[2]);
for (const [part, minified, gzip] of rows.slice(0, byFile ? 40 : rows.length)) console.log(`  ${part.padEnd(byFile ? 60 : 30)} ${kb(minified).padStart(9)} minified ${kb(gzip).padStart(8)} gzip alone`);
