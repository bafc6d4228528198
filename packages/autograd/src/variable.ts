import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import type { DType, NestedArray, Shape, Tensor, TensorLike, TypedArray } from '@lossgraph/tensor';
import { isGradEnabled } from './mode.js';
import { currentScope, noteRecorded, registerResultTensors, scopePath, type ScopeFrame } from './scope.js';
import { backwardFrom, type BackwardOptions } from './engine.js';
import type { OpDef } from './op-def.js';

/**
 * Anything an op accepts as an operand: a Variable, or a Tensor, nested arrays or a number (a constant).
 *
 * @example
 * ```ts
 * const operands: VariableLike[] = [variable([1, 2]), tensor([3, 4]), [5, 6], 2];
 * operands.reduce((acc, x) => add(acc, x), constant(0));
 * ```
 */
export type VariableLike = Variable | TensorLike;

/**
 * Ticks once per in-place write ({@link Variable.assign}) anywhere in the program. A node stamps
 * the clock when it is recorded and a Variable when it is written, so "written after recorded" is
 * one comparison and a node stores one number, not a version per input.
 */
let writeClock = 0;

/**
 * While a gradient rule runs for a node some of whose inputs were written after it was recorded,
 * the node's `recordedAt`; reading such an input's value then fails. Infinity otherwise, so
 * reading a value costs one comparison. Only reads fail: a rule that never reads an input's
 * value (that of add needs only its shape) is unaffected, as PyTorch checks only saved tensors.
 */
let readableUntil = Number.POSITIVE_INFINITY;
let guardedNode: Node | null = null;

/**
 * Runs `fn` (a node's gradient rule, or one of the gradients it returned as a function) so that
 * reading the value of an input written after the node was recorded throws an error naming that
 * input and the op. The engine calls it only where {@link inputsWrittenSince} is true. @internal
 */
export function checkingSavedInputs<R>(node: Node, fn: () => R): R {
  const previousLimit = readableUntil;
  const previousNode = guardedNode;
  readableUntil = node.recordedAt;
  guardedNode = node;
  try {
    return fn();
  } finally {
    readableUntil = previousLimit;
    guardedNode = previousNode;
  }
}

/** True when some input of `node` was assigned after the node was recorded. @internal */
export function inputsWrittenSince(node: Node): boolean {
  const inputs = node.inputs;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.writtenAt > node.recordedAt) return true;
  return false;
}

/**
 * One recorded application of an op: the tape entry behind a non-leaf Variable. Graph inspection
 * walks from a Variable to its `node`, then to `node.inputs` (Variables again), down to leaves and
 * constants (Variables whose `node` is null). The Variable that owns the node is its output and
 * carries the id, name, scope, value and shape.
 *
 * @typeParam A - the op's attributes
 *
 * @example
 * ```ts
 * const y = mul(variable([1, 2]), 3);
 * y.node!.op.name;           // 'mul'
 * y.node!.inputs.length;     // 2 (the constant 3 included)
 * ```
 */
export class Node<A = unknown> {
  /** Which op ran; `op.name` is what to display. */
  readonly op: OpDef<A>;
  /** The operands, constants included (a constant is a Variable with `requiresGrad` false). */
  readonly inputs: readonly Variable[];
  /** The op's non-Variable arguments as plain data (axes, shapes, index tensors...), or undefined. */
  readonly attrs: A;
  /**
   * True once a backward pass without `retainGraph` went through this node; another backward
   * through it is an error, as in PyTorch.
   */
  released = false;
  /**
   * The gradient of the objective with respect to this node's output, from the most recent
   * backward pass that reached it with `retainGrads: true` (graph inspection sets that); null otherwise.
   */
  outputGrad: Variable | null = null;
  /**
   * The in-place write clock when the op was recorded: an input written after that (its
   * `writtenAt` is later) no longer holds the value the op saw. @internal
   */
  readonly recordedAt: number = writeClock;

  /** @internal Ops make nodes through {@link recordOp}. */
  constructor(op: OpDef<A>, inputs: readonly Variable[], attrs: A) {
    this.op = op;
    this.inputs = inputs;
    this.attrs = attrs;
  }
}

let nextVariableId = 1;

/** How error messages name a Variable: its name when it has one, its id, and the op that made it. */
export function describeVariable(v: Variable): string {
  const name = v.name === undefined ? '' : ` ${JSON.stringify(v.name)}`;
  const origin = v.node !== null ? ` (the output of '${v.node.op.name}')` : '';
  return `Variable${name} #${v.id}${origin}`;
}

function modifiedError(v: Variable, node: Node | null): Error {
  const by = node === null ? 'an op' : `'${node.op.name}'`;
  return new Error(
    `backward: ${describeVariable(v)} was modified in place by assign (now at version ${v.version}) after ${by} saved it for ` +
      'backward; its gradient would be computed with the new value. Run backward before assigning, ' +
      'or compute the graph again after the assignment',
  );
}

function disposedError(v: Variable): Error {
  return new Error(`${describeVariable(v)}: its value was disposed (Tensor.dispose) and can no longer be read`);
}

/**
 * A tensor value plus what autograd needs: whether gradients flow to it, the op that made it and
 * the accumulated gradient of a leaf. Make leaves with {@link variable}; ops make the rest.
 * A Variable whose `node` is null is a leaf (a parameter or input) or, when it does not require
 * grad, a constant.
 *
 * @example
 * ```ts
 * const w = variable([1, 2, 3], { name: 'w' });
 * const y = sum(square(w));
 * y.backward();
 * w.grad?.toArray();   // [2, 4, 6]
 * ```
 */
export class Variable {
  /** Unique, increasing in creation order; graph inspection uses it as the vertex id. */
  readonly id: number;
  /**
   * The gradient accumulated by {@link Variable.backward} (leaves only; null until then). A
   * Variable, so that with `createGraph` it can be differentiated again.
   */
  grad: Variable | null = null;
  /** Whether gradients flow to this Variable: true for leaves made so and for outputs of recorded ops. */
  readonly requiresGrad: boolean;
  /** The recorded op that produced this Variable; null for leaves and constants. */
  readonly node: Node | null;
  /** The innermost {@link scope} active when this Variable was made (null outside every scope). */
  readonly scope: ScopeFrame | null;
  /**
   * True for a model parameter (made with `variable(..., { parameter: true })`): it is made once
   * and used by every forward pass, so {@link graphOf} draws it in the innermost scope around the
   * ops that use it (its layer's), not in whatever scope was active when it was made.
   */
  readonly isParameter: boolean;
  private current: Tensor;
  private label: string | undefined;
  private writes = 0;
  /** The write clock at the last {@link Variable.assign} (0: never written). @internal */
  writtenAt = 0;

  /** @internal Use {@link variable}, {@link constant} or an op. */
  constructor(value: Tensor, requiresGrad: boolean, node: Node | null, name: string | undefined, isParameter = false) {
    this.id = nextVariableId++;
    this.current = value;
    this.requiresGrad = requiresGrad;
    this.node = node;
    this.scope = currentScope();
    if (node !== null && this.scope !== null) noteRecorded(this.scope);
    this.label = name;
    this.isParameter = isParameter;
  }

  /**
   * Whether its value was disposed: by {@link Variable.dispose}, by a tidy, or by a backward pass
   * that freed the graph, for a value made inside a {@link scope} and not returned by it.
   * @example
   * ```ts
   * const x = variable([1, 2], { requiresGrad: true });
   * const y = scope('f', () => sum(exp(x)));
   * const inner = y.node!.inputs[0]!;   // exp's output, internal to the scope
   * y.backward();
   * inner.isDisposed;   // true
   * ```
   */
  get isDisposed(): boolean {
    return this.current.isDisposed;
  }

  /**
   * The forward value. Immutable, except that {@link Variable.assign} swaps a leaf's value.
   * @throws Error when the value was disposed, and when a backward pass reads it for an op
   *   recorded before the last assign (see {@link Variable.version})
   */
  get value(): Tensor {
    if (this.writtenAt > readableUntil) throw modifiedError(this, guardedNode);
    const t = this.current;
    if (t.isDisposed) throw disposedError(this);
    return t;
  }

  /**
   * How many times {@link Variable.assign} wrote this Variable (PyTorch's `_version`). A backward
   * pass through an op recorded before a write, whose gradient reads this Variable's value, fails
   * instead of using the new value.
   *
   * @example
   * ```ts
   * const x = variable([1, 2]);
   * const y = sum(mul(x, x));
   * x.assign([10, 20]);
   * x.version;      // 1
   * y.backward();   // Error: ... Variable #1 was modified in place by assign ... after 'mul' saved it
   * ```
   */
  get version(): number {
    return this.writes;
  }

  /** The user's name for this Variable (given to {@link variable} or {@link Variable.setName}). */
  get name(): string | undefined {
    return this.label;
  }

  /** True when no recorded op made this Variable (a leaf or a constant). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The scope names active when this Variable was made, outermost first. */
  get scopePath(): string[] {
    return scopePath(this.scope);
  }

  /** The value's shape. */
  get shape(): Shape {
    return this.current.shape;
  }

  /** The value's dtype. */
  get dtype(): DType {
    return this.current.dtype;
  }

  /** Number of elements. */
  get size(): number {
    return this.current.size;
  }

  /** Number of axes. */
  get rank(): number {
    return this.current.shape.length;
  }

  /** The values as a new flat typed array. */
  dataSync(): TypedArray {
    return this.value.dataSync();
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    return this.value.toArray();
  }

  /** The values as a new flat typed array, read in a later task (see the tensor's `data`). @example const values = await loss.data(); */
  data(): Promise<TypedArray> {
    return this.current.data();
  }

  /** The values as nested arrays, read in a later task (see the tensor's `array`). @example const rows = await logits.array(); */
  array(): Promise<NestedArray> {
    return this.current.array();
  }

  /**
   * The single value of a one-element Variable.
   * @throws RangeError when the Variable has more or fewer than one element
   */
  item(): number {
    return this.value.item();
  }

  /** The value, with the op or leaf kind and the name. */
  toString(): string {
    const origin = this.node !== null ? `op=${this.node.op.name}` : this.requiresGrad ? 'leaf' : 'constant';
    const name = this.label === undefined ? '' : ` ${JSON.stringify(this.label)}`;
    return `Variable${name} #${this.id} (${origin}): ${this.value.toString()}`;
  }

  /**
   * Back-propagates from this Variable, accumulating into the `.grad` of every leaf that requires
   * grad and that it depends on.
   *
   * @param headGrad - the gradient of the objective with respect to this Variable (its shape);
   *   omitted, a tensor of ones of this Variable's shape (Gluon semantics, so a non-scalar output
   *   back-propagates the gradient of its sum)
   * @param options - `retainGraph` keeps the graph for another backward (default: `createGraph`);
   *   `createGraph` records the backward pass so the gradients can be differentiated again;
   *   `retainGrads` keeps each intermediate gradient on its node (`node.outputGrad`) for inspection
   * @throws Error when this Variable does not require grad, or when part of the graph was freed by
   *   an earlier backward without `retainGraph`
   *
   * @example
   * ```ts
   * const x = variable([1, 2]);
   * mul(x, x).backward();
   * x.grad?.toArray();   // [2, 4]
   * ```
   */
  backward(headGrad?: VariableLike, options?: BackwardOptions): void {
    backwardFrom(this, headGrad, options);
  }

  /**
   * The same value with no history and `requiresGrad` false (shares the tensor, which is immutable).
   * @example
   * ```ts
   * const c = mul(x, 2).detach();
   * c.requiresGrad;   // false
   * ```
   */
  detach(): Variable {
    return new Variable(this.current, false, null, this.label);
  }

  /**
   * Forgets the accumulated gradient (`grad = null`), disposing the gradient tensor that backward
   * made (read it before: `w.grad.toArray()`). A gradient that is a tensor of the caller's (a head
   * gradient passed straight through) is left alone.
   * @example w.zeroGrad()
   */
  zeroGrad(): void {
    const old = this.grad;
    this.grad = null;
    if (old !== null) disposeOwnedGrad(old);
  }

  /**
   * Frees this Variable's value and the gradient backward made for it, now, instead of when the
   * garbage collector takes them (which, for gpujs textures, a synchronous loop never lets happen).
   * The Variable is unusable afterwards: reading it, or an op on it, is an error. Use it for
   * parameters and inputs that {@link variable} made (which `tidy` keeps), when a model or
   * a data set is done with.
   *
   * @example
   * ```ts
   * const w = variable(randn([784, 128]));
   * // ... train ...
   * w.dispose();
   * ```
   */
  dispose(): void {
    this.zeroGrad();
    this.current.dispose();
  }

  /**
   * Replaces the value of a leaf, as optimisers do after a step: an in-place write, which
   * increments {@link Variable.version}. The new value must have the same shape; it is converted
   * to this Variable's dtype. A graph recorded before the assignment can no longer back-propagate
   * through an op whose gradient reads this Variable (`mul`, `matmul`...): that backward throws,
   * as PyTorch's does, instead of computing the gradient with the new value. Assign between
   * iterations (after backward), as optimisers do.
   *
   * @param value - the new value
   * @returns this Variable
   * @throws Error for a non-leaf Variable; RangeError for a shape mismatch
   *
   * @example
   * ```ts
   * noGrad(() => w.assign(sub(w, mul(w.grad!, 0.1))));
   * ```
   */
  assign(value: VariableLike): this {
    if (this.node !== null) throw new Error(`assign: only leaf Variables can be assigned; Variable #${this.id} was computed by '${this.node.op.name}'`);
    let t = value instanceof Variable ? value.value : T.toTensor(value, 'value', this.current.dtype);
    if (!T.shapesEqual(t.shape, this.current.shape)) {
      throw new RangeError(`assign: value has shape ${T.formatShape(t.shape)} but Variable #${this.id} has shape ${T.formatShape(this.current.shape)}`);
    }
    if (t.dtype !== this.current.dtype) t = T.cast(t, this.current.dtype);
    this.current = T.keep(t);
    this.writes++;
    this.writtenAt = ++writeClock;
    return this;
  }

  /**
   * Names this Variable for graph inspection and error messages.
   * @param name - the new name
   * @returns this Variable
   * @example
   * ```ts
   * const logits = matmul(x, w).setName('logits');
   * ```
   */
  setName(name: string): this {
    if (typeof name !== 'string') throw new TypeError(`setName: name must be a string, got ${typeof name}`);
    this.label = name;
    return this;
  }
}

/**
 * Zod schema of {@link VariableOptions}; unknown names are refused.
 *
 * @example
 * ```ts
 * variableOptionsSchema.parse({ name: 'w' });   // { name: 'w' }
 * ```
 */
export const variableOptionsSchema = z.strictObject({
  /** Whether gradients flow to this leaf. Default: true for float values, false for int32. */
  requiresGrad: z.optional(z.boolean()),
  /** A name shown by graph inspection. */
  name: z.optional(z.string()),
  /**
   * Marks a model parameter (default false): graph inspection then places it in the innermost
   * scope that holds every op using it (a layer's weight in that layer), since the scope active
   * when a parameter is made (at `initialize`, or at the first forward pass) says nothing.
   */
  parameter: z.optional(z.boolean()),
});

/**
 * Options of {@link variable}: `requiresGrad`, `name`, `parameter`.
 *
 * @example
 * ```ts
 * const w = variable(randn([3, 2]), { requiresGrad: true, name: 'w' } satisfies VariableOptions);
 * ```
 */
export type VariableOptions = z.input<typeof variableOptionsSchema>;

/**
 * Makes a leaf Variable. A Variable argument gives a new leaf sharing its value.
 *
 * @param value - a Tensor, nested arrays, a number or a Variable
 * @param options - `requiresGrad` (default true for float values), `name` and `parameter`
 * @throws TypeError for an int32 value with `requiresGrad: true`, or bad options
 *
 * @example
 * ```ts
 * const w = variable(randn([2, 2], { seed: 1 }), { name: 'w' });
 * const x = variable([[0, 2], [1, 4]], { requiresGrad: false });
 * ```
 */
export function variable(value: VariableLike, options: VariableOptions = {}): Variable {
  const { requiresGrad, name, parameter } = T.parseOptions('variable', variableOptionsSchema, options);
  const t = value instanceof Variable ? value.value : T.toTensor(value, 'value');
  const float = T.isFloat(t.dtype);
  if (requiresGrad === true && !float) {
    throw new TypeError(`variable: only float32 or float64 values can require grad, got dtype ${t.dtype} (cast it, or pass { requiresGrad: false })`);
  }
  return new Variable(T.keep(t), requiresGrad ?? float, null, name, parameter ?? false);
}

/**
 * A Variable that does not require grad: a constant operand. Ops accept plain tensors and arrays
 * as constants already; use this to name one or to detach a Variable.
 * @param value - a Variable (its value is taken, detached), a Tensor or a nested array
 *
 * @example
 * ```ts
 * const label = constant([0, 1, 1]);
 * ```
 */
export function constant(value: VariableLike): Variable {
  if (value instanceof Variable) return value.requiresGrad ? value.detach() : value;
  return new Variable(T.toTensor(value, 'value'), false, null, undefined);
}

/**
 * Converts an operand to a Variable: a Variable is returned as it is, anything else becomes a constant.
 *
 * @param value - the operand
 * @param argName - the name used in the error for a bad operand
 * @param likeDtype - the dtype a plain number takes (the other operand's), as in the tensor package
 *
 * @example
 * ```ts
 * toVariable([1, 2]).requiresGrad;   // false
 * ```
 */
export function toVariable(value: VariableLike, argName = 'x', likeDtype?: DType): Variable {
  if (value instanceof Variable) return value;
  return new Variable(T.toTensor(value, argName, likeDtype), false, null, undefined);
}

/** The tensor inside an operand (constants stay as given: the tensor package converts them). @internal */
export function unwrap(x: VariableLike): TensorLike {
  return x instanceof Variable ? x.value : x;
}

/** A constant Variable around a freshly computed tensor. @internal */
export function constantOf(value: Tensor): Variable {
  return new Variable(value, false, null, undefined);
}

/**
 * Wraps the result of an op's forward computation: when recording is on and some input requires
 * grad, the result is recorded with a {@link Node}; otherwise it is a constant.
 *
 * @param op - the op, from {@link defineOp}
 * @param inputs - the operands as Variables (constants included), in the order its rule indexes them
 * @param output - the forward value
 * @param attrs - the op's non-Variable arguments, passed back to its gradient rule
 *
 * @example
 * ```ts
 * const CUBE = defineOp('cube', 'd/dx x³ = 3x²', (g, [x]) => [mul(g, mul(square(x), 3))]);
 * const y = recordOp(CUBE, [x], T.pow(x.value, 3), undefined);
 * ```
 */
export function recordOp<A>(op: OpDef<A>, inputs: readonly Variable[], output: Tensor, attrs: A): Variable {
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]!.requiresGrad) return new Variable(output, true, new Node<A>(op, inputs, attrs) as Node, undefined);
    }
  }
  return new Variable(output, false, null, undefined);
}

/** True when an op on `x` would be recorded. @internal */
export function recording(x: Variable): boolean {
  return x.requiresGrad && isGradEnabled();
}

/**
 * Gradient tensors that a backward pass made and attached to leaves' `.grad`, with the number of
 * leaves holding each (one tensor can be the gradient of two leaves: add's rule passes g to both).
 */
const ownedGrads = new Map<T.Tensor, number>();

/** Records that backward made `g`'s value as one more leaf's gradient, and keeps it from every tidy. @internal */
export function adoptGrad(g: Variable): Variable {
  ownedGrads.set(T.keep(g.value), (ownedGrads.get(g.value) ?? 0) + 1);
  return g;
}

/** A leaf lets go of its gradient: its value is disposed when backward made it and no other leaf holds it. @internal */
export function disposeOwnedGrad(g: Variable): void {
  const holders = ownedGrads.get(g.value);
  if (holders === undefined) return;
  if (holders > 1) {
    ownedGrads.set(g.value, holders - 1);
    return;
  }
  ownedGrads.delete(g.value);
  g.value.dispose();
}

// What a tidy returns may hold Variables: their values, their gradients and, for a recorded
// Variable whose graph has not been freed, every value backward will need, survive the tidy.
T.registerTensorHolder((value, visit) => {
  if (!(value instanceof Variable)) return false;
  const stack: Variable[] = [value];
  const seen = new Set<Variable>();
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    visit(v.value);
    if (v.grad !== null) visit(v.grad.value);
    const node = v.node;
    if (node === null || node.released) continue;
    stack.push(...node.inputs);
    collectAttrTensors(node.attrs, visit);
  }
  return true;
});

/** Index tensors and other tensors an op keeps in its attributes, needed by its gradient rule. */
function collectAttrTensors(attrs: unknown, visit: (t: T.Tensor) => void): void {
  if (attrs === null || typeof attrs !== 'object') return;
  if (attrs instanceof T.Tensor) {
    visit(attrs);
    return;
  }
  for (const item of Object.values(attrs)) {
    if (item instanceof T.Tensor) visit(item);
    else if (item instanceof Variable) visit(item.value);
  }
}

// What a scope returns escapes it: the values (and gradients) of returned Variables and returned
// tensors, in arrays, Maps, Sets and plain objects. Only the result itself, not its graph: the
// graph's values inside the scope are what backward disposes once it has used them.
registerResultTensors((result) => {
  const found = new Set<T.Tensor>();
  const seen = new Set<unknown>();
  const stack: unknown[] = [result];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof T.Tensor) found.add(v);
    else if (v instanceof Variable) {
      found.add(v.value);
      if (v.grad !== null) found.add(v.grad.value);
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v instanceof Map) for (const [k, item] of v) stack.push(k, item);
    else if (v instanceof Set) for (const item of v) stack.push(item);
    else if (Object.getPrototypeOf(v) === Object.prototype) stack.push(...Object.values(v));
  }
  return found;
});
