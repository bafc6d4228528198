/**
 * @lossgraph/lab: lossgraph in the browser. Today: the graph renderer, public — draw any
 * `graphOf(y)` into a page ({@link renderGraph}) or write it as a self-contained HTML page
 * ({@link explorerPage}), with scopes that fold, a backward walk and each op's gradient rule.
 *
 * @packageDocumentation
 */
export { renderGraph, explorerPage, GRAPH_STYLE, RenderGraphOptionsSchema, ExplorerPageOptionsSchema } from './render.js';
export type { RenderGraphOptions, ExplorerPageOptions } from './render.js';
export { graphMarkup, mountGraph } from './view.js';
export type { GraphView, GraphViewState, GraphMarkup, MountOptions } from './view.js';
