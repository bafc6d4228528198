/**
 * The API documentation rule of issue 6, enforced. typedoc's zero-warning build (scripts/test.mjs)
 * checks that links resolve; this test checks that the docs are there at all.
 *
 * For every export of packages/{tensor,autograd,loss,nn,lab}/src/index.ts (aliases resolved, each
 * declaration checked once, `@internal` ones skipped as typedoc drops them):
 * - the export has a description (TSDoc text before the tags): on one of its overloads, and on
 *   each kind of declaration it merges (a const and a type of one name both need one);
 * - the export has an `@example` on one of its declarations, holding a fenced code block (```ts) or,
 *   in a one-line doc such as an op table's, bare code (TypeDoc shows a fence-less example as code);
 *   not code in inline backticks, which TypeDoc would show with the backticks;
 * - every parameter of a function, of a function-valued const (arrow/function initialiser), of a
 *   method and of a constructor has a `@param` of that name (a destructured parameter needs none);
 * - public and protected members of exported classes (methods, properties, accessors, constructors
 *   with parameters) are documented: a description, and a `@param` per parameter. A member that
 *   overrides or implements a documented member of a base class or interface inherits that one's
 *   doc, as typedoc does: it needs none of its own, and a note of its own owes no `@param`.
 *   Members of exported interfaces need a description.
 *   Members need no `@example` (the class's or interface's example covers them); one they have
 *   follows the rule above.
 * And for every concrete loss class (a subclass of `Loss`) of packages/loss:
 * - its doc states the formula as inline code starting `L =` (e.g. `` `L = max(0, margin - pred·label)` ``);
 * - every key of its static `schema` has a zod `z.describe('Gluon `gluon_name`: ...')` check, and the class doc
 *   lists it in its "Options (Gluon names in brackets):" part as `` `key` [`gluon_name`, default ...] ``
 *   (its default, or the value it must have, inside the brackets).
 */
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as lossPackage from '@lossgraph/loss';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['tensor', 'autograd', 'loss', 'nn', 'lab'] as const;
const entry = (pkg: string): string => join(root, 'packages', pkg, 'src', 'index.ts');

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

/** The doc of one declaration: its description text and its tags by name. */
interface DeclDoc {
  readonly description: string;
  readonly tags: readonly { readonly name: string; readonly text: string; readonly paramName?: string }[];
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return '';
  if (typeof comment === 'string') return comment;
  return comment.map((c) => c.text ?? '').join('');
}

function docOf(decl: ts.Node): DeclDoc {
  let description = '';
  const tags: { name: string; text: string; paramName?: string }[] = [];
  for (const d of ts.getJSDocCommentsAndTags(decl)) {
    if (!ts.isJSDoc(d)) continue;
    description += commentText(d.comment);
    for (const tag of d.tags ?? []) {
      const entry: { name: string; text: string; paramName?: string } = { name: tag.tagName.text, text: commentText(tag.comment) };
      if (ts.isJSDocParameterTag(tag)) entry.paramName = ts.isIdentifier(tag.name) ? tag.name.text : tag.name.right.text;
      tags.push(entry);
    }
  }
  return { description: description.trim(), tags };
}

/** `path:line` of a declaration's first token (after its doc), for the failure list. */
function where(decl: ts.Node): string {
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  const file = node.getSourceFile();
  const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  return `${relative(root, file.fileName)}:${line}`;
}

const isInternal = (decl: ts.Node): boolean => docOf(decl).tags.some((t) => t.name === 'internal');

/** An `@example` TypeDoc would show with its backticks: no fenced block, and the code in inline backticks (or nothing). */
const INLINE_EXAMPLE = '@example is empty or in inline backticks (use a ```ts block or bare code)';
const isInlineExample = (text: string): boolean => !text.includes('```') && /^\s*`|^\s*$/.test(text);

type Signature = ts.SignatureDeclarationBase & { readonly parameters: ts.NodeArray<ts.ParameterDeclaration> };

/** The parameter names a doc must list: destructured parameters (binding patterns) are exempt. */
function paramNames(sig: Signature): string[] {
  return sig.parameters.filter((p) => ts.isIdentifier(p.name) && p.name.text !== 'this').map((p) => (p.name as ts.Identifier).text);
}

function missingParams(sigs: readonly Signature[], docs: readonly DeclDoc[]): string[] {
  const documented = new Set(docs.flatMap((d) => d.tags.filter((t) => t.name === 'param').map((t) => t.paramName)));
  const missing = new Set<string>();
  for (const sig of sigs) for (const name of paramNames(sig)) if (!documented.has(name)) missing.add(name);
  return [...missing];
}

/** The function signature a declaration stands for, when it is one (a const initialised with a function counts). */
function signatureOf(decl: ts.Declaration): Signature | undefined {
  if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl) || ts.isConstructorDeclaration(decl) || ts.isMethodSignature(decl)) return decl;
  if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined) {
    let init: ts.Expression = decl.initializer;
    while (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
  }
  return undefined;
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

/** Whether a base class or an implemented interface declares a member of this name with a doc (typedoc copies it). */
function inheritsDoc(checker: ts.TypeChecker, cls: ts.ClassDeclaration, name: string, isStatic: boolean): boolean {
  const bases: ts.Type[] = [];
  for (const clause of cls.heritageClauses ?? []) {
    for (const t of clause.types) {
      const type = checker.getTypeAtLocation(t);
      if (isStatic) {
        const sym = checker.getSymbolAtLocation(t.expression);
        if (sym !== undefined) bases.push(checker.getTypeOfSymbolAtLocation(sym, t.expression));
      } else bases.push(type);
    }
  }
  for (const base of bases) {
    const prop = checker.getPropertyOfType(base, name);
    if (prop === undefined) continue;
    if ((prop.getDeclarations() ?? []).some((d) => docOf(d).description.length > 0 || docOf(d).tags.length > 0)) return true;
  }
  return false;
}

function memberName(member: ts.ClassElement | ts.TypeElement): string | undefined {
  if (ts.isConstructorDeclaration(member)) return 'constructor';
  const name = member.name;
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isPrivateIdentifier(name)) return undefined;
  return name.getText();
}

function checkClassMembers(checker: ts.TypeChecker, cls: ts.ClassDeclaration, owner: string, report: (msg: string, at: ts.Node) => void): void {
  // Overloads share one doc: gather each member name's declarations first.
  const byName = new Map<string, ts.ClassElement[]>();
  for (const member of cls.members) {
    if (ts.isClassStaticBlockDeclaration(member) || ts.isSemicolonClassElement(member) || ts.isIndexSignatureDeclaration(member)) continue;
    if (hasModifier(member, ts.SyntaxKind.PrivateKeyword)) continue;
    const name = memberName(member);
    if (name === undefined) continue;
    const isStatic = hasModifier(member, ts.SyntaxKind.StaticKeyword);
    const key = `${isStatic ? 'static ' : ''}${name}`;
    byName.set(key, [...(byName.get(key) ?? []), member]);
  }
  for (const [key, members] of byName) {
    if (members.some(isInternal)) continue;
    const isStatic = key.startsWith('static ');
    const name = isStatic ? key.slice(7) : key;
    const docs = members.map(docOf);
    const sigs = members.map((m) => signatureOf(m)).filter((s): s is Signature => s !== undefined);
    const label = `${owner}.${name}`;
    if (name === 'constructor') {
      // The class's own doc describes what it makes; the constructor owes its parameters.
      const missing = missingParams(sigs, docs);
      if (missing.length > 0) report(`${label}: no @param for ${missing.join(', ')}`, members[0]!);
      continue;
    }
    const inherits = inheritsDoc(checker, cls, name, isStatic);
    if (docs.every((d) => d.description.length === 0 && d.tags.length === 0) && inherits) continue;
    if (docs.every((d) => d.description.length === 0)) report(`${label}: no description`, members[0]!);
    if (docs.some((d) => d.tags.some((t) => t.name === 'example' && isInlineExample(t.text)))) report(`${label}: ${INLINE_EXAMPLE}`, members[0]!);
    // An implementation's own note (e.g. how a backend computes it) need not repeat the parameters
    // its base documents.
    const missing = inherits ? [] : missingParams(sigs, docs);
    if (missing.length > 0) report(`${label}: no @param for ${missing.join(', ')}`, members[0]!);
  }
}

function checkInterfaceMembers(decl: ts.InterfaceDeclaration, owner: string, report: (msg: string, at: ts.Node) => void): void {
  for (const member of decl.members) {
    const name = memberName(member);
    if (name === undefined || isInternal(member)) continue;
    if (ts.isIndexSignatureDeclaration(member) || ts.isCallSignatureDeclaration(member) || ts.isConstructSignatureDeclaration(member)) continue;
    // An interface's overloaded method signatures share one doc.
    const siblings = decl.members.filter((m) => memberName(m) === name);
    if (siblings[0] !== member) continue;
    if (siblings.every((m) => docOf(m).description.length === 0)) report(`${owner}.${name}: no description`, member);
    if (siblings.some((m) => docOf(m).tags.some((t) => t.name === 'example' && isInlineExample(t.text)))) report(`${owner}.${name}: ${INLINE_EXAMPLE}`, member);
  }
}

/**
 * Checks the exports of one entry file of `program`, returning one entry per missing piece
 * (`what`: `export: problem`, `where`: `path:line`). `seen` dedupes declarations re-exported by
 * several packages.
 */
function checkExports(program: ts.Program, entryFile: string, label: string, seen: Set<ts.Node> = new Set()): Problem[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entryFile);
  if (source === undefined) throw new Error(`docs check: ${entryFile} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`docs check: ${entryFile} is not a module`);
  const problems: Problem[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = (symbol.getDeclarations() ?? []).filter((d) => !seen.has(d));
    if (decls.length === 0 || decls.some(isInternal)) continue;
    for (const d of decls) seen.add(d);
    const name = `${label}.${exported.name}`;
    const report = (what: string, at: ts.Node = decls[0]!): void => void problems.push({ what, where: where(at) });
    const docs = decls.map(docOf);
    // Overloads: the implementation signature is not in the docs, and one documented sibling is enough.
    const shown = decls.filter((d) => !(ts.isFunctionDeclaration(d) && d.body !== undefined && decls.filter(ts.isFunctionDeclaration).length > 1));
    const kinds = new Set(shown.map((d) => (ts.isFunctionDeclaration(d) ? 'function' : ts.SyntaxKind[d.kind])));
    for (const kind of kinds) {
      const ofKind = shown.filter((d) => (ts.isFunctionDeclaration(d) ? 'function' : ts.SyntaxKind[d.kind]) === kind);
      if (ofKind.every((d) => docOf(d).description.length === 0)) {
        report(`${name}: no description${kinds.size > 1 ? ` (${kind})` : ''}`, ofKind[0]);
      }
    }
    const examples = docs.flatMap((d) => d.tags.filter((t) => t.name === 'example'));
    if (examples.length === 0) report(`${name}: no @example`);
    else if (examples.some((t) => isInlineExample(t.text))) report(`${name}: ${INLINE_EXAMPLE}`);
    const sigs = decls.map(signatureOf).filter((s): s is Signature => s !== undefined);
    const missing = missingParams(sigs, docs);
    if (missing.length > 0) report(`${name}: no @param for ${missing.join(', ')}`);
    for (const d of decls) {
      if (ts.isClassDeclaration(d)) checkClassMembers(checker, d, name, report);
      if (ts.isInterfaceDeclaration(d)) checkInterfaceMembers(d, name, report);
    }
  }
  return problems;
}

/** One missing piece of documentation and where its declaration is. */
interface Problem {
  readonly what: string;
  readonly where: string;
}

/** The options the packages are compiled with, with `@lossgraph/*` mapped to the sources as the tests are. */
const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
  baseUrl: root,
  paths: Object.fromEntries(PACKAGES.map((p) => [`@lossgraph/${p}`, [`./packages/${p}/src/index.ts`]])),
};

/** The doc of a loss class and the schema describes of its options, as {@link checkLossDoc} reads them. */
interface LossDocInput {
  readonly name: string;
  readonly classDoc: string;
  /** Each option key with its zod `z.describe()` text (undefined when it has none). */
  readonly options: readonly { readonly key: string; readonly describe: string | undefined }[];
}

/** The loss rule: a `L = ...` formula, and each option's Gluon (or, for PyTorch's options, PyTorch) name in its describe and in the class doc. */
function checkLossDoc({ name, classDoc, options }: LossDocInput): string[] {
  const problems: string[] = [];
  if (!/`L(\([^`]*\))? = [^`]+`/.test(classDoc)) problems.push(`${name}: no formula (inline code starting \`L = \`) in the class doc`);
  const optionsPart = classDoc.split(/Options \((?:Gluon|PyTorch|Gluon or PyTorch) names in brackets[^)]*\):/)[1];
  if (optionsPart === undefined && options.length > 0) problems.push(`${name}: no "Options (Gluon names in brackets):" part in the class doc`);
  for (const { key, describe } of options) {
    const gluon = /^(?:Gluon|PyTorch) `([a-z_0-9]+)`/.exec(describe ?? '')?.[1];
    if (gluon === undefined) {
      problems.push(`${name}: option ${key} has no schema .describe('Gluon \`name\`: ...')`);
      continue;
    }
    const listed = new RegExp('`' + key + '`\\s*\\[`' + gluon + '`([^\\]]*)\\]').exec(optionsPart ?? '');
    if (!listed) problems.push(`${name}: the class doc does not list option ${key} as \`${key}\` [\`${gluon}\`...]`);
    else if (!/default|must be/.test(listed[1]!)) problems.push(`${name}: the class doc does not give option ${key}'s default ([\`${gluon}\`, default ...])`);
  }
  return problems;
}

/** Every concrete subclass of `Loss` exported by packages/loss, with its class doc. */
function lossClasses(program: ts.Program): { name: string; classDoc: string }[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry('loss'))!;
  const out: { name: string; classDoc: string }[] = [];
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const cls = (symbol.getDeclarations() ?? []).find(ts.isClassDeclaration);
    if (cls === undefined || symbol.name !== exported.name || hasModifier(cls, ts.SyntaxKind.AbstractKeyword)) continue;
    let isLoss = false;
    for (let t: ts.Type | undefined = checker.getDeclaredTypeOfSymbol(symbol); t !== undefined; ) {
      const base: ts.Type | undefined = checker.getBaseTypes(t as ts.InterfaceType)[0];
      if (base?.getSymbol()?.name === 'Loss') isLoss = true;
      t = base;
    }
    if (isLoss) out.push({ name: exported.name, classDoc: docOf(cls).description });
  }
  return out;
}

/**
 * zod's registry of schema metadata, where `z.describe(...)` puts each description: zod is the loss
 * package's dependency, so it is loaded from there (every copy of zod shares the one registry).
 */
const { globalRegistry } = createRequire(join(root, 'packages/loss/package.json'))('zod/mini') as {
  globalRegistry: { get(schema: object): { description?: string } | undefined };
};

/** The keys of a loss's static zod `schema` and their describe texts, read at run time. */
function schemaOptions(name: string): LossDocInput['options'] | undefined {
  const cls = (lossPackage as Record<string, unknown>)[name] as { schema?: { shape?: Record<string, object> } } | undefined;
  const shape = cls?.schema?.shape;
  if (shape === undefined) return undefined;
  return Object.entries(shape).map(([key, field]) => ({ key, describe: globalRegistry.get(field)?.description }));
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('API docs (issue 6): every export documented, every loss with its formula and Gluon names', () => {
  const program = ts.createProgram(PACKAGES.map(entry), compilerOptions);
  const seen = new Set<ts.Node>();

  for (const pkg of PACKAGES) {
    it(`@lossgraph/${pkg}: every export has a description, an @example and a @param per parameter`, () => {
      // A guard against the walk silently finding nothing.
      const checker = program.getTypeChecker();
      expect(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry(pkg))!)!).length).toBeGreaterThan(10);
      const problems = checkExports(program, entry(pkg), pkg, seen);
      const lines = problems.map((p) => `${p.what}  (${p.where})`);
      expect(lines, `undocumented in @lossgraph/${pkg}:\n${lines.join('\n')}`).toEqual([]);
    });
  }

  it('every loss class states its formula and the Gluon name of each option', () => {
    const classes = lossClasses(program);
    // A guard against the walk silently finding nothing: the Gluon losses are all there.
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['L2Loss', 'L1Loss', 'SoftmaxCrossEntropyLoss', 'CTCLoss', 'TripletLoss']));
    const problems = classes.flatMap(({ name, classDoc }) => {
      const options = schemaOptions(name);
      if (options === undefined) return [`${name}: no static zod \`schema\` to read its options from`];
      return checkLossDoc({ name, classDoc, options });
    });
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the checker reports what is missing (negative check on an in-memory source)', () => {
    const file = join(root, '__docs_check__', 'index.ts');
    const text = [
      '/**',
      ' * Adds two numbers.',
      ' * @param a - the first',
      ' * @example',
      ' * ```ts',
      ' * add(1, 2);   // 3',
      ' * ```',
      ' */',
      'export function add(a: number, b: number): number { return a + b; }',
      '/** Subtracts, with no example. @param a - x @param b - y */',
      'export function sub(a: number, b: number): number { return a - b; }',
      'export const undocumented = 1;',
      '/** Multiplies. @param a - x @param b - y @example `mul(2, 3)` */',
      'export const mul = (a: number, b: number): number => a * b;',
      '/**',
      ' * A counter.',
      ' * @example',
      ' * ```ts',
      ' * new Counter().step(2);',
      ' * ```',
      ' */',
      'export class Counter {',
      '  step(by: number): number { return by; }',
      '  private hidden(): void {}',
      '}',
    ].join('\n');
    const host = ts.createCompilerHost(compilerOptions);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (f) => f === file || ts.sys.fileExists(f);
    host.readFile = (f) => (f === file ? text : readFile(f));
    host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, ...rest));
    const virtual = ts.createProgram([file], { ...compilerOptions, types: [] }, host);
    expect(checkExports(virtual, file, 'virtual').map((p) => p.what)).toEqual([
      'virtual.add: no @param for b',
      'virtual.sub: no @example',
      'virtual.undocumented: no description',
      'virtual.undocumented: no @example',
      'virtual.mul: @example is empty or in inline backticks (use a ```ts block or bare code)',
      'virtual.Counter.step: no description',
      'virtual.Counter.step: no @param for by',
    ]);
  });

  it('the loss rule reports a missing formula, an option without its Gluon name and one without its default', () => {
    expect(
      checkLossDoc({
        name: 'FakeLoss',
        classDoc: 'A loss. Options (Gluon names in brackets): `margin` [`margin`, default 1], `weight` [`weight`].',
        options: [
          { key: 'margin', describe: 'Gluon `margin`: the margin' },
          { key: 'weight', describe: 'Gluon `weight`: the weight' },
          { key: 'fromLogits', describe: 'Gluon `from_logits`: pred holds logits' },
          { key: 'rho', describe: 'the threshold' },
        ],
      }),
    ).toEqual([
      'FakeLoss: no formula (inline code starting `L = `) in the class doc',
      "FakeLoss: the class doc does not give option weight's default ([`weight`, default ...])",
      'FakeLoss: the class doc does not list option fromLogits as `fromLogits` [`from_logits`...]',
      "FakeLoss: option rho has no schema .describe('Gluon `name`: ...')",
    ]);
  });
});
