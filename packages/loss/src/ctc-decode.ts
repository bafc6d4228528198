/**
 * Decoders for CTC outputs: turn per-step class scores into label sequences. They read values
 * only (no graph, no gradient): greedy (best path) decoding and prefix beam search.
 */
import * as z from 'zod/mini';
import { parseOptions } from '@lossgraph/tensor';
import type { VariableLike } from '@lossgraph/autograd';
import {hostValues, integerCheck, operandSchema } from './validation.js';

/**
 * Zod schema of {@link CTCDecodeOptions}.
 * @example
 * ```ts
 * ctcDecodeOptionsSchema.parse({}).blank   // 'last'
 * ```
 */
export const ctcDecodeOptionsSchema = z.strictObject({
  /** Which class is the blank: `'last'` (C − 1, MXNet's default, as {@link CTCLoss}) or `'first'` (0). */
  blank: z._default(z.enum(['last', 'first']), 'last'),
  /** Per sample, the number of valid time steps (integers in [0, T]; default T for every sample). */
  predLengths: z.optional(operandSchema),
});

/**
 * Options of {@link ctcGreedyDecode}.
 * @example
 * ```ts
 * const options: CTCDecodeOptions = { blank: 'first', predLengths: [20, 14] };
 * ```
 */
export type CTCDecodeOptions = z.input<typeof ctcDecodeOptionsSchema>;

/**
 * Zod schema of {@link CTCBeamSearchOptions}.
 * @example
 * ```ts
 * ctcBeamSearchOptionsSchema.parse({}).beamWidth   // 10
 * ```
 */
export const ctcBeamSearchOptionsSchema = z.extend(ctcDecodeOptionsSchema, {
  /** Number of prefixes kept after each time step (default 10). */
  beamWidth: z._default(z.number().check(z.int(), z.positive()), 10),
});

/**
 * Options of {@link ctcBeamSearch} and {@link ctcBeamSearchPaths}.
 * @example
 * ```ts
 * const options: CTCBeamSearchOptions = { beamWidth: 16, predLengths: [20, 14] };
 * ```
 */
export type CTCBeamSearchOptions = z.input<typeof ctcBeamSearchOptionsSchema>;

/**
 * One hypothesis of the beam search.
 * @example
 * ```ts
 * const best: CTCHypothesis = ctcBeamSearchPaths(logits)[0]![0]!;
 * best.labels;           // e.g. [3, 1, 4]
 * best.logProbability;   // log P(labels | logits), summed over the alignments the beam kept
 * ```
 */
export interface CTCHypothesis {
  /** The label sequence, as class indices of the logits. */
  labels: number[];
  /** The log-probability of the labels: the log-sum over the alignments the search kept. */
  logProbability: number;
}

/** The logits on the host as N per-sample `[T, C]` views, the blank, and each sample's length. */
interface DecodeInput {
  values: Float64Array;
  batch: number;
  time: number;
  classes: number;
  blank: number;
  lengths: number[];
}

function readInput(where: string, logits: VariableLike, blank: 'last' | 'first', predLengths: VariableLike | undefined): DecodeInput {
  const { values, shape } = hostValues(where, 'logits', logits);
  if (shape.length !== 3) throw new RangeError(`${where}: logits must have shape [N, T, C], got [${shape.join(', ')}]`);
  const [batch, time, classes] = shape as [number, number, number];
  if (classes < 2) throw new RangeError(`${where}: logits need at least 2 classes (labels and the blank), got C = ${classes}`);
  let lengths = new Array<number>(batch).fill(time);
  if (predLengths !== undefined) {
    const read = hostValues(where, 'predLengths', predLengths);
    if (read.shape.length !== 1 || read.shape[0] !== batch) throw new RangeError(`${where}: predLengths must have shape [${batch}] (one length per sample), got [${read.shape.join(', ')}]`);
    integerCheck(where, 'predLengths', read.values, read.shape, 0, time + 1, `lengths are numbers of time steps, at most T = ${time}`);
    lengths = Array.from(read.values);
  }
  return { values, batch, time, classes, blank: blank === 'last' ? classes - 1 : 0, lengths };
}

/**
 * Best-path decoding: per sample, the most likely class at each valid time step, then repeats
 * merged and blanks dropped (`a a _ a b b` → `a a b`).
 *
 * @param logits - `[N, T, C]` scores (logits, log-probabilities or probabilities: only their order per step matters)
 * @param options - {@link CTCDecodeOptions}: `blank` (`'last'` or `'first'`), `predLengths`
 * @returns per sample, the decoded class indices
 * @throws TypeError or RangeError naming the bad option or input
 *
 * @example
 * ```ts
 * // 3 steps, classes 0, 1 and the blank 2
 * ctcGreedyDecode([[[0, 1, 9], [5, 0, 0], [5, 0, 0]]]);   // [[0]]
 * ```
 */
export function ctcGreedyDecode(logits: VariableLike, options: CTCDecodeOptions = {}): number[][] {
  const where = 'ctcGreedyDecode';
  const opts = parseOptions(where, ctcDecodeOptionsSchema, options);
  const { values, batch, time, classes, blank, lengths } = readInput(where, logits, opts.blank, opts.predLengths);
  const out: number[][] = [];
  for (let n = 0; n < batch; n++) {
    const labels: number[] = [];
    let previous = -1;
    for (let t = 0; t < lengths[n]!; t++) {
      const row = (n * time + t) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (values[row + c]! > values[row + best]!) best = c;
      if (best !== blank && best !== previous) labels.push(best);
      previous = best;
    }
    out.push(labels);
  }
  return out;
}

/** log(e^a + e^b), exact for −∞ operands. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** A prefix in the beam: its probability split by whether its alignments end in a blank. */
interface Beam {
  labels: number[];
  endsInBlank: number;
  endsInLabel: number;
}

const totalOf = (b: Beam): number => logAdd(b.endsInBlank, b.endsInLabel);

/** Best first; ties broken by the shorter, then the lexicographically smaller prefix, so results do not depend on map order. */
function compareBeams(a: Beam, b: Beam): number {
  const d = totalOf(b) - totalOf(a);
  if (d !== 0 && !Number.isNaN(d)) return d;
  if (a.labels.length !== b.labels.length) return a.labels.length - b.labels.length;
  for (let i = 0; i < a.labels.length; i++) if (a.labels[i] !== b.labels[i]) return a.labels[i]! - b.labels[i]!;
  return 0;
}

/**
 * Prefix beam search (Hannun et al. 2014), returning every hypothesis left in the beam, best
 * first. The logits are turned into log-probabilities with a log-softmax over the classes at
 * each step (as {@link CTCLoss} does). Each prefix carries the probability of its alignments
 * that end in a blank and of those that end in its last label, so that a repeated label is
 * extended only across a blank. With a beam as wide as the number of possible prefixes the
 * search is exact: each hypothesis' probability is the sum over all its alignments.
 *
 * @param logits - `[N, T, C]` unnormalised scores
 * @param options - {@link CTCBeamSearchOptions}: `beamWidth` (10), `blank`, `predLengths`
 * @returns per sample, up to `beamWidth` hypotheses, best first
 * @throws TypeError or RangeError naming the bad option or input
 *
 * @example
 * ```ts
 * const [hypotheses] = ctcBeamSearchPaths(logits, { beamWidth: 8 });
 * hypotheses.map((h) => h.labels);   // best first
 * ```
 */
export function ctcBeamSearchPaths(logits: VariableLike, options: CTCBeamSearchOptions = {}): CTCHypothesis[][] {
  return beamSearch('ctcBeamSearchPaths', logits, options);
}

/**
 * Prefix beam search decoding: per sample, the best hypothesis of {@link ctcBeamSearchPaths}.
 *
 * @param logits - `[N, T, C]` unnormalised scores
 * @param options - {@link CTCBeamSearchOptions}: `beamWidth` (10), `blank` (`'last'` or `'first'`), `predLengths`
 * @returns per sample, the decoded class indices
 * @throws TypeError or RangeError naming the bad option or input
 *
 * @example
 * ```ts
 * ctcBeamSearch(encoder.forward(frames), { beamWidth: 16, predLengths: lengths });   // e.g. [[3, 1, 4], [1, 5]]
 * ```
 */
export function ctcBeamSearch(logits: VariableLike, options: CTCBeamSearchOptions = {}): number[][] {
  // a sample whose scores hold NaN keeps no hypothesis: it decodes to nothing
  return beamSearch('ctcBeamSearch', logits, options).map((hypotheses) => hypotheses[0]?.labels ?? []);
}

function beamSearch(where: string, logits: VariableLike, options: CTCBeamSearchOptions): CTCHypothesis[][] {
  const opts = parseOptions(where, ctcBeamSearchOptionsSchema, options);
  const { values, batch, time, classes, blank, lengths } = readInput(where, logits, opts.blank, opts.predLengths);
  const logProbs = new Float64Array(classes);
  const out: CTCHypothesis[][] = [];
  for (let n = 0; n < batch; n++) {
    let beams: Beam[] = [{ labels: [], endsInBlank: 0, endsInLabel: -Infinity }];
    for (let t = 0; t < lengths[n]!; t++) {
      const row = (n * time + t) * classes;
      let high = -Infinity;
      for (let c = 0; c < classes; c++) high = Math.max(high, values[row + c]!);
      let norm = 0;
      for (let c = 0; c < classes; c++) norm += Math.exp(values[row + c]! - high);
      for (let c = 0; c < classes; c++) logProbs[c] = values[row + c]! - high - Math.log(norm);

      const next = new Map<string, Beam>();
      const entry = (labels: number[]): Beam => {
        const key = labels.join(',');
        let beam = next.get(key);
        if (beam === undefined) {
          beam = { labels, endsInBlank: -Infinity, endsInLabel: -Infinity };
          next.set(key, beam);
        }
        return beam;
      };
      for (const beam of beams) {
        const total = totalOf(beam);
        const last = beam.labels.length > 0 ? beam.labels[beam.labels.length - 1]! : -1;
        for (let c = 0; c < classes; c++) {
          const p = logProbs[c]!;
          if (c === blank) {
            const same = entry(beam.labels);
            same.endsInBlank = logAdd(same.endsInBlank, total + p);
          } else if (c === last) {
            // a repeat merges into the same prefix, unless a blank separates the two
            const same = entry(beam.labels);
            same.endsInLabel = logAdd(same.endsInLabel, beam.endsInLabel + p);
            const extended = entry([...beam.labels, c]);
            extended.endsInLabel = logAdd(extended.endsInLabel, beam.endsInBlank + p);
          } else {
            const extended = entry([...beam.labels, c]);
            extended.endsInLabel = logAdd(extended.endsInLabel, total + p);
          }
        }
      }
      // a repeat extended from a prefix with no blank-ending alignment has probability 0: dropped
      beams = [...next.values()].filter((b) => totalOf(b) > -Infinity).sort(compareBeams).slice(0, opts.beamWidth);
    }
    out.push(beams.map((b) => ({ labels: b.labels, logProbability: totalOf(b) })));
  }
  return out;
}
