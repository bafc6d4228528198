#!/usr/bin/env node
// The whole test suite, as README's Quick start runs it: typecheck and build every package, then vitest.
// The gpujs headlessgl tests need an X display; when none is set and xvfb-run exists, vitest runs under
// xvfb-run (Mesa's software renderer), so the same command covers that real WebGL path.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const tsc = require.resolve('typescript/bin/tsc');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

function run(command, args) {
  console.log(`\n> ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [tsc, '-b', 'packages/examples', 'packages/bench']);

const extra = process.argv.slice(2);
const xvfb = ['/usr/bin/xvfb-run', '/usr/local/bin/xvfb-run'].find((p) => existsSync(p));
if (!process.env.DISPLAY && xvfb) {
  run(xvfb, ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, vitest, 'run', ...extra]);
} else {
  if (!process.env.DISPLAY) console.log('(no display and no xvfb-run: the headlessgl tests will be skipped)');
  run(process.execPath, [vitest, 'run', ...extra]);
}
