import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { courses } from './courses';
import { users } from './users';

export const messages = pgTable(
  'messages',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    userIdFrom: integer('useridfrom')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userIdTo: integer('useridto')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    textformat: integer('textformat').notNull().default(0),
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
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userModified: integer('usermodified').notNull(),
    content: text('content').notNull(),
    format: integer('format').notNull().default(1),
    publishstate: text('publishstate', { enum: ['personal', 'course', 'site'] }).notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    lastmodified: bigint('lastmodified', { mode: 'number' }).notNull(),
  },
  (t) => [index('notes_user_idx').on(t.userId)],
);
