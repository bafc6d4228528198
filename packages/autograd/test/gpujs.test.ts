/**
 * The same gradient code on the gpujs backend (float32, GPU.js 'cpu' mode, which runs everywhere)
 * must give the gradients the cpu backend gives: a representative op of every family, and a
 * second-order product.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '@lossgraph/tensor';
import '@lossgraph/tensor/gpujs';
import type { Tensor } from '@lossgraph/tensor';
import * as A from '../src/index.js';
import type { Variable } from '../src/index.js';
import { analyticGradients, Gen } from './helpers.js';

function onBackend<R>(name: 'cpu' | 'gpujs', fn: () => R): R {
  T.setBackend(name, name === 'gpujs' ? { mode: 'cpu' } : {});
  try {
    return fn();
  } finally {
    T.setBackend('cpu');
  }
}

/** Inputs are made on the cpu backend in float32 (gpujs has no float64) and moved by the ops. */
function expectSameGradients(f: (...xs: Variable[]) => Variable, inputs: readonly Tensor[]): void {
  const cpu = onBackend('cpu', () => analyticGradients(f, inputs, 'float32'));
  const gpu = onBackend('gpujs', () => {
    expect(T.getBackend().name).toBe('gpujs');
    return analyticGradients(f, inputs, 'float32');
  });
  expect(gpu).toHaveLength(cpu.length);
  cpu.forEach((g, k) => {
    const scale = Math.max(1, ...Array.from(g, Math.abs));
    const worst = Math.max(0, ...Array.from(g, (v, j) => Math.abs(v - gpu[k]![j]!)));
    expect(worst / scale, `input ${k}`).toBeLessThan(1e-5);
  });
}

describe('gradients on the gpujs backend match the cpu backend', () => {
  const gen = new Gen(77);
  const n = (shape: number[]): Tensor => gen.normal(shape, 'float32');
  afterEach(() => {
    T.setBackend('cpu');
  });

  it('elementwise ops with broadcasting', () => {
    expectSameGradients((a, b) => A.mul(A.exp(a), b), [n([3, 4]), n([4])]);
    expectSameGradients((a, b) => A.div(A.sigmoid(a), A.add(A.square(b), 1)), [n([2, 3]), n([2, 1])]);
    expectSameGradients((x) => A.add(A.tanh(A.softplus(x)), A.logSigmoid(x)), [n([5])]);
    expectSameGradients((a, b) => A.add(A.where(A.greater(a, 0), a, b), A.maximum(a, b)), [n([2, 3]), n([3])]);
    expectSameGradients((x) => A.mul(A.clip(x, -0.5, 0.5), A.sqrt(A.add(A.abs(x), 1))), [n([6])]);
  });

  it('reductions and normalisations', () => {
    expectSameGradients((x) => A.add(A.sum(A.square(x), 1, true), A.mean(x, 0, true)), [n([3, 4])]);
    expectSameGradients((x) => A.mul(A.max(x, -1), A.logSumExp(x, -1)), [n([3, 5])]);
    expectSameGradients((x) => A.mul(A.softmax(x), A.logSoftmax(x, 0)), [n([3, 4])]);
    expectSameGradients((x) => A.norm(x, 2, 1), [n([2, 3])]);
  });

  it('matmul, plain, transposed and batched', () => {
    expectSameGradients((a, b) => A.matmul(a, b), [n([3, 4]), n([4, 2])]);
    expectSameGradients((a, b) => A.matmul(a, b, true, true), [n([4, 3]), n([2, 4])]);
    expectSameGradients((a, b) => A.matmul(a, b), [n([2, 3, 4]), n([4, 2])]);
  });

  it('shape and indexing ops', () => {
    expectSameGradients(
      (x) => A.square(A.concat([A.slice(x, [0, 1], [2, 2]), A.pad(A.transpose(x), [[0, 1], [0, 0]])], 0)),
      [n([2, 3])],
    );
    expectSameGradients((x) => A.mul(A.broadcastTo(A.reshape(x, [3, 1]), [3, 4]), 2), [n([3])]);
    const labels = T.tensor([2, 0, 3], undefined, 'int32');
    expectSameGradients((x) => A.neg(A.mean(A.pick(A.logSoftmax(x), labels))), [n([3, 4])]);
    expectSameGradients((x) => A.square(A.gather(x, [1, 1, 0])), [n([2, 3])]);
    expectSameGradients((x) => A.square(A.takeAlongAxis(x, T.tensor([[1], [0]], undefined, 'int32'), 1)), [n([2, 3])]);
    expectSameGradients((x) => {
      const [a, b, c] = A.unstack(x, 1);
      const [head, tail] = A.split(x, [1, 2]);
      return A.concat([A.mul(A.square(a!), c!), A.exp(b!), A.reshape(A.sum(A.square(tail!), 0), [-1]), A.reshape(head!, [-1])]);
    }, [n([3, 3])]);
  });

  it('Hessian-vector products', () => {
    const w = n([3, 3]);
    const v = n([3]);
    const x0 = n([3]);
    const hvp = (): number[] => {
      const f = (x: Variable): Variable => A.sum(A.tanh(A.matmul(w, A.mul(x, x))));
      return Array.from(A.grad((x: Variable) => A.dot(A.grad(f)(x), v))(x0).dataSync());
    };
    const cpu = onBackend('cpu', hvp);
    const gpu = onBackend('gpujs', hvp);
    gpu.forEach((g, i) => expect(Math.abs(g - cpu[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu[i]!))));
  });
});
