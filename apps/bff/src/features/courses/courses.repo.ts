import { and, asc, eq, inArray, max } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courseFormatOptions, courseModules, courseSections, courses } from '../../db/schema';
import { firstRow } from '../../db/sql';

// Courses with their sections and activities (course modules). Courses are made by
// core_course_create_courses and the seed; nothing removes one.

export type CourseRow = typeof courses.$inferSelect;
type NewCourseRow = typeof courses.$inferInsert;

export async function findCourse(db: DbOrTx, id: number): Promise<CourseRow | undefined> {
  return (await db.select().from(courses).where(eq(courses.id, id)).limit(1)).at(0);
}

/** The courses with these ids, by id. */
export async function coursesByIds(db: DbOrTx, ids: readonly number[]): Promise<CourseRow[]> {
  if (!ids.length) return [];
  return await db
    .select()
    .from(courses)
    .where(inArray(courses.id, [...ids]))
    .orderBy(asc(courses.id));
}

/** Every course, the site course included, by id. */
export async function allCourses(db: DbOrTx): Promise<CourseRow[]> {
  return await db.select().from(courses).orderBy(asc(courses.id));
}

/** Which of these ids are courses. */
export async function existingCourseIds(db: DbOrTx, ids: readonly number[]): Promise<number[]> {
  if (!ids.length) return [];
  return (
    await db
      .select({ id: courses.id })
      .from(courses)
      .where(inArray(courses.id, [...ids]))
  ).map((r) => r.id);
}

export async function courseIdByShortname(db: DbOrTx, shortname: string): Promise<number | undefined> {
  return (await db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(0)?.id;
}

export async function courseIdByIdnumber(db: DbOrTx, idnumber: string): Promise<number | undefined> {
  return (await db.select({ id: courses.id }).from(courses).where(eq(courses.idnumber, idnumber)).limit(1)).at(0)?.id;
}

export async function insertCourse(tx: DbOrTx, row: NewCourseRow): Promise<{ id: number; shortname: string }> {
  return firstRow(await tx.insert(courses).values(row).returning({ id: courses.id, shortname: courses.shortname }));
}

// ---- course format options ------------------------------------------------------------------

/** The stored course-level format options (section 0 rows) of these courses, by course id, for their format. */
export async function formatOptionsOf(
  db: DbOrTx,
  courseIds: readonly number[],
): Promise<Map<number, { format: string; name: string; value: string }[]>> {
  const out = new Map<number, { format: string; name: string; value: string }[]>();
  if (!courseIds.length) return out;
  const rows = await db
    .select({
      courseId: courseFormatOptions.courseId,
      format: courseFormatOptions.format,
      name: courseFormatOptions.name,
      value: courseFormatOptions.value,
    })
    .from(courseFormatOptions)
    .where(and(inArray(courseFormatOptions.courseId, [...courseIds]), eq(courseFormatOptions.sectionId, 0)))
    .orderBy(asc(courseFormatOptions.id));
  for (const r of rows) {
    const list = out.get(r.courseId) ?? [];
    list.push({ format: r.format, name: r.name, value: r.value });
    out.set(r.courseId, list);
  }
  return out;
}

/** Stores a course's format options (course level: section 0). */
export async function insertFormatOptions(
  tx: DbOrTx,
  courseId: number,
  format: string,
  options: readonly { name: string; value: string }[],
): Promise<void> {
  if (!options.length) return;
  await tx
    .insert(courseFormatOptions)
    .values(options.map((o) => ({ courseId, format, sectionId: 0, name: o.name, value: o.value })));
}

// ---- sections and activities ------------------------------------------------------------------

/** Sections 0..last of a course, with the defaults (no name, no summary, visible). */
export async function insertSections(tx: DbOrTx, courseId: number, last: number): Promise<void> {
  await tx.insert(courseSections).values(Array.from({ length: last + 1 }, (_, section) => ({ courseId, section })));
}

/** The highest section number of each of these courses (courses without sections are left out). */
export async function lastSectionNumbers(db: DbOrTx, courseIds: readonly number[]): Promise<Map<number, number>> {
  if (!courseIds.length) return new Map();
  return new Map(
    (
      await db
        .select({ courseId: courseSections.courseId, last: max(courseSections.section) })
        .from(courseSections)
        .where(inArray(courseSections.courseId, [...courseIds]))
        .groupBy(courseSections.courseId)
    ).map((r) => [r.courseId, r.last ?? 0]),
  );
}

export async function sectionsOf(db: DbOrTx, courseId: number) {
  return await db
    .select()
    .from(courseSections)
    .where(eq(courseSections.courseId, courseId))
    .orderBy(asc(courseSections.section));
}

/** A course's activities in their order. */
export async function modulesOf(db: DbOrTx, courseId: number) {
  return await db
    .select()
    .from(courseModules)
    .where(eq(courseModules.courseId, courseId))
    .orderBy(asc(courseModules.position), asc(courseModules.id));
}
