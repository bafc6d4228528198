/**
 * Blocks: the building unit of a model (Gluon's `Block`). A block owns parameters and child
 * blocks, names them with stable dotted paths, and computes `forward`.
 */
import { toVariable, Variable, type VariableLike } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import * as T from '@lossgraph/tensor';
import { parseOptions, type DType } from '@lossgraph/tensor';
import { ParameterInitOptionsSchema, type Parameter, type ParameterInitOptions, type ParameterOwner } from './parameter.js';
import { loadParameters, saveParameters, type LoadOptions, type SavedParameters } from './serialize.js';

/**
 * A layer's input as a Variable, converting anything else (a plain number taking `dtype`), with
 * a conversion error prefixed by the layer (`Dense 'dense0': x: ...`). @internal
 */
export function layerInput(where: string, x: VariableLike, dtype?: DType): Variable {
  if (x instanceof Variable) return x;
  try {
    return toVariable(T.toTensor(x, 'x', dtype), 'x');
  } catch (e) {
    throw new TypeError(`${where}: ${(e as Error).message}`);
  }
}

/**
 * A block name: no dots, since dots separate the parts of a parameter's path.
 * @example
 * ```ts
 * blockNameSchema.parse('encoder')
 * ```
 */
export const blockNameSchema = z.string().check(z.regex(/^[^.]+$/, 'expected a non-empty name without dots'));

/**
 * Zod schema of {@link BlockOptions}.
 * @example
 * ```ts
 * BlockOptionsSchema.parse({ name: 'encoder' })
 * ```
 */
export const BlockOptionsSchema = z.strictObject({
  /** The name it takes inside its parent (default: its kind and a per-kind counter, e.g. `'dense1'`). */
  name: z.optional(blockNameSchema),
});

/**
 * Options every block accepts.
 * @example
 * ```ts
 * new Sequential({ name: 'encoder' } satisfies BlockOptions)
 * ```
 */
export type BlockOptions = z.input<typeof BlockOptionsSchema>;

/**
 * The base of every layer and model. A subclass registers its parameters and children in its
 * constructor and implements {@link Block.forward}. Parameter names are dotted paths from the
 * root block: a child's name (given, or its kind plus a counter per kind, as Gluon's `dense0`,
 * `dense1`) then the parameter's own name, e.g. `'dense1.weight'`. They depend only on the
 * model's structure, so saved files stay loadable.
 *
 * @example
 * ```ts
 * class Affine extends Block {
 *   readonly scale = this.registerParameter(new Parameter('scale', { shape: [1], init: 'ones' }));
 *   forward(x: VariableLike) { return mul(x, this.scale.variable); }
 * }
 * ```
 */
export abstract class Block implements ParameterOwner {
  private readonly requestedName: string | undefined;
  private parent: Block | null = null;
  private nameInParent: string | null = null;
  private readonly ownParams = new Map<string, Parameter>();
  private readonly childBlocks = new Map<string, Block>();
  private trainingMode = true;

  /** @param options - {@link BlockOptions}: `name` */
  constructor(options: BlockOptions = {}) {
    this.requestedName = parseOptions(this.constructor.name, BlockOptionsSchema, options).name;
  }

  /** The prefix of auto-generated names, e.g. `'dense'` (default: the class name in lower case). */
  get kind(): string {
    return this.constructor.name.toLowerCase();
  }

  /** The name it was given, if any. */
  get name(): string | undefined {
    return this.requestedName;
  }

  /** The names from the root block down to this one (empty for a root). */
  get path(): readonly string[] {
    const names: string[] = [];
    for (let b: Block | null = this; b !== null && b.nameInParent !== null; b = b.parent) names.push(b.nameInParent);
    return names.reverse();
  }

  /** The child blocks by name, in registration order. */
  get children(): ReadonlyMap<string, Block> {
    return this.childBlocks;
  }

  /**
   * Whether the block is in training mode (the default, as PyTorch's modules): Dropout drops and
   * BatchNorm normalises with the batch's statistics. In evaluation mode Dropout is the identity
   * and BatchNorm uses its running statistics.
   */
  get training(): boolean {
    return this.trainingMode;
  }

  /**
   * Puts this block and all its descendants in training mode (or evaluation mode with `false`),
   * as PyTorch's `module.train(mode)`.
   * @param mode - true for training (default), false for evaluation
   * @returns this block
   * @example
   * ```ts
   * net.train();
   * for (const { x, y } of loader) { ... }
   * ```
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`${this.constructor.name}.train: mode must be a boolean, got ${typeof mode}`);
    const visit = (block: Block): void => {
      block.trainingMode = mode;
      for (const child of block.childBlocks.values()) visit(child);
    };
    visit(this);
    return this;
  }

  /**
   * Puts this block and all its descendants in evaluation mode: `train(false)`.
   * @returns this block
   * @example
   * ```ts
   * net.eval();
   * const accuracy = accuracy(net.forward(testImages), testLabels);
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Computes the block's output. Parameters with unknown extents get them here, from `x`.
   * @param x - the input (a Variable, Tensor or nested arrays)
   */
  abstract forward(x: VariableLike): Variable;

  /**
   * Every parameter of this block and its descendants, by dotted name relative to this block, in
   * registration order. A parameter shared by two children appears once, under its first name.
   *
   * @param select - keep only names this regular expression matches (as Gluon's `collect_params('.*weight')`)
   * @example
   * ```ts
   * [...net.collectParams().keys()];   // ['dense0.weight', 'dense0.bias', 'dense1.weight', 'dense1.bias']
   * net.collectParams(/weight$/);
   * ```
   */
  collectParams(select?: RegExp): Map<string, Parameter> {
    if (select !== undefined && !(select instanceof RegExp)) throw new TypeError(`collectParams: select must be a RegExp, got ${typeof select}`);
    const out = new Map<string, Parameter>();
    const seen = new Set<Parameter>();
    const visit = (block: Block, prefix: string): void => {
      for (const [name, param] of block.ownParams) {
        const full = prefix + name;
        if (select !== undefined) select.lastIndex = 0;   // a /g or /y RegExp keeps state between tests
        if (seen.has(param) || (select !== undefined && !select.test(full))) continue;
        seen.add(param);
        out.set(full, param);
      }
      for (const [name, child] of block.childBlocks) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** The parameters as a list (same order as {@link Block.collectParams}). @example new SGD(net.parameters(), { learningRate: 0.1 }) */
  parameters(): Parameter[] {
    return [...this.collectParams().values()];
  }

  /**
   * Initialises every parameter (those whose shape is not known yet are drawn on the first forward).
   *
   * @param options - {@link ParameterInitOptions}: `init` (default Uniform(0.07); a parameter's own
   *   initialiser wins, e.g. biases are zeros), `seed` (a base seed; each parameter derives its own
   *   from it and its name), `force` (re-draw initialised ones)
   * @returns this block
   * @example
   * ```ts
   * net.initialize({ init: new Xavier(), seed: 42 });
   * ```
   */
  initialize(options: ParameterInitOptions = {}): this {
    const parsed = parseOptions(`${this.constructor.name}.initialize`, ParameterInitOptionsSchema, options);
    for (const param of this.collectParams().values()) param.initialize(parsed);
    return this;
  }

  /** Forgets the accumulated gradients of every parameter. @example net.zeroGrad() */
  zeroGrad(): void {
    for (const param of this.collectParams().values()) param.zeroGrad();
  }

  /**
   * The parameters as a JSON string (see {@link saveParameters}).
   * @example
   * ```ts
   * fs.writeFileSync('net.json', net.saveParameters())
   * ```
   */
  saveParameters(): string {
    return saveParameters(this);
  }

  /**
   * Sets the parameters from a saved file (see {@link loadParameters}).
   * @param saved - the JSON string or object
   * @param options - `allowMissing`, `ignoreExtra`
   * @returns this block
   * @example
   * ```ts
   * net.loadParameters(fs.readFileSync('net.json', 'utf8'))
   * ```
   */
  loadParameters(saved: string | SavedParameters, options: LoadOptions = {}): this {
    loadParameters(this, saved, options);
    return this;
  }

  /**
   * Registers a parameter under its `localName`.
   * @param param - the parameter; its `localName` must be free in this block
   * @returns the parameter, for assignment to a field
   * @throws Error when the name is taken or the parameter belongs to another block
   */
  protected registerParameter(param: Parameter): Parameter {
    const name = param.localName;
    if (this.ownParams.has(name) || this.childBlocks.has(name)) throw new Error(`${this.constructor.name}: the name '${name}' is already used in this block`);
    if (param.owner !== null && param.owner !== this) throw new Error(`${this.constructor.name}: parameter '${param.name}' already belongs to another block`);
    param.owner = this;
    this.ownParams.set(name, param);
    return param;
  }

  /**
   * Registers a child block under its given name or the next free `${kind}${n}`. A block that
   * already has a parent keeps its first name (sharing it shares its parameters).
   * @param child - the block to nest
   * @returns the child
   * @throws Error when its given name is taken in this block
   */
  protected registerChild<B extends Block>(child: B): B {
    const candidate: unknown = child;
    if (!(candidate instanceof Block)) throw new TypeError(`${this.constructor.name}: expected a Block, got ${candidate === null ? 'null' : typeof candidate}`);
    if (candidate === this) throw new Error(`${this.constructor.name}: a block cannot contain itself`);
    for (let b: Block | null = this; b !== null; b = b.parent) {
      if (b === candidate) throw new Error(`${this.constructor.name}: adding this block would make a cycle`);
    }
    let name = child.requestedName;
    if (name !== undefined) {
      if (this.childBlocks.has(name) || this.ownParams.has(name)) throw new Error(`${this.constructor.name}: a child named '${name}' already exists`);
    } else {
      let n = 0;
      for (const c of this.childBlocks.values()) if (c.kind === child.kind) n++;
      while (this.childBlocks.has(`${child.kind}${n}`) || this.ownParams.has(`${child.kind}${n}`)) n++;
      name = `${child.kind}${n}`;
    }
    this.childBlocks.set(name, child);
    if (child.parent === null) {
      child.parent = this;
      child.nameInParent = name;
    }
    return child;
  }

  /** The name to label this block's ops with in graph inspection: its own name in its parent, else its kind. */
  protected get scopeName(): string {
    return this.nameInParent ?? this.requestedName ?? this.kind;
  }

  /** A tree of the blocks and their parameters. */
  toString(): string {
    const lines: string[] = [];
    const visit = (block: Block, label: string, indent: string): void => {
      lines.push(`${indent}${label}: ${block.constructor.name}`);
      for (const p of block.ownParams.values()) lines.push(`${indent}  ${p.toString()}`);
      for (const [name, child] of block.childBlocks) visit(child, name, `${indent}  `);
    };
    visit(this, this.scopeName, '');
    return lines.join('\n');
  }
}
