/**
 * The DOT drawing of one training step's computation graph.
 */
import { graphOf, toDot, type Variable } from '@lossgraph/autograd';

/**
 * The graph of the computation that produced `y`, as Graphviz DOT: the layers and the loss are
 * boxes (autograd scopes) around their ops, each node labelled with its shape, a summary of its
 * value and, after `backward`, of its gradient. Render it with `dot -Tsvg step-graph.dot`.
 *
 * @param y - the output whose graph to draw, e.g. the loss right after its backward pass
 * @returns the DOT source
 * @example `writeFileSync('step-graph.dot', graphDot(loss));`
 */
export function graphDot(y: Variable): string {
  return toDot(graphOf(y, { gradients: 'known' }), { direction: 'TB' });
}
