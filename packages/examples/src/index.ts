/**
 * Runnable lossgraph programs. Each example is its own entry point under `dist/`; this module
 * only names them.
 *
 * @packageDocumentation
 */

/** The examples this package ships, by the name of their pnpm script. */
export const EXAMPLES: readonly string[] = ['demo'];
