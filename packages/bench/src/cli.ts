/** Command-line options of `pnpm bench`. */
import { parseArgs } from 'node:util';

/** What the command line asked for. */
export interface CliOptions {
  /** Case-insensitive substring; only rows whose id or label contains it run. */
  filter: string | undefined;
  /** Fewer, shorter timed runs per cell. */
  quick: boolean;
  /** Where the Markdown report is written; undefined for the default `packages/bench/out/results.md`. */
  out: string | undefined;
  /** Print usage and exit. */
  help: boolean;
}

/** Usage text for `--help`. */
export const USAGE = `Usage: pnpm bench [--filter <substring>] [--quick] [--out <file>]

  --filter <s>  run only the rows whose id or label contains <s> (case-insensitive),
                e.g. --filter matmul, --filter "tensor/add", --filter exp; a section
                id runs the whole section: tensor, loss (or loss/ctc, loss/huber, ...),
                scaling (or scaling/l2, scaling/softmax-ce-x16, ...), mlp-step, conv,
                recurrent, overhead (or overhead/chain), gpujs-loop, memory
  --quick       fewer and shorter timed runs per cell (a smoke run; numbers are noisier)
  --out <file>  write the Markdown report there instead of packages/bench/out/results.md
  --help        show this text

The gpujs headlessgl column needs an X display: xvfb-run -a pnpm bench
The PyTorch column needs /usr/bin/python3 with torch (python3-torch); otherwise it reads "n/a".
jax-js runs in this process on its wasm device (@jax-js/jax, a dependency of this package).`;

/**
 * Parses the benchmark's arguments. A leading `--` (as `pnpm bench -- --quick` passes it) is
 * ignored.
 *
 * @param argv - arguments after the script name
 * @returns the options
 * @throws Error naming the unknown flag or the flag missing its value
 * @example
 * ```ts
 * parseCli(['--filter', 'matmul', '--quick']); // { filter: 'matmul', quick: true, out: undefined, help: false }
 * ```
 */
export function parseCli(argv: readonly string[]): CliOptions {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        filter: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`bench: ${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.filter !== undefined && values.filter.trim() === '') throw new Error('bench: --filter expects a non-empty substring');
  if (values.out !== undefined && values.out.trim() === '') throw new Error('bench: --out expects a file path');
  return { filter: values.filter, quick: values.quick ?? false, out: values.out, help: values.help ?? false };
}

/**
 * The row selector for a filter: case-insensitive substring match; everything without a filter.
 * @example
 * ```ts
 * makeSelector('MatMul')('matmul 256x256x256'); // true
 * ```
 */
export function makeSelector(filter: string | undefined): (text: string) => boolean {
  if (filter === undefined) return () => true;
  const needle = filter.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}
