/**
 * Gradient clipping by global norm (Gluon's `gluon.utils.clip_global_norm`).
 */
import * as T from '@lossgraph/tensor';
import { parseArgument } from '@lossgraph/tensor';
import { constant, Variable } from '@lossgraph/autograd';
import * as z from 'zod/mini';
import { Block } from './block.js';
import { type ParamsInput } from './optimizer.js';

import { Parameter } from './parameter.js';

/**
 * Rescales the accumulated gradients of `params` together so that their global L2 norm (over
 * all of them as one vector) is at most `maxNorm`, as Gluon's `clip_global_norm`: every gradient
 * is multiplied by `min(1, maxNorm / (norm + 1e-8))`. Parameters without a gradient are skipped.
 * Call it between `backward` and the optimiser's `step`.
 *
 * @param params - a block, its `collectParams()` map, or Parameters/Variables
 * @param maxNorm - the largest norm allowed (positive)
 * @returns the global norm before clipping (NaN or Infinity passes through, so it can be checked)
 * @throws TypeError for a non-positive `maxNorm` or a bad `params`
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGlobalNorm(net, 1.0);
 * opt.step();
 * ```
 */
export function clipGlobalNorm(params: ParamsInput, maxNorm: number): number {
  const bound = parseArgument('clipGlobalNorm', 'maxNorm', z.number().check(z.positive()), maxNorm);
  const leaves = leavesOf(params);
  const withGrad = leaves.filter((leaf) => leaf.grad !== null);
  let sumOfSquares = 0;
  // Each parameter's sum in its own dtype (gpujs has no float64); the total in a JS double.
  for (const leaf of withGrad) sumOfSquares += T.sum(T.square(leaf.grad!.value)).item();
  const norm = Math.sqrt(sumOfSquares);
  const scale = Math.min(1, bound / (norm + 1e-8));
  if (scale < 1) {
    for (const leaf of withGrad) leaf.grad = constant(T.mul(leaf.grad!.value, scale));
  }
  return norm;
}

function leavesOf(params: ParamsInput): Variable[] {
  let list: unknown[];
  if (params instanceof Block) list = params.parameters();
  else if (params instanceof Map) list = [...(params as ReadonlyMap<string, Parameter>).values()];
  else if (params !== null && typeof params === 'object' && Symbol.iterator in params) list = [...(params as Iterable<unknown>)];
  else throw new TypeError(`clipGlobalNorm: params must be a Block, a Map from collectParams(), or a list of Parameters or Variables; got ${params === null ? 'null' : typeof params}`);
  return list.flatMap((p, i) => {
    if (p instanceof Variable) return [p];
    if (p instanceof Parameter) return p.isInitialized ? [p.variable] : [];
    throw new TypeError(`clipGlobalNorm: params[${i}] must be a Parameter or a Variable, got ${p === null ? 'null' : typeof p}`);
  });
}
