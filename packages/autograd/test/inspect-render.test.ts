import { describe, expect, it } from 'vitest';
import {
  div, escapeDot, escapeMermaid, exp, graphOf, log, mean, scope, square, sub, sum, toDot, toJSON, toMermaid, variable,
} from '../src/index.js';

const NASTY = 'a"b<c>\n{d}|e';

/** A prediction, a loss scope around three ops, and the loss as output. */
function l2Example() {
  const pred = variable([1, 2, 4], { name: 'pred' });
  const loss = scope('L2Loss', () => mean(square(sub(pred, [1, 1, 1])))).setName('loss');
  const g = graphOf(loss, { gradients: 'compute' });
  const s = g.scopes[0]!;
  const [c, d, sq] = s.nodes;
  return { pred, loss, g, s, c: c!, d: d!, sq: sq! };
}

/** The lines strictly between the line matching `open` and its matching closing line. */
function block(lines: string[], open: string, close: string): string[] {
  const start = lines.findIndex((l) => l.trim() === open);
  expect(start).toBeGreaterThanOrEqual(0);
  const indent = lines[start]!.length - lines[start]!.trimStart().length;
  const end = lines.findIndex((l, i) => i > start && l === `${' '.repeat(indent)}${close}`);
  expect(end).toBeGreaterThan(start);
  return lines.slice(start + 1, end);
}

describe('toDot', () => {
  it('draws each scope as a cluster around its ops, and the edges between ids', () => {
    const { pred, loss, g, s, c, d, sq } = l2Example();
    const dot = toDot(g);
    const lines = dot.split('\n');
    expect(lines[0]).toBe('digraph lossgraph {');
    expect(lines).toContain('  rankdir=TB;');
    expect(dot.endsWith('}\n')).toBe(true);
    const cluster = block(lines, `subgraph cluster_s${s.id} {`, '}');
    expect(cluster[0]).toBe('    label="L2Loss";');
    const ids = cluster.map((l) => /^ {4}v(\d+) \[/.exec(l)?.[1]).filter((x) => x !== undefined).map(Number);
    expect(ids).toEqual([c, d, sq, loss.id]);
    // The leaf is outside the cluster, an ellipse with its value and gradient (2(pred - 1)/3).
    expect(lines).toContain(`  v${pred.id} [label="pred #${pred.id}\\n[3] float32\\nvalue [1, 2, 4]\\ngrad [0, 0.6667, 2]", shape=ellipse];`);
    expect(lines).toContain(`    v${loss.id} [label="loss = mean #${loss.id}\\n[] float32\\nvalue 3.333\\ngrad 1", peripheries=2];`);
    expect(lines.find((l) => l.startsWith(`    v${c} [`))).toMatch(/shape=ellipse, style=dashed\];$/);
    expect(lines).toContain(`  v${pred.id} -> v${d} [headlabel="0"];`);
    expect(lines).toContain(`  v${c} -> v${d} [headlabel="1"];`);
    expect(lines).toContain(`  v${d} -> v${sq};`);
    expect(lines).toContain(`  v${sq} -> v${loss.id};`);
    expect(lines.filter((l) => l.includes('->'))).toHaveLength(4);
  });

  it('nests clusters as scopes nest', () => {
    const x = variable([1, 2], { name: 'x' });
    const y = scope('outer', () => sum(scope('inner', () => exp(x))));
    const g = graphOf(y);
    const [outer, inner] = g.scopes;
    const lines = toDot(g).split('\n');
    const outerBlock = block(lines, `subgraph cluster_s${outer!.id} {`, '}');
    expect(outerBlock).toContain(`    subgraph cluster_s${inner!.id} {`);
    expect(outerBlock).toContain('      label="inner";');
  });

  it('folds a scope into one composite node on request', () => {
    const { pred, g, s } = l2Example();
    const dot = toDot(g, { collapse: ['L2Loss'], values: false, gradients: false });
    expect(dot).not.toContain('cluster_');
    const lines = dot.split('\n');
    expect(lines).toContain(`  s${s.id} [label="L2Loss\\n4 nodes\\nout []", shape=box3d, style=filled, fillcolor="#e8eefc", peripheries=2];`);
    expect(lines.filter((l) => l.includes('->'))).toEqual([`  v${pred.id} -> s${s.id};`]);
    expect(lines).toContain(`  v${pred.id} [label="pred #${pred.id}\\n[3] float32", shape=ellipse];`);
    expect(toDot(g, { collapse: true })).toBe(dot.replace(/\\n\[3\] float32"/, '\\n[3] float32\\nvalue [1, 2, 4]\\ngrad [0, 0.6667, 2]"'));
  });

  it('validates its arguments', () => {
    const { g } = l2Example();
    expect(() => toDot({} as never)).toThrow(/toDot: graph must be a description made by graphOf/);
    expect(() => toDot(g, { collapse: 'L2Loss' as never })).toThrow(/toDot: option 'collapse' is invalid: expected a boolean or an array of scope names \(got "L2Loss"\)/);
    expect(() => toDot(g, { direction: 'BT' as never })).toThrow(/option 'direction' is invalid: Invalid option: expected one of "TB"\|"LR"/);
    expect(toDot(g, { direction: 'LR' })).toContain('  rankdir=LR;');
  });
});

describe('toMermaid', () => {
  it('draws each scope as a subgraph block and the edges between ids', () => {
    const { pred, loss, g, s, c, d, sq } = l2Example();
    const lines = toMermaid(g, { values: false, gradients: false }).split('\n');
    expect(lines[0]).toBe('flowchart TB');
    const sub_ = block(lines, `subgraph s${s.id}["L2Loss"]`, 'end');
    expect(sub_).toEqual([
      `    v${c}[/"const #${c}<br/>[3] float32"/]`,
      `    v${d}["sub #${d}<br/>[3] float32"]`,
      `    v${sq}["square #${sq}<br/>[3] float32"]`,
      `    v${loss.id}["loss = mean #${loss.id}<br/>[] float32"]`,
    ]);
    expect(lines).toContain(`  v${pred.id}(["pred #${pred.id}<br/>[3] float32"])`);
    expect(lines.filter((l) => l.includes('-->'))).toEqual([
      `  v${pred.id} -->|0| v${d}`,
      `  v${c} -->|1| v${d}`,
      `  v${d} --> v${sq}`,
      `  v${sq} --> v${loss.id}`,
    ]);
    expect(lines).toContain(`  class v${loss.id} output`);
  });

  it('folds a scope into one subroutine node on request', () => {
    const { pred, g, s } = l2Example();
    const lines = toMermaid(g, { collapse: true }).split('\n');
    expect(lines).toContain(`  s${s.id}[["L2Loss<br/>4 nodes<br/>out []"]]`);
    expect(lines.filter((l) => l.includes('-->'))).toEqual([`  v${pred.id} --> s${s.id}`]);
    expect(lines.some((l) => l.trimStart().startsWith('subgraph'))).toBe(false);
    expect(lines).toContain(`  class s${s.id} output`);
  });
});

describe('escaping', () => {
  it('escapes names in DOT', () => {
    expect(escapeDot(NASTY)).toBe('a\\"b\\<c\\>\\n\\{d\\}\\|e');
    expect(escapeDot('back\\slash & co')).toBe('back\\\\slash &amp; co');
    const x = variable([1, 2], { name: NASTY });
    const y = scope(NASTY, () => sum(log(x))).setName(NASTY);
    const dot = toDot(graphOf(y));
    const lines = dot.split('\n');
    expect(lines).toContain(`  v${x.id} [label="a\\"b\\<c\\>\\n\\{d\\}\\|e #${x.id}\\n[2] float32\\nvalue [1, 2]", shape=ellipse];`);
    expect(lines).toContain('    label="a\\"b\\<c\\>\\n\\{d\\}\\|e";');
    // Every quoted string closes on its own line, and outside the strings the braces balance:
    // no raw newline or stray quote escaped a label.
    for (const line of lines) expect((line.replace(/\\./g, '').match(/"/g) ?? []).length % 2).toBe(0);
    const structure = dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    // digraph and one cluster: exactly two structural braces of each kind.
    expect([structure.match(/\{/g)!.length, structure.match(/\}/g)!.length]).toEqual([2, 2]);
    expect(structure.replace(/->/g, '')).not.toMatch(/[<>|]/);
  });

  it('escapes names in Mermaid', () => {
    expect(escapeMermaid(NASTY)).toBe('a#34;b#60;c#62;<br/>#123;d#125;#124;e');
    expect(escapeMermaid('x #1 and #35; & `t`')).toBe('x #1 and #35;35; #38; #96;t#96;');
    const x = variable([1, 2], { name: NASTY });
    const y = scope(NASTY, () => sum(log(x)));
    const g = graphOf(y);
    const lines = toMermaid(g, { values: false }).split('\n');
    expect(lines).toContain(`  v${x.id}(["a#34;b#60;c#62;<br/>#123;d#125;#124;e #${x.id}<br/>[2] float32"])`);
    expect(lines).toContain(`  subgraph s${g.scopes[0]!.id}["a#34;b#60;c#62;<br/>#123;d#125;#124;e"]`);
    // Inside each label, only the two delimiting quotes remain.
    for (const line of lines.filter((l) => l.includes('"'))) expect(line.match(/"/g)).toHaveLength(2);
  });

  it('escapes names in JSON and writes non-finite numbers as strings', () => {
    const x = variable([0, 1], { name: NASTY });
    const y = div(x, x); // 0/0 is NaN
    const g = graphOf(y);
    const parsed = JSON.parse(toJSON(g)) as { nodes: { name: string | null; value: { min: unknown; nonFinite: number } }[] };
    expect(parsed.nodes[0]!.name).toBe(NASTY);
    expect(parsed.nodes[1]!.value.min).toBe('NaN');
    expect(parsed.nodes[1]!.value.nonFinite).toBe(1);
    expect(toJSON(g, 0)).not.toContain('\n');
    expect(() => toJSON(g, -1)).toThrow(/toJSON: indent must be a non-negative integer/);
  });
});
