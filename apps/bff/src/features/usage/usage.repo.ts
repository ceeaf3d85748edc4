import type Database from 'better-sqlite3';
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Store } from '../../db/client';
import { usageBuckets } from '../../db/schema';
import { rawAll, rawRun } from '../../db/sql';

// The usage store (usage_buckets, migration 0009): calls per hour and per day, per token, per
// service and for the site, split by outcome ('ok' or a refusal's reason code).

/** Whose calls a bucket counts. */
export const USAGE_SCOPE = { site: 0, service: 1, token: 2 } as const;
export type UsageScope = (typeof USAGE_SCOPE)[keyof typeof USAGE_SCOPE];

export const HOUR = 3600;
export const DAY = 86_400;

/** A token's usage columns as one flush writes them. */
interface TokenUsage {
  id: number;
  lastAccess: number;
  calls: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastIp: string | null;
}

/** One flush: the tokens' columns and the hourly buckets to add to (one entry per bucket). */
export interface UsageBatch {
  tokens: TokenUsage[];
  /** [scope, scope id, hour start, reason, calls], each bucket once. */
  buckets: [UsageScope, number, number, string, number][];
  /** (token, reason) pairs to look up before the buckets are written: seen before? */
  seenQueries: [number, string][];
}

/**
 * The usage flush's writes, at most once a minute per node (webservice/usage.ts). They are not a
 * withWrite: that would move the database generation (and drop the caches that follow it, the
 * list totals among them) every minute, and nothing cached reads these rows. Every figure is
 * added (calls = calls + n, last access = the later one), so several nodes flushing the same
 * token and bucket sum up. The hourly roll-up and expiry run the same way.
 */
export interface UsageWrites {
  open(): boolean;
  /** Writes one batch in one transaction; resolves to the `${token}:${reason}` pairs of `seenQueries` that had buckets before it. */
  write(batch: UsageBatch): Promise<Set<string>>;
  /** Hourly buckets that start before `hoursBefore` become (are added to) their day's bucket; buckets before `before` go. */
  maintain(hoursBefore: number, before: number): Promise<void>;
}

const TOKEN_SQL = `UPDATE external_tokens SET
       last_access = MAX(COALESCE(last_access, 0), @lastAccess),
       calls = calls + @calls,
       last_error = COALESCE(@lastError, last_error),
       last_error_at = COALESCE(@lastErrorAt, last_error_at),
       last_ip = CASE WHEN @lastAccess >= COALESCE(last_access, 0) THEN COALESCE(@lastIp, last_ip) ELSE last_ip END
     WHERE id = @id`;

const ROLL_UP_SQL = (param: string) => `INSERT INTO usage_buckets (scope, scope_id, period, start, reason, calls)
       SELECT scope, scope_id, ${DAY}, start - start % ${DAY}, reason, SUM(calls) FROM usage_buckets
       WHERE period = ${HOUR} AND start < ${param}
       GROUP BY scope, scope_id, start - start % ${DAY}, reason
     ON CONFLICT (scope, scope_id, period, start, reason) DO UPDATE SET calls = usage_buckets.calls + excluded.calls`;

/**
 * SQLite: raw prepared statements in one synchronous transaction (the promise is settled when
 * `write` returns, so a flush is written before its caller goes on).
 */
function sqliteUsageWrites(sqlite: Database.Database): UsageWrites {
  const token = sqlite.prepare(TOKEN_SQL);
  const bucket = sqlite.prepare(
    `INSERT INTO usage_buckets (scope, scope_id, period, start, reason, calls) VALUES (?, ?, ${HOUR}, ?, ?, ?)
     ON CONFLICT (scope, scope_id, period, start, reason) DO UPDATE SET calls = calls + excluded.calls`,
  );
  const seen = sqlite
    .prepare(`SELECT 1 FROM usage_buckets WHERE scope = ${USAGE_SCOPE.token} AND scope_id = ? AND reason = ? LIMIT 1`)
    .pluck();
  const rollUp = sqlite.prepare(ROLL_UP_SQL('?'));
  const dropHours = sqlite.prepare(`DELETE FROM usage_buckets WHERE period = ${HOUR} AND start < ?`);
  const expire = sqlite.prepare(`DELETE FROM usage_buckets WHERE period IN (${HOUR}, ${DAY}) AND start < ?`);
  const write = sqlite.transaction((batch: UsageBatch) => {
    const found = new Set<string>();
    for (const [id, reason] of batch.seenQueries) if (seen.get(id, reason) !== undefined) found.add(`${id}:${reason}`);
    for (const t of batch.tokens) token.run(t);
    for (const b of batch.buckets) bucket.run(...b);
    return found;
  });
  const maintain = sqlite.transaction((hoursBefore: number, before: number) => {
    rollUp.run(hoursBefore);
    dropHours.run(hoursBefore);
    expire.run(before);
  });
  return {
    open: () => sqlite.open,
    write: async (batch) => write(batch),
    maintain: async (hoursBefore, before) => {
      maintain(hoursBefore, before);
    },
  };
}

/**
 * PostgreSQL: the same statements as set operations over arrays (one round trip each), in one
 * transaction that takes the write lock (store.transaction), so nodes never deadlock on a
 * token row they both count.
 */
function pgUsageWrites(
  store: { transaction: <T>(fn: (tx: DbOrTx) => Promise<T>) => Promise<T> },
  isOpen: () => boolean,
): UsageWrites {
  return {
    open: isOpen,
    write: (batch) =>
      store.transaction(async (tx) => {
        const found = new Set<string>();
        if (batch.seenQueries.length) {
          const rows = await rawAll<{ id: number; reason: string }>(
            tx,
            sql`SELECT DISTINCT b.scope_id AS id, b.reason FROM usage_buckets b
                JOIN unnest(${sql.param(batch.seenQueries.map((q) => q[0]))}::bigint[], ${sql.param(batch.seenQueries.map((q) => q[1]))}::text[]) AS q(id, reason)
                  ON b.scope = ${USAGE_SCOPE.token} AND b.scope_id = q.id AND b.reason = q.reason`,
          );
          for (const r of rows) found.add(`${r.id}:${r.reason}`);
        }
        const tokens = [...batch.tokens].sort((a, b) => a.id - b.id);
        if (tokens.length) {
          await rawRun(
            tx,
            sql`UPDATE external_tokens t SET
                  last_access = GREATEST(COALESCE(t.last_access, 0), v.last_access),
                  calls = t.calls + v.calls,
                  last_error = COALESCE(v.last_error, t.last_error),
                  last_error_at = COALESCE(v.last_error_at, t.last_error_at),
                  last_ip = CASE WHEN v.last_access >= COALESCE(t.last_access, 0) THEN COALESCE(v.last_ip, t.last_ip) ELSE t.last_ip END
                FROM unnest(${sql.param(tokens.map((x) => x.id))}::bigint[], ${sql.param(tokens.map((x) => x.lastAccess))}::bigint[],
                            ${sql.param(tokens.map((x) => x.calls))}::bigint[], ${sql.param(tokens.map((x) => x.lastError))}::text[],
                            ${sql.param(tokens.map((x) => x.lastErrorAt))}::bigint[], ${sql.param(tokens.map((x) => x.lastIp))}::text[])
                  AS v(id, last_access, calls, last_error, last_error_at, last_ip)
                WHERE t.id = v.id`,
          );
        }
        if (batch.buckets.length) {
          const b = [...batch.buckets].sort(
            (x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || (x[3] < y[3] ? -1 : 1),
          );
          await rawRun(
            tx,
            sql`INSERT INTO usage_buckets (scope, scope_id, period, start, reason, calls)
                SELECT scope, scope_id, ${HOUR}, start, reason, calls
                FROM unnest(${sql.param(b.map((x) => x[0]))}::bigint[], ${sql.param(b.map((x) => x[1]))}::bigint[], ${sql.param(b.map((x) => x[2]))}::bigint[],
                            ${sql.param(b.map((x) => x[3]))}::text[], ${sql.param(b.map((x) => x[4]))}::bigint[]) AS v(scope, scope_id, start, reason, calls)
                ON CONFLICT (scope, scope_id, period, start, reason) DO UPDATE SET calls = usage_buckets.calls + excluded.calls`,
          );
        }
        return found;
      }),
    maintain: (hoursBefore, before) =>
      store.transaction(async (tx) => {
        await rawRun(tx, sql.raw(ROLL_UP_SQL(String(Math.trunc(hoursBefore)))));
        await rawRun(tx, sql`DELETE FROM usage_buckets WHERE period = ${HOUR} AND start < ${hoursBefore}`);
        await rawRun(tx, sql`DELETE FROM usage_buckets WHERE period IN (${HOUR}, ${DAY}) AND start < ${before}`);
      }),
  };
}

/** The usage writes of a store, in its dialect. */
export function usageWritesOf(store: Store): UsageWrites {
  return store.dialect === 'sqlite' ? sqliteUsageWrites(store.sqlite) : pgUsageWrites(store, () => !store.pool.ended);
}

export interface BucketRow {
  start: number;
  reason: string;
  calls: number;
}

/** One scope's hourly buckets from `from` on. */
export async function hourlyBuckets(db: DbOrTx, scope: UsageScope, scopeId: number, from: number) {
  return (await db
    .select({ start: usageBuckets.start, reason: usageBuckets.reason, calls: usageBuckets.calls })
    .from(usageBuckets)
    .where(
      and(
        eq(usageBuckets.scope, scope),
        eq(usageBuckets.scopeId, scopeId),
        eq(usageBuckets.period, HOUR),
        gte(usageBuckets.start, from),
      ),
    )) satisfies BucketRow[];
}

/** One scope's calls per UTC day from `from` (a day's start) on: the daily buckets and the hours not rolled up yet. */
export async function dailyBuckets(db: DbOrTx, scope: UsageScope, scopeId: number, from: number) {
  // The day's length inlined, not a parameter: PostgreSQL matches the GROUP BY expression to the
  // selected one by its text, and two parameters ($1, $5) would not be the same expression.
  const day = sql<number>`${usageBuckets.start} - ${usageBuckets.start} % ${sql.raw(String(DAY))}`;
  return (await db
    .select({ start: day, reason: usageBuckets.reason, calls: sql<number>`SUM(${usageBuckets.calls})` })
    .from(usageBuckets)
    .where(
      and(
        eq(usageBuckets.scope, scope),
        eq(usageBuckets.scopeId, scopeId),
        inArray(usageBuckets.period, [HOUR, DAY]),
        gte(usageBuckets.start, from),
      ),
    )
    .groupBy(day, usageBuckets.reason)) satisfies BucketRow[];
}
