import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, getTableName, is, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITS_TABLE } from '../lib/rate-limit';
import { openStore } from './client';
import type { SchemasAgree } from './schema-agree';
import * as pgSchema from './schema-pg';
import { sequencedColumns, sequenceResetSql } from './schema-pg/sequences';
import * as sqliteSchema from './schema-sqlite';

// The PostgreSQL schema against a real server: GATEHOUSE_TEST_DATABASE_URL names one where the
// test may CREATE DATABASE (postgres://user@host:port/db); without it the test is skipped. It
// makes a fresh database, applies migrations-pg/, compares it with schema-pg/ and with a fresh
// SQLite store, and drops it.

const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
const here = dirname(fileURLToPath(import.meta.url));

const pgTables = (Object.values(pgSchema) as unknown[]).filter((t): t is PgTable => is(t, PgTable));
const sqliteTables = (Object.values(sqliteSchema) as unknown[]).filter((t): t is SQLiteTable => is(t, SQLiteTable));

/** The URL with another database name (the rest, including ?host=/socket and port, kept). */
function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

describe.skipIf(!url)('the PostgreSQL schema (GATEHOUSE_TEST_DATABASE_URL)', () => {
  const dbName = `gatehouse_schema_${randomBytes(6).toString('hex')}`;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let db: NodePgDatabase<typeof pgSchema>;

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE DATABASE "${dbName}"`);
    pool = new pg.Pool({ connectionString: withDatabase(url as string, dbName), max: 2 });
    db = drizzle(pool, { schema: pgSchema });
    await migrate(db, { migrationsFolder: join(here, 'migrations-pg') });
  });

  afterAll(async () => {
    await pool?.end();
    if (admin) {
      // pool.end() does not wait for the server to close its connections: a FORCE drop at once
      // can terminate one while its client is ending (an uncaught 57P01 when files share a
      // worker). A plain drop waits (up to 5 s) for them to go; FORCE only if one stays.
      await admin
        .query(`DROP DATABASE IF EXISTS "${dbName}"`)
        .catch(() => admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
      await admin.end();
    }
  });

  it('agrees with the SQLite schema at compile time (schema-agree.ts)', () => {
    const agree: SchemasAgree = true;
    expect(agree).toBe(true);
    expect(pgTables.map(getTableName).sort()).toEqual(sqliteTables.map(getTableName).sort());
    expect(pgTables).toHaveLength(32);
  });

  it('has every table with the columns, types and nullability schema-pg declares, and nothing else', async () => {
    const { rows } = await pool.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: 'YES' | 'NO';
    }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    );
    const actual = rows.map(
      (r) => `${r.table_name}.${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`,
    );
    const declared = pgTables
      .flatMap((t) => {
        const { name, columns } = getTableConfig(t);
        return columns.map((c) => `${name}.${c.name} ${c.getSQLType()}${c.notNull ? ' not null' : ''}`);
      })
      .sort();
    // migrations-pg/0002 adds one table schema-pg leaves out on purpose: the failed-login
    // counters, read and written only by rate-limiter-flexible (lib/rate-limit.ts), with its columns.
    const library = `${RATE_LIMITS_TABLE}.`;
    expect(actual.filter((c) => c.startsWith(library)).sort()).toEqual([
      `${RATE_LIMITS_TABLE}.expire bigint`,
      `${RATE_LIMITS_TABLE}.key character varying not null`,
      `${RATE_LIMITS_TABLE}.points integer not null`,
    ]);
    expect(declared.filter((c) => c.startsWith(library))).toEqual([]);
    expect(actual.filter((c) => !c.startsWith(library)).sort()).toEqual(declared);
  });

  it('has every index of schema-pg and the trigram search indexes', async () => {
    const { rows } = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`,
    );
    const names = new Set(rows.map((r) => r.indexname));
    for (const t of pgTables) {
      const { indexes, uniqueConstraints, columns } = getTableConfig(t);
      for (const i of indexes) expect(names, i.config.name).toContain(i.config.name);
      for (const u of uniqueConstraints) expect(names).toContain(u.getName());
      for (const c of columns) if (c.isUnique) expect(names).toContain(c.uniqueName);
    }
    for (const i of [
      'external_tokens_search_name_idx',
      'users_search_username_idx',
      'users_search_firstname_idx',
      'users_search_lastname_idx',
      'users_search_email_idx',
    ])
      expect(names).toContain(i);
  });

  it('answers ILIKE searches from the trigram indexes, and prefix searches from the lower(col) btrees', async () => {
    const client = await pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = async (q: string) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(await plan(`SELECT id FROM external_tokens WHERE name ILIKE '%abc%'`)).toContain(
        'external_tokens_search_name_idx',
      );
      const users = await plan(
        `SELECT id FROM users WHERE username ILIKE '%abc%' OR firstname ILIKE '%abc%' OR lastname ILIKE '%abc%' OR email ILIKE '%abc%'`,
      );
      for (const c of ['username', 'firstname', 'lastname', 'email']) expect(users).toContain(`users_search_${c}_idx`);
      // A 1–2 character search (db/sql.ts prefixSearch): a range of the btree on lower(col).
      const prefix = await plan(`SELECT id FROM external_tokens WHERE lower(name) LIKE lower('Ab%')`);
      expect(prefix).toContain('external_tokens_name_prefix_idx');
      expect(prefix).toContain(`~>=~ 'ab'`);
      const usersPrefix = await plan(
        `SELECT id FROM users WHERE lower(username) LIKE 'ab%' OR lower(firstname) LIKE 'ab%' OR lower(lastname) LIKE 'ab%' OR lower(email) LIKE 'ab%'`,
      );
      for (const c of ['username', 'firstname', 'lastname', 'email'])
        expect(usersPrefix).toContain(`users_${c}_prefix_idx`);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });

  it('holds the same rows after its migrations as a fresh SQLite store', async () => {
    const store = await openStore(':memory:');
    try {
      for (const t of sqliteTables) {
        const name = getTableName(t);
        const { n: expected } = store.sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
        const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`);
        expect(Number(rows[0]?.n), name).toBe(expected);
      }
    } finally {
      store.sqlite.close();
    }
  });

  it('gives every AUTOINCREMENT id of SQLite an identity sequence, listed in sequencedColumns', async () => {
    const autoincrement = sqliteTables
      .flatMap((t) => {
        const { name, columns } = getSqliteTableConfig(t);
        return columns
          .filter((c) => (c as unknown as { autoIncrement?: boolean }).autoIncrement)
          .map((c) => `${name}.${c.name}`);
      })
      .sort();
    expect(sequencedColumns.map((s) => `${s.table}.${s.column}`).sort()).toEqual(autoincrement);
    for (const s of sequencedColumns) {
      const { rows } = await pool.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
        `"${s.table}"`,
        s.column,
      ]);
      expect(rows[0]?.seq, `${s.table}.${s.column}`).toBeTruthy();
    }
  });

  it('takes explicit ids, then numbers new rows after them once the sequences are reset', async () => {
    const { roles, users } = pgSchema;
    await db.insert(roles).values({ id: 41, shortname: 'explicit', name: 'Explicit' });
    await db.execute(sequenceResetSql());
    const [next] = await db.insert(roles).values({ shortname: 'generated', name: 'Generated' }).returning();
    expect(next?.id).toBe(42);
    expect(next?.protected).toBe(false);

    // Empty tables start at 1 again; defaults (booleans, epoch seconds) come back typed.
    const before = Math.floor(Date.now() / 1000);
    const [user] = await db
      .insert(users)
      .values({ username: 'pg-user', firstname: 'P', lastname: 'G', email: 'pg@example.com', passwordHash: 'x' })
      .returning();
    expect(user?.id).toBe(1);
    expect(user?.confirmed).toBe(true);
    expect(typeof user?.timecreated).toBe('number');
    expect(user?.timecreated).toBeGreaterThanOrEqual(before - 5);
    const [found] = await db.select().from(users).where(eq(users.id, 1));
    expect(found).toEqual(user);

    // Epoch seconds and counters past 2^31 (bigint columns) round-trip as numbers.
    await db.execute(sql`UPDATE users SET lastlogin = ${2 ** 32} WHERE id = 1`);
    const [later] = await db.select({ lastlogin: users.lastlogin }).from(users).where(eq(users.id, 1));
    expect(later?.lastlogin).toBe(2 ** 32);
  });
});
