import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setBackend, type GpuJsMode } from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';

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
    .replace(/from '(zod(?:\/mini)?)'/g, (_, specifier: string) => `from '${pathToFileURL(createRequire(join(root, 'packages/loss/package.json')).resolve(specifier)).href}'`);
}

// Every block runs on cpu and on gpujs (webasm everywhere; headlessgl with an X display, which
// CI has): the docs promise the same code on every backend. A block may switch backends (the
// README's backends section does); the next starts on the backend under test again.
type BackendUnderTest = { label: string; select: () => void; unavailable: string | null };

function gpujsBackend(mode: GpuJsMode): BackendUnderTest {
  const select = (): void => void setBackend('gpujs', { mode });
  let unavailable: string | null = null;
  if (mode === 'headlessgl' && !process.env.DISPLAY) unavailable = 'no X display (run under `xvfb-run -a`)';
  else {
    try {
      select();
    } catch (e) {
      unavailable = (e as Error).message;
    } finally {
      setBackend('cpu');
    }
  }
  return { label: `gpujs ${mode}`, select, unavailable };
}

const backends: BackendUnderTest[] = [
  { label: 'cpu', select: () => void setBackend('cpu'), unavailable: null },
  gpujsBackend('webasm'),
  gpujsBackend('headlessgl'),
];

afterEach(() => setBackend('cpu'));

describe.each(backends)('on $label', ({ label, select, unavailable }) => {
  if (unavailable !== null && !process.env.CI) {
    console.log(`docs on ${label} skipped: ${unavailable}`);
    return;
  }
  beforeEach(() => {
    if (unavailable !== null) throw new Error(`${label} is unavailable: ${unavailable}`);
    select();
  });

  describe.each(documents)('%s', (doc) => {
    const blocks = blocksOf(doc);

    it('has code blocks to run', () => {
      expect(blocks.length).toBeGreaterThanOrEqual(doc.startsWith('docs/') ? 4 : 1);
    });

    blocks.forEach((block, i) => {
      // A float64 gradient check is cpu work by design (float64 is a cpu-backend type; gpujs
      // refuses it with an error saying so): such a block runs on cpu only.
      const cpuOnly = block.includes("'float64'") && /gradcheck/i.test(block);
      if (cpuOnly && label !== 'cpu') return;
      it(`code block ${i + 1} runs and its assertions hold`, async () => {
        const file = join(workDir, `${label.replace(/ /g, '-')}-${doc.replace(/[/.]/g, '-')}-block${i + 1}.mjs`);
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
});
