/**
 * Reduction kernels of the gpujs backend. A reduction is a plan of passes: each output thread of a
 * pass loops over one chunk (at most {@link CHUNK} elements, a literal loop bound) of its reduced
 * elements; when the reduced extent is larger than a chunk, the partial results form a `[P, G]`
 * tensor that the next pass reduces the same way. Chunking keeps every shader loop short (GPU
 * watchdogs, compile times) and sums pairwise-ish, which keeps float32 sums accurate.
 *
 * logSumExp, softmax and arg-reductions are compositions: a max pass gives the shift, then a sum
 * of `exp(x - shift)` (or a min over "index where x equals the extreme") runs with the shift as an
 * auxiliary input indexed by the output position.
 *
 * @internal
 */
import { extent, mergeAxes, rowMajorStrides } from '../../strides.js';
import { coordinates, divmod, KernelSource, lit, offsetExpr } from './codegen.js';
import type { KernelSpec } from './runtime.js';

/** Most elements one thread reduces in one pass. */
export const CHUNK = 1024;

/** How partial results combine. */
export type Combine = 'sum' | 'max' | 'min';

/**
 * What each element contributes: itself; `exp(x - shift)`; or, for arg-reductions, its position
 * along the reduced axis when it equals the extreme `shift` (or is NaN), else the extent.
 */
export type Contribution = 'value' | 'expShifted' | 'indexOfExtreme';

/** What the last pass does with its result: nothing, or `shift + log(result)` (logSumExp). */
export type Finish = 'none' | 'logShifted';

/** One pass of a reduction over an input read through strides. */
export interface ReducePass {
  /** Kept axes (outermost first) and their strides in the input. */
  keptDims: number[];
  keptStrides: number[];
  /** Reduced axes and their strides in the input. */
  reducedDims: number[];
  reducedStrides: number[];
  /** Elements per thread, and threads per output position (ceil(R / chunk)). */
  chunk: number;
  groups: number;
  combine: Combine;
  contribution: Contribution;
  finish: Finish;
}

/**
 * The shift for exp(x - shift): the maximum, or 0 when that is infinite (the result is then
 * infinite or NaN anyway; shifting by an infinity would make it NaN where it should be 0 or Inf).
 * GPU.js writes the literal Infinity as the largest float, hence the comparison with 3e38.
 */
function safeShift(src: KernelSource, shiftExpr: string): string {
  const s = src.let('s', shiftExpr);
  src.add(`if (Math.abs(${s}) > 3.0e38) { ${s} = 0; }`);
  return s;
}

function combineExpr(combine: Combine, acc: string, value: string): string {
  switch (combine) {
    case 'sum': return `${acc} + ${value}`;
    case 'max': return `Math.max(${acc}, ${value})`;
    case 'min': return `Math.min(${acc}, ${value})`;
  }
}

/** The kernel of one pass: arguments `x` and, for shifted contributions or finishes, `shift` (length P). */
export function reducePassSpec(pass: ReducePass): KernelSpec {
  return {
    key: `reduce:${JSON.stringify(pass)}`,
    source: () => reducePassSource(pass),
  };
}

function reducePassSource(pass: ReducePass): string {
  const { keptDims, keptStrides, reducedDims, reducedStrides, chunk, groups, combine, contribution, finish } = pass;
  const total = extent(reducedDims);
  const needsShift = contribution !== 'value' || finish !== 'none';
  const src = new KernelSource(needsShift ? ['x', 'shift'] : ['x']);
  const t = src.let('t', 'this.thread.x');
  const { q: o, r: g } = groups > 1 ? divmod(src, t, groups) : { q: t, r: '0' };
  const keptCoords = keptDims.length <= 1 ? keptDims.map(() => o) : coordinates(src, o, keptDims);
  const base = src.let('b', offsetExpr(keptCoords, keptStrides));
  let shift = '';
  if (contribution === 'expShifted' || finish === 'logShifted') shift = safeShift(src, `shift[${o}]`);
  else if (needsShift) shift = src.let('s', `shift[${o}]`);
  // Position along the reduced axes: a counter (r) and, for several merged axes, per-axis
  // coordinates stepped like an odometer (so the loop body needs no division).
  const r = src.let('r', groups > 1 ? `${g} * ${chunk}` : '0');
  let coords: string[] = [];
  if (reducedDims.length > 1) {
    const start = groups > 1 ? coordinates(src, r, reducedDims) : reducedDims.map(() => '0');
    coords = start.map((c) => src.let('c', c));
  }
  const offset = src.let('k', reducedDims.length <= 1 ? `${r} * ${lit(reducedStrides[0] ?? 0)}` : offsetExpr(coords, reducedStrides));
  const contributionOf = (value: string): string => {
    switch (contribution) {
      case 'value': return value;
      case 'expShifted': return `Math.exp(${value} - ${shift})`;
      // NaN counts as the extreme (first NaN wins), as in NumPy.
      case 'indexOfExtreme': return `(${value} === ${shift} || ${value} !== ${value} ? ${r} : ${total})`;
    }
  };
  // max/min start from the first element (combining it twice changes nothing), so no infinite
  // literal is needed: GPU.js cannot write one for WebGL.
  const first = src.let('v', `x[${base} + ${offset}]`);
  const acc = src.let('acc', combine === 'sum' ? '0' : contributionOf(first));
  const loopVar = src.fresh('j');
  src.add(`for (let ${loopVar} = 0; ${loopVar} < ${chunk}; ${loopVar}++) {`);
  if (groups * chunk > total) src.add(`  if (${r} >= ${total}) { break; }`);
  const value = src.fresh('v');
  src.add(`  const ${value} = x[${base} + ${offset}];`);
  src.add(`  ${acc} = ${combineExpr(combine, acc, contributionOf(value))};`);
  src.add(`  ${r} = ${r} + 1;`);
  if (reducedDims.length <= 1) {
    src.add(`  ${offset} = ${offset} + ${lit(reducedStrides[0] ?? 0)};`);
  } else {
    // Odometer step: bump the innermost coordinate, carrying outwards.
    const last = reducedDims.length - 1;
    const step = (axis: number, indent: string): void => {
      src.add(`${indent}${coords[axis]} = ${coords[axis]} + 1;`, `${indent}${offset} = ${offset} + ${lit(reducedStrides[axis]!)};`);
      if (axis === 0) return;
      src.add(`${indent}if (${coords[axis]} >= ${reducedDims[axis]}) {`);
      src.add(`${indent}  ${coords[axis]} = 0;`, `${indent}  ${offset} = ${offset} - ${lit(reducedDims[axis]! * reducedStrides[axis]!)};`);
      step(axis - 1, indent + '  ');
      src.add(`${indent}}`);
    };
    step(last, '  ');
  }
  src.add('}');
  return src.build(finish === 'logShifted' ? `${shift} + Math.log(${acc})` : acc);
}

/** The input layout of a reduction of `axes` of `shape`, with adjacent axes merged. */
export function reductionLayout(shape: readonly number[], axes: readonly number[]): {
  keptDims: number[]; keptStrides: number[]; reducedDims: number[]; reducedStrides: number[];
} {
  const strides = rowMajorStrides(shape);
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const kept = mergeAxes(keptAxes.map((a) => shape[a]!), [keptAxes.map((a) => strides[a]!)]);
  const reduced = mergeAxes(axes.map((a) => shape[a]!), [axes.map((a) => strides[a]!)]);
  return { keptDims: kept.shape, keptStrides: kept.strides[0]!, reducedDims: reduced.shape, reducedStrides: reduced.strides[0]! };
}

/** The chunk length and group count for reducing `total` elements per output. */
export function chunking(total: number): { chunk: number; groups: number } {
  const groups = Math.ceil(total / CHUNK);
  // Equal chunks: 1100 elements as 2 x 550, not 1024 + 76.
  const chunk = Math.ceil(total / groups);
  return { chunk, groups };
}
