/**
 * `pnpm explorer`: writes one self-contained HTML page of the graph of one training step (a small
 * MLP with softmax cross-entropy on a few iris flowers). Every node shows its shape, value and
 * gradient; the loss is one node that unfolds into its ops; Prev/Next step through the backward
 * pass.
 *
 * Flags: `--backend cpu|gpujs`, `--mode <gpujs mode>` (default webasm), `--seed <n>`,
 * `--out <file>` (default `packages/examples/out/explorer.html`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as T from '@lossgraph/tensor';
import { backwardTrace, graphOf, type BackwardTrace, type GraphDescription } from '@lossgraph/autograd';
import { SoftmaxCrossEntropyLoss } from '@lossgraph/loss';
import { Dense, Sequential, Xavier } from '@lossgraph/nn';
import { parseFlags, useBackend, type BackendChoice } from './lib/cli.js';
import { loadIris, PACKAGE_ROOT } from './lib/data.js';
import { displayPath, isMain, runMain } from './lib/output.js';
import { intOption } from './lib/validate.js';
import { explorerPage } from '@lossgraph/lab';

/** Options of {@link run}. */
export interface ExplorerOptions extends Partial<BackendChoice> {
  /** Seed of the initialisation (default 0). */
  readonly seed?: number;
  /** Hidden units of the MLP (default 5, small enough to read every value). */
  readonly hidden?: number;
  /** Where to write the page; null writes nothing (default `packages/examples/out/explorer.html`). */
  readonly outFile?: string | null;
}

/** What {@link run} made. */
export interface ExplorerResult {
  /** The page. */
  readonly html: string;
  /** The file written, or null. */
  readonly file: string | null;
  /** The graph drawn on the page. */
  readonly graph: GraphDescription;
  /** The backward pass the page steps through. */
  readonly trace: BackwardTrace;
  /** The id of the loss scope, folded when the page opens. */
  readonly lossScopeId: number;
}

/** The default page path: `packages/examples/out/explorer.html` (gitignored). */
export const DEFAULT_OUT_FILE: string = join(PACKAGE_ROOT, 'out', 'explorer.html');

/** Two flowers of each iris class, so every class appears in the batch. */
const IRIS_ROWS = [0, 1, 50, 51, 100, 101];

/** The batch: the chosen iris rows, each feature standardised with the whole set's mean and spread. */
function irisBatch(): { x: T.Tensor; y: T.Tensor } {
  const iris = loadIris();
  const f = iris.numFeatures;
  const mean = new Float64Array(f);
  const spread = new Float64Array(f);
  for (let i = 0; i < iris.numSamples; i++) for (let j = 0; j < f; j++) mean[j]! += iris.features[i * f + j]! / iris.numSamples;
  for (let i = 0; i < iris.numSamples; i++) for (let j = 0; j < f; j++) spread[j]! += (iris.features[i * f + j]! - mean[j]!) ** 2 / iris.numSamples;
  const x = new Float32Array(IRIS_ROWS.length * f);
  IRIS_ROWS.forEach((row, r) => {
    for (let j = 0; j < f; j++) x[r * f + j] = (iris.features[row * f + j]! - mean[j]!) / Math.sqrt(spread[j]!);
  });
  const y = Int32Array.from(IRIS_ROWS, (row) => iris.labels[row]!);
  return { x: T.tensor(x, [IRIS_ROWS.length, f]), y: T.tensor(y, [IRIS_ROWS.length], 'int32') };
}

/**
 * Computes one training step's loss (MLP 4 → hidden, ReLU → 3, softmax cross-entropy, on six
 * iris flowers), describes its graph with gradients and traces its backward pass, and renders
 * the explorer page.
 *
 * @param options - see {@link ExplorerOptions}
 * @returns the page, the file written, the graph and the trace
 * @throws RangeError for a bad `seed` or `hidden`
 * @example
 * ```ts
 * const { file } = run({ backend: 'cpu' });   // writes packages/examples/out/explorer.html
 * ```
 */
export function run(options: ExplorerOptions = {}): ExplorerResult {
  const seed = intOption('explorer.run', 'seed', options.seed, 0, 0);
  const hidden = intOption('explorer.run', 'hidden', options.hidden, 5);
  const outFile = options.outFile === undefined ? DEFAULT_OUT_FILE : options.outFile;
  if (outFile !== null && (typeof outFile !== 'string' || outFile === '')) {
    throw new TypeError(`explorer.run: option 'outFile' must be a non-empty path or null, got ${JSON.stringify(outFile)}`);
  }
  const backendLabel = useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });

  const { x, y } = irisBatch();
  const net = new Sequential().add(new Dense(hidden, { activation: 'relu' }), new Dense(3));
  net.initialize({ init: new Xavier(), seed });
  const lossFn = new SoftmaxCrossEntropyLoss();
  const loss = lossFn.forward(net.forward(x), y);
  const graph = graphOf(loss, { gradients: 'compute' });
  const trace = backwardTrace(loss);
  const lossScope = graph.scopes.find((s) => s.name === 'SoftmaxCrossEntropyLoss' && s.parent === null);
  if (lossScope === undefined) throw new Error('explorer: the loss made no SoftmaxCrossEntropyLoss scope');

  const html = explorerPage(graph, {
    title: 'lossgraph explorer',
    subtitle: `one training step: MLP 4→${hidden} (ReLU)→3, SoftmaxCrossEntropyLoss, ${IRIS_ROWS.length} iris flowers, backend ${backendLabel}`,
    trace,
    collapsed: [lossScope.id],
  });
  if (outFile !== null) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, html);
  }
  return { html, file: outFile, graph, trace, lossScopeId: lossScope.id };
}

/** The explorer's command-line flags. */
export interface ExplorerFlags extends BackendChoice {
  /** The page's path. */
  readonly outFile: string;
  /** Seed of the initialisation. */
  readonly seed: number;
}

/**
 * Reads the explorer's flags: `--backend cpu|gpujs`, `--mode <gpujs mode>`, `--seed <n>`,
 * `--out <file>`; `--flag value` and `--flag=value` both work.
 *
 * @param argv - the arguments after the script name
 * @returns the flags, with cpu, seed 0 and the default page path unless given
 * @throws TypeError naming an unknown flag or a bad value
 * @example `parseExplorerFlags(['--out', 'graph.html']).outFile   // 'graph.html'`
 */
export function parseExplorerFlags(argv: readonly string[]): ExplorerFlags {
  const flags = parseFlags(argv, { common: ['backend', 'mode', 'seed'], extra: { out: 'the path of the HTML file to write' } });
  return { backend: flags.backend, mode: flags.mode, outFile: flags.extra.out ?? DEFAULT_OUT_FILE, seed: flags.seed ?? 0 };
}

function main(argv: readonly string[]): void {
  const flags = parseExplorerFlags(argv);
  const result = run({ backend: flags.backend, mode: flags.mode, seed: flags.seed, outFile: flags.outFile });
  console.log(`explorer: ${result.graph.nodes.length} nodes, ${result.graph.scopes.length} scopes, ${result.trace.steps.length} backward steps`);
  console.log(`wrote ${displayPath(result.file!)}`);
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
