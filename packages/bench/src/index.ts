/**
 * lossgraph's benchmarks: the harness (timing, tables, targets), the engines it compares, and the
 * suites. Run as a program (`pnpm bench`), it measures every suite and prints one Markdown report,
 * also written to `packages/bench/out/results.md`.
 *
 * @packageDocumentation
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSelector, parseCli, USAGE, type CliOptions } from './cli.js';
import { renderTargets, timingPreset, type Suite, type TargetOutcome } from './harness.js';
import { tensorSuite } from './suites/tensor.js';
export {
  lossSuite, lossWorkloads, lossInputs, lossTargets, lossGradientCheck, lossgraphLossStep, jaxLossStep,
  type LossWorkload, type LossInputs, type LossSuiteOptions, type LossgraphModules,
} from './suites/loss.js';
export { scalingSuite, scalingWorkloads, SCALING_FACTORS, type ScalingWorkload } from './suites/scaling.js';
export { loadJax, jaxArray, jaxStepEngine, JAX_ID, type Jax, type JaxArray } from './peers/jax.js';
export {
  mlpStepSuite, overheadSuite, gpujsLoopSuite, memorySuite, mlpBatch, mlpInitialWeights, mlpReference, gpuLoopTargets, heapTarget,
  MLP_784, DIGITS_MLP, OPS_PER_CALL, CHAIN_LENGTHS,
  type MlpSpec, type GpuLoopStats, type HeapCheckpoint,
} from './suites/training.js';
export { convolutionSuite, CONV_16_32, DIGITS_CNN_BATCH, type ConvSpec } from './suites/convolution.js';
export { runSteps, compareValues, sparseLabels, oneHotRows, sizeOf, type PreparedStep, type StepEngine } from './suites/steps.js';
export { runTorch, parseTorchOutput, torchUnavailable, TORCH_PYTHON, TORCH_SCRIPT, type TorchKind, type TorchInput, type TorchWorkload, type TorchRun } from './peers/torch.js';
import { lossSuite } from './suites/loss.js';
import { scalingSuite } from './suites/scaling.js';
import { gpujsLoopSuite, memorySuite, mlpStepSuite, overheadSuite } from './suites/training.js';
import { recurrentSuite } from './suites/recurrent.js';
export { recurrentSuite, gruInputs, GRU_50, type GruSpec } from './suites/recurrent.js';
import { convolutionSuite } from './suites/convolution.js';

export * from './harness.js';
export { parseCli, makeSelector, USAGE, type CliOptions } from './cli.js';
export type { TensorEngine } from './engines/types.js';
export { lossgraphEngine, gpuModePrecondition, type LossgraphBackendName } from './engines/lossgraph.js';
export { tfjsEngine, loadTfjs, tfjsWasmDirectory, type TfjsBackendName } from './peers/tfjs.js';
export { plainLoopEngine, type PlainArray } from './peers/plain-loop.js';
export {
  tensorSuite, tensorWorkloads, tensorTargets, checkResult, uniformData,
  type TensorWorkload, type TensorWorkloadGroup, type TensorSuiteOptions,
} from './suites/tensor.js';

/**
 * Every suite of the report, in order: tensor primitives, losses (against tf.grad, jax-js and
 * PyTorch), the losses at 1x/4x/16x in ns per element, an MLP training step, convolution, a GRU
 * forward plus backward, per-op overhead, gpujs compilations and readbacks, memory over a long run.
 * @example
 * ```ts
 * allSuites().map((s) => s.title);
 * ```
 */
export function allSuites(): Suite[] {
  return [tensorSuite(), lossSuite(), scalingSuite(), mlpStepSuite(), convolutionSuite(), recurrentSuite(), overheadSuite(), gpujsLoopSuite(), memorySuite()];
}

/** Where the report goes by default: `packages/bench/out/results.md`. */
export const DEFAULT_REPORT_PATH = fileURLToPath(new URL('../out/results.md', import.meta.url));

/**
 * Runs the selected suites and returns the whole report as Markdown.
 *
 * @param options - parsed command line
 * @param suites - the sections to run, default {@link allSuites}
 * @returns the report text (ends with a newline)
 * @example
 * ```ts
 * const markdown = await runBench(parseCli(['--quick', '--filter', 'exp']));
 * ```
 */
export async function runBench(options: CliOptions, suites: readonly Suite[] = allSuites()): Promise<string> {
  const timing = timingPreset(options.quick);
  const selects = makeSelector(options.filter);
  const log = (message: string): void => { process.stderr.write(`${message}\n`); };
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const flags = [options.quick ? '--quick' : '', options.filter !== undefined ? `--filter ${JSON.stringify(options.filter)}` : ''].filter(Boolean).join(' ');
  const sections = [
    '# lossgraph benchmarks',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpu} · ${cpus().length} cores · ${process.platform}/${process.arch}` +
      (process.env['DISPLAY'] ? ` · DISPLAY=${process.env['DISPLAY']}` : ' · no X display') +
      // Other work on the machine skews timings; the load at the start says how much to trust them.
      ` · load avg ${loadavg()[0]!.toFixed(2)}` + (flags ? ` · ${flags}` : ''),
  ];
  const outcomes: TargetOutcome[] = [];
  for (const suite of suites) {
    const report = await suite.run({ timing, quick: options.quick, selects: (text) => selects(suite.id) || selects(text), log });
    if (report.markdown === '') continue;
    sections.push('', report.markdown);
    outcomes.push(...report.targets);
  }
  if (sections.length === 3) sections.push('', `No benchmark row matches --filter ${JSON.stringify(options.filter)}.`);
  if (outcomes.length > 0) sections.push('', '## Targets', '', renderTargets(outcomes));
  return `${sections.join('\n')}\n`;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const markdown = await runBench(options);
  process.stdout.write(markdown);
  const path = options.out === undefined ? DEFAULT_REPORT_PATH : resolve(options.out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, markdown);
  process.stderr.write(`report written to ${path}\n`);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    // GPU.js and the WASM runtime can keep handles open; the report is complete, so leave.
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
