import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { groups } from '../../db/schema';
import { firstRow } from '../../db/sql';

// Course groups. A group's name is unique in its course (a unique index); its ID number, when
// set, is unique in its course by the functions' rule.

export type GroupRow = typeof groups.$inferSelect;
type NewGroupRow = typeof groups.$inferInsert;

export async function groupIdByName(db: DbOrTx, courseId: number, name: string): Promise<number | undefined> {
  return (
    await db
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.courseId, courseId), eq(groups.name, name)))
      .limit(1)
  ).at(0)?.id;
}

export async function groupIdByIdnumber(db: DbOrTx, courseId: number, idnumber: string): Promise<number | undefined> {
  return (
    await db
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.courseId, courseId), eq(groups.idnumber, idnumber)))
      .limit(1)
  ).at(0)?.id;
}

export async function insertGroup(tx: DbOrTx, row: NewGroupRow): Promise<GroupRow> {
  return firstRow(await tx.insert(groups).values(row).returning());
}

/** A course's groups by name. */
export async function groupsOfCourse(db: DbOrTx, courseId: number): Promise<GroupRow[]> {
  return await db.select().from(groups).where(eq(groups.courseId, courseId)).orderBy(asc(groups.name), asc(groups.id));
}

/** The groups with these ids (ids that name no group are left out). */
export async function groupsByIds(db: DbOrTx, ids: readonly number[]): Promise<GroupRow[]> {
  if (!ids.length) return [];
  return await db
    .select()
    .from(groups)
    .where(inArray(groups.id, [...ids]));
}

export async function deleteGroup(tx: DbOrTx, id: number): Promise<void> {
  await tx.delete(groups).where(eq(groups.id, id));
}
