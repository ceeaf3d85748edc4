import {
  authorisedUsersAddSchema,
  authorisedUserUpdateSchema,
  HUB_SITE_ACTIONS,
  hubCourseBulkSchema,
  hubCourseUpdateSchema,
  hubSettingsPatchSchema,
  hubSiteBulkSchema,
  hubSiteUpdateSchema,
  loginSchema,
  roleAssignSchema,
  roleCreateSchema,
  roleUpdateSchema,
  serviceCreateSchema,
  serviceFunctionsAddSchema,
  serviceUpdateSchema,
  settingsPatchSchema,
  tokenCreateSchema,
  tokenRevokeSchema,
  tokenUpdateSchema,
  userCreateSchema,
  userUpdateSchema,
} from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { tryItSchema } from '../features/docs/docs.routes';
import { mobileToggleSchema } from '../features/mobile/mobile.routes';
import { addAuthorisedUsers, createService } from '../features/services/services.service';
import type { Client, TestResponse } from '../test/helpers';
import { signIn } from '../test/helpers';
import {
  DANGEROUS_KEYS,
  deepJson,
  expectNoStack,
  fuzzSite,
  hostileJson,
  nastyString,
  runs,
  wellFormed,
  writeCount,
} from './fuzz-helpers';

// Every state-changing console API route, signed in as the site administrator, fed with
// generated JSON that its schema refuses (arbitrary values, the route's real keys holding wrong
// types, unknown keys, 100 000-character strings, deep nesting), raw malformed bodies, and
// hostile path ids. Always 4xx in the API's one error shape { error: { code, message, fields? } },
// never 5xx, nothing written, Object.prototype untouched, nothing logged as unexpected.

let admin: Client;
let ids: { student: number; teacher: number; role: number; service: number; restricted: number; token: number };

const fuzz = fuzzSite({
  setup: async (site) => {
    const { t } = site;
    admin = await signIn(t, 'admin');
    const student = await t.userId('student');
    const restricted = await createService(
      t.deps,
      {
        name: 'Restricted fuzz service',
        shortname: 'fuzzrestricted',
        enabled: true,
        restrictedUsers: true,
        requiredCapability: null,
        downloadFiles: false,
        uploadFiles: false,
      },
      SYSTEM_ACTOR,
    );
    await addAuthorisedUsers(t.deps, restricted.id, [student], SYSTEM_ACTOR);
    // Documentation on, so that the key documentation routes get as far as their id.
    await t.deps.settings.apply({ enablewsdocumentation: '1' }, SYSTEM_ACTOR);
    // Security keys are created on first visit: made now, so that later visits change nothing.
    const ensured = await admin.post('/api/me/keys/ensure');
    expect(ensured.status).toBe(200);
    const roles = (await admin.get('/api/roles')).body as { id: number; protected: boolean; automatic: boolean }[];
    ids = {
      student,
      teacher: await t.userId('teacher'),
      role: roles.find((r) => !r.protected && !r.automatic)!.id,
      service: site.serviceId,
      restricted: restricted.id,
      token: site.tokenId,
    };
  },
  countWrites: false,
});
const { expectNothingChanged } = fuzz;

/** The API's one error shape, with a 4xx status; returns the error. */
function apiError(res: TestResponse, what: string) {
  expect(res.status, `${what}: ${res.status} ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expectNoStack(res.text);
  const b = res.body as { error?: Record<string, unknown> };
  expect(b && typeof b === 'object' && !Array.isArray(b), res.text.slice(0, 300)).toBe(true);
  expect(Object.keys(b)).toEqual(['error']);
  const e = b.error as Record<string, unknown>;
  expect(typeof e.code).toBe('string');
  expect(typeof e.message).toBe('string');
  expect(
    Object.keys(e).every((k) => ['code', 'message', 'fields'].includes(k)),
    res.text.slice(0, 300),
  ).toBe(true);
  if (e.fields !== undefined) {
    expect(typeof e.fields).toBe('object');
    for (const v of Object.values(e.fields as object)) expect(typeof v).toBe('string');
  }
  return e as { code: string; message: string; fields?: Record<string, string> };
}

// ---- the routes -----------------------------------------------------------------------------

interface BodyRoute {
  method: 'POST' | 'PATCH';
  path: () => string;
  schema: z.ZodType;
}

/**
 * Every state-changing route that takes a JSON body, with a real id where it has one (the hub's
 * sites and courses: any valid id, the body is validated before the row is looked up).
 */
const BODY_ROUTES: BodyRoute[] = [
  { method: 'PATCH', path: () => '/api/settings', schema: settingsPatchSchema },
  { method: 'POST', path: () => '/api/users', schema: userCreateSchema },
  { method: 'PATCH', path: () => `/api/users/${ids.student}`, schema: userUpdateSchema },
  { method: 'POST', path: () => '/api/roles', schema: roleCreateSchema },
  { method: 'PATCH', path: () => `/api/roles/${ids.role}`, schema: roleUpdateSchema },
  { method: 'POST', path: () => `/api/roles/${ids.role}/assignments`, schema: roleAssignSchema },
  { method: 'POST', path: () => '/api/services', schema: serviceCreateSchema },
  { method: 'PATCH', path: () => `/api/services/${ids.service}`, schema: serviceUpdateSchema },
  { method: 'POST', path: () => `/api/services/${ids.service}/functions`, schema: serviceFunctionsAddSchema },
  { method: 'POST', path: () => `/api/services/${ids.restricted}/users`, schema: authorisedUsersAddSchema },
  {
    method: 'PATCH',
    path: () => `/api/services/${ids.restricted}/users/${ids.student}`,
    schema: authorisedUserUpdateSchema,
  },
  { method: 'POST', path: () => '/api/tokens', schema: tokenCreateSchema },
  { method: 'PATCH', path: () => `/api/tokens/${ids.token}`, schema: tokenUpdateSchema },
  { method: 'POST', path: () => '/api/tokens/revoke', schema: tokenRevokeSchema },
  { method: 'POST', path: () => '/api/mobile', schema: mobileToggleSchema },
  { method: 'POST', path: () => '/api/docs/try', schema: tryItSchema },
  { method: 'PATCH', path: () => '/api/hub/settings', schema: hubSettingsPatchSchema },
  { method: 'PATCH', path: () => '/api/hub/sites/1', schema: hubSiteUpdateSchema },
  { method: 'POST', path: () => '/api/hub/sites/bulk', schema: hubSiteBulkSchema },
  { method: 'POST', path: () => '/api/hub/courses/bulk', schema: hubCourseBulkSchema },
  { method: 'PATCH', path: () => '/api/hub/courses/1', schema: hubCourseUpdateSchema },
];

function keysOf(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** What goes in a real key: wrong types, hostile strings, 100k strings, deep structures. */
const wrongValue = fc.oneof(
  { weight: 4, arbitrary: hostileJson },
  {
    weight: 1,
    arbitrary: fc.constantFrom('x'.repeat(100_000), `<script>${'é'.repeat(50_000)}`, '\u0000'.repeat(1000)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
      return v;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53, 1e308, '1', 'true', true, null, [], {}, ['x'], [1, 2]) },
);

/** A body for a route: arbitrary JSON, or the route's real keys with wrong values, plus unknown keys. */
function bodyFor(route: BodyRoute): fc.Arbitrary<unknown> {
  const keys = keysOf(route.schema);
  const realKeys = keys.length
    ? fc
        .tuple(
          fc.subarray(keys, { minLength: 1 }),
          fc.array(wrongValue, { minLength: keys.length, maxLength: keys.length }),
          fc.dictionary(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 })), hostileJson, {
            maxKeys: 2,
          }),
        )
        .map(([chosen, values, extra]) => {
          const o: Record<string, unknown> = { ...extra };
          chosen.forEach((k, i) => {
            Object.defineProperty(o, k, { value: values[i], enumerable: true, configurable: true, writable: true });
          });
          return o;
        })
    : hostileJson;
  return fc.oneof({ weight: 1, arbitrary: hostileJson }, { weight: 3, arbitrary: realKeys });
}

/** Whether the route's schema refuses the body as the server gets it: through JSON (no null prototypes, no undefined). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A route that fast-check prints as "PATCH /api/users/:id" in a counterexample (not as its schema). */
function named<R extends { method: string; path: (id: string) => string }>(r: R): R {
  return Object.defineProperty({ ...r }, fc.toStringMethod, { value: () => `${r.method} ${r.path(':id')}` });
}

/** Whether the schema refuses the body (zod throwing on a hostile value counts: the API answers 400 then). */
const refused = (schema: z.ZodType, body: unknown) => {
  try {
    return !schema.safeParse(JSON.parse(JSON.stringify(body) ?? 'null')).success;
  } catch {
    return true;
  }
};

describe('console API: generated JSON bodies', () => {
  it('arbitrary JSON and real keys with wrong types: 400 invalid in the error shape, nothing written', async () => {
    const arb = fc
      .constantFrom(...BODY_ROUTES.map(named))
      .chain((route) => bodyFor(route).map((body) => ({ route, body })))
      .filter(({ route, body }) => refused(route.schema, body));
    await fc.assert(
      fc.asyncProperty(arb, async ({ route, body }) => {
        const path = route.path();
        const res = await admin.request(route.method, path, { json: body });
        const e = apiError(res, `${route.method} ${path}`);
        expect(res.status, `${route.method} ${path} ${JSON.stringify(body).slice(0, 200)}`).toBe(400);
        expect(e.code).toBe('invalid');
        await expectNothingChanged(`${route.method} ${path} ${JSON.stringify(body).slice(0, 200)}`);
      }),
      runs(200),
    );
  });

  it('raw malformed JSON: truncated, deeply nested, junk, over the 1 MiB limit: 4xx in the error shape, nothing written', async () => {
    const raw = fc.oneof(
      hostileJson.map((v) => (JSON.stringify(v) ?? 'null').slice(0, -1) || '{'),
      fc.string({ maxLength: 50 }).map((s) => `{${s}`),
      fc.constantFrom(
        '{',
        '{"name":',
        '{"name":"x"',
        '[',
        '{"a":1,}',
        "{'a':1}",
        '{"a":NaN}',
        '{"a":undefined}',
        '\u0000',
        deepJson(100_000),
        deepJson(50_000, 'object'),
        `{"name":"${'x'.repeat(1024 * 1024)}"}`,
        `[${'1,'.repeat(600_000)}1]`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES.map(named)), raw, async (route, body) => {
        // A raw body that happens to be JSON the schema accepts ("{}" for a patch) is not malformed.
        fc.pre(!isJson(body) || !route.schema.safeParse(JSON.parse(body)).success);
        const path = route.path();
        const res = await admin.request(route.method, path, {
          body,
          headers: { 'content-type': 'application/json' },
        });
        apiError(res, `${route.method} ${path}`);
        await expectNothingChanged(`${route.method} ${path} ${body.slice(0, 100)}`);
      }),
      runs(150),
    );
  });

  it('POST /api/auth/login: any body, signed out, from any address: 4xx in the error shape, nothing written but failed-login audit rows', async () => {
    const body = fc.oneof(
      hostileJson,
      fc.record({ username: fc.oneof(nastyString, wrongValue), password: fc.oneof(nastyString, wrongValue) }),
      fc.record({ username: fc.constantFrom('admin', 'ADMIN', 'teacher', 'guest', 'nobody'), password: nastyString }),
      fc.record(
        { username: nastyString, password: nastyString, remember: hostileJson, ['__proto__']: hostileJson },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.ipV4(), async (b, ip) => {
        const anon = fuzz.site.t.client({ ip });
        const res = await anon.post('/api/auth/login', b);
        const e = apiError(res, 'login');
        // Refused by the schema, or (lone surrogates) by the JSON body check, or a failed login.
        if (refused(loginSchema, b)) expect(res.status).toBe(400);
        else expect(['invalidlogin', 'toomanyattempts', 'invalid']).toContain(e.code);
        expect(res.setCookies.filter((c) => !/Max-Age=0|expires=Thu, 01 Jan 1970/i.test(c))).toEqual([]);
        await expectNothingChanged(`login ${JSON.stringify(b).slice(0, 200)}`);
      }),
      runs(100),
    );
  });

  it('routes without a body (logout signed out, keys ensure) ignore any body and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/auth/logout', '/api/me/keys/ensure'),
        fc.oneof(
          hostileJson.map((v) => JSON.stringify(v) ?? ''),
          fc.string({ maxLength: 100 }),
        ),
        async (path, body) => {
          const who = path === '/api/auth/logout' ? fuzz.site.t.client() : admin;
          const res = await who.request('POST', path, { body, headers: { 'content-type': 'application/json' } });
          expect(res.status, res.text.slice(0, 200)).toBe(200);
          await expectNothingChanged(`POST ${path}`);
        },
      ),
      runs(50),
    );
  });
});

// ---- path ids -----------------------------------------------------------------------------------

/** Ids that name no row: negative, zero, huge, fractional, non-numeric, unicode, broken percent-encoding. */
const hostileId = fc
  .oneof(
    fc.constantFrom(
      '-1',
      '0',
      '-0',
      '00',
      '1.5',
      '1e3',
      '1e400',
      '9007199254740993',
      '99999999999999999999',
      String(2 ** 31),
      'NaN',
      'Infinity',
      '-Infinity',
      'null',
      'undefined',
      'true',
      '[]',
      '{}',
      '__proto__',
      'constructor',
      '%00',
      '%',
      '%zz',
      '%ff',
      '١٢٣',
      '１２３',
      '𝟏',
      '1\u0000',
      "1' OR '1'='1",
      'x'.repeat(5000),
    ),
    fc.integer({ min: 100_000, max: Number.MAX_SAFE_INTEGER }).map(String),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: 0 }).map(String),
    fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(wellFormed(s))),
    fc.string({ unit: 'grapheme', maxLength: 5 }).map((s) => encodeURIComponent(s)),
  )
  // Leniently parsed numbers that would name a real row ("0x2", " 2", "2.0") are not hostile
  // ids; the segment is read as the server gets it (the URL parser strips trailing controls).
  .filter((s) => {
    let decoded = s;
    try {
      decoded = decodeURIComponent(new URL(`http://localhost/api/users/${s}`).pathname.slice('/api/users/'.length));
    } catch {}
    const n = Number(decoded);
    return !(Number.isSafeInteger(n) && n > 0 && n < 100_000);
  })
  .filter((s) => s !== '' && !s.includes('/'));

interface IdRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (id: string) => string;
  body?: () => unknown;
}

const ID_ROUTES: IdRoute[] = [
  { method: 'GET', path: (id) => `/api/users/${id}` },
  { method: 'PATCH', path: (id) => `/api/users/${id}`, body: () => ({ firstname: 'Fuzz' }) },
  { method: 'DELETE', path: (id) => `/api/users/${id}` },
  { method: 'GET', path: (id) => `/api/users/${id}/capabilities` },
  { method: 'GET', path: (id) => `/api/roles/${id}` },
  { method: 'PATCH', path: (id) => `/api/roles/${id}`, body: () => ({ name: 'Fuzz' }) },
  { method: 'DELETE', path: (id) => `/api/roles/${id}` },
  { method: 'GET', path: (id) => `/api/roles/${id}/assignments` },
  { method: 'POST', path: (id) => `/api/roles/${id}/assignments`, body: () => ({ userId: ids.teacher }) },
  { method: 'POST', path: () => `/api/roles/${ids.role}/assignments`, body: () => ({ userId: 99_999_999 }) },
  { method: 'DELETE', path: (id) => `/api/roles/${id}/assignments/${ids.teacher}` },
  { method: 'DELETE', path: (id) => `/api/roles/${ids.role}/assignments/${id}` },
  { method: 'GET', path: (id) => `/api/services/${id}` },
  { method: 'PATCH', path: (id) => `/api/services/${id}`, body: () => ({ enabled: false }) },
  { method: 'DELETE', path: (id) => `/api/services/${id}` },
  { method: 'GET', path: (id) => `/api/services/${id}/functions` },
  {
    method: 'POST',
    path: (id) => `/api/services/${id}/functions`,
    body: () => ({ functions: ['core_webservice_get_site_info'] }),
  },
  { method: 'DELETE', path: (id) => `/api/services/${id}/functions/core_webservice_get_site_info` },
  { method: 'DELETE', path: (id) => `/api/services/${ids.service}/functions/${id}` },
  { method: 'GET', path: (id) => `/api/services/${id}/users` },
  { method: 'POST', path: (id) => `/api/services/${id}/users`, body: () => ({ userIds: [ids.teacher] }) },
  { method: 'POST', path: () => `/api/services/${ids.restricted}/users`, body: () => ({ userIds: [99_999_999] }) },
  { method: 'PATCH', path: (id) => `/api/services/${id}/users/${ids.student}`, body: () => ({ validUntil: null }) },
  { method: 'PATCH', path: (id) => `/api/services/${ids.restricted}/users/${id}`, body: () => ({ validUntil: null }) },
  { method: 'DELETE', path: (id) => `/api/services/${id}/users/${ids.student}` },
  { method: 'DELETE', path: (id) => `/api/services/${ids.restricted}/users/${id}` },
  { method: 'GET', path: (id) => `/api/tokens/${id}` },
  { method: 'DELETE', path: (id) => `/api/tokens/${id}` },
  {
    method: 'POST',
    path: () => '/api/tokens',
    body: () => ({ userId: 99_999_999, serviceId: ids.service }),
  },
  {
    method: 'POST',
    path: () => '/api/tokens',
    body: () => ({ userId: ids.student, serviceId: 99_999_999 }),
  },
  { method: 'POST', path: (id) => `/api/me/keys/${id}/reset` },
  { method: 'POST', path: () => `/api/me/keys/${ids.token + 99_999}/reset` },
  { method: 'GET', path: (id) => `/api/me/keys/${id}/docs` },
  { method: 'GET', path: (id) => `/api/me/keys/${id}/openapi.json` },
  { method: 'GET', path: (id) => `/api/docs/openapi/services/${id}` },
  {
    method: 'POST',
    path: () => '/api/docs/try',
    body: () => ({ keyId: 99_999_999, function: 'core_webservice_get_site_info', args: {} }),
  },
  { method: 'GET', path: (id) => `/api/hub/sites/${id}` },
  { method: 'PATCH', path: (id) => `/api/hub/sites/${id}`, body: () => ({ name: 'Fuzz' }) },
  { method: 'DELETE', path: (id) => `/api/hub/sites/${id}` },
  { method: 'DELETE', path: (id) => `/api/hub/sites/${id}?withCourses=1` },
  { method: 'DELETE', path: (id) => `/api/hub/sites/1?withCourses=${id}` },
  ...HUB_SITE_ACTIONS.map((a): IdRoute => ({ method: 'POST', path: (id) => `/api/hub/sites/${id}/${a}` })),
  { method: 'POST', path: (id) => `/api/hub/sites/1/${id}` },
  { method: 'GET', path: (id) => `/api/hub/courses/${id}` },
  { method: 'PATCH', path: (id) => `/api/hub/courses/${id}`, body: () => ({ fullname: 'Fuzz' }) },
  { method: 'DELETE', path: (id) => `/api/hub/courses/${id}` },
  { method: 'POST', path: (id) => `/api/hub/courses/${id}/hide` },
  { method: 'POST', path: (id) => `/api/hub/courses/1/${id}` },
  { method: 'POST', path: () => '/api/hub/courses/bulk', body: () => ({ ids: [99_999_999], action: 'delete' }) },
];

describe('console API: hostile path ids', () => {
  it('on every :id route (and ids in bodies that name no row): 400 or 404 in the error shape, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ID_ROUTES.map(named)), hostileId, async (route, id) => {
        const path = route.path(id);
        const res = await admin.request(route.method, path, route.body ? { json: route.body() } : {});
        const what = `${route.method} ${path.slice(0, 200)}`;
        if (path === '/api/docs/try') {
          // Try it answers the call's own outcome: a refused call is a 200 with ok: false.
          expect(res.status, what).toBe(200);
          expect(res.body.ok).toBe(false);
        } else {
          apiError(res, what);
          expect([400, 404], `${what}: ${res.text.slice(0, 200)}`).toContain(res.status);
        }
        await expectNothingChanged(what);
      }),
      runs(200),
    );
  });

  it('GET lists with hostile query strings: 200, 400 or 404, never 5xx', async () => {
    const value = fc.oneof(
      nastyString,
      fc.constantFrom('-1', '0', '1e400', '9007199254740993', 'asc', 'desc', 'x'.repeat(5000)),
    );
    const key = fc.constantFrom(
      'page',
      'perPage',
      'sort',
      'dir',
      'search',
      'status',
      'name',
      'user',
      'serviceId',
      'validUntilBefore',
      'validUntilAfter',
      'expiringWithin',
      'expired',
      'cursor',
      'action',
      'actor',
      'from',
      'to',
      'q',
      'trusted',
      'language',
      'country',
      'visible',
      'siteId',
      'modifiedFrom',
      'modifiedTo',
      '__proto__',
      'page[]',
      'range',
      'x',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/api/users',
          '/api/tokens',
          '/api/audit',
          '/api/audit/export',
          '/api/hub/sites',
          '/api/hub/courses',
          '/api/hub/outbox',
          '/api/hub/search',
          '/api/usage',
        ),
        fc.array(fc.tuple(key, value), { maxLength: 4 }),
        async (path, pairs) => {
          const q = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, wellFormed(v)]));
          const res = await admin.get(`${path}?${q}`);
          if (res.status !== 200) {
            apiError(res, `GET ${path}?${q}`);
            // 404: the visitors' search while the hub is off (hubdisabled).
            expect([400, 404]).toContain(res.status);
          }
          await expectNothingChanged(`GET ${path}`);
        },
      ),
      runs(100),
    );
  });
});

describe('console API: sanity of the set-up', () => {
  it('the admin session is still alive after the fuzzing', async () => {
    expect((await admin.get('/api/auth/me')).status).toBe(200);
    expect(await writeCount(fuzz.site.t.store)).toBeGreaterThan(0);
  });
});
