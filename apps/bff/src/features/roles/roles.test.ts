import { CAPABILITIES, type CapabilityCheck, type RoleDto } from '@gatehouse/shared';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, roleAssignments, roleCapabilities } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';

let t: TestApp;
let admin: Client;
let manager: Client;
let roleIds: Record<string, number>;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  const list = (await admin.get('/api/roles')).body as RoleDto[];
  roleIds = Object.fromEntries(list.map((r) => [r.shortname, r.id]));
});
afterAll(() => t.close());

const auditRows = async (action: string) => await t.store.db.select().from(auditLog).where(eq(auditLog.action, action));

async function checksOf(username: string): Promise<{ roles: { shortname: string }[]; checks: CapabilityCheck[] }> {
  const res = await admin.get(`/api/users/${await t.userId(username)}/capabilities`);
  expect(res.status).toBe(200);
  return res.body;
}
async function check(username: string, capability: string): Promise<CapabilityCheck> {
  const found = (await checksOf(username)).checks.find((c) => c.capability === capability);
  if (!found) throw new Error(`no check for ${capability}`);
  return found;
}

describe('reading roles', () => {
  it('lists the standard roles in order, with automatic flags, capabilities and assignment counts', async () => {
    const res = await admin.get('/api/roles');
    expect(res.status).toBe(200);
    const list = res.body as RoleDto[];
    expect(list.map((r) => r.shortname)).toEqual(['manager', 'editingteacher', 'student', 'user', 'guest']);
    expect(list.map((r) => r.name)).toEqual(['Manager', 'Teacher', 'Student', 'Authenticated user', 'Guest']);
    expect(list.map((r) => r.automatic)).toEqual([false, false, false, true, true]);
    expect(list.map((r) => r.assignedCount)).toEqual([1, 1, 2, 0, 0]);
    const user = list.find((r) => r.shortname === 'user')!;
    expect(user.capabilities).toEqual({
      'moodle/site:sendmessage': 'allow',
      'moodle/webservice:createmobiletoken': 'allow',
      'moodle/user:manageownfiles': 'allow',
    });
    expect(list.find((r) => r.shortname === 'student')!.capabilities).toEqual({});
    expect(Object.keys(list.find((r) => r.shortname === 'manager')!.capabilities)).toHaveLength(19);
  });

  it('lists every capability the product knows', async () => {
    const res = await manager.get('/api/roles/capabilities');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CAPABILITIES);
    expect(res.body.map((c: { name: string }) => c.name)).toContain('moodle/webservice:createtoken');
  });

  it('gets one role; 404 for an unknown id; 400 for a malformed one', async () => {
    const res = await manager.get(`/api/roles/${roleIds.editingteacher}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shortname: 'editingteacher', name: 'Teacher', archetype: 'editingteacher' });
    const missing = await admin.get('/api/roles/9999');
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'notfound', message: 'Role not found' });
    expect((await admin.get('/api/roles/abc')).status).toBe(400);
  });
});

describe('creating roles', () => {
  it('creates a role (201) with its capabilities, audited', async () => {
    const res = await admin.post('/api/roles', {
      shortname: 'auditor',
      name: ' Auditor ',
      description: 'Reads the audit log',
      capabilities: { 'moodle/site:viewreports': 'allow', 'moodle/user:delete': 'prohibit' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      shortname: 'auditor',
      name: 'Auditor',
      description: 'Reads the audit log',
      archetype: '',
      automatic: false,
      protected: false,
      assignedCount: 0,
      capabilities: { 'moodle/site:viewreports': 'allow', 'moodle/user:delete': 'prohibit' },
    });
    expect((await admin.get(`/api/roles/${res.body.id}`)).body).toEqual(res.body);
    const list = (await admin.get('/api/roles')).body as RoleDto[];
    expect(list.at(-1)!.shortname).toBe('auditor');
    const row = (await auditRows('role.create')).find((r) => r.targetId === String(res.body.id));
    expect(row?.summary).toBe('Created role Auditor');
  });

  it('refuses a duplicate short name or name with 409 and the field', async () => {
    const short = await admin.post('/api/roles', { shortname: 'manager', name: 'Another manager' });
    expect(short.status).toBe(409);
    expect(errorOf(short)).toEqual({
      code: 'conflict',
      message: 'A role with this short name already exists',
      fields: { shortname: 'A role with this short name already exists' },
    });
    const name = await admin.post('/api/roles', { shortname: 'manager2', name: 'Manager' });
    expect(name.status).toBe(409);
    expect(errorOf(name).fields).toEqual({ name: 'A role with this name already exists' });
    expect((await admin.get('/api/roles')).body.map((r: RoleDto) => r.shortname)).not.toContain('manager2');
  });

  it.each([
    [{ shortname: 'x1', name: 'X1', capabilities: { 'moodle/site:fly': 'allow' } }, 'capabilities.moodle/site:fly'],
    [
      { shortname: 'x2', name: 'X2', capabilities: { 'moodle/site:config': 'notset' } },
      'capabilities.moodle/site:config',
    ],
    [{ shortname: 'x3', name: 'X3', capabilities: { 'moodle/site:config': 'yes' } }, 'capabilities.moodle/site:config'],
    [{ shortname: 'Bad Name', name: 'X4' }, 'shortname'],
    [{ shortname: 'x5', name: '  ' }, 'name'],
    [{ shortname: 'x6' }, 'name'],
    [{ shortname: 'x7', name: 'X7', protected: true }, 'protected'],
  ])('refuses %j with 400 (%s)', async (body, field) => {
    const res = await admin.post('/api/roles', body);
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid');
    expect(Object.keys(errorOf(res).fields ?? {})).toContain(field);
    const shortnames = ((await admin.get('/api/roles')).body as RoleDto[]).map((r) => r.shortname);
    expect(shortnames).not.toContain(body.shortname);
  });

  it('a manager (no moodle/role:manage) cannot create, edit or delete roles', async () => {
    expect((await manager.post('/api/roles', { shortname: 'mine', name: 'Mine' })).status).toBe(403);
    expect(
      (await manager.patch(`/api/roles/${roleIds.manager}`, { capabilities: { 'moodle/site:config': 'allow' } }))
        .status,
    ).toBe(403);
    expect((await manager.delete(`/api/roles/${roleIds.student}`)).status).toBe(403);
    expect((await admin.get(`/api/roles/${roleIds.manager}`)).body.capabilities).not.toHaveProperty(
      'moodle/site:config',
    );
  });
});

describe('the capability matrix and its effect on capability checks', () => {
  let testerId: number;
  beforeAll(async () => {
    const role = await admin.post('/api/roles', { shortname: 'tester', name: 'Tester' });
    testerId = role.body.id;
    expect(
      (await admin.post(`/api/roles/${testerId}/assignments`, { userId: await t.userId('student2') })).status,
    ).toBe(201);
  });

  it('shows the roles a user holds, the automatic one first', async () => {
    const res = await checksOf('student2');
    expect(res.roles.map((r) => r.shortname)).toEqual(['user', 'student', 'tester']);
    expect(res.checks).toHaveLength(CAPABILITIES.length);
  });

  it('allow → Allowed by role', async () => {
    const res = await admin.patch(`/api/roles/${testerId}`, { capabilities: { 'moodle/course:create': 'allow' } });
    expect(res.status).toBe(200);
    expect(res.body.capabilities).toEqual({ 'moodle/course:create': 'allow' });
    expect(await check('student2', 'moodle/course:create')).toEqual({
      capability: 'moodle/course:create',
      allowed: true,
      reason: 'Allowed by role "Tester"',
    });
    expect((await admin.get(`/api/users/${await t.userId('student')}/capabilities`)).body.checks).toContainEqual(
      expect.objectContaining({ capability: 'moodle/course:create', allowed: false }),
    );
  });

  it('prohibit → Prohibited by role', async () => {
    const res = await admin.patch(`/api/roles/${testerId}`, { capabilities: { 'moodle/course:create': 'prohibit' } });
    expect(res.body.capabilities).toEqual({ 'moodle/course:create': 'prohibit' });
    expect(await check('student2', 'moodle/course:create')).toEqual({
      capability: 'moodle/course:create',
      allowed: false,
      reason: 'Prohibited by role "Tester"',
    });
  });

  it('notset → removed from the role: Not set', async () => {
    const res = await admin.patch(`/api/roles/${testerId}`, { capabilities: { 'moodle/course:create': 'notset' } });
    expect(res.body.capabilities).toEqual({});
    expect(await t.store.db.select().from(roleCapabilities).where(eq(roleCapabilities.roleId, testerId))).toHaveLength(
      0,
    );
    const c = await check('student2', 'moodle/course:create');
    expect(c.allowed).toBe(false);
    expect(c.reason).toBe('Not set in any of the user\'s roles ("Authenticated user", "Student", "Tester")');
  });

  it('the Authenticated user role applies to every signed-in user', async () => {
    expect(await check('teacher', 'moodle/webservice:createmobiletoken')).toMatchObject({
      allowed: true,
      reason: 'Allowed by role "Authenticated user"',
    });
    expect(await check('teacher', 'moodle/course:update')).toMatchObject({
      allowed: true,
      reason: 'Allowed by role "Teacher"',
    });
  });

  it('the guest holds only the Guest role', async () => {
    const res = await checksOf('guest');
    expect(res.roles.map((r) => r.shortname)).toEqual(['guest']);
    expect(res.checks.find((c) => c.capability === 'moodle/webservice:createmobiletoken')?.allowed).toBe(false);
  });

  it('a site administrator passes every check', async () => {
    const res = await checksOf('admin');
    expect(res.checks).toHaveLength(CAPABILITIES.length);
    for (const c of res.checks) {
      expect(c).toEqual({
        capability: c.capability,
        allowed: true,
        reason: 'Site administrators pass every capability check',
      });
    }
  });

  it('prohibit in one role beats allow in another', async () => {
    const block = await admin.post('/api/roles', {
      shortname: 'noteblocker',
      name: 'Note blocker',
      capabilities: { 'moodle/notes:view': 'prohibit' },
    });
    expect(block.status).toBe(201);
    expect(await check('teacher', 'moodle/notes:view')).toMatchObject({ allowed: true });
    expect(
      (await admin.post(`/api/roles/${block.body.id}/assignments`, { userId: await t.userId('teacher') })).status,
    ).toBe(201);
    expect(await check('teacher', 'moodle/notes:view')).toEqual({
      capability: 'moodle/notes:view',
      allowed: false,
      reason: 'Prohibited by role "Note blocker"',
    });
  });

  it('a prohibit takes effect on the API at once, for a user already signed in', async () => {
    const m2 = await signIn(t, 'manager');
    expect((await m2.get('/api/users')).status).toBe(200);
    const nosee = await admin.post('/api/roles', {
      shortname: 'nosee',
      name: 'No see',
      capabilities: { 'moodle/user:viewdetails': 'prohibit' },
    });
    expect(
      (await admin.post(`/api/roles/${nosee.body.id}/assignments`, { userId: await t.userId('manager') })).status,
    ).toBe(201);
    const res = await m2.get('/api/users');
    expect(res.status).toBe(403);
    expect((await m2.get('/api/auth/me')).body.capabilities).not.toContain('moodle/user:viewdetails');
    expect((await admin.delete(`/api/roles/${nosee.body.id}`)).status).toBe(200);
    expect((await m2.get('/api/users')).status).toBe(200);
  });

  it('editing the Authenticated user role changes everyone', async () => {
    const res = await admin.patch(`/api/roles/${roleIds.user}`, { capabilities: { 'moodle/notes:view': 'allow' } });
    expect(res.status).toBe(200);
    expect((await check('student', 'moodle/notes:view')).reason).toBe('Allowed by role "Authenticated user"');
    await admin.patch(`/api/roles/${roleIds.user}`, { capabilities: { 'moodle/notes:view': 'notset' } });
    expect((await check('student', 'moodle/notes:view')).allowed).toBe(false);
  });

  it('the capabilities of a deleted user are all refused', async () => {
    const u = await admin.post('/api/users', {
      username: 'shortlived',
      firstname: 'Short',
      lastname: 'Lived',
      email: 'short@example.org',
      auth: 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: false,
      password: 'Short-lived-1',
    });
    expect((await admin.delete(`/api/users/${u.body.id}`)).status).toBe(200);
    const res = await admin.get(`/api/users/${u.body.id}/capabilities`);
    expect(res.body.checks.every((c: CapabilityCheck) => !c.allowed && c.reason === 'The user is deleted')).toBe(true);
  });

  it('404 for the capabilities of an unknown user', async () => {
    const res = await admin.get('/api/users/424242/capabilities');
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('notfound');
  });
});

describe('updating roles', () => {
  it('renames and redescribes, audited with what changed', async () => {
    const role = (await admin.post('/api/roles', { shortname: 'renameme', name: 'Rename me' })).body as RoleDto;
    const res = await admin.patch(`/api/roles/${role.id}`, {
      name: 'Renamed',
      description: 'New words',
      capabilities: { 'moodle/course:view': 'allow', 'moodle/course:create': 'prohibit' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      shortname: 'renameme',
      name: 'Renamed',
      description: 'New words',
      capabilities: { 'moodle/course:view': 'allow', 'moodle/course:create': 'prohibit' },
    });
    const row = (await auditRows('role.update')).find((r) => r.targetId === String(role.id));
    expect(row?.summary).toBe('Updated role Renamed: moodle/course:view → allow, moodle/course:create → prohibit');
    expect(JSON.parse(row!.details)).toEqual({
      fields: { name: 'Renamed', description: 'New words' },
      capabilities: { 'moodle/course:view': 'allow', 'moodle/course:create': 'prohibit' },
    });
  });

  it('audits nothing when nothing changes', async () => {
    const before = (await auditRows('role.update')).length;
    const res = await admin.patch(`/api/roles/${roleIds.student}`, {
      name: 'Student',
      capabilities: { 'moodle/site:config': 'notset' },
    });
    expect(res.status).toBe(200);
    expect(await auditRows('role.update')).toHaveLength(before);
  });

  it('refuses a name another role has (409), an unknown capability or permission (400), and unknown ids (404)', async () => {
    const dup = await admin.patch(`/api/roles/${roleIds.student}`, { name: 'Teacher' });
    expect(dup.status).toBe(409);
    expect(errorOf(dup).fields).toEqual({ name: 'A role with this name already exists' });
    const cap = await admin.patch(`/api/roles/${roleIds.student}`, { capabilities: { 'moodle/site:fly': 'allow' } });
    expect(cap.status).toBe(400);
    const perm = await admin.patch(`/api/roles/${roleIds.student}`, {
      capabilities: { 'moodle/site:config': 'maybe' },
    });
    expect(perm.status).toBe(400);
    const short = await admin.patch(`/api/roles/${roleIds.student}`, { shortname: 'pupil' });
    expect(short.status).toBe(400);
    expect(errorOf(short).fields).toEqual({ shortname: 'Unknown field' });
    const missing = await admin.patch('/api/roles/9999', { name: 'Ghost' });
    expect(missing.status).toBe(404);
    const student = (await admin.get(`/api/roles/${roleIds.student}`)).body;
    expect(student).toMatchObject({ shortname: 'student', name: 'Student', capabilities: {} });
  });
});

describe('deleting roles', () => {
  it('deletes a custom role with its assignments and capabilities, audited', async () => {
    const role = (
      await admin.post('/api/roles', {
        shortname: 'temporary',
        name: 'Temporary',
        capabilities: { 'moodle/course:create': 'allow' },
      })
    ).body as RoleDto;
    await admin.post(`/api/roles/${role.id}/assignments`, { userId: await t.userId('unconfirmed') });
    expect((await check('unconfirmed', 'moodle/course:create')).allowed).toBe(true);

    const res = await admin.delete(`/api/roles/${role.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect((await admin.get(`/api/roles/${role.id}`)).status).toBe(404);
    expect(await t.store.db.select().from(roleAssignments).where(eq(roleAssignments.roleId, role.id))).toHaveLength(0);
    expect(await t.store.db.select().from(roleCapabilities).where(eq(roleCapabilities.roleId, role.id))).toHaveLength(
      0,
    );
    expect((await check('unconfirmed', 'moodle/course:create')).allowed).toBe(false);
    expect((await auditRows('role.delete')).find((r) => r.targetId === String(role.id))?.summary).toBe(
      'Deleted role Temporary',
    );
  });

  it.each(['user', 'guest'])('refuses to delete the automatic role %s', async (shortname) => {
    const res = await admin.delete(`/api/roles/${roleIds[shortname]}`);
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('automatic');
    expect((await admin.get(`/api/roles/${roleIds[shortname]}`)).status).toBe(200);
  });

  it('404 for an unknown role', async () => {
    const res = await admin.delete('/api/roles/9999');
    expect(res.status).toBe(404);
    expect(errorOf(res)).toEqual({ code: 'notfound', message: 'Role not found' });
  });
});

describe('role assignments', () => {
  it('lists the users holding a role', async () => {
    const res = await manager.get(`/api/roles/${roleIds.student}/assignments`);
    expect(res.status).toBe(200);
    expect(res.body.map((u: { username: string }) => u.username)).toEqual(['student2', 'student']);
    expect(res.body[0]).not.toHaveProperty('passwordHash');
    expect((await admin.get('/api/roles/9999/assignments')).status).toBe(404);
  });

  it('assigns (201) and removes (200) a role, audited both ways; a manager may do it', async () => {
    const uid = await t.userId('expired');
    const add = await manager.post(`/api/roles/${roleIds.editingteacher}/assignments`, { userId: uid });
    expect(add.status).toBe(201);
    expect(add.body).toEqual({ ok: true });
    const list = (await admin.get(`/api/roles/${roleIds.editingteacher}/assignments`)).body;
    expect(list.map((u: { username: string }) => u.username)).toContain('expired');
    expect((await admin.get(`/api/roles/${roleIds.editingteacher}`)).body.assignedCount).toBe(2);
    expect((await auditRows('role.assign')).find((r) => r.targetId === String(uid))).toMatchObject({
      actorUsername: 'manager',
      summary: 'Assigned role Teacher to expired',
    });

    const del = await manager.delete(`/api/roles/${roleIds.editingteacher}/assignments/${uid}`);
    expect(del.status).toBe(200);
    expect(
      await t.store.db
        .select()
        .from(roleAssignments)
        .where(and(eq(roleAssignments.roleId, roleIds.editingteacher!), eq(roleAssignments.userId, uid))),
    ).toHaveLength(0);
    expect((await auditRows('role.unassign')).find((r) => r.targetId === String(uid))?.summary).toBe(
      'Removed role Teacher from expired',
    );

    const again = await manager.delete(`/api/roles/${roleIds.editingteacher}/assignments/${uid}`);
    expect(again.status).toBe(404);
    expect(errorOf(again)).toEqual({ code: 'notfound', message: 'Role assignment not found' });
  });

  it('refuses a duplicate assignment with 409', async () => {
    const res = await admin.post(`/api/roles/${roleIds.student}/assignments`, { userId: await t.userId('student') });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toEqual({ code: 'conflict', message: 'student already has the role Student' });
  });

  it.each(['user', 'guest'])('refuses to assign the automatic role %s', async (shortname) => {
    const res = await admin.post(`/api/roles/${roleIds[shortname]}/assignments`, { userId: await t.userId('teacher') });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('automatic');
    expect((await admin.get(`/api/roles/${roleIds[shortname]}`)).body.assignedCount).toBe(0);
  });

  it('refuses deleted users and the guest account', async () => {
    const did = await t.userId('nologin');
    expect((await admin.delete(`/api/users/${did}`)).status).toBe(200);
    const deleted = await admin.post(`/api/roles/${roleIds.student}/assignments`, { userId: did });
    expect(deleted.status).toBe(409);
    expect(errorOf(deleted).code).toBe('deleted');
    const guest = await admin.post(`/api/roles/${roleIds.student}/assignments`, { userId: await t.userId('guest') });
    expect(guest.status).toBe(409);
    expect(errorOf(guest).code).toBe('guest');
    const holders = (await admin.get(`/api/roles/${roleIds.student}/assignments`)).body.map(
      (u: { username: string }) => u.username,
    );
    expect(holders).toEqual(['student2', 'student']);
  });

  it('404 for an unknown user or role, 400 for a malformed body', async () => {
    expect((await admin.post(`/api/roles/${roleIds.student}/assignments`, { userId: 424242 })).status).toBe(404);
    expect((await admin.post('/api/roles/9999/assignments', { userId: await t.userId('teacher') })).status).toBe(404);
    for (const body of [{ userId: String(await t.userId('teacher')) }, { userId: -1 }, {}, { userId: 3, role: 1 }]) {
      const res = await admin.post(`/api/roles/${roleIds.student}/assignments`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin.delete(`/api/roles/${roleIds.student}/assignments/abc`)).status).toBe(400);
  });

  it('an ordinary user cannot assign roles, not even to themselves', async () => {
    const s = await signIn(t, 'student2');
    const res = await s.post(`/api/roles/${roleIds.manager}/assignments`, { userId: await t.userId('student2') });
    expect(res.status).toBe(403);
    expect((await admin.get(`/api/roles/${roleIds.manager}`)).body.assignedCount).toBe(1);
  });
});
