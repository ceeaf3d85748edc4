import { bigint, boolean, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { users } from './users';

export const roles = pgTable('roles', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  shortname: text('shortname').notNull().unique(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  archetype: text('archetype').notNull().default(''),
  sortorder: bigint('sortorder', { mode: 'number' }).notNull().default(0),
  protected: boolean('protected').notNull().default(false),
});

export const roleCapabilities = pgTable(
  'role_capabilities',
  {
    roleId: bigint('role_id', { mode: 'number' })
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    capability: text('capability').notNull(),
    permission: text('permission', { enum: ['allow', 'prohibit'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.capability] }), index('role_capabilities_cap_idx').on(t.capability)],
);

export const roleAssignments = pgTable(
  'role_assignments',
  {
    roleId: bigint('role_id', { mode: 'number' })
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.userId] }), index('role_assignments_user_idx').on(t.userId)],
);
