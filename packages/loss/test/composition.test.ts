/**
 * The losses hold no gradient code: every loss is composed from autograd ops, so its gradient (and
 * its gradient's gradient) comes from the graph. This test reads each source file of
 * packages/loss/src with the TypeScript parser and enforces three rules:
 *
 * 1. nothing that defines or runs a backward pass is imported from `@lossgraph/autograd`
 *    (`defineOp`, `recordOp`, `Node`, `runBackward`, `gradients`, `grad`, `valueAndGrad`, ...);
 * 2. from `@lossgraph/tensor` only constant-building and shape helpers are used (a tensor op on
 *    pred's values would bypass the tape);
 * 3. no `.grad` is read and no `.backward()` is called.
 *
 * Each rule is also run on a small in-memory source that breaks it, so the checker itself is
 * shown to catch what it claims to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const sourceDir = fileURLToPath(new URL('../src/', import.meta.url));

/** Autograd exports that define ops or run backward passes: a loss never needs them. */
const forbiddenAutograd = new Set([
  'defineOp', 'recordOp', 'Node', 'OpDef', 'GradRule', 'InputGrad', 'runBackward', 'gradients', 'grad', 'valueAndGrad', 'backwardTrace',
]);

/**
 * Tensor exports a loss may use: building constants (labels, masks, indices), reading integer
 * inputs on the host for their checks, describing shapes, and validating options.
 */
const allowedTensor = new Set([
  'Tensor', 'tensor', 'toTensor', 'hostArray', 'cast', 'formatShape', 'reducedShape', 'shapesEqual', 'sizeOf',
  'parseOptions', 'parseArgument', 'describeValue',
]);

/** Every breach of the three rules in one source text, as readable lines. */
function violations(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const tensorNamespaces = new Set<string>();
  const where = (node: ts.Node): string => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
      if (from === '@lossgraph/tensor') tensorNamespaces.add(bindings.name.text);
      if (from === '@lossgraph/autograd') found.push(`${where(statement)} imports all of @lossgraph/autograd as a namespace`);
      continue;
    }
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      if (element.isTypeOnly) continue;
      const imported = (element.propertyName ?? element.name).text;
      if (from === '@lossgraph/autograd' && forbiddenAutograd.has(imported)) {
        found.push(`${where(element)} imports ${imported} from @lossgraph/autograd`);
      }
      if (from === '@lossgraph/tensor' && !allowedTensor.has(imported)) {
        found.push(`${where(element)} imports ${imported} from @lossgraph/tensor`);
      }
    }
  }

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const member = node.name.text;
      if (ts.isIdentifier(node.expression) && tensorNamespaces.has(node.expression.text) && !allowedTensor.has(member)) {
        // A type position (T.DType) computes nothing; only values are restricted.
        if (!ts.isTypeReferenceNode(node.parent) && !ts.isExpressionWithTypeArguments(node.parent)) {
          found.push(`${where(node)} uses ${node.expression.text}.${member} from @lossgraph/tensor`);
        }
      }
      if (member === 'grad') found.push(`${where(node)} reads .grad`);
      if (member === 'backward' && ts.isCallExpression(node.parent)) found.push(`${where(node)} calls .backward()`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('losses are composed from autograd ops, with no gradient code', () => {
  const files = readdirSync(sourceDir).filter((name) => name.endsWith('.ts'));

  it('finds the loss sources', () => {
    expect(files).toContain('softmax-ce.ts');
    expect(files).toContain('ctc.ts');
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s breaks none of the rules', (name) => {
    expect(violations(name, readFileSync(join(sourceDir, name), 'utf8'))).toEqual([]);
  });

  it('catches an op definition imported from autograd', () => {
    const text = "import { defineOp, mul } from '@lossgraph/autograd';\nexport const f = defineOp;";
    expect(violations('bad.ts', text)).toEqual(['bad.ts:1 imports defineOp from @lossgraph/autograd']);
  });

  it('catches a tensor op used on values, by name or through the namespace', () => {
    const named = "import { exp } from '@lossgraph/tensor';";
    expect(violations('bad.ts', named)).toEqual(['bad.ts:1 imports exp from @lossgraph/tensor']);
    const namespaced = "import * as T from '@lossgraph/tensor';\nconst s: T.Shape = [];\nconst y = T.exp(T.tensor([1]));";
    expect(violations('bad.ts', namespaced)).toEqual(['bad.ts:3 uses T.exp from @lossgraph/tensor']);
  });

  it('catches reading gradients and calling backward', () => {
    const text = 'export function f(v: { grad: unknown; backward(): void }) {\n  v.backward();\n  return v.grad;\n}';
    expect(violations('bad.ts', text)).toEqual(['bad.ts:2 calls .backward()', 'bad.ts:3 reads .grad']);
  });
});
