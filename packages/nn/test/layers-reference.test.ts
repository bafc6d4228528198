/**
 * Every layer against PyTorch in float64 (fixtures/layers.json, made by
 * fixtures/generate_layers.py): outputs, final states, BatchNorm's running statistics and
 * evaluation output, and the gradients of sum(out · R) (+ sum(state · S)) with respect to the
 * input, the initial states and every parameter. On cpu float64 and float32 and on gpujs webasm
 * (float32). The largest error of each case, relative to max(1, |reference|), is printed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import { add, mul, sum, variable, type Variable } from '@lossgraph/autograd';
import { BatchNorm, Embedding, GRU, LayerNorm, LSTM, RNN, type Block, type RecurrentLayer } from '@lossgraph/nn';
import { describeSettings, restoreCpu } from './reference-settings.js';

type Nested = number | Nested[];
interface LayerCase {
  id: string;
  layer: 'Embedding' | 'LayerNorm' | 'BatchNorm' | 'RNN' | 'GRU' | 'LSTM';
  args: number[];
  options: Record<string, unknown>;
  x: Nested;
  params: Record<string, Nested>;
  head: Nested;
  out: Nested;
  grads: Record<string, Nested>;
  states?: Nested[];
  stateHeads?: Nested[];
  finalStates?: Nested[];
  runningMean?: Nested;
  runningVar?: Nested;
  evalX?: Nested;
  evalOut?: Nested;
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/layers.json', import.meta.url), 'utf8')) as { cases: LayerCase[] };

function build(c: LayerCase, dtype: 'float32' | 'float64'): Block {
  const options = { ...c.options, dtype };
  switch (c.layer) {
    case 'Embedding': return new Embedding(c.args[0]!, c.args[1]!, { dtype });
    case 'LayerNorm': return new LayerNorm(options);
    case 'BatchNorm': return new BatchNorm(options);
    case 'RNN': return new RNN(c.args[0]!, options);
    case 'GRU': return new GRU(c.args[0]!, options);
    case 'LSTM': return new LSTM(c.args[0]!, options);
  }
}

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** max |got − want| / max(1, max |want|). */
function relativeError(got: ArrayLike<number>, want: Nested): number {
  const w = flat(want);
  expect(got.length).toBe(w.length);
  const scale = Math.max(1, ...w.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[i]! - w[i]!) / scale);
  return worst;
}

/** Runs one case; returns each compared quantity's relative error. */
function run(c: LayerCase, dtype: 'float32' | 'float64'): Record<string, number> {
  const layer = build(c, dtype).initialize({ seed: 0 });
  const params = layer.collectParams();
  for (const [name, value] of Object.entries(c.params)) params.get(name)!.setData(T.tensor(flat(value), shapeOf(value), dtype));
  const isIndex = c.layer === 'Embedding';
  const x = isIndex ? T.tensor(flat(c.x), shapeOf(c.x), 'int32') : variable(T.tensor(flat(c.x), shapeOf(c.x), dtype));
  const states = c.states?.map((s) => variable(T.tensor(flat(s), shapeOf(s), dtype))) ?? null;
  const errors: Record<string, number> = {};
  let out: Variable;
  let objective: Variable;
  if (states !== null) {
    const [o, finals] = (layer as RecurrentLayer).forward(x, states);
    out = o;
    objective = sum(mul(out, T.tensor(flat(c.head), shapeOf(c.head), dtype)));
    finals.forEach((f, i) => {
      errors[`finalStates${i}`] = relativeError(f.dataSync(), c.finalStates![i]!);
      objective = add(objective, sum(mul(f, T.tensor(flat(c.stateHeads![i]!), shapeOf(c.stateHeads![i]!), dtype))));
    });
  } else {
    out = layer.forward(x);
    objective = sum(mul(out, T.tensor(flat(c.head), shapeOf(c.head), dtype)));
  }
  errors.out = relativeError(out.dataSync(), c.out);
  objective.backward();
  for (const [name, want] of Object.entries(c.grads)) {
    let got: Variable | null | undefined;
    if (name === 'x') got = (x as Variable).grad;
    else if (name.startsWith('states')) got = states![Number(name.slice(6))]!.grad;
    else got = params.get(name)!.variable.grad;
    expect(got, `gradient of ${name}`).toBeTruthy();
    errors[`d${name}`] = relativeError(got!.dataSync(), want);
  }
  if (c.layer === 'BatchNorm') {
    const bn = layer as BatchNorm;
    errors.runningMean = relativeError(bn.runningMean.data().dataSync(), c.runningMean!);
    errors.runningVar = relativeError(bn.runningVar.data().dataSync(), c.runningVar!);
    bn.eval();
    errors.evalOut = relativeError(bn.forward(T.tensor(flat(c.evalX!), shapeOf(c.evalX!), dtype)).dataSync(), c.evalOut!);
  }
  return errors;
}

function shapeOf(v: Nested): number[] {
  const shape: number[] = [];
  for (let node = v; Array.isArray(node); node = node[0]!) shape.push(node.length);
  return shape;
}


describeSettings('layer references', (label) => `layers against PyTorch float64, ${label}`, { float64: 1e-13, float32: 2e-6 }, (s) => {
  const worst: string[] = [];
  afterAll(() => console.log(`largest relative error per case, ${s.label}:\n${worst.join('\n')}`));
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    s.activate();
    try {
      const errors = run(c, s.dtype);
      const [name, err] = Object.entries(errors).reduce((a, b) => (b[1] > a[1] ? b : a));
      worst.push(`  ${c.id.padEnd(24)} ${err.toExponential(2)} (${name})`);
      for (const [key, e] of Object.entries(errors)) expect(e, key).toBeLessThan(s.tol);
    } finally {
      restoreCpu();
    }
  });
});
