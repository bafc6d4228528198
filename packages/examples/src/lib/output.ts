/**
 * Writing an example's files and running an example from the command line.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Writes `contents` to `dir/name`, creating `dir` first.
 * @returns the path written
 * @example `writeOutput(outDir, 'loss.svg', svg)`
 */
export function writeOutput(dir: string, name: string, contents: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

/**
 * A path for messages: relative to the working directory when that is shorter.
 * @example `displayPath('/work/main/packages/examples/out/digits/loss.svg')`
 */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.length < path.length && !rel.startsWith('..') ? rel : path;
}

/**
 * Whether the module at `moduleUrl` is the script node was started with (the "main guard"), so
 * an example runs when executed and stays quiet when imported by a test.
 *
 * @param moduleUrl - the module's `import.meta.url`
 * @example `if (isMain(import.meta.url)) await main();`
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(resolve(script)) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs an example's CLI entry, printing a clear message and exiting with status 1 on error.
 * @param main - the entry
 * @example `if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));`
 */
export function runMain(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      console.error(err instanceof Error ? `error: ${err.message}` : err);
      process.exit(1);
    });
}
