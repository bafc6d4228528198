/**
 * The GPU.js side of the gpujs backend: one GPU.js instance per backend, a cache of compiled
 * kernels, and the storage of tensor values (a host Float32Array, a device texture, or both).
 *
 * gpu.js ships typings whose kernel results are a wide union; this module narrows them once, so the
 * rest of the backend deals only in {@link Storage}.
 *
 * @internal
 */
import {
  CPUKernel, GPU, HeadlessGLKernel, Texture, WebAssemblyKernel, WebGL2Kernel, WebGLKernel, type IKernelRunShortcut, type KernelVariable,
} from 'gpu.js';
import type { BackendStats } from '../../backend.js';
import type { GpuJsMode } from '../../registry.js';
import { MAX_EXACT_INDEX } from './codegen.js';

/** Modes whose kernels render into textures, so results can stay on the device between kernels. */
const TEXTURE_MODES: ReadonlySet<string> = new Set(['headlessgl', 'webgl', 'webgl2']);

/**
 * The values of one tensor (or of several, when reshape or a no-op cast shares them). Tensors are
 * immutable, so whichever copies exist always agree: `host` is the upload source or the readback
 * cache, `texture` the device copy in pipeline mode.
 */
export class Storage {
  /** Values on the host, as float32 (int32 tensors hold exact integers). */
  host: Float32Array | null;
  /** The device copy, in pipeline mode. */
  texture: Texture | null;
  /** The int32 view of `host`, made on the first read of an int32 tensor. */
  ints: Int32Array | null = null;
  /** Tensors that share these values; the texture is deleted when the last one goes. */
  refs = 0;
  /** True once the values were released. */
  released = false;

  constructor(readonly length: number, host: Float32Array | null, texture: Texture | null) {
    this.host = host;
    this.texture = texture;
  }
}

/** A kernel to run: its cache key, and its source, made only when the key is new. */
export interface KernelSpec {
  /** Identifies the source completely: equal keys must mean equal sources. */
  key: string;
  /** The kernel function's source text. */
  source: () => string;
  /**
   * The source mentions no size (a flat elementwise map): one compiled kernel then serves every
   * size, through GPU.js's dynamic output and arguments, instead of one kernel per size.
   */
  sizeFree?: boolean;
}

/** Copies host values into a texture. */
const UPLOAD: KernelSpec = { key: 'upload', source: () => 'function(x) {\n  return x[this.thread.x];\n}', sizeFree: true };

/** One cached kernel and the GPU.js kernel object it last ran on (to notice silent re-compiles). */
interface CachedKernel {
  run: IKernelRunShortcut;
  lastKernel: unknown;
  /** The output size it last ran with (size-free kernels change it between runs). */
  size: number;
}

/** The mode of the kernel class GPU.js chose (its GL classes all call themselves 'gpu'). */
function modeOfKernelClass(kernelClass: unknown): string {
  if (kernelClass === HeadlessGLKernel) return 'headlessgl';
  if (kernelClass === WebGL2Kernel) return 'webgl2';
  if (kernelClass === WebGLKernel) return 'webgl';
  if (kernelClass === WebAssemblyKernel) return 'webasm';
  if (kernelClass === CPUKernel) return 'cpu';
  return (kernelClass as { mode?: string } | null)?.mode ?? 'gpu';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a mode did not start, with the usual remedy. */
function startHint(mode: GpuJsMode): string {
  switch (mode) {
    case 'headlessgl':
      return 'headlessgl needs the optional `gl` package built (X11/GL headers) and an X display: run under `xvfb-run -a`';
    case 'webgl':
    case 'webgl2':
      return `${mode} needs a browser with ${mode === 'webgl' ? 'WebGL' : 'WebGL2'} and float textures`;
    default:
      return 'try mode \'cpu\' or \'webasm\', which work everywhere';
  }
}

/**
 * Owns the GPU.js instance, the kernel cache and the storage lifetimes of one gpujs backend.
 */
export class GpuRuntime {
  /** The mode GPU.js actually runs (what `'gpu'` resolved to). */
  readonly mode: string;
  /** Results stay on the device as textures and are read back only on request. */
  readonly pipeline: boolean;
  /** Textures that tensors (or intermediate results) of this backend hold right now. */
  liveTextures = 0;

  private readonly gpu: GPU;
  private readonly kernels = new Map<string, CachedKernel>();
  /** Frees the values of a tensor the garbage collector took without dispose(). */
  private readonly finalizer = new FinalizationRegistry<Storage>((storage) => this.release(storage));

  constructor(requested: GpuJsMode, readonly stats: BackendStats) {
    if (requested === 'webgpu') {
      throw new Error(
        "gpujs backend: mode 'webgpu' cannot start: GPU.js runs WebGPU kernels asynchronously (every call returns a Promise), " +
        "and tensor ops are synchronous; use 'webgl2', 'webgl', 'headlessgl', 'webasm' or 'cpu'",
      );
    }
    try {
      this.gpu = new GPU({ mode: requested });
    } catch (e) {
      throw new Error(`gpujs backend: mode '${requested}' cannot start here (${messageOf(e)}); ${startHint(requested)}`);
    }
    this.mode = requested === 'gpu' ? modeOfKernelClass(this.gpu.Kernel) : requested;
    if (this.mode === 'webgpu') {
      throw new Error("gpujs backend: mode 'gpu' resolved to 'webgpu', which runs asynchronously; choose a mode explicitly");
    }
    this.pipeline = TEXTURE_MODES.has(this.mode);
  }

  /** Checks that a kernel compiles and computes here, so a broken mode fails at setBackend, not mid-program. */
  selfTest(): void {
    const probe = new Float32Array([1.5, -2, 3]);
    let values: Float32Array;
    try {
      const storage = this.run(
        { key: 'selfTest', source: () => 'function(x) {\n  return x[this.thread.x] * 2 + 1;\n}' },
        3, [this.hostStorage(probe)],
      );
      values = this.hostValues(storage);
      this.release(storage);
    } catch (e) {
      throw new Error(`gpujs backend: mode '${this.mode}' cannot run kernels here (${messageOf(e)}); ${startHint(this.mode as GpuJsMode)}`);
    }
    if (values[0] !== 4 || values[1] !== -3 || values[2] !== 7) {
      throw new Error(`gpujs backend: mode '${this.mode}' computed wrong values in its self-test (${Array.from(values).join(', ')}); ${startHint(this.mode as GpuJsMode)}`);
    }
  }

  /** Storage for host values (uploaded lazily, when a kernel first needs them). */
  hostStorage(values: Float32Array): Storage {
    return new Storage(values.length, values, null);
  }

  /**
   * Counts `storage` as held by one more tensor, and, in the texture modes, frees its texture if
   * that tensor is collected undisposed. In the host modes the values are a plain array that the
   * garbage collector frees with the last tensor holding it: registering it would keep it alive
   * until the registry's callback runs, which never happens inside a synchronous loop (measured:
   * the nn README's loop on webasm grew arrayBuffers by 475 MB over 1000 steps that way).
   */
  retain(storage: Storage, owner: object): void {
    storage.refs++;
    if (this.pipeline) this.finalizer.register(owner, storage, owner);
  }

  /** Drops one tensor's hold on its storage; `owner` will not be finalised any more. */
  drop(storage: Storage, owner: object): void {
    if (this.pipeline) this.finalizer.unregister(owner);
    this.release(storage);
  }

  /**
   * Drops one hold (or frees an intermediate with no holder): when none is left, the texture is
   * deleted and the host copy let go.
   */
  release(storage: Storage): void {
    if (storage.released) return;
    if (storage.refs > 0) storage.refs--;
    if (storage.refs > 0) return;
    storage.released = true;
    if (storage.texture) {
      storage.texture.delete();
      storage.texture = null;
      this.liveTextures--;
    }
    storage.host = null;
    storage.ints = null;
  }

  /** The values on the host, reading them back from the device the first time. */
  hostValues(storage: Storage): Float32Array {
    if (storage.host) return storage.host;
    if (storage.released || !storage.texture) throw new Error('gpujs backend: these values were released (the tensor was disposed)');
    const values = storage.texture.toArray();
    if (!(values instanceof Float32Array) || values.length !== storage.length) {
      throw new Error(`gpujs backend: reading back ${storage.length} values from mode '${this.mode}' gave ${describeValue(values)}`);
    }
    this.stats.readbacks++;
    storage.host = values;
    return values;
  }

  /**
   * Runs a kernel with a 1-D output of `size` elements. Inputs are passed as textures in pipeline
   * mode (uploading host values once) and as Float32Arrays otherwise; `numbers` follow them as
   * float uniforms. The kernel is compiled on the first use of `spec.key` only.
   */
  run(spec: KernelSpec, size: number, inputs: readonly Storage[], numbers: readonly number[] = []): Storage {
    if (size === 0) return new Storage(0, new Float32Array(0), null);
    const largest = Math.max(size, ...inputs.map((s) => s.length));
    if (largest > MAX_EXACT_INDEX) {
      throw new RangeError(`gpujs backend: tensors of more than 2^24 (${MAX_EXACT_INDEX}) elements are not supported (kernels index in float32), got ${largest} elements`);
    }
    const args: KernelVariable[] = inputs.map((s) => this.deviceValue(s));
    for (const n of numbers) args.push(n);
    return this.launch(spec, size, args, inputs.map((s) => s.length));
  }

  /** Deletes every compiled kernel and the GPU.js instance (its WebGL context). */
  destroy(): void {
    for (const { run } of this.kernels.values()) run.destroy();
    this.kernels.clear();
    void this.gpu.destroy();
  }

  /** Kernels compiled so far (distinct cache keys). */
  get cachedKernels(): number {
    return this.kernels.size;
  }

  /**
   * The cached kernel for `spec`. GPU.js bakes the output size and the input sizes into a compiled
   * kernel, so they are part of the key, except for size-free kernels, compiled with dynamic sizes.
   */
  private kernel(spec: KernelSpec, size: number, inputSizes: readonly number[]): CachedKernel {
    const key = spec.sizeFree ? spec.key : `${spec.key}:${inputSizes.join(',')}->${size}`;
    let cached = this.kernels.get(key);
    if (!cached) {
      const run = this.gpu.createKernel(spec.source(), {
        output: [size],
        precision: 'single',
        // highp everywhere: index arithmetic needs 24-bit integers, which mediump does not give.
        tactic: 'precision',
        pipeline: this.pipeline,
        immutable: true,
        // Four floats per texel instead of one.
        optimizeFloatMemory: this.pipeline,
        dynamicOutput: spec.sizeFree === true,
        dynamicArguments: spec.sizeFree === true,
      });
      cached = { run, lastKernel: undefined, size };
      this.kernels.set(key, cached);
      this.stats.kernelCompilations++;
    } else if (cached.size !== size) {
      cached.run.setOutput([size]);
      cached.size = size;
    }
    return cached;
  }

  private launch(spec: KernelSpec, size: number, args: KernelVariable[], inputSizes: readonly number[]): Storage {
    const kernel = this.kernel(spec, size, inputSizes);
    const result: unknown = kernel.run(...args);
    if (kernel.run.kernel !== kernel.lastKernel) {
      // The first run builds the kernel; any later change means GPU.js re-compiled behind the
      // cache (an argument changed type or size). Count it, and refuse a silent fall-back to
      // GPU.js's CPU kernel in a GPU mode.
      if (kernel.lastKernel !== undefined) this.stats.kernelCompilations++;
      kernel.lastKernel = kernel.run.kernel;
      const fallback = (kernel.run.kernel as { fallbackReason?: string | null }).fallbackReason;
      if (fallback) throw new Error(`gpujs backend: kernel ${spec.key} failed in mode '${this.mode}' and GPU.js fell back to its CPU kernel: ${fallback}`);
    }
    if (result instanceof Texture) {
      this.liveTextures++;
      detachRenderTarget(kernel.run.kernel);
      return new Storage(size, null, result);
    }
    if (result instanceof Float32Array && result.length === size) return new Storage(size, result, null);
    throw new Error(`gpujs backend: kernel ${spec.key} in mode '${this.mode}' returned ${describeValue(result)}, expected ${size} float32 values`);
  }

  /** What a kernel receives for `storage`: its texture in pipeline mode (uploading once), else its array. */
  private deviceValue(storage: Storage): Texture | Float32Array {
    if (storage.released) throw new Error('gpujs backend: a kernel input was released (a disposed tensor was used)');
    if (storage.length === 0) throw new Error('gpujs backend: internal error, an empty tensor reached a kernel');
    if (!this.pipeline) return this.hostValues(storage);
    if (!storage.texture) {
      const uploaded = this.launch(UPLOAD, storage.length, [storage.host!], [storage.length]);
      storage.texture = uploaded.texture;
      this.stats.uploads++;
    }
    return storage.texture!;
  }
}

/**
 * Gives an immutable pipeline kernel a fresh render target for its next run, so the texture it
 * just returned is held by the result alone and is freed when that tensor is disposed. Without
 * this GPU.js renders the next run into the same texture once the result is disposed (its clone
 * count back to 1), and in headlessgl some of those in-place runs computed wrong values (20 of the
 * 120 loss conformance cases, first seen when tidy made disposal immediate). A fresh target per
 * run is what GPU.js did anyway while results were still alive.
 */
function detachRenderTarget(kernel: unknown): void {
  const k = kernel as { texture?: { newTexture?: () => void } | null; _textureSwitched?: boolean };
  if (typeof k.texture?.newTexture !== 'function') return;
  k.texture.newTexture();
  k._textureSwitched = true;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float32Array).length})`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
