/**
 * A chain of blocks, each fed the previous one's output (Gluon's `nn.Sequential`).
 */
import { scope, toVariable, type Variable, type VariableLike } from '@lossgraph/autograd';
import { Block, type BlockOptions } from './block.js';

/**
 * Runs its blocks in order. Children are named `${kind}${n}` per kind unless given a name, so two
 * Dense layers give the parameters `'dense0.weight'`, `'dense0.bias'`, `'dense1.weight'`, `'dense1.bias'`.
 *
 * @example
 * ```ts
 * const net = new Sequential().add(new Dense(128, { activation: 'relu' }), new Dense(10));
 * net.initialize({ init: new Xavier(), seed: 0 });
 * const logits = net.forward(x);   // x: [batch, 784]
 * ```
 */
export class Sequential extends Block {
  private readonly layers: Block[] = [];

  /** @param options - `name`: the name it takes inside a parent (default `'sequential0'`, ...) */
  constructor(options: BlockOptions = {}) {
    super(options);
  }

  override get kind(): string {
    return 'sequential';
  }

  /**
   * Appends blocks.
   * @param blocks - the blocks, in order
   * @returns this, for chaining
   * @throws Error when a given name is already used
   * @example
   * ```ts
   * net.add(new Dense(64, { activation: 'relu' })).add(new Dense(10))
   * ```
   */
  add(...blocks: Block[]): this {
    blocks.forEach((b, i) => {
      if (!(b instanceof Block)) throw new TypeError(`Sequential.add: blocks[${i}] must be a Block, got ${b === null ? 'null' : typeof b}`);
    });
    for (const b of blocks) this.layers.push(this.registerChild(b));
    return this;
  }

  /** Number of blocks. */
  get length(): number {
    return this.layers.length;
  }

  /**
   * The block at `index` (negative counts from the end).
   * @param index - the position (negative counts from the end)
   * @throws RangeError for an index out of range
   * @example
   * ```ts
   * net.at(-1)
   * ```
   */
  at(index: number): Block {
    const i = Number.isInteger(index) && index < 0 ? index + this.layers.length : index;
    const block = Number.isInteger(i) ? this.layers[i] : undefined;
    if (block === undefined) throw new RangeError(`Sequential.at: index ${String(index)} is out of range for ${this.layers.length} blocks`);
    return block;
  }

  /** Feeds `x` through every block in order (an empty Sequential returns x). @param x - the input batch @example net.forward(batch.x) */
  forward(x: VariableLike): Variable {
    return scope(this.scopeName, () => {
      let out: VariableLike = x;
      for (const layer of this.layers) out = layer.forward(out);
      return toVariable(out, 'x');
    });
  }
}
