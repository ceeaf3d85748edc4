import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { externalServices } from './services';
import { users } from './users';

/**
 * Web-service tokens. The secret itself is never stored: only its HMAC-SHA-256 under the
 * server secret (looked up by that hash) and a short display stub for recognition.
 */
export const externalTokens = sqliteTable(
  'external_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull().unique(),
    stub: text('stub').notNull(),
    name: text('name').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    serviceId: integer('service_id')
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    ipRestriction: text('ip_restriction'),
    validUntil: integer('valid_until'),
    creatorId: integer('creator_id'),
    /** How the token came to be: admin (Manage tokens / CLI), user (Security keys), login (/login/token.php), hub. */
    origin: text('origin', { enum: ['admin', 'user', 'login', 'hub'] }).notNull(),
    /** Hidden tokens (the hub's own) never appear in Manage tokens or Security keys. */
    hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
    timecreated: integer('timecreated').notNull(),
    lastAccess: integer('last_access'),
    calls: integer('calls').notNull().default(0),
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
  },
  (t) => [
    // With `hidden`, Manage tokens sorted by user or service walks users (services) in order and
    // reads each one's tokens, already in id order, from these indexes alone.
    index('external_tokens_user_idx').on(t.userId, t.hidden),
    index('external_tokens_service_idx').on(t.serviceId, t.hidden),
    // Manage tokens always filters `hidden = 0` and sorts by one of these columns: leading with
    // `hidden` lets a page's ids, however deep, be read from the index alone.
    index('external_tokens_name_idx').on(t.hidden, t.name),
    index('external_tokens_valid_until_idx').on(t.hidden, t.validUntil),
    index('external_tokens_created_idx').on(t.hidden, t.timecreated),
    index('external_tokens_last_access_idx').on(t.hidden, t.lastAccess),
  ],
);

export type TokenRow = typeof externalTokens.$inferSelect;
