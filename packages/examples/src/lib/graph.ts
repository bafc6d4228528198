/**
 * The DOT drawing of a computation graph, when autograd's graph inspection is available.
 */
import type { Variable } from '@lossgraph/autograd';

/**
 * The graph of the computation that produced `y`, as Graphviz DOT.
 *
 * TODO(graph inspection): autograd's `graphOf`/`toDot` (packages/autograd/src/inspect/) were not
 * exported when this was written; until they are, this returns null and the examples skip the
 * DOT file.
 *
 * @param y - the output whose graph to draw (null gives null)
 * @returns the DOT text, or null when there is no graph or no inspection support
 * @example `const dot = graphDot(loss); if (dot !== null) writeFileSync('step.dot', dot);`
 */
export function graphDot(y: Variable | null): string | null {
  if (y === null) return null;
  return null;
}
