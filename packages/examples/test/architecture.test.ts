/**
 * Architecture rules that hold across every package, read from the sources with the TypeScript
 * parser (as packages/loss/test/composition.test.ts reads the losses):
 *
 * 1. No import cycle inside any package's `src/`, except the one the design allows: autograd's
 *    `variable.ts` ↔ `engine.ts` (a Variable's `backward` runs the engine, the engine walks
 *    Variables). Cycles between packages are impossible already: each package imports only the
 *    packages below it, through their public entry points. A cycle works only as long as nothing
 *    on it is used while the modules load; one added top-level line can break it at run time
 *    ("Cannot access 'exp' before initialization"), so none is allowed.
 * 2. No test outside packages/tensor reads `Tensor.storage`: the storage is the backend's own, and
 *    a test above the tensor layer asks what it needs through the tensor package's API instead.
 *
 * Each rule also runs on small in-memory sources that break it, so the checkers are shown to catch
 * what they claim to.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const packageNames = readdirSync(packagesDir).filter((name) => existsSync(join(packagesDir, name, 'src')));

/** The cycles the design allows, each as its files relative to packages/ in sorted order. */
const allowedCycles = new Set([['autograd/src/engine.ts', 'autograd/src/variable.ts'].join(' <-> ')]);

function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, ext));
    else if (ext.test(entry)) out.push(path);
  }
  return out;
}

/**
 * The relative modules a source imports or re-exports at run time (type-only imports and exports
 * are erased by the compiler, so they cannot take part in a load-time cycle).
 */
function runtimeImports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      if (clause !== undefined && clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)) continue;
      specifier = statement.moduleSpecifier;
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const clause = statement.exportClause;
      if (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)) continue;
      specifier = statement.moduleSpecifier;
    }
    if (specifier !== undefined && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) found.push(specifier.text);
  }
  return found;
}

/** Maps an import specifier ('./ops/elementwise.js') to the TypeScript file it names, if any. */
function resolveSpecifier(fromFile: string, specifier: string, exists: (path: string) => boolean): string | null {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (exists(candidate)) return candidate;
  }
  return null;
}

/** Every cycle of the import graph, one per strongly connected component of two or more files (or a file importing itself). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm, iterative enough for a source tree (recursion depth = longest import chain).
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return components;
}

/** The import graph of one package's src/, files named relative to packages/. */
function packageGraph(name: string): Map<string, string[]> {
  const files = filesUnder(join(packagesDir, name, 'src'), /\.ts$/);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = runtimeImports(file, readFileSync(file, 'utf8'))
      .map((s) => resolveSpecifier(file, s, (p) => known.has(p)))
      .filter((p): p is string => p !== null);
    graph.set(relative(packagesDir, file), targets.map((t) => relative(packagesDir, t)));
  }
  return graph;
}

/** The places in one source text that read a `.storage` property. */
function storageReads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const readsStorage =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'storage') ||
      (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && node.argumentExpression.text === 'storage');
    if (readsStorage) found.push(`${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture: no import cycles inside a package', () => {
  for (const name of packageNames) {
    it(`${name}/src has no import cycle other than the allowed ones`, () => {
      const cycles = importCycles(packageGraph(name)).map((c) => c.join(' <-> ')).filter((c) => !allowedCycles.has(c));
      expect(cycles, 'import cycles (break each by moving the shared piece into a module both can import)').toEqual([]);
    });
  }

  it('the checker finds a two-file cycle, a longer one and a self-import, and ignores type-only imports', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']], ['b', ['a']],
      ['c', ['d']], ['d', ['e']], ['e', ['c']],
      ['f', ['f']],
      ['g', ['a']],
    ]);
    expect(importCycles(graph).map((c) => c.join(','))).toEqual(['a,b', 'c,d,e', 'f']);
    const text = [
      "import type { A } from './types.js';",
      "import { type B, type C } from './types2.js';",
      "import { d } from './d.js';",
      "import * as T from '@lossgraph/tensor';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "import './side-effect.js';",
    ].join('\n');
    expect(runtimeImports('x.ts', text)).toEqual(['./d.js', './e.js', './side-effect.js']);
  });
});

describe('architecture: Tensor.storage stays inside the tensor package', () => {
  it('no test outside packages/tensor reads .storage', () => {
    const found: string[] = [];
    for (const name of packageNames.filter((n) => n !== 'tensor')) {
      const testDir = join(packagesDir, name, 'test');
      if (!existsSync(testDir)) continue;
      for (const file of filesUnder(testDir, /\.ts$/)) {
        if (file === fileURLToPath(import.meta.url)) continue;
        found.push(...storageReads(relative(packagesDir, file), readFileSync(file, 'utf8')));
      }
    }
    expect(found, 'tests that read Tensor.storage (use the tensor package API instead)').toEqual([]);
  });

  it('the checker finds dotted and bracketed reads', () => {
    expect(storageReads('t.ts', 'const a = x.storage;\nconst b = y["storage"];\nconst c = z.storageKind;')).toEqual(['t.ts:1', 't.ts:2']);
  });
});
