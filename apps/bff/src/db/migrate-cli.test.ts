import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundles, buildBundles, runNode } from '../test/processes';
import { onPostgres } from '../test/test-store';

// `gatehouse migrate` on PostgreSQL, as a deployment runs it before a roll-out: three at once on an
// empty database (the advisory lock makes them apply each migration once, the others wait and find
// nothing to do), then again on a current schema, then against a server that is not there.

const TEST_URL = process.env.GATEHOUSE_TEST_DATABASE_URL as string;
const JOURNAL = fileURLToPath(new URL('./migrations-pg/meta/_journal.json', import.meta.url));
const dbName = `gatehouse_migrate_${process.pid}_${randomBytes(4).toString('hex')}`;
let admin: pg.Pool;
let url: string;
let bundles: Bundles | undefined;

function dbUrl(name: string): string {
  const u = new URL(TEST_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

const migrate = (databaseUrl: string) =>
  runNode((bundles as Bundles).cli, ['migrate'], {
    env: { GATEHOUSE_DATABASE_URL: databaseUrl, GATEHOUSE_TOKEN_SECRET: 'a'.repeat(64) },
  });

describe.skipIf(!onPostgres)('gatehouse migrate on PostgreSQL', () => {
  beforeAll(async () => {
    bundles = await buildBundles();
    admin = new pg.Pool({ connectionString: TEST_URL, max: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    url = dbUrl(dbName);
  }, 60_000);
  afterAll(async () => {
    bundles?.cleanup();
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  });

  it('three runs at once on an empty database apply every migration once', async () => {
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('PostgreSQL schema is current.');
    }
    const journal = JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: unknown[] };
    const site = new pg.Client({ connectionString: url });
    await site.connect();
    try {
      const applied = await site.query(
        'SELECT hash, count(*)::int AS n FROM drizzle.__drizzle_migrations GROUP BY hash',
      );
      expect(applied.rows).toHaveLength(journal.entries.length);
      expect(applied.rows.every((r) => r.n === 1)).toBe(true);
      // The schema is there: the tables, and nothing seeded (migrate does not start a site).
      const users = await site.query('SELECT count(*)::int AS n FROM users');
      expect(users.rows[0].n).toBe(0);
    } finally {
      await site.end();
    }
  }, 60_000);

  it('a second run on a current schema changes nothing', async () => {
    const r = await migrate(url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PostgreSQL schema is current.');
    const site = new pg.Client({ connectionString: url });
    await site.connect();
    try {
      const journal = JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: unknown[] };
      const n = await site.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(n.rows[0].n).toBe(journal.entries.length);
    } finally {
      await site.end();
    }
  }, 60_000);

  it('a database that is not there fails with a clear message and no stack', async () => {
    const r = await migrate(dbUrl(`${dbName}_missing`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
