import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, roleAssignments, sessions, users } from '../../db/schema';
import { type Client, DEMO_PASSWORD, errorOf, makeTestApp, signIn, type TestApp, userBody } from '../../test/helpers';

type UserDto = { id: number; username: string; [k: string]: unknown };
const names = (items: UserDto[]) => items.map((u) => u.username);

describe('listing users', () => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await makeTestApp();
    admin = await signIn(t, 'admin');
    expect((await admin.delete(`/api/users/${await t.userId('nologin')}`)).status).toBe(200);
  });
  afterAll(() => t.close());

  it('lists active users by default (deleted left out), sorted by last name, 25 a page', async () => {
    const res = await admin.get('/api/users');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 10, page: 1, perPage: 25 });
    expect(res.body.items).toHaveLength(10);
    expect(names(res.body.items)).not.toContain('nologin');
    expect(names(res.body.items)).toContain('guest');
    expect(res.body.items[0]).not.toHaveProperty('passwordHash');
    const lastnames = res.body.items.map((u: { lastname: string }) => u.lastname);
    expect(lastnames.slice(0, 3)).toEqual(['Client', 'Expired', 'Learner']);
  });

  it.each([
    [
      'active',
      [
        'admin',
        'expired',
        'guest',
        'manager',
        'student',
        'student2',
        'suspended',
        'teacher',
        'unconfirmed',
        'wsclient',
      ],
    ],
    ['suspended', ['suspended']],
    ['unconfirmed', ['unconfirmed']],
    ['deleted', ['nologin']],
    [
      'all',
      [
        'admin',
        'expired',
        'guest',
        'manager',
        'nologin',
        'student',
        'student2',
        'suspended',
        'teacher',
        'unconfirmed',
        'wsclient',
      ],
    ],
  ])('status=%s', async (status, expected) => {
    const res = await admin.get(`/api/users?status=${status}&sort=username`);
    expect(res.status).toBe(200);
    expect(names(res.body.items)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it.each([
    ['learner', ['student2']],
    ['LEARNER', ['student2']],
    ['stud', ['student', 'student2']],
    ['manager@example', ['manager']],
    ['Terry', ['teacher']],
    ['_', []],
    ['%', []],
    ['nobody-like-this', []],
  ])('search=%s', async (search, expected) => {
    const res = await admin.get(`/api/users?search=${encodeURIComponent(search)}&sort=username`);
    expect(res.status).toBe(200);
    expect(names(res.body.items)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it('search combines with the status filter', async () => {
    const deleted = await admin.get('/api/users?search=nora&status=deleted');
    expect(names(deleted.body.items)).toEqual(['nologin']);
    const active = await admin.get('/api/users?search=nora');
    expect(active.body.total).toBe(0);
  });

  it('sorts by the chosen column in either direction', async () => {
    const asc = await admin.get('/api/users?sort=username&dir=asc');
    const desc = await admin.get('/api/users?sort=username&dir=desc');
    const sorted = [...names(asc.body.items)].sort();
    expect(names(asc.body.items)).toEqual(sorted);
    expect(names(desc.body.items)).toEqual([...sorted].reverse());
    const email = await admin.get('/api/users?sort=email&dir=desc&search=example.com');
    const emails = email.body.items.map((u: { email: string }) => u.email);
    expect(emails[0]).toBe('wsclient@example.com');
    expect(emails).toEqual([...emails].sort().reverse());
  });

  it('refuses bad query values with 400 and the field', async () => {
    for (const [q, field] of [
      ['perPage=201', 'perPage'],
      ['perPage=0', 'perPage'],
      ['page=0', 'page'],
      ['page=abc', 'page'],
      ['sort=password', 'sort'],
      ['dir=sideways', 'dir'],
      ['status=gone', 'status'],
      [`search=${'x'.repeat(101)}`, 'search'],
    ] as const) {
      const res = await admin.get(`/api/users?${q}`);
      expect(res.status, q).toBe(400);
      expect(Object.keys(errorOf(res).fields ?? {}), q).toEqual([field]);
    }
    expect(errorOf(await admin.get('/api/users?perPage=201')).fields?.perPage).toBe('At most 200 rows a page');
  });

  it('pages through many users with a correct total, to the deep pages', async () => {
    const now = Math.floor(Date.now() / 1000);
    await t.store.db.insert(users).values(
      Array.from({ length: 250 }, (_, i) => ({
        username: `bulk${String(i).padStart(3, '0')}`,
        firstname: 'Bulk',
        lastname: 'Loaded',
        email: `bulk${i}@example.net`,
        passwordHash: '!',
        timecreated: now,
        timemodified: now,
      })),
    );
    // Written past withWrite: on PostgreSQL nothing else tells the cached totals (SQLite's total_changes() does).
    t.deps.gen.bump();
    const p3 = await admin.get('/api/users?search=bulk&sort=username&perPage=100&page=3');
    expect(p3.status).toBe(200);
    expect(p3.body).toMatchObject({ total: 250, page: 3, perPage: 100 });
    expect(p3.body.items).toHaveLength(50);
    expect(p3.body.items[0].username).toBe('bulk200');
    expect(p3.body.items[49].username).toBe('bulk249');

    const max = await admin.get('/api/users?search=bulk&sort=username&perPage=200&page=2&dir=desc');
    expect(max.body.items).toHaveLength(50);
    expect(max.body.items[0].username).toBe('bulk049');

    const beyond = await admin.get('/api/users?search=bulk&perPage=100&page=9');
    expect(beyond.status).toBe(200);
    expect(beyond.body.items).toEqual([]);
    expect(beyond.body.total).toBe(250);

    const all = await admin.get('/api/users?status=all&perPage=1&page=261');
    expect(all.body.total).toBe(261);
    expect(all.body.items).toHaveLength(1);

    // Pages do not overlap or skip, even when many rows tie on the sort column.
    const seen = new Set<number>();
    for (let page = 1; page <= 11; page++) {
      const r = await admin.get(`/api/users?search=bulk&sort=lastname&perPage=25&page=${page}`);
      for (const u of r.body.items as UserDto[]) seen.add(u.id);
    }
    expect(seen.size).toBe(250);
  });
});

describe('creating, reading, editing and deleting users', () => {
  let t: TestApp;
  let admin: Client;
  let manager: Client;
  beforeAll(async () => {
    t = await makeTestApp();
    [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  });
  afterAll(() => t.close());

  const auditFor = async (action: string, id: number) =>
    await t.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.targetId, String(id))));

  describe('POST /api/users', () => {
    it('creates a user (201), who can then sign in; the audit row has no password', async () => {
      const res = await admin.post(
        '/api/users',
        userBody('  Created.One@x ', { firstname: ' Cora ', email: 'cora@example.org' }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        username: 'created.one@x',
        firstname: 'Cora',
        lastname: 'Person',
        email: 'cora@example.org',
        auth: 'manual',
        suspended: false,
        confirmed: true,
        siteAdmin: false,
        deleted: false,
        isGuest: false,
        lastlogin: null,
      });
      expect(res.body).not.toHaveProperty('passwordHash');
      expect(res.body).not.toHaveProperty('password');
      const got = await admin.get(`/api/users/${res.body.id}`);
      expect(got.body).toEqual(res.body);
      expect((await t.client().tryLogin('created.one@x', 'Fresh-pass-1')).status).toBe(200);

      const rows = await auditFor('user.create', res.body.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.actorUsername).toBe('admin');
      expect(rows[0]!.summary).toBe('Created user created.one@x');
      expect(rows[0]!.details).not.toContain('Fresh-pass-1');
      expect(rows[0]!.details).not.toContain('argon2');
    });

    it('reports every invalid field', async () => {
      const res = await admin.post('/api/users', {
        username: 'Bad Name!',
        firstname: ' ',
        lastname: 'x'.repeat(101),
        email: 'not-an-email',
        auth: 'ldap',
        suspended: 'no',
        password: 'short',
        colour: 'blue',
      });
      expect(res.status).toBe(400);
      const err = errorOf(res);
      expect(err.code).toBe('invalid');
      expect(err.fields).toMatchObject({
        username: 'Only lowercase letters, digits and _ . @ - are allowed',
        firstname: 'First name is required',
        lastname: 'At most 100 characters',
        email: 'Enter a valid email address',
        password: 'At least 8 characters',
        colour: 'Unknown field',
      });
      expect(Object.keys(err.fields ?? {})).toEqual(
        expect.arrayContaining(['auth', 'suspended', 'confirmed', 'passwordExpired', 'siteAdmin']),
      );
      const letters = await admin.post('/api/users', userBody('digitless', { password: 'onlyletters' }));
      expect(letters.status).toBe(400);
      expect(errorOf(letters).fields).toEqual({ password: 'Use letters and at least one digit or symbol' });
      expect((await admin.get('/api/users?search=digitless')).body.total).toBe(0);
    });

    it('refuses a username already taken (any case) with 409 and fields.username', async () => {
      for (const username of ['student', 'STUDENT']) {
        const res = await admin.post('/api/users', userBody(username));
        expect(res.status).toBe(409);
        expect(errorOf(res)).toEqual({
          code: 'conflict',
          message: 'This username is already taken',
          fields: { username: 'This username is already taken' },
        });
      }
    });

    it('a manager can create ordinary users but not site administrators', async () => {
      const ok = await manager.post('/api/users', userBody('made.by.manager'));
      expect(ok.status).toBe(201);
      const admin2 = await manager.post('/api/users', userBody('wannabe.admin', { siteAdmin: true }));
      expect(admin2.status).toBe(403);
      expect(errorOf(admin2).code).toBe('forbidden');
      expect((await admin.get('/api/users?search=wannabe')).body.total).toBe(0);
      const real = await admin.post('/api/users', userBody('second.admin', { siteAdmin: true }));
      expect(real.status).toBe(201);
      expect(real.body.siteAdmin).toBe(true);
    });
  });

  describe('GET /api/users/:id', () => {
    it('returns one user', async () => {
      const res = await admin.get(`/api/users/${await t.userId('teacher')}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ username: 'teacher', firstname: 'Terry', lastname: 'Teacher', auth: 'manual' });
    });
    it('404 for an unknown id, 400 for a malformed one', async () => {
      const missing = await admin.get('/api/users/424242');
      expect(missing.status).toBe(404);
      expect(errorOf(missing)).toEqual({ code: 'notfound', message: 'User not found' });
      for (const bad of ['abc', '0', '-1', '1.5']) {
        const res = await admin.get(`/api/users/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(errorOf(res).fields, bad).toHaveProperty('id');
      }
    });
  });

  describe('PATCH /api/users/:id', () => {
    let id: number;
    beforeAll(async () => {
      id = (await admin.post('/api/users', userBody('editme'))).body.id;
    });

    it.each([
      ['firstname', ' Eddie ', 'Eddie'],
      ['lastname', 'Edited', 'Edited'],
      ['email', 'edit@example.org', 'edit@example.org'],
      ['auth', 'webservice', 'webservice'],
      ['confirmed', false, false],
      ['passwordExpired', true, true],
      ['suspended', true, true],
      ['siteAdmin', true, true],
      ['siteAdmin', false, false],
      ['suspended', false, false],
      ['username', 'Edited.Name', 'edited.name'],
    ])('changes %s', async (field, value, stored) => {
      const before = (await auditFor('user.update', id)).length;
      const res = await admin.patch(`/api/users/${id}`, { [field]: value });
      expect(res.status).toBe(200);
      expect(res.body[field]).toBe(stored);
      expect((await admin.get(`/api/users/${id}`)).body[field]).toBe(stored);
      const rows = await auditFor('user.update', id);
      expect(rows).toHaveLength(before + 1);
      expect(rows.at(-1)!.summary).toMatch(new RegExp(`: ${field}$`));
      expect(JSON.parse(rows.at(-1)!.details)).toEqual({ changed: { [field]: stored } });
    });

    it('changes the password (audited without the hash)', async () => {
      await admin.patch(`/api/users/${id}`, { confirmed: true, passwordExpired: false, auth: 'manual' });
      const res = await admin.patch(`/api/users/${id}`, { password: 'Other-pass-2' });
      expect(res.status).toBe(200);
      expect((await t.client().tryLogin('edited.name', 'Other-pass-2')).status).toBe(200);
      const row = (await auditFor('user.update', id)).at(-1)!;
      expect(row.summary).toBe('Updated user edited.name: password');
      expect(row.details).not.toContain('argon2');
      expect(row.details).not.toContain('Other-pass-2');
    });

    it('does nothing (and audits nothing) when nothing changes', async () => {
      const before = (await auditFor('user.update', id)).length;
      const current = (await admin.get(`/api/users/${id}`)).body;
      const res = await admin.patch(`/api/users/${id}`, { firstname: current.firstname, suspended: current.suspended });
      expect(res.status).toBe(200);
      expect(res.body.timemodified).toBe(current.timemodified);
      expect(await auditFor('user.update', id)).toHaveLength(before);
    });

    it('refuses a username that another user has', async () => {
      const res = await admin.patch(`/api/users/${id}`, { username: 'teacher' });
      expect(res.status).toBe(409);
      expect(errorOf(res).fields).toEqual({ username: 'This username is already taken' });
      expect((await admin.get(`/api/users/${id}`)).body.username).toBe('edited.name');
      // Keeping your own username is not a clash.
      expect((await admin.patch(`/api/users/${id}`, { username: 'edited.name' })).status).toBe(200);
    });

    it('validates the patch', async () => {
      const res = await admin.patch(`/api/users/${id}`, { email: 'nope', auth: 'ldap', deleted: false });
      expect(res.status).toBe(400);
      expect(Object.keys(errorOf(res).fields ?? {}).sort()).toEqual(['auth', 'deleted', 'email']);
      const weak = await admin.patch(`/api/users/${id}`, { password: 'abc' });
      expect(weak.status).toBe(400);
      expect(errorOf(weak).fields).toEqual({ password: 'At least 8 characters' });
    });

    it('404 for an unknown user', async () => {
      const res = await admin.patch('/api/users/424242', { firstname: 'X' });
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe('notfound');
    });

    it.each([
      [{ suspended: true }, 'You cannot suspend yourself'],
      [{ siteAdmin: false }, 'You cannot remove your own site administration'],
      [{ auth: 'nologin' }, 'You cannot set your own authentication to No login'],
    ])('refuses %j on yourself with 409 self', async (patch, message) => {
      const me = await t.userId('admin');
      const res = await admin.patch(`/api/users/${me}`, patch);
      expect(res.status).toBe(409);
      expect(errorOf(res)).toEqual({ code: 'self', message });
      const after = (await admin.get(`/api/users/${me}`)).body;
      expect(after).toMatchObject({ suspended: false, siteAdmin: true, auth: 'manual' });
    });

    it("a manager cannot change a site administrator's password or username", async () => {
      const aid = await t.userId('admin');
      const pw = await manager.patch(`/api/users/${aid}`, { password: 'Taken-over-1' });
      expect(pw.status).toBe(403);
      expect(errorOf(pw).code).toBe('forbidden');
      const un = await manager.patch(`/api/users/${aid}`, { username: 'root' });
      expect(un.status).toBe(403);
      expect((await t.client().tryLogin('admin', 'Taken-over-1')).status).toBe(401);
    });

    it('a manager cannot grant or remove site administration', async () => {
      const grant = await manager.patch(`/api/users/${await t.userId('teacher')}`, { siteAdmin: true });
      expect(grant.status).toBe(403);
      expect((await admin.get(`/api/users/${await t.userId('teacher')}`)).body.siteAdmin).toBe(false);
      const remove = await manager.patch(`/api/users/${await t.userId('admin')}`, { siteAdmin: false });
      expect(remove.status).toBe(403);
    });

    it('a manager can edit an ordinary user, password included', async () => {
      const res = await manager.patch(`/api/users/${await t.userId('teacher')}`, {
        lastname: 'Renamed',
        password: 'Teacher-pass-2',
      });
      expect(res.status).toBe(200);
      expect(res.body.lastname).toBe('Renamed');
    });

    it('refuses to rename the guest account or make it a site administrator', async () => {
      const gid = await t.userId('guest');
      const rename = await admin.patch(`/api/users/${gid}`, { username: 'visitor' });
      expect(rename.status).toBe(409);
      expect(errorOf(rename).code).toBe('guest');
      const promote = await admin.patch(`/api/users/${gid}`, { siteAdmin: true });
      expect(promote.status).toBe(409);
      expect((await admin.get(`/api/users/${gid}`)).body).toMatchObject({ username: 'guest', siteAdmin: false });
    });
  });

  describe('DELETE /api/users/:id', () => {
    it('soft-deletes: the row stays marked deleted; sessions and role assignments go; audited', async () => {
      const sid = await t.userId('student');
      const s = await signIn(t, 'student');
      expect(await t.store.db.select().from(roleAssignments).where(eq(roleAssignments.userId, sid))).toHaveLength(1);

      const res = await admin.delete(`/api/users/${sid}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: sid, username: 'student', deleted: true, suspended: true });

      expect((await admin.get(`/api/users/${sid}`)).body.deleted).toBe(true);
      expect(await t.store.db.select().from(sessions).where(eq(sessions.userId, sid))).toHaveLength(0);
      expect(await t.store.db.select().from(roleAssignments).where(eq(roleAssignments.userId, sid))).toHaveLength(0);
      expect((await s.get('/api/auth/me')).status).toBe(401);
      expect(names((await admin.get('/api/users?search=student&sort=username')).body.items)).toEqual(['student2']);
      expect(names((await admin.get('/api/users?status=deleted')).body.items)).toEqual(['student']);
      const rows = await auditFor('user.delete', sid);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.summary).toMatch(/^Deleted user student\b/);
      expect((await t.client().tryLogin('student', DEMO_PASSWORD)).status).toBe(401);
    });

    it('refuses a user already deleted, and editing a deleted user', async () => {
      const sid = await t.userId('student');
      const again = await admin.delete(`/api/users/${sid}`);
      expect(again.status).toBe(409);
      expect(errorOf(again).code).toBe('deleted');
      const edit = await admin.patch(`/api/users/${sid}`, { deleted: false });
      expect(edit.status).toBe(400);
      const edit2 = await admin.patch(`/api/users/${sid}`, { suspended: false });
      expect(edit2.status).toBe(409);
      expect(errorOf(edit2).code).toBe('deleted');
    });

    it.each([
      ['admin', 'self'],
      ['guest', 'guest'],
      ['second.admin', 'siteadmin'],
    ])('refuses to delete %s (409 %s) and changes nothing', async (username, code) => {
      const uid = await t.userId(username);
      const res = await admin.delete(`/api/users/${uid}`);
      expect(res.status).toBe(409);
      expect(errorOf(res).code).toBe(code);
      expect((await admin.get(`/api/users/${uid}`)).body.deleted).toBe(false);
    });

    it('404 for an unknown user', async () => {
      const res = await admin.delete('/api/users/424242');
      expect(res.status).toBe(404);
      expect(errorOf(res)).toEqual({ code: 'notfound', message: 'User not found' });
    });

    it('a manager can delete an ordinary user but not a site administrator', async () => {
      const res = await manager.delete(`/api/users/${await t.userId('expired')}`);
      expect(res.status).toBe(200);
      const adm = await manager.delete(`/api/users/${await t.userId('admin')}`);
      expect(adm.status).toBe(409);
      expect(errorOf(adm).code).toBe('siteadmin');
    });
  });
});

describe('a manager and a site administrator', () => {
  let t: TestApp;
  let manager: Client;
  beforeAll(async () => {
    t = await makeTestApp();
    manager = await signIn(t, 'manager');
  });
  afterAll(() => t.close());

  // Moodle: only a site administrator may edit a site administrator ("useradmineditadmin").
  it.each([[{ suspended: true }], [{ auth: 'nologin' }], [{ confirmed: false }], [{ email: 'attacker@example.net' }]])(
    'a manager cannot change a site administrator with %j (which would lock them out)',
    async (patch) => {
      const aid = await t.userId('admin');
      const res = await manager.patch(`/api/users/${aid}`, patch);
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('forbidden');
      const after = (await t.store.db.select().from(users).where(eq(users.id, aid)).limit(1)).at(0);
      expect(after).toMatchObject({ suspended: false, auth: 'manual', confirmed: true, email: 'admin@example.com' });
      // Put the admin back, whatever happened, so that each case stands alone.
      await t.store.db
        .update(users)
        .set({ suspended: false, auth: 'manual', confirmed: true, email: 'admin@example.com' })
        .where(eq(users.id, aid));
    },
  );
});
