import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courseModules, files } from '../../db/schema';
import { firstRow } from '../../db/sql';

// The files table: one row per stored file (Moodle's `files`), its content in the file store
// under `contenthash`. No rules here: features/files/files.service.ts keeps them.

export type FileRow = typeof files.$inferSelect;
export type NewFileRow = typeof files.$inferInsert;

/** Where a file lives: Moodle's (contextid, component, filearea, itemid, filepath, filename). */
export interface FilePlace {
  contextid: number;
  component: string;
  filearea: string;
  itemid: number;
  filepath: string;
  filename: string;
}

const at = (p: FilePlace) =>
  and(
    eq(files.contextid, p.contextid),
    eq(files.component, p.component),
    eq(files.filearea, p.filearea),
    eq(files.itemid, p.itemid),
    eq(files.filepath, p.filepath),
    eq(files.filename, p.filename),
  );

/** The file at `place`. */
export async function fileAt(db: DbOrTx, place: FilePlace): Promise<FileRow | undefined> {
  return (await db.select().from(files).where(at(place)).limit(1)).at(0);
}

/** The files of an area in several contexts (course modules' contents), by context, path and name. */
export async function filesInContexts(db: DbOrTx, contextids: readonly number[], filearea: string): Promise<FileRow[]> {
  if (contextids.length === 0) return [];
  return await db
    .select()
    .from(files)
    .where(and(inArray(files.contextid, [...contextids]), eq(files.filearea, filearea), isNotNull(files.contenthash)))
    .orderBy(files.contextid, files.filepath, files.filename);
}

/** How many bytes a user's own files (private and draft areas) take. */
export async function bytesOfUser(db: DbOrTx, userId: number): Promise<number> {
  return (
    (
      await db
        .select({ total: sql<number>`coalesce(sum(${files.filesize}), 0)`.mapWith(Number) })
        .from(files)
        .where(and(eq(files.userId, userId), eq(files.component, 'user')))
        .limit(1)
    ).at(0)?.total ?? 0
  );
}

/** Whether a draft item id is in use in a user context. */
export async function draftItemUsed(db: DbOrTx, contextid: number, itemid: number): Promise<boolean> {
  return (
    (
      await db
        .select({ id: files.id })
        .from(files)
        .where(
          and(
            eq(files.contextid, contextid),
            eq(files.component, 'user'),
            eq(files.filearea, 'draft'),
            eq(files.itemid, itemid),
          ),
        )
        .limit(1)
    ).at(0) !== undefined
  );
}

export async function insertFile(tx: DbOrTx, row: NewFileRow): Promise<FileRow> {
  return firstRow(await tx.insert(files).values(row).returning());
}

/** Deletes a file row; returns its content hash (null for a row still holding legacy content). */
export async function deleteFile(tx: DbOrTx, id: number): Promise<{ contenthash: string | null } | undefined> {
  return firstRow(await tx.delete(files).where(eq(files.id, id)).returning({ contenthash: files.contenthash }));
}

/** How many rows use a content hash. */
export async function rowsUsing(db: DbOrTx, hash: string): Promise<number> {
  return (
    (
      await db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(files)
        .where(eq(files.contenthash, hash))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

/** Every content hash a row uses. */
export async function usedHashes(db: DbOrTx): Promise<Set<string>> {
  const rows = await db.selectDistinct({ h: files.contenthash }).from(files).where(isNotNull(files.contenthash));
  return new Set(rows.map((r) => r.h as string));
}

/** Rows written before the file store, their content still in the row (a few at a time). */
export async function legacyRows(db: DbOrTx, limit: number): Promise<{ id: number; content: string }[]> {
  return (await db
    .select({ id: files.id, content: files.content })
    .from(files)
    .where(and(isNull(files.contenthash), isNotNull(files.content)))
    .limit(limit)) as { id: number; content: string }[];
}

export async function setContentHash(tx: DbOrTx, id: number, hash: string, size: number): Promise<void> {
  await tx.update(files).set({ contenthash: hash, content: null, filesize: size }).where(eq(files.id, id));
}

/** Draft files older than `before` (Moodle purges draft areas after four days). */
export async function staleDrafts(db: DbOrTx, before: number): Promise<{ id: number }[]> {
  return await db
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.component, 'user'), eq(files.filearea, 'draft'), lt(files.timemodified, before)));
}

/** A course module by id, with what access to its files needs (read here: the courses repo has no lookup by id). */
export async function moduleById(
  db: DbOrTx,
  cmid: number,
): Promise<{ id: number; courseId: number; modname: string; visible: boolean } | undefined> {
  return (
    await db
      .select({
        id: courseModules.id,
        courseId: courseModules.courseId,
        modname: courseModules.modname,
        visible: courseModules.visible,
      })
      .from(courseModules)
      .where(eq(courseModules.id, cmid))
      .limit(1)
  ).at(0);
}

/** A page module's content (Moodle's page.content and contentformat), served as its index.html. */
export async function pageContentOf(
  db: DbOrTx,
  cmid: number,
): Promise<{ content: string; contentformat: number } | undefined> {
  return (
    await db
      .select({ content: courseModules.content, contentformat: courseModules.contentformat })
      .from(courseModules)
      .where(and(eq(courseModules.id, cmid), eq(courseModules.modname, 'page')))
      .limit(1)
  ).at(0);
}
