import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalTokens, roleAssignments, sessions, users } from '../../db/schema';
import { type Client, errorOf, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from '../roles/roles.service';

// Issue 14, item 2: a console user may change another user (password, authentication,
// suspension, anything else), delete them, or create or delete their tokens, only when the
// target holds no capability the actor lacks; a site administrator only a site administrator.
// Refusals are 403 in the API's error shape and change nothing, not even the audit log.

const PASSWORD = 'Takeover-pass-1';

let t: TestApp;
let admin: Client;
let manager: Client;
let serviceId: number;
let managerRoleId: number;

async function makeUser(username: string, roleId?: number): Promise<number> {
  const created = await admin.post('/api/users', {
    username,
    firstname: 'Test',
    lastname: username,
    email: `${username}@example.com`,
    password: PASSWORD,
    auth: 'manual',
    suspended: false,
    confirmed: true,
    passwordExpired: false,
    siteAdmin: false,
  });
  if (created.status !== 201) throw new Error(created.text);
  if (roleId !== undefined) await assignRole(t.deps, roleId, created.body.id, SYSTEM_ACTOR);
  return created.body.id;
}

async function snapshot() {
  const { db } = t.store;
  return JSON.stringify({
    users: await db.select().from(users),
    tokens: await db.select().from(externalTokens),
    assignments: await db.select().from(roleAssignments),
    sessions: (await db.select().from(sessions)).length,
    audit: (await db.select().from(auditLog)).length,
  });
}

async function expectRefused(
  run: () => Promise<{ status: number; body: unknown; text: string }>,
  message: RegExp,
): Promise<{ code: string; message: string; fields?: Record<string, string> }> {
  const before = await snapshot();
  const res = await run();
  expect(res.status, res.text).toBe(403);
  const err = errorOf(res as Parameters<typeof errorOf>[0]);
  expect(err.code).toBe('forbidden');
  expect(err.message).toMatch(message);
  expect(await snapshot()).toBe(before);
  return err;
}

async function tokenFor(userId: number): Promise<number> {
  const res = await admin.post('/api/tokens', { userId, serviceId });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.token.id;
}

let strongId: number;
let strongClient: Client;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  const svc = await admin.post('/api/services', serviceBody('Takeover service', 'takeover'));
  if (svc.status !== 201) throw new Error(svc.text);
  serviceId = svc.body.id;
  managerRoleId = t.deps.authz.roleByShortname('manager')!.id;
  // "strong" holds one capability the manager lacks: moodle/site:config.
  const configRole = await createRole(
    t.deps,
    { shortname: 'configurer', name: 'Configurer', capabilities: { 'moodle/site:config': 'allow' } },
    SYSTEM_ACTOR,
  );
  strongId = await makeUser('strong', configRole.id);
  strongClient = t.client();
  await strongClient.login('strong', PASSWORD);
});
afterAll(() => t?.close());

describe('a manager cannot take over a user stronger than they are', () => {
  it.each([
    [{ password: 'Taken-over-1' }],
    [{ auth: 'nologin' }],
    [{ auth: 'webservice' }],
    [{ suspended: true }],
    [{ confirmed: false }],
    [{ passwordExpired: true }],
    [{ username: 'renamed' }],
    [{ email: 'attacker@example.net' }],
    [{ firstname: 'Mallory' }],
    [{ auth: 'manual', password: 'Taken-over-1', suspended: false }],
  ])('PATCH %j on a holder of a capability the manager lacks: 403, nothing changes', async (patch) => {
    const err = await expectRefused(
      () => manager.patch(`/api/users/${strongId}`, patch),
      /^You cannot change strong: they hold capabilities you do not have \(moodle\/site:config\)$/,
    );
    expect(err.code).toBe('forbidden');
    expect((await strongClient.get('/api/auth/me')).status).toBe(200);
  });

  it('the password really stays the old one', async () => {
    expect((await manager.patch(`/api/users/${strongId}`, { password: 'Taken-over-2' })).status).toBe(403);
    expect((await t.client().tryLogin('strong', 'Taken-over-2')).status).toBe(401);
    expect((await t.client().tryLogin('strong', PASSWORD)).status).toBe(200);
  });

  it('cannot delete them', async () => {
    await expectRefused(() => manager.delete(`/api/users/${strongId}`), /You cannot delete strong: they hold/);
  });

  it('cannot create a token for them (403 with the field error)', async () => {
    const err = await expectRefused(
      () => manager.post('/api/tokens', { userId: strongId, serviceId }),
      /You cannot create a token for strong: they hold capabilities you do not have/,
    );
    expect(err.fields?.userId).toMatch(/capabilities you do not have/);
  });

  it("cannot delete their tokens, nor the site administrator's", async () => {
    const strongToken = await tokenFor(strongId);
    const adminToken = await tokenFor(await t.userId('admin'));
    await expectRefused(
      () => manager.delete(`/api/tokens/${strongToken}`),
      /You cannot delete a token of strong: they hold/,
    );
    await expectRefused(
      () => manager.delete(`/api/tokens/${adminToken}`),
      /^Only site administrators can delete a token of a site administrator$/,
    );
    await expectRefused(
      async () => manager.post('/api/tokens', { userId: await t.userId('admin'), serviceId }),
      /^Only site administrators can create a token for a site administrator$/,
    );
  });

  it('a prohibit on the manager counts: a user with what the manager is prohibited is stronger', async () => {
    const limited = await createRole(
      t.deps,
      { shortname: 'nonotes', name: 'No notes', capabilities: { 'moodle/notes:view': 'prohibit' } },
      SYSTEM_ACTOR,
    );
    const limitedId = await makeUser('limitedmanager', managerRoleId);
    await assignRole(t.deps, limited.id, limitedId, SYSTEM_ACTOR);
    const c = t.client();
    await c.login('limitedmanager', PASSWORD);
    // The teacher holds moodle/notes:view.
    await expectRefused(
      async () => c.patch(`/api/users/${await t.userId('teacher')}`, { password: 'Taken-over-1' }),
      /You cannot change teacher: they hold capabilities you do not have \(moodle\/notes:view\)/,
    );
    await expectRefused(
      async () => c.post('/api/tokens', { userId: await t.userId('teacher'), serviceId }),
      /moodle\/notes:view/,
    );
    // A student holds nothing the limited manager lacks.
    expect((await c.patch(`/api/users/${await t.userId('student2')}`, { firstname: 'Sasha' })).status).toBe(200);
  });
});

describe('what stays allowed', () => {
  it('a manager edits, suspends, deletes and makes tokens for weaker and equal users', async () => {
    const teacher = await t.userId('teacher');
    const pw = await manager.patch(`/api/users/${teacher}`, { password: 'Teacher-pass-9', lastname: 'Moved' });
    expect(pw.status, pw.text).toBe(200);
    const made = await manager.post('/api/tokens', { userId: teacher, serviceId });
    expect(made.status, made.text).toBe(201);
    expect((await manager.delete(`/api/tokens/${made.body.token.id}`)).status).toBe(200);
    const byAdmin = await tokenFor(teacher);
    expect((await manager.delete(`/api/tokens/${byAdmin}`)).status).toBe(200);
    // A peer holding exactly the manager's capabilities is not stronger.
    const peer = await makeUser('peer', managerRoleId);
    expect((await manager.patch(`/api/users/${peer}`, { suspended: true })).status).toBe(200);
    expect((await manager.patch(`/api/users/${peer}`, { suspended: false, auth: 'manual' })).status).toBe(200);
    expect((await manager.post('/api/tokens', { userId: peer, serviceId })).status).toBe(201);
    expect((await manager.delete(`/api/users/${peer}`)).status).toBe(200);
  });

  it('a manager still manages their own account and tokens', async () => {
    const me = await t.userId('manager');
    expect((await manager.patch(`/api/users/${me}`, { firstname: 'Maria' })).status).toBe(200);
    const own = await manager.post('/api/tokens', { userId: me, serviceId });
    expect(own.status, own.text).toBe(201);
    expect((await manager.delete(`/api/tokens/${own.body.token.id}`)).status).toBe(200);
  });

  it('a site administrator still does everything to the stronger user', async () => {
    expect((await admin.patch(`/api/users/${strongId}`, { password: 'Strong-pass-2' })).status).toBe(200);
    expect((await admin.patch(`/api/users/${strongId}`, { suspended: true })).status).toBe(200);
    expect((await admin.patch(`/api/users/${strongId}`, { suspended: false })).status).toBe(200);
    const made = await admin.post('/api/tokens', { userId: strongId, serviceId });
    expect(made.status, made.text).toBe(201);
    expect((await admin.delete(`/api/tokens/${made.body.token.id}`)).status).toBe(200);
    const adminToken = await tokenFor(await t.userId('admin'));
    expect((await admin.delete(`/api/tokens/${adminToken}`)).status).toBe(200);
    expect((await admin.delete(`/api/users/${strongId}`)).status).toBe(200);
    expect((await t.store.db.select().from(users).where(eq(users.id, strongId)).limit(1)).at(0)?.deleted).toBe(true);
  });
});
