import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DANGEROUS_KEYS,
  deepJson,
  expectNoStack,
  formBody,
  fuzzSite,
  hostileJson,
  nastyString,
  type RawResponse,
  rawRequest,
  runs,
  withInvalidUtf8,
} from './fuzz-helpers';

// /login/token.php fed with random and hostile input (AMF's own suite is fuzz/amf.test.ts). It answers HTTP 200 (429 when rate limited) with exactly Moodle's {error, errorcode,
// stacktrace, debuginfo, reproductionlink} (no stack trace, whatever the debugging); no token is
// issued and nothing is written.

const fuzz = fuzzSite({
  setup: async (site) => {
    // The mobile service on, so that service=moodle_mobile_app gets as far as it can.
    await site.t.deps.settings.apply({ enablemobilewebservice: '1' }, { id: null, username: 'system', ip: '' });
  },
});
const { expectNothingChanged } = fuzz;

const LOGIN = '/login/token.php';

function loginOutcome(res: RawResponse): { error: string; errorcode: string } {
  expect([200, 429], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expect(res.type).toMatch(/^application\/json/);
  expectNoStack(res.text);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body), res.text.slice(0, 300)).toEqual([
    'error',
    'errorcode',
    'stacktrace',
    'debuginfo',
    'reproductionlink',
  ]);
  expect(body.stacktrace).toBeNull();
  expect(typeof body.error).toBe('string');
  expect(typeof body.errorcode).toBe('string');
  if (res.status === 429) expect(body.errorcode).toBe('toomanyattempts');
  return body as { error: string; errorcode: string };
}

/** Values for the three fields: near misses of real ones, hostile strings, wrong types. */
const username = fc.oneof(
  fc.constantFrom('admin', 'ADMIN', ' admin ', 'teacher', 'student', 'guest', 'nobody'),
  nastyString,
);
const password = fc.oneof(
  fc.constantFrom('Admin-pass-1 ', 'admin', 'Demo-pass-2', ''),
  nastyString,
  fc.constant('x'.repeat(100_000)),
);
const service = fc.oneof(
  fc.constantFrom('moodle_mobile_app', 'fuzzsvc', 'MOODLE_MOBILE_APP', 'nope', 'a-b', '', 'moodle_mobile_app\u0000'),
  nastyString,
);
const field = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: a as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: hostileJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

describe('/login/token.php', () => {
  it('random fields as a form, a query string or JSON, plus unknown keys: {error, errorcode}, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ username: field(username), password: field(password), service: field(service) }),
        fc.dictionary(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 })), hostileJson, {
          maxKeys: 3,
        }),
        fc.constantFrom<'form' | 'json' | 'query'>('form', 'json', 'query'),
        fc.ipV4(),
        async (fields, extra, how, ip) => {
          const all: Record<string, unknown> = { ...extra };
          for (const [k, v] of Object.entries(fields)) if (v !== undefined) all[k] = v;
          let res: RawResponse;
          if (how === 'json') {
            res = await rawRequest(fuzz.site.t.app, 'POST', LOGIN, {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(all),
              ip,
            });
          } else {
            const pairs = Object.entries(all).map(
              ([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')] as [string, string],
            );
            const q = formBody(pairs);
            res =
              how === 'form'
                ? await rawRequest(fuzz.site.t.app, 'POST', LOGIN, {
                    headers: { 'content-type': 'application/x-www-form-urlencoded' },
                    body: q,
                    ip,
                  })
                : await rawRequest(fuzz.site.t.app, 'GET', `${LOGIN}?${q.length < 20_000 ? q : ''}`, { ip });
          }
          loginOutcome(res);
          await expectNothingChanged(`token.php ${JSON.stringify(all).slice(0, 200)}`);
        },
      ),
      runs(150),
    );
  });

  it('bracket keys, deep nesting, junk bodies, invalid UTF-8 and other methods: {error, errorcode}', async () => {
    const body = fc.oneof(
      fc.constantFrom(
        'username[]=admin&password[]=x&service[]=moodle_mobile_app',
        'username[a][b][c]=admin&password=x&service=moodle_mobile_app',
        '__proto__[polluted]=1&username=admin&password=x&service=moodle_mobile_app',
        'constructor[prototype][polluted]=1&username=a&password=b&service=c',
        'username=admin&username[x]=y',
        `username=${'a'.repeat(100_000)}&password=x&service=moodle_mobile_app`,
        deepJson(10_000),
        deepJson(100, 'object'),
        '{"username":',
        '{"__proto__":{"polluted":1},"username":"a","password":"b","service":"c"}',
        '',
      ),
      fc.string({ maxLength: 100 }),
      hostileJson.map((v) => JSON.stringify(v) ?? ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(body, withInvalidUtf8('username=admin&password=', '&service=moodle_mobile_app')),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'multipart/form-data; boundary=x',
          'text/plain',
          '',
        ),
        fc.constantFrom('POST', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.ipV4(),
        async (b, type, method, ip) => {
          const res = await rawRequest(fuzz.site.t.app, method, LOGIN, {
            headers: type ? { 'content-type': type } : {},
            body: b,
            ip,
          });
          loginOutcome(res);
          await expectNothingChanged(`token.php ${method} ${type}`);
        },
      ),
      runs(150),
    );
  });

  it('a body over 4 MB and failed logins from one address past the rate limit: {error, errorcode}, nothing written', async () => {
    const huge = await rawRequest(fuzz.site.t.app, 'POST', LOGIN, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=admin&password=${'x'.repeat(4 * 1024 * 1024)}&service=moodle_mobile_app`,
    });
    expect(loginOutcome(huge).errorcode).toBe('invalidparameter');
    const codes = new Set<string>();
    for (let i = 0; i < 35; i++) {
      const res = await rawRequest(fuzz.site.t.app, 'POST', LOGIN, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody([
          ['username', `nobody${i}`],
          ['password', 'wrong'],
          ['service', 'moodle_mobile_app'],
        ]),
        ip: '192.0.2.77',
      });
      codes.add(loginOutcome(res).errorcode);
    }
    expect([...codes].sort()).toEqual(['invalidlogin', 'toomanyattempts']);
    await expectNothingChanged('failed logins');
  });
});
