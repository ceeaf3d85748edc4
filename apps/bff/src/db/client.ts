import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { ensurePrivateDir, ensurePrivateFile, narrowSideFiles } from './data-folder';
import { useTables } from './schema';
import * as pgSchema from './schema-pg';
import * as schema from './schema-sqlite';

/**
 * The database as every repository sees it. Typed as drizzle's SQLite database; on PostgreSQL it
 * is node-postgres's, over the PostgreSQL twins of the same tables (schema-pg/, the same row types:
 * schema-agree.ts checks it). So repositories use only what both dialects share: the query
 * builders, awaited (never the SQLite-only .get()/.all()/.run()), and db/sql.ts for raw SQL.
 */
export type Db = BetterSQLite3Database<typeof schema>;

/** What both stores offer: the database, and the one way to run a write transaction. */
interface StoreBase {
  db: Db;
  /**
   * Runs `fn` in a write transaction (savepoint when nested on SQLite). Writes are serialized:
   * SQLite's single writer; on PostgreSQL a transaction-scoped advisory lock that every node's
   * writes take first, so a write sees every write committed before it, as on SQLite.
   * withWrite (db/write.ts) adds the audit rows and the invalidations on top.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

export interface SqliteStore extends StoreBase {
  dialect: 'sqlite';
  sqlite: Database.Database;
  /** BEGIN IMMEDIATE, waiting for the write lock as this store was opened to (see StoreOptions). */
  beginWrite: () => void;
}

export interface PgStore extends StoreBase {
  dialect: 'pg';
  pool: pg.Pool;
  /** This process's id in the invalidation feed's notifications (its own are not replayed). */
  origin: string;
  url: string;
}

export type Store = SqliteStore | PgStore;

/** Migrations live in src/db/migrations (and migrations-pg); found from the source tree and from the bundled dist/. */
function migrationsFolder(name = 'migrations'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, name), join(here, `../src/db/${name}`)]) {
    if (existsSync(join(candidate, 'meta/_journal.json'))) return candidate;
  }
  throw new Error('Database migrations not found');
}

export interface StoreOptions {
  /** How long a statement waits for another connection's lock: SQLite's busy timeout (default 5 s). */
  busyTimeoutMs?: number;
  /**
   * How long a transaction keeps trying to begin, polling every few milliseconds, before it
   * gives up (default 0: BEGIN waits through SQLite's busy handler, up to the busy timeout).
   * SQLite's busy handler polls ever more rarely (every 100 ms after the first second), so a
   * process that wants the write lock while another commits write after write starves: the
   * gaps between those transactions are far shorter than 100 ms. For short-lived processes
   * (the CLI), never for the server, whose event loop the pauses would block.
   */
  retryBusyForMs?: number;
  /** `PRAGMA optimize` at open (default true; the CLI leaves it to the server). */
  optimize?: boolean;
}

const isBusy = (err: unknown) => String((err as { code?: unknown })?.code ?? '').startsWith('SQLITE_BUSY');
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * BEGIN IMMEDIATE on its own (for withWrite), waiting for the write lock the same way as the
 * transactions below: through the busy timeout, or by polling every few milliseconds for up to
 * `retryForMs` (the CLI).
 */
function writeBegin(sqlite: Database.Database, busyTimeoutMs: number, retryForMs: number): () => void {
  const begin = sqlite.prepare('BEGIN IMMEDIATE');
  return () => {
    if (retryForMs <= 0) {
      begin.run();
      return;
    }
    const deadline = Date.now() + retryForMs;
    sqlite.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          begin.run();
          return;
        } catch (err) {
          if (!isBusy(err) || Date.now() >= deadline) throw err;
          pause(1 + Math.random() * 3);
        }
      }
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
  };
}

/**
 * Every top-level transaction begins IMMEDIATE (takes the write lock first): a DEFERRED one
 * that reads and then writes fails at once with SQLITE_BUSY, without waiting, when another
 * process holds the write lock at that moment, or committed since the read (BUSY_SNAPSHOT).
 * The busy timeout applies to BEGIN IMMEDIATE, so a transaction waits for the lock instead.
 */
function immediateTransactions(db: Db, sqlite: Database.Database, busyTimeoutMs: number, retryForMs: number) {
  const begin = db.transaction.bind(db);
  db.transaction = ((fn, config) => {
    const cfg = { behavior: 'immediate' as const, ...config };
    if (retryForMs <= 0 || sqlite.inTransaction) return begin(fn, cfg);
    // BEGIN polls by itself, every few milliseconds; the statements inside wait as usual.
    const deadline = Date.now() + retryForMs;
    let polling = true;
    const stopPolling = () => {
      if (polling) sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
      polling = false;
    };
    sqlite.pragma('busy_timeout = 0');
    try {
      for (;;) {
        let began = false;
        try {
          return begin((tx) => {
            began = true;
            stopPolling();
            return fn(tx);
          }, cfg);
        } catch (err) {
          // Only a BEGIN that found the database locked is retried: nothing of `fn` has run.
          if (began || !isBusy(err) || Date.now() >= deadline) throw err;
          pause(1 + Math.random() * 3);
        }
      }
    } finally {
      stopPolling();
    }
  }) as Db['transaction'];
}

/**
 * Opens (creating if needed) the SQLite store in WAL mode and applies the committed migrations.
 * A new database file is created 0600 before SQLite opens it, and its WAL and shared-memory
 * files are narrowed to 0600 after (SQLite gives them the database file's mode), whatever the
 * umask.
 */
export function openStore(file: string, opts: StoreOptions = {}): SqliteStore {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  if (file !== ':memory:') {
    ensurePrivateDir(dirname(file));
    ensurePrivateFile(file, { ownerOfFolder: true });
  }
  const sqlite = new Database(file, { timeout: busyTimeoutMs });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: migrationsFolder() });
  immediateTransactions(db, sqlite, busyTimeoutMs, opts.retryBusyForMs ?? 0);
  // Query-planner statistics for tables that never had them or have changed much (bounded
  // work, SQLite's recommendation at open); the server repeats `PRAGMA optimize` every few hours.
  if (opts.optimize !== false) sqlite.pragma('optimize=0x10002');
  if (file !== ':memory:') narrowSideFiles(file);
  useTables('sqlite');
  const beginWrite = writeBegin(sqlite, busyTimeoutMs, opts.retryBusyForMs ?? 0);
  let savepoints = 0;
  return {
    dialect: 'sqlite',
    db,
    sqlite,
    beginWrite,
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const nested = sqlite.inTransaction;
      const name = `gh_tx_${++savepoints}`;
      if (nested) sqlite.exec(`SAVEPOINT ${name}`);
      else beginWrite();
      try {
        const result = await fn(db);
        sqlite.exec(nested ? `RELEASE ${name}` : 'COMMIT');
        return result;
      } catch (err) {
        if (nested) sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        else if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw err;
      }
    },
    async close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

// ---- PostgreSQL ------------------------------------------------------------------------------

/** The key of the advisory lock every write transaction takes (and migrations, at a second key). */
const PG_WRITE_LOCK = 0x6761_7465; // 'gate'
const PG_MIGRATION_LOCK = 0x6861_7573; // 'haus'

export interface PgStoreOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Apply the committed migrations (under an advisory lock) before use (default true). */
  migrate?: boolean;
  /** A name for the server's pg_stat_activity (default "gatehouse"). */
  applicationName?: string;
}

/**
 * int8 (counts, sums, bigint columns) and numeric (SUM of bigints) as numbers: every value
 * Gatehouse keeps fits 2^53. Set on pg's global type table, because drizzle's node-postgres driver
 * gives each query its own parser that falls back to the global one (a pool's `types` is not asked).
 */
let pgNumbersParsed = false;
function parsePgNumbers(): void {
  if (pgNumbersParsed) return;
  pgNumbersParsed = true;
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
}

/**
 * Applies migrations-pg under a session advisory lock, so nodes started together migrate once
 * (the others wait, then find nothing to do). Also `gatehouse migrate`.
 */
export async function migratePg(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
    try {
      await migrateNodePg(drizzlePg(client), { migrationsFolder: migrationsFolder('migrations-pg') });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Whether every committed migration has been applied (for /readyz). */
export async function pgMigrationsCurrent(pool: pg.Pool): Promise<boolean> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder('migrations-pg'), 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  try {
    const r = await pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    return (r.rows[0] as { n: number }).n >= journal.entries.length;
  } catch {
    return false;
  }
}

/** Opens a PostgreSQL store (GATEHOUSE_DATABASE_URL): a pool, migrated unless told otherwise. */
export async function openPgStore(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
  parsePgNumbers();
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'gatehouse',
  });
  // An idle connection the server dropped (a restart) is reported here, not thrown: the pool
  // makes a new one for the next query.
  pool.on('error', () => {});
  if (opts.migrate !== false) await migratePg(pool);
  useTables('pg');
  const db = drizzlePg(pool, { schema: pgSchema }) as unknown as Db;
  const origin = randomBytes(8).toString('hex');
  let closed = false;
  return {
    dialect: 'pg',
    db,
    pool,
    origin,
    url,
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const pgDb = db as unknown as NodePgDatabase<typeof pgSchema>;
      return pgDb.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${PG_WRITE_LOCK})`);
        return fn(tx as unknown as Db);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or an open transaction: service functions take this to compose. */
export type DbOrTx = Db | Tx;
