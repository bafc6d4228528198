/** The 2-D toy sets the lab trains on, drawn from a seeded generator so a reset repeats the run. */
import * as T from '@lossgraph/tensor';

/** A toy set: points in about [-1, 1]² and their classes. */
export interface ToySet {
  readonly points: Float32Array;
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/** The sets of the dataset picker. */
export const DATASETS = ['blobs', 'moons', 'spiral'] as const;

/** A name of {@link DATASETS}. */
export type DatasetName = (typeof DATASETS)[number];

/** Draws `n` points of a toy set (seeded). */
export function toySet(name: DatasetName, n = 150, seed = 7): ToySet {
  const rng = new T.Random(seed);
  const points = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  const put = (i: number, x: number, y: number, c: number): void => {
    points[2 * i] = x;
    points[2 * i + 1] = y;
    labels[i] = c;
  };
  if (name === 'blobs') {
    const centres = [[-0.55, -0.4], [0.55, -0.4], [0, 0.6]] as const;
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      put(i, centres[c]![0] + 0.2 * rng.normal(), centres[c]![1] + 0.2 * rng.normal(), c);
    }
    return { points, labels, numClasses: 3 };
  }
  if (name === 'moons') {
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      const t = Math.PI * rng.next();
      const [x, y] = c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      put(i, (x - 0.5) * 0.8 + 0.06 * rng.normal(), (y - 0.25) * 0.8 + 0.06 * rng.normal(), c);
    }
    return { points, labels, numClasses: 2 };
  }
  // CS231n's spiral: each arm turns through 4 radians as its radius grows, the arms 4 radians apart.
  const perArm = Math.ceil(n / 3);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const r = Math.floor(i / 3) / perArm;
    const t = 4 * c + 4 * r + 0.2 * rng.normal();
    put(i, r * Math.sin(t), r * Math.cos(t), c);
  }
  return { points, labels, numClasses: 3 };
}
