import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, sessions } from '../../db/schema';
import {
  ADMIN_PASSWORD,
  type Client,
  DEMO_PASSWORD,
  errorOf,
  makeClock,
  makeTestApp,
  signIn,
  type TestApp,
} from '../../test/helpers';

const sessionCount = async (t: TestApp, username: string) =>
  (
    await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId(username)))
  ).length;

function cookieAttrs(setCookie: string): { name: string; value: string; attrs: Map<string, string> } {
  const [pair = '', ...rest] = setCookie.split(';').map((s) => s.trim());
  const at = pair.indexOf('=');
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf('=');
    attrs.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
  }
  return { name: pair.slice(0, at), value: pair.slice(at + 1), attrs };
}

describe('login and sessions', () => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await makeTestApp();
    admin = await signIn(t, 'admin');
  });
  afterAll(() => t.close());

  it('signs in with the right password, sets an HttpOnly SameSite=Strict session cookie, and /me answers', async () => {
    const c = t.client();
    const res = await c.tryLogin('student', DEMO_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'student', fullname: 'Sam Student', siteAdmin: false });
    expect(res.body.id).toBe(await t.userId('student'));
    expect(res.body.capabilities).toContain('moodle/webservice:createmobiletoken');
    expect(res.body.capabilities).not.toContain('moodle/site:config');

    expect(res.setCookies).toHaveLength(1);
    const ck = cookieAttrs(res.setCookies[0]!);
    expect(ck.name).toBe('gatehouse_session');
    expect(ck.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(ck.attrs.has('httponly')).toBe(true);
    expect(ck.attrs.get('samesite')).toBe('Strict');
    expect(ck.attrs.get('path')).toBe('/');
    expect(ck.attrs.get('max-age')).toBe(String(12 * 3600));
    expect(ck.attrs.has('secure')).toBe(false); // loopback HOST: development

    const me = await c.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('student');

    // Only the hash of the id is stored.
    const rows = await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId('student')));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.idHash === ck.value)).toBe(false);
    expect(rows.some((r) => r.ip === '10.1.2.3')).toBe(true);
  });

  it('accepts the username in any case and records the login', async () => {
    const c = t.client();
    const res = await c.tryLogin('  TEACHER ', DEMO_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.username).toBe('teacher');
    const row = (
      await t.store.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'auth.login'), eq(auditLog.actorUsername, 'teacher')))
        .limit(1)
    ).at(0);
    expect(row?.targetId).toBe(String(await t.userId('teacher')));
  });

  it('refuses a wrong password with 401 invalidlogin and sets no cookie', async () => {
    const c = t.client({ ip: '10.9.0.1' });
    const res = await c.tryLogin('teacher', 'Wrong-pass-1');
    expect(res.status).toBe(401);
    expect(errorOf(res)).toEqual({ code: 'invalidlogin', message: 'Invalid login, please try again' });
    expect(res.setCookies).toHaveLength(0);
    const failed = await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'auth.login_failed'));
    expect(failed.some((r) => r.actorUsername === 'teacher' && r.ip === '10.9.0.1')).toBe(true);
  });

  it('answers an unknown username exactly as a wrong password', async () => {
    const c = t.client({ ip: '10.9.0.2' });
    const unknown = await c.tryLogin('nobody-here', 'Wrong-pass-1');
    const wrong = await c.tryLogin('manager', 'Wrong-pass-1');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  // Refused accounts answer as a wrong password does (login-oracle.test.ts); an expired password
  // is the one state told, with the offer to change it.
  it.each([
    ['suspended', 401, 'invalidlogin'],
    ['nologin', 401, 'invalidlogin'],
    ['unconfirmed', 401, 'invalidlogin'],
    ['expired', 403, 'passwordexpired'],
  ])('refuses %s with the right password: %i %s, and no session', async (username, status, code) => {
    const c = t.client({ ip: '10.9.0.3' });
    const res = await c.tryLogin(username, DEMO_PASSWORD);
    expect(res.status).toBe(status);
    expect(errorOf(res).code).toBe(code);
    expect(res.setCookies).toHaveLength(0);
    expect(await sessionCount(t, username)).toBe(0);
  });

  it('refuses the guest account: no usable password, and invalidlogin even when one is set', async () => {
    const c = t.client({ ip: '10.9.0.4' });
    const before = await c.tryLogin('guest', 'Guest-pass-1');
    expect(before.status).toBe(401);
    expect(errorOf(before).code).toBe('invalidlogin');
    const set = await admin.patch(`/api/users/${await t.userId('guest')}`, { password: 'Guest-pass-1' });
    expect(set.status).toBe(200);
    const after = await c.tryLogin('guest', 'Guest-pass-1');
    expect(after.status).toBe(401);
    expect(errorOf(after).code).toBe('invalidlogin');
    expect(after.setCookies).toHaveLength(0);
  });

  it('validates the login body', async () => {
    const c = t.client();
    const empty = await c.post('/api/auth/login', { username: ' ', password: '' });
    expect(empty.status).toBe(400);
    expect(errorOf(empty)).toMatchObject({
      code: 'invalid',
      fields: { username: 'Enter your username', password: 'Enter your password' },
    });
    const extra = await c.post('/api/auth/login', { username: 'student', password: DEMO_PASSWORD, remember: true });
    expect(extra.status).toBe(400);
    expect(errorOf(extra).fields).toEqual({ remember: 'Unknown field' });
    expect(extra.setCookies).toHaveLength(0);
  });

  it('gives a new session id at every login and ends the one the browser presented', async () => {
    const c = t.client();
    await c.login('student2', DEMO_PASSWORD);
    const first = c.cookies.get('gatehouse_session')!;
    await c.login('student2', DEMO_PASSWORD);
    const second = c.cookies.get('gatehouse_session')!;
    expect(second).not.toBe(first);
    const old = await t.client().get('/api/auth/me', { headers: { cookie: `gatehouse_session=${first}` } });
    expect(old.status).toBe(401);
    const now = await t.client().get('/api/auth/me', { headers: { cookie: `gatehouse_session=${second}` } });
    expect(now.status).toBe(200);
  });

  it('/me is 401 when anonymous or with an unknown session id', async () => {
    const anon = await t.client().get('/api/auth/me');
    expect(anon.status).toBe(401);
    expect(errorOf(anon).code).toBe('unauthenticated');
    const bogus = await t.client().get('/api/auth/me', { headers: { cookie: 'gatehouse_session=not-a-session' } });
    expect(bogus.status).toBe(401);
  });

  it('logout ends the session on the server and clears the cookie', async () => {
    const c = await signIn(t, 'teacher');
    const id = c.cookies.get('gatehouse_session')!;
    const res = await c.post('/api/auth/logout');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const cleared = res.setCookies.map(cookieAttrs).find((k) => k.name === 'gatehouse_session');
    expect(cleared?.attrs.get('max-age')).toBe('0');
    expect(c.cookies.has('gatehouse_session')).toBe(false);
    // Replaying the old id does not work: the session is gone server-side.
    const replay = await t.client().get('/api/auth/me', { headers: { cookie: `gatehouse_session=${id}` } });
    expect(replay.status).toBe(401);
    const row = (
      await t.store.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'auth.logout'), eq(auditLog.actorUsername, 'teacher')))
        .limit(1)
    ).at(0);
    expect(row).toBeDefined();
  });

  it('logout without a session is harmless', async () => {
    const res = await t.client().post('/api/auth/logout');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it("an admin changing a user's password ends that user's sessions; the new password works", async () => {
    const s1 = await signIn(t, 'manager');
    const s2 = await signIn(t, 'manager');
    expect(await sessionCount(t, 'manager')).toBe(2);
    const res = await admin.patch(`/api/users/${await t.userId('manager')}`, { password: 'New-manager-1' });
    expect(res.status).toBe(200);
    expect(await sessionCount(t, 'manager')).toBe(0);
    expect((await s1.get('/api/auth/me')).status).toBe(401);
    expect((await s2.get('/api/auth/me')).status).toBe(401);
    expect((await admin.get('/api/auth/me')).status).toBe(200);
    expect((await t.client({ ip: '10.9.0.5' }).tryLogin('manager', DEMO_PASSWORD)).status).toBe(401);
    expect((await t.client().tryLogin('manager', 'New-manager-1')).status).toBe(200);
  });

  it('changing your own password keeps your session and ends your other ones', async () => {
    const other = await signIn(t, 'admin');
    const res = await admin.patch(`/api/users/${await t.userId('admin')}`, { password: 'Admin-pass-2' });
    expect(res.status).toBe(200);
    expect((await admin.get('/api/auth/me')).status).toBe(200);
    expect((await other.get('/api/auth/me')).status).toBe(401);
    // Put it back for the other tests of this file.
    expect((await admin.patch(`/api/users/${await t.userId('admin')}`, { password: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('suspending a user ends their sessions at once', async () => {
    const s = await signIn(t, 'student2');
    expect(await sessionCount(t, 'student2')).toBeGreaterThan(0);
    const res = await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: true });
    expect(res.status).toBe(200);
    expect(await sessionCount(t, 'student2')).toBe(0);
    expect((await s.get('/api/auth/me')).status).toBe(401);
    expect((await admin.patch(`/api/users/${await t.userId('student2')}`, { suspended: false })).status).toBe(200);
    expect((await t.client().tryLogin('student2', DEMO_PASSWORD)).status).toBe(200);
  });

  it('a deleted user cannot sign in', async () => {
    const res = await admin.delete(`/api/users/${await t.userId('wsclient')}`);
    expect(res.status).toBe(200);
    const login = await t.client({ ip: '10.9.0.6' }).tryLogin('wsclient', DEMO_PASSWORD);
    expect(login.status).toBe(401);
    expect(errorOf(login).code).toBe('invalidlogin');
  });
});

describe('secure cookies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ env: { GATEHOUSE_COOKIE_SECURE: 'true' } });
  });
  afterAll(() => t.close());

  it('uses the __Host- name with Secure when GATEHOUSE_COOKIE_SECURE=true, and the cookie works', async () => {
    const c = t.client();
    const res = await c.tryLogin('student', DEMO_PASSWORD);
    expect(res.status).toBe(200);
    const ck = cookieAttrs(res.setCookies[0]!);
    expect(ck.name).toBe('__Host-gatehouse');
    expect(ck.attrs.has('secure')).toBe(true);
    expect(ck.attrs.has('httponly')).toBe(true);
    expect(ck.attrs.get('samesite')).toBe('Strict');
    expect(ck.attrs.get('path')).toBe('/');
    expect(ck.attrs.has('domain')).toBe(false);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await c.get('/api/auth/me')).status).toBe(200);
    // The development cookie name means nothing here.
    const wrongName = await t.client().get('/api/auth/me', { headers: { cookie: `gatehouse_session=${ck.value}` } });
    expect(wrongName.status).toBe(401);
    const out = await c.post('/api/auth/logout');
    const cleared = cookieAttrs(out.setCookies[0]!);
    expect(cleared.name).toBe('__Host-gatehouse');
    expect(cleared.attrs.has('secure')).toBe(true);
  });
});

// Each rule of the limits has its own test in login-limits.test.ts.
describe('failed-login rate limiting', () => {
  it('a successful login resets the per-username count', async () => {
    const t = await makeTestApp();
    try {
      for (let i = 0; i < 4; i++) expect((await t.client().tryLogin('teacher', 'Wrong-pass-1')).status).toBe(401);
      expect((await t.client().tryLogin('teacher', DEMO_PASSWORD)).status).toBe(200);
      for (let i = 0; i < 4; i++) expect((await t.client().tryLogin('teacher', 'Wrong-pass-1')).status).toBe(401);
      expect((await t.client().tryLogin('teacher', DEMO_PASSWORD)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('limits failures per network (30 in 15 minutes from an IPv4 /24) whatever the usernames', async () => {
    const t = await makeTestApp();
    try {
      const attacker = t.client({ ip: '203.0.113.7' });
      for (let i = 0; i < 30; i++) expect((await attacker.tryLogin(`nobody${i}`, 'Wrong-pass-1')).status).toBe(401);
      const blocked = await attacker.tryLogin('student', DEMO_PASSWORD);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await t.client({ ip: '203.0.113.8' }).tryLogin('student', DEMO_PASSWORD)).status).toBe(429);
      expect((await t.client({ ip: '203.0.114.8' }).tryLogin('student', DEMO_PASSWORD)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('concurrent guesses cannot get past the limit: at most 5 passwords are checked for one username at one address', async () => {
    const t = await makeTestApp();
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.client({ ip: '10.6.0.1' }).tryLogin('teacher', `Wrong-pass-${i}`)),
      );
      const checked = results.filter((r) => r.status === 401).length;
      const limited = results.filter((r) => r.status === 429).length;
      expect(checked).toBeLessThanOrEqual(5);
      expect(limited).toBe(20 - checked);
    } finally {
      await t.close();
    }
  });
});

describe('session timeouts', () => {
  it('ends a session idle for longer than GATEHOUSE_SESSION_IDLE_MINUTES', async () => {
    const clock = makeClock();
    const t = await makeTestApp({ now: clock.now });
    try {
      const c = await signIn(t, 'student');
      // Activity keeps it alive: each request within the idle time moves last-seen on.
      clock.advance(119 * 60);
      expect((await c.get('/api/auth/me')).status).toBe(200);
      clock.advance(120 * 60);
      expect((await c.get('/api/auth/me')).status).toBe(200);
      clock.advance(120 * 60 + 1);
      const res = await c.get('/api/auth/me');
      expect(res.status).toBe(401);
      expect(await sessionCount(t, 'student')).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('ends a session after GATEHOUSE_SESSION_MAX_HOURS even when active', async () => {
    const clock = makeClock();
    const t = await makeTestApp({
      now: clock.now,
      env: { GATEHOUSE_SESSION_MAX_HOURS: '2', GATEHOUSE_SESSION_IDLE_MINUTES: '60' },
    });
    try {
      const c = await signIn(t, 'teacher');
      for (let i = 0; i < 4; i++) {
        clock.advance(30 * 60);
        expect((await c.get('/api/auth/me')).status).toBe(200);
      }
      clock.advance(1);
      expect((await c.get('/api/auth/me')).status).toBe(401);
      expect(await sessionCount(t, 'teacher')).toBe(0);
      // A fresh login starts a fresh absolute window.
      expect((await c.tryLogin('teacher', DEMO_PASSWORD)).status).toBe(200);
      expect((await c.get('/api/auth/me')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('uses the configured idle timeout', async () => {
    const clock = makeClock();
    const t = await makeTestApp({ now: clock.now, env: { GATEHOUSE_SESSION_IDLE_MINUTES: '5' } });
    try {
      const c = await signIn(t, 'student');
      clock.advance(5 * 60);
      expect((await c.get('/api/auth/me')).status).toBe(200);
      clock.advance(5 * 60 + 1);
      expect((await c.get('/api/auth/me')).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
