import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../db/schema';
import { hashPassword } from '../../lib/password';
import { DEMO_PASSWORD, errorOf, makeTestApp, type TestApp } from '../../test/helpers';

// The console login tells nothing about an account's state to someone who does not know its
// password, and nothing more than /login/token.php's one "invalid login" to someone who does,
// unless the state is one the user can act on: an expired password, which they may change here.

let t: TestApp;
let ipn = 0;
/** Each check from its own network, so that the failed-login limits stay out of the way. */
const fresh = () => t.client({ ip: `10.${100 + Math.floor(ipn / 250)}.${ipn++ % 250}.1` });
const sessionCount = async (username: string) =>
  (
    await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId(username)))
  ).length;

beforeAll(async () => {
  t = await makeTestApp();
  // The guest account has an unusable password: give it one, to show that even the right one
  // gets the same answer.
  await t.store.db
    .update(users)
    .set({ passwordHash: await hashPassword('Guest-pass-1') })
    .where(eq(users.username, 'guest'));
});
afterAll(() => t.close());

describe('console login answers', () => {
  it.each([['suspended'], ['nologin'], ['wsclient'], ['unconfirmed'], ['guest']])(
    '%s: the right password gets exactly the answer of a wrong one (401 invalidlogin), and no session',
    async (username) => {
      const password = username === 'guest' ? 'Guest-pass-1' : DEMO_PASSWORD;
      const right = await fresh().tryLogin(username, password);
      const wrong = await fresh().tryLogin(username, 'Wrong-pass-1');
      const nobody = await fresh().tryLogin('nobody-at-all', 'Wrong-pass-1');
      expect(right.status).toBe(401);
      expect(right.body).toEqual(wrong.body);
      expect(right.body).toEqual(nobody.body);
      expect(errorOf(right)).toEqual({ code: 'invalidlogin', message: 'Invalid login, please try again' });
      expect(right.setCookies).toHaveLength(0);
      expect(await sessionCount(username)).toBe(0);
    },
  );

  it('the right password of a refused account counts as a failure, so the limits cannot tell it either', async () => {
    const c = fresh();
    for (let i = 0; i < 4; i++) expect((await c.tryLogin('suspended', `Wrong-pass-${i}`)).status).toBe(401);
    expect((await c.tryLogin('suspended', DEMO_PASSWORD)).status).toBe(401);
    expect((await c.tryLogin('suspended', DEMO_PASSWORD)).status).toBe(429);
  });

  it('an expired password: the right one gets 403 passwordexpired with the offer to change it, a wrong one invalidlogin', async () => {
    const right = await fresh().tryLogin('expired', DEMO_PASSWORD);
    expect(right.status).toBe(403);
    expect(errorOf(right)).toEqual({
      code: 'passwordexpired',
      message: 'Your password has expired. Choose a new one to sign in.',
    });
    expect(right.setCookies).toHaveLength(0);
    const wrong = await fresh().tryLogin('expired', 'Wrong-pass-1');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('invalidlogin');
  });
});

describe('POST /api/auth/expired-password', () => {
  const change = (body: Record<string, unknown>) => fresh().post('/api/auth/expired-password', body);

  it('refuses a wrong current password, a refused account and a password that has not expired, changing nothing', async () => {
    const before = (await t.store.db.select().from(users).where(eq(users.username, 'expired')).limit(1)).at(0);
    const wrong = await change({ username: 'expired', password: 'Wrong-pass-1', newPassword: 'Brand-new-1' });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('invalidlogin');
    const suspended = await change({ username: 'suspended', password: DEMO_PASSWORD, newPassword: 'Brand-new-1' });
    expect(suspended.status).toBe(401);
    expect(suspended.body).toEqual(wrong.body);
    const notExpired = await change({ username: 'student', password: DEMO_PASSWORD, newPassword: 'Brand-new-1' });
    expect(notExpired.status).toBe(409);
    expect(errorOf(notExpired).code).toBe('passwordnotexpired');
    const weak = await change({ username: 'expired', password: DEMO_PASSWORD, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(Object.keys(errorOf(weak).fields ?? {})).toEqual(['newPassword']);
    const same = await change({ username: 'expired', password: DEMO_PASSWORD, newPassword: DEMO_PASSWORD });
    expect(same.status).toBe(400);
    expect(errorOf(same).fields).toEqual({ newPassword: 'Choose a password different from the current one' });
    const extra = await change({ username: 'expired', password: DEMO_PASSWORD, newPassword: 'Brand-new-1', x: 1 });
    expect(extra.status).toBe(400);
    expect((await t.store.db.select().from(users).where(eq(users.username, 'expired')).limit(1)).at(0)).toEqual(before);
    expect((await t.client().tryLogin('student', DEMO_PASSWORD)).status).toBe(200);
  });

  it('with the right current password sets the new one and clears the flag; the new one signs in, the old one no longer', async () => {
    const res = await change({ username: ' Expired', password: DEMO_PASSWORD, newPassword: 'Brand-new-1' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.setCookies).toHaveLength(0);
    const row = (await t.store.db.select().from(users).where(eq(users.username, 'expired')).limit(1)).at(0);
    expect(row?.passwordExpired).toBe(false);
    expect((await fresh().tryLogin('expired', DEMO_PASSWORD)).status).toBe(401);
    const c = fresh();
    expect((await c.tryLogin('expired', 'Brand-new-1')).status).toBe(200);
    expect((await c.get('/api/auth/me')).body.username).toBe('expired');
  });
});
