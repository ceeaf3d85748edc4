import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExternalDescription, multiple, type ParamType, single, value } from './description';
import { cleanReturnValue, ExternalValidationError, validateParameters } from './validate';

const createGroups = single({
  groups: multiple(
    single({
      courseid: value('int', 'id of course'),
      name: value('text', 'multilang compatible name, course unique'),
      description: value('raw', 'group description text'),
      descriptionformat: value('int', 'description format', { default: 1 }),
      enrolmentkey: value('raw', 'group enrol secret phrase', { optional: true }),
    }),
  ),
});

function errorOf(fn: () => unknown): ExternalValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExternalValidationError) return e;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('validateParameters (examples)', () => {
  it('fills defaults, leaves optional keys out and converts strings from form posts', () => {
    const out = validateParameters(createGroups, {
      groups: { 0: { courseid: '2', name: 'Group A', description: '<p>hi</p>' } },
    });
    expect(out).toEqual({ groups: [{ courseid: 2, name: 'Group A', description: '<p>hi</p>', descriptionformat: 1 }] });
  });

  it('names the path of a wrong scalar', () => {
    const e = errorOf(() =>
      validateParameters(createGroups, { groups: [{ courseid: 'abc', name: 'x', description: '' }] }),
    );
    expect(e.pathText).toBe('groups => 0 => courseid');
    expect(e.reason).toContain('expecting "int"');
  });

  it('rejects unknown keys and missing required keys with their place', () => {
    expect(errorOf(() => validateParameters(createGroups, { groups: [], extra: 1 })).reason).toBe(
      'Unexpected keys (extra) detected in parameter array.',
    );
    const missing = errorOf(() => validateParameters(createGroups, { groups: [{ courseid: 1, name: 'x' }] }));
    expect(missing.pathText).toBe('groups => 0');
    expect(missing.reason).toBe('Missing required key in single structure: description');
  });

  it('rejects text with tags, ints with junk, and structures where scalars belong', () => {
    expect(() => validateParameters(value('text', ''), '<script>x</script>')).toThrow(ExternalValidationError);
    expect(() => validateParameters(value('int', ''), '12abc')).toThrow(ExternalValidationError);
    expect(() => validateParameters(value('int', ''), 1.5)).toThrow(ExternalValidationError);
    expect(() => validateParameters(value('raw', ''), { a: 1 })).toThrow(ExternalValidationError);
    expect(() => validateParameters(multiple(value('int', '')), 'x')).toThrow(ExternalValidationError);
  });

  it('accepts null only where allowed', () => {
    expect(validateParameters(value('int', '', { allowNull: true }), null)).toBeNull();
    expect(() => validateParameters(value('int', ''), null)).toThrow(ExternalValidationError);
  });
});

describe('cleanReturnValue (examples)', () => {
  it('drops undescribed keys, casts scalars and reports a missing required key', () => {
    const d = single({ id: value('int', ''), ok: value('bool', ''), name: value('text', '', { optional: true }) });
    expect(cleanReturnValue(d, { id: '7', ok: 1, secret: 'x' })).toEqual({ id: 7, ok: true });
    const e = errorOf(() => cleanReturnValue(d, { ok: true }));
    expect(e.kind).toBe('response');
    expect(e.reason).toContain('Missing following required key in a single structure: id');
  });
});

// ---- property-based tests -----------------------------------------------------------------

const SCALARS: ParamType[] = ['int', 'float', 'bool', 'text', 'raw', 'alphanumext', 'username'];

const scalarValue: Record<string, fc.Arbitrary<unknown>> = {
  int: fc.integer({ min: -1e9, max: 1e9 }),
  float: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
  bool: fc.boolean(),
  text: fc.string({ maxLength: 20 }).filter((s) => !/[<>]/.test(s)),
  raw: fc.string({ maxLength: 20 }),
  alphanumext: fc.stringMatching(/^[a-zA-Z0-9_-]{0,12}$/),
  username: fc.stringMatching(/^[a-z0-9_.@-]{1,12}$/),
};

const key = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const presence = fc.constantFrom<'required' | 'optional' | 'default'>('required', 'optional', 'default');

const descArb: fc.Arbitrary<ExternalDescription> = fc.letrec<{ desc: ExternalDescription }>((tie) => ({
  desc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .constantFrom(...SCALARS)
      .chain((t) =>
        presence.chain((p) =>
          p === 'default'
            ? (scalarValue[t] as fc.Arbitrary<unknown>).map((d) => value(t, '', { default: d }) as ExternalDescription)
            : fc.constant(value(t, '', { optional: p === 'optional' }) as ExternalDescription),
        ),
      ),
    fc
      .uniqueArray(fc.tuple(key, tie('desc')), { selector: ([k]) => k, minLength: 1, maxLength: 4 })
      .chain((entries) =>
        fc.boolean().map((opt) => single(Object.fromEntries(entries), '', { optional: opt }) as ExternalDescription),
      ),
    tie('desc').map((c) => multiple(c, '') as ExternalDescription),
  ),
})).desc;

/** A conforming input for a description, and what validation should produce from it. */
function conforming(d: ExternalDescription): fc.Arbitrary<{ input: unknown; expected: unknown }> {
  if (d.kind === 'value') return (scalarValue[d.type] as fc.Arbitrary<unknown>).map((v) => ({ input: v, expected: v }));
  if (d.kind === 'multiple') {
    return fc.array(conforming(d.content), { maxLength: 3 }).map((items) => ({
      input: items.map((i) => i.input),
      expected: items.map((i) => i.expected),
    }));
  }
  const entries = Object.entries(d.keys).map(([k, sub]) =>
    fc.tuple(fc.constant(k), fc.boolean(), conforming(sub)).map(([name, include, v]) => {
      const mustInclude = sub.presence === 'required';
      if (mustInclude || include) return { name, input: v.input, expected: v.expected, present: true };
      if (sub.presence === 'default') {
        return { name, input: undefined, expected: validateParameters(sub, sub.default), present: false, filled: true };
      }
      return { name, input: undefined, expected: undefined, present: false };
    }),
  );
  return fc.tuple(...entries).map((parts) => {
    const input: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const p of parts) {
      if (p.present) input[p.name] = p.input;
      if (p.present || ('filled' in p && p.filled)) expected[p.name] = p.expected;
    }
    return { input, expected };
  });
}

/** Paths to every single structure inside a conforming input. */
function structurePaths(d: ExternalDescription, v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (d.kind === 'value' || v === undefined || v === null) return [];
  if (d.kind === 'multiple')
    return (v as unknown[]).flatMap((item, i) => structurePaths(d.content, item, [...path, i]));
  const obj = v as Record<string, unknown>;
  return [path, ...Object.entries(d.keys).flatMap(([k, sub]) => structurePaths(sub, obj[k], [...path, k]))];
}

function intLeafPaths(d: ExternalDescription, v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === undefined || v === null) return [];
  if (d.kind === 'value') return d.type === 'int' || d.type === 'float' ? [path] : [];
  if (d.kind === 'multiple') return (v as unknown[]).flatMap((item, i) => intLeafPaths(d.content, item, [...path, i]));
  const obj = v as Record<string, unknown>;
  return Object.entries(d.keys).flatMap(([k, sub]) => intLeafPaths(sub, obj[k], [...path, k]));
}

function setAt(root: unknown, path: (string | number)[], fn: (v: unknown) => unknown): unknown {
  if (!path.length) return fn(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((x, i) => (i === head ? setAt(x, rest, fn) : x));
  const obj = root as Record<string, unknown>;
  return { ...obj, [head as string]: setAt(obj[head as string], rest, fn) };
}

const withValue = descArb.chain((d) => conforming(d).map((v) => ({ d, ...v })));

describe('validateParameters (properties)', () => {
  it('accepts every conforming input and fills defaults', () => {
    fc.assert(
      fc.property(withValue, ({ d, input, expected }) => {
        expect(validateParameters(d, input)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: validating its own output gives the same output', () => {
    fc.assert(
      fc.property(withValue, ({ d, input }) => {
        const once = validateParameters(d, input);
        expect(validateParameters(d, once)).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an unknown key anywhere, naming the structure it is in', () => {
    fc.assert(
      fc.property(
        withValue.chain((w) => {
          const paths = structurePaths(w.d, w.input);
          return paths.length ? fc.tuple(fc.constant(w), fc.constantFrom(...paths)) : fc.constant(undefined);
        }),
        (pick) => {
          if (!pick) return;
          const [{ d, input }, path] = pick;
          const bad = setAt(input, path, (obj) => ({ ...(obj as object), zz_unknown_key: 1 }));
          const e = errorOf(() => validateParameters(d, bad));
          expect(e.path).toEqual(path);
          expect(e.reason).toContain('zz_unknown_key');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a non-numeric string in a numeric leaf, naming that leaf', () => {
    fc.assert(
      fc.property(
        withValue.chain((w) => {
          const paths = intLeafPaths(w.d, w.input);
          return paths.length ? fc.tuple(fc.constant(w), fc.constantFrom(...paths)) : fc.constant(undefined);
        }),
        (pick) => {
          if (!pick) return;
          const [{ d, input }, path] = pick;
          const e = errorOf(() =>
            validateParameters(
              d,
              setAt(input, path, () => '12abc'),
            ),
          );
          expect(e.path).toEqual(path);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cleanReturnValue (properties)', () => {
  it('drops undescribed keys and is idempotent', () => {
    fc.assert(
      fc.property(
        withValue.chain((w) => {
          const paths = structurePaths(w.d, w.input);
          return fc.tuple(fc.constant(w), paths.length ? fc.subarray(paths) : fc.constant([]));
        }),
        ([{ d, input, expected }, paths]) => {
          let noisy = input;
          for (const p of paths) noisy = setAt(noisy, p, (obj) => ({ ...(obj as object), extra_returned: 'x' }));
          const cleaned = cleanReturnValue(d, noisy);
          expect(cleaned).toEqual(expected);
          expect(cleanReturnValue(d, cleaned)).toEqual(cleaned);
        },
      ),
      { numRuns: 300 },
    );
  });
});
