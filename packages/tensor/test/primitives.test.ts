/** The primitives table against what the frontend and the backends do. */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { GpuJsBackend } from '../src/gpujs.js';
import { CpuBackend, PRIMITIVES, primitivesOf, resultDType, type PrimitiveFamily, type PrimitiveName } from '../src/index.js';

const names = Object.keys(PRIMITIVES) as PrimitiveName[];
/** Families whose primitives are the `op` argument of one backend method rather than methods of their own. */
const OP_FAMILIES: readonly PrimitiveFamily[] = ['unary', 'binary', 'reduce', 'argReduce'];

describe('PRIMITIVES', () => {
  it('names a backend method of its own for every primitive outside the op families (the gradients optionally)', () => {
    for (const name of names.filter((n) => !OP_FAMILIES.includes(PRIMITIVES[n].family))) {
      for (const backend of [CpuBackend, GpuJsBackend]) {
        const method = (backend.prototype as unknown as Record<string, unknown>)[name];
        if (PRIMITIVES[name].family === 'gradient' && method === undefined) continue;
        expect(typeof method, `${backend.name}.${name}`).toBe('function');
      }
    }
    // cpu keeps its fused log-softmax gradient; logSumExpGrad is the shared composition everywhere.
    expect(typeof CpuBackend.prototype.logSoftmaxGrad).toBe('function');
    expect((GpuJsBackend.prototype as { logSoftmaxGrad?: unknown }).logSoftmaxGrad).toBeUndefined();
  });

  it('gives the frontend its result dtypes: int32 stays int32 under "same" and becomes float32 under "float"', () => {
    const ints = T.tensor([1, 4], [2], 'int32');
    for (const op of primitivesOf('unary')) {
      const want = PRIMITIVES[op].dtype === 'float' ? 'float32' : 'int32';
      expect((T as unknown as Record<string, (x: T.Tensor) => T.Tensor>)[op]!(ints).dtype, op).toBe(want);
    }
    for (const op of primitivesOf('binary')) {
      expect((T as unknown as Record<string, (a: T.Tensor, b: T.Tensor) => T.Tensor>)[op]!(ints, ints).dtype, op).toBe(resultDType(op, 'int32'));
    }
    expect(T.div(ints, ints).dtype).toBe('float32');
    expect(T.logSumExp(ints).dtype).toBe('float32');
    expect(T.sum(ints).dtype).toBe('int32');
    expect(T.argmax(T.tensor([1, 3])).dtype).toBe('int32');
    expect(resultDType('exp', 'float64')).toBe('float64');
  });

  it('gives each reduction its value over no elements', () => {
    for (const op of primitivesOf('reduce')) {
      expect((T as unknown as Record<string, (x: T.Tensor, axis: number) => T.Tensor>)[op]!(T.zeros([2, 0]), 1).toArray(), op)
        .toEqual([PRIMITIVES[op].identity, PRIMITIVES[op].identity]);
    }
  });

  it('missingKernel names the op and the kernel', () => {
    expect(() => T.missingKernel('erf' as never, 'cpu unaryKernel')).toThrow('cpu unaryKernel: no kernel for op "erf"');
  });
});
