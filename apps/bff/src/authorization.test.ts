import type { CAPABILITY_NAMES } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from './app';
import { SYSTEM_ACTOR } from './features/audit/audit.service';
import { assignRole, createRole } from './features/roles/roles.service';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from './test/helpers';

/**
 * The authorisation matrix. Every console API route is enumerated from the app itself and must
 * have an explicit rule here: a route added without one fails the first test. Each route is then
 * checked for an anonymous caller, an ordinary user, a user holding exactly the route's
 * capability, and the site administrator. Bodies and ids are chosen so that an allowed caller
 * changes nothing (a 400 or 404 at worst).
 */
type Access = 'public' | 'user' | (typeof CAPABILITY_NAMES)[number];

const RULES: Record<string, Access> = {
  'POST /auth/login': 'public',
  'POST /auth/logout': 'public',
  'POST /auth/expired-password': 'public',
  'GET /auth/me': 'user',
  'GET /settings': 'moodle/site:config',
  'PATCH /settings': 'moodle/site:config',
  'GET /settings/status': 'user',
  'GET /users': 'moodle/user:viewdetails',
  'POST /users': 'moodle/user:create',
  'GET /users/:id': 'moodle/user:viewdetails',
  'PATCH /users/:id': 'moodle/user:update',
  'POST /users/suspend': 'moodle/user:update',
  'DELETE /users/:id': 'moodle/user:delete',
  'GET /users/:id/capabilities': 'moodle/role:review',
  'GET /roles/capabilities': 'moodle/role:review',
  'GET /roles': 'moodle/role:review',
  'POST /roles': 'moodle/role:manage',
  'GET /roles/:id': 'moodle/role:review',
  'PATCH /roles/:id': 'moodle/role:manage',
  'DELETE /roles/:id': 'moodle/role:manage',
  'GET /roles/:id/assignments': 'moodle/role:assign',
  'POST /roles/:id/assignments': 'moodle/role:assign',
  'DELETE /roles/:id/assignments/:userId': 'moodle/role:assign',
  'GET /audit': 'moodle/site:viewreports',
  'GET /audit/actions': 'moodle/site:viewreports',
  'GET /audit/export': 'moodle/site:viewreports',
  'GET /services/functions': 'moodle/site:config',
  'GET /services': 'moodle/site:config',
  'POST /services': 'moodle/site:config',
  'GET /services/:id': 'moodle/site:config',
  'PATCH /services/:id': 'moodle/site:config',
  'DELETE /services/:id': 'moodle/site:config',
  'GET /services/:id/functions': 'moodle/site:config',
  'POST /services/:id/functions': 'moodle/site:config',
  'DELETE /services/:id/functions/:name': 'moodle/site:config',
  'GET /services/:id/users': 'moodle/site:config',
  'POST /services/:id/users': 'moodle/site:config',
  'PATCH /services/:id/users/:userId': 'moodle/site:config',
  'DELETE /services/:id/users/:userId': 'moodle/site:config',
  'GET /tokens': 'moodle/webservice:managealltokens',
  'GET /tokens/services': 'moodle/webservice:managealltokens',
  'POST /tokens': 'moodle/webservice:managealltokens',
  'GET /tokens/:id': 'moodle/webservice:managealltokens',
  'DELETE /tokens/:id': 'moodle/webservice:managealltokens',
  'POST /tokens/revoke': 'moodle/webservice:managealltokens',
  'GET /tokens/:id/access': 'moodle/webservice:managealltokens',
  'GET /tokens/:id/usage': 'moodle/webservice:managealltokens',
  'GET /services/:id/usage': 'moodle/site:config',
  'GET /usage': 'moodle/site:config',
  'PATCH /tokens/:id': 'moodle/webservice:managealltokens',
  'POST /tokens/:id/regenerate': 'moodle/webservice:managealltokens',
  'GET /me/keys': 'user',
  'POST /me/keys/ensure': 'user',
  'POST /me/keys/:id/reset': 'user',
  'GET /me/keys/:id/docs': 'user',
  'GET /me/keys/:id/openapi.json': 'user',
  'GET /mobile': 'moodle/site:config',
  'POST /mobile': 'moodle/site:config',
  'GET /docs/functions': 'moodle/site:config',
  'GET /docs/openapi': 'moodle/site:config',
  'GET /docs/openapi.json': 'moodle/site:config',
  'GET /docs/openapi/services/:id': 'moodle/site:config',
  'POST /docs/test-client/token': 'moodle/site:config',
  'POST /docs/try': 'user',
  'GET /overview': 'moodle/site:config',
  'GET /hub/settings': 'local/hub:manage',
  'PATCH /hub/settings': 'local/hub:manage',
  'GET /hub/sites': 'local/hub:manage',
  'GET /hub/sites/:id': 'local/hub:manage',
  'PATCH /hub/sites/:id': 'local/hub:manage',
  'DELETE /hub/sites/:id': 'local/hub:manage',
  'POST /hub/sites/bulk': 'local/hub:manage',
  'POST /hub/sites/:id/secret-stolen': 'local/hub:manage',
  'POST /hub/sites/:id/:action': 'local/hub:manage',
  'GET /hub/courses': 'local/hub:manage',
  'GET /hub/courses/:id': 'local/hub:manage',
  'PATCH /hub/courses/:id': 'local/hub:manage',
  'DELETE /hub/courses/:id': 'local/hub:manage',
  'POST /hub/courses/:id/:action': 'local/hub:manage',
  'GET /hub/courses/:id/screenshots/:number': 'local/hub:manage',
  'DELETE /hub/courses/:id/screenshots/:number': 'local/hub:manage',
  'DELETE /hub/courses/:id/screenshots': 'local/hub:manage',
  'GET /hub/courses/:id/backup': 'local/hub:manage',
  'DELETE /hub/courses/:id/backup': 'local/hub:manage',
  'POST /hub/courses/bulk': 'local/hub:manage',
  'GET /hub/outbox': 'local/hub:manage',
  'GET /hub/search': 'public',
};

const NO_ID = 999_999;

let t: TestApp;
let admin: Client;
let student: Client;
/** One user per capability the routes need, holding that capability and nothing else of note. */
const holders = new Map<string, Client>();

/** Signing out would end the session the rest of the matrix runs on: it is called anonymously only (and tested in auth.test.ts). */
const signedIn = () => registered().filter((r) => r.key !== 'POST /auth/logout');

function registered(): { method: string; path: string; key: string }[] {
  const seen = new Set<string>();
  return createApi(t.deps)
    .routes.filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }))
    .filter((r) => !seen.has(r.key) && seen.add(r.key));
}

async function concrete(path: string): Promise<string> {
  return `/api${path
    .replace(':userId', String(await t.userId('student2')))
    .replace(':id', String(NO_ID))
    .replace(':name', 'core_no_such_function')
    .replace(':action', 'hide')}`;
}

async function call(c: Client, method: string, path: string) {
  const url = await concrete(path);
  if (method === 'GET' || method === 'DELETE') return c.request(method, url);
  return c.request(method, url, { json: {} });
}

/** Refused by the access rules (not by a business rule such as "documentation is disabled"). */
function refused(res: { status: number; body: unknown }): boolean {
  if (res.status === 401) return true;
  return res.status === 403 && (res.body as { error?: { code?: string } })?.error?.code === 'forbidden';
}

const caps = () => [...new Set(Object.values(RULES).filter((a) => a !== 'public' && a !== 'user'))];

beforeAll(async () => {
  t = await makeTestApp();
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
  // The guest-less, role-less demo users are too few: make one user per capability.
  for (const [i, cap] of caps().entries()) {
    const username = `holder${i}`;
    const created = await admin.post('/api/users', {
      username,
      firstname: 'Cap',
      lastname: `Holder ${i}`,
      email: `${username}@example.com`,
      password: 'Holder-pass-1',
      auth: 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: false,
    });
    expect(created.status).toBe(201);
    const role = await createRole(
      t.deps,
      { shortname: `only${i}`, name: `Only ${cap}`, capabilities: { [cap]: 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, role.id, created.body.id, SYSTEM_ACTOR);
    const client = t.client();
    await client.login(username, 'Holder-pass-1');
    holders.set(cap, client);
  }
});
afterAll(() => t.close());

describe('the authorisation matrix', () => {
  it('has an explicit rule for every console API route, and no rule for a route that is gone', () => {
    const keys = registered().map((r) => r.key);
    expect(
      keys.filter((k) => !(k in RULES)),
      'routes without a rule',
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((k) => !keys.includes(k)),
      'rules without a route',
    ).toEqual([]);
  });

  it('anonymous callers get 401 on every route that is not public', async () => {
    for (const r of registered()) {
      const res = await call(t.client(), r.method, r.path);
      if (RULES[r.key] === 'public') expect(res.status, r.key).not.toBe(401);
      else {
        expect(res.status, r.key).toBe(401);
        expect(errorOf(res).code, r.key).toBe('unauthenticated');
      }
    }
  });

  it('an ordinary user gets 403 on every route that needs a capability they lack', async () => {
    for (const r of signedIn()) {
      const rule = RULES[r.key] as Access;
      const res = await call(student, r.method, r.path);
      if (rule === 'public' || rule === 'user') expect(refused(res), r.key).toBe(false);
      else {
        expect(res.status, r.key).toBe(403);
        expect(errorOf(res).message, r.key).toBe(`You need the capability ${rule} to do this`);
      }
    }
  });

  it('a user with exactly one admin capability may use its routes and is refused every other', async () => {
    for (const [cap, client] of holders) {
      for (const r of signedIn()) {
        const rule = RULES[r.key] as Access;
        const res = await call(client, r.method, r.path);
        if (rule === cap || rule === 'public' || rule === 'user') expect(refused(res), `${cap}: ${r.key}`).toBe(false);
        else expect(res.status, `${cap}: ${r.key}`).toBe(403);
      }
    }
  });

  it('the site administrator passes every check and nothing answers 500', async () => {
    for (const r of signedIn()) {
      const res = await call(admin, r.method, r.path);
      expect(refused(res), r.key).toBe(false);
      expect(res.status, r.key).toBeLessThan(500);
    }
  });
});

describe('a capability given and taken away', () => {
  it('takes effect on the next request, without signing in again', async () => {
    const student2 = await signIn(t, 'student2');
    expect((await student2.get('/api/users')).status).toBe(403);
    const role = await admin.post('/api/roles', {
      shortname: 'userviewer',
      name: 'User viewer',
      capabilities: { 'moodle/user:viewdetails': 'allow' },
    });
    await admin.post(`/api/roles/${role.body.id}/assignments`, { userId: await t.userId('student2') });
    const list = await student2.get('/api/users');
    expect(list.status).toBe(200);
    expect(list.body.items[0]).not.toHaveProperty('passwordHash');
    await admin.delete(`/api/roles/${role.body.id}/assignments/${await t.userId('student2')}`);
    expect((await student2.get('/api/users')).status).toBe(403);
  });
});
