import { clientKey as addressKey, networkKey } from '@gatehouse/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LoginLimitConfig, LoginLimiter } from './rate-limit';

// The login limiter on its own (no password hashing), with rate-limiter-flexible's memory store.
// The store reads Date.now() and sets timers, so time is moved with Vitest's fake timers.

const SMALL: LoginLimitConfig = {
  userAddress: { points: 3, durationSec: 60 },
  user: { points: 10, durationSec: 3600 },
  network: { points: 6, durationSec: 60 },
  knownGoodSec: 86400,
};

/** One attempt: 'ok' when it may check the password, else the Retry-After seconds. */
async function tryOnce(lim: LoginLimiter, user: string, ip: string, outcome: 'fail' | 'ok' | 'trusted') {
  const gate = await lim.begin(user, ip);
  if (!gate.ok) return gate.retryAfter;
  if (outcome === 'fail') await gate.attempt.failed();
  else await gate.attempt.succeeded({ trusted: outcome === 'trusted' });
  return 'checked' as const;
}

describe('address grouping', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7', '192.0.2.0/24'],
    ['::ffff:192.0.2.7', '192.0.2.7', '192.0.2.0/24'],
    ['::ffff:c000:207', '192.0.2.7', '192.0.2.0/24'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1:2::/64', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64', '0:0:0:0::/64'],
  ])('%s is the client %s in the network %s', (ip, address, network) => {
    expect(addressKey(ip)).toBe(address);
    expect(networkKey(ip)).toBe(network);
  });

  it('something that is not an address is a group of its own', () => {
    expect(addressKey('')).toBe('?');
    expect(networkKey('not-an-ip')).toBe('?not-an-ip');
    expect(networkKey('1.2.3.4.5')).not.toBe(networkKey('1.2.3.9'));
  });
});

describe('LoginLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts failures per (username, address) and tells how long to wait; right passwords do not count', async () => {
    const lim = new LoginLimiter(SMALL);
    for (let i = 0; i < 10; i++) expect(await tryOnce(lim, 'ann', '192.0.2.1', 'ok')).toBe('checked');
    for (let i = 0; i < 3; i++) expect(await tryOnce(lim, 'ann', '192.0.2.1', 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'ann', '192.0.2.1', 'ok')).toBe(60);
    expect(await tryOnce(lim, 'ANN ', '192.0.2.1', 'ok')).toBe(60); // usernames in any case
    // Another address, another user: not held up.
    expect(await tryOnce(lim, 'ann', '192.0.2.2', 'ok')).toBe('checked');
    expect(await tryOnce(lim, 'bob', '192.0.2.1', 'ok')).toBe('checked');
    // Refused attempts do not renew the lockout: it ends when its window does.
    vi.advanceTimersByTime(40_000);
    expect(await tryOnce(lim, 'ann', '192.0.2.1', 'ok')).toBe(20);
    vi.advanceTimersByTime(20_001);
    expect(await tryOnce(lim, 'ann', '192.0.2.1', 'ok')).toBe('checked');
  });

  it('a success ends the run of failures from that address', async () => {
    const lim = new LoginLimiter(SMALL);
    // 2 + 2 failures: more than 3 in a row only without the success between (6 is the network's limit).
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect(await tryOnce(lim, 'ann', '192.0.2.1', 'fail')).toBe('checked');
      expect(await tryOnce(lim, 'ann', '192.0.2.1', 'ok')).toBe('checked');
    }
  });

  it('the per-username backstop stops guesses from many networks, but not a known-good address', async () => {
    const lim = new LoginLimiter(SMALL);
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'trusted')).toBe('checked');
    for (let i = 0; i < 10; i++) expect(await tryOnce(lim, 'ann', `10.${i}.0.1`, 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'ann', '10.200.0.1', 'ok')).toBe(3600);
    // The known-good address is held by its own count only.
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'ok')).toBe('checked');
    for (let i = 0; i < 3; i++) expect(await tryOnce(lim, 'ann', '198.51.100.1', 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'ok')).toBe(60);
    // A neighbour of the known-good address is not known-good.
    expect(await tryOnce(lim, 'ann', '198.51.100.2', 'ok')).toBe(3600);
  });

  it('known-good addresses are forgotten after knownGoodSec', async () => {
    const lim = new LoginLimiter(SMALL);
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'trusted')).toBe('checked');
    vi.advanceTimersByTime(86_400_000 - 3_600_000);
    for (let i = 0; i < 10; i++) expect(await tryOnce(lim, 'ann', `10.${i}.0.1`, 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'ok')).toBe('checked'); // still known (and renewed)
    vi.advanceTimersByTime(86_400_000);
    // The backstop window (1 h) has passed too by now: fill it again.
    for (let i = 0; i < 10; i++) expect(await tryOnce(lim, 'ann', `10.${i}.0.1`, 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'ann', '198.51.100.1', 'ok')).toBe(3600);
  });

  it('per network: an IPv4 /24 and an IPv6 /64 count as one, whatever the usernames', async () => {
    const lim = new LoginLimiter(SMALL);
    for (let i = 0; i < 6; i++) expect(await tryOnce(lim, `u${i}`, `192.0.2.${i + 1}`, 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'other', '192.0.2.200', 'ok')).toBe(60);
    expect(await tryOnce(lim, 'other', '::ffff:192.0.2.201', 'ok')).toBe(60);
    expect(await tryOnce(lim, 'other', '192.0.3.1', 'ok')).toBe('checked');
    for (let i = 0; i < 6; i++) expect(await tryOnce(lim, `v${i}`, `2001:db8:0:1::${i + 1}`, 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'other', '2001:db8:0:1:ffff:ffff:ffff:fffe', 'ok')).toBe(60);
    expect(await tryOnce(lim, 'other', '2001:db8:0:2::1', 'ok')).toBe('checked');
  });

  it('many distinct usernames and networks do not evict an existing lockout', async () => {
    const lim = new LoginLimiter(SMALL);
    for (let i = 0; i < 3; i++) expect(await tryOnce(lim, 'admin', '203.0.113.9', 'fail')).toBe('checked');
    expect(await tryOnce(lim, 'admin', '203.0.113.9', 'ok')).toBe(60);
    // 120 000 failed usernames from 20 000 IPv6 networks (6 each, the network limit).
    for (let n = 0; n < 20_000; n++) {
      const ip = `2001:db8:${(n >> 8).toString(16)}:${(n & 255).toString(16)}::1`;
      for (let i = 0; i < 6; i++) {
        const gate = await lim.begin(`spray${n}-${i}`, ip);
        if (!gate.ok) throw new Error(`refused ${n} ${i}`);
        await gate.attempt.failed();
      }
    }
    expect(await tryOnce(lim, 'admin', '203.0.113.9', 'ok')).toBeGreaterThan(0);
  }, 60_000);

  it('parallel right passwords all get through; parallel wrong ones are bounded by what is left', async () => {
    const lim = new LoginLimiter(SMALL);
    const run = (user: string, ip: string, ok: boolean) =>
      (async () => {
        const gate = await lim.begin(user, ip);
        if (!gate.ok) return 'refused';
        await Promise.resolve(); // the password check takes a while
        await new Promise<void>((r) => queueMicrotask(r));
        if (ok) await gate.attempt.succeeded();
        else await gate.attempt.failed();
        return 'checked';
      })();
    const right = await Promise.all(Array.from({ length: 16 }, () => run('ann', '192.0.2.1', true)));
    expect(right).toEqual(Array(16).fill('checked'));
    const wrong = await Promise.all(Array.from({ length: 40 }, () => run('bob', '192.0.2.9', false)));
    expect(wrong.filter((r) => r === 'checked')).toHaveLength(3);
    // From many networks at once: the backstop (10) bounds them.
    const spread = await Promise.all(Array.from({ length: 40 }, (_, i) => run('cy', `10.${i}.0.1`, false)));
    expect(spread.filter((r) => r === 'checked')).toHaveLength(10);
  });
});
