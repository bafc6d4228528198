import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as classic from 'zod';
import { en } from 'zod/locales';
import { englishMessage } from '../src/options.js';
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

  it("words every issue code as zod's English locale does (the messages are written out to keep locales out of bundles)", () => {
    class Point {}
    const cases: [z.core.$ZodType, unknown][] = [
      ...['1', NaN, Infinity, -Infinity, null, undefined, [1], {}, new Point(), new Date(0), true, 1n, () => 1].map((v): [z.core.$ZodType, unknown] => [z.number(), v]),
      [z.string(), 1], [z.boolean(), 'x'], [z.array(z.number()), { a: 1 }], [z.nan(), 1], [z.number().check(z.int()), 1.5],
      [z.number().check(z.int()), '1'], [z.bigint(), 1],
      [z.number().check(z.positive()), 0], [z.number().check(z.nonnegative()), -1], [z.number().check(z.lt(1)), 1],
      [z.number().check(z.maximum(1)), 2], [z.number().check(z.gt(2)), 1], [z.bigint().check(z.minimum(5n)), 1n],
      [z.number().check(z.multipleOf(3)), 4],
      [z.string().check(z.minLength(3)), 'ab'], [z.string().check(z.maxLength(1)), 'ab'], [z.string().check(z.length(2)), 'a'],
      [z.array(z.number()).check(z.minLength(2)), [1]], [z.array(z.number()).check(z.maxLength(0)), [1]], [z.array(z.number()).check(z.length(3)), []],
      [z.set(z.number()).check(z.minSize(2)), new Set([1])], [z.map(z.string(), z.number()).check(z.maxSize(0)), new Map([['a', 1]])],
      [z.enum(['a', 'b', 'c']), 'd'], [z.literal(3), 4], [z.literal([1, 'x', 2n]), 5],
      [z.string().check(z.regex(/^a+$/)), 'b'], [z.string().check(z.startsWith('ab')), 'b'], [z.string().check(z.endsWith('yz')), 'b'],
      [z.string().check(z.includes('mid')), 'b'], [z.templateLiteral(['a', z.number()]), 'b'],
      [z.strictObject({ a: z.number() }), { a: 1, b: 2 }], [z.strictObject({ a: z.number() }), { a: 1, b: 2, c: 3 }],
      [z.record(z.enum(['x']), z.number()), { y: 1 }], [z.record(z.string().check(z.minLength(2)), z.number()), { y: 1 }],
      [z.union([z.number(), z.string()]), true],
      [z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b') })]), { kind: 'c' }],
      [z.xor([z.number(), z.number().check(z.positive())]), 1],
      [z.map(z.string(), z.number()), new Map([['a', 'x']])], [z.set(z.number()), new Set(['x'])],
      [z.map(z.custom<object>(), z.number()), new Map([[{}, 'x']])], [z.map(z.number(), z.number()), new Map([[{}, 1]])],
      [z.custom<number>((v) => v === 1), 2],
    ];
    let compared = 0;
    for (const [schema, value] of cases) {
      const ours = z.safeParse(schema, value, { error: englishMessage });
      const theirs = z.safeParse(schema, value, { error: en().localeError });
      expect(ours.success, `${describeValue(value)} should fail`).toBe(false);
      expect(ours.error?.issues.map((i) => i.message), describeValue(value)).toEqual(theirs.error?.issues.map((i) => i.message));
      compared += ours.error?.issues.length ?? 0;
    }
    expect(compared).toBeGreaterThanOrEqual(cases.length);
    // Formats the library never uses read as their name, where zod's locale has a noun.
    expect(z.safeParse(z.email(), 'x', { error: englishMessage }).error?.issues[0]?.message).toBe('Invalid email');
  });

  it('describes values shortly', () => {
    expect(describeValue(tensor([[1, 2]]))).toBe('a Tensor of shape [1, 2]');
    expect(describeValue(Infinity)).toBe('Infinity');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue('x'.repeat(100))).toHaveLength(60);
  });
});
