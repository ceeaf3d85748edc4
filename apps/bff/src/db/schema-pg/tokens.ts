import { sql } from 'drizzle-orm';
import { bigint, boolean, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { externalServices } from './services';
import { users } from './users';

/**
 * Web-service tokens. The secret itself is never stored: only its HMAC-SHA-256 under the
 * server secret (looked up by that hash) and a short display stub for recognition.
 */
export const externalTokens = pgTable(
  'external_tokens',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tokenHash: text('token_hash').notNull().unique(),
    stub: text('stub').notNull(),
    name: text('name').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    serviceId: bigint('service_id', { mode: 'number' })
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    ipRestriction: text('ip_restriction'),
    validUntil: bigint('valid_until', { mode: 'number' }),
    creatorId: bigint('creator_id', { mode: 'number' }),
    /** How the token came to be: admin (Manage tokens / CLI), user (Security keys), login (/login/token.php), hub. */
    origin: text('origin', { enum: ['admin', 'user', 'login', 'hub'] }).notNull(),
    /** Hidden tokens (the hub's own) never appear in Manage tokens or Security keys. */
    hidden: boolean('hidden').notNull().default(false),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
    lastAccess: bigint('last_access', { mode: 'number' }),
    calls: bigint('calls', { mode: 'number' }).notNull().default(0),
    lastError: text('last_error'),
    lastErrorAt: bigint('last_error_at', { mode: 'number' }),
    /** The client address of the latest call (written by the usage flush, as last_access). */
    lastIp: text('last_ip'),
  },
  (t) => [
    // With `hidden`, Manage tokens sorted by user or service walks users (services) in order and
    // reads each one's tokens from these indexes alone. SQLite's entries end with the rowid, so a
    // service's tokens come in id order; here `id` says so: sorted by service, tokensPage reads
    // each service's first tokens in id order (a LATERAL join, LIMIT per service) instead of
    // sorting every token of the service.
    index('external_tokens_user_idx').on(t.userId, t.hidden),
    index('external_tokens_service_idx').on(t.serviceId, t.hidden, t.id),
    // Manage tokens always filters `hidden = 0` and sorts by one of these columns: leading with
    // `hidden` lets a page's ids, however deep, be read from the index alone.
    index('external_tokens_name_idx').on(t.hidden, t.name),
    index('external_tokens_valid_until_idx').on(t.hidden, t.validUntil.asc().nullsFirst()),
    index('external_tokens_created_idx').on(t.hidden, t.timecreated),
    index('external_tokens_last_access_idx').on(t.hidden, t.lastAccess.asc().nullsFirst()),
    // A 1–2 character name search is "starts with" (db/sql.ts prefixSearch): `lower(name) LIKE
    // 'ab%'` is a range of this index (text_pattern_ops: LIKE's prefix whatever the collation).
    // pg_trgm's GIN index cannot answer it: its `ILIKE 'ab%'` matches every word start, so
    // "to" finds all of a million "bench token N" and rechecks them (~1.5 s).
    index('external_tokens_name_prefix_idx').using('btree', sql`lower(${t.name}) text_pattern_ops`),
  ],
);

export type TokenRow = typeof externalTokens.$inferSelect;

/**
 * Web-service calls counted per hour (kept ~48 h) and per day (kept 90 days), per token, per
 * service and for the whole site, split by outcome: `ok` or the refusal's reason code. Written
 * by the usage flush as upserts, one row per bucket (never a row per call); only tokens and
 * services that were called have rows. Days are UTC days.
 */
export const usageBuckets = pgTable(
  'usage_buckets',
  {
    /** 0 the site, 1 a service, 2 a token. */
    scope: bigint('scope', { mode: 'number' }).notNull(),
    /** The service's or token's id; 0 for the site. */
    scopeId: bigint('scope_id', { mode: 'number' }).notNull(),
    /** The bucket's length in seconds: 3600 (hourly) or 86400 (daily). */
    period: bigint('period', { mode: 'number' }).notNull(),
    /** Unix seconds of the bucket's start (a multiple of its period). */
    start: bigint('start', { mode: 'number' }).notNull(),
    /** `ok`, or the refusal's reason code (tokenexpired, protocolcapability, invalidparameter, …). */
    reason: text('reason').notNull(),
    calls: bigint('calls', { mode: 'number' }).notNull(),
  },
  (t) => [
    // The read queries: one scope's buckets of one period from a start on.
    primaryKey({ columns: [t.scope, t.scopeId, t.period, t.start, t.reason] }),
    // The roll-up (hourly buckets older than ~48 h) and the expiry (older than 90 days).
    index('usage_buckets_age_idx').on(t.period, t.start),
    // The Overview's "has any token been called successfully": the ok buckets of one scope.
    index('usage_buckets_reason_idx').on(t.scope, t.reason, t.scopeId),
  ],
);
