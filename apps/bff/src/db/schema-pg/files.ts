import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * Stored files, as Moodle's `files` table: one row per file (context, component, area, item id,
 * path and name), its content in the file store under `contenthash` (SHA-1). Several rows may
 * share one content; the content stays while any row uses it.
 */
export const files = pgTable(
  'files',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** SHA-1 of the content, in the file store. Null only for a row written before the file store (see `content`). */
    contenthash: text('contenthash'),
    contextid: bigint('contextid', { mode: 'number' }).notNull(),
    component: text('component').notNull().default('user'),
    filearea: text('filearea').notNull().default('private'),
    itemid: bigint('itemid', { mode: 'number' }).notNull().default(0),
    filepath: text('filepath').notNull().default('/'),
    filename: text('filename').notNull(),
    /** Who added the file (Moodle's userid; null for files no user added). */
    userId: bigint('user_id', { mode: 'number' }).references(() => users.id, { onDelete: 'cascade' }),
    mimetype: text('mimetype').notNull().default('application/octet-stream'),
    filesize: bigint('filesize', { mode: 'number' }).notNull(),
    /**
     * The content in base64, for rows written before the file store: moved into the store (and
     * set to null) the first time the files are used after an upgrade. Never written otherwise.
     */
    content: text('content'),
    source: text('source'),
    author: text('author'),
    license: text('license'),
    timecreated: bigint('timecreated', { mode: 'number' }).notNull(),
    timemodified: bigint('timemodified', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    uniqueIndex('files_place_idx').on(t.contextid, t.component, t.filearea, t.itemid, t.filepath, t.filename),
    index('files_user_idx').on(t.userId, t.filearea),
    index('files_contenthash_idx').on(t.contenthash),
  ],
);
