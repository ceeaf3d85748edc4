import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADMIN_PASSWORD, DEMO_PASSWORD, errorOf, makeTestApp, type TestApp } from '../../test/helpers';

// Failed-login limits of the console login (POST /api/auth/login), rule by rule: only failures
// count; 5 per (username, address) in 15 minutes; a backstop of 50 per username in 24 hours that
// a known-good address (one the user signed in from) is not held by; 30 per network (IPv4 /24,
// IPv6 /64) in 15 minutes. Every refusal is 429 toomanyattempts with Retry-After.

const WRONG = 'Wrong-pass-1';

async function attempt(t: TestApp, username: string, password: string, ip: string) {
  return t.client({ ip }).tryLogin(username, password);
}

function expectLimited(res: Awaited<ReturnType<typeof attempt>>) {
  expect(res.status, res.text).toBe(429);
  expect(errorOf(res).code).toBe('toomanyattempts');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.setCookies).toHaveLength(0);
}

let t: TestApp | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.close();
  t = undefined;
});

describe('console login limits', () => {
  it("wrong guesses from elsewhere never lock the right password out of the user's known-good address", async () => {
    t = await makeTestApp();
    expect((await attempt(t, 'admin', ADMIN_PASSWORD, '192.0.2.10')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await attempt(t, 'admin', WRONG, '203.0.113.9')).status).toBe(401);
    // The attacker's address is locked out, even with the right password...
    expectLimited(await attempt(t, 'admin', ADMIN_PASSWORD, '203.0.113.9'));
    // ...and so are more guesses from it; the administrator's own address is not.
    expectLimited(await attempt(t, 'admin', WRONG, '203.0.113.9'));
    expect((await attempt(t, 'admin', ADMIN_PASSWORD, '192.0.2.10')).status).toBe(200);
    // Nor is a new address (the backstop is far off).
    expect((await attempt(t, 'admin', ADMIN_PASSWORD, '198.51.100.20')).status).toBe(200);
  });

  it('5 failures for a username from one address: 429 with Retry-After there until the window ends; refused attempts do not renew it', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    t = await makeTestApp();
    for (let i = 0; i < 5; i++) expect((await attempt(t, 'student', WRONG, '10.5.0.1')).status).toBe(401);
    const blocked = await attempt(t, 'student', DEMO_PASSWORD, '10.5.0.1');
    expectLimited(blocked);
    expect(blocked.headers.get('retry-after')).toBe(String(15 * 60));
    expect(errorOf(blocked).message).toBe('Too many failed logins. Try again in 15 minute(s).');
    // Usernames are case-insensitive for the limit too.
    expectLimited(await attempt(t, ' STUDENT', DEMO_PASSWORD, '10.5.0.1'));
    // Another username from there, and the username from another address, go on.
    expect((await attempt(t, 'student2', DEMO_PASSWORD, '10.5.0.1')).status).toBe(200);
    expect((await attempt(t, 'student', DEMO_PASSWORD, '10.5.7.1')).status).toBe(200);

    vi.advanceTimersByTime(10 * 60_000);
    for (let i = 0; i < 3; i++) expectLimited(await attempt(t, 'student', WRONG, '10.5.0.1'));
    const later = await attempt(t, 'student', DEMO_PASSWORD, '10.5.0.1');
    expectLimited(later);
    expect(later.headers.get('retry-after')).toBe(String(5 * 60));
    vi.advanceTimersByTime(5 * 60_000 + 1);
    expect((await attempt(t, 'student', DEMO_PASSWORD, '10.5.0.1')).status).toBe(200);
  });

  it('a right password ends the run of failures from that address', async () => {
    t = await makeTestApp();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await attempt(t, 'teacher', WRONG, '10.8.0.1')).status).toBe(401);
      expect((await attempt(t, 'teacher', DEMO_PASSWORD, '10.8.0.1')).status).toBe(200);
    }
  });

  it('the per-username backstop: 50 failures from 50 networks lock the username out of new addresses, not out of a known-good one', async () => {
    t = await makeTestApp();
    expect((await attempt(t, 'manager', DEMO_PASSWORD, '192.0.2.44')).status).toBe(200);
    for (let i = 0; i < 50; i++) {
      const r = await attempt(t, 'manager', `${WRONG}${i}`, `10.61.${i}.7`);
      expect(r.status, `guess ${i}`).toBe(401);
    }
    const fresh = await attempt(t, 'manager', DEMO_PASSWORD, '10.62.0.7');
    expectLimited(fresh);
    expect(Number(fresh.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    expectLimited(await attempt(t, 'manager', WRONG, '10.62.0.8'));
    // The known-good address: the right password passes; wrong ones there are held by its own count.
    expect((await attempt(t, 'manager', DEMO_PASSWORD, '192.0.2.44')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await attempt(t, 'manager', WRONG, '192.0.2.44')).status).toBe(401);
    expectLimited(await attempt(t, 'manager', DEMO_PASSWORD, '192.0.2.44'));
    // Other usernames are not held up by the backstop.
    expect((await attempt(t, 'teacher', DEMO_PASSWORD, '10.62.0.9')).status).toBe(200);
  });

  it('per network: 30 failures from one IPv4 /24 or one IPv6 /64, any usernames, lock out its neighbours; the next network goes on', async () => {
    t = await makeTestApp();
    for (let i = 0; i < 30; i++)
      expect((await attempt(t, `nobody${i}`, WRONG, `198.51.100.${i + 1}`)).status).toBe(401);
    expectLimited(await attempt(t, 'student', DEMO_PASSWORD, '198.51.100.200'));
    expectLimited(await attempt(t, 'student', DEMO_PASSWORD, '::ffff:198.51.100.201'));
    expect((await attempt(t, 'student', DEMO_PASSWORD, '198.51.101.1')).status).toBe(200);

    for (let i = 0; i < 30; i++) {
      const ip = `2001:db8:7:9:${((i * 4099) & 0xffff).toString(16)}::${i + 1}`;
      expect((await attempt(t, `nobody${i}`, WRONG, ip)).status).toBe(401);
    }
    expectLimited(await attempt(t, 'teacher', DEMO_PASSWORD, '2001:db8:7:9:ffff:ffff:ffff:ffff'));
    expect((await attempt(t, 'teacher', DEMO_PASSWORD, '2001:db8:7:a::1')).status).toBe(200);
  });

  it('16 concurrent right logins of one user from one address all succeed', async () => {
    t = await makeTestApp();
    const results = await Promise.all(
      Array.from({ length: 16 }, () => attempt(t as TestApp, 'teacher', DEMO_PASSWORD, '10.7.0.1')),
    );
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
    // And they left nothing counted: 5 failures still come before the lockout.
    for (let i = 0; i < 5; i++) expect((await attempt(t, 'teacher', WRONG, '10.7.0.1')).status).toBe(401);
    expectLimited(await attempt(t, 'teacher', WRONG, '10.7.0.1'));
  });

  it('concurrent wrong guesses are bounded: 40 at once from one address check 5 passwords; 70 at once from 70 networks check 50', async () => {
    t = await makeTestApp();
    const one = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(t as TestApp, 'teacher', `${WRONG}${i}`, '10.6.0.1')),
    );
    expect(one.filter((r) => r.status === 401)).toHaveLength(5);
    expect(one.filter((r) => r.status === 429)).toHaveLength(35);
    const many = await Promise.all(
      Array.from({ length: 70 }, (_, i) => attempt(t as TestApp, 'student', `${WRONG}${i}`, `10.63.${i}.1`)),
    );
    expect(many.filter((r) => r.status === 401)).toHaveLength(50);
    expect(many.filter((r) => r.status === 429)).toHaveLength(20);
  });
});
