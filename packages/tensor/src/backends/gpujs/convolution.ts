/**
 * Convolution and pooling kernels of the gpujs backend, one output element per thread, with every
 * extent baked in as a literal. The adjoints are written as gathers (each input element sums the
 * outputs whose windows read it), so no kernel needs atomics. A window position reads the input
 * only inside it: padding is never materialised.
 *
 * The input-side adjoints find which output reads tap `k` at input position `p` by solving
 * `o·stride = p + padding − k·dilation` for o; the quotient is rounded to the nearest integer and
 * checked by multiplying back, which stays exact where a GPU's division is not.
 *
 * @internal
 */
import type { Conv2dParams, Pool2dParams } from '../../ops/convolution.js';
import { coordinates, divmod, type KernelSource, lit, perElementSpec } from './codegen.js';
import type { KernelSpec } from './runtime.js';

/** Extents of a convolution: input [n, c, h, w], weight [o, c/groups, kh, kw], output [n, o, oh, ow]. */
export interface ConvLayout {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  oh: number; ow: number;
  params: Conv2dParams;
}

/** Extents of a pooling: input planes [p, h, w] (p = N·C), output [p, oh, ow]. */
export interface PoolLayout {
  planes: number; h: number; w: number;
  oh: number; ow: number;
  params: Pool2dParams;
}

/** `0 <= v && v < size` as source text. */
function inside(v: string, size: number): string {
  return `${v} >= 0 && ${v} < ${size}`;
}

/**
 * Declares the output index `o` with `o·stride = target` (the variable `q`), and returns the
 * condition that it exists and lies in [0, count).
 */
function exactQuotient(src: KernelSource, target: string, stride: number, count: number): { q: string; ok: string } {
  if (stride === 1) return { q: target, ok: inside(target, count) };
  const q = src.fresh('q');
  src.add(`let ${q} = Math.floor(${target} / ${stride} + 0.5);`);
  return { q, ok: `${q} * ${stride} === ${target} && ${inside(q, count)}` };
}

/** `out[n, o, y, x] = Σ over c, i, j of x[n, group·cg + c, y·sh − ph + i·dh, x·sw − pw + j·dw] · w[o, c, i, j]`. */
export function conv2dSpec(g: ConvLayout): KernelSpec {
  return perElementSpec(`conv2d:${JSON.stringify(g)}`, ['x', 'w'], (src, i) => {
    const { c, h, w, o, kh, kw, oh, ow, params } = g;
    const cg = c / params.groups;
    const og = o / params.groups;
    const [n, oc, y, x] = coordinates(src, i, [g.n, o, oh, ow]) as [string, string, string, string];
    const group = divmod(src, oc, og).q;
    const acc = src.let('acc', '0');
    const xBase = src.let('xb', `(${n} * ${c} + ${group} * ${cg}) * ${h * w}`);
    const wBase = src.let('wb', `${oc} * ${cg * kh * kw}`);
    src.add(
      `for (let tc = 0; tc < ${cg}; tc++) {`,
      `  for (let ti = 0; ti < ${kh}; ti++) {`,
      `    const iy = ${y} * ${params.strides[0]} + ti * ${params.dilation[0]} - ${params.padding[0]};`,
      `    for (let tj = 0; tj < ${kw}; tj++) {`,
      `      const ix = ${x} * ${params.strides[1]} + tj * ${params.dilation[1]} - ${params.padding[1]};`,
      `      if (${inside('iy', h)} && ${inside('ix', w)}) {`,
      `        ${acc} = ${acc} + x[${xBase} + tc * ${h * w} + iy * ${w} + ix] * w[${wBase} + (tc * ${kh} + ti) * ${kw} + tj];`,
      '      }',
      '    }',
      '  }',
      '}',
    );
    return acc;
  });
}

/** `dx[n, ch, iy, ix] = Σ over the outputs (y, x) of the group's channels whose tap (i, j) reads it, of dy · w`. */
export function conv2dInputGradSpec(g: ConvLayout): KernelSpec {
  return perElementSpec(`conv2dInputGrad:${JSON.stringify(g)}`, ['dy', 'w'], (src, i) => {
    const { c, h, w, o, kh, kw, oh, ow, params } = g;
    const cg = c / params.groups;
    const og = o / params.groups;
    const [n, ch, iy, ix] = coordinates(src, i, [g.n, c, h, w]) as [string, string, string, string];
    const { q: group, r: cIn } = divmod(src, ch, cg);
    const acc = src.let('acc', '0');
    src.add(`for (let to = 0; to < ${og}; to++) {`, `  const oc = ${group} * ${og} + to;`, `  for (let ti = 0; ti < ${kh}; ti++) {`);
    src.add(`    const ty = ${iy} + ${params.padding[0]} - ti * ${params.dilation[0]};`);
    const rows = exactQuotient(src, 'ty', params.strides[0], oh);
    src.add(`    if (${rows.ok}) {`, `      for (let tj = 0; tj < ${kw}; tj++) {`);
    src.add(`        const tx = ${ix} + ${params.padding[1]} - tj * ${params.dilation[1]};`);
    const cols = exactQuotient(src, 'tx', params.strides[1], ow);
    src.add(
      `        if (${cols.ok}) {`,
      `          ${acc} = ${acc} + dy[((${n} * ${o} + oc) * ${oh} + ${rows.q}) * ${ow} + ${cols.q}] * w[((oc * ${cg} + ${cIn}) * ${kh} + ti) * ${kw} + tj];`,
      '        }',
      '      }',
      '    }',
      '  }',
      '}',
    );
    return acc;
  });
}

/**
 * The weight gradient of one sample: `out[b, o, c, i, j] = Σ over (y, x) of x[b, group·cg + c, tap] · dy[b, o, y, x]`.
 * The backend sums it over the batch with a reduction, which keeps each thread's loop to one
 * output plane.
 */
export function conv2dWeightGradSpec(g: ConvLayout): KernelSpec {
  return perElementSpec(`conv2dWeightGrad:${JSON.stringify(g)}`, ['x', 'dy'], (src, i) => {
    const { c, h, w, o, kh, kw, oh, ow, params } = g;
    const cg = c / params.groups;
    const og = o / params.groups;
    const [b, oc, cIn, ki, kj] = coordinates(src, i, [g.n, o, cg, kh, kw]) as [string, string, string, string, string];
    const group = divmod(src, oc, og).q;
    const acc = src.let('acc', '0');
    const xBase = src.let('xb', `(${b} * ${c} + ${group} * ${cg} + ${cIn}) * ${h * w}`);
    const dyBase = src.let('db', `(${b} * ${o} + ${oc}) * ${oh * ow}`);
    src.add(
      `for (let ty = 0; ty < ${oh}; ty++) {`,
      `  const iy = ty * ${params.strides[0]} + ${ki} * ${params.dilation[0]} - ${params.padding[0]};`,
      `  if (${inside('iy', h)}) {`,
      `    for (let tx = 0; tx < ${ow}; tx++) {`,
      `      const ix = tx * ${params.strides[1]} + ${kj} * ${params.dilation[1]} - ${params.padding[1]};`,
      `      if (${inside('ix', w)}) {`,
      `        ${acc} = ${acc} + x[${xBase} + iy * ${w} + ix] * dy[${dyBase} + ty * ${ow} + tx];`,
      '      }',
      '    }',
      '  }',
      '}',
    );
    return acc;
  });
}

/**
 * Max pooling: each window's maximum, or with `indices` the plane offset of its first maximum.
 * The running maximum starts at the window's first element inside the input, so no infinite
 * literal is needed (GPU.js cannot write one for WebGL).
 */
export function maxPool2dSpec(g: PoolLayout, indices: boolean): KernelSpec {
  return perElementSpec(`maxPool2d:${indices}:${JSON.stringify(g)}`, ['x'], (src, i) => {
    const { h, w, oh, ow, params } = g;
    const [p, y, x] = coordinates(src, i, [g.planes, oh, ow]) as [string, string, string];
    const best = src.let('best', '0');
    const at = src.let('at', '0');
    const found = src.let('found', '0');
    src.add(
      `for (let ti = 0; ti < ${params.poolSize[0]}; ti++) {`,
      `  const iy = ${y} * ${params.strides[0]} + ti - ${params.padding[0]};`,
      `  for (let tj = 0; tj < ${params.poolSize[1]}; tj++) {`,
      `    const ix = ${x} * ${params.strides[1]} + tj - ${params.padding[1]};`,
      `    if (${inside('iy', h)} && ${inside('ix', w)}) {`,
      `      const v = x[${p} * ${h * w} + iy * ${w} + ix];`,
      `      if (${found} === 0 || v > ${best}) { ${best} = v; ${at} = iy * ${w} + ix; ${found} = 1; }`,
      '    }',
      '  }',
      '}',
    );
    return indices ? at : best;
  });
}

/** Average pooling: each window's sum over its full size (padding counts as zeros). */
export function avgPool2dSpec(g: PoolLayout): KernelSpec {
  return perElementSpec(`avgPool2d:${JSON.stringify(g)}`, ['x'], (src, i) => {
    const { h, w, oh, ow, params } = g;
    const [p, y, x] = coordinates(src, i, [g.planes, oh, ow]) as [string, string, string];
    const acc = src.let('acc', '0');
    src.add(
      `for (let ti = 0; ti < ${params.poolSize[0]}; ti++) {`,
      `  const iy = ${y} * ${params.strides[0]} + ti - ${params.padding[0]};`,
      `  for (let tj = 0; tj < ${params.poolSize[1]}; tj++) {`,
      `    const ix = ${x} * ${params.strides[1]} + tj - ${params.padding[1]};`,
      `    if (${inside('iy', h)} && ${inside('ix', w)}) {`,
      `      ${acc} = ${acc} + x[${p} * ${h * w} + iy * ${w} + ix];`,
      '    }',
      '  }',
      '}',
    );
    return `${acc} * ${lit(1 / (params.poolSize[0] * params.poolSize[1]))}`;
  });
}

/** The adjoint of average pooling: each input element sums `dy` over the windows holding it, over the window size. */
export function avgPool2dGradSpec(g: PoolLayout): KernelSpec {
  return perElementSpec(`avgPool2dGrad:${JSON.stringify(g)}`, ['dy'], (src, i) => {
    const { h, w, oh, ow, params } = g;
    const [p, iy, ix] = coordinates(src, i, [g.planes, h, w]) as [string, string, string];
    const acc = src.let('acc', '0');
    src.add(`for (let ti = 0; ti < ${params.poolSize[0]}; ti++) {`, `  const ty = ${iy} + ${params.padding[0]} - ti;`);
    const rows = exactQuotient(src, 'ty', params.strides[0], oh);
    src.add(`  if (${rows.ok}) {`, `    for (let tj = 0; tj < ${params.poolSize[1]}; tj++) {`, `      const tx = ${ix} + ${params.padding[1]} - tj;`);
    const cols = exactQuotient(src, 'tx', params.strides[1], ow);
    src.add(
      `      if (${cols.ok}) {`,
      `        ${acc} = ${acc} + dy[(${p} * ${oh} + ${rows.q}) * ${ow} + ${cols.q}];`,
      '      }',
      '    }',
      '  }',
      '}',
    );
    return `${acc} * ${lit(1 / (params.poolSize[0] * params.poolSize[1]))}`;
  });
}
