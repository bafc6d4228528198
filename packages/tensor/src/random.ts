/**
 * A small, fast, seedable generator (mulberry32 seeded through splitmix32). Numbers are made on
 * the host, so one seed gives the same values on every backend.
 *
 * @example
 * ```ts
 * const rng = new Random(7);
 * rng.next();     // uniform in [0, 1)
 * rng.int(10);    // an integer in [0, 10)
 * ```
 */
export class Random {
  private state: number;

  /** @param seed - any integer; equal seeds give equal streams */
  constructor(seed: number) {
    let z = (seed >>> 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.state = (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). @param n - the exclusive upper bound */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

let globalSeed = 0x5eed;
let globalStream = new Random(globalSeed);

/**
 * Re-seeds the stream that random functions use when no `seed` is given.
 * @param seed - an integer seed
 *
 * @example
 * ```ts
 * setSeed(42);
 * const a = rand([2]);
 * setSeed(42);
 * rand([2]).toArray();   // the same values as a
 * ```
 */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`setSeed: seed must be an integer, got ${String(seed)}`);
  globalSeed = seed;
  globalStream = new Random(seed);
}

/** @internal A generator for one call: seeded when `seed` is given, else the global stream. */
export function randomFor(seed: number | undefined): Random {
  if (seed === undefined) return globalStream;
  if (!Number.isInteger(seed)) throw new TypeError(`seed: expected an integer, got ${String(seed)}`);
  return new Random(seed);
}
