import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditLog,
  externalServiceFunctions,
  externalServices,
  externalServiceUsers,
  externalTokens,
  roleAssignments,
  roleCapabilities,
  roles,
  users,
} from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { registerSite } from './hub-registration';

// The seed: the hub's roles, users and services must never be deleted or modified, and its
// tokens are not shown in Manage tokens "so you cannot accidentally delete them". Every console
// route that would change them answers 403 with the code "protected", whatever it is sent.

let t: TestApp;
let admin: Client;
let roleIds: Record<string, number>;
let serviceIds: Record<string, number>;
let userIds: Record<string, number>;
let siteUserId: number;

/** Everything a refusal must leave as it was. */
async function snapshot() {
  const { db } = t.store;
  return JSON.stringify({
    roles: await db.select().from(roles),
    caps: await db.select().from(roleCapabilities),
    assignments: await db.select().from(roleAssignments),
    users: await db.select().from(users),
    services: await db.select().from(externalServices),
    functions: await db.select().from(externalServiceFunctions),
    authorised: await db.select().from(externalServiceUsers),
    tokens: await db.select().from(externalTokens),
  });
}
const auditCount = async () => (await t.store.db.select().from(auditLog)).length;

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  admin = await signIn(t, 'admin');
  const res = await admin.patch('/api/hub/settings', { enabled: true, privacy: 'public' });
  if (res.status !== 200) throw new Error(res.text);
  await registerSite(
    t.deps,
    {
      name: 'Registered',
      url: 'https://registered.example',
      description: '',
      contactname: '',
      contactemail: '',
      language: 'en',
      countrycode: '',
      courses: 1,
      users: 1,
    },
    '',
    SYSTEM_ACTOR,
  );
  const { db } = t.store;
  roleIds = Object.fromEntries((await db.select().from(roles)).map((r) => [r.shortname, r.id]));
  serviceIds = Object.fromEntries((await db.select().from(externalServices)).map((s) => [s.shortname, s.id]));
  userIds = Object.fromEntries((await db.select().from(users)).map((u) => [u.username, u.id]));
  siteUserId = userIds.hub_site_1!;
  // An authorised user on the Registered sites service, so that its settings route has a target.
  await db
    .insert(externalServiceUsers)
    .values({ serviceId: serviceIds.hub_registered_sites!, userId: userIds.teacher!, timecreated: 1 });
});
afterAll(() => t?.close());

type Case = [method: string, path: () => string, json?: unknown];

async function expectRefused(cases: Case[]) {
  const before = await snapshot();
  const audits = await auditCount();
  for (const [method, path, json] of cases) {
    const res = await admin.request(method, path(), json === undefined ? {} : { json });
    expect(res.status, `${method} ${path()}: ${res.text}`).toBe(403);
    const err = errorOf(res);
    expect(err.code, `${method} ${path()}`).toBe('protected');
    expect(err.message).toMatch(/protected|belongs to the hub/);
  }
  expect(await snapshot()).toBe(before);
  expect(await auditCount()).toBe(audits);
}

describe('protected items are shown as such', () => {
  it('roles, users and services carry protected: true in the console lists', async () => {
    const r = (await admin.get('/api/roles')).body as { shortname: string; protected: boolean }[];
    expect(
      r
        .filter((x) => x.protected)
        .map((x) => x.shortname)
        .sort(),
    ).toEqual(['hubdirectory', 'hubpublicsite', 'hubregisteredsite']);
    const u = (await admin.get('/api/users?perPage=200')).body.items as { username: string; protected: boolean }[];
    expect(
      u
        .filter((x) => x.protected)
        .map((x) => x.username)
        .sort(),
    ).toEqual(['hub_directory', 'hub_public', 'hub_site_1']);
    const s = (await admin.get('/api/services')).body.builtin as { shortname: string; protected: boolean }[];
    expect(
      s
        .filter((x) => x.protected)
        .map((x) => x.shortname)
        .sort(),
    ).toEqual(['hub_directory', 'hub_public_sites', 'hub_registered_sites']);
  });
});

describe('roles', () => {
  it('a protected role cannot be updated or deleted, whatever the body', async () => {
    const ids = ['hubdirectory', 'hubregisteredsite', 'hubpublicsite'].map((n) => roleIds[n]!);
    await expectRefused(
      ids.flatMap((id): Case[] => [
        ['PATCH', () => `/api/roles/${id}`, {}],
        ['PATCH', () => `/api/roles/${id}`, { name: 'Renamed' }],
        ['PATCH', () => `/api/roles/${id}`, { capabilities: { 'local/hub:manage': 'allow' } }],
        ['PATCH', () => `/api/roles/${id}`, { capabilities: { 'webservice/xmlrpc:use': 'notset' } }],
        ['DELETE', () => `/api/roles/${id}`],
      ]),
    );
  });

  it('a protected role cannot be assigned or unassigned', async () => {
    await expectRefused([
      ['POST', () => `/api/roles/${roleIds.hubregisteredsite}/assignments`, { userId: userIds.teacher }],
      ['POST', () => `/api/roles/${roleIds.hubdirectory}/assignments`, { userId: userIds.admin }],
      ['DELETE', () => `/api/roles/${roleIds.hubpublicsite}/assignments/${userIds.hub_public}`],
      ['DELETE', () => `/api/roles/${roleIds.hubregisteredsite}/assignments/${siteUserId}`],
      // Not assigned: still "protected", not "not found".
      ['DELETE', () => `/api/roles/${roleIds.hubdirectory}/assignments/${userIds.teacher}`],
    ]);
  });

  it('a protected user cannot be given or lose any role', async () => {
    await expectRefused([
      ['POST', () => `/api/roles/${roleIds.manager}/assignments`, { userId: userIds.hub_public }],
      ['POST', () => `/api/roles/${roleIds.student}/assignments`, { userId: siteUserId }],
      ['DELETE', () => `/api/roles/${roleIds.manager}/assignments/${userIds.hub_directory}`],
    ]);
  });

  it('ordinary roles and users are still assigned and unassigned', async () => {
    expect((await admin.post(`/api/roles/${roleIds.student}/assignments`, { userId: userIds.teacher })).status).toBe(
      201,
    );
    expect((await admin.delete(`/api/roles/${roleIds.student}/assignments/${userIds.teacher}`)).status).toBe(200);
  });
});

describe('users', () => {
  it('the hub users and the site users cannot be updated or deleted, whatever the body', async () => {
    const ids = [userIds.hub_directory!, userIds.hub_public!, siteUserId];
    await expectRefused(
      ids.flatMap((id): Case[] => [
        ['PATCH', () => `/api/users/${id}`, {}],
        ['PATCH', () => `/api/users/${id}`, { firstname: 'Changed' }],
        ['PATCH', () => `/api/users/${id}`, { suspended: true }],
        ['PATCH', () => `/api/users/${id}`, { auth: 'manual', password: 'Secret-pass-1' }],
        ['PATCH', () => `/api/users/${id}`, { siteAdmin: true }],
        ['DELETE', () => `/api/users/${id}`],
      ]),
    );
  });
});

describe('services', () => {
  it('the hub services cannot be updated, deleted, or have their functions or users changed', async () => {
    const ids = ['hub_directory', 'hub_registered_sites', 'hub_public_sites'].map((n) => serviceIds[n]!);
    await expectRefused(
      ids.flatMap((id): Case[] => [
        ['PATCH', () => `/api/services/${id}`, {}],
        ['PATCH', () => `/api/services/${id}`, { enabled: false }],
        ['PATCH', () => `/api/services/${id}`, { downloadFiles: true }],
        ['DELETE', () => `/api/services/${id}`],
        ['POST', () => `/api/services/${id}/functions`, { functions: ['core_webservice_get_site_info'] }],
        ['DELETE', () => `/api/services/${id}/functions/hub_get_info`],
        ['POST', () => `/api/services/${id}/users`, { userIds: [userIds.student] }],
        ['PATCH', () => `/api/services/${id}/users/${userIds.teacher}`, { ipRestriction: '10.0.0.1' }],
        ['DELETE', () => `/api/services/${id}/users/${userIds.teacher}`],
      ]),
    );
  });

  it('no token can be made for a hub service in Manage tokens, and they are not offered there', async () => {
    const res = await admin.post('/api/tokens', { userId: userIds.teacher, serviceId: serviceIds.hub_public_sites });
    expect([res.status, errorOf(res).code]).toEqual([403, 'protected']);
    const offered = (await admin.get('/api/tokens/services')).body as { shortname: string }[];
    expect(offered.map((s) => s.shortname).filter((n) => n.startsWith('hub_'))).toEqual([]);
  });
});

describe('hub tokens', () => {
  const hubTokens = async () => await t.store.db.select().from(externalTokens).where(eq(externalTokens.origin, 'hub'));

  it('are never listed in Manage tokens', async () => {
    const ids = (await hubTokens()).map((x) => x.id);
    expect(ids).toHaveLength(3);
    const list = await admin.get('/api/tokens?perPage=200');
    expect(list.status).toBe(200);
    const listed = (list.body.items as { id: number }[]).map((x) => x.id);
    for (const id of ids) expect(listed).not.toContain(id);
    expect((await admin.get(`/api/tokens?serviceId=${serviceIds.hub_public_sites}`)).body.total).toBe(0);
    expect((await admin.get('/api/tokens?user=hub_')).body.total).toBe(0);
  });

  it('cannot be deleted from Manage tokens: 403 protected instead of 404', async () => {
    await expectRefused((await hubTokens()).map((x): Case => ['DELETE', () => `/api/tokens/${x.id}`]));
    // A token that does not exist is still 404.
    expect((await admin.delete('/api/tokens/999999')).status).toBe(404);
  });
});
