/**
 * Lazy elementwise fusion for the cpu backend. A float32 elementwise op on large operands does not
 * run at once: it returns a tensor whose storage is a {@link FusedExpr}, a node of an expression
 * DAG over arrays and numbers. The first kernel that needs the values (a reduction, a matrix
 * product, a read) evaluates the whole expression in one pass with kernels.c's `fused_f32`: block
 * by block, every intermediate in an L1-sized register, so a chain of k ops reads its operands
 * once and writes one array instead of k.
 *
 * Why: each op of a loss is one memory-bound pass over megabytes (a 4 MB pass costs about 1.4 ms
 * here however simple its arithmetic), and a composed loss with its gradient is 10 to 20 of them;
 * PyTorch's native losses are one or two. Fused, the loss stays composed from primitives and its
 * gradient from the graph, and the passes collapse.
 *
 * Results are bit-identical to running the ops one by one (fusion off): each op still rounds to
 * float32, with the same SIMD instructions and the same exp/sigmoid/softplus code as the single-op
 * wasm kernels. Only float32, and only operands that are full-size (the output's element count) or
 * one value, fuse; anything else, and every other op, runs eagerly as before. Without WebAssembly
 * SIMD nothing is deferred; an expression deferred before WebAssembly was switched off is evaluated
 * op by op with the JavaScript kernels, whose exp/sigmoid/softplus differ from wasm's by a few ulps.
 *
 * @internal
 */
import type { BinaryOp, FusableOp, UnaryOp } from '../../primitives.js';
import type { TypedArray } from '../../dtype.js';
import { binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { WASM_ELEMENTWISE_MIN, wasmElementwiseAvailable } from './wasm-elementwise.js';
import { newArray, scratchEpoch } from './memory.js';
import { isEnabled } from './switches.js';
import { alignBytes, alignPages, kernelsWithHeap } from './wasm-module.js';
import { FUSED_OP_CODES } from './wasm-op-codes.generated.js';
import { trackDeferredReader, wasHandedOut, type DeferredReader } from './deferred-readers.js';

/**
 * An op a fused expression can hold: a fusable primitive (one with a fused_f32 code in the
 * primitives table), or `repeat` (each value of a short array repeated along a row: a broadcast to
 * a longer last axis, filled chunk by chunk as it streams in).
 */
export type FusedOp = FusableOp | 'repeat';

/** Shortest row a `repeat` covers: shorter ones cost more in fill calls than the broadcast array. */
const MIN_REPEAT = 16;

/** An operand of a fused op: another expression, a full-size array, or one value. */
export type FusedOperand = FusedExpr | Float32Array | number;

/** Register kinds of fused_f32. */
const TEMP = 0;
const STREAM = 1;
const SPLAT = 2;
/** Floats per register block in kernels.c (FUSED_BLOCK) and the most registers it takes. */
const BLOCK = 256;
const MAX_REGS = 64;
/** Floats per chunk streamed through the module's memory (as wasm-elementwise.ts does). */
const CHUNK = 16384;
/**
 * Ops per expression before its operands are evaluated first. Deep chains (an optimiser's running
 * averages over many steps) would otherwise grow without bound and be recomputed on every read.
 */
const MAX_NODES = 48;
/**
 * An expression an evaluation already computed without storing, with more ops than this, is
 * evaluated and stored when a new expression takes it: recomputing it on every read would turn a
 * running state (an optimiser's moving averages, updated each step) into an ever-longer chain.
 */
const MAX_RECOMPUTED_NODES = 8;

/**
 * Whether ops may be deferred now (fusion on and WebAssembly SIMD available).
 *
 * @returns true when `fuse` may defer
 * @example
 * ```ts
 * if (fusionActive()) console.log('float32 elementwise chains run fused');
 * ```
 */
export function fusionActive(): boolean {
  return isEnabled('fusion') && wasmElementwiseAvailable();
}

/**
 * One deferred float32 elementwise op: a node of an expression DAG. It never changes, except that
 * evaluation caches its values in `result` and drops its operands.
 *
 * @example
 * ```ts
 * const e = fuse('mul', [fuse('sub', [p, l], p.length)!, 0.5], p.length);
 * ```
 */
export class FusedExpr implements DeferredReader {
  /** The op. */
  readonly op: FusedOp;
  /** The operands (emptied once evaluated). */
  args: readonly FusedOperand[];
  /** Element count. */
  readonly length: number;
  /** Ops in this expression, counting shared ones once per use (an upper bound). */
  readonly nodes: number;
  /**
   * The scratch scope the expression was built in (-1: none). Its evaluation may hand arrays to
   * that scope for recycling; an expression from outside must not, since its holder outlives it.
   */
  readonly epoch: number;
  /** Whether an evaluation computed it as an intermediate without storing it. */
  spent = false;
  /** The values, once evaluated. */
  result: Float32Array | null = null;
  /** For `repeat`: how many times each value of the operand repeats (the row length). */
  readonly repeat: number;

  /** @internal Made by {@link fuse} and {@link fuseRepeat}. */
  constructor(op: FusedOp, args: readonly FusedOperand[], length: number, nodes: number, repeat = 0) {
    this.op = op;
    this.args = args;
    this.length = length;
    this.nodes = nodes;
    this.repeat = repeat;
    this.epoch = scratchEpoch();
    if (args.some(isArray)) trackDeferredReader(this);
  }

  /** True once evaluated. */
  get isSettled(): boolean {
    return this.result !== null;
  }

  /** Whether `values` is one of its operands. @param values - an array */
  readsArray(values: TypedArray): boolean {
    return this.args.includes(values as Float32Array);
  }

  /** Evaluates it now. */
  settle(): void {
    evaluateFused(this);
  }
}

function isArray(x: FusedOperand): x is Float32Array {
  return x instanceof Float32Array;
}

/**
 * `values` with each element repeated `repeat` times, deferred (a broadcast of `[..., 1]` to
 * `[..., repeat]`), or null when it should be materialised as usual.
 *
 * @param values - the short array
 * @param repeat - the row length
 * @returns the expression, or null
 * @example
 * ```ts
 * fuseRepeat(rowGrads, 1000); // rowGrads[i] at elements [1000 i, 1000 (i + 1))
 * ```
 */
export function fuseRepeat(values: Float32Array, repeat: number): FusedExpr | null {
  const length = values.length * repeat;
  if (length < WASM_ELEMENTWISE_MIN || repeat < MIN_REPEAT || !fusionActive() || wasHandedOut(values)) return null;
  return new FusedExpr('repeat', [values], length, 1, repeat);
}

/** The full-size values of a `repeat` expression. */
function expandRepeat(e: FusedExpr, out: Float32Array): Float32Array {
  const values = e.args[0] as Float32Array;
  for (let r = 0; r < values.length; r++) out.fill(values[r]!, r * e.repeat, (r + 1) * e.repeat);
  return out;
}

/** Whether `op` can be deferred. @param op - a unary or binary op name */
function isFusable(op: UnaryOp | BinaryOp | 'where'): op is FusableOp {
  return Object.prototype.hasOwnProperty.call(FUSED_OP_CODES, op);
}

function nodesOf(x: FusedOperand): number {
  return x instanceof FusedExpr && x.result === null ? x.nodes : 0;
}

/**
 * A deferred op over `args`, or null when it should run at once: fusion off or unavailable, too
 * few elements to pay for it, or an op it lacks. Operands must already be full-size arrays,
 * numbers or expressions of `length` elements; an expression too large to grow is evaluated first.
 *
 * @param op - the op
 * @param args - its operands (one for unary ops, two for binary, three for where)
 * @param length - element count of the result
 * @returns the expression, or null
 * @example
 * ```ts
 * const d = fuse('sub', [p, l], p.length);
 * ```
 */
export function fuse(op: UnaryOp | BinaryOp | 'where', args: FusedOperand[], length: number): FusedExpr | null {
  if (length < WASM_ELEMENTWISE_MIN || !isFusable(op) || !fusionActive()) return null;
  // An array the user holds (from dataNoCopy) may be written later: read it now, eagerly.
  for (let i = 0; i < args.length; i++) if (isArray(args[i]!) && wasHandedOut(args[i] as Float32Array)) return null;
  for (let i = 0; i < args.length; i++) {
    const a = settled(args[i]!);
    args[i] = a instanceof FusedExpr && a.spent && a.nodes > MAX_RECOMPUTED_NODES ? evaluateFused(a) : a;
  }
  const folded = foldScalarOp(op, args, length);
  if (folded !== null) return folded;
  let nodes = 1;
  for (const a of args) nodes += nodesOf(a);
  if (nodes > MAX_NODES) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a instanceof FusedExpr) args[i] = evaluateFused(a);
    }
    nodes = 1;
  }
  return new FusedExpr(op, args, length, nodes);
}

/**
 * Ops that JavaScript computes on float32 values exactly as the SIMD kernels do (one IEEE rounding
 * of the exact result: double rounding is innocuous for these), so they may run on a `repeat`'s
 * short array instead of on every element.
 */
const EXACT_IN_JS = new Set<string>(['add', 'sub', 'mul', 'div', 'neg', 'abs']);

/** How deep {@link negated} looks for a scalar to flip. */
const NEGATE_DEPTH = 3;

/**
 * The op with its cost folded away, or null. These rewrites, each bit-identical to running the op:
 * - a product with 1 or a quotient by 1 is its other operand;
 * - an op of a deferred `repeat` with numbers (a scaling of a broadcast gradient, `mul(g, 0.5)`,
 *   `neg(g)`) runs on the short array and stays a `repeat`: rows·1 work instead of rows·R;
 * - `neg` of a product or quotient flips the sign of a number below it instead
 *   (`-(a·(x·2)) = a·(x·(-2))`, exactly: negation commutes with rounding), so a formula written as
 *   the seed writes it (`(label − pred)²/2`, whose gradient to pred is `−g·2d`) costs no pass more
 *   than one written to save the negation.
 */
function foldScalarOp(op: UnaryOp | BinaryOp | 'where', args: readonly FusedOperand[], length: number): FusedExpr | null {
  // x·1, 1·x and x/1 are x, bit for bit (Huber's q/rho at rho = 1).
  if ((op === 'mul' || op === 'div') && args[1] === 1 && args[0] instanceof FusedExpr) return args[0];
  if (op === 'mul' && args[0] === 1 && args[1] instanceof FusedExpr) return args[1];
  const short = onShortArray(op, args, length);
  if (short !== null) return short;
  if (op !== 'neg') return null;
  const flipped = negated(args[0]!, NEGATE_DEPTH);
  return flipped instanceof FusedExpr ? flipped : null;
}

/** `op` of a deferred repeat and numbers, as a repeat of `op` on its short array; null otherwise. */
function onShortArray(op: UnaryOp | BinaryOp | 'where', args: readonly FusedOperand[], length: number): FusedExpr | null {
  if (!EXACT_IN_JS.has(op)) return null;
  const k = args.findIndex((a) => a instanceof FusedExpr && a.op === 'repeat' && a.result === null);
  if (k < 0 || args.some((a, i) => i !== k && typeof a !== 'number')) return null;
  const source = args[k] as FusedExpr;
  const values = source.args[0] as Float32Array;
  const out = new Float32Array(values.length);
  if (args.length === 1) unaryKernel(op as UnaryOp, values, out);
  else {
    const scalar = Float32Array.of(args[1 - k] as number);
    const shape = [values.length];
    if (k === 0) binaryKernel(op as BinaryOp, values, shape, scalar, [1], out, shape);
    else binaryKernel(op as BinaryOp, scalar, [1], values, shape, out, shape);
  }
  return new FusedExpr('repeat', [out], length, 1, source.repeat);
}

/**
 * An operand equal to `-x` bit for bit with no neg op of its own: a number flipped, a repeat's
 * short array negated, or the negation pushed into a factor of a product or the dividend or
 * divisor of a quotient (at most `depth` levels down); null when there is none.
 */
function negated(x: FusedOperand, depth: number): FusedOperand | null {
  if (typeof x === 'number') return -x;
  if (!(x instanceof FusedExpr) || x.result !== null || depth === 0) return null;
  if (x.op === 'repeat') return onShortArray('neg', [x], x.length);
  if (x.op !== 'mul' && x.op !== 'div') return null;
  // The number first (the cheapest flip), then the sub-expressions.
  const order = typeof x.args[0] === 'number' ? [0, 1] : [1, 0];
  for (const i of order) {
    const flipped = negated(x.args[i]!, depth - 1);
    if (flipped === null) continue;
    const args = [...x.args];
    args[i] = flipped;
    return new FusedExpr(x.op, args, x.length, 1 + nodesOf(args[0]!) + nodesOf(args[1]!));
  }
  return null;
}

/** The operand an evaluated expression stands for: its values. */
function settled(x: FusedOperand): FusedOperand {
  return x instanceof FusedExpr && x.result !== null ? x.result : x;
}

/**
 * The values of `root`, computed once and cached: every op of its DAG in one pass (on WebAssembly,
 * or op by op in JavaScript where the module is unavailable). Only the root is stored: a
 * sub-expression another expression also uses is computed again there, which costs less than
 * writing it out (it re-reads its operands, while storing writes and later re-reads a full array);
 * a large one computed before is stored when taken up again (see MAX_RECOMPUTED_NODES).
 *
 * @param root - the expression
 * @returns the values (also in `root.result`)
 * @example
 * ```ts
 * const values = evaluateFused(expr); // a Float32Array of expr.length
 * ```
 */
export function evaluateFused(root: FusedExpr): Float32Array {
  if (root.result === null) run(root, STORE_VALUES);
  return root.result!;
}

/**
 * The sums of `root`'s values over rows of `rowLength` (its last axis), in double, computed in the
 * same pass as the expression without storing its full-size values; null when `root` already has
 * values (then reduce them as usual).
 *
 * @param root - the expression, `root.length` a multiple of `rowLength`
 * @param rowLength - elements per row (>= 1)
 * @returns one sum per row, or null
 * @example
 * ```ts
 * const sums = sumFusedRows(expr, 1000); // Float64Array of expr.length / 1000
 * ```
 */
export function sumFusedRows(root: FusedExpr, rowLength: number): Float64Array | null {
  if (root.result !== null || root.op === 'repeat' || rowLength < 1 || root.length % rowLength !== 0) return null;
  return run(root, rowLength);
}

/** {@link run}'s `rowLength` for an evaluation that stores the root's values (no row sums). */
const STORE_VALUES = 0;

/**
 * Evaluates the DAG under `root`: stores the root's values for a `rowLength` of
 * {@link STORE_VALUES}, else returns their sums over rows of `rowLength` instead.
 */
function run(root: FusedExpr, rowLength: number): Float64Array | null {
  if (root.op === 'repeat') {
    root.result = expandRepeat(root, newArray('float32', root.length, false, root.epoch) as Float32Array);
    return null;
  }
  // Post-order over the unevaluated nodes (the depth is at most MAX_NODES: recursion is safe).
  const order: FusedExpr[] = [];
  const seen = new Set<FusedExpr>([root]);
  const visit = (e: FusedExpr): void => {
    for (const a of e.args) {
      const s = settled(a);
      if (!(s instanceof FusedExpr) || seen.has(s)) continue;
      seen.add(s);
      visit(s);
    }
    order.push(e);
  };
  visit(root);
  const sums = rowLength === STORE_VALUES ? null : new Float64Array(root.length / rowLength);
  const stored = sums === null ? [root] : [];
  // Results are attached only after the run: until then `settled` must still see expressions.
  const outputs = stored.map((e) => newArray('float32', e.length, false, e.epoch) as Float32Array);
  const summed = sums === null ? null : { root, rowLength, sums };
  // A lone op runs its own kernel (WebAssembly for the ops that have one), which is as fast and
  // spares the program set-up.
  const lone = summed === null && order.length === 1;
  if (lone || !runWasm(order, stored, outputs, root.length, summed)) runJs(order, stored, outputs, summed);
  stored.forEach((e, i) => {
    e.result = outputs[i]!;
  });
  for (const e of order) if (e.result === null) e.spent = true;
  // With its values stored, the root no longer needs its operands: let them go.
  if (root.result !== null) root.args = [];
  return sums;
}

/** A row-sum request: `root`'s values summed over rows of `rowLength` into `sums`. */
interface RowSums {
  readonly root: FusedExpr;
  readonly rowLength: number;
  readonly sums: Float64Array;
}

/** Runs the DAG through fused_f32; false when the module is unavailable. */
function runWasm(
  order: readonly FusedExpr[], stored: readonly FusedExpr[], outputs: readonly Float32Array[], n: number, summed: RowSums | null,
): boolean {
  if (!wasmElementwiseAvailable()) return false;
  // Registers: streams (operand arrays, then stored results), splats (numbers), temporaries.
  const reg = new Map<FusedExpr | Float32Array | string, number>();
  // Numbers are keyed as strings so that -0 and 0 get separate registers.
  const keyOf = (x: FusedOperand): FusedExpr | Float32Array | string => (typeof x === 'number' ? (Object.is(x, -0) ? '-0' : String(x)) : x);
  const kinds: number[] = [];
  const consts: number[] = [];
  const inputs: Float32Array[] = [];
  const newReg = (kind: number, value: number): number => {
    kinds.push(kind);
    consts.push(value);
    return kinds.length - 1;
  };
  const repeats: FusedExpr[] = [];
  for (const e of order) {
    if (e.op === 'repeat') {
      reg.set(e, newReg(STREAM, 0));
      repeats.push(e);
      continue;
    }
    for (const a of e.args) {
      const s = settled(a);
      if (s instanceof FusedExpr || reg.has(keyOf(s))) continue;
      if (typeof s === 'number') reg.set(keyOf(s), newReg(SPLAT, s));
      else {
        reg.set(s, newReg(STREAM, 0));
        inputs.push(s);
      }
    }
  }
  for (const e of stored) reg.set(e, newReg(STREAM, 0));
  // Temporaries are reused once their last reader has run, so live ones stay few.
  const lastUse = new Map<FusedExpr, number>();
  order.forEach((e, k) => {
    for (const a of e.args) {
      const s = settled(a);
      if (s instanceof FusedExpr) lastUse.set(s, k);
    }
  });
  const free: number[] = [];
  const program: number[] = [];
  let count = 0;
  for (let k = 0; k < order.length; k++) {
    const e = order[k]!;
    if (e.op === 'repeat') continue;
    count++;
    const operands = e.args.map((a) => reg.get(keyOf(settled(a)))!);
    let dst = reg.get(e);
    if (dst === undefined) {
      dst = free.pop() ?? newReg(TEMP, 0);
      reg.set(e, dst);
    }
    program.push(FUSED_OP_CODES[e.op as FusableOp], dst, operands[0]!, operands[1] ?? operands[0]!, operands[2] ?? operands[0]!);
    // An operand may appear twice (mul(h, h)): free its register once.
    for (const a of new Set(e.args)) {
      const s = settled(a);
      if (s instanceof FusedExpr && lastUse.get(s) === k && kinds[reg.get(s)!] === TEMP) free.push(reg.get(s)!);
    }
    if (kinds.length > MAX_REGS) return false;
  }
  const regs = kinds.length;
  // Streams come first, each a whole number of pages, so every one starts at heapBase's offset
  // within a page (chosen by wasm-module.ts to keep memcpy clear of 4K aliasing).
  const streamBytes = alignPages((CHUNK + 4) * 4);
  let streams = 0;
  for (const kind of kinds) if (kind === STREAM) streams++;
  const blocks = regs - streams;
  // A chunk touches at most CHUNK / rowLength + 2 rows.
  const sumSlots = summed === null ? 0 : Math.floor(CHUNK / summed.rowLength) + 2;
  const sumBytes = alignBytes(sumSlots * 8);
  const tableBytes = alignBytes(program.length * 4) + 3 * alignBytes(regs * 4);
  const kernels = kernelsWithHeap(streams * streamBytes + tableBytes + sumBytes + blocks * BLOCK * 4);
  if (kernels === null) return false;
  const pointers: number[] = [];
  let next = kernels.heapBase;
  kinds.forEach((kind, r) => {
    if (kind !== STREAM) return;
    pointers[r] = next;
    next += streamBytes;
  });
  const programPtr = next;
  const regsPtr = programPtr + alignBytes(program.length * 4);
  const kindsPtr = regsPtr + alignBytes(regs * 4);
  const constsPtr = kindsPtr + alignBytes(regs * 4);
  const sumsPtr = constsPtr + alignBytes(regs * 4);
  next = sumsPtr + sumBytes;
  kinds.forEach((kind, r) => {
    if (kind === STREAM) return;
    pointers[r] = next;
    next += BLOCK * 4;
  });
  const memory = kernels.exports.memory.buffer;
  const ints = new Int32Array(memory);
  const doubles = new Float64Array(memory, sumsPtr, sumSlots);
  const sumReg = summed === null ? -1 : reg.get(summed.root)!;
  const floats = new Float32Array(memory);
  ints.set(program, programPtr >> 2);
  ints.set(kinds, kindsPtr >> 2);
  floats.set(consts, constsPtr >> 2);
  ints.set(pointers, regsPtr >> 2);
  const inputPtrs = inputs.map((a) => pointers[reg.get(a)!]! >> 2);
  const outputPtrs = stored.map((e) => pointers[reg.get(e)!]! >> 2);
  const repeatPtrs = repeats.map((e) => pointers[reg.get(e)!]! >> 2);
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    for (let i = 0; i < inputs.length; i++) floats.set(inputs[i]!.subarray(off, off + len), inputPtrs[i]!);
    for (let i = 0; i < repeats.length; i++) {
      const { repeat } = repeats[i]!;
      const values = repeats[i]!.args[0] as Float32Array;
      for (let at = off; at < off + len;) {
        const row = Math.floor(at / repeat);
        const end = Math.min((row + 1) * repeat, off + len);
        floats.fill(values[row]!, repeatPtrs[i]! + at - off, repeatPtrs[i]! + end - off);
        at = end;
      }
    }
    if (summed === null) kernels.exports.fused_f32(programPtr, count, regsPtr, kindsPtr, constsPtr, regs, len, -1, 0, 1, 0);
    else {
      const { rowLength, sums } = summed;
      const firstRow = Math.floor(off / rowLength);
      const rows = Math.floor((off + len - 1) / rowLength) - firstRow + 1;
      doubles.fill(0, 0, rows);
      kernels.exports.fused_f32(programPtr, count, regsPtr, kindsPtr, constsPtr, regs, len, sumReg, sumsPtr, rowLength, off % rowLength);
      for (let r = 0; r < rows; r++) sums[firstRow + r] = sums[firstRow + r]! + doubles[r]!;
    }
    for (let i = 0; i < stored.length; i++) outputs[i]!.set(floats.subarray(outputPtrs[i]!, outputPtrs[i]! + len), off);
  }
  return true;
}

/** The same DAG op by op with the eager kernels (each takes WebAssembly or JavaScript as it would eagerly): a full-size array per op. */
function runJs(order: readonly FusedExpr[], stored: readonly FusedExpr[], outputs: readonly Float32Array[], summed: RowSums | null): void {
  const values = new Map<FusedExpr, Float32Array>();
  const valueOf = (x: FusedOperand): TypedArray => {
    const s = settled(x);
    if (typeof s === 'number') return Float32Array.of(s);
    return s instanceof FusedExpr ? values.get(s)! : s;
  };
  for (const e of order) {
    const k = stored.indexOf(e);
    const out = k >= 0 ? outputs[k]! : new Float32Array(e.length);
    if (e.op === 'repeat') {
      values.set(e, expandRepeat(e, out));
      continue;
    }
    const shapeOf = (x: FusedOperand): number[] => [typeof settled(x) === 'number' ? 1 : e.length];
    const [a, b, c] = e.args;
    if (e.op === 'where') whereKernel(valueOf(a!), shapeOf(a!), valueOf(b!), shapeOf(b!), valueOf(c!), shapeOf(c!), out, [e.length]);
    else if (b === undefined) unaryKernel(e.op as UnaryOp, valueOf(a!), out);
    else binaryKernel(e.op as BinaryOp, valueOf(a!), shapeOf(a!), valueOf(b), shapeOf(b), out, [e.length]);
    values.set(e, out);
  }
  if (summed !== null) {
    const { root, rowLength, sums } = summed;
    const v = values.get(root)!;
    for (let r = 0; r < sums.length; r++) {
      let total = 0;
      for (let i = r * rowLength; i < (r + 1) * rowLength; i++) total += v[i]!;
      sums[r] = total;
    }
  }
}
