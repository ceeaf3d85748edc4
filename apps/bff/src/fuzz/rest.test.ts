import { validateParameters } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../webservice/catalogue';
import { FUNCTIONS } from '../webservice/functions';
import { fromPairs } from '../webservice/params';
import {
  DANGEROUS_KEYS,
  deepJson,
  expectNoStack,
  formBody,
  fuzzSite,
  hostileJson,
  invalidArgsFor,
  invalidUtf8,
  isMoodleJsonError,
  nastyString,
  parseXmlResponse,
  type RawResponse,
  READ_FUNCTIONS,
  rawRequest,
  runs,
  toBracketPairs,
  WRITE_FUNCTIONS,
  withInvalidUtf8,
} from './fuzz-helpers';

const catalogue = createCatalogue(FUNCTIONS);

// /webservice/rest/server.php fed with random and hostile input. Whatever arrives: never a 500,
// never an exception out of app.request, always Moodle's REST error shape (JSON or XML) or a
// valid answer, nothing written to the database, Object.prototype untouched, nothing logged as
// an unexpected error.

const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

const REST = '/webservice/rest/server.php';
const SERVER_PARAMS = new Set(['wstoken', 'wsfunction', 'moodlewsrestformat']);

type Outcome = {
  error?: { exception: string; errorcode: string; message: string; debuginfo?: string };
  value?: unknown;
};

/** Checks a REST answer against Moodle's shapes and returns the error, if it is one. */
function restOutcome(res: RawResponse): Outcome {
  expect([200, 400, 413], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expectNoStack(res.text);
  if (res.type.startsWith('application/json')) {
    const v = JSON.parse(res.text) as unknown;
    if (isMoodleJsonError(v)) return { error: v };
    expect(res.status, 'a refusal status with a success body').toBe(200);
    return { value: v };
  }
  expect(res.type, 'REST answers JSON or XML').toMatch(/^application\/xml/);
  const doc = parseXmlResponse(res.text);
  if ('EXCEPTION' in doc) {
    const e = doc.EXCEPTION as Record<string, unknown>;
    expect(typeof e['@class']).toBe('string');
    expect(typeof e.ERRORCODE).toBe('string');
    expect(typeof e.MESSAGE).toBe('string');
    const extra = Object.keys(e).filter((k) => !['@class', 'ERRORCODE', 'MESSAGE', 'DEBUGINFO'].includes(k));
    expect(extra).toEqual([]);
    return {
      error: {
        exception: e['@class'] as string,
        errorcode: e.ERRORCODE as string,
        message: e.MESSAGE as string,
      },
    };
  }
  expect(res.status).toBe(200);
  expect(Object.keys(doc).filter((k) => k !== '?xml')).toEqual(['RESPONSE']);
  return { value: doc.RESPONSE };
}

/** The arguments the server hands to the function, as readParams and the REST server build them. */
function argsAsServerSees(body: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    // readParams' merge drops these top-level names; rest.ts drops its own parameters.
    if (k === '__proto__' || k === 'constructor' || k === 'prototype' || SERVER_PARAMS.has(k)) continue;
    Object.defineProperty(args, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return args;
}

function validFor(fnName: string, args: unknown): boolean {
  const fn = catalogue.get(fnName);
  if (!fn) return false;
  try {
    validateParameters(fn.parameters, args);
    return true;
  } catch {
    return false;
  }
}

const format = fc.constantFrom<string | undefined>('json', 'xml', undefined, 'JSON', 'php', '');
const anyFunction = fc.oneof(
  fc.constantFrom<string>(...WRITE_FUNCTIONS, ...READ_FUNCTIONS),
  fc.constantFrom('', 'constructor', '__proto__', 'toString', 'core_no_such_function', 'hasOwnProperty'),
  fc.string({ maxLength: 30 }),
);

function query(fn: string | undefined, fmt: string | undefined, token: string | undefined): string {
  const q = new URLSearchParams();
  if (fn !== undefined) q.set('wsfunction', fn);
  if (fmt !== undefined) q.set('moodlewsrestformat', fmt);
  if (token !== undefined) q.set('wstoken', token);
  return q.toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSONT = { 'content-type': 'application/json' };

// ---- bracket keys ---------------------------------------------------------------------------

/** A PHP bracket key: a base name and up to 40 segments, dangerous names and broken brackets included. */
const bracketKey = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('groups', 'users', 'courses', 'wstoken', 'wsfunction', 'moodlewsrestformat', ...DANGEROUS_KEYS),
      fc.string({ maxLength: 10 }),
    ),
    fc.array(
      fc.oneof(
        fc.constantFrom(
          '[]',
          '[0]',
          '[1]',
          '[-1]',
          '[__proto__]',
          '[constructor]',
          '[prototype]',
          '[x]',
          '[',
          ']',
          '[[]]',
          '[a][',
          '[9999999999]',
        ),
        fc.string({ maxLength: 6 }).map((s) => `[${s}]`),
      ),
      { maxLength: 40 },
    ),
  )
  .map(([base, segs]) => base + segs.join(''));

const bracketValue = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(100_000), `<b>${'é'.repeat(50_000)}</b>`) },
);

describe('REST: form bodies with random bracket keys', () => {
  it('never a 500, always the error shape (or a read function answering), nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyFunction,
        format,
        fc.constantFrom<'valid' | 'none' | 'garbage'>('valid', 'none', 'garbage'),
        fc.array(fc.tuple(bracketKey, bracketValue), { maxLength: 12 }),
        fc.constantFrom<'body' | 'query' | 'both'>('body', 'query', 'both'),
        // Raw query-string fragments: broken percent-encoding and pollution attempts as sent.
        fc.constantFrom(
          '',
          '&%',
          '&%zz=1',
          '&wstoken=%ff%fe',
          '&groups[0][name]=%E0%A4%A',
          '&a[=1',
          '&&&=&',
          '&__proto__[polluted]=1',
          '&constructor[prototype][polluted]=1',
          '&__proto__=x',
        ),
        async (fn, fmt, tok, pairs, where, rawQuery) => {
          const token = tok === 'valid' ? fuzz.site.secret : tok === 'garbage' ? 'gh_0000' : undefined;
          const body = formBody(pairs);
          // Huge values stay in the body: a URL that long is a test artefact, not an input.
          const inQuery = where !== 'body' && body.length < 20_000;
          const res = await rawRequest(
            fuzz.site.t.app,
            'POST',
            `${REST}?${query(fn, fmt, token)}${rawQuery}${inQuery ? `&${body}` : ''}`,
            { headers: FORM, body: where === 'query' && inQuery ? '' : body },
          );
          const out = restOutcome(res);
          if (!out.error)
            expect(READ_FUNCTIONS as readonly string[], `a write function succeeded: ${fn}`).toContain(fn);
          await expectNothingChanged(`POST ${fn}`);
        },
      ),
      runs(200),
    );
  });
});

// ---- real functions, wrong arguments --------------------------------------------------------

const wrongCall = fc
  .constantFrom(...WRITE_FUNCTIONS)
  .chain((fn) => invalidArgsFor(catalogue.get(fn)!.parameters).map((a) => ({ fn, ...a })));

describe('REST: real write functions with wrong types, unknown keys and missing keys', () => {
  it('as a JSON body: invalidparameter, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(wrongCall, format, async ({ fn, args }, fmt) => {
        const text = JSON.stringify(args);
        const parsed = JSON.parse(text) as unknown;
        const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        fc.pre(!isObject || !validFor(fn, argsAsServerSees(parsed as Record<string, unknown>)));
        const res = await rawRequest(fuzz.site.t.app, 'POST', `${REST}?${query(fn, fmt, fuzz.site.secret)}`, {
          headers: JSONT,
          body: text,
        });
        const out = restOutcome(res);
        expect(out.error?.errorcode, res.text.slice(0, 300)).toBe('invalidparameter');
        if (fmt === 'json') expect(res.type).toMatch(/json/);
        else expect(res.type).toMatch(/xml/);
        await expectNothingChanged(`${fn} ${text.slice(0, 200)}`);
      }),
      runs(200),
    );
  });

  it('as PHP bracket fields in a form body: invalidparameter, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(wrongCall, format, async ({ fn, args }, fmt) => {
        const pairs = toBracketPairs(args);
        let serverArgs: Record<string, unknown> | undefined;
        try {
          serverArgs = argsAsServerSees(fromPairs(pairs));
        } catch {
          serverArgs = undefined; // the server refuses these pairs before validation
        }
        fc.pre(!serverArgs || !validFor(fn, serverArgs));
        const res = await rawRequest(fuzz.site.t.app, 'POST', `${REST}?${query(fn, fmt, fuzz.site.secret)}`, {
          headers: FORM,
          body: formBody(pairs),
        });
        const out = restOutcome(res);
        expect(out.error?.errorcode, res.text.slice(0, 300)).toBe('invalidparameter');
        await expectNothingChanged(`${fn} ${formBody(pairs).slice(0, 200)}`);
      }),
      runs(150),
    );
  });

  it('with the function in the path (/server.php/<function>, JSON by default)', async () => {
    await fc.assert(
      fc.asyncProperty(wrongCall, async ({ fn, args }) => {
        const text = JSON.stringify(args);
        const parsed = JSON.parse(text) as unknown;
        const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        fc.pre(!isObject || !validFor(fn, argsAsServerSees(parsed as Record<string, unknown>)));
        const res = await rawRequest(fuzz.site.t.app, 'POST', `${REST}/${fn}`, {
          headers: { ...JSONT, authorization: `Bearer ${fuzz.site.secret}` },
          body: text,
        });
        expect(res.type).toMatch(/json/);
        expect(restOutcome(res).error?.errorcode).toBe('invalidparameter');
        await expectNothingChanged(`${fn} ${text.slice(0, 200)}`);
      }),
      runs(100),
    );
  });
});

// ---- arbitrary bodies ---------------------------------------------------------------------------

const rawBody = fc.oneof(
  hostileJson.map((v) => JSON.stringify(v) ?? 'null'),
  hostileJson.map((v) => (JSON.stringify(v) ?? 'null').slice(0, -1)), // truncated
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"groups":',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"groups":[{"__proto__":{"polluted":1},"courseid":2,"name":"g","description":"d"}]}',
    '{"groups":{"0":{"constructor":{"prototype":{"polluted":1}}}}}',
    deepJson(5000),
    deepJson(33, 'object'),
    deepJson(100_000, 'object'),
    `{"a":"${'x'.repeat(200_000)}"}`,
    '\uFEFF{}',
    '[]',
    'null',
    '1e999',
    '"str"',
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/xml',
  'application/octet-stream',
  '',
  'application/json; charset=latin1',
  ';;;',
  'APPLICATION/JSON',
);

describe('REST: arbitrary bodies under any content type', () => {
  it('random JSON, truncated JSON, deep nesting and junk: never a 500, the error shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string>(...WRITE_FUNCTIONS),
        format,
        rawBody,
        contentType,
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
        async (fn, fmt, body, type, method) => {
          const res = await rawRequest(fuzz.site.t.app, method, `${REST}?${query(fn, fmt, fuzz.site.secret)}`, {
            headers: type ? { 'content-type': type } : {},
            body,
          });
          const out = restOutcome(res);
          expect(out.error, `a write function succeeded: ${res.text.slice(0, 200)}`).toBeDefined();
          await expectNothingChanged(`${method} ${type} ${body.slice(0, 100)}`);
        },
      ),
      runs(200),
    );
  });

  it('bodies that are not UTF-8 (JSON and form): the error shape, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          withInvalidUtf8('{"groups":[{"name":"', '","courseid":2,"description":"d"}]}').map(
            (b) => ['application/json', b] as const,
          ),
          withInvalidUtf8('groups[0][name]=', '&groups[0][courseid]=2&groups[0][description]=d').map(
            (b) => ['application/x-www-form-urlencoded', b] as const,
          ),
          withInvalidUtf8('', '').map((b) => ['multipart/form-data; boundary=b', b] as const),
        ),
        format,
        async ([type, body], fmt) => {
          const res = await rawRequest(
            fuzz.site.t.app,
            'POST',
            `${REST}?${query('core_group_create_groups', fmt, fuzz.site.secret)}`,
            {
              headers: { 'content-type': type },
              body,
            },
          );
          const out = restOutcome(res);
          expect(out.error?.errorcode).toBe('invalidparameter');
          await expectNothingChanged(`${type} with invalid UTF-8`);
        },
      ),
      runs(100),
    );
  });

  it('percent-encoded bytes that are not UTF-8 (%ff%fe), in a form body or the query string: the error shape, nothing written', async () => {
    const percent = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    await fc.assert(
      fc.asyncProperty(invalidUtf8, fc.constantFrom('body', 'query', 'key'), format, async (bad, where, fmt) => {
        const field = where === 'key' ? `groups[0][na${percent(bad)}me]=x` : `groups[0][name]=${percent(bad)}`;
        const fields = `${field}&groups[0][courseid]=2&groups[0][description]=d`;
        const q = `${REST}?${query('core_group_create_groups', fmt, fuzz.site.secret)}`;
        const res = await rawRequest(fuzz.site.t.app, 'POST', where === 'query' ? `${q}&${fields}` : q, {
          headers: FORM,
          body: where === 'query' ? '' : fields,
        });
        const out = restOutcome(res);
        expect(out.error?.errorcode).toBe('invalidparameter');
        expect(out.error?.message).toMatch(/not valid UTF-8/);
        await expectNothingChanged(`${where} with ${percent(bad)}`);
      }),
      runs(100),
    );
  });

  it('hostile tokens, function names and Authorization headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        nastyString,
        fc.oneof(nastyString, fc.constantFrom(fuzz.site.secret ?? '', `${fuzz.site.secret ?? ''}x`, 'gh_', 'Bearer')),
        fc.option(
          fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
        ),
        format,
        async (fn, token, auth, fmt) => {
          const res = await rawRequest(fuzz.site.t.app, 'POST', `${REST}?${query(fn, fmt, token)}`, {
            headers: { ...FORM, ...(auth !== null ? { authorization: auth } : {}) },
            body: '',
          });
          const out = restOutcome(res);
          if (!out.error) expect(READ_FUNCTIONS as readonly string[]).toContain(fn);
          await expectNothingChanged(`wsfunction ${fn}`);
        },
      ),
      runs(150),
    );
  });
});

// ---- size limits ------------------------------------------------------------------------------

describe('REST: bodies near and over the 4 MB limit, and too many parameters', () => {
  it('answers each in the error shape with 400 or 413, nothing written', async () => {
    const MB4 = 4 * 1024 * 1024;
    const q = `${REST}?${query('core_group_create_groups', 'json', fuzz.site.secret)}`;
    const cases: [string, Record<string, string>, string, number][] = [
      ['form just under 4 MB', FORM, `groups[0][name]=${'x'.repeat(MB4 - 100)}`, 200],
      ['form just over 4 MB', FORM, `groups[0][name]=${'x'.repeat(MB4)}`, 413],
      ['JSON just over 4 MB', JSONT, `{"groups":"${'x'.repeat(MB4)}"}`, 413],
      ['JSON arrays deeply nested, under 4 MB', JSONT, deepJson(1_000_000), 400],
      ['JSON objects deeply nested, under 4 MB', JSONT, deepJson(400_000, 'object'), 400],
      ['20 001 parameters', FORM, Array.from({ length: 20_001 }, (_, i) => `p${i}=1`).join('&'), 400],
      ['a bracket key 33 levels deep', FORM, `groups${'[0]'.repeat(33)}=1`, 400],
      ['a conflicting key', FORM, 'groups[0]=1&groups[0][name]=x', 400],
    ];
    for (const [what, headers, body, status] of cases) {
      const res = await rawRequest(fuzz.site.t.app, 'POST', q, { headers, body });
      expect(res.status, what).toBe(status);
      expect(restOutcome(res).error?.errorcode, what).toBe('invalidparameter');
      await expectNothingChanged(what);
    }
  });
});
