import type { DbOrTx } from '../../db/client';
import { notes } from '../../db/schema';
import { firstRow } from '../../db/sql';

// Notes about users (core_notes), kept in a course: site notes in the site course.

type NewNoteRow = typeof notes.$inferInsert;

/** Inserts a note; its id. */
export async function insertNote(tx: DbOrTx, row: NewNoteRow): Promise<number> {
  return firstRow(await tx.insert(notes).values(row).returning({ id: notes.id })).id;
}
