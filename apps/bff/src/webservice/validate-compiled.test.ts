// The compiled validator (packages/shared/src/external/validate.ts: one cleaner per description,
// built once) against the walker it replaced, kept below as the reference: the same results (key
// order included) and the same errors (class, kind, path, reason, message), on every parameter
// and return description of the catalogue and on generated descriptions, with generated values
// that mostly fit and often do not.
import {
  cleanReturnValue,
  cleanScalar,
  type ExternalDescription,
  ExternalValidationError,
  multiple,
  PARAM_TYPES,
  type ParamType,
  PHP_KEY_ORDER,
  single,
  validateParameters,
  value,
} from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { FUNCTIONS } from './functions';

// ---- the reference: the walker as it was before the compiled cleaners ------------------------

type Path = (string | number)[];

function show(v: unknown): string {
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 60)}…` : v;
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return String(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keysOf(v: Record<string, unknown>): string[] {
  const order = (v as { [PHP_KEY_ORDER]?: string[] })[PHP_KEY_ORDER];
  return Array.isArray(order) ? order : Object.keys(v);
}

function asList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) return keysOf(v).map((k) => v[k]);
  return undefined;
}

function walk(kind: 'parameter' | 'response', desc: ExternalDescription, input: unknown, path: Path): unknown {
  if (desc.kind === 'value') {
    if (input === null || input === undefined) {
      if (desc.allowNull) return null;
      throw new ExternalValidationError(
        kind,
        [...path],
        `Invalid external api ${kind}: null is not allowed for "${desc.type}"`,
      );
    }
    const cleaned = typeof input === 'object' ? undefined : cleanScalar(desc.type, input);
    if (cleaned === undefined) {
      throw new ExternalValidationError(
        kind,
        [...path],
        `Invalid external api ${kind}: the value is "${show(input)}", the server was expecting "${desc.type}" type`,
      );
    }
    return cleaned;
  }
  if (desc.kind === 'multiple') {
    const list = asList(input);
    if (!list)
      throw new ExternalValidationError(kind, [...path], `Only arrays accepted. The bad value is: '${show(input)}'`);
    const out = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      path.push(i);
      out[i] = walk(kind, desc.content, list[i], path);
      path.pop();
    }
    return out;
  }
  let obj: Record<string, unknown>;
  if (isPlainObject(input)) obj = input;
  else if (Array.isArray(input) && input.length === 0) obj = {};
  else throw new ExternalValidationError(kind, [...path], `Only arrays accepted. The bad value is: '${show(input)}'`);
  const out: Record<string, unknown> = {};
  for (const key in desc.keys) {
    const sub = desc.keys[key] as ExternalDescription;
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (v === undefined) {
      if (sub.presence === 'default') {
        path.push(key);
        out[key] = walk(kind, sub, sub.default, path);
        path.pop();
        continue;
      }
      if (sub.presence === 'optional') continue;
      throw new ExternalValidationError(
        kind,
        [...path],
        kind === 'parameter'
          ? `Missing required key in single structure: ${key}`
          : `Error in response - Missing following required key in a single structure: ${key}`,
      );
    }
    path.push(key);
    out[key] = walk(kind, sub, v, path);
    path.pop();
  }
  if (kind === 'parameter') {
    const unknown = keysOf(obj).filter((k) => !Object.hasOwn(desc.keys, k));
    if (unknown.length)
      throw new ExternalValidationError(
        kind,
        [...path],
        `Unexpected keys (${unknown.join(', ')}) detected in parameter array.`,
      );
  }
  return out;
}

// ---- comparing the two ----------------------------------------------------------------------

/** A value with everything toEqual leaves out: key order, -0, undefined members, array or object. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return ['array', v.length, ...v.map(shape)];
  if (v !== null && typeof v === 'object') return ['object', ...Object.keys(v).map((k) => [k, shape((v as never)[k])])];
  if (typeof v === 'number') return ['number', Object.is(v, -0) ? '-0' : String(v)];
  return [typeof v, String(v)];
}

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: shape(fn()) };
  } catch (e) {
    if (!(e instanceof ExternalValidationError)) return { threw: String(e) };
    return { error: [e.constructor.name, e.kind, e.path, e.reason, e.message, e.pathText] };
  }
}

function sameAsReference(kind: 'parameter' | 'response', desc: ExternalDescription, input: unknown): void {
  const expected = outcome(() => walk(kind, desc, input, []));
  const actual = outcome(() =>
    kind === 'parameter' ? validateParameters(desc, input) : cleanReturnValue(desc, input),
  );
  expect(actual).toEqual(expected);
}

// ---- values that fit, nearly fit and do not fit ---------------------------------------------

/** Scalars that hit each rule's edges: junk after digits, tags, surrogates, URLs, big integers… */
const EDGES: unknown[] = [
  null,
  undefined,
  {},
  [],
  [1],
  { a: 1 },
  '',
  'x',
  'Group A',
  0,
  1,
  -0,
  -7,
  1.5,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  true,
  false,
  '0',
  '1',
  '-1',
  '007',
  '12abc',
  ' 1',
  '1e3',
  '.5',
  '5.',
  '-0',
  '0x10',
  '9007199254740993',
  'true',
  'false',
  'yes',
  '<b>x</b>',
  'a < b',
  '<p>hi',
  '\uD800',
  'a\uDC00b',
  '\uD83D\uDE00',
  'http://example.com/x?y=1',
  'https://moodle.example/webservice/pluginfile.php/1/user/icon/f1',
  'ftp://a.b/c',
  'javascript:alert(1)',
  'http//broken',
  'a@b.co',
  'not an email',
  'first.last@example.org',
  'en',
  'en_us',
  'EN',
  'mod_forum',
  'core',
  'core_user',
  '1,2,3',
  '1,,2',
  'a-b_c',
  'a/b',
  'user.name@x',
  'UPPER',
  'x'.repeat(70),
];

const edge = fc.constantFrom(...EDGES);

function scalarFor(type: ParamType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int':
      return fc.oneof(
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }).map(String),
        fc.maxSafeInteger(),
      );
    case 'float':
      return fc.oneof(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), fc.double().map(String));
    case 'bool':
      return fc.constantFrom(true, false, 0, 1, '0', '1', 'true', 'false', '');
    case 'alpha':
      return fc.stringMatching(/^[a-zA-Z]{0,6}$/);
    case 'alphanum':
    case 'alphanumext':
      return fc.stringMatching(/^[a-zA-Z0-9_-]{0,6}$/);
    case 'username':
      return fc.stringMatching(/^[a-z0-9_.@-]{0,8}$/);
    case 'lang':
      return fc.constantFrom('en', 'en_us', 'de', '', 'EN', 'e');
    case 'sequence':
      return fc.stringMatching(/^[0-9]{1,3}(,[0-9]{1,3}){0,2}$/);
    case 'email':
      return fc.oneof(fc.emailAddress(), fc.constant(''));
    case 'url':
      return fc.oneof(fc.webUrl(), fc.constant(''));
    default:
      return fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
        fc.string({ unit: 'binary', maxLength: 4 }),
        fc.integer(),
      );
  }
}

/** An object with the PHP insertion order recorded, as the protocol readers make one. */
function phpArray(entries: [string, unknown][]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const [k, v] of entries) obj[k] = v;
  Object.defineProperty(obj, PHP_KEY_ORDER, { value: entries.map(([k]) => k), enumerable: false });
  return obj;
}

/** Values for a description: `bad` mixes in edge scalars, missing and unknown keys, wrong shapes. */
function valueFor(d: ExternalDescription, bad: boolean, depth = 0): fc.Arbitrary<unknown> {
  const wrong = (good: fc.Arbitrary<unknown>) => (bad ? fc.oneof({ weight: 6, arbitrary: good }, edge) : good);
  if (d.kind === 'value') return wrong(bad ? fc.oneof(scalarFor(d.type), edge) : scalarFor(d.type));
  if (depth > 6) return wrong(d.kind === 'multiple' ? fc.constant([]) : fc.constant({}));
  if (d.kind === 'multiple') {
    const item = valueFor(d.content, bad, depth + 1);
    const list = fc.array(item, { maxLength: 3 });
    if (!bad) return list;
    return wrong(
      fc.oneof(
        { weight: 3, arbitrary: list },
        // Bracket fields with gaps or in another order: a PHP array with keys.
        fc
          .uniqueArray(fc.tuple(fc.constantFrom('0', '1', '2', '5', 'x'), item), { selector: ([k]) => k, maxLength: 3 })
          .map(phpArray),
        fc.dictionary(fc.constantFrom('0', '2', '7'), item, { maxKeys: 3 }),
      ),
    );
  }
  const entries = Object.entries(d.keys).map(([k, sub]) => {
    const v = valueFor(sub, bad, depth + 1);
    const required = sub.presence === 'required';
    const present = fc.tuple(fc.constant(k), v).map((e): [string, unknown][] => [e]);
    if (!bad && required) return present;
    return fc.oneof(
      { weight: required ? 8 : 2, arbitrary: present },
      fc.constant<[string, unknown][]>([]),
      fc.constant<[string, unknown][]>([[k, undefined]]),
    );
  });
  const extra = bad
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constant<[string, unknown][]>([]) },
        fc
          .tuple(fc.constantFrom('zz_unknown', 'constructor', '0', 'toString'), edge)
          .map((e): [string, unknown][] => [e]),
      )
    : fc.constantFrom<[string, unknown][]>([], [['extra_returned', 'x']]);
  return wrong(
    fc.tuple(fc.tuple(...entries), extra, fc.boolean()).map(([parts, more, php]) => {
      const all = [...parts.flat(), ...more];
      if (php && bad) return phpArray(all);
      const obj: Record<string, unknown> = {};
      for (const [k, v] of all) obj[k] = v;
      return obj;
    }),
  );
}

// ---- generated descriptions -------------------------------------------------------------------

const key = fc.constantFrom('id', 'name', 'courseid', 'values', 'x', 'y2', 'constructor', '0', '10');

const valueDesc: fc.Arbitrary<ExternalDescription> = fc
  .tuple(fc.constantFrom(...PARAM_TYPES), fc.constantFrom('required', 'optional', 'default'), fc.boolean(), edge)
  .chain(([type, p, allowNull, edgeDefault]) =>
    (p === 'default' ? fc.oneof(scalarFor(type), fc.constant(edgeDefault)) : fc.constant(undefined)).map(
      (def) =>
        value(type, '', {
          allowNull,
          optional: p === 'optional',
          ...(p === 'default' && def !== undefined ? { default: def } : {}),
        }) as ExternalDescription,
    ),
  );

const descArb: fc.Arbitrary<ExternalDescription> = fc.letrec<{ desc: ExternalDescription }>((tie) => ({
  desc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    valueDesc,
    fc
      .tuple(
        fc.uniqueArray(fc.tuple(key, tie('desc')), { selector: ([k]) => k, maxLength: 4 }),
        fc.constantFrom('required', 'optional', 'default'),
      )
      .map(
        ([entries, p]) =>
          single(
            Object.fromEntries(entries),
            '',
            p === 'default' ? { default: {} } : { optional: p === 'optional' },
          ) as ExternalDescription,
      ),
    fc
      .tuple(tie('desc'), fc.constantFrom('required', 'optional', 'default'))
      .map(
        ([c, p]) =>
          multiple(c, '', p === 'default' ? { default: [] } : { optional: p === 'optional' }) as ExternalDescription,
      ),
  ),
})).desc;

// ---- the tests --------------------------------------------------------------------------------

const KINDS = ['parameter', 'response'] as const;

describe('the compiled validator gives what the walker gave', () => {
  it('on every description of the catalogue, with values that fit and values that do not', () => {
    let checked = 0;
    for (const fn of FUNCTIONS) {
      const descriptions: ['parameter' | 'response', ExternalDescription][] = [['parameter', fn.parameters]];
      if (fn.returns) descriptions.push(['response', fn.returns]);
      for (const [kind, desc] of descriptions) {
        for (const bad of [false, true]) {
          fc.assert(
            fc.property(valueFor(desc, bad), (input) => sameAsReference(kind, desc, input)),
            { numRuns: bad ? 40 : 15 },
          );
          // The same values on the other side too: a parameter description cleaning a return, say.
          const other = kind === 'parameter' ? 'response' : 'parameter';
          fc.assert(
            fc.property(valueFor(desc, bad), (input) => sameAsReference(other, desc, input)),
            { numRuns: 5 },
          );
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(FUNCTIONS.length);
  });

  it('on the edge values, at the top of every catalogue description', () => {
    for (const fn of FUNCTIONS)
      for (const input of EDGES) {
        sameAsReference('parameter', fn.parameters, input);
        if (fn.returns) sameAsReference('response', fn.returns, input);
      }
  });

  it('on generated descriptions, fresh each time and used again', () => {
    fc.assert(
      fc.property(
        descArb.chain((d) => fc.tuple(fc.constant(d), fc.array(valueFor(d, true), { minLength: 1, maxLength: 4 }))),
        fc.constantFrom(...KINDS),
        ([d, inputs], kind) => {
          // Several values through one description: the first builds its cleaner, the others reuse it.
          for (const input of inputs) sameAsReference(kind, d, input);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('on generated descriptions with values that fit', () => {
    fc.assert(
      fc.property(
        descArb.chain((d) => fc.tuple(fc.constant(d), valueFor(d, false))),
        fc.constantFrom(...KINDS),
        ([d, input], kind) => sameAsReference(kind, d, input),
      ),
      { numRuns: 1000 },
    );
  });

  it('on a description shared by two structures, and on null return descriptions', () => {
    const user = single({ id: value('int', ''), email: value('email', '', { optional: true }) });
    const desc = single({ users: multiple(user), author: user, count: value('int', '', { default: 0 }) });
    sameAsReference('parameter', desc, { users: [{ id: 1 }, { id: '2', email: 'x' }], author: { id: 3 } });
    sameAsReference('response', desc, { users: [{ id: 1 }], author: { id: 3, email: 'a@b.co', z: 1 } });
    sameAsReference('response', desc, { users: {}, author: [] });
    expect(cleanReturnValue(null, { anything: 1 })).toBeNull();
  });

  it('gives each call its own copy of a structure default', () => {
    const desc = single({ list: multiple(value('int', ''), '', { default: [] }), s: single({}, '', { default: {} }) });
    const a = validateParameters<{ list: number[]; s: object }>(desc, {});
    const b = validateParameters<{ list: number[]; s: object }>(desc, {});
    expect(a).toEqual({ list: [], s: {} });
    expect(a.list).not.toBe(b.list);
    expect(a.s).not.toBe(b.s);
  });

  it('reports an invalid default at the path of each call that needs it', () => {
    const desc = multiple(single({ n: value('int', '', { default: 'abc' }) }));
    for (const kind of KINDS) sameAsReference(kind, desc, [{ n: 1 }, {}]);
    expect(() => validateParameters(desc, [{ n: 1 }, {}])).toThrow(
      '1 => n: Invalid external api parameter: the value is "abc", the server was expecting "int" type',
    );
  });

  it('gives the same where generated code is refused (a page whose CSP has no unsafe-eval)', () => {
    const descriptions = fc.sample(descArb, 300);
    let refused = 0;
    vi.stubGlobal('Function', function refuse() {
      refused++;
      throw new EvalError('Refused to evaluate a string as JavaScript');
    });
    try {
      // The first use builds each description's cleaners, now without generated code.
      for (const d of descriptions) {
        for (const clean of [validateParameters, cleanReturnValue]) {
          try {
            clean(d, undefined);
          } catch {}
        }
      }
    } finally {
      vi.unstubAllGlobals();
    }
    expect(refused).toBeGreaterThan(0);
    for (const d of descriptions)
      for (const input of fc.sample(valueFor(d, true), 5)) for (const kind of KINDS) sameAsReference(kind, d, input);
  });
});
