import { bigint, boolean, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { users } from './users';

/** External services: named bundles of functions. Built-in ones have a component. */
export const externalServices = pgTable('external_services', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull().unique(),
  shortname: text('shortname').notNull().unique(),
  enabled: boolean('enabled').notNull().default(false),
  restrictedUsers: boolean('restricted_users').notNull().default(false),
  requiredCapability: text('required_capability'),
  downloadFiles: boolean('download_files').notNull().default(false),
  uploadFiles: boolean('upload_files').notNull().default(false),
  /** Null for custom services; the owning component for built-in ones (e.g. "moodle", "local_hub"). */
  component: text('component'),
  protected: boolean('protected').notNull().default(false),
  timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  timemodified: bigint('timemodified', { mode: 'number' }).notNull(),
});

export const externalServiceFunctions = pgTable(
  'external_service_functions',
  {
    serviceId: bigint('service_id', { mode: 'number' })
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    functionName: text('function_name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.functionName] })],
);

/** Users authorised on a restricted service, each with an optional IP restriction and expiry. */
export const externalServiceUsers = pgTable(
  'external_service_users',
  {
    serviceId: bigint('service_id', { mode: 'number' })
      .notNull()
      .references(() => externalServices.id, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ipRestriction: text('ip_restriction'),
    validUntil: bigint('valid_until', { mode: 'number' }),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.userId] }), index('external_service_users_user_idx').on(t.userId)],
);
