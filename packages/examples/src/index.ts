/**
 * Runnable lossgraph programs. Each example is its own entry point under `dist/` (run it with
 * its root pnpm script, e.g. `pnpm digits -- --backend gpujs`) and exports a `run(options)`
 * function that returns its metrics, so tests call it directly. This module only names them.
 *
 * @packageDocumentation
 */

/**
 * The examples this package ships, by the name of their pnpm script and of their `dist/<name>.js`.
 * @example `EXAMPLES.includes('digits')   // true`
 */
export const EXAMPLES: readonly string[] = ['demo', 'digits', 'zoo', 'custom-loss', 'ctc', 'triplet', 'explorer', 'worker'];
