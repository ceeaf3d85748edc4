import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    time: bigint('time', { mode: 'number' }).notNull(),
    actorId: bigint('actor_id', { mode: 'number' }),
    actorUsername: text('actor_username').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    summary: text('summary').notNull(),
    details: text('details').notNull().default('{}'),
    ip: text('ip').notNull().default(''),
  },
  (t) => [
    index('audit_time_idx').on(t.time),
    index('audit_actor_idx').on(t.actorUsername, t.time),
    index('audit_action_idx').on(t.action, t.time),
  ],
);
