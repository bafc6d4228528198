/**
 * Counts the kernels the active backend runs, for tests asserting that a refused call did no
 * work: every method of the backend instance is wrapped; a call from outside the backend to one
 * that computes (not one that moves data in or out or manages memory) counts once, whatever
 * helpers it calls inside. Shared by the bad-input suites of loss and nn.
 */
import * as T from '../src/index.js';

/** Backend methods that move data in or out or manage memory: everything else is a kernel. */
const NOT_KERNELS = new Set(['fromValues', 'read', 'handOut', 'dispose', 'beginScratch', 'endScratch']);

/** A running count of kernel calls on the backend active when {@link countKernels} was called. */
export interface KernelCounter {
  /** Kernel calls since the counter was installed. */
  readonly calls: number;
  /** Removes the wrappers. */
  restore(): void;
}

/**
 * Wraps every method of the active backend to count kernel calls.
 * @returns the counter; call `restore()` when done
 */
export function countKernels(): KernelCounter {
  const backend = T.getBackend() as unknown as Record<string, unknown>;
  let calls = 0;
  let depth = 0;
  const wrapped: string[] = [];
  for (let proto = Object.getPrototypeOf(backend); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      if (name === 'constructor' || typeof descriptor.value !== 'function' || Object.prototype.hasOwnProperty.call(backend, name)) continue;
      const original = descriptor.value as (...args: unknown[]) => unknown;
      const isKernel = !NOT_KERNELS.has(name);
      backend[name] = function counted(this: unknown, ...args: unknown[]): unknown {
        if (depth === 0 && isKernel) calls++;
        depth++;
        try {
          return original.apply(this, args);
        } finally {
          depth--;
        }
      };
      wrapped.push(name);
    }
  }
  return {
    get calls() {
      return calls;
    },
    restore() {
      for (const name of wrapped) delete backend[name];
    },
  };
}
