import type Database from 'better-sqlite3';
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { usageBuckets } from '../../db/schema';

// The usage store (usage_buckets, migration 0009): calls per hour and per day, per token, per
// service and for the site, split by outcome ('ok' or a refusal's reason code).

/** Whose calls a bucket counts. */
export const USAGE_SCOPE = { site: 0, service: 1, token: 2 } as const;
export type UsageScope = (typeof USAGE_SCOPE)[keyof typeof USAGE_SCOPE];

export const HOUR = 3600;
export const DAY = 86_400;

/**
 * The usage flush's statements, prepared once: it runs synchronously, in one transaction of its
 * own, at most once a minute (webservice/usage.ts), so it keeps raw prepared statements rather
 * than going through withWrite, which would move the database generation (and drop the caches
 * that follow it, the list totals among them) every minute; nothing cached reads these rows.
 * The hourly roll-up and expiry run the same way.
 */
export function prepareUsageWrites(sqlite: Database.Database) {
  const token = sqlite.prepare(
    `UPDATE external_tokens SET
       last_access = MAX(COALESCE(last_access, 0), @lastAccess),
       calls = calls + @calls,
       last_error = COALESCE(@lastError, last_error),
       last_error_at = COALESCE(@lastErrorAt, last_error_at),
       last_ip = CASE WHEN @lastAccess >= COALESCE(last_access, 0) THEN COALESCE(@lastIp, last_ip) ELSE last_ip END
     WHERE id = @id`,
  );
  const bucket = sqlite.prepare(
    `INSERT INTO usage_buckets (scope, scope_id, period, start, reason, calls) VALUES (?, ?, ${HOUR}, ?, ?, ?)
     ON CONFLICT (scope, scope_id, period, start, reason) DO UPDATE SET calls = calls + excluded.calls`,
  );
  const seen = sqlite
    .prepare(`SELECT 1 FROM usage_buckets WHERE scope = ${USAGE_SCOPE.token} AND scope_id = ? AND reason = ? LIMIT 1`)
    .pluck();
  const rollUp = sqlite.prepare(
    `INSERT INTO usage_buckets (scope, scope_id, period, start, reason, calls)
       SELECT scope, scope_id, ${DAY}, start - start % ${DAY}, reason, SUM(calls) FROM usage_buckets
       WHERE period = ${HOUR} AND start < ?
       GROUP BY scope, scope_id, start - start % ${DAY}, reason
     ON CONFLICT (scope, scope_id, period, start, reason) DO UPDATE SET calls = calls + excluded.calls`,
  );
  const dropHours = sqlite.prepare(`DELETE FROM usage_buckets WHERE period = ${HOUR} AND start < ?`);
  const expire = sqlite.prepare(`DELETE FROM usage_buckets WHERE period IN (${HOUR}, ${DAY}) AND start < ?`);
  return {
    run: (fn: () => void) => sqlite.transaction(fn)(),
    open: () => sqlite.open,
    token: (p: {
      id: number;
      lastAccess: number;
      calls: number;
      lastError: string | null;
      lastErrorAt: number | null;
      lastIp: string | null;
    }) => token.run(p),
    /** Adds `calls` to an hourly bucket. */
    addHourly: (scope: UsageScope, scopeId: number, start: number, reason: string, calls: number) =>
      bucket.run(scope, scopeId, start, reason, calls),
    /** Whether the token has any bucket (hourly or daily) for the reason: a refusal seen before. */
    tokenHasSeen: (tokenId: number, reason: string) => seen.get(tokenId, reason) !== undefined,
    /** Hourly buckets that start before `before` become (are added to) their day's bucket. */
    rollUpHoursBefore: (before: number) => {
      rollUp.run(before);
      dropHours.run(before);
    },
    /** Every bucket (of either period) that starts before `before` goes. */
    deleteBefore: (before: number) => expire.run(before),
  };
}

export type UsageWrites = ReturnType<typeof prepareUsageWrites>;

export interface BucketRow {
  start: number;
  reason: string;
  calls: number;
}

/** One scope's hourly buckets from `from` on. */
export async function hourlyBuckets(db: DbOrTx, scope: UsageScope, scopeId: number, from: number) {
  return db
    .select({ start: usageBuckets.start, reason: usageBuckets.reason, calls: usageBuckets.calls })
    .from(usageBuckets)
    .where(
      and(
        eq(usageBuckets.scope, scope),
        eq(usageBuckets.scopeId, scopeId),
        eq(usageBuckets.period, HOUR),
        gte(usageBuckets.start, from),
      ),
    )
    .all() satisfies BucketRow[];
}

/** One scope's calls per UTC day from `from` (a day's start) on: the daily buckets and the hours not rolled up yet. */
export async function dailyBuckets(db: DbOrTx, scope: UsageScope, scopeId: number, from: number) {
  const day = sql<number>`${usageBuckets.start} - ${usageBuckets.start} % ${DAY}`;
  return db
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
    .groupBy(day, usageBuckets.reason)
    .all() satisfies BucketRow[];
}
