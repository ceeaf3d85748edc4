import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/** External services: named bundles of functions. Built-in ones have a component. */
export const externalServices = sqliteTable('external_services', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  shortname: text('shortname').notNull().unique(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(false),
  restrictedUsers: integer('restricted_users', { mode: 'boolean' }).notNull().default(false),
  requiredCapability: text('required_capability'),
  downloadFiles: integer('download_files', { mode: 'boolean' }).notNull().default(false),
  uploadFiles: integer('upload_files', { mode: 'boolean' }).notNull().default(false),
  /** Null for custom services; the owning component for built-in ones (e.g. "moodle", "local_hub"). */
  component: text('component'),
  protected: integer('protected', { mode: 'boolean' }).notNull().default(false),
  timecreated: integer('timecreated').notNull(),
  timemodified: integer('timemodified').notNull(),
});

export const externalServiceFunctions = sqliteTable(
  'external_service_functions',
  {
    serviceId: integer('service_id')
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    functionName: text('function_name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.functionName] })],
);

/** Users authorised on a restricted service, each with an optional IP restriction and expiry. */
export const externalServiceUsers = sqliteTable(
  'external_service_users',
  {
    serviceId: integer('service_id')
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ipRestriction: text('ip_restriction'),
    validUntil: integer('valid_until'),
    timecreated: integer('timecreated').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.userId] }), index('external_service_users_user_idx').on(t.userId)],
);
