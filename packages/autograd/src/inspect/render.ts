import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import type { GraphDescription, GraphEdge, GraphNode, GraphScope } from './graph.js';
import type { TensorSummary } from './summary.js';
import type { BackwardTrace } from './trace.js';
import { describeValue } from './summary.js';

/**
 * Zod schema of {@link RenderOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * renderOptionsSchema.parse({ direction: 'LR' });   // { values: true, gradients: true, collapse: false, direction: 'LR' }
 * ```
 */
export const renderOptionsSchema = z.strictObject({
  /** Show a value line (a small tensor's values, else min/max/mean) in each label. Default true. */
  values: z._default(z.boolean(), true),
  /** Show a gradient line in each label where the description has a gradient. Default true. */
  gradients: z._default(z.boolean(), true),
  /**
   * Draw scopes as single composite nodes instead of boxes around their ops: `true` folds every
   * outermost scope, a list of names folds the outermost scopes with those names. Default false.
   */
  collapse: z._default(z.union([z.boolean(), z.readonly(z.array(z.string()))], { error: 'expected a boolean or an array of scope names' }), false),
  /** Layout direction: top to bottom (default) or left to right. */
  direction: z._default(z.enum(['TB', 'LR']), 'TB'),
});

/**
 * Options shared by {@link toDot} and {@link toMermaid}: `values`, `gradients`, `collapse`, `direction`.
 *
 * @example
 * ```ts
 * toDot(graphOf(y), { values: true, gradients: false } satisfies RenderOptions);
 * ```
 */
export type RenderOptions = z.input<typeof renderOptionsSchema>;

/** Formats a number compactly for labels and traces (4 significant digits). @internal */
export function formatNumber(x: number | null): string {
  if (x === null) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const s = x.toPrecision(4);
  return s.includes('e') ? s.replace(/\.?0+e/, 'e') : s.replace(/\.?0+$/, '');
}

function formatNested(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(formatNested).join(', ')}]` : formatNumber(v as number);
}

/**
 * A one-line digest of a summary: all values when they fit (at most `inline` elements),
 * else min, max and mean. @internal
 */
export function formatSummary(s: TensorSummary, inline = 6): string {
  if (s.values !== null && s.size <= inline) return formatNested(s.values);
  return `min ${formatNumber(s.min)} max ${formatNumber(s.max)} mean ${formatNumber(s.mean)}`;
}

/** `[2, 3]` for a shape, `[]` for a scalar. @internal */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

interface RenderSettings {
  values: boolean;
  gradients: boolean;
  collapse: boolean | readonly string[];
  direction: 'TB' | 'LR';
}

function readRenderOptions(graph: GraphDescription, options: RenderOptions | undefined, caller: string): RenderSettings {
  if (graph === null || typeof graph !== 'object' || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges) || !Array.isArray(graph.scopes)) {
    throw new TypeError(`${caller}: graph must be a description made by graphOf, got ${describeValue(graph)}`);
  }
  return T.parseOptions(caller, renderOptionsSchema, options ?? {});
}

/** The text lines of a node's label, unescaped. */
function labelLines(n: GraphNode, settings: RenderSettings): string[] {
  const title = n.kind === 'op' && n.name !== null ? `${n.name} = ${n.op} #${n.id}` : n.label;
  const lines = [title, `${formatShape(n.shape)} ${n.dtype}`];
  if (settings.values && n.value !== null) lines.push(`value ${formatSummary(n.value)}`);
  if (settings.gradients && n.grad !== null) lines.push(`grad ${formatSummary(n.grad)}`);
  return lines;
}

/**
 * What each node is drawn as once scopes are folded: itself, or the outermost folded scope that
 * contains it.
 */
function foldedRepresentatives(graph: GraphDescription, collapse: boolean | readonly string[]): { repOf: Map<number, string>; folded: Set<number> } {
  const scopeById = new Map(graph.scopes.map((s) => [s.id, s]));
  const folded = new Set<number>();
  const isFolded = (s: GraphScope): boolean => collapse === true || (Array.isArray(collapse) && collapse.includes(s.name));
  const repOf = new Map<number, string>();
  for (const n of graph.nodes) {
    let rep = `v${n.id}`;
    for (let s = n.scope === null ? undefined : scopeById.get(n.scope); s !== undefined; s = s.parent === null ? undefined : scopeById.get(s.parent)) {
      // `true` folds outermost scopes only; walking outwards, the last match is the outermost.
      if (isFolded(s) && (collapse !== true || s.parent === null)) {
        rep = `s${s.id}`;
        folded.add(s.id);
      }
    }
    repOf.set(n.id, rep);
  }
  return { repOf, folded };
}

function foldedEdges(graph: GraphDescription, repOf: Map<number, string>): { from: string; to: string; edge: GraphEdge }[] {
  const arity = new Map<number, number>();
  for (const e of graph.edges) arity.set(e.to, (arity.get(e.to) ?? 0) + 1);
  const seen = new Set<string>();
  const out: { from: string; to: string; edge: GraphEdge }[] = [];
  for (const e of graph.edges) {
    const from = repOf.get(e.from)!;
    const to = repOf.get(e.to)!;
    if (from === to) continue;
    // Only an op with several operands needs the operand's position (sub, div, matmul...).
    const showIndex = to === `v${e.to}` && arity.get(e.to)! >= 2;
    const key = `${from}>${to}>${showIndex ? e.inputIndex : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ from, to, edge: showIndex ? e : { ...e, inputIndex: -1 } });
  }
  return out;
}

/**
 * Escapes text for a double-quoted DOT string: backslashes and quotes, line breaks as `\n`, and
 * `<>{}|` (which record-shaped labels would read as structure) with a backslash; `&` becomes
 * `&amp;` so that Graphviz does not read the text as an entity.
 *
 * @param text - any text
 * @returns the escaped text, without the surrounding quotes
 *
 * @example
 * ```ts
 * escapeDot('a"b<c>');   // 'a\\"b\\<c\\>'
 * ```
 */
export function escapeDot(text: string): string {
  return String(text)
    .replace(/[\\"<>{}|]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r\n|\r|\n/g, '\\n')
    // Other control characters have no meaning in a label and some break the DOT lexer.
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/**
 * Escapes text for a double-quoted Mermaid label: the characters that could end the label or be
 * read as markup (`"`, `&`, `<`, `>`, `{`, `}`, `|`, backtick, and a `#` that would start an
 * entity code such as `#35;`) become entity codes (`#34;`...), and line breaks become `<br/>`.
 *
 * @param text - any text
 * @returns the escaped text, without the surrounding quotes
 *
 * @example
 * ```ts
 * escapeMermaid('a"b<c>');   // 'a#34;b#60;c#62;'
 * ```
 */
export function escapeMermaid(text: string): string {
  return String(text)
    .replace(/["&<>{}|`]|#(?=[A-Za-z0-9]+;)/g, (c) => `#${c.charCodeAt(0)};`)
    .replace(/\r\n|\r|\n/g, '<br/>')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/**
 * Renders a graph description as Graphviz DOT. Each scope is a `subgraph cluster_s<id>` box
 * labelled with its name, nested as the scopes are (or, with `collapse`, one `box3d` node), leaves
 * are ellipses, constants are dashed, the outputs have a double border, and an edge into an op
 * with several operands carries the operand's position as `headlabel`. Every name and value is
 * escaped with {@link escapeDot}.
 *
 * @param graph - a description from {@link graphOf}
 * @param options - `values`, `gradients`, `collapse`, `direction`
 * @returns the DOT source (`dot -Tsvg` draws it)
 * @throws TypeError for a bad graph or bad options
 *
 * @example
 * ```ts
 * const dot = toDot(graphOf(loss), { collapse: ['SoftmaxCrossEntropy'] });
 * ```
 */
export function toDot(graph: GraphDescription, options?: RenderOptions): string {
  const settings = readRenderOptions(graph, options, 'toDot');
  const { repOf, folded } = foldedRepresentatives(graph, settings.collapse);
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const scopeById = new Map(graph.scopes.map((s) => [s.id, s]));
  const lines: string[] = [
    'digraph lossgraph {',
    `  rankdir=${settings.direction};`,
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const quote = (lines_: string[]): string => `"${lines_.map(escapeDot).join('\\n')}"`;
  const nodeLine = (n: GraphNode, indent: string): string => {
    const attrs = [`label=${quote(labelLines(n, settings))}`];
    if (n.kind === 'leaf') attrs.push('shape=ellipse');
    if (n.kind === 'constant') attrs.push('shape=ellipse', 'style=dashed');
    if (n.isOutput) attrs.push('peripheries=2');
    return `${indent}v${n.id} [${attrs.join(', ')}];`;
  };
  const emitScope = (s: GraphScope, indent: string): void => {
    if (folded.has(s.id)) {
      const outs = s.outputs.map((id) => formatShape(nodeById.get(id)!.shape)).join(' ');
      lines.push(`${indent}s${s.id} [label=${quote([s.name, `${s.nodes.length + countNested(s, scopeById)} nodes`, `out ${outs}`])}, shape=box3d, style=filled, fillcolor="#e8eefc"${containsOutput(graph, s) ? ', peripheries=2' : ''}];`);
      return;
    }
    lines.push(`${indent}subgraph cluster_s${s.id} {`);
    lines.push(`${indent}  label=${quote([s.name])};`);
    lines.push(`${indent}  style="rounded,dashed";`);
    for (const id of s.nodes) lines.push(nodeLine(nodeById.get(id)!, `${indent}  `));
    for (const child of s.children) emitScope(scopeById.get(child)!, `${indent}  `);
    lines.push(`${indent}}`);
  };
  for (const id of graph.rootNodes) lines.push(nodeLine(nodeById.get(id)!, '  '));
  for (const id of graph.rootScopes) emitScope(scopeById.get(id)!, '  ');
  for (const { from, to, edge } of foldedEdges(graph, repOf)) {
    lines.push(edge.inputIndex < 0 ? `  ${from} -> ${to};` : `  ${from} -> ${to} [headlabel="${edge.inputIndex}"];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function containsOutput(graph: GraphDescription, s: GraphScope): boolean {
  return s.outputs.some((id) => graph.outputs.includes(id));
}

function countNested(s: GraphScope, scopeById: Map<number, GraphScope>): number {
  let total = 0;
  for (const child of s.children) {
    const c = scopeById.get(child)!;
    total += c.nodes.length + countNested(c, scopeById);
  }
  return total;
}

/**
 * Renders a graph description as a Mermaid flowchart. Each scope is a `subgraph s<id>["name"]`
 * … `end` block, nested as the scopes are (or, with `collapse`, one `[[subroutine]]` node);
 * leaves are stadiums, constants parallelograms, outputs get the `output` class, and an edge into
 * an op with several operands is labelled with the operand's position. Every name and value is
 * escaped with {@link escapeMermaid}.
 *
 * @param graph - a description from {@link graphOf}
 * @param options - `values`, `gradients`, `collapse`, `direction`
 * @returns the Mermaid source
 * @throws TypeError for a bad graph or bad options
 *
 * @example
 * ```ts
 * const md = '```mermaid\n' + toMermaid(graphOf(loss)) + '```';
 * ```
 */
export function toMermaid(graph: GraphDescription, options?: RenderOptions): string {
  const settings = readRenderOptions(graph, options, 'toMermaid');
  const { repOf, folded } = foldedRepresentatives(graph, settings.collapse);
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const scopeById = new Map(graph.scopes.map((s) => [s.id, s]));
  const lines: string[] = [`flowchart ${settings.direction}`];
  const text = (parts: string[]): string => `"${parts.map(escapeMermaid).join('<br/>')}"`;
  const nodeLine = (n: GraphNode, indent: string): string => {
    const label = text(labelLines(n, settings));
    if (n.kind === 'leaf') return `${indent}v${n.id}([${label}])`;
    if (n.kind === 'constant') return `${indent}v${n.id}[/${label}/]`;
    return `${indent}v${n.id}[${label}]`;
  };
  const emitScope = (s: GraphScope, indent: string): void => {
    if (folded.has(s.id)) {
      const outs = s.outputs.map((id) => formatShape(nodeById.get(id)!.shape)).join(' ');
      lines.push(`${indent}s${s.id}[[${text([s.name, `${s.nodes.length + countNested(s, scopeById)} nodes`, `out ${outs}`])}]]`);
      return;
    }
    lines.push(`${indent}subgraph s${s.id}[${text([s.name])}]`);
    for (const id of s.nodes) lines.push(nodeLine(nodeById.get(id)!, `${indent}  `));
    for (const child of s.children) emitScope(scopeById.get(child)!, `${indent}  `);
    lines.push(`${indent}end`);
  };
  for (const id of graph.rootNodes) lines.push(nodeLine(nodeById.get(id)!, '  '));
  for (const id of graph.rootScopes) emitScope(scopeById.get(id)!, '  ');
  for (const { from, to, edge } of foldedEdges(graph, repOf)) {
    lines.push(edge.inputIndex < 0 ? `  ${from} --> ${to}` : `  ${from} -->|${edge.inputIndex}| ${to}`);
  }
  const outputs = graph.outputs.map((id) => repOf.get(id)).filter((r): r is string => r !== undefined);
  if (outputs.length > 0) {
    lines.push('  classDef output stroke-width:3px');
    lines.push(`  class ${[...new Set(outputs)].join(',')} output`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Serialises a graph description or a backward trace as JSON. Strings are escaped by
 * `JSON.stringify`; NaN and infinities, which JSON cannot hold, are written as the strings
 * `"NaN"`, `"Infinity"` and `"-Infinity"` rather than silently becoming `null`.
 *
 * @param description - from {@link graphOf} or {@link backwardTrace}
 * @param indent - spaces per level (default 2; 0 for one line)
 * @returns the JSON text
 *
 * @example
 * ```ts
 * fs.writeFileSync('graph.json', toJSON(graphOf(loss)));
 * ```
 */
export function toJSON(description: GraphDescription | BackwardTrace, indent = 2): string {
  if (description === null || typeof description !== 'object') throw new TypeError(`toJSON: description must be a graph description or a backward trace, got ${describeValue(description)}`);
  if (!Number.isInteger(indent) || indent < 0) throw new TypeError(`toJSON: indent must be a non-negative integer, got ${JSON.stringify(indent)}`);
  return JSON.stringify(description, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), indent);
}
