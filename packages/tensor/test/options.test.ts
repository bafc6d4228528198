import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as classic from 'zod';
import { describeValue, parseArgument, parseOptions, tensor } from '../src/index.js';

const schema = z.strictObject({
  rate: z._default(z.number().check(z.positive()), 0.1),
  mode: z._default(z.enum(['fast', 'exact']), 'fast'),
  inner: z.optional(z.strictObject({ depth: z.number().check(z.int()) })),
});

describe('parseOptions: the one translator of zod issues', () => {
  it('returns the parsed options with defaults', () => {
    expect(parseOptions('Trainer', schema, {})).toEqual({ rate: 0.1, mode: 'fast' });
  });

  it('names unknown options and lists the expected ones (TypeError)', () => {
    expect(() => parseOptions('Trainer', schema, { rat: 1 })).toThrow(new TypeError("Trainer: unknown option 'rat'; expected options: rate, mode, inner"));
    expect(() => parseOptions('Trainer', schema, { a: 1, b: 2 })).toThrow(/Trainer: unknown options 'a', 'b'; expected options/);
    expect(() => parseOptions('Trainer', schema, { inner: { depth: 1, dpth: 2 } })).toThrow(/unknown option 'inner\.dpth'/);
  });

  it('says inputs rather than options for an inputs object', () => {
    expect(() => parseOptions('L2Loss', schema, { x: 1 }, 'input')).toThrow(/L2Loss: unknown input 'x'; expected inputs: rate/);
  });

  it('tells a wrong type (TypeError) from a value out of range (RangeError), echoing the value', () => {
    expect(() => parseOptions('Trainer', schema, { rate: -1 })).toThrow(RangeError);
    expect(() => parseOptions('Trainer', schema, { rate: -1 })).toThrow(/Trainer: option 'rate' is invalid: .*>0 \(got -1\)/);
    expect(() => parseOptions('Trainer', schema, { rate: '1' })).toThrow(TypeError);
    expect(() => parseOptions('Trainer', schema, { inner: { depth: 1.5 } })).toThrow(/option 'inner\.depth' is invalid: .*\(got 1\.5\)/);
    expect(() => parseOptions('Trainer', schema, 5)).toThrow(new TypeError('Trainer: options must be an object; expected options: rate, mode, inner, got 5'));
  });

  it('parses a single named argument', () => {
    expect(parseArgument('Dense', 'units', z.number().check(z.int(), z.positive()), 3)).toBe(3);
    expect(() => parseArgument('Dense', 'units', z.number().check(z.int(), z.positive()), 0)).toThrow(new RangeError('Dense: units is invalid: Too small: expected number to be >0 (got 0)'));
    expect(() => parseArgument('f', 'sizes', z.array(z.number()), [1, 'a'])).toThrow(/f: sizes\[1\] is invalid: .*\(got "a"\)/);
  });

  it('reads the same for classic zod schemas (a custom loss may declare its options with them), in English whatever locale is configured', () => {
    const classicSchema = classic.strictObject({ rate: classic.number().positive().default(0.1) });
    expect(parseOptions('Trainer', classicSchema, {})).toEqual({ rate: 0.1 });
    expect(() => parseOptions('Trainer', classicSchema, { rat: 1 })).toThrow(new TypeError("Trainer: unknown option 'rat'; expected options: rate"));
    expect(() => parseOptions('Trainer', classicSchema, { rate: 0 })).toThrow(new RangeError("Trainer: option 'rate' is invalid: Too small: expected number to be >0 (got 0)"));
    const localeError = z.config().localeError;
    z.config({ localeError: () => 'eine andere Sprache' });
    try {
      expect(() => parseOptions('Trainer', schema, { mode: 'slow' })).toThrow(new RangeError(`Trainer: option 'mode' is invalid: Invalid option: expected one of "fast"|"exact" (got "slow")`));
      expect(() => parseOptions('Trainer', schema, { rate: '1' })).toThrow(new TypeError(`Trainer: option 'rate' is invalid: Invalid input: expected number, received string (got "1")`));
    } finally {
      z.config({ localeError });
    }
  });

  it('describes values shortly', () => {
    expect(describeValue(tensor([[1, 2]]))).toBe('a Tensor of shape [1, 2]');
    expect(describeValue(Infinity)).toBe('Infinity');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue('x'.repeat(100))).toHaveLength(60);
  });
});
