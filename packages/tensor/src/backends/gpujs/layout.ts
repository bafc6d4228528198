/**
 * Kernels that move elements: pad, concat, the softmax epilogue, gather/scatter along an axis,
 * one-hot and batched matmul. Shapes around an axis are viewed as `[P, A, Q]` (before, the axis,
 * after), so each kernel needs at most two exact divisions per element.
 *
 * The scatter kernels are written as gathers: each output element loops over the indices and
 * adds the updates that land on it. That needs no atomics (WebGL has none) and gives every
 * output one writer, at the cost of a loop over the index extent.
 *
 * @internal
 */
import { rowMajorStrides } from '../../strides.js';
import { coordinates, divmod, KernelSource, lit, offsetExpr, perElementSpec } from './codegen.js';
import type { KernelSpec } from './runtime.js';

/** Most inputs one concat kernel reads (WebGL guarantees 8 texture units per shader). */
export const MAX_CONCAT_INPUTS = 8;

/** Splits a flat index over `[P, A, Q]` into its three coordinates. */
function paq(src: KernelSource, i: string, A: number, Q: number): { p: string; a: string; q: string } {
  const { q: pa, r: q } = divmod(src, i, Q);
  const { q: p, r: a } = divmod(src, pa, A);
  return { p, a, q };
}

/**
 * Pads `shape` by `paddings` with the number argument `value`: an output element inside the copied
 * box on every axis reads the input, any other is `value`.
 */
export function padSpec(shape: readonly number[], paddings: readonly (readonly [number, number])[]): KernelSpec {
  const outShape = shape.map((d, k) => d + paddings[k]![0] + paddings[k]![1]);
  return perElementSpec(`pad:${JSON.stringify(shape)}:${JSON.stringify(paddings)}`, ['x', 'value'], (src, i) => {
    const coords = coordinates(src, i, outShape);
    // Only padded axes need a range check; their coordinates shift back into the input.
    const inside: string[] = [];
    const inner = coords.map((c, k) => {
      const [before, after] = paddings[k]!;
      if (before > 0) inside.push(`${c} >= ${before}`);
      if (after > 0) inside.push(`${c} < ${before + shape[k]!}`);
      return before === 0 ? c : src.let('c', `${c} - ${before}`);
    });
    const result = src.let('y', 'value');
    const read = `x[${offsetExpr(inner, rowMajorStrides(shape))}]`;
    src.add(inside.length === 0 ? `${result} = ${read};` : `if (${inside.join(' && ')}) { ${result} = ${read}; }`);
    return result;
  });
}

/**
 * Concatenates up to {@link MAX_CONCAT_INPUTS} non-empty parts of extents `parts` along the middle
 * axis of `[P, sum(parts), Q]`.
 */
export function concatSpec(P: number, parts: readonly number[], Q: number): KernelSpec {
  const total = parts.reduce((s, a) => s + a, 0);
  return perElementSpec(`concat:${P}:${JSON.stringify(parts)}:${Q}`, parts.map((_, k) => `x${k}`), (src, i) => {
    const { p, a, q } = paq(src, i, total, Q);
    const result = src.let('y', '0');
    // An if/else chain picks the part whose range along the axis holds `a`.
    const branches: string[] = [];
    let start = 0;
    parts.forEach((extentK, k) => {
      const read = `${result} = x${k}[(${p} * ${extentK} + ${a} - ${start}) * ${Q} + ${q}];`;
      start += extentK;
      branches.push(k === parts.length - 1 ? `{ ${read} }` : `if (${a} < ${start}) { ${read} }`);
    });
    src.add(branches.join(' else '));
    return result;
  });
}

/**
 * The last step of softmax along the middle axis of `[P, A, Q]`: `exp(x - shift) / total`, or
 * `x - shift - log(total)` for log-softmax, with shift and total indexed by `p * Q + q`.
 */
export function softmaxSpec(P: number, A: number, Q: number, log: boolean): KernelSpec {
  return perElementSpec(`softmax:${P}:${A}:${Q}:${log}`, ['x', 'shift', 'total'], (src, i) => {
    const { p, q } = paq(src, i, A, Q);
    const o = src.let('o', offsetExpr([p, q], [Q, 1]));
    const s = src.let('s', `shift[${o}]`);
    src.add(`if (Math.abs(${s}) > 3.0e38) { ${s} = 0; }`);
    return log ? `x[${i}] - ${s} - Math.log(total[${o}])` : `Math.exp(x[${i}] - ${s}) / total[${o}]`;
  });
}

/**
 * `out[p, j, q] = x[p, k, q]` where `indexAt(i, j)` says where k is read among the indices, `i`
 * being the output's flat index (the two gathers differ only there).
 */
function gatherAlongSpec(name: string, P: number, A: number, J: number, Q: number, indexAt: (i: string, j: string) => string): KernelSpec {
  return perElementSpec(`${name}:${P}:${A}:${J}:${Q}`, ['x', 'indices'], (src, i) => {
    const { p, a: j, q } = paq(src, i, J, Q);
    const k = src.let('k', `indices[${indexAt(i, j)}]`);
    return `x[(${p} * ${A} + ${k}) * ${Q} + ${q}]`;
  });
}

/** TF gather: `out[p, j, q] = x[p, indices[j], q]` with J = indices.size. */
export function gatherSpec(P: number, A: number, J: number, Q: number): KernelSpec {
  return gatherAlongSpec('gather', P, A, J, Q, (_i, j) => j);
}

/**
 * Sums `updates[p, j, q]` into `out[p, a, q]` over the j whose index names a; `indexAt(offset, j)`
 * says where that index is read (the two adjoints differ only there).
 */
function scatterSpec(name: string, P: number, A: number, J: number, Q: number, indexAt: (offset: string, j: string) => string): KernelSpec {
  return perElementSpec(`${name}:${P}:${A}:${J}:${Q}`, ['updates', 'indices'], (src, i) => {
    const { p, a, q } = paq(src, i, A, Q);
    const acc = src.let('acc', '0');
    const offset = src.let('u', `${p} * ${J * Q} + ${q}`);
    src.add(
      `for (let j = 0; j < ${J}; j++) {`,
      `  if (indices[${indexAt(offset, 'j')}] === ${a}) { ${acc} = ${acc} + updates[${offset}]; }`,
      `  ${offset} = ${offset} + ${Q};`,
      '}',
    );
    return acc;
  });
}

/** Adjoint of gather: `out[p, a, q] = sum over j with indices[j] == a of updates[p, j, q]`. */
export function scatterAddSpec(P: number, A: number, J: number, Q: number): KernelSpec {
  return scatterSpec('scatterAdd', P, A, J, Q, (_offset, j) => j);
}

/** take_along_axis: `out[p, j, q] = x[p, indices[p, j, q], q]`; the output has the indices' shape. */
export function takeAlongAxisSpec(P: number, A: number, J: number, Q: number): KernelSpec {
  return gatherAlongSpec('takeAlongAxis', P, A, J, Q, (i) => i);
}

/** Adjoint of take_along_axis: `out[p, a, q] = sum over j with indices[p, j, q] == a of updates[p, j, q]`. */
export function scatterAlongAxisSpec(P: number, A: number, J: number, Q: number): KernelSpec {
  return scatterSpec('scatterAlongAxis', P, A, J, Q, (offset) => offset);
}

/** One-hot rows of `depth`; number arguments `onValue` and `offValue`. */
export function oneHotSpec(depth: number): KernelSpec {
  return perElementSpec(`oneHot:${depth}`, ['indices', 'onValue', 'offValue'], (src, i) => {
    const { q: j, r: d } = divmod(src, i, depth);
    return `(indices[${j}] === ${d} ? onValue : offValue)`;
  });
}

/** Shapes and strides of a batched matmul, as the kernel reads them. */
export interface MatmulLayout {
  /** Output batch extents (merged) and each operand's strides over them (0 where it broadcasts). */
  batchDims: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
  m: number;
  n: number;
  k: number;
  /** Strides of a's rows (m) and depth (k), and of b's depth (k) and columns (n). */
  aRow: number;
  aDepth: number;
  bDepth: number;
  bCol: number;
}

/** `out[batch, i, j] = sum over t of a[batch, i, t] * b[batch, t, j]`, one output element per thread. */
export function matmulSpec(layout: MatmulLayout): KernelSpec {
  return perElementSpec(`matmul:${JSON.stringify(layout)}`, ['a', 'b'], (src, i) => {
    const { batchDims, aBatchStrides, bBatchStrides, m, n, k, aRow, aDepth, bDepth, bCol } = layout;
    const { q: rest, r: col } = divmod(src, i, n);
    const { q: batch, r: row } = divmod(src, rest, m);
    const batchCoords = batchDims.length <= 1 ? batchDims.map(() => batch) : coordinates(src, batch, batchDims);
    const aOffset = src.let('ao', `${offsetExpr(batchCoords, aBatchStrides)} + ${row} * ${aRow}`);
    const bOffset = src.let('bo', `${offsetExpr(batchCoords, bBatchStrides)} + ${col} * ${bCol}`);
    const acc = src.let('acc', '0');
    src.add(
      `for (let t = 0; t < ${k}; t++) {`,
      `  ${acc} = ${acc} + a[${aOffset}] * b[${bOffset}];`,
      `  ${aOffset} = ${aOffset} + ${lit(aDepth)};`,
      `  ${bOffset} = ${bOffset} + ${lit(bDepth)};`,
      '}',
    );
    return acc;
  });
}

