#!/usr/bin/env node
/**
 * A/B of the loss rows of `pnpm bench` between builds of two (or more) commits, on the same
 * machine in one session: each commit's packages are exported with `git archive` into
 * /tmp/lossgraph-ab/<commit> (the working tree's node_modules linked in) and built with `tsc -b`;
 * the working tree itself is the build named `work`. Every build then runs the bench's loss steps
 * (lossgraph cpu: `new XLoss().forward(pred, label)`, `sum(...).backward()`, gradient read without a
 * copy) on the same inputs (the working tree's `lossWorkloads`/`lossInputs`).
 *
 * Two modes, both interleaved because timings on a shared machine drift:
 * - in one process (`--mode in-process`): the builds are loaded side by side and take turns, round
 *   by round, each round timing every row on every build (rotating which build goes first);
 * - in separate processes (`--mode processes`): one child process per (build, repeat), alternating
 *   builds, each child timing every row; a process-level effect (a slow placement for a whole run)
 *   shows as spread between children.
 * Prints per row the median over all timed calls (in-process) or the median of the children's
 * medians (processes), and each build's ratio to the first, by the wall clock and in CPU time.
 *
 * Why processes differ: each step hands its gradient out (`dataNoCopy`), so the step's 4 MB result
 * is a fresh allocation that can never be recycled. Whether glibc serves it from reused heap memory
 * or from fresh pages (about 1,030 minor page faults a call for 4 MB, several milliseconds here) is
 * decided by its malloc state (dynamic mmap threshold, trimming), which differs from process to
 * process: the two timing levels of one build. `MALLOC_MMAP_THRESHOLD_=268435456
 * MALLOC_TRIM_THRESHOLD_=1073741824` in the environment keeps every process on the fast level
 * (about 250 faults a call), for comparing builds rather than malloc states.
 *
 * Usage: node scripts/ab-losses.mjs [--refs 31c486d,work] [--mode in-process|processes|both]
 *          [--rounds 8] [--calls 15] [--processes 6] [--rows l2,huber,...]
 */
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const AB_DIR = '/tmp/lossgraph-ab';
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function parseArgs(argv) {
  const options = { refs: ['31c486d', 'work'], mode: 'both', rounds: 8, calls: 15, processes: 6, rows: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--refs': options.refs = value.split(','); i++; break;
      case '--mode': options.mode = value; i++; break;
      case '--rounds': options.rounds = Number(value); i++; break;
      case '--calls': options.calls = Number(value); i++; break;
      case '--processes': options.processes = Number(value); i++; break;
      case '--rows': options.rows = value.split(','); i++; break;
      case '--child': options.child = value; i++; break;
      default: throw new Error(`ab-losses: unknown argument ${argv[i]}`);
    }
  }
  return options;
}

/** The folder holding the build of `ref`, exported and built when missing. */
function buildOf(ref) {
  if (ref === 'work') {
    execFileSync('node', [TSC, '-b', 'packages/loss', 'packages/bench'], { cwd: ROOT, stdio: 'inherit' });
    return ROOT;
  }
  const dir = join(AB_DIR, ref);
  if (!existsSync(join(dir, 'packages/loss/dist/index.js'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execSync(`git archive ${ref} | tar -x -C ${dir}`, { cwd: ROOT, stdio: 'inherit' });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    // Workspace links (relative symlinks to ../../<package>) resolve inside the export.
    for (const name of readdirSync(join(dir, 'packages'))) {
      const modules = join(ROOT, 'packages', name, 'node_modules');
      if (existsSync(modules) && existsSync(join(dir, 'packages', name))) cpSync(modules, join(dir, 'packages', name, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
    execFileSync('node', [TSC, '-b', 'packages/loss'], { cwd: dir, stdio: 'inherit' });
  }
  return dir;
}

async function load(dir) {
  const at = (name) => import(pathToFileURL(join(dir, 'packages', name, 'dist/index.js')).href);
  return { tensor: await at('tensor'), autograd: await at('autograd'), loss: await at('loss') };
}

/**
 * The bench's own loss step (`lossgraphLossStep`, the current bench's code) run on one build's
 * modules; each build keeps its own backend registry, so each call selects cpu in that build.
 */
function stepOf(bench, lg, workload, inputs) {
  lg.tensor.setBackend('cpu');
  const prepared = bench.lossgraphLossStep(lg, workload, inputs);
  return () => {
    lg.tensor.setBackend('cpu');
    prepared.step();
  };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `calls` calls of `step` after two untimed ones; returns the per-call times (ms) by the
 * wall clock and in CPU time (user + system) of this process. On a machine shared with other work
 * the wall clock also counts the time the process waited for a core; CPU time does not.
 */
function time(step, calls) {
  step();
  step();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < calls; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

async function workloadsAndInputs(rowsWanted) {
  const bench = await import(pathToFileURL(join(ROOT, 'packages/bench/dist/index.js')).href);
  const all = bench.lossWorkloads();
  const rows = all.filter((w) => rowsWanted === null || rowsWanted.includes(w.id));
  return { bench, rows: rows.map((w) => ({ workload: w, inputs: bench.lossInputs(w, 11 + 104_729 * all.indexOf(w)) })) };
}

/** Each build's steps, in rounds taken in turn: per row and build, every timed call. */
async function inProcess(dirs, options) {
  const { bench, rows } = await workloadsAndInputs(options.rows);
  const builds = await Promise.all(dirs.map(load));
  const steps = builds.map((lg) => rows.map(({ workload, inputs }) => stepOf(bench, lg, workload, inputs)));
  const samples = { wall: builds.map(() => rows.map(() => [])), cpu: builds.map(() => rows.map(() => [])) };
  for (let round = 0; round < options.rounds; round++) {
    for (let r = 0; r < rows.length; r++) {
      for (let k = 0; k < builds.length; k++) {
        const b = (k + round) % builds.length;
        const { wall, cpu } = time(steps[b][r], options.calls);
        samples.wall[b][r].push(...wall);
        samples.cpu[b][r].push(...cpu);
      }
    }
  }
  return { rows: rows.map((x) => x.workload), samples };
}

function report(title, refs, rows, medians, spread) {
  console.log(`\n### ${title}\n`);
  console.log(`| row | ${refs.map((r) => `${r} ms`).join(' | ')} | ${refs.slice(1).map((r) => `${r} / ${refs[0]}`).join(' | ')} |`);
  console.log(`|---|${refs.map(() => '---:').join('|')}|${refs.slice(1).map(() => '---:').join('|')}|`);
  rows.forEach((w, r) => {
    const cells = refs.map((_, b) => `${medians[b][r].toFixed(2)}${spread ? ` (${spread[b][r]})` : ''}`);
    const ratios = refs.slice(1).map((_, b) => `${(medians[b + 1][r] / medians[0][r]).toFixed(3)}`);
    console.log(`| ${w.label} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.child !== null) {
    // A child: one build, every row timed `rounds` x `calls`; prints JSON medians.
    const { samples } = await inProcess([options.child], options);
    process.stdout.write(JSON.stringify({ wall: samples.wall[0].map(median), cpu: samples.cpu[0].map(median) }));
    return;
  }
  const dirs = options.refs.map(buildOf);
  console.log(`A/B of the loss rows: ${options.refs.join(' vs ')} · Node ${process.version} · load avg at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (options.mode === 'in-process' || options.mode === 'both') {
    const { rows, samples } = await inProcess(dirs, options);
    for (const clock of ['cpu', 'wall']) {
      const medians = samples[clock].map((perRow) => perRow.map(median));
      report(`In one process, ${clock === 'cpu' ? 'CPU time' : 'wall clock'}: median of ${options.rounds} rounds x ${options.calls} calls, builds taking turns`, options.refs, rows, medians, null);
    }
  }
  if (options.mode === 'processes' || options.mode === 'both') {
    const childOptions = ['--rounds', '2', '--calls', String(options.calls), ...(options.rows ? ['--rows', options.rows.join(',')] : [])];
    const perBuild = dirs.map(() => []);
    for (let p = 0; p < options.processes; p++) {
      for (let k = 0; k < dirs.length; k++) {
        const b = (k + p) % dirs.length;
        const child = spawnSync('node', [fileURLToPath(import.meta.url), '--child', dirs[b], ...childOptions], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`child ${options.refs[b]} failed: ${child.stderr}`);
        perBuild[b].push(JSON.parse(child.stdout));
      }
    }
    const rows = (await workloadsAndInputs(options.rows)).rows.map((x) => x.workload);
    for (const clock of ['cpu', 'wall']) {
      const medians = perBuild.map((runs) => rows.map((_, r) => median(runs.map((m) => m[clock][r]))));
      const spread = perBuild.map((runs) => rows.map((_, r) => runs.map((m) => m[clock][r].toFixed(1)).join(' ')));
      report(`Separate processes, ${clock === 'cpu' ? 'CPU time' : 'wall clock'}: median of ${options.processes} child medians per build (each child's median in brackets)`, options.refs, rows, medians, spread);
    }
  }
  console.log(`\nload avg at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
