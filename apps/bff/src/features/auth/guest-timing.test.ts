import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// The guest account has no usable password. Refusing it must cost the server what refusing a
// wrong password costs (one Argon2id verification), on both logins: otherwise the answer's time
// tells which accounts can sign in at all. The bound is generous: a third of the median time of a
// wrong password (without the hash, the guest's refusal took a fifth of it or less).

let t: TestApp;
let ipn = 0;
const ip = () => `10.${120 + Math.floor(ipn / 250)}.${ipn++ % 250}.1`;

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1' }, SYSTEM_ACTOR);
});
afterAll(() => t.close());

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function compare(refuse: (username: string) => Promise<unknown>) {
  await refuse('student'); // warm up (the dummy hash is made on first use)
  await refuse('guest');
  const guest: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < 7; i++) {
    guest.push(await timed(() => refuse('guest')));
    wrong.push(await timed(() => refuse('student')));
  }
  return { guest: median(guest), wrong: median(wrong) };
}

describe('the guest refusal takes as long as a wrong password', () => {
  it('console login', async () => {
    const m = await compare(async (username) => {
      const res = await t.client({ ip: ip() }).tryLogin(username, 'Some-pass-1');
      expect(res.status).toBe(401);
    });
    expect(m.guest, JSON.stringify(m)).toBeGreaterThan(m.wrong / 3);
  });

  it('/login/token.php', async () => {
    const m = await compare(async (username) => {
      const res = await t.app.request(
        '/login/token.php',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username, password: 'Some-pass-1', service: 'moodle_mobile_app' }).toString(),
        },
        { incoming: { socket: { remoteAddress: ip() } } },
      );
      expect(((await res.json()) as { errorcode: string }).errorcode).toBe('invalidlogin');
    });
    expect(m.guest, JSON.stringify(m)).toBeGreaterThan(m.wrong / 3);
  });
});
