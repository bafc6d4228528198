/**
 * PyTorch as a peer: Debian's `python3-torch` run as a child process (`/usr/bin/python3`, one
 * thread) on the very inputs the in-process engines get, passed through raw binary files in a
 * temporary directory. The child times each workload with the same warm-up and median rule as
 * {@link measure} and prints JSON; this module turns that into harness cells.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type CellResult, type TimingOptions } from '../harness.js';

/** The Python interpreter that has Debian's torch. */
export const TORCH_PYTHON = '/usr/bin/python3';

/** The script the child runs: `packages/bench/python/torch_bench.py` (same path from src/ and dist/). */
export const TORCH_SCRIPT = fileURLToPath(new URL('../../python/torch_bench.py', import.meta.url));

/** What the PyTorch child computes for one workload. */
export type TorchKind = 'softmax_ce' | 'sigmoid_bce' | 'l2' | 'huber' | 'ctc' | 'mlp_step' | 'scalar_add' | 'scalar_chain' | 'gru' | 'conv2d_step' | 'digits_cnn_step';

/** One input array handed to the child. */
export interface TorchInput {
  /** Raw values; Int32Array becomes a torch `long` tensor. */
  values: Float32Array | Int32Array;
  /** Extents of the axes. */
  shape: readonly number[];
}

/** One workload for the child: a row id of the caller's table, what to run and on what. */
export interface TorchWorkload {
  /** Row id the result is reported under. */
  id: string;
  /** The computation (see `torch_bench.py`). */
  kind: TorchKind;
  /** Inputs in the order the kind expects (prediction then label; x then y). */
  inputs?: readonly TorchInput[];
  /** Extra settings: `rho`, `sizes`, `learningRate`, `repeats`, `length`. */
  params?: Readonly<Record<string, number | readonly number[]>>;
}

/** What a PyTorch run gives back: one cell per workload id, and a line for the report footer. */
export interface TorchRun {
  /** Cells keyed by workload id. */
  cells: Map<string, CellResult>;
  /** e.g. `PyTorch 1.13.0a0 (python3-torch), 1 thread, child process`, when it ran. */
  description?: string;
}

let availability: string | undefined | null = null;

/**
 * Why PyTorch cannot run here, checked once per process by `/usr/bin/python3 -c 'import torch'`.
 *
 * @returns undefined when torch imports, otherwise the reason
 * @example
 * ```ts
 * const why = torchUnavailable(); // undefined on a machine with python3-torch
 * ```
 */
export function torchUnavailable(): string | undefined {
  if (availability !== null) return availability;
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error) availability = `skipped: ${TORCH_PYTHON} could not start (${probe.error.message})`;
  else if (probe.status !== 0) availability = `skipped: ${TORCH_PYTHON} -c 'import torch' failed (${lastLine(probe.stderr)})`;
  else availability = undefined;
  return availability;
}

function lastLine(text: string | null | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/**
 * Turns the child's JSON output into cells: times become a sample (median of its timed calls),
 * a reported error an error cell, and a workload missing from the output an error cell too.
 *
 * @param stdout - what `torch_bench.py` printed
 * @param ids - the workload ids that were asked for
 * @returns the cells and the footer line
 * @throws Error when the output is not the expected JSON object
 * @example
 * ```ts
 * parseTorchOutput('{"torch":"2.1","threads":1,"results":{"l2":{"times":[2,1,3]}}}', ['l2']).cells.get('l2');
 * // { kind: 'time', sample: { medianMs: 2, minMs: 1, maxMs: 3, runs: 3, times: [2, 1, 3] } }
 * ```
 */
export function parseTorchOutput(stdout: string, ids: readonly string[]): TorchRun {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`torch_bench.py printed no JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { results?: unknown }).results !== 'object') {
    throw new Error('torch_bench.py output lacks a "results" object');
  }
  const { torch, threads, results } = parsed as { torch?: unknown; threads?: unknown; results: Record<string, unknown> };
  const cells = new Map<string, CellResult>();
  for (const id of ids) {
    const entry = results[id] as { times?: unknown; error?: unknown } | undefined;
    if (entry && Array.isArray(entry.times) && entry.times.length > 0 && entry.times.every((t) => typeof t === 'number' && Number.isFinite(t))) {
      const times = entry.times as number[];
      cells.set(id, { kind: 'time', sample: { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length, times } });
    } else if (entry && typeof entry.error === 'string') {
      cells.set(id, { kind: 'error', message: entry.error });
    } else {
      cells.set(id, { kind: 'error', message: `torch_bench.py reported no result for ${JSON.stringify(id)}` });
    }
  }
  const run: TorchRun = { cells };
  if (typeof torch === 'string') run.description = `PyTorch ${torch} (${TORCH_PYTHON}), ${typeof threads === 'number' ? threads : '?'} thread(s), run as a child process on the same inputs (read from temporary binary files)`;
  return run;
}

/**
 * Runs workloads in a PyTorch child process. Every workload comes back as a cell: timed, an
 * error, or "n/a" with the reason when torch is not importable here.
 *
 * @param workloads - what to run (ids unique)
 * @param timing - the same timing the in-process engines get (rounds are ignored: the child runs alone)
 * @param timeoutMs - kill the child after this long
 * @returns cells keyed by workload id, and a footer line
 * @example
 * ```ts
 * const run = runTorch([{ id: 'l2', kind: 'l2', inputs: [pred, label] }], timingPreset(true));
 * run.cells.get('l2');
 * ```
 */
export function runTorch(workloads: readonly TorchWorkload[], timing: TimingOptions, timeoutMs = 600_000): TorchRun {
  const ids = workloads.map((w) => w.id);
  const unavailable = torchUnavailable();
  if (unavailable !== undefined) return { cells: new Map(ids.map((id) => [id, { kind: 'unavailable', reason: unavailable }])) };
  const dir = mkdtempSync(join(tmpdir(), 'lossgraph-torch-'));
  try {
    const spec = {
      timing,
      workloads: workloads.map((w, wi) => ({
        id: w.id,
        kind: w.kind,
        params: w.params ?? {},
        inputs: (w.inputs ?? []).map((input, ii) => {
          const path = join(dir, `w${wi}-i${ii}.bin`);
          writeFileSync(path, new Uint8Array(input.values.buffer, input.values.byteOffset, input.values.byteLength));
          return { path, shape: [...input.shape], dtype: input.values instanceof Int32Array ? 'int32' : 'float32' };
        }),
      })),
    };
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const child = spawnSync(TORCH_PYTHON, [TORCH_SCRIPT, specPath], {
      encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024,
      // One thread, as asked; the env vars also pin the BLAS/OpenMP pools torch might start at import.
      env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    if (child.error || child.status !== 0) {
      const message = child.error ? child.error.message : `exit ${child.status}: ${lastLine(child.stderr)}`;
      return { cells: new Map(ids.map((id) => [id, { kind: 'error', message: `torch_bench.py failed: ${message}` }])) };
    }
    return parseTorchOutput(child.stdout, ids);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
