import { existsSync, readFileSync } from 'node:fs';
import { TOKEN_STATUSES } from '@gatehouse/shared';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalServices, externalTokens, users } from '../../db/schema';
import { withWrite } from '../../db/write';
import { type Client, errorOf, makeTestApp, serviceBody, signIn, type TestApp, userBody } from '../../test/helpers';
import { onPostgres, sqliteOf } from '../../test/test-store';
import type { Actor } from '../audit/audit.service';
import {
  addAuthorisedUsers,
  addServiceFunctions,
  createService,
  updateAuthorisedUser,
} from '../services/services.service';
import { createUser } from '../users/users.service';
import { hashToken } from './token-secret';
import { issueToken } from './tokens.service';

// Manage tokens (/api/tokens): site administrators and holders of moodle/webservice:managealltokens.

const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const SECRET = /^gwt[0-9A-Za-z]{49}$/;

let t: TestApp;
let admin: Client;
let manager: Client;
let student: Client;
let actor: Actor;
let openId: number;
let restrictedId: number;
let groupsId: number;
const ids: Record<string, number> = {};
/** Every secret this file sees: none of them may be found at rest. */
const secrets: string[] = [];

async function mkService(
  name: string,
  shortname: string,
  extra: Record<string, unknown> = {},
  functions: string[] = ['core_webservice_get_site_info'],
) {
  const s = await createService(
    t.deps,
    serviceBody(name, shortname, extra) as Parameters<typeof createService>[1],
    actor,
  );
  if (functions.length) await addServiceFunctions(t.deps, s.id, functions, actor);
  return s.id;
}

async function mkToken(c: Client, body: Record<string, unknown>) {
  const res = await c.post('/api/tokens', body);
  if (res.status !== 201) throw new Error(`create token: ${res.status} ${res.text}`);
  secrets.push(res.body.secret);
  return res.body as { token: { id: number; [k: string]: unknown }; secret: string };
}

/** A confirmed manual user who may have tokens. */
const plainUser = (username: string) => createUser(t.deps, userBody(username), actor, true);

const tokenRows = async (where: { userId?: number; serviceId?: number }) =>
  await t.store.db
    .select()
    .from(externalTokens)
    .where(
      and(
        ...(where.userId !== undefined ? [eq(externalTokens.userId, where.userId)] : []),
        ...(where.serviceId !== undefined ? [eq(externalTokens.serviceId, where.serviceId)] : []),
      ),
    );
const countTokens = async () => (await t.store.db.select().from(externalTokens)).length;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, manager, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager'), signIn(t, 'student')]);
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  for (const u of [
    'admin',
    'manager',
    'teacher',
    'student',
    'student2',
    'suspended',
    'unconfirmed',
    'guest',
    'nologin',
    'expired',
  ]) {
    ids[u] = await t.userId(u);
  }
  openId = await mkService('Open service', 'open_svc');
  restrictedId = await mkService('Restricted service', 'restricted_svc', { restrictedUsers: true });
  groupsId = await mkService('Groups service', 'groups_svc', {}, ['core_group_create_groups']);
});
afterAll(() => t?.close());

describe('creating a token', () => {
  it('returns the secret once, with a generated name and a default validity of 30 days; audited', async () => {
    const before = now();
    const res = await admin.post('/api/tokens', { userId: ids.student, serviceId: openId });
    const after = now();
    expect(res.status).toBe(201);
    secrets.push(res.body.secret);
    expect(res.body.secret).toMatch(SECRET);
    const tk = res.body.token;
    expect(tk).not.toHaveProperty('secret');
    expect(tk).not.toHaveProperty('tokenHash');
    expect(tk.stub).toBe(`${res.body.secret.slice(0, 7)}…${res.body.secret.slice(-4)}`);
    expect(tk.name).toBe(`open_svc for student (${new Date(before * 1000).toISOString().slice(0, 10)})`);
    expect(tk.validUntil).toBeGreaterThanOrEqual(before + 30 * DAY - 5);
    expect(tk.validUntil).toBeLessThanOrEqual(after + 30 * DAY + 5);
    expect(tk).toMatchObject({
      user: { id: ids.student, username: 'student', fullname: 'Sam Student' },
      service: { id: openId, shortname: 'open_svc', name: 'Open service' },
      ipRestriction: null,
      creator: { id: ids.admin, username: 'admin' },
      origin: 'admin',
      lastAccess: null,
      statuses: ['valid'],
      missingCapabilities: [],
    });
    // Stored as its keyed hash only.
    const row = (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, tk.id)).limit(1)).at(0)!;
    expect(row.tokenHash).toBe(hashToken(t.deps.tokenSecret, res.body.secret));
    const audit = await t.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'token.create'), eq(auditLog.targetId, String(tk.id))));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).not.toContain(res.body.secret);
  });

  it('takes a name (trimmed), no expiry (null) and an IP restriction (normalised)', async () => {
    const { token } = await mkToken(admin, {
      userId: ids.teacher,
      serviceId: openId,
      name: '  Integration key  ',
      validUntil: null,
      ipRestriction: '10.0.0.0/8,2001:db8::/32',
    });
    expect(token).toMatchObject({
      name: 'Integration key',
      validUntil: null,
      ipRestriction: '10.0.0.0/8, 2001:db8::/32',
    });
    expect(token.statuses).toEqual(['valid', 'iprestricted']);
  });

  it.each([
    ['in the past', () => now() - 60],
    ['now', () => now()],
  ])('refuses a valid-until %s (400 on validUntil), nothing created', async (_label, when) => {
    const before = await countTokens();
    const res = await admin.post('/api/tokens', { userId: ids.student, serviceId: openId, validUntil: when() });
    expect(res.status).toBe(400);
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual(['validUntil']);
    expect(await countTokens()).toBe(before);
  });

  it.each([
    ['an invalid IP restriction', { ipRestriction: '10.0.0.1, nope' }, 'ipRestriction'],
    ['a CIDR range out of bounds', { ipRestriction: '10.0.0.0/40' }, 'ipRestriction'],
    ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['an unknown field', { secret: 'gwtmine' }, 'secret'],
    ['a missing user', { userId: undefined }, 'userId'],
  ])('refuses %s (400 on that field)', async (_label, extra, field) => {
    const before = await countTokens();
    const res = await admin.post('/api/tokens', { userId: ids.student, serviceId: openId, ...extra });
    expect(res.status).toBe(400);
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual([field]);
    if (field === 'ipRestriction') expect(errorOf(res).fields?.ipRestriction).toMatch(/nope|10\.0\.0\.0\/40/);
    expect(await countTokens()).toBe(before);
  });

  describe('users and services that cannot have a token', () => {
    let deletedId: number;
    beforeAll(async () => {
      const u = await plainUser('tokengone');
      deletedId = u.id;
      expect((await admin.delete(`/api/users/${u.id}`)).status).toBe(200);
    });

    it.each([
      ['a deleted user', () => deletedId, 'is deleted'],
      ['a suspended user', () => ids.suspended!, 'suspended is suspended'],
      ['an unconfirmed user', () => ids.unconfirmed!, 'unconfirmed is not confirmed'],
      ['the guest user', () => ids.guest!, 'guest'],
    ])('refuses %s (400 invaliduser), nothing created', async (_label, userId, says) => {
      const before = await countTokens();
      const res = await admin.post('/api/tokens', { userId: userId(), serviceId: openId });
      expect(res.status).toBe(400);
      const err = errorOf(res);
      expect(err.code).toBe('invaliduser');
      expect(err.message).toContain(says);
      expect(Object.keys(err.fields ?? {})).toEqual(['userId']);
      expect(await countTokens()).toBe(before);
    });

    it('refuses a user or a service that does not exist (400 on that field)', async () => {
      const before = await countTokens();
      const noUser = await admin.post('/api/tokens', { userId: 99999, serviceId: openId });
      expect(noUser.status).toBe(400);
      expect(Object.keys(errorOf(noUser).fields ?? {})).toEqual(['userId']);
      const noService = await admin.post('/api/tokens', { userId: ids.student, serviceId: 99999 });
      expect(noService.status).toBe(400);
      expect(Object.keys(errorOf(noService).fields ?? {})).toEqual(['serviceId']);
      expect(await countTokens()).toBe(before);
    });

    it('refuses a restricted service for a user who is not authorised, saying where to authorise them', async () => {
      const before = await countTokens();
      const res = await admin.post('/api/tokens', { userId: ids.student2, serviceId: restrictedId });
      expect(res.status).toBe(400);
      const err = errorOf(res);
      expect(err.code).toBe('usernotauthorised');
      expect(err.message).toContain('Authorised users');
      expect(err.message).toContain('Restricted service');
      expect(await countTokens()).toBe(before);
      await addAuthorisedUsers(t.deps, restrictedId, [ids.student2!], actor);
      const ok = await mkToken(admin, { userId: ids.student2, serviceId: restrictedId });
      expect(ok.token.statuses).toEqual(['valid']);
    });
  });

  it('a manager (managealltokens) creates tokens for ordinary users but not for a site administrator (403)', async () => {
    const { token } = await mkToken(manager, { userId: ids.teacher, serviceId: openId, name: 'By the manager' });
    expect(token.creator).toEqual({ id: ids.manager, username: 'manager' });
    const before = await countTokens();
    const res = await manager.post('/api/tokens', { userId: ids.admin, serviceId: openId });
    expect(res.status).toBe(403);
    expect(Object.keys(errorOf(res).fields ?? {})).toEqual(['userId']);
    expect(await countTokens()).toBe(before);
    // An administrator may make one for an administrator: the only way an admin gets a token.
    const own = await mkToken(admin, { userId: ids.admin, serviceId: openId, name: 'Admin key' });
    expect(own.token.user).toMatchObject({ username: 'admin' });
  });

  it('a web-service-auth account (the usual integration user) gets a valid token', async () => {
    const { token } = await mkToken(admin, { userId: await t.userId('wsclient'), serviceId: openId });
    expect(token).toMatchObject({ user: { username: 'wsclient' }, statuses: ['valid'] });
  });

  it('the secret is never returned again: not by GET /api/tokens/:id, not in the list', async () => {
    const { token, secret } = await mkToken(admin, { userId: ids.teacher, serviceId: openId, name: 'Shown once' });
    const one = await admin.get(`/api/tokens/${token.id}`);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body)).not.toContain('secret');
    expect(one.body.stub).toBe(`${secret.slice(0, 7)}…${secret.slice(-4)}`);
    expect(one.text).not.toContain(secret);
    expect(one.text).not.toContain(secret.slice(7, -4));
    const list = await admin.get('/api/tokens?perPage=200');
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(secret.slice(7, -4));
    expect(list.body.items.find((x: { id: number }) => x.id === token.id)).not.toHaveProperty('secret');
  });
});

describe('no secret at rest', () => {
  // Reads SQLite's file (and its WAL) byte for byte.
  it.skipIf(onPostgres)('the database files hold no token secret (only hashes and stubs)', async () => {
    for (let i = 0; i < 3; i++) await mkToken(admin, { userId: ids.teacher, serviceId: openId, name: `At rest ${i}` });
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    sqliteOf(t.store).pragma('wal_checkpoint(TRUNCATE)');
    const files = [t.dbFile, `${t.dbFile}-wal`, `${t.dbFile}-journal`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    // The search works: names and stubs are there in the clear.
    expect(bytes.includes(Buffer.from('At rest 2'))).toBe(true);
    const lastStub = `${secrets.at(-1)!.slice(0, 7)}…${secrets.at(-1)!.slice(-4)}`;
    expect(bytes.includes(Buffer.from(lastStub))).toBe(true);
    expect(bytes.includes(Buffer.from(hashToken(t.deps.tokenSecret, secrets.at(-1)!)))).toBe(true);
    for (const s of secrets) {
      expect(bytes.includes(Buffer.from(s)), `secret ${s.slice(0, 7)}… found in the database`).toBe(false);
      // Not even the part the stub leaves out.
      expect(bytes.includes(Buffer.from(s.slice(7, -4)))).toBe(false);
    }
  });
});

describe('the token list', () => {
  const T0 = now();
  let list: Record<string, number>;
  beforeAll(async () => {
    const mk = async (name: string, userId: number, serviceId: number, validUntil: number | null) =>
      (await mkToken(admin, { name, userId, serviceId, validUntil })).token.id;
    list = {
      alpha: await mk('LST alpha', ids.teacher!, openId, T0 + 10 * DAY),
      bravo: await mk('LST bravo', ids.student2!, groupsId, T0 + 2 * DAY),
      charlie: await mk('LST charlie', ids.student!, openId, null),
      delta: await mk('LST delta', ids.manager!, groupsId, T0 + 5 * DAY),
    };
    // Distinct creation and last-access times (tokens made in the same second tie).
    const set = async (id: number, v: Partial<typeof externalTokens.$inferInsert>) =>
      await t.store.db.update(externalTokens).set(v).where(eq(externalTokens.id, id));
    await set(list.alpha!, { timecreated: T0 - 400, lastAccess: T0 - 30 });
    await set(list.bravo!, { timecreated: T0 - 300, lastAccess: null });
    await set(list.charlie!, { timecreated: T0 - 200, lastAccess: T0 - 10 });
    await set(list.delta!, { timecreated: T0 - 100, lastAccess: T0 - 20 });
  });
  const names = (res: { body: { items: { name: string }[] } }) => res.body.items.map((x) => x.name.replace('LST ', ''));
  const q = async (query: string) => {
    const res = await admin.get(`/api/tokens?name=LST&${query}`);
    expect(res.status).toBe(200);
    return res;
  };

  it('filters by name (case-insensitive, literal)', async () => {
    const res = await admin.get('/api/tokens?name=lst%20b');
    expect(names(res)).toEqual(['bravo']);
    expect(res.body.total).toBe(1);
    expect((await admin.get('/api/tokens?name=LST%25')).body.total).toBe(0);
  });

  it('filters by user (username, first or last name)', async () => {
    expect(names(await q('user=Learner'))).toEqual(['bravo']);
    expect(names(await q('user=maria&sort=name&dir=asc'))).toEqual(['delta']);
    expect(names(await q('user=student&sort=name&dir=asc'))).toEqual(['bravo', 'charlie']);
    expect((await q('user=student')).body.total).toBe(2);
  });

  it('filters by service', async () => {
    const res = await q(`serviceId=${groupsId}&sort=name&dir=asc`);
    expect(names(res)).toEqual(['bravo', 'delta']);
    expect(res.body.total).toBe(2);
  });

  it('filters by valid until: before a date (no-expiry tokens left out), after a date (no-expiry ones kept)', async () => {
    expect(names(await q(`validUntilBefore=${T0 + 6 * DAY}&sort=name&dir=asc`))).toEqual(['bravo', 'delta']);
    expect(names(await q(`validUntilAfter=${T0 + 6 * DAY}&sort=name&dir=asc`))).toEqual(['alpha', 'charlie']);
    expect(names(await q(`validUntilAfter=${T0 + 3 * DAY}&validUntilBefore=${T0 + 6 * DAY}`))).toEqual(['delta']);
  });

  it.each([
    ['name', 'asc', ['alpha', 'bravo', 'charlie', 'delta']],
    ['name', 'desc', ['delta', 'charlie', 'bravo', 'alpha']],
    // By last name: Learner (student2), Manager, Student, Teacher.
    ['user', 'asc', ['bravo', 'delta', 'charlie', 'alpha']],
    ['user', 'desc', ['alpha', 'charlie', 'delta', 'bravo']],
    ['service', 'asc', ['bravo', 'delta', 'alpha', 'charlie']],
    ['validuntil', 'asc', ['charlie', 'bravo', 'delta', 'alpha']],
    ['validuntil', 'desc', ['alpha', 'delta', 'bravo', 'charlie']],
    ['lastaccess', 'desc', ['charlie', 'delta', 'alpha', 'bravo']],
    ['timecreated', 'asc', ['alpha', 'bravo', 'charlie', 'delta']],
    ['timecreated', 'desc', ['delta', 'charlie', 'bravo', 'alpha']],
  ])('sorts by %s %s', async (sort, dir, expected) => {
    expect(names(await q(`sort=${sort}&dir=${dir}`))).toEqual(expected);
  });

  it('newest first by default; refuses an unknown sort', async () => {
    expect(names(await q(''))).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
    expect((await admin.get('/api/tokens?sort=secret')).status).toBe(400);
  });

  it('pages with the total', async () => {
    const p1 = await q('sort=name&dir=asc&perPage=3&page=1');
    expect(names(p1)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(p1.body).toMatchObject({ total: 4, page: 1, perPage: 3 });
    const p2 = await q('sort=name&dir=asc&perPage=3&page=2');
    expect(names(p2)).toEqual(['delta']);
    expect(p2.body).toMatchObject({ total: 4, page: 2 });
    const p3 = await q('sort=name&dir=asc&perPage=3&page=3');
    expect(p3.body.items).toEqual([]);
    expect(p3.body.total).toBe(4);
    expect((await admin.get('/api/tokens?perPage=500')).status).toBe(400);
  });
});

describe('token statuses', () => {
  const statusOf = async (id: number) => {
    const res = await admin.get(`/api/tokens/${id}`);
    expect(res.status).toBe(200);
    return res.body as { statuses: string[]; missingCapabilities: string[] };
  };

  it('valid', async () => {
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: openId });
    expect((await statusOf(token.id)).statuses).toEqual(['valid']);
  });

  it('expired', async () => {
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: openId });
    await t.store.db
      .update(externalTokens)
      .set({ validUntil: now() - 60 })
      .where(eq(externalTokens.id, token.id));
    expect((await statusOf(token.id)).statuses).toEqual(['expired']);
  });

  it('iprestricted (still valid)', async () => {
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: openId, ipRestriction: '192.0.2.1' });
    expect((await statusOf(token.id)).statuses).toEqual(['valid', 'iprestricted']);
  });

  it('usernotauthorised: the authorisation expired', async () => {
    const sid = await mkService('Status auth expiry', 'status_auth_expiry', { restrictedUsers: true });
    await addAuthorisedUsers(t.deps, sid, [ids.teacher!], actor);
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: sid });
    expect((await statusOf(token.id)).statuses).toEqual(['valid']);
    await updateAuthorisedUser(t.deps, sid, ids.teacher!, { validUntil: now() - 60 }, actor);
    expect((await statusOf(token.id)).statuses).toEqual(['usernotauthorised']);
  });

  it('usernotauthorised: the service became restricted and the user is not on it', async () => {
    const sid = await mkService('Status became restricted', 'status_became_restricted');
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: sid });
    expect((await admin.patch(`/api/services/${sid}`, { restrictedUsers: true })).status).toBe(200);
    expect((await statusOf(token.id)).statuses).toEqual(['usernotauthorised']);
  });

  it('missingcapabilities, with the list', async () => {
    const { token } = await mkToken(admin, { userId: ids.student, serviceId: groupsId });
    const s = await statusOf(token.id);
    expect(s.statuses).toEqual(['missingcapabilities']);
    expect(s.missingCapabilities).toEqual(['moodle/course:managegroups']);
    const teachers = await mkToken(admin, { userId: ids.teacher, serviceId: groupsId });
    expect((await statusOf(teachers.token.id)).statuses).toEqual(['valid']);
  });

  it('userunavailable: suspended, and nologin', async () => {
    const { token } = await mkToken(admin, { userId: ids.expired, serviceId: openId });
    expect((await admin.patch(`/api/users/${ids.expired}`, { suspended: true })).status).toBe(200);
    expect((await statusOf(token.id)).statuses).toEqual(['userunavailable']);
    const nologin = await mkToken(admin, { userId: ids.nologin, serviceId: openId });
    expect((await statusOf(nologin.token.id)).statuses).toEqual(['userunavailable']);
  });

  it('servicedisabled', async () => {
    const sid = await mkService('Status disabled', 'status_disabled');
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: sid });
    expect((await admin.patch(`/api/services/${sid}`, { enabled: false })).status).toBe(200);
    expect((await statusOf(token.id)).statuses).toEqual(['servicedisabled']);
  });

  it('several at once', async () => {
    const sid = await mkService('Status many', 'status_many', {}, ['core_group_create_groups']);
    const { token } = await mkToken(admin, { userId: ids.student, serviceId: sid, ipRestriction: '10.0.0.1' });
    await t.store.db.update(externalServices).set({ enabled: false }).where(eq(externalServices.id, sid));
    await t.store.db
      .update(externalTokens)
      .set({ validUntil: now() - 1 })
      .where(eq(externalTokens.id, token.id));
    const s = await statusOf(token.id);
    expect([...s.statuses].sort()).toEqual(['expired', 'iprestricted', 'missingcapabilities', 'servicedisabled']);
    expect(s.statuses).not.toContain('valid');
  });

  // The list joins only the owner's and creator's columns it needs (tokenPage's listQuery), the
  // token's page their whole rows: the two must agree on every token the tests above made.
  it('the list shows each token as its own page does: owner, creator and every status', async () => {
    // One owner for each way a user becomes unavailable, set after the token was made.
    const flags: Partial<typeof users.$inferInsert>[] = [
      { suspended: true },
      { confirmed: false },
      { passwordExpired: true },
      { auth: 'nologin' },
    ];
    for (const [i, flag] of flags.entries()) {
      const u = await plainUser(`listflag${i}`);
      const { token } = await mkToken(admin, { userId: u.id, serviceId: openId });
      await t.store.db.update(users).set(flag).where(eq(users.id, u.id));
      expect((await statusOf(token.id)).statuses).toContain('userunavailable');
    }
    const list = await admin.get('/api/tokens?perPage=200');
    expect(list.status).toBe(200);
    const items = list.body.items as { id: number; statuses: string[]; creator: unknown }[];
    // Every status there is, so that each one is compared between the two.
    expect(new Set(items.flatMap((i) => i.statuses))).toEqual(new Set(TOKEN_STATUSES));
    expect(items.some((i) => i.creator !== null)).toBe(true);
    for (const item of items) expect(item).toEqual((await admin.get(`/api/tokens/${item.id}`)).body);
  });
});

describe('deleting tokens', () => {
  it('deletes a token (audited), then 404', async () => {
    const { token } = await mkToken(admin, { userId: ids.teacher, serviceId: openId, name: 'To delete' });
    const res = await admin.delete(`/api/tokens/${token.id}`);
    expect(res.status).toBe(200);
    expect((await admin.get(`/api/tokens/${token.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/tokens/${token.id}`)).status).toBe(404);
    expect(
      (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, token.id)).limit(1)).at(0),
    ).toBeUndefined();
    const audit = await t.store.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'token.delete'), eq(auditLog.targetId, String(token.id))));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorUsername).toBe('admin');
  });

  it('a manager may delete tokens too', async () => {
    const { token } = await mkToken(admin, { userId: ids.student, serviceId: openId });
    expect((await manager.delete(`/api/tokens/${token.id}`)).status).toBe(200);
    expect((await admin.get(`/api/tokens/${token.id}`)).status).toBe(404);
  });

  it('hidden tokens are never listed, cannot be fetched, and cannot be deleted (403 protected)', async () => {
    const userRow = (await t.store.db.select().from(users).where(eq(users.id, ids.teacher!)).limit(1)).at(0)!;
    const serviceRow = (
      await t.store.db.select().from(externalServices).where(eq(externalServices.id, openId)).limit(1)
    ).at(0)!;
    const hidden = await withWrite(t.deps, (tx, w) =>
      issueToken(t.deps, tx, w, {
        user: userRow,
        service: serviceRow,
        name: 'Hub internal token',
        ipRestriction: null,
        validUntil: null,
        creatorId: null,
        origin: 'hub',
        hidden: true,
      }),
    );
    secrets.push(hidden.secret);
    const all = await admin.get('/api/tokens?perPage=200');
    expect(all.body.items.map((x: { id: number }) => x.id)).not.toContain(hidden.id);
    expect(all.text).not.toContain('Hub internal token');
    expect((await admin.get('/api/tokens?name=Hub%20internal')).body.total).toBe(0);
    expect((await admin.get(`/api/tokens/${hidden.id}`)).status).toBe(404);
    // Deleting one is refused as protected (the hub's own), not as missing.
    const del = await admin.delete(`/api/tokens/${hidden.id}`);
    expect([del.status, del.body.error?.code]).toEqual([403, 'protected']);
    expect(
      (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, hidden.id)).limit(1)).at(0),
    ).toBeDefined();
    expect((await admin.get(`/api/services/${openId}`)).body.tokenCount).toBe(
      (
        await t.store.db
          .select()
          .from(externalTokens)
          .where(and(eq(externalTokens.serviceId, openId), eq(externalTokens.hidden, false)))
      ).length,
    );
  });

  it("deleting a user removes that user's tokens", async () => {
    const u = await plainUser('leaver');
    const a = await mkToken(admin, { userId: u.id, serviceId: openId });
    const b = await mkToken(admin, { userId: u.id, serviceId: groupsId });
    expect(await tokenRows({ userId: u.id })).toHaveLength(2);
    expect((await admin.delete(`/api/users/${u.id}`)).status).toBe(200);
    expect(await tokenRows({ userId: u.id })).toEqual([]);
    expect((await admin.get(`/api/tokens/${a.token.id}`)).status).toBe(404);
    expect((await admin.get(`/api/tokens/${b.token.id}`)).status).toBe(404);
  });

  it("deleting a service removes its tokens, and no one else's", async () => {
    const sid = await mkService('Short-lived', 'short_lived');
    const a = await mkToken(admin, { userId: ids.teacher, serviceId: sid });
    await mkToken(admin, { userId: ids.student, serviceId: sid });
    const elsewhere = (await tokenRows({ serviceId: openId })).length;
    const res = await admin.delete(`/api/services/${sid}`);
    expect(res.body).toEqual({ tokensDeleted: 2 });
    expect(await tokenRows({ serviceId: sid })).toEqual([]);
    expect(await tokenRows({ serviceId: openId })).toHaveLength(elsewhere);
    expect((await admin.get(`/api/tokens/${a.token.id}`)).status).toBe(404);
  });

  it('removing an authorised user removes their tokens for that service, not their others', async () => {
    const sid = await mkService('Authorised only', 'authorised_only', { restrictedUsers: true });
    await addAuthorisedUsers(t.deps, sid, [ids.teacher!, ids.student!], actor);
    const gone = await mkToken(admin, { userId: ids.teacher, serviceId: sid });
    const kept = await mkToken(admin, { userId: ids.teacher, serviceId: openId });
    const other = await mkToken(admin, { userId: ids.student, serviceId: sid });
    expect((await admin.delete(`/api/services/${sid}/users/${ids.teacher}`)).body).toEqual({ tokensDeleted: 1 });
    expect((await admin.get(`/api/tokens/${gone.token.id}`)).status).toBe(404);
    expect((await admin.get(`/api/tokens/${kept.token.id}`)).status).toBe(200);
    expect((await admin.get(`/api/tokens/${other.token.id}`)).status).toBe(200);
  });
});

describe('who may manage tokens', () => {
  it('a manager lists tokens', async () => {
    const res = await manager.get('/api/tokens');
    expect(res.status).toBe(200);
    expect(res.body.total).toBeGreaterThan(0);
  });

  it('a student gets 403 on every /api/tokens route', async () => {
    const some = (await tokenRows({ serviceId: openId }))[0]!;
    const before = await countTokens();
    for (const [method, path, json] of [
      ['GET', '/api/tokens'],
      ['GET', '/api/tokens/services'],
      ['POST', '/api/tokens', { userId: ids.student, serviceId: openId }],
      ['GET', `/api/tokens/${some.id}`],
      ['DELETE', `/api/tokens/${some.id}`],
    ] as [string, string, unknown?][]) {
      const res = await student.request(method, path, json === undefined ? {} : { json });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await countTokens()).toBe(before);
  });

  it('anonymous: 401', async () => {
    expect((await t.client().get('/api/tokens')).status).toBe(401);
  });
});
