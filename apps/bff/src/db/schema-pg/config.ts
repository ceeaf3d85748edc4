import { pgTable, text } from 'drizzle-orm/pg-core';

/** Site settings, Moodle's names and string values. */
export const config = pgTable('config', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});
