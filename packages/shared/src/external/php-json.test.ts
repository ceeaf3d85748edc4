import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExternalDescription, PARAM_TYPES } from './description';
import { phpJsonEncode } from './php-json';
import { cleanReturnValue, cleanReturnValueAsJson, ExternalValidationError } from './validate';

// cleanReturnValueAsJson (cleaning and PHP's JSON in one pass, compiled per description) must
// write exactly phpJsonEncode(cleanReturnValue(…)) and refuse exactly what cleanReturnValue
// refuses, with the same error: generated descriptions (keys that need escapes, keys JavaScript
// enumerates first, optional keys and defaults, nulls, nested lists) and values.

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', 'a/b', 'é', '"', '\\', '\n', '\u2028', '\ud800', '\u007f', 'http://x/y?z=1&w=2', '<b>'),
);
const key = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  fc.constantFrom('0', '7', '10', '01', '-1', 'a/b', 'ü', 'name', '4294967295', '__proto__'),
);

const description: fc.Arbitrary<ExternalDescription> = fc.letrec<{ desc: ExternalDescription }>((tie) => ({
  desc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('value' as const),
      type: fc.constantFrom(...PARAM_TYPES),
      allowNull: fc.boolean(),
      desc: fc.constant(''),
      presence: fc.constantFrom('required' as const, 'optional' as const, 'default' as const),
      default: fc.oneof(fc.constant(undefined), text, fc.integer(), fc.boolean(), fc.constant(null)),
    }),
    fc.record({
      kind: fc.constant('multiple' as const),
      content: tie('desc'),
      desc: fc.constant(''),
      presence: fc.constantFrom('required' as const, 'optional' as const),
    }),
    fc.record({
      kind: fc.constant('single' as const),
      keys: fc.dictionary(key, tie('desc'), { maxKeys: 6 }),
      desc: fc.constant(''),
      presence: fc.constantFrom('required' as const, 'optional' as const),
    }),
  ),
})).desc;

/** A raw value loosely shaped like the description (cleaning decides what of it survives). */
function rawFor(desc: ExternalDescription): fc.Arbitrary<unknown> {
  if (desc.kind === 'value') {
    return fc.oneof(
      text,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('1', '0', 'true', '12', '1.5'),
    );
  }
  if (desc.kind === 'multiple') return fc.array(rawFor(desc.content), { maxLength: 4 });
  const entries = Object.entries(desc.keys).map(([k, d]) => [k, fc.option(rawFor(d), { nil: undefined })] as const);
  return fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
}

describe('cleanReturnValueAsJson', () => {
  it('writes phpJsonEncode(cleanReturnValue(…)) for a generated description, or refuses as it does', () => {
    let compared = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        description.chain((d) => fc.tuple(fc.constant(d), rawFor(d))),
        ([desc, raw]) => {
          let cleaned: unknown;
          try {
            cleaned = cleanReturnValue(desc, raw);
          } catch (e) {
            if (!(e instanceof ExternalValidationError)) throw e;
            refused++;
            expect(() => cleanReturnValueAsJson(desc, raw)).toThrow(
              new ExternalValidationError('response', e.path, e.reason),
            );
            return;
          }
          compared++;
          expect(cleanReturnValueAsJson(desc, raw)).toBe(phpJsonEncode(cleaned));
        },
      ),
      { numRuns: 4000 },
    );
    // Enough of both, or the property said little.
    expect(compared).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(300);
  });

  it('writes keys JavaScript enumerates first in JSON.stringify’s order, with PHP’s escapes', () => {
    const desc: ExternalDescription = {
      kind: 'single',
      desc: '',
      presence: 'required',
      keys: {
        b: { kind: 'value', type: 'raw', allowNull: false, desc: '', presence: 'required' },
        '10': { kind: 'value', type: 'int', allowNull: false, desc: '', presence: 'required' },
        'a/é': { kind: 'value', type: 'raw', allowNull: true, desc: '', presence: 'optional' },
        '2': { kind: 'value', type: 'bool', allowNull: false, desc: '', presence: 'required' },
      },
    };
    const raw = { b: 'x/y', '10': '5', '2': 1, 'a/é': null };
    expect(cleanReturnValueAsJson(desc, raw)).toBe('{"2":true,"10":5,"b":"x\\/y","a\\/\\u00e9":null}');
  });

  it('writes a structure’s defaults and leaves out its absent optional keys', () => {
    const desc: ExternalDescription = {
      kind: 'single',
      desc: '',
      presence: 'required',
      keys: {
        url: { kind: 'value', type: 'raw', allowNull: false, desc: '', presence: 'default', default: 'http://a/b' },
        n: { kind: 'value', type: 'int', allowNull: false, desc: '', presence: 'optional' },
        on: { kind: 'value', type: 'bool', allowNull: false, desc: '', presence: 'default', default: '1' },
      },
    };
    expect(cleanReturnValueAsJson(desc, {})).toBe('{"url":"http:\\/\\/a\\/b","on":true}');
    expect(cleanReturnValueAsJson(desc, [])).toBe('{"url":"http:\\/\\/a\\/b","on":true}');
    expect(cleanReturnValueAsJson(null, { a: 1 })).toBe('null');
  });
});
