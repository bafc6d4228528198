/**
 * Learning-rate schedules with MXNet 1.9's arithmetic (python/mxnet/lr_scheduler.py), read as
 * `scheduler.learningRate(numUpdate)` and accepted by every optimiser's `lrScheduler` option.
 */
import * as z from 'zod/mini';
import { parseArgument, parseOptions } from '@lossgraph/tensor';


const warmupFields = {
  /** The rate after the warm-up, where the schedule starts (default 0.01, as MXNet). */
  baseLr: z._default(z.number().check(z.nonnegative()), 0.01),
  /** Number of warm-up updates before the schedule proper (default 0: none). */
  warmupSteps: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  /** The rate the warm-up starts from (default 0); at most `baseLr`. */
  warmupBeginLr: z._default(z.number().check(z.nonnegative()), 0),
  /** `'linear'` (default): equal increments from `warmupBeginLr` towards `baseLr`; `'constant'`: `warmupBeginLr` throughout. */
  warmupMode: z._default(z.enum(['linear', 'constant']), 'linear'),
};

type WarmupSettings = z.output<z.ZodMiniObject<typeof warmupFields>>;

/**
 * A learning-rate schedule: the rate of each update, counted from 1 as MXNet's optimisers count
 * (the first `step()` reads `learningRate(1)`). Subclasses are pure functions of `numUpdate`.
 *
 * @example
 * ```ts
 * class Halving extends LRScheduler {
 *   learningRate(numUpdate: number): number { return 0.1 * 0.5 ** Math.floor(numUpdate / 100); }
 * }
 * const opt = new SGD(net, { lrScheduler: new Halving() });
 * ```
 */
export abstract class LRScheduler {
  /**
   * The learning rate of update number `numUpdate`.
   * @param numUpdate - the number of updates, counting the current one (a non-negative integer)
   */
  abstract learningRate(numUpdate: number): number;
}

/** MXNet's `LRScheduler` base: warm-up settings, their checks and the warm-up rate. */
abstract class WarmupScheduler extends LRScheduler {
  /** The rate after the warm-up. */
  readonly baseLr: number;
  /** Number of warm-up updates. */
  readonly warmupSteps: number;
  /** The rate the warm-up starts from. */
  readonly warmupBeginLr: number;
  /** How the warm-up rises. */
  readonly warmupMode: 'linear' | 'constant';

  protected constructor(settings: WarmupSettings, where: string) {
    super();
    if (settings.warmupBeginLr > settings.baseLr) {
      throw new TypeError(`${where}: option 'warmupBeginLr' (${settings.warmupBeginLr}) must not exceed option 'baseLr' (${settings.baseLr})`);
    }
    this.baseLr = settings.baseLr;
    this.warmupSteps = settings.warmupSteps;
    this.warmupBeginLr = settings.warmupBeginLr;
    this.warmupMode = settings.warmupMode;
  }

  /** Checks `numUpdate`; returns the warm-up rate while warming up, else null. */
  protected warmup(numUpdate: number): number | null {
    parseArgument(`${this.constructor.name}.learningRate`, 'numUpdate', z.number().check(z.int(), z.nonnegative()), numUpdate);
    if (numUpdate >= this.warmupSteps) return null;
    if (this.warmupMode === 'constant') return this.warmupBeginLr;
    return this.warmupBeginLr + ((this.baseLr - this.warmupBeginLr) * numUpdate) / this.warmupSteps;
  }
}

/**
 * Zod schema of {@link FactorSchedulerOptions}.
 * @example
 * ```ts
 * FactorSchedulerOptionsSchema.parse({ step: 100 }).factor   // 1
 * ```
 */
export const FactorSchedulerOptionsSchema = z.strictObject({
  /** Decay every this many updates (a positive integer). */
  step: z.number().check(z.int(), z.positive('expected a step of at least 1 update')),
  /** The factor of each decay, at most 1 (default 1). */
  factor: z._default(z.number().check(z.positive(), z.maximum(1, 'expected a factor of at most 1, so the rate decreases')), 1),
  /** The rate never goes below this (default 1e-8). */
  stopFactorLr: z._default(z.number().check(z.nonnegative()), 1e-8),
  ...warmupFields,
});

/**
 * Options of {@link FactorScheduler}.
 * @example
 * ```ts
 * const options: FactorSchedulerOptions = { step: 100, factor: 0.5, baseLr: 0.1 };
 * ```
 */
export type FactorSchedulerOptions = z.input<typeof FactorSchedulerOptionsSchema>;

/**
 * MXNet's `FactorScheduler`: after the warm-up, the rate is `baseLr` multiplied by `factor` once
 * for every whole `step` that `numUpdate` has passed, i.e. `factor^k` with
 * k = ⌈numUpdate / step⌉ − 1: as MXNet's code (`while num_update > count + step`), the first
 * decay comes at update `step + 1`, not at `step` as its docstring's `floor(num_update/step)`
 * says. Each decay is clamped below at `stopFactorLr`. The decays are counted from update 0
 * even with a warm-up, as MXNet counts them.
 *
 * MXNet's scheduler keeps its decayed rate as state, so reading an earlier update again gives
 * the later rate; this one is a pure function of `numUpdate` (the same values for the
 * non-decreasing counts an optimiser asks for).
 *
 * @example
 * ```ts
 * const s = new FactorScheduler({ step: 2, factor: 0.5, baseLr: 1 });
 * [1, 2, 3, 4, 5].map((n) => s.learningRate(n));   // [1, 1, 0.5, 0.5, 0.25]
 * ```
 */
export class FactorScheduler extends WarmupScheduler {
  /** Updates between decays. */
  readonly step: number;
  /** The factor of each decay. */
  readonly factor: number;
  /** The floor of the rate. */
  readonly stopFactorLr: number;
  // The last answer, so that an optimiser's increasing counts cost one multiplication per decay in all.
  private cached = { count: 0, lr: Number.NaN };

  /**
   * @param options - {@link FactorSchedulerOptions}: `step` (required), `factor`, `stopFactorLr`, `baseLr`, `warmupSteps`, `warmupBeginLr`, `warmupMode`
   * @throws TypeError naming the bad option
   */
  constructor(options: FactorSchedulerOptions) {
    const parsed = parseOptions('FactorScheduler', FactorSchedulerOptionsSchema, options);
    super(parsed, 'FactorScheduler');
    this.step = parsed.step;
    this.factor = parsed.factor;
    this.stopFactorLr = parsed.stopFactorLr;
  }

  /**
   * The rate of update `numUpdate`.
   * @param numUpdate - a non-negative integer
   * @example
   * ```ts
   * new FactorScheduler({ step: 10, factor: 0.1, baseLr: 1 }).learningRate(11)   // 0.1
   * ```
   */
  learningRate(numUpdate: number): number {
    const warm = this.warmup(numUpdate);
    if (warm !== null) return warm;
    let { count, lr } = this.cached;
    // The cache holds the loop's state after `count` decays, reached only by counts above `count`.
    if (Number.isNaN(lr) || (count > 0 && numUpdate <= count)) {
      count = 0;
      lr = this.baseLr;
    }
    while (numUpdate > count + this.step) {
      count += this.step;
      lr *= this.factor;
      if (lr < this.stopFactorLr) lr = this.stopFactorLr;
    }
    this.cached = { count, lr };
    return lr;
  }
}

/**
 * Zod schema of {@link CosineSchedulerOptions}.
 * @example
 * ```ts
 * CosineSchedulerOptionsSchema.parse({ maxUpdate: 1000 }).finalLr   // 0
 * ```
 */
export const CosineSchedulerOptionsSchema = z.strictObject({
  /** The update at which the rate reaches `finalLr` (a positive integer, more than `warmupSteps`). */
  maxUpdate: z.number().check(z.int(), z.positive()),
  /** The rate at the end (default 0). */
  finalLr: z._default(z.number().check(z.nonnegative()), 0),
  ...warmupFields,
});

/**
 * Options of {@link CosineScheduler}.
 * @example
 * ```ts
 * const options: CosineSchedulerOptions = { maxUpdate: 1000, baseLr: 0.1, warmupSteps: 50 };
 * ```
 */
export type CosineSchedulerOptions = z.input<typeof CosineSchedulerOptionsSchema>;

/**
 * MXNet's `CosineScheduler`: after the warm-up,
 * `finalLr + (baseLr − finalLr) · (1 + cos(π · (numUpdate − warmupSteps) / (maxUpdate − warmupSteps))) / 2`
 * up to `maxUpdate`, and `finalLr` after it (MXNet returns the last rate it computed there,
 * which is `finalLr` when update `maxUpdate` was asked for, as an optimiser does).
 *
 * @example
 * ```ts
 * const s = new CosineScheduler({ maxUpdate: 100, baseLr: 0.1, finalLr: 0.001, warmupSteps: 10 });
 * s.learningRate(5);     // 0.05: halfway through the linear warm-up
 * s.learningRate(100);   // 0.001
 * ```
 */
export class CosineScheduler extends WarmupScheduler {
  /** The update at which the rate reaches `finalLr`. */
  readonly maxUpdate: number;
  /** The rate at the end. */
  readonly finalLr: number;

  /**
   * @param options - {@link CosineSchedulerOptions}: `maxUpdate` (required), `baseLr`, `finalLr`, `warmupSteps`, `warmupBeginLr`, `warmupMode`
   * @throws TypeError naming the bad option
   */
  constructor(options: CosineSchedulerOptions) {
    const parsed = parseOptions('CosineScheduler', CosineSchedulerOptionsSchema, options);
    super(parsed, 'CosineScheduler');
    if (parsed.warmupSteps >= parsed.maxUpdate) {
      throw new TypeError(`CosineScheduler: option 'warmupSteps' (${parsed.warmupSteps}) must be less than option 'maxUpdate' (${parsed.maxUpdate})`);
    }
    this.maxUpdate = parsed.maxUpdate;
    this.finalLr = parsed.finalLr;
  }

  /**
   * The rate of update `numUpdate`.
   * @param numUpdate - a non-negative integer
   * @example
   * ```ts
   * new CosineScheduler({ maxUpdate: 10, baseLr: 1 }).learningRate(5)   // 0.5
   * ```
   */
  learningRate(numUpdate: number): number {
    const warm = this.warmup(numUpdate);
    if (warm !== null) return warm;
    if (numUpdate > this.maxUpdate) return this.finalLr;
    // MXNet's order of operations, so the values agree to the last bit
    const angle = (Math.PI * (numUpdate - this.warmupSteps)) / (this.maxUpdate - this.warmupSteps);
    return this.finalLr + ((this.baseLr - this.finalLr) * (1 + Math.cos(angle))) / 2;
  }
}
