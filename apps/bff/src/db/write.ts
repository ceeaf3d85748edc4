import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpError } from '../lib/http-error';
import type { Invalidation, InvalidationFeed } from '../lib/invalidation';
import type { Db, DbOrTx, Store } from './client';
import { auditLog } from './schema';

// The one way a change reaches the database: `withWrite(deps, async (tx, w) => …)`.
//
// - Everything `fn` does through `tx` commits together with the audit rows it adds (`w.audit`),
//   or none of it does.
// - After the commit, what it invalidated (`w.invalidate`) is published to the caches; the
//   database generation moves too, for the caches that still follow it.
// - A unique-constraint violation becomes the console's `conflict`, in this one place.
// - Writes are queued, one at a time per store, so an async `fn` never shares its transaction.
//   A `withWrite` inside another joins it as a savepoint.
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

export interface AuditEvent {
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
}

export interface WriteDeps {
  store: Store;
  feed: InvalidationFeed;
  gen: { bump(): void };
  now: () => number;
}

interface Open {
  tx: Db;
  scope: Scope;
  depth: number;
}

class Scope implements WriteScope {
  readonly audits: { actor: WriteActor; event: AuditEvent }[] = [];
  readonly events: Invalidation[] = [];
  audit(actor: WriteActor, event: AuditEvent): void {
    this.audits.push({ actor, event });
  }
  invalidate(...events: Invalidation[]): void {
    this.events.push(...events);
  }
}

const open = new AsyncLocalStorage<Open>();
/** The tail of each store's queue of writes. */
const queues = new WeakMap<Store, Promise<unknown>>();

/** The write lock is taken in order: each write waits for the one before it. */
function enqueue<T>(store: Store, run: () => Promise<T>): Promise<T> {
  const before = queues.get(store) ?? Promise.resolve();
  const result = before.then(run, run);
  queues.set(
    store,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}

export class WriteYieldedError extends Error {
  constructor() {
    super(
      'A write waited for something other than the database while its transaction was open: do slow work (hashing, network) before withWrite',
    );
  }
}

const isUniqueViolation = (err: unknown) =>
  (err as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
  (err as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

function conflictFrom(err: unknown): unknown {
  if (!isUniqueViolation(err)) return err;
  const message = String((err as Error).message ?? '');
  // "UNIQUE constraint failed: external_services.shortname" names the column.
  const column = /constraint failed: \w+\.(\w+)/.exec(message)?.[1];
  return new HttpError(
    409,
    'conflict',
    column ? `Another record already has this ${column}` : 'Another record already has these values',
    column ? { [column]: 'Already taken' } : undefined,
  );
}

function writeAudits(tx: DbOrTx, scope: Scope, now: number): void {
  if (!scope.audits.length) return;
  tx.insert(auditLog)
    .values(
      scope.audits.map(({ actor, event }) => ({
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
    )
    .run();
  scope.audits.length = 0;
}

let savepoints = 0;

/** Runs `fn` as one write: its rows, its audit rows, then (after the commit) its invalidations. */
export function withWrite<T>(deps: WriteDeps, fn: (tx: Db, w: WriteScope) => Promise<T> | T): Promise<T> {
  const outer = open.getStore();
  if (outer) return nested(deps, outer, fn);
  return enqueue(deps.store, () => transaction(deps, fn));
}

async function transaction<T>(deps: WriteDeps, fn: (tx: Db, w: WriteScope) => Promise<T> | T): Promise<T> {
  const { sqlite, db } = deps.store;
  const scope = new Scope();
  // A macrotask that runs before the commit means the event loop ran while the transaction was
  // open: other requests may have read (or written) through it.
  let yielded = false;
  const sentinel = setImmediate(() => {
    yielded = true;
  });
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const result = await open.run({ tx: db, scope, depth: 0 }, () => fn(db, scope));
    if (yielded) throw new WriteYieldedError();
    writeAudits(db, scope, deps.now());
    sqlite.exec('COMMIT');
    clearImmediate(sentinel);
    deps.gen.bump();
    deps.feed.publish(scope.events);
    return result;
  } catch (err) {
    clearImmediate(sentinel);
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw conflictFrom(err);
  }
}

async function nested<T>(deps: WriteDeps, outer: Open, fn: (tx: Db, w: WriteScope) => Promise<T> | T): Promise<T> {
  const { sqlite } = deps.store;
  const name = `gh_write_${++savepoints}`;
  const audits = outer.scope.audits.length;
  const events = outer.scope.events.length;
  sqlite.exec(`SAVEPOINT ${name}`);
  try {
    const result = await open.run({ ...outer, depth: outer.depth + 1 }, () => fn(outer.tx, outer.scope));
    sqlite.exec(`RELEASE ${name}`);
    return result;
  } catch (err) {
    sqlite.exec(`ROLLBACK TO ${name}`);
    sqlite.exec(`RELEASE ${name}`);
    // What the failed part recorded goes with it.
    outer.scope.audits.length = audits;
    outer.scope.events.length = events;
    throw conflictFrom(err);
  }
}
