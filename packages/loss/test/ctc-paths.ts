/**
 * The brute force the CTC tests share: every path of a few steps enumerated, and the collapse
 * that maps a path to its labelling. Independent of the library's CTC code by construction.
 */

/**
 * Every path of `steps` steps over `classes` classes (classes^steps of them), in one array
 * refilled per path: copy it to keep one.
 *
 * @param steps - path length
 * @param classes - number of classes
 * @returns the paths, one after another
 */
export function* everyPath(steps: number, classes: number): Generator<readonly number[]> {
  const path = new Array<number>(steps).fill(0);
  for (let code = 0; code < classes ** steps; code++) {
    let c = code;
    for (let t = 0; t < steps; t++) {
      path[t] = c % classes;
      c = Math.floor(c / classes);
    }
    yield path;
  }
}

/**
 * The labelling a path emits under CTC: repeats merged, then blanks dropped.
 *
 * @param path - one class per step
 * @param blank - the blank class
 * @returns the labelling
 */
export function collapse(path: readonly number[], blank: number): number[] {
  return path.filter((k, t) => k !== blank && (t === 0 || path[t - 1] !== k));
}

/**
 * Whether `path` collapses to `label`.
 *
 * @param path - one class per step
 * @param blank - the blank class
 * @param label - the labelling
 * @returns true when it does
 */
export function emits(path: readonly number[], blank: number, label: readonly number[]): boolean {
  const collapsed = collapse(path, blank);
  return collapsed.length === label.length && collapsed.every((k, i) => k === label[i]);
}
