import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '@lossgraph/tensor';

// The ```ts blocks of the guide and of the READMEs run against the packages' sources, as vitest
// resolves `@lossgraph/*` for every test: documentation that no longer runs fails here.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const documents = ['docs/guide/backprop.md', 'README.md', ...['tensor', 'autograd', 'loss', 'nn', 'lab'].map((pkg) => `packages/${pkg}/README.md`)];
const blocksOf = (doc: string): string[] =>
  [...readFileSync(join(root, doc), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const workDir = mkdtempSync(join(tmpdir(), 'lossgraph-guide-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function toRunnable(source: string): string {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return js
    .replace(/from '@lossgraph\/(\w+)'/g, (_, pkg: string) => `from '${pathToFileURL(join(root, `packages/${pkg}/src/index.ts`)).href}'`)
    // zod is the loss package's own dependency: resolve it from there, as a user's install would.
    .replace(/from 'zod'/g, `from '${pathToFileURL(createRequire(join(root, 'packages/loss/package.json')).resolve('zod')).href}'`);
}

// A block may switch backends (the README's backends section does); the next starts on cpu again.
afterEach(() => setBackend('cpu'));

describe.each(documents)('%s', (doc) => {
  const blocks = blocksOf(doc);

  it('has code blocks to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(doc.startsWith('docs/') ? 4 : 1);
  });

  blocks.forEach((block, i) => {
    it(`code block ${i + 1} runs and its assertions hold`, async () => {
      const file = join(workDir, `${doc.replace(/[/.]/g, '-')}-block${i + 1}.mjs`);
      writeFileSync(file, toRunnable(block));
      const log = console.log;
      console.log = () => {};
      try {
        await import(pathToFileURL(file).href);
      } finally {
        console.log = log;
      }
    });
  });
});
