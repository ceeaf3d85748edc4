import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    // Moodle's profile fields (user table), stored as Moodle stores them so that the web-service
    // functions take and return them (core_user_create_users, update_users, get_users_by_field).
    idnumber: text('idnumber').notNull().default(''),
    lang: text('lang').notNull().default('en'),
    /** Moodle's timezone: '99' is the server's (the site default). */
    timezone: text('timezone').notNull().default('99'),
    calendartype: text('calendartype').notNull().default('gregorian'),
    theme: text('theme').notNull().default(''),
    city: text('city').notNull().default(''),
    country: text('country').notNull().default(''),
    institution: text('institution').notNull().default(''),
    department: text('department').notNull().default(''),
    phone1: text('phone1').notNull().default(''),
    phone2: text('phone2').notNull().default(''),
    address: text('address').notNull().default(''),
    description: text('description').notNull().default(''),
    descriptionformat: integer('descriptionformat').notNull().default(1),
    firstnamephonetic: text('firstnamephonetic').notNull().default(''),
    lastnamephonetic: text('lastnamephonetic').notNull().default(''),
    middlename: text('middlename').notNull().default(''),
    alternatename: text('alternatename').notNull().default(''),
    /** 1 = HTML, 0 = plain text (Moodle's mailformat). */
    mailformat: integer('mailformat').notNull().default(1),
    /** 0 hidden, 1 everyone, 2 course members (Moodle's maildisplay; 2 is Moodle's default). */
    maildisplay: integer('maildisplay').notNull().default(2),
    firstaccess: integer('firstaccess').notNull().default(0),
    policyagreed: integer('policyagreed').notNull().default(0),
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
    // core_user_get_users_by_field with field=idnumber.
    index('users_idnumber_idx').on(t.idnumber),
    // A 1–2 character search is "starts with" in any of these (db/sql.ts prefixSearch): each a
    // range of its index (see tokens.ts's external_tokens_name_prefix_idx).
    index('users_username_prefix_idx').on(sql`${t.username} COLLATE NOCASE`),
    index('users_firstname_prefix_idx').on(sql`${t.firstname} COLLATE NOCASE`),
    index('users_lastname_prefix_idx').on(sql`${t.lastname} COLLATE NOCASE`),
    index('users_email_prefix_idx').on(sql`${t.email} COLLATE NOCASE`),
  ],
);

/** Moodle's user_preferences: one value per (user, name). */
export const userPreferences = sqliteTable(
  'user_preferences',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [uniqueIndex('user_preferences_user_name_idx').on(t.userId, t.name)],
);

/** Moodle's user_devices: the mobile devices a user registered for push (core_user_add_user_device). */
export const userDevices = sqliteTable(
  'user_devices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    appid: text('appid').notNull(),
    name: text('name').notNull(),
    model: text('model').notNull(),
    platform: text('platform').notNull(),
    version: text('version').notNull(),
    pushid: text('pushid').notNull(),
    uuid: text('uuid').notNull(),
    publickey: text('publickey'),
    timecreated: integer('timecreated').notNull(),
    timemodified: integer('timemodified').notNull(),
  },
  (t) => [index('user_devices_user_idx').on(t.userId, t.appid, t.uuid), index('user_devices_pushid_idx').on(t.pushid)],
);

export type UserRow = typeof users.$inferSelect;
