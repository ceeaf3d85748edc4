import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Site settings, Moodle's names and string values. */
export const config = sqliteTable('config', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});
