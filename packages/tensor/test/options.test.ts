import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeValue, parseArgument, parseOptions, tensor } from '../src/index.js';

const schema = z.strictObject({
  rate: z.number().positive().default(0.1),
  mode: z.enum(['fast', 'exact']).default('fast'),
  inner: z.strictObject({ depth: z.number().int() }).optional(),
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
    expect(parseArgument('Dense', 'units', z.number().int().positive(), 3)).toBe(3);
    expect(() => parseArgument('Dense', 'units', z.number().int().positive(), 0)).toThrow(new RangeError('Dense: units is invalid: Too small: expected number to be >0 (got 0)'));
    expect(() => parseArgument('f', 'sizes', z.array(z.number()), [1, 'a'])).toThrow(/f: sizes\[1\] is invalid: .*\(got "a"\)/);
  });

  it('describes values shortly', () => {
    expect(describeValue(tensor([[1, 2]]))).toBe('a Tensor of shape [1, 2]');
    expect(describeValue(Infinity)).toBe('Infinity');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue('x'.repeat(100))).toHaveLength(60);
  });
});
