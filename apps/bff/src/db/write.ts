import { sql } from 'drizzle-orm';
import { DomainError } from '../lib/errors';
import type { Invalidation, InvalidationFeed } from '../lib/invalidation';
import type { Db, DbOrTx, PgStore, SqliteStore, Store } from './client';
import { auditLog } from './schema';
import { dbErrorCode, dbErrorDetail, dbErrorMessage, rawRun } from './sql';

// The one way a change reaches the database: `withWrite(deps, async (tx, w) => …)`.
//
// - Everything `fn` does through `tx` commits together with the audit rows it adds (`w.audit`),
//   or none of it does.
// - After the commit, what it invalidated (`w.invalidate`) is published on the feed: the
//   access-check caches drop just those keys, so a write that changes a token, a user or a
//   service must name it. The database generation moves too, for the caches that still follow
//   it (settings, roles, list counts); a rolled-back write moves it as an unpublished change,
//   which drops every cache.
// - A unique-constraint violation becomes the console's `conflict`, in this one place.
// - Writes are queued, one at a time per store, so an async `fn` never shares its transaction.
//   A part of a write that may fail on its own runs in `w.savepoint(…)`. A function that is part
//   of a larger write takes `(tx, w)` from its caller; calling `withWrite` inside a write would
//   wait for itself, so a write that waits too long for the queue is refused with a clear error.
//   (No AsyncLocalStorage: on Node 20 one use of it slows every later request of the process.)
// - On SQLite (one connection, synchronous driver), `fn` must not wait for anything but the
//   database: slow work (password hashing, network) goes before the write. A write that lets the
//   event loop run other requests while its transaction is open is rolled back with an error,
//   so the rule cannot be broken silently.
//
// Repositories (`*.repo.ts`) are the only modules that touch tables; they take `tx` (or the
// database, for reads) as their first argument, so the same code runs on PostgreSQL, where
// each write gets its own pooled connection.

/** Who made the change, as the audit log names them. */
export interface WriteActor {
  id: number | null;
  username: string;
  ip: string;
}

interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  summary: string;
  details?: Record<string, unknown>;
}

/** What one write records besides its own rows. */
export interface WriteScope {
  /** Adds an audit row, written in the same transaction. */
  audit(actor: WriteActor, event: AuditEvent): void;
  /** Names something the write changed; published to the caches after the commit. */
  invalidate(...events: Invalidation[]): void;
  /** Runs part of the write in a savepoint: if it throws, only its rows, audit rows and events go. */
  savepoint<T>(fn: () => Promise<T> | T): Promise<T>;
}

export interface WriteDeps {
  store: Store;
  feed: InvalidationFeed;
  gen: { bump(published?: boolean): void };
  now: () => number;
}

let savepoints = 0;

class Scope implements WriteScope {
  readonly audits: { actor: WriteActor; event: AuditEvent }[] = [];
  readonly events: Invalidation[] = [];
  constructor(private readonly tx: Db) {}
  audit(actor: WriteActor, event: AuditEvent): void {
    this.audits.push({ actor, event });
  }
  invalidate(...events: Invalidation[]): void {
    this.events.push(...events);
  }
  async savepoint<T>(fn: () => Promise<T> | T): Promise<T> {
    const name = `gh_write_${++savepoints}`;
    const audits = this.audits.length;
    const events = this.events.length;
    await rawRun(this.tx, sql.raw(`SAVEPOINT ${name}`));
    try {
      const result = await fn();
      await rawRun(this.tx, sql.raw(`RELEASE SAVEPOINT ${name}`));
      return result;
    } catch (err) {
      await rawRun(this.tx, sql.raw(`ROLLBACK TO SAVEPOINT ${name}`));
      await rawRun(this.tx, sql.raw(`RELEASE SAVEPOINT ${name}`));
      this.audits.length = audits;
      this.events.length = events;
      throw conflictFrom(err);
    }
  }
}

/** The tail of each store's queue of writes. */
const queues = new WeakMap<Store, Promise<unknown>>();

export class WriteQueueTimeoutError extends Error {
  constructor(ms: number) {
    super(
      `A write waited ${ms} ms for the one before it: is withWrite called inside another write? Pass (tx, w) down instead`,
    );
  }
}

/**
 * The write lock is taken in order: each write waits for the one before it, for so long. A
 * write's place in the queue is taken before it starts, so a write started from inside it
 * waits behind it (and is refused after the wait) instead of joining its transaction.
 */
function enqueue<T>(store: Store, waitMs: number, run: () => Promise<T>): Promise<T> {
  const before = queues.get(store);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  queues.set(store, mine);
  void mine.then(() => {
    if (queues.get(store) === mine) queues.delete(store);
  });
  if (!before) {
    const result = run();
    result.then(done, done);
    return result;
  }
  let timer: NodeJS.Timeout | undefined;
  const turn = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new WriteQueueTimeoutError(waitMs)), waitMs);
    void before.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  const result = turn.then(run);
  // A write refused for waiting too long still holds its place until the one before it is done.
  result.then(done, () => void before.then(done));
  return result;
}

export class WriteYieldedError extends Error {
  constructor() {
    super(
      'A write waited for something other than the database while its transaction was open: do slow work (hashing, network) before withWrite',
    );
  }
}

function conflictFrom(err: unknown): unknown {
  const code = dbErrorCode(err);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: external_services.shortname" names the column.
    return conflict(/constraint failed: \w+\.(\w+)/.exec(dbErrorMessage(err))?.[1]);
  }
  if (code === '23505') {
    // PostgreSQL's detail: "Key (shortname)=(x) already exists."
    return conflict(/^Key \((\w+)\)=/.exec(dbErrorDetail(err))?.[1]);
  }
  return err;
}

function conflict(column: string | undefined): DomainError {
  return new DomainError(
    'conflict',
    column ? `Another record already has this ${column}` : 'Another record already has these values',
    column ? { [column]: 'Already taken' } : undefined,
  );
}

// ---- the audit log: the one place that writes its rows -------------------------------------

/** Inserts audit rows, all at `now`: the only insert into audit_log. */
async function insertAudits(
  tx: DbOrTx,
  entries: readonly { actor: WriteActor; event: AuditEvent }[],
  now: number,
): Promise<void> {
  if (!entries.length) return;
  await tx.insert(auditLog).values(
    entries.map(({ actor, event }) => ({
      time: now,
      actorId: actor.id,
      actorUsername: actor.username,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId == null ? null : String(event.targetId),
      summary: event.summary,
      details: JSON.stringify(event.details ?? {}),
      ip: actor.ip,
    })),
  );
}

/** Runs `fn` as one write: its rows, its audit rows, then (after the commit) its invalidations. */
export function withWrite<T>(
  deps: WriteDeps,
  fn: (tx: Db, w: WriteScope) => Promise<T> | T,
  opts: { waitMs?: number } = {},
): Promise<T> {
  return enqueue(deps.store, opts.waitMs ?? 10_000, () =>
    deps.store.dialect === 'sqlite' ? sqliteWrite(deps, deps.store, fn) : pgWrite(deps, deps.store, fn),
  );
}

async function sqliteWrite<T>(
  deps: WriteDeps,
  store: SqliteStore,
  fn: (tx: Db, w: WriteScope) => Promise<T> | T,
): Promise<T> {
  const { sqlite, db } = store;
  const scope = new Scope(db);
  // A macrotask that runs before the commit means the event loop ran while the transaction was
  // open: other requests may have read (or written) through it.
  let yielded = false;
  const sentinel = setImmediate(() => {
    yielded = true;
  });
  try {
    store.beginWrite();
    const result = await fn(db, scope);
    if (yielded) throw new WriteYieldedError();
    await insertAudits(db, scope.audits, deps.now());
    sqlite.exec('COMMIT');
    clearImmediate(sentinel);
    // Published: the events describe the change (a write that names nothing changed nothing cached).
    deps.gen.bump(true);
    deps.feed.publish(scope.events);
    return result;
  } catch (err) {
    clearImmediate(sentinel);
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    // Caches may have been filled from rows the rollback took back: every cache drops everything.
    deps.gen.bump();
    throw conflictFrom(err);
  }
}

/** The channel every node LISTENs on (db/pg-listener.ts). */
export const PG_CHANNEL = 'gatehouse_invalidation';
/** NOTIFY's payload must stay under 8000 bytes: a longer list of events becomes "everything". */
const MAX_PAYLOAD = 7000;

/** The notification a write sends: its origin, its commit time (ms) and its events. */
export interface PgNotice {
  o: string;
  t: number;
  e: Invalidation[];
}

function pgNotice(origin: string, events: readonly Invalidation[], at = Date.now()): string {
  const payload = JSON.stringify({ o: origin, t: at, e: [...events] } satisfies PgNotice);
  if (Buffer.byteLength(payload) <= MAX_PAYLOAD) return payload;
  return JSON.stringify({ o: origin, t: at, e: [{ kind: 'all' }] } satisfies PgNotice);
}

/**
 * On PostgreSQL each write has a pooled connection of its own and takes the write lock first
 * (store.transaction). The events go out with NOTIFY in the same transaction, so the other
 * nodes hear of the change exactly when it commits (PostgreSQL delivers notifications on
 * commit, never for a rollback); this node publishes them itself right after the commit.
 */
async function pgWrite<T>(deps: WriteDeps, store: PgStore, fn: (tx: Db, w: WriteScope) => Promise<T> | T): Promise<T> {
  let scope: Scope | undefined;
  try {
    const result = await store.transaction(async (tx) => {
      scope = new Scope(tx);
      const out = await fn(tx, scope);
      await insertAudits(tx, scope.audits, deps.now());
      if (scope.events.length) {
        await rawRun(tx, sql`SELECT pg_notify(${PG_CHANNEL}, ${pgNotice(store.origin, scope.events)})`);
      }
      return out;
    });
    deps.gen.bump(true);
    deps.feed.publish(scope?.events ?? []);
    return result;
  } catch (err) {
    deps.gen.bump();
    throw conflictFrom(err);
  }
}
