import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull().unique(),
    firstname: text('firstname').notNull(),
    lastname: text('lastname').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    auth: text('auth', { enum: ['manual', 'nologin', 'webservice'] })
      .notNull()
      .default('manual'),
    suspended: integer('suspended', { mode: 'boolean' }).notNull().default(false),
    confirmed: integer('confirmed', { mode: 'boolean' }).notNull().default(true),
    passwordExpired: integer('password_expired', { mode: 'boolean' }).notNull().default(false),
    siteAdmin: integer('site_admin', { mode: 'boolean' }).notNull().default(false),
    deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
    isGuest: integer('is_guest', { mode: 'boolean' }).notNull().default(false),
    protected: integer('protected', { mode: 'boolean' }).notNull().default(false),
    timecreated: integer('timecreated').notNull().default(sql`(unixepoch())`),
    timemodified: integer('timemodified').notNull().default(sql`(unixepoch())`),
    lastlogin: integer('lastlogin'),
  },
  (t) => [
    // The Users list filters on `deleted` and sorts by one of these: each index leads with
    // `deleted` so that a page, however deep, is read from the index alone.
    index('users_lastname_idx').on(t.deleted, t.lastname, t.firstname),
    index('users_firstname_idx').on(t.deleted, t.firstname, t.lastname),
    index('users_email_idx').on(t.deleted, t.email),
    // Manage tokens sorted by user walks users in name order.
    index('users_fullname_idx').on(t.lastname, t.firstname),
    index('users_timecreated_idx').on(t.deleted, t.timecreated),
    index('users_lastlogin_idx').on(t.deleted, t.lastlogin),
  ],
);

export type UserRow = typeof users.$inferSelect;
