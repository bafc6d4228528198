/**
 * Command-line flags shared by every example: `--backend cpu|gpujs`, `--mode <gpujs mode>`,
 * `--seed`, `--epochs`, `--out`, `--quiet`.
 */
import { setBackend, type GpuJsMode } from '@lossgraph/tensor';

/** The backend an example runs on, and the GPU.js mode when it is `gpujs`. */
export interface BackendChoice {
  /** `'cpu'` (typed-array loops) or `'gpujs'` (GPU.js kernels). */
  readonly backend: 'cpu' | 'gpujs';
  /** The GPU.js mode (default `'webasm'`); ignored on cpu. */
  readonly mode: GpuJsMode;
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

function positiveInteger(flag: string, raw: string | undefined, allowZero = false): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new TypeError(`${flag}: expected a${allowZero ? ' non-negative' : ' positive'} integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * Reads the common flags from `argv` (as `process.argv.slice(2)`). Accepts `--flag value` and
 * `--flag=value`; a bare `--` is skipped.
 *
 * @param argv - the arguments after the script name
 * @returns the flags, with `backend: 'cpu'` and `mode: 'webasm'` by default
 * @throws TypeError naming an unknown flag or a bad value
 * @example
 * ```ts
 * parseFlags(['--backend', 'gpujs', '--mode=headlessgl']);   // { backend: 'gpujs', mode: 'headlessgl', ... }
 * ```
 */
export function parseFlags(argv: readonly string[]): CommonFlags {
  let backend: 'cpu' | 'gpujs' = 'cpu';
  let mode = 'webasm';
  let seed: number | undefined;
  let epochs: number | undefined;
  let outDir: string | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // `pnpm digits -- --backend gpujs` hands the script a literal `--`.
    if (arg === '--') continue;
    if (!arg.startsWith('--')) throw new TypeError(`unexpected argument ${JSON.stringify(arg)}; flags are --backend, --mode, --seed, --epochs, --out, --quiet`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (name === '--quiet') {
      quiet = true;
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    switch (name) {
      case '--backend':
        if (value !== 'cpu' && value !== 'gpujs') throw new TypeError(`--backend: expected 'cpu' or 'gpujs', got ${JSON.stringify(value)}`);
        backend = value;
        break;
      case '--mode':
        if (value === undefined || !GPUJS_MODES.includes(value)) throw new TypeError(`--mode: expected one of ${GPUJS_MODES.join(', ')}, got ${JSON.stringify(value)}`);
        mode = value;
        break;
      case '--seed':
        seed = positiveInteger('--seed', value, true);
        break;
      case '--epochs':
        epochs = positiveInteger('--epochs', value);
        break;
      case '--out':
        if (value === undefined || value === '') throw new TypeError('--out: expected a directory');
        outDir = value;
        break;
      default:
        throw new TypeError(`unknown flag ${JSON.stringify(name)}; flags are --backend, --mode, --seed, --epochs, --out, --quiet`);
    }
  }
  return { backend, mode: mode as GpuJsMode, seed, epochs, outDir, quiet };
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
