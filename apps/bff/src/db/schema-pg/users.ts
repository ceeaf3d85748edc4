import { sql } from 'drizzle-orm';
import { bigint, boolean, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    username: text('username').notNull().unique(),
    firstname: text('firstname').notNull(),
    lastname: text('lastname').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    auth: text('auth', { enum: ['manual', 'nologin', 'webservice'] })
      .notNull()
      .default('manual'),
    suspended: boolean('suspended').notNull().default(false),
    confirmed: boolean('confirmed').notNull().default(true),
    passwordExpired: boolean('password_expired').notNull().default(false),
    siteAdmin: boolean('site_admin').notNull().default(false),
    deleted: boolean('deleted').notNull().default(false),
    isGuest: boolean('is_guest').notNull().default(false),
    protected: boolean('protected').notNull().default(false),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull().default(sql`extract(epoch from now())::bigint`),
    timemodified: bigint('timemodified', { mode: 'number' }).notNull().default(sql`extract(epoch from now())::bigint`),
    lastlogin: bigint('lastlogin', { mode: 'number' }),
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
    descriptionformat: bigint('descriptionformat', { mode: 'number' }).notNull().default(1),
    firstnamephonetic: text('firstnamephonetic').notNull().default(''),
    lastnamephonetic: text('lastnamephonetic').notNull().default(''),
    middlename: text('middlename').notNull().default(''),
    alternatename: text('alternatename').notNull().default(''),
    /** 1 = HTML, 0 = plain text (Moodle's mailformat). */
    mailformat: bigint('mailformat', { mode: 'number' }).notNull().default(1),
    /** 0 hidden, 1 everyone, 2 course members (Moodle's maildisplay; 2 is Moodle's default). */
    maildisplay: bigint('maildisplay', { mode: 'number' }).notNull().default(2),
    firstaccess: bigint('firstaccess', { mode: 'number' }).notNull().default(0),
    policyagreed: bigint('policyagreed', { mode: 'number' }).notNull().default(0),
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
    index('users_lastlogin_idx').on(t.deleted, t.lastlogin.asc().nullsFirst()),
    // core_user_get_users_by_field with field=idnumber.
    index('users_idnumber_idx').on(t.idnumber),
    // A 1–2 character search is "starts with" in any of these (db/sql.ts prefixSearch): each a
    // range of its index, a BitmapOr of the four (see tokens.ts's external_tokens_name_prefix_idx).
    index('users_username_prefix_idx').using('btree', sql`lower(${t.username}) text_pattern_ops`),
    index('users_firstname_prefix_idx').using('btree', sql`lower(${t.firstname}) text_pattern_ops`),
    index('users_lastname_prefix_idx').using('btree', sql`lower(${t.lastname}) text_pattern_ops`),
    index('users_email_prefix_idx').using('btree', sql`lower(${t.email}) text_pattern_ops`),
  ],
);

/** Moodle's user_preferences: one value per (user, name). */
export const userPreferences = pgTable(
  'user_preferences',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [uniqueIndex('user_preferences_user_name_idx').on(t.userId, t.name)],
);

/** Moodle's user_devices: the mobile devices a user registered for push (core_user_add_user_device). */
export const userDevices = pgTable(
  'user_devices',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: bigint('user_id', { mode: 'number' })
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
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
    timemodified: bigint('timemodified', { mode: 'number' }).notNull(),
  },
  (t) => [index('user_devices_user_idx').on(t.userId, t.appid, t.uuid), index('user_devices_pushid_idx').on(t.pushid)],
);

export type UserRow = typeof users.$inferSelect;
