#!/usr/bin/env node
// The whole test suite, as README's Quick start runs it: typecheck and build every package, typecheck
// the tests, then vitest.
// The gpujs headlessgl tests need an X display; when none is set and xvfb-run exists, vitest runs under
// xvfb-run (Mesa's software renderer), so the same command covers that real WebGL path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const tsc = require.resolve('typescript/bin/tsc');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

function run(command, args, { exitOnFailure = true } = {}) {
  console.log(`\n> ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0 && exitOnFailure) process.exit(result.status ?? 1);
  return result.status ?? 1;
}

/** Prints the counts per package and per backend, and one plain closing line, from vitest's JSON report. */
function summarise(reportPath) {
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch {
    return;
  }
  const perPackage = new Map();
  let passed = 0, failed = 0, skipped = 0;
  for (const file of report.testResults ?? []) {
    const pkg = (file.name.match(/packages\/([^/]+)\//) ?? [])[1] ?? 'other';
    const row = perPackage.get(pkg) ?? { passed: 0, failed: 0, skipped: 0 };
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') { row.passed++; passed++; }
      else if (t.status === 'failed') { row.failed++; failed++; }
      else { row.skipped++; skipped++; }
    }
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') { row.failed++; failed++; }
    perPackage.set(pkg, row);
  }
  console.log('\n| package | passed | failed | skipped |\n| --- | --- | --- | --- |');
  for (const [pkg, r] of [...perPackage].sort()) console.log(`| ${pkg} | ${r.passed} | ${r.failed} | ${r.skipped} |`);
  // Tests name their backend and GPU.js mode in their describe blocks; the rest run on cpu.
  const perBackend = new Map();
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      const name = [...(t.ancestorTitles ?? []), t.title].join(' ');
      const mode = /headlessgl/.test(name) ? 'headlessgl' : /webasm/.test(name) ? 'webasm' : /mode '?cpu'?|gpujs cpu/.test(name) ? 'cpu mode' : null;
      const backend = mode !== null ? `gpujs ${mode}` : /gpujs/i.test(name) ? 'gpujs (modes within the test)' : 'cpu';
      const row = perBackend.get(backend) ?? { passed: 0, failed: 0, skipped: 0 };
      row[t.status === 'passed' ? 'passed' : t.status === 'failed' ? 'failed' : 'skipped']++;
      perBackend.set(backend, row);
    }
  }
  console.log('\n| backend | passed | failed | skipped |\n| --- | --- | --- | --- |');
  for (const [backend, r] of [...perBackend].sort()) console.log(`| ${backend} | ${r.passed} | ${r.failed} | ${r.skipped} |`);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

run(process.execPath, [tsc, '-b', 'packages/examples', 'packages/bench']);
// The tests are TypeScript too: typecheck them against the sources, as strictly as the packages.
run(process.execPath, [tsc, '-p', 'tsconfig.test.json']);
// The API site must build with zero warnings (typedoc.json sets treatWarningsAsErrors).
run(process.execPath, [join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc')]);

const reportDir = mkdtempSync(join(tmpdir(), 'lossgraph-test-'));
const reportPath = join(reportDir, 'vitest.json');
const extra = ['--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...process.argv.slice(2)];
let status = 1;
const xvfb = ['/usr/bin/xvfb-run', '/usr/local/bin/xvfb-run'].find((p) => existsSync(p));
if (!process.env.DISPLAY && xvfb) {
  status = run(xvfb, ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, vitest, 'run', ...extra], { exitOnFailure: false });
} else {
  if (!process.env.DISPLAY) console.log('(no display and no xvfb-run: the headlessgl tests will be skipped)');
  status = run(process.execPath, [vitest, 'run', ...extra], { exitOnFailure: false });
}
summarise(reportPath);
rmSync(reportDir, { recursive: true, force: true });
process.exit(status);
