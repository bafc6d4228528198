import { describe, expect, it } from 'vitest';
import {
  add, arange, CpuBackend, eye, setBackend, full, getBackend, ones, onesLike, rand, randn, scalar, setSeed, tensor, zeros, zerosLike,
} from '../src/index.js';
import { expectClose } from './helpers.js';

describe('tensor()', () => {
  it('infers the shape of nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  it('makes a scalar from a number and a rank-1 tensor from a flat array', () => {
    const s = tensor(7);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(7);
    expect(tensor([1, 2, 3]).shape).toEqual([3]);
  });

  it('reshapes flat values to the given shape and checks the count', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/shape \[2, 2\] holds 4 elements but values has 3/);
    expect(() => tensor([1, 2], [2, -1])).toThrow(/shape: expected an array of non-negative integers/);
  });

  it('keeps the type of a typed array unless a dtype is given', () => {
    expect(tensor(new Float64Array([1.5, 2])).dtype).toBe('float64');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    const cast = tensor(new Float64Array([1.7, -1.7]), undefined, 'int32');
    expect(cast.dtype).toBe('int32');
    expect(Array.from(cast.dataSync())).toEqual([1, -1]);
  });

  it('copies a typed array, so later writes to it do not show', () => {
    const source = new Float32Array([1, 2, 3]);
    const t = tensor(source);
    source[0] = 100;
    expect(t.dataSync()[0]).toBe(1);
  });

  it('accepts nested typed arrays and empty arrays', () => {
    expect(tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('rejects ragged arrays, naming where the mismatch is', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/values: ragged nested array; expected length 2 at \[1\]/);
    expect(() => tensor([[1, 2], 3] as unknown as number[][])).toThrow(/ragged/);
    expect(() => tensor([1, [2]] as unknown as number[])).toThrow(/values: expected a number at \[1\]/);
  });

  it('rejects non-numbers and unknown dtypes', () => {
    expect(() => tensor(['a'] as unknown as number[])).toThrow(/values: expected a number at \[0\], got string/);
    expect(() => tensor([1], undefined, 'float16' as 'float32')).toThrow(/dtype: expected one of 'float32', 'float64', 'int32', got "float16"/);
  });

  it('stores float64 values that float32 cannot hold', () => {
    const t = tensor([1 + 1e-10], undefined, 'float64');
    expect(t.item()).toBe(1 + 1e-10);
    expect(tensor([1 + 1e-10]).item()).toBe(1);
  });
});

describe('filled tensors', () => {
  it('zeros, ones and full fill the shape', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], 'int32').dataSync()).toEqual(new Int32Array([1, 1, 1]));
    expect(full([2], 0.5, 'float64').dataSync()).toEqual(new Float64Array([0.5, 0.5]));
    expect(zeros([0, 3]).size).toBe(0);
    expect(full([], 3).item()).toBe(3);
  });

  it('zerosLike and onesLike copy shape and dtype', () => {
    const x = tensor([[1, 2]], undefined, 'int32');
    expect(zerosLike(x).shape).toEqual([1, 2]);
    expect(onesLike(x).dtype).toBe('int32');
    expect(Array.from(onesLike(x).dataSync())).toEqual([1, 1]);
  });

  it('scalar makes a rank-0 tensor', () => {
    expect(scalar(2.5).shape).toEqual([]);
    expect(scalar(2.5, 'float64').item()).toBe(2.5);
    expect(() => scalar('1' as unknown as number)).toThrow(/scalar: value must be a number/);
  });

  it('rejects bad shapes, values and dtypes', () => {
    expect(() => zeros([2, 1.5])).toThrow(/shape: expected an array of non-negative integers, got \[2,1.5\]/);
    expect(() => zeros(3 as unknown as number[])).toThrow(/shape: expected an array/);
    expect(() => ones([2], 'bool' as 'int32')).toThrow(/dtype: expected one of/);
    expect(() => full([2], '1' as unknown as number)).toThrow(/full: value must be a number/);
  });
});

describe('arange and eye', () => {
  it('arange counts like NumPy', () => {
    expect(Array.from(arange(4).dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(arange(1, 2, 0.25).dataSync())).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(arange(5, 0, -2).dataSync())).toEqual([5, 3, 1]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(3, 0).shape).toEqual([0]);
    expect(arange(0, 3, 1, 'int32').dtype).toBe('int32');
  });

  it('arange rejects a zero step and non-finite bounds', () => {
    expect(() => arange(0, 3, 0)).toThrow(/arange: step must not be 0/);
    expect(() => arange(0, Infinity)).toThrow(/arange: stop must be a finite number/);
  });

  it('eye makes square and rectangular identities', () => {
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, 'int32').dtype).toBe('int32');
    expect(() => eye(-1)).toThrow(/eye size/);
  });
});

describe('random tensors', () => {
  it('the same seed gives the same numbers, different seeds differ', () => {
    const a = rand([100], { seed: 42 }).dataSync();
    const b = rand([100], { seed: 42 }).dataSync();
    const c = rand([100], { seed: 43 }).dataSync();
    expect(a).toEqual(b);
    expect(Array.from(a).filter((v, i) => v === c[i]!).length).toBeLessThan(3);
    expect(randn([50], { seed: 7 }).dataSync()).toEqual(randn([50], { seed: 7 }).dataSync());
    expect(randn([50], { seed: 7 }).dataSync()).not.toEqual(randn([50], { seed: 8 }).dataSync());
  });

  it('setSeed makes the global stream repeatable', () => {
    setSeed(123);
    const first = rand([10]).dataSync();
    setSeed(123);
    expect(rand([10]).dataSync()).toEqual(first);
    expect(rand([10]).dataSync()).not.toEqual(first);
    expect(() => setSeed(1.5)).toThrow(/setSeed: seed must be an integer/);
  });

  it('rand stays inside [low, high) and fills it evenly', () => {
    const values = rand([10_000], { seed: 1, low: -2, high: 3 }).dataSync();
    let sum = 0;
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThan(3);
      sum += v;
    }
    expect(sum / values.length).toBeCloseTo(0.5, 1);
  });

  it('randn has roughly the requested mean and standard deviation on 10k samples', () => {
    const values = randn([10_000], { seed: 3, mean: 2, std: 0.5, dtype: 'float64' }).dataSync();
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / values.length;
    let squares = 0;
    for (const v of values) squares += (v - mean) ** 2;
    const std = Math.sqrt(squares / values.length);
    // Standard error of the mean is 0.005; of the std about 0.0035.
    expect(Math.abs(mean - 2)).toBeLessThan(0.02);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.015);
  });

  it('rejects bad options', () => {
    expect(() => rand([2], { low: 1, high: 1 })).toThrow(/rand: expected low < high, got low=1, high=1/);
    expect(() => randn([2], { std: -1 })).toThrow(/randn: option 'std' is invalid: Too small: expected number to be >=0 \(got -1\)/);
    expect(() => rand([2], { seed: 0.5 })).toThrow(/^rand: option 'seed' is invalid: expected an integer seed \(got 0.5\)$/);
    expect(() => randn([2], { dtype: 'half' as 'float32' })).toThrow(/randn: option 'dtype' is invalid/);
  });

  it('refuses unknown option names, listing the expected ones', () => {
    expect(() => randn([2], { sed: 1 } as never)).toThrow(new TypeError("randn: unknown option 'sed'; expected options: seed, mean, std, dtype"));
    expect(() => rand([2], { seeds: 1, hi: 2 } as never)).toThrow(/^rand: unknown options 'seeds', 'hi'; expected options: seed, low, high, dtype$/);
    expect(() => randn([2], 'seed' as never)).toThrow(/^randn: options must be an object; expected options: seed, mean, std, dtype, got "seed"$/);
    expect(Array.from(randn([2], { seed: 1 }).dataSync())).toEqual(Array.from(randn([2], { seed: 1, dtype: undefined }).dataSync()));
  });
});

describe('the default backend', () => {
  it('is the cpu backend, with free reads and zero counters', () => {
    const backend = getBackend();
    expect(backend.name).toBe('cpu');
    expect(backend.readIsFree).toBe(true);
    tensor([1, 2]).dataSync();
    expect(backend.stats).toEqual({ kernelCompilations: 0, readbacks: 0, uploads: 0 });
  });

  it('setBackend selects the cpu backend by name and rejects unknown names', () => {
    const backend = setBackend('cpu');
    expect(backend).toBeInstanceOf(CpuBackend);
    expect(getBackend()).toBe(backend);
    expect(() => setBackend('tpu' as 'cpu')).toThrow(/setBackend: unknown backend "tpu"; expected one of 'cpu'/);
  });

  it('setBackend refuses unknown and mistyped options before switching', () => {
    const before = setBackend('cpu');
    expect(() => setBackend('cpu', { foo: 1 } as never)).toThrow(new TypeError("setBackend('cpu'): unknown option 'foo'"));
    expect(() => setBackend('cpu', { mode: 'webasm' })).toThrow(/^setBackend\('cpu'\): unknown option 'mode'/);
    expect(getBackend()).toBe(before);
  });

  it("setBackend('gpujs') before the gpujs entry point is imported says what to install and import, then works after it", async () => {
    // This file never imports '@lossgraph/tensor/gpujs' statically: vitest gives each file its own module graph.
    expect(() => setBackend('gpujs', { mode: 'cpu' })).toThrow(
      /setBackend\('gpujs'\): the gpujs backend is not loaded\. Install GPU\.js \(`npm install gpu\.js`\) and import .*`import '@lossgraph\/tensor\/gpujs';`/);
    expect(getBackend()).toBeInstanceOf(CpuBackend);
    const { GpuJsBackend } = await import('../src/gpujs.js');
    try {
      // Once loaded, its options are checked before it starts (the gpujs schema knows them).
      expect(() => setBackend('gpujs', { mdoe: 'webasm' } as never)).toThrow(new TypeError("setBackend('gpujs'): unknown option 'mdoe'; expected options: mode"));
      expect(() => setBackend('gpujs', { mode: 'webgl3' as never })).toThrow(/^setBackend\('gpujs'\): option 'mode' is invalid: Invalid option: expected one of "cpu"\|"webasm"/);
      expect(getBackend()).toBeInstanceOf(CpuBackend);
      expect(setBackend('gpujs', { mode: 'cpu' })).toBeInstanceOf(GpuJsBackend);
      expect(add(tensor([1, 2]), 1).toArray()).toEqual([2, 3]);
    } finally {
      setBackend('cpu');
    }
  });

  it('ops accept tensors made by another backend instance', () => {
    const other = new CpuBackend();
    const t = other.fromValues(new Float32Array([1, 2]), [2], 'float32');
    const out = add(t, 1);
    expect(out.backend).toBe(getBackend());
    expect(Array.from(out.dataSync())).toEqual([2, 3]);
  });

  it('rand values reproduce exactly as float32', () => {
    const a = rand([4], { seed: 9, dtype: 'float64' }).dataSync();
    const b = rand([4], { seed: 9 }).dataSync();
    expectClose(b, Array.from(a).map((v) => Math.fround(v)), { rtol: 0, atol: 0 });
  });
});
