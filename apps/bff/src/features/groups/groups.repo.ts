import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { groups } from '../../db/schema';

// Course groups. A group's name is unique in its course (a unique index); its ID number, when
// set, is unique in its course by the functions' rule.

export type GroupRow = typeof groups.$inferSelect;
type NewGroupRow = typeof groups.$inferInsert;

export async function groupIdByName(db: DbOrTx, courseId: number, name: string): Promise<number | undefined> {
  return db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.courseId, courseId), eq(groups.name, name)))
    .get()?.id;
}

export async function groupIdByIdnumber(db: DbOrTx, courseId: number, idnumber: string): Promise<number | undefined> {
  return db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.courseId, courseId), eq(groups.idnumber, idnumber)))
    .get()?.id;
}

export async function insertGroup(tx: DbOrTx, row: NewGroupRow): Promise<GroupRow> {
  return tx.insert(groups).values(row).returning().get();
}

/** A course's groups by name. */
export async function groupsOfCourse(db: DbOrTx, courseId: number): Promise<GroupRow[]> {
  return db.select().from(groups).where(eq(groups.courseId, courseId)).orderBy(asc(groups.name), asc(groups.id)).all();
}

/** The groups with these ids (ids that name no group are left out). */
export async function groupsByIds(db: DbOrTx, ids: readonly number[]): Promise<GroupRow[]> {
  if (!ids.length) return [];
  return db
    .select()
    .from(groups)
    .where(inArray(groups.id, [...ids]))
    .all();
}

export async function deleteGroup(tx: DbOrTx, id: number): Promise<void> {
  tx.delete(groups).where(eq(groups.id, id)).run();
}
