#!/usr/bin/env node
// One-off codemod (issue 14): rewrites classic zod method chains into zod/mini's functional form, so
// that a branch written against classic zod merges mechanically. Run from the repository root:
//   node scripts/zod-mini-codemod.mjs [files or folders ...]   (default: packages/*/src)
// Rewrites, using the type checker to find zod's own methods:
//   x.int().positive()  -> x.check(z.int(), z.positive())   (and nonnegative, lt, gt, min/max, regex, refine, describe)
//   x.default(v)        -> z._default(x, v)                  (and optional, nullable, nullish, readonly, extend)
// and `import * as z from 'zod'` (or `import { z } from 'zod'`) -> `import * as z from 'zod/mini'`.
// Comments (doc examples) are left alone: fix those by hand.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = process.cwd();
const args = process.argv.slice(2);
const targets = (args.length > 0 ? args : readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'src'))).map((p) => resolve(root, p));
const files = [];
const walk = (p) => {
  let s;
  try { s = statSync(p); } catch { return; }
  if (s.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && /from 'zod(\/mini)?'/.test(readFileSync(p, 'utf8'))) files.push(p);
};
targets.forEach(walk);

const config = ts.readConfigFile(join(root, 'tsconfig.test.json'), ts.sys.readFile).config;
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
const program = ts.createProgram(files, { ...options, noEmit: true });
const checker = program.getTypeChecker();

const CHECKS = { int: 'int', positive: 'positive', nonnegative: 'nonnegative', negative: 'negative', nonpositive: 'nonpositive',
  lt: 'lt', gt: 'gt', lte: 'lte', gte: 'gte', regex: 'regex', refine: 'refine', describe: 'describe', meta: 'meta', length: 'length' };
const WRAPPERS = { default: '_default', optional: 'optional', nullable: 'nullable', nullish: 'nullish', readonly: 'readonly', extend: 'extend' };

const ZOD_FILE = /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?zod\//;

/** The zod interface a method is declared on (ZodNumber, ZodArray, ...), or null when not zod's. */
function zodOwner(access) {
  const symbol = checker.getSymbolAtLocation(access.name);
  const decl = symbol?.declarations?.[0];
  if (decl === undefined) {
    // A classic method missing on a zod/mini schema (code written before this change, checked after it).
    const receiver = checker.getTypeAtLocation(access.expression).getSymbol()?.declarations?.[0];
    return receiver !== undefined && ZOD_FILE.test(receiver.getSourceFile().fileName) ? (receiver.name?.getText() ?? '') : null;
  }
  if (!ZOD_FILE.test(decl.getSourceFile().fileName)) return null;
  // Methods only: z.int() and the other functions of the namespace itself are already in the new form.
  const owner = decl.parent;
  return owner && (ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)) ? owner.name?.text ?? '' : null;
}

function generic(node, sf) {
  const text = node.getText(sf);
  const start = node.getStart(sf);
  const edits = [];
  const visit = (child) => {
    if (ts.isCallExpression(child) && ts.isPropertyAccessExpression(child.expression) && zodOwner(child.expression) !== null) {
      const out = finish(chain(child, sf));
      if (out !== child.getText(sf)) edits.push([child.getStart(sf) - start, child.getEnd() - start, out]);
      return;
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  let result = text;
  for (const [a, b, out] of edits.sort((x, y) => y[0] - x[0])) result = result.slice(0, a) + out + result.slice(b);
  return result;
}

const finish = ({ base, checks }) => (checks.length > 0 ? `${base}.check(${checks.join(', ')})` : base);

function chain(node, sf) {
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const owner = zodOwner(node.expression);
    const name = node.expression.name.text;
    if (owner !== null) {
      const argText = node.arguments.map((a) => generic(a, sf).trim()).join(', ');
      if (name in WRAPPERS) {
        const inner = finish(chain(node.expression.expression, sf));
        return { base: `z.${WRAPPERS[name]}(${inner}${argText ? `, ${argText}` : ''})`, checks: [] };
      }
      let check = CHECKS[name];
      if (name === 'min' || name === 'max') check = /Number|Big/.test(owner) ? (name === 'min' ? 'minimum' : 'maximum') : `${name}Length`;
      if (check !== undefined) {
        const inner = chain(node.expression.expression, sf);
        return { base: inner.base, checks: [...inner.checks, `z.${check}(${argText})`] };
      }
      if (!['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'check', 'with', 'register', 'clone', 'brand'].includes(name) && !/^z\s*\.\s*\w+$/.test(node.expression.getText(sf).replace(/\s+/g, ''))) {
        console.warn(`${sf.fileName}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: zod method .${name}() on ${owner} left as is`);
      }
    }
  }
  // z\n  .enum(...) written over lines: join the root onto one line.
  return { base: generic(node, sf).replace(/^z\s*\n\s*\./, 'z.'), checks: [] };
}

let changed = 0;
for (const file of files) {
  const sf = program.getSourceFile(file);
  let out = generic(sf, sf);
  // Keep the file's leading trivia (the header comment) that getText drops.
  out = sf.getFullText().slice(0, sf.getStart(sf)) + out + (sf.getFullText().endsWith('\n') && !out.endsWith('\n') ? '\n' : '');
  out = out.replace(/import (type )?(?:\* as z|\{ z \}) from 'zod';/g, (_, type) => `import ${type ?? ''}* as z from 'zod/mini';`);
  // Types: the core interfaces, which classic and mini schemas both implement.
  out = out.replace(/\bz\.ZodType\b/g, 'z.core.$ZodType').replace(/\bz\.ZodRawShape\b/g, 'z.core.$ZodShape').replace(/\bz\.Zod(Object|Number|Default|Array|String|Boolean)\b/g, 'z.ZodMini$1');
  // A type-only import no longer does once a method became a function call (lossOptionsSchema.extend -> z.extend).
  if (/\bz\.[a-z_]+\(/.test(out)) out = out.replace("import type * as z from 'zod/mini';", "import * as z from 'zod/mini';");
  if (out !== sf.getFullText()) {
    writeFileSync(file, out);
    changed++;
  }
}
console.log(`zod-mini-codemod: ${changed} of ${files.length} files rewritten`);
