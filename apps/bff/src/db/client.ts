import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { ensurePrivateDir, ensurePrivateFile, narrowSideFiles } from './data-folder';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema>;
export interface Store {
  db: Db;
  sqlite: Database.Database;
  /** BEGIN IMMEDIATE, waiting for the write lock as this store was opened to (see StoreOptions). */
  beginWrite: () => void;
}

/** Migrations live in src/db/migrations; found from the source tree and from the bundled dist/. */
function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'migrations'), join(here, '../src/db/migrations')]) {
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
export function openStore(file: string, opts: StoreOptions = {}): Store {
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
  return { db, sqlite, beginWrite: writeBegin(sqlite, busyTimeoutMs, opts.retryBusyForMs ?? 0) };
}

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or an open transaction: service functions take this to compose. */
export type DbOrTx = Db | Tx;
