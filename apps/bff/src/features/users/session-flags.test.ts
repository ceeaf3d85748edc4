import { eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { callFunction } from '../../webservice/functions/test-helpers';

// Issue 14, item 13: a console session ends the moment its user may no longer sign in, for
// every flag that blocks a new login: suspension and No login (as before), and now an expired
// password and web-services-only authentication too, whichever way the flag was set.

let t: TestApp;
let admin: Client;

const sessionsOf = async (username: string) =>
  (
    await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId(username)))
  ).length;
/** Puts the demo users back after each case, so that each stands alone whatever happened. */
const reset = async () =>
  await t.store.db
    .update(users)
    .set({ auth: 'manual', passwordExpired: false, suspended: false })
    .where(inArray(users.username, ['student', 'student2', 'teacher']));

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t?.close());
afterEach(async () => {
  await reset();
  t.deps.gen.bump();
});

describe('sessions end when a login-blocking flag is set', () => {
  it.each([[{ passwordExpired: true }], [{ auth: 'webservice' }], [{ auth: 'nologin' }], [{ suspended: true }]])(
    'console PATCH %j ends the user’s sessions at once',
    async (patch) => {
      const student = await signIn(t, 'student');
      const again = await signIn(t, 'student');
      expect((await student.get('/api/auth/me')).status).toBe(200);
      expect(await sessionsOf('student')).toBe(2);
      const res = await admin.patch(`/api/users/${await t.userId('student')}`, patch);
      expect(res.status, res.text).toBe(200);
      expect(await sessionsOf('student')).toBe(0);
      for (const c of [student, again]) {
        const me = await c.get('/api/auth/me');
        expect(me.status).toBe(401);
        expect(errorOf(me).code).toBe('unauthenticated');
      }
      await t.store.db
        .update(users)
        .set({ auth: 'manual', passwordExpired: false, suspended: false })
        .where(eq(users.username, 'student'));
    },
  );

  it('a web-service call (core_user_update_users) setting auth=webservice ends the session too', async () => {
    const teacher = await signIn(t, 'teacher');
    expect((await teacher.get('/api/auth/me')).status).toBe(200);
    await callFunction(t.deps, 'core_user_update_users', 'admin', {
      users: [{ id: await t.userId('teacher'), auth: 'webservice' }],
    });
    expect((await teacher.get('/api/auth/me')).status).toBe(401);
    expect(await sessionsOf('teacher')).toBe(0);
  });

  it('a flag set outside the console (another node, the CLI) ends the session on its next request', async () => {
    const c = await signIn(t, 'student2');
    await t.store.db.update(users).set({ passwordExpired: true }).where(eq(users.username, 'student2'));
    t.deps.gen.bump();
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });

  it('other changes leave sessions alone', async () => {
    const c = await signIn(t, 'student2');
    const uid = await t.userId('student2');
    for (const patch of [
      { firstname: 'Sasha' },
      { passwordExpired: false },
      { auth: 'manual' },
      { email: 'new@example.com' },
    ]) {
      expect((await admin.patch(`/api/users/${uid}`, patch)).status).toBe(200);
    }
    expect((await c.get('/api/auth/me')).status).toBe(200);
  });

  it.each([
    [{ passwordExpired: true }, 'You cannot expire your own password'],
    [{ auth: 'webservice' }, 'You cannot set your own authentication to Web services'],
  ])('refuses %j on yourself with 409 self (it would end your own session)', async (patch, message) => {
    const me = await t.userId('admin');
    const res = await admin.patch(`/api/users/${me}`, patch);
    expect(res.status).toBe(409);
    expect(errorOf(res)).toEqual({ code: 'self', message });
    expect((await admin.get('/api/auth/me')).status).toBe(200);
    expect((await t.store.db.select().from(users).where(eq(users.id, me)).limit(1)).at(0)).toMatchObject({
      auth: 'manual',
      passwordExpired: false,
    });
  });
});
