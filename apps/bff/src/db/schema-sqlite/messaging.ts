import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { courses } from './courses';
import { users } from './users';

export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userIdFrom: integer('useridfrom')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userIdTo: integer('useridto')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    textformat: integer('textformat').notNull().default(0),
    clientMsgId: text('clientmsgid'),
    timecreated: integer('timecreated').notNull(),
    timeread: integer('timeread'),
  },
  (t) => [
    index('messages_to_idx').on(t.userIdTo, t.timecreated),
    index('messages_from_idx').on(t.userIdFrom, t.timecreated),
  ],
);

export const notes = sqliteTable(
  'notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    created: integer('created').notNull(),
    lastmodified: integer('lastmodified').notNull(),
  },
  (t) => [index('notes_user_idx').on(t.userId)],
);
