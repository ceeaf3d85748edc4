import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from './app';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from './test/helpers';

/**
 * Every console API route, with the capability that guards it (undefined: any signed-in user).
 * Bodies and ids are chosen so that an allowed caller changes nothing (a 400 or a 404 at worst).
 */
interface RouteCase {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  cap?: string;
  json?: unknown;
}

const NO_ID = 999_999;

let t: TestApp;
let admin: Client;
let manager: Client;
let student: Client;
let student2: Client;
let studentRoleId: number;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager, student, student2] = await Promise.all([
    signIn(t, 'admin'),
    signIn(t, 'manager'),
    signIn(t, 'student'),
    signIn(t, 'student2'),
  ]);
  studentRoleId = (await admin.get('/api/roles')).body.find((r: { shortname: string }) => r.shortname === 'student').id;
});
afterAll(() => t.close());

const routes = (): RouteCase[] => {
  const sid = t.userId('student');
  return [
    { method: 'GET', path: '/api/auth/me' },
    { method: 'GET', path: '/api/settings', cap: 'moodle/site:config' },
    { method: 'PATCH', path: '/api/settings', cap: 'moodle/site:config', json: {} },
    { method: 'GET', path: '/api/users', cap: 'moodle/user:viewdetails' },
    { method: 'POST', path: '/api/users', cap: 'moodle/user:create', json: {} },
    { method: 'GET', path: `/api/users/${sid}`, cap: 'moodle/user:viewdetails' },
    { method: 'PATCH', path: `/api/users/${NO_ID}`, cap: 'moodle/user:update', json: {} },
    { method: 'DELETE', path: `/api/users/${NO_ID}`, cap: 'moodle/user:delete' },
    { method: 'GET', path: `/api/users/${sid}/capabilities`, cap: 'moodle/role:review' },
    { method: 'GET', path: '/api/roles', cap: 'moodle/role:review' },
    { method: 'GET', path: '/api/roles/capabilities', cap: 'moodle/role:review' },
    { method: 'POST', path: '/api/roles', cap: 'moodle/role:manage', json: {} },
    { method: 'GET', path: `/api/roles/${studentRoleId}`, cap: 'moodle/role:review' },
    { method: 'PATCH', path: `/api/roles/${NO_ID}`, cap: 'moodle/role:manage', json: {} },
    { method: 'DELETE', path: `/api/roles/${NO_ID}`, cap: 'moodle/role:manage' },
    { method: 'GET', path: `/api/roles/${studentRoleId}/assignments`, cap: 'moodle/role:assign' },
    { method: 'POST', path: `/api/roles/${NO_ID}/assignments`, cap: 'moodle/role:assign', json: { userId: sid } },
    { method: 'DELETE', path: `/api/roles/${NO_ID}/assignments/${sid}`, cap: 'moodle/role:assign' },
    { method: 'GET', path: '/api/audit', cap: 'moodle/site:viewreports' },
    { method: 'GET', path: '/api/audit/actions', cap: 'moodle/site:viewreports' },
  ];
};

const call = (c: Client, r: RouteCase) => c.request(r.method, r.path, r.json === undefined ? {} : { json: r.json });

// Names only, for the test titles; the cases are built once ids are known.
const TITLES = [
  'GET /api/auth/me',
  'GET /api/settings',
  'PATCH /api/settings',
  'GET /api/users',
  'POST /api/users',
  'GET /api/users/:id',
  'PATCH /api/users/:id',
  'DELETE /api/users/:id',
  'GET /api/users/:id/capabilities',
  'GET /api/roles',
  'GET /api/roles/capabilities',
  'POST /api/roles',
  'GET /api/roles/:id',
  'PATCH /api/roles/:id',
  'DELETE /api/roles/:id',
  'GET /api/roles/:id/assignments',
  'POST /api/roles/:id/assignments',
  'DELETE /api/roles/:id/assignments/:userId',
  'GET /api/audit',
  'GET /api/audit/actions',
];

/** What the manager role was seeded with, among the capabilities the routes need. */
const MANAGER_HAS = new Set([
  'moodle/site:viewreports',
  'moodle/user:create',
  'moodle/user:update',
  'moodle/user:delete',
  'moodle/user:viewdetails',
  'moodle/role:assign',
  'moodle/role:review',
]);

describe('every console API route checks access on the server', () => {
  it('the table lists every route of these features (login and logout are public)', () => {
    expect(routes()).toHaveLength(TITLES.length);
    const registered = new Set(
      createApi(t.deps)
        .routes.filter((r) => r.method !== 'ALL' && /^\/(auth|settings|users|roles|audit)(\/|$)/.test(r.path))
        .map((r) => `${r.method} /api${r.path}`),
    );
    expect([...registered].sort()).toEqual([...TITLES, 'POST /api/auth/login', 'POST /api/auth/logout'].sort());
  });

  it.each(TITLES.map((title, i) => [title, i] as const))('%s: anonymous gets 401', async (_title, i) => {
    const r = routes()[i]!;
    const res = await call(t.client(), r);
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('unauthenticated');
  });

  it.each(TITLES.map((title, i) => [title, i] as const))(
    '%s: an ordinary user (student) gets 403 on admin routes',
    async (_title, i) => {
      const r = routes()[i]!;
      const res = await call(student, r);
      if (r.cap) {
        expect(res.status).toBe(403);
        expect(errorOf(res)).toEqual({ code: 'forbidden', message: `You need the capability ${r.cap} to do this` });
      } else {
        expect(res.status).toBe(200);
      }
    },
  );

  it.each(TITLES.map((title, i) => [title, i] as const))('%s: the site admin is let through', async (_title, i) => {
    const r = routes()[i]!;
    const res = await call(admin, r);
    expect([401, 403]).not.toContain(res.status);
    expect(res.status).toBeLessThan(500);
  });

  it.each(TITLES.map((title, i) => [title, i] as const))(
    "%s: the manager gets exactly what the Manager role's capabilities allow",
    async (_title, i) => {
      const r = routes()[i]!;
      const res = await call(manager, r);
      if (r.cap && !MANAGER_HAS.has(r.cap)) expect(res.status).toBe(403);
      else expect([401, 403]).not.toContain(res.status);
    },
  );
});

describe('a user granted exactly one capability', () => {
  it('can do that one thing and nothing else, from the next request on', async () => {
    const before = await student2.get('/api/users');
    expect(before.status).toBe(403);

    const role = await admin.post('/api/roles', {
      shortname: 'userviewer',
      name: 'User viewer',
      capabilities: { 'moodle/user:viewdetails': 'allow' },
    });
    expect(role.status).toBe(201);
    const assigned = await admin.post(`/api/roles/${role.body.id}/assignments`, { userId: t.userId('student2') });
    expect(assigned.status).toBe(201);

    // No new login needed: the capability cache follows the change.
    const list = await student2.get('/api/users');
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThan(5);
    const one = await student2.get(`/api/users/${t.userId('teacher')}`);
    expect(one.status).toBe(200);
    expect(one.body.username).toBe('teacher');
    expect(one.body).not.toHaveProperty('passwordHash');

    const me = await student2.get('/api/auth/me');
    expect(me.body.capabilities).toContain('moodle/user:viewdetails');

    for (const r of routes()) {
      if (!r.cap || r.cap === 'moodle/user:viewdetails') continue;
      const res = await call(student2, r);
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
    }

    // Taking the role away takes the capability away.
    const removed = await admin.delete(`/api/roles/${role.body.id}/assignments/${t.userId('student2')}`);
    expect(removed.status).toBe(200);
    expect((await student2.get('/api/users')).status).toBe(403);
  });
});
