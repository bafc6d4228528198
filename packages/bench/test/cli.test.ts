import { describe, expect, it } from 'vitest';
import { makeSelector, parseCli } from '../src/cli.js';

describe('parseCli', () => {
  it('defaults to everything, full timing, default output', () => {
    expect(parseCli([])).toEqual({ filter: undefined, quick: false, out: undefined, help: false });
  });
  it('reads --filter, --quick, --out and -h, in either flag form', () => {
    expect(parseCli(['--filter', 'matmul', '--quick'])).toEqual({ filter: 'matmul', quick: true, out: undefined, help: false });
    expect(parseCli(['--filter=exp', '--out', 'r.md', '-h'])).toEqual({ filter: 'exp', quick: false, out: 'r.md', help: true });
  });
  it('ignores the leading -- that pnpm may pass through', () => {
    expect(parseCli(['--', '--quick']).quick).toBe(true);
  });
  it('names unknown flags and missing values', () => {
    expect(() => parseCli(['--fast'])).toThrow(/--fast/);
    expect(() => parseCli(['--filter'])).toThrow(/--filter/);
    expect(() => parseCli(['--filter', ' '])).toThrow(/--filter expects a non-empty substring/);
    expect(() => parseCli(['matmul'])).toThrow(/matmul/);
  });
});

describe('makeSelector', () => {
  it('matches substrings case-insensitively, everything without a filter', () => {
    expect(makeSelector('MatMul')('matmul 256x256x256')).toBe(true);
    expect(makeSelector('matmul')('exp [1000,1000]')).toBe(false);
    expect(makeSelector(undefined)('anything')).toBe(true);
  });
});
