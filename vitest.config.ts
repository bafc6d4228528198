import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (name: string, entry = 'index'): string => fileURLToPath(new URL(`./packages/${name}/src/${entry}.ts`, import.meta.url));

// Tests import the packages' TypeScript sources directly, so `pnpm test` needs no build first.
export default defineConfig({
  resolve: {
    // A subpath comes before its package: an alias also matches what starts with its name and a slash.
    alias: {
      '@lossgraph/tensor/cpu': src('tensor', 'cpu'),
      '@lossgraph/tensor/gpujs': src('tensor', 'gpujs'),
      '@lossgraph/tensor': src('tensor'),
      '@lossgraph/autograd': src('autograd'),
      '@lossgraph/loss': src('loss'),
      '@lossgraph/nn': src('nn'),
      '@lossgraph/lab': src('lab'),
      '@lossgraph/chromium': src('chromium'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
