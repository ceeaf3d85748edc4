import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalServices, externalTokens, users } from '../../db/schema';
import { withWrite } from '../../db/write';
import { type Client, errorOf, makeTestApp, restCall, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { type Actor, SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from '../roles/roles.service';
import {
  addAuthorisedUsers,
  addServiceFunctions,
  createService,
  updateAuthorisedUser,
} from '../services/services.service';
import { hashToken } from './token-secret';
import { createAdminToken, issueToken } from './tokens.service';

// Preferences > Security keys (/api/me/keys): every signed-in user, their own keys only.

const now = () => Math.floor(Date.now() / 1000);
const SECRET = /^gwt[0-9A-Za-z]{49}$/;

let t: TestApp;
let actor: Actor;
let student: Client;
let student2: Client;
let manager: Client;
let teacher: Client;
let admin: Client;
const sid: Record<string, number> = {};
let studentHeldKey: number;
let studentHiddenKey: number;
let teacherKey: number;

async function mkService(key: string, name: string, extra: Record<string, unknown> = {}) {
  const s = await createService(t.deps, serviceBody(name, key, extra) as Parameters<typeof createService>[1], actor);
  await addServiceFunctions(t.deps, s.id, ['core_webservice_get_site_info'], actor);
  sid[key] = s.id;
  return s.id;
}

const ownKeyNames = (body: { keys: { service: { name: string } }[] }) => body.keys.map((k) => k.service.name).sort();

beforeAll(async () => {
  t = await makeTestApp();
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  const studentId = await t.userId('student');
  await mkService('alpha_open', 'Alpha open');
  await mkService('bravo_restricted', 'Bravo restricted', { restrictedUsers: true });
  await mkService('charlie_restricted', 'Charlie restricted', { restrictedUsers: true });
  await mkService('delta_disabled', 'Delta disabled', { enabled: false });
  await mkService('echo_capability', 'Echo needs site config', { requiredCapability: 'moodle/site:config' });
  await mkService('foxtrot_expired', 'Foxtrot authorisation expired', { restrictedUsers: true });
  await mkService('golf_held', 'Golf already held');
  await mkService('hotel_protected', 'Hotel protected');
  await mkService('india_capability', 'India needs own files', { requiredCapability: 'moodle/user:manageownfiles' });
  await t.store.db
    .update(externalServices)
    .set({ protected: true })
    .where(eq(externalServices.id, sid.hotel_protected!));
  await addAuthorisedUsers(t.deps, sid.bravo_restricted!, [studentId], actor);
  await addAuthorisedUsers(t.deps, sid.charlie_restricted!, [await t.userId('teacher')], actor);
  await addAuthorisedUsers(t.deps, sid.foxtrot_expired!, [studentId], actor);
  await updateAuthorisedUser(t.deps, sid.foxtrot_expired!, studentId, { validUntil: now() - 3600 }, actor);
  // The student may create tokens and use REST.
  const role = await createRole(
    t.deps,
    {
      shortname: 'keymaker',
      name: 'Key maker',
      capabilities: { 'moodle/webservice:createtoken': 'allow', 'webservice/rest:use': 'allow' },
    },
    actor,
  );
  await assignRole(t.deps, role.id, studentId, actor);
  await assignRole(t.deps, role.id, await t.userId('student2'), actor);
  // A key the student already holds (made by an administrator), a hidden one, and the teacher's.
  studentHeldKey = (
    await createAdminToken(
      t.deps,
      { userId: studentId, serviceId: sid.golf_held!, name: 'Held by student' },
      actor,
      true,
    )
  ).token.id;
  const studentRow = (await t.store.db.select().from(users).where(eq(users.id, studentId)).limit(1)).at(0)!;
  const alpha = (
    await t.store.db.select().from(externalServices).where(eq(externalServices.id, sid.alpha_open!)).limit(1)
  ).at(0)!;
  studentHiddenKey = (
    await withWrite(t.deps, (tx, w) =>
      issueToken(t.deps, tx, w, {
        user: studentRow,
        service: alpha,
        name: 'Hidden hub key',
        ipRestriction: null,
        validUntil: null,
        creatorId: null,
        origin: 'hub',
        hidden: true,
      }),
    )
  ).id;
  teacherKey = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('teacher'), serviceId: sid.alpha_open!, name: 'Teacher key' },
      actor,
      true,
    )
  ).token.id;
  await t.deps.settings.apply({ tokenduration: '7200' }, SYSTEM_ACTOR);
  [student, student2, manager, teacher, admin] = await Promise.all([
    signIn(t, 'student'),
    signIn(t, 'student2'),
    signIn(t, 'manager'),
    signIn(t, 'teacher'),
    signIn(t, 'admin'),
  ]);
});
afterAll(() => t?.close());

describe('anonymous', () => {
  it('gets 401 on every route', async () => {
    const anon = t.client();
    expect((await anon.get('/api/me/keys')).status).toBe(401);
    expect(errorOf(await anon.post('/api/me/keys/ensure')).code).toBe('unauthenticated');
    expect((await anon.post(`/api/me/keys/${studentHeldKey}/reset`)).status).toBe(401);
  });
});

describe('listing own keys', () => {
  it('lists only the own, non-hidden keys, without secrets', async () => {
    const res = await student.get('/api/me/keys');
    expect(res.status).toBe(200);
    expect(res.body.keys.map((k: { id: number }) => k.id)).toEqual([studentHeldKey]);
    expect(res.body.keys[0]).toMatchObject({
      name: 'Held by student',
      user: { username: 'student' },
      service: { shortname: 'golf_held' },
    });
    expect(res.body.keys[0]).not.toHaveProperty('secret');
    expect(res.body.created).toEqual([]);
    const teachers = await teacher.get('/api/me/keys');
    expect(teachers.body.keys.map((k: { id: number }) => k.id)).toEqual([teacherKey]);
    expect(studentHiddenKey).toBeGreaterThan(0);
  });

  it('documentationEnabled follows the enablewsdocumentation setting', async () => {
    expect((await student.get('/api/me/keys')).body.documentationEnabled).toBe(false);
    await t.deps.settings.apply({ enablewsdocumentation: '1' }, SYSTEM_ACTOR);
    expect((await student.get('/api/me/keys')).body.documentationEnabled).toBe(true);
    await t.deps.settings.apply({ enablewsdocumentation: '0' }, SYSTEM_ACTOR);
    expect((await student.get('/api/me/keys')).body.documentationEnabled).toBe(false);
  });
});

describe('keys made on opening the page', () => {
  let created: { id: number; secret: string; service: string }[];

  it('none while web services are disabled (Moodle generates user tokens only when enablewebservices is on)', async () => {
    expect(t.deps.settings.flag('enablewebservices')).toBe(false);
    const res = await student2.post('/api/me/keys/ensure');
    expect(res.status).toBe(200);
    expect(res.body.created).toEqual([]);
    expect(res.body.keys).toEqual([]);
  });

  describe('with web services enabled', () => {
    beforeAll(async () => {
      await t.deps.settings.apply({ enablewebservices: '1' }, SYSTEM_ACTOR);
    });

    it('a user with createtoken gets one key per enabled, unprotected service they may use and do not hold a key for', async () => {
      const before = now();
      const res = await student.post('/api/me/keys/ensure');
      expect(res.status).toBe(200);
      created = res.body.created;
      // Not: Charlie (not authorised), Delta (disabled), Echo (capability), Foxtrot (authorisation
      // expired), Golf (already held), Hotel (protected), the mobile service (disabled).
      expect(created.map((c) => c.service)).toEqual(['Alpha open', 'Bravo restricted', 'India needs own files']);
      for (const c of created) expect(c.secret).toMatch(SECRET);
      expect(new Set(created.map((c) => c.secret)).size).toBe(3);
      expect(ownKeyNames(res.body)).toEqual([
        'Alpha open',
        'Bravo restricted',
        'Golf already held',
        'India needs own files',
      ]);
      for (const k of res.body.keys.filter((k: { id: number }) => k.id !== studentHeldKey)) {
        expect(k).toMatchObject({ origin: 'user', creator: { username: 'student' }, ipRestriction: null });
        // now + tokenduration (7200 s here).
        expect(k.validUntil).toBeGreaterThanOrEqual(before + 7200);
        expect(k.validUntil).toBeLessThanOrEqual(now() + 7200 + 5);
      }
      expect(
        await t.store.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'token.autocreate'), eq(auditLog.actorUsername, 'student'))),
      ).toHaveLength(3);
    });

    it('secrets are shown once: the list and a second opening show none, and make no new key', async () => {
      const list = await student.get('/api/me/keys');
      const again = await student.post('/api/me/keys/ensure');
      expect(again.body.created).toEqual([]);
      expect(again.body.keys).toHaveLength(4);
      for (const c of created) {
        expect(list.text).not.toContain(c.secret);
        expect(again.text).not.toContain(c.secret);
      }
    });

    it('a manager (createtoken, not an administrator) gets keys for the services open to them', async () => {
      const res = await manager.post('/api/me/keys/ensure');
      expect(res.status).toBe(200);
      expect(res.body.created.map((c: { service: string }) => c.service)).toEqual([
        'Alpha open',
        'Golf already held',
        'India needs own files',
      ]);
    });

    it('a user without createtoken gets none', async () => {
      const res = await teacher.post('/api/me/keys/ensure');
      expect(res.status).toBe(200);
      expect(res.body.created).toEqual([]);
      expect(res.body.keys.map((k: { id: number }) => k.id)).toEqual([teacherKey]);
    });

    it('a site administrator gets none, even with every service enabled and authorised', async () => {
      const adminId = await t.userId('admin');
      await t.store.db.update(externalServices).set({ enabled: true });
      await t.store.db
        .update(externalServices)
        .set({ protected: false })
        .where(eq(externalServices.id, sid.hotel_protected!));
      await addAuthorisedUsers(t.deps, sid.bravo_restricted!, [adminId], actor);
      await addAuthorisedUsers(t.deps, sid.charlie_restricted!, [adminId], actor);
      try {
        const res = await admin.post('/api/me/keys/ensure');
        expect(res.status).toBe(200);
        expect(res.body.created).toEqual([]);
        expect(res.body.keys).toEqual([]);
        expect(await t.store.db.select().from(externalTokens).where(eq(externalTokens.userId, adminId))).toEqual([]);
      } finally {
        await t.store.db
          .update(externalServices)
          .set({ enabled: false })
          .where(eq(externalServices.id, sid.delta_disabled!));
        await t.store.db
          .update(externalServices)
          .set({ protected: true })
          .where(eq(externalServices.id, sid.hotel_protected!));
        await t.store.db
          .update(externalServices)
          .set({ enabled: false })
          .where(eq(externalServices.shortname, 'moodle_mobile_app'));
      }
    });
  });

  describe('resetting a key', () => {
    let alphaKey: { id: number; secret: string };
    beforeAll(async () => {
      await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
      const c = created.find((x) => x.service === 'Alpha open')!;
      alphaKey = { id: c.id, secret: c.secret };
    });

    it('the key from the page works over REST', async () => {
      const res = await restCall(t, alphaKey.secret, 'core_webservice_get_site_info');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ username: 'student', userid: await t.userId('student') });
    });

    it('needs the CSRF header (403) and then changes nothing', async () => {
      const hashBefore = (
        await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, alphaKey.id)).limit(1)
      ).at(0)!.tokenHash;
      const res = await student.post(`/api/me/keys/${alphaKey.id}/reset`, undefined, { csrf: false });
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('csrf');
      expect(
        (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, alphaKey.id)).limit(1)).at(0)!
          .tokenHash,
      ).toBe(hashBefore);
    });

    it("someone else's key, a hidden key or a missing one: 404", async () => {
      expect((await student.post(`/api/me/keys/${teacherKey}/reset`)).status).toBe(404);
      expect((await student.post(`/api/me/keys/${studentHiddenKey}/reset`)).status).toBe(404);
      expect((await student.post('/api/me/keys/99999/reset')).status).toBe(404);
      expect((await teacher.post(`/api/me/keys/${alphaKey.id}/reset`)).status).toBe(404);
    });

    it('a key an administrator made for the user cannot be reset by the user (Moodle offers Reset only for keys the user created)', async () => {
      const before = (
        await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, studentHeldKey)).limit(1)
      ).at(0)!;
      expect(before.creatorId).toBe(await t.userId('admin'));
      const res = await student.post(`/api/me/keys/${studentHeldKey}/reset`);
      expect([403, 404]).toContain(res.status);
      expect(
        (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, studentHeldKey)).limit(1)).at(0)!
          .tokenHash,
      ).toBe(before.tokenHash);
    });

    it('resetting an expired key makes it valid again for the token duration', async () => {
      const bravo = created.find((x) => x.service === 'Bravo restricted')!;
      await t.store.db
        .update(externalTokens)
        .set({ validUntil: now() - 60 })
        .where(eq(externalTokens.id, bravo.id));
      const before = now();
      const res = await student.post(`/api/me/keys/${bravo.id}/reset`);
      expect(res.status).toBe(200);
      const row = (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, bravo.id)).limit(1)).at(
        0,
      )!;
      expect(row.validUntil).toBeGreaterThanOrEqual(before + 7200);
      expect(row.validUntil).toBeLessThanOrEqual(now() + 7200);
      expect(row.tokenHash).not.toBe(hashToken(t.deps.tokenSecret, bravo.secret));
    });

    it('gives a new secret once; the old one stops working and the new one works', async () => {
      const res = await student.post(`/api/me/keys/${alphaKey.id}/reset`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(alphaKey.id);
      expect(res.body.secret).toMatch(SECRET);
      expect(res.body.secret).not.toBe(alphaKey.secret);
      const old = await restCall(t, alphaKey.secret, 'core_webservice_get_site_info');
      expect(old.body).toMatchObject({ exception: 'moodle_exception', errorcode: 'invalidtoken' });
      const fresh = await restCall(t, res.body.secret, 'core_webservice_get_site_info');
      expect(fresh.body).toMatchObject({ username: 'student' });
      const list = await student.get('/api/me/keys');
      expect(list.text).not.toContain(res.body.secret);
      const key = list.body.keys.find((k: { id: number }) => k.id === alphaKey.id);
      expect(key.stub).toBe(`${res.body.secret.slice(0, 7)}…${res.body.secret.slice(-4)}`);
      expect(
        await t.store.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'token.reset'), eq(auditLog.targetId, String(alphaKey.id)))),
      ).toHaveLength(1);
    });
  });
});
