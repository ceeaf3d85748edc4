import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { files } from '../../db/schema';

// The files of users' private and draft areas (the files table), as core_files_upload stores
// them: a file's name is unique per user, area and path (Gatehouse stores no item id).

export type NewFileRow = typeof files.$inferInsert;

/** Where a file lives: its user, area, path and name. */
export interface FilePlace {
  userId: number;
  filearea: string;
  filepath: string;
  filename: string;
}

/** The file at `place`, with its size in bytes. */
export async function fileAt(db: DbOrTx, place: FilePlace): Promise<{ id: number; size: number } | undefined> {
  return db
    .select({ id: files.id, size: files.filesize })
    .from(files)
    .where(
      and(
        eq(files.userId, place.userId),
        eq(files.filearea, place.filearea),
        eq(files.filepath, place.filepath),
        eq(files.filename, place.filename),
      ),
    )
    .get();
}

/** How many bytes a user's files take, over all their areas. */
export async function bytesOfUser(db: DbOrTx, userId: number): Promise<number> {
  return (
    db
      .select({ total: sql<number>`coalesce(sum(${files.filesize}), 0)` })
      .from(files)
      .where(eq(files.userId, userId))
      .get()?.total ?? 0
  );
}

export async function insertFile(tx: DbOrTx, row: NewFileRow): Promise<void> {
  tx.insert(files).values(row).run();
}

export async function deleteFile(tx: DbOrTx, id: number): Promise<void> {
  tx.delete(files).where(eq(files.id, id)).run();
}
