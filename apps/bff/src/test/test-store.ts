import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { migratePg, openPgStore, openStore, type Store } from '../db/client';

// The store a test runs on: SQLite in a temporary folder, or, when GATEHOUSE_TEST_DATABASE_URL
// names a PostgreSQL server (npm test's second run, scripts/pg-cluster.mjs), a database of its
// own on that server, made from a migrated template (CREATE DATABASE … TEMPLATE). Making one and
// dropping it take ~100 ms of the server's time, so neither is waited for: the next test's database
// is made while this test runs, and a closed store's database is dropped in the background.

/**
 * SQLite: a database migrated once per process (in memory), written out for each test store
 * (migrating a new file takes ~150 ms, writing one 1 ms). No file is left behind.
 */
let sqliteTemplate: Buffer | undefined;
function sqliteTemplateImage(): Buffer {
  if (sqliteTemplate) return sqliteTemplate;
  const store = openStore(':memory:');
  sqliteTemplate = store.sqlite.serialize();
  store.sqlite.close();
  return sqliteTemplate;
}

/** The PostgreSQL server the suite runs against, if this run is the PostgreSQL one. */
const TEST_DATABASE_URL = process.env.GATEHOUSE_TEST_DATABASE_URL;
/** This run is the PostgreSQL one: `it.skipIf(onPostgres)` for a test of SQLite itself. */
export const onPostgres = Boolean(TEST_DATABASE_URL);

/** The SQLite connection of a test's store (a test of SQLite itself: skip it with `onPostgres`). */
export function sqliteOf(store: Store): Database.Database {
  if (store.dialect !== 'sqlite')
    throw new Error('This test needs the SQLite store: skip it on PostgreSQL (onPostgres)');
  return store.sqlite;
}

const TEMPLATE = 'gatehouse_test_template';
let admin: pg.Pool | undefined;
let templateReady: Promise<void> | undefined;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  return admin;
}

/** The migrated template, made once per server (workers race for it under an advisory lock). */
function ensureTemplate(): Promise<void> {
  templateReady ??= (async () => {
    const client = await adminPool().connect();
    try {
      await client.query('SELECT pg_advisory_lock(4242)');
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (!exists.rowCount) {
        await client.query(`CREATE DATABASE ${TEMPLATE}`);
        const pool = new pg.Pool({ connectionString: withDatabase(TEST_DATABASE_URL as string, TEMPLATE), max: 1 });
        try {
          await migratePg(pool);
        } finally {
          await pool.end();
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(4242)').catch(() => {});
      client.release();
    }
  })();
  return templateReady;
}

/** The server's work on test databases, one statement at a time, in the background. */
let background: Promise<unknown> = Promise.resolve();
/** A database made ahead for this process's next test store. */
let ahead: Promise<string> | undefined;

function inBackground<T>(work: () => Promise<T>): Promise<T> {
  const done = background.then(work);
  background = done.catch(() => {});
  return done;
}

function createDatabase(): Promise<string> {
  const name = `gatehouse_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const made = inBackground(() => adminPool().query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`)).then(() => name);
  made.catch(() => {}); // awaited by the next openTestStore, which sees the error
  return made;
}

/** A fresh database for a test store (made ahead), and the next one started. */
async function takeDatabase(): Promise<string> {
  await ensureTemplate();
  const mine = ahead ?? createDatabase();
  ahead = createDatabase();
  return mine;
}

function dropDatabase(name: string): void {
  void inBackground(() => adminPool().query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch((err: unknown) =>
    console.error(`Could not drop the test database ${name}:`, err),
  );
}

export interface TestStore {
  store: Store;
  /** The data folder (SQLite's file is in it; on PostgreSQL, files and secrets only). */
  dir: string;
  /** SQLite's database file ('' on PostgreSQL). */
  dbFile: string;
  /** Closes the store and removes its folder (its database is dropped in the background). */
  close(): Promise<void>;
}

/** A fresh, migrated, empty store for one test. */
export async function openTestStore(prefix = 'gatehouse-test-'): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!TEST_DATABASE_URL) {
    const dbFile = join(dir, 'gatehouse.db');
    writeFileSync(dbFile, sqliteTemplateImage(), { mode: 0o600 });
    const store = openStore(dbFile);
    return {
      store,
      dir,
      dbFile,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = await takeDatabase();
  const store = await openPgStore(withDatabase(TEST_DATABASE_URL, name), { max: 4, migrate: false });
  let closed = false;
  return {
    store,
    dir,
    dbFile: '',
    close: async () => {
      if (closed) return;
      closed = true;
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      dropDatabase(name);
    },
  };
}
