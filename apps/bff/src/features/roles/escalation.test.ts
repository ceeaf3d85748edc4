import { CAPABILITY_NAMES, type RoleDto } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, roleAssignments, roleCapabilities, roles, users } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from './roles.service';

// Issue 14, item 1: the no-escalation rule guards role definition as it guards assignment.
// Nobody but a site administrator may allow (or remove a prohibit on) a capability they do not
// hold, on any role; editing the Authenticated user or Guest role's capabilities needs
// moodle/site:config. Item 2 (roles part): only site administrators change a site
// administrator's roles. Every refusal is a 403 in the API's error shape and changes nothing.

type Perm = 'allow' | 'prohibit';
const PASSWORD = 'Escalate-pass-1';

let t: TestApp;
let admin: Client;
let manager: Client;
let roleIds: Record<string, number>;

/** A signed-in user holding exactly the given capabilities (through one role of their own). */
async function userWith(username: string, caps: Record<string, Perm>) {
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
  const role = await createRole(
    t.deps,
    { shortname: `own_${username}`, name: `Own role of ${username}`, capabilities: caps },
    SYSTEM_ACTOR,
  );
  await assignRole(t.deps, role.id, created.body.id, SYSTEM_ACTOR);
  const client = t.client();
  await client.login(username, PASSWORD);
  return { client, roleId: role.id, userId: created.body.id as number };
}

/** Everything a refusal must leave as it was: role definitions, assignments and the audit log. */
async function snapshot() {
  const { db } = t.store;
  return JSON.stringify({
    roles: await db.select().from(roles),
    caps: await db.select().from(roleCapabilities),
    assignments: await db.select().from(roleAssignments),
    audit: (await db.select().from(auditLog)).length,
  });
}

/** Runs the request, expects a 403 "forbidden" whose message matches, and that nothing changed. */
async function expectRefused(
  run: () => Promise<{ status: number; body: unknown; text: string }>,
  message: RegExp,
): Promise<void> {
  const before = await snapshot();
  const res = await run();
  expect(res.status, res.text).toBe(403);
  const err = errorOf(res as Parameters<typeof errorOf>[0]);
  expect(err.code).toBe('forbidden');
  expect(err.message).toMatch(message);
  expect(await snapshot()).toBe(before);
}

const capsOf = async (id: number) => ((await admin.get(`/api/roles/${id}`)).body as RoleDto).capabilities;

let roleManager: Awaited<ReturnType<typeof userWith>>;
let configManager: Awaited<ReturnType<typeof userWith>>;
let blockerId: number;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  roleIds = Object.fromEntries(((await admin.get('/api/roles')).body as RoleDto[]).map((r) => [r.shortname, r.id]));
  roleManager = await userWith('rolemanager', { 'moodle/role:manage': 'allow', 'moodle/role:review': 'allow' });
  configManager = await userWith('configmanager', {
    'moodle/role:manage': 'allow',
    'moodle/role:review': 'allow',
    'moodle/site:config': 'allow',
  });
  blockerId = (
    await createRole(
      t.deps,
      { shortname: 'blocker', name: 'Blocker', capabilities: { 'moodle/user:delete': 'prohibit' } },
      SYSTEM_ACTOR,
    )
  ).id;
});
afterAll(() => t?.close());

describe('editing a role is not an escalation', () => {
  it('a role manager cannot allow, on their own role, any capability they lack (403, nothing changes)', async () => {
    const held = new Set(t.deps.authz.capabilitiesOf(await userRow('rolemanager')));
    const lacking = CAPABILITY_NAMES.filter((c) => !held.has(c));
    expect(lacking.length).toBeGreaterThan(20);
    for (const cap of lacking) {
      await expectRefused(
        () => roleManager.client.patch(`/api/roles/${roleManager.roleId}`, { capabilities: { [cap]: 'allow' } }),
        new RegExp(`capabilities you do not have: ${cap.replace(/[/:]/g, '.')}`),
      );
    }
    // All at once, too, and mixed with a harmless rename: the whole change is refused.
    await expectRefused(
      () =>
        roleManager.client.patch(`/api/roles/${roleManager.roleId}`, {
          name: 'Renamed by the attack',
          capabilities: Object.fromEntries(lacking.map((c) => [c, 'allow'])),
        }),
      /moodle\/site:config/,
    );
    expect(await capsOf(roleManager.roleId)).toEqual({
      'moodle/role:manage': 'allow',
      'moodle/role:review': 'allow',
    });
    // Still unable to do what the attack was for.
    expect((await roleManager.client.get('/api/settings')).status).toBe(403);
  });

  it.each([
    ['user', { 'moodle/site:config': 'allow' }],
    ['user', { 'moodle/webservice:managealltokens': 'allow' }],
    ['user', { 'moodle/role:review': 'allow' }],
    ['user', { 'moodle/site:sendmessage': 'notset' }],
    ['user', { 'moodle/site:sendmessage': 'prohibit' }],
    ['guest', { 'moodle/site:config': 'allow' }],
    ['guest', { 'moodle/role:review': 'allow' }],
    ['guest', { 'moodle/user:delete': 'prohibit' }],
  ])('without moodle/site:config, the %s role cannot be changed with %j', async (shortname, capabilities) => {
    await expectRefused(
      () => roleManager.client.patch(`/api/roles/${roleIds[shortname]}`, { capabilities }),
      /moodle\/site:config/,
    );
  });

  it('a prohibit on a capability the editor lacks cannot be removed or turned into an allow', async () => {
    for (const permission of ['notset', 'allow']) {
      await expectRefused(
        () =>
          roleManager.client.patch(`/api/roles/${blockerId}`, { capabilities: { 'moodle/user:delete': permission } }),
        /capabilities you do not have: moodle\/user:delete/,
      );
    }
    expect(await capsOf(blockerId)).toEqual({ 'moodle/user:delete': 'prohibit' });
  });

  it('a role that allows a capability the creator lacks cannot be created', async () => {
    await expectRefused(
      () =>
        roleManager.client.post('/api/roles', {
          shortname: 'sneaky',
          name: 'Sneaky',
          capabilities: { 'moodle/role:review': 'allow', 'moodle/site:config': 'allow' },
        }),
      /capabilities you do not have: moodle\/site:config$/,
    );
  });

  it('a role that prohibits a capability the editor lacks cannot be deleted (that would lift the prohibit)', async () => {
    await expectRefused(
      () => roleManager.client.delete(`/api/roles/${blockerId}`),
      /prohibits capabilities you do not have: moodle\/user:delete/,
    );
  });

  it('what raises nothing is still allowed to a role manager', async () => {
    const sid = roleIds.student!;
    // Allow what they hold, prohibit or take away what they lack, rename their own role.
    const allow = await roleManager.client.patch(`/api/roles/${sid}`, {
      capabilities: { 'moodle/role:review': 'allow', 'moodle/site:config': 'prohibit' },
    });
    expect(allow.status, allow.text).toBe(200);
    expect(allow.body.capabilities).toEqual({ 'moodle/role:review': 'allow', 'moodle/site:config': 'prohibit' });
    const take = await roleManager.client.patch(`/api/roles/${roleIds.editingteacher}`, {
      capabilities: { 'moodle/course:view': 'notset' },
    });
    expect(take.status, take.text).toBe(200);
    expect(take.body.capabilities).not.toHaveProperty('moodle/course:view');
    const rename = await roleManager.client.patch(`/api/roles/${roleManager.roleId}`, { name: 'Role keeper' });
    expect(rename.status, rename.text).toBe(200);
    // Renaming an automatic role touches no capability.
    const describeUser = await roleManager.client.patch(`/api/roles/${roleIds.user}`, {
      description: 'Everybody signed in',
    });
    expect(describeUser.status, describeUser.text).toBe(200);
    const created = await roleManager.client.post('/api/roles', {
      shortname: 'reviewer',
      name: 'Reviewer',
      capabilities: { 'moodle/role:review': 'allow', 'moodle/site:config': 'prohibit' },
    });
    expect(created.status, created.text).toBe(201);
    const plain = await roleManager.client.post('/api/roles', { shortname: 'plain', name: 'Plain' });
    expect(plain.status).toBe(201);
    expect((await roleManager.client.delete(`/api/roles/${plain.body.id}`)).status).toBe(200);
    // A role that only allows things may be deleted: that lowers privileges. One that prohibits
    // what they lack may not, even one they made (deleting it lifts its prohibits).
    const allowsOnly = await roleManager.client.post('/api/roles', {
      shortname: 'allowsonly',
      name: 'Allows only',
      capabilities: { 'moodle/role:review': 'allow' },
    });
    expect(allowsOnly.status).toBe(201);
    expect((await roleManager.client.delete(`/api/roles/${allowsOnly.body.id}`)).status).toBe(200);
    expect((await roleManager.client.delete(`/api/roles/${created.body.id}`)).status).toBe(403);
  });

  it('a holder of moodle/site:config may edit the Authenticated user role, but only within what they hold', async () => {
    const uid = roleIds.user!;
    const ok = await configManager.client.patch(`/api/roles/${uid}`, {
      capabilities: { 'moodle/role:review': 'allow' },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.capabilities['moodle/role:review']).toBe('allow');
    await expectRefused(
      () =>
        configManager.client.patch(`/api/roles/${uid}`, {
          capabilities: { 'moodle/webservice:managealltokens': 'allow' },
        }),
      /capabilities you do not have: moodle\/webservice:managealltokens/,
    );
    const back = await configManager.client.patch(`/api/roles/${uid}`, {
      capabilities: { 'moodle/role:review': 'notset' },
    });
    expect(back.status).toBe(200);
  });

  it('a site administrator may still do all of it', async () => {
    const own = await admin.patch(`/api/roles/${roleManager.roleId}`, {
      capabilities: { 'moodle/site:config': 'allow', 'moodle/role:manage': 'notset' },
    });
    expect(own.status, own.text).toBe(200);
    const user = await admin.patch(`/api/roles/${roleIds.user}`, { capabilities: { 'moodle/notes:view': 'allow' } });
    expect(user.status, user.text).toBe(200);
    const guest = await admin.patch(`/api/roles/${roleIds.guest}`, {
      capabilities: { 'moodle/course:view': 'allow' },
    });
    expect(guest.status, guest.text).toBe(200);
    const lift = await admin.patch(`/api/roles/${blockerId}`, { capabilities: { 'moodle/user:delete': 'allow' } });
    expect(lift.status, lift.text).toBe(200);
    const made = await admin.post('/api/roles', {
      shortname: 'everything',
      name: 'Everything',
      capabilities: Object.fromEntries(CAPABILITY_NAMES.map((c) => [c, 'allow'])),
    });
    expect(made.status, made.text).toBe(201);
    const prohibiting = await createRole(
      t.deps,
      { shortname: 'blocker2', name: 'Blocker 2', capabilities: { 'moodle/site:config': 'prohibit' } },
      SYSTEM_ACTOR,
    );
    expect((await admin.delete(`/api/roles/${prohibiting.id}`)).status).toBe(200);
  });
});

describe('taking a role away is not an escalation either', () => {
  it('removing a role that prohibits a capability the remover lacks is refused (even from oneself); an admin may', async () => {
    const deleter = await userWith('wouldbedeleter', {
      'moodle/role:assign': 'allow',
      'moodle/user:delete': 'allow',
    });
    const noDelete = await createRole(
      t.deps,
      { shortname: 'nodelete', name: 'No delete', capabilities: { 'moodle/user:delete': 'prohibit' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, noDelete.id, deleter.userId, SYSTEM_ACTOR);
    expect(t.deps.authz.has(await userRow('wouldbedeleter'), 'moodle/user:delete')).toBe(false);
    await expectRefused(
      () => deleter.client.delete(`/api/roles/${noDelete.id}/assignments/${deleter.userId}`),
      /prohibits capabilities you do not have: moodle\/user:delete/,
    );
    expect((await admin.delete(`/api/roles/${noDelete.id}/assignments/${deleter.userId}`)).status).toBe(200);
  });
});

describe("only site administrators change a site administrator's roles", () => {
  it('a manager cannot assign a role to the site administrator, nor remove one (403, nothing changes)', async () => {
    const aid = await t.userId('admin');
    await expectRefused(
      () => manager.post(`/api/roles/${roleIds.editingteacher}/assignments`, { userId: aid }),
      /site administrator/,
    );
    await assignRole(t.deps, roleIds.student!, aid, SYSTEM_ACTOR);
    await expectRefused(() => manager.delete(`/api/roles/${roleIds.student}/assignments/${aid}`), /site administrator/);
  });

  it('a manager still assigns and removes roles on other users; an admin does it on an admin', async () => {
    const uid = await t.userId('student2');
    expect((await manager.post(`/api/roles/${roleIds.editingteacher}/assignments`, { userId: uid })).status).toBe(201);
    expect((await manager.delete(`/api/roles/${roleIds.editingteacher}/assignments/${uid}`)).status).toBe(200);
    const aid = await t.userId('admin');
    expect((await admin.post(`/api/roles/${roleIds.editingteacher}/assignments`, { userId: aid })).status).toBe(201);
    expect((await admin.delete(`/api/roles/${roleIds.editingteacher}/assignments/${aid}`)).status).toBe(200);
    expect((await admin.delete(`/api/roles/${roleIds.student}/assignments/${aid}`)).status).toBe(200);
  });
});

async function userRow(username: string) {
  const found = (await t.store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);
  if (!found) throw new Error(`no user ${username}`);
  return found;
}
