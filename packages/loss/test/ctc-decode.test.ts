/**
 * The CTC decoders: greedy decoding by hand, and the prefix beam search against a brute-force
 * sum over every alignment of tiny inputs (C^T paths, collapsed and summed per labelling).
 */
import { describe, expect, it } from 'vitest';
import { randn, tensor } from '@lossgraph/tensor';
import { ctcBeamSearch, ctcBeamSearchPaths, ctcGreedyDecode } from '@lossgraph/loss';
import { collapse, everyPath } from './ctc-paths.js';

/** Every labelling's log-probability, summed over all its alignments, best first. */
function bruteForce(logits: number[][], blank: number): { labels: number[]; logProbability: number }[] {
  const time = logits.length;
  const classes = logits[0]!.length;
  const logProbs = logits.map((row) => {
    const high = Math.max(...row);
    const norm = Math.log(row.reduce((s, v) => s + Math.exp(v - high), 0));
    return row.map((v) => v - high - norm);
  });
  const totals = new Map<string, number>();
  for (const path of everyPath(time, classes)) {
    const labels = collapse(path, blank);
    const p = Math.exp(path.reduce((s, c, t) => s + logProbs[t]![c]!, 0));
    totals.set(labels.join(','), (totals.get(labels.join(',')) ?? 0) + p);
  }
  return [...totals]
    .map(([key, p]) => ({ labels: key === '' ? [] : key.split(',').map(Number), logProbability: Math.log(p) }))
    .sort((a, b) => b.logProbability - a.logProbability);
}

describe('ctcGreedyDecode', () => {
  it('takes the argmax per step, merges repeats, then drops blanks', () => {
    // classes 0, 1 and the blank 2; argmax path 0 0 2 0 1 1 -> [0, 0, 1]
    const rows = [[5, 0, 0], [5, 0, 0], [0, 0, 5], [5, 0, 0], [0, 5, 0], [0, 5, 0]];
    expect(ctcGreedyDecode([rows])).toEqual([[0, 0, 1]]);
    // with the columns reversed and class 0 the blank, the path is 2 2 0 2 1 1 -> [2, 2, 1]
    expect(ctcGreedyDecode([rows.map((r) => [r[2]!, r[1]!, r[0]!])], { blank: 'first' })).toEqual([[2, 2, 1]]);
  });

  it('reads only the first predLengths steps of each sample', () => {
    const rows = [[5, 0, 0], [0, 5, 0], [0, 0, 5], [5, 0, 0]];
    expect(ctcGreedyDecode([rows, rows], { predLengths: [2, 4] })).toEqual([[0, 1], [0, 1, 0]]);
    expect(ctcGreedyDecode([rows], { predLengths: [0] })).toEqual([[]]);
  });

  it('names bad options and inputs', () => {
    expect(() => ctcGreedyDecode([[1, 2]])).toThrow(/ctcGreedyDecode: logits must have shape \[N, T, C\]/);
    expect(() => ctcGreedyDecode([[[1, 2]]], { predLengths: [2] })).toThrow(/ctcGreedyDecode: predLengths holds 2, outside \[0, 2\)/);
    expect(() => ctcGreedyDecode([[[1, 2]]], { predLengths: [1, 1] })).toThrow(/predLengths must have shape \[1\]/);
    expect(() => ctcGreedyDecode([[[1, 2]]], { blank: 'middle' } as never)).toThrow(/ctcGreedyDecode: option 'blank' is invalid/);
    expect(() => ctcGreedyDecode([[[1, 2]]], { beamWidth: 3 } as never)).toThrow(/unknown option 'beamWidth'/);
  });
});

describe('ctcBeamSearch against brute-force enumeration', () => {
  const cases = [
    { time: 4, classes: 3, seed: 1 },
    { time: 5, classes: 3, seed: 2 },
    { time: 3, classes: 4, seed: 3 },
    { time: 6, classes: 2, seed: 4 },
    { time: 4, classes: 4, seed: 5 },
  ];

  for (const { time, classes, seed } of cases) {
    for (const blank of ['last', 'first'] as const) {
      it(`T ${time}, C ${classes}, blank ${blank}: a wide beam finds every labelling with its exact probability, in order`, () => {
        const logits = randn([1, time, classes], { seed, std: 2, dtype: 'float64' });
        const rows = logits.toArray() as number[][][];
        const want = bruteForce(rows[0]!, blank === 'last' ? classes - 1 : 0);
        const [got] = ctcBeamSearchPaths(logits, { beamWidth: 10_000, blank });
        expect(got!.length).toBe(want.length);
        got!.forEach((h, i) => {
          expect(h.logProbability).toBeCloseTo(want[i]!.logProbability, 10);
          // equal probabilities may come in either order; the labels then have the same probability
          const match = want.find((w) => w.labels.join() === h.labels.join());
          expect(match?.logProbability).toBeCloseTo(h.logProbability, 10);
        });
        expect(ctcBeamSearch(logits, { beamWidth: 10_000, blank })).toEqual([want[0]!.labels]);
      });
    }
  }

  it('a narrow beam still returns its hypotheses best first, and at most beamWidth of them', () => {
    const logits = randn([3, 6, 4], { seed: 9, std: 2 });
    const paths = ctcBeamSearchPaths(logits, { beamWidth: 3 });
    for (const hypotheses of paths) {
      expect(hypotheses.length).toBeLessThanOrEqual(3);
      for (let i = 1; i < hypotheses.length; i++) expect(hypotheses[i]!.logProbability).toBeLessThanOrEqual(hypotheses[i - 1]!.logProbability);
    }
    expect(ctcBeamSearch(logits, { beamWidth: 3 })).toEqual(paths.map((h) => h[0]!.labels));
  });

  it('finds a labelling that greedy decoding misses: probability spread over many alignments', () => {
    // greedy reads blank, blank (each step's best), but 'label 0' summed over its 3 alignments is likelier
    const p = [[0.4, 0.6], [0.4, 0.6]].map((r) => r.map(Math.log));
    expect(ctcGreedyDecode([p])).toEqual([[]]);
    expect(ctcBeamSearch([p])).toEqual([[0]]);
  });

  it('honours predLengths and checks beamWidth', () => {
    const logits = tensor([[[5, 0, 0], [0, 5, 0], [0, 0, 5]]]);
    expect(ctcBeamSearch(logits, { predLengths: [1] })).toEqual([[0]]);
    expect(() => ctcBeamSearch(logits, { beamWidth: 0 })).toThrow(/ctcBeamSearch: option 'beamWidth' is invalid/);
  });
});
