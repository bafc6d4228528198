import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// The guide's code blocks run against the packages' sources, as vitest resolves `@lossgraph/*` for every test.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const guide = readFileSync(join(root, 'docs/guide/backprop.md'), 'utf8');
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const workDir = mkdtempSync(join(tmpdir(), 'lossgraph-guide-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function toRunnable(source: string): string {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return js.replace(/from '@lossgraph\/(\w+)'/g, (_, pkg: string) => `from '${pathToFileURL(join(root, `packages/${pkg}/src/index.ts`)).href}'`);
}

describe('docs/guide/backprop.md', () => {
  it('has code blocks to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  blocks.forEach((block, i) => {
    it(`code block ${i + 1} runs and its assertions hold`, async () => {
      const file = join(workDir, `block${i + 1}.mjs`);
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
