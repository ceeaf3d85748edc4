import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { courses } from './courses';
import { users } from './users';

export const messages = pgTable(
  'messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userIdFrom: bigint('useridfrom', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userIdTo: bigint('useridto', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    textformat: bigint('textformat', { mode: 'number' }).notNull().default(0),
    clientMsgId: text('clientmsgid'),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
    timeread: bigint('timeread', { mode: 'number' }),
  },
  (t) => [
    index('messages_to_idx').on(t.userIdTo, t.timecreated),
    index('messages_from_idx').on(t.userIdFrom, t.timecreated),
  ],
);

export const notes = pgTable(
  'notes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userModified: bigint('usermodified', { mode: 'number' }).notNull(),
    content: text('content').notNull(),
    format: bigint('format', { mode: 'number' }).notNull().default(1),
    publishstate: text('publishstate', { enum: ['personal', 'course', 'site'] }).notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    lastmodified: bigint('lastmodified', { mode: 'number' }).notNull(),
  },
  (t) => [index('notes_user_idx').on(t.userId)],
);
