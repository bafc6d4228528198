/**
 * Command-line flags shared by every example: `--backend cpu|gpujs`, `--mode <gpujs mode>`,
 * `--seed`, `--epochs`, `--out`, `--quiet`.
 */
import { parseArgs } from 'node:util';
import { setBackend, type GpuJsMode } from '@lossgraph/tensor';
// The examples offer `--backend gpujs`, so they register it; a cpu-only program leaves this import out.
import '@lossgraph/tensor/gpujs';
import type { ProgressSink } from './progress.js';

/** The backend an example runs on, and the GPU.js mode when it is `gpujs`. */
export interface BackendChoice {
  /** `'cpu'` (typed-array loops) or `'gpujs'` (GPU.js kernels). */
  readonly backend: 'cpu' | 'gpujs';
  /** The GPU.js mode (default `'webasm'`); ignored on cpu. */
  readonly mode: GpuJsMode;
}

/** Options every example's `run` takes; each example adds its own and states its defaults. */
export interface ExampleOptions extends Partial<BackendChoice> {
  /** Training epochs. */
  readonly epochs?: number;
  /** Seed of the data split, the initialisation and the shuffling (default 0). */
  readonly seed?: number;
  /** Where to write the output files; null writes nothing (default `out/<example>`). */
  readonly outDir?: string | null;
  /** Where the progress bar goes; null for none (default stderr). */
  readonly progress?: ProgressSink | null;
}

/** Flags every example understands. */
export interface CommonFlags extends BackendChoice {
  /** Base seed of data splits and initialisation, when given. */
  readonly seed: number | undefined;
  /** Number of epochs, when given. */
  readonly epochs: number | undefined;
  /** Directory to write output files to, when given. */
  readonly outDir: string | undefined;
  /** Suppress the progress bar. */
  readonly quiet: boolean;
}

const GPUJS_MODES: readonly string[] = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'];

/** The flags every example may take, by name without the dashes. */
export type CommonFlagName = 'backend' | 'mode' | 'seed' | 'epochs' | 'out' | 'quiet';

const COMMON_FLAGS: readonly CommonFlagName[] = ['backend', 'mode', 'seed', 'epochs', 'out', 'quiet'];

/** Which flags a program takes: a subset of the common ones, and string flags of its own. */
export interface FlagSpec {
  /** The common flags accepted (default: all of them). */
  readonly common?: readonly CommonFlagName[];
  /** The program's own string flags, name (without dashes) to what the value should be, for messages. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The common flags plus the values of a program's own flags (absent when not given). */
export interface ParsedFlags extends CommonFlags {
  /** Values of the {@link FlagSpec.extra} flags that were given. */
  readonly extra: Readonly<Record<string, string>>;
}

function positiveInteger(flag: string, raw: string | undefined, allowZero = false): number {
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n < (allowZero ? 0 : 1)) {
    throw new TypeError(`${flag}: expected a${allowZero ? ' non-negative' : ' positive'} integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** What a flag's value should be, for the message when it is missing. */
function expectedValue(name: string, spec: FlagSpec): string {
  if (spec.extra?.[name] !== undefined) return spec.extra[name]!;
  switch (name) {
    case 'backend': return "'cpu' or 'gpujs'";
    case 'mode': return `one of ${GPUJS_MODES.join(', ')}`;
    case 'seed': return 'a non-negative integer';
    case 'epochs': return 'a positive integer';
    case 'out': return 'a directory';
    default: return 'no value';
  }
}

/**
 * Reads an example's flags from `argv` (as `process.argv.slice(2)`) with Node's `util.parseArgs`.
 * Accepts `--flag value` and `--flag=value`; a bare `--` (as `pnpm digits -- --quiet` passes it)
 * is skipped.
 *
 * @param argv - the arguments after the script name
 * @param spec - the common flags the program takes (all by default) and its own string flags
 * @returns the flags, with `backend: 'cpu'` and `mode: 'webasm'` by default
 * @throws TypeError naming an unknown flag, a missing value or a bad value
 * @example
 * ```ts
 * parseFlags(['--backend', 'gpujs', '--mode=headlessgl']);   // { backend: 'gpujs', mode: 'headlessgl', ... }
 * parseFlags(['--only', 'l2'], { extra: { only: 'case names' } }).extra.only;   // 'l2'
 * ```
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec = {}): ParsedFlags {
  const accepted = spec.common ?? COMMON_FLAGS;
  const extraNames = Object.keys(spec.extra ?? {});
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of accepted) options[name] = { type: name === 'quiet' ? 'boolean' : 'string' };
  for (const name of extraNames) options[name] = { type: 'string' };
  const known = [...accepted, ...extraNames].map((name) => `--${name}`).join(', ');
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv.filter((arg) => arg !== '--'), options, strict: true, allowPositionals: false }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    const flag = /'(--[^' <]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new TypeError(`unknown flag ${JSON.stringify(flag)}; flags are ${known}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new TypeError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}; flags are ${known}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new TypeError(`${flag}: expected ${expectedValue(flag.slice(2), spec)}`);
    throw error;
  }
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);

  const backend = text('backend') ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'gpujs') throw new TypeError(`--backend: expected 'cpu' or 'gpujs', got ${JSON.stringify(backend)}`);
  const mode = text('mode') ?? 'webasm';
  if (!GPUJS_MODES.includes(mode)) throw new TypeError(`--mode: expected one of ${GPUJS_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const outDir = text('out');
  if (outDir === '') throw new TypeError('--out: expected a directory');
  const extra: Record<string, string> = {};
  for (const name of extraNames) {
    const value = text(name);
    if (value === '') throw new TypeError(`--${name}: expected ${spec.extra![name]!}`);
    if (value !== undefined) extra[name] = value;
  }
  return {
    backend,
    mode: mode as GpuJsMode,
    seed: text('seed') === undefined ? undefined : positiveInteger('--seed', text('seed'), true),
    epochs: text('epochs') === undefined ? undefined : positiveInteger('--epochs', text('epochs')),
    outDir,
    quiet: values.quiet === true,
    extra,
  };
}

/**
 * Switches the tensor package to the chosen backend.
 * @param choice - backend and mode
 * @returns a label for messages, e.g. `'gpujs (webasm)'`
 * @example `useBackend({ backend: 'gpujs', mode: 'webasm' })`
 */
export function useBackend(choice: BackendChoice): string {
  if (choice.backend === 'gpujs') {
    setBackend('gpujs', { mode: choice.mode });
    return `gpujs (${choice.mode})`;
  }
  setBackend('cpu');
  return 'cpu';
}

/**
 * The {@link ExampleOptions} the common flags ask for: the backend, and the epochs, seed and output
 * directory when they were given; no progress bar with `--quiet`.
 * @param flags - the parsed flags
 * @example
 * ```ts
 * const result = await run(exampleOptions(parseFlags(process.argv.slice(2))));
 * ```
 */
export function exampleOptions(flags: CommonFlags): ExampleOptions & BackendChoice {
  return {
    backend: flags.backend,
    mode: flags.mode,
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.outDir === undefined ? {} : { outDir: flags.outDir }),
    progress: flags.quiet ? null : process.stderr,
  };
}
