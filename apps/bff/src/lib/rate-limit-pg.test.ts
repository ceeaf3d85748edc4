import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePg, openPgStore, type PgStore } from '../db/client';
import { type LoginLimitConfig, LoginLimiter, limitersFor, RATE_LIMITS_TABLE } from './rate-limit';

// The login limits of several nodes (issue 19): on PostgreSQL every node's LoginLimiter counts in
// the rate_limits table (migrations-pg/0002_rate_limits.sql), so failures counted on one node
// hold on another. Two stores, each with its own pool, stand for two nodes. Runs only against a
// server (GATEHOUSE_TEST_DATABASE_URL, e.g. `node scripts/pg-cluster.mjs run -- npx vitest run
// apps/bff/src/lib/rate-limit-pg.test.ts`), in a database of its own, dropped afterwards.

const URL_ = process.env.GATEHOUSE_TEST_DATABASE_URL;

const SMALL: LoginLimitConfig = {
  userAddress: { points: 3, durationSec: 60 },
  user: { points: 10, durationSec: 3600 },
  network: { points: 6, durationSec: 60 },
  knownGoodSec: 86400,
};

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One attempt: 'checked' when it could check the password, else the Retry-After seconds. */
async function tryOnce(lim: LoginLimiter, user: string, ip: string, outcome: 'fail' | 'ok' | 'trusted') {
  const gate = await lim.begin(user, ip);
  if (!gate.ok) return gate.retryAfter;
  if (outcome === 'fail') await gate.attempt.failed();
  else await gate.attempt.succeeded({ trusted: outcome === 'trusted' });
  return 'checked' as const;
}

describe.skipIf(!URL_)('login limits shared by the nodes (RateLimiterPostgres)', () => {
  const dbName = `gatehouse_rl_${randomBytes(4).toString('hex')}`;
  let admin: pg.Pool;
  let nodeA: PgStore;
  let nodeB: PgStore;
  let a: LoginLimiter;
  let b: LoginLimiter;

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: URL_, max: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = withDatabase(URL_ as string, dbName);
    const migrator = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migratePg(migrator);
    } finally {
      await migrator.end();
    }
    nodeA = await openPgStore(url, { migrate: false, max: 3, applicationName: 'node-a' });
    nodeB = await openPgStore(url, { migrate: false, max: 3, applicationName: 'node-b' });
    expect(nodeA.pool).not.toBe(nodeB.pool);
    a = new LoginLimiter(SMALL, limitersFor(nodeA));
    b = new LoginLimiter(SMALL, limitersFor(nodeB));
  });

  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin?.end();
  });

  it('the migration made the table the library queries', async () => {
    const cols = await nodeA.pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = $1 ORDER BY ordinal_position`,
      [RATE_LIMITS_TABLE],
    );
    expect(cols.rows).toEqual([
      { column_name: 'key', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'points', data_type: 'integer', is_nullable: 'NO' },
      { column_name: 'expire', data_type: 'bigint', is_nullable: 'YES' },
    ]);
  });

  it('failures counted on one node lock the (user, address) out on the other', async () => {
    for (let i = 0; i < SMALL.userAddress.points; i++)
      expect(await tryOnce(a, 'alice', '198.51.1.7', 'fail')).toBe('checked');
    const retry = await tryOnce(b, 'alice', '198.51.1.7', 'ok');
    expect(typeof retry).toBe('number');
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(SMALL.userAddress.durationSec);
    // And on the first node as well; another address of the user is not held by that count.
    expect(typeof (await tryOnce(a, 'alice', '198.51.1.7', 'ok'))).toBe('number');
    expect(await tryOnce(b, 'alice', '203.0.1.9', 'fail')).toBe('checked');
    // The counters are rows of the one table, a key per limiter prefix.
    const rows = await nodeB.pool.query<{ key: string; points: number }>(
      `SELECT key, points FROM ${RATE_LIMITS_TABLE} WHERE key LIKE 'login_fail_user_addr:%' ORDER BY points DESC`,
    );
    expect(rows.rows[0]?.points).toBe(SMALL.userAddress.points);
  });

  it("a success on one node ends the run of failures for the other's next attempt", async () => {
    for (let i = 0; i < SMALL.userAddress.points - 1; i++)
      expect(await tryOnce(a, 'bob', '198.51.2.8', 'fail')).toBe('checked');
    expect(await tryOnce(b, 'bob', '198.51.2.8', 'ok')).toBe('checked');
    for (let i = 0; i < SMALL.userAddress.points; i++)
      expect(await tryOnce(a, 'bob', '198.51.2.8', 'fail')).toBe('checked');
    expect(typeof (await tryOnce(b, 'bob', '198.51.2.8', 'fail'))).toBe('number');
  });

  it('the per-user backstop adds up failures from every node and address', async () => {
    let n = 0;
    for (let i = 0; n < SMALL.user.points; i++) {
      const lim = i % 2 ? a : b;
      // A new address each time (in networks of their own): only the user's count fills.
      expect(await tryOnce(lim, 'carol', `172.16.${i}.1`, 'fail')).toBe('checked');
      n++;
    }
    expect(typeof (await tryOnce(a, 'carol', '172.16.200.1', 'ok'))).toBe('number');
    expect(typeof (await tryOnce(b, 'carol', '172.16.201.1', 'ok'))).toBe('number');
  });

  it('an address made known-good on one node is known-good on the other', async () => {
    expect(await tryOnce(a, 'dave', '198.51.3.20', 'trusted')).toBe('checked');
    // Fill dave's per-user count from elsewhere, through node B.
    for (let i = 0; i < SMALL.user.points; i++) await tryOnce(b, 'dave', `10.${i}.0.1`, 'fail');
    expect(typeof (await tryOnce(b, 'dave', '10.99.0.1', 'ok'))).toBe('number');
    // From the known-good address, node B lets dave in: only that address's own count holds there.
    expect(await tryOnce(b, 'dave', '198.51.3.20', 'ok')).toBe('checked');
  });

  it('parallel failures on both nodes never let more than the limit through', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => tryOnce(i % 2 ? a : b, 'erin', '198.51.4.30', 'fail')),
    );
    // A node waits for its own attempts in flight only: one refused while the other node's were
    // counting may give up early (Retry-After), so fewer may be checked, never more.
    const checked = results.filter((r) => r === 'checked').length;
    expect(checked).toBeLessThanOrEqual(SMALL.userAddress.points);
    expect(checked).toBeGreaterThan(0);
  });
});
