import { asc, count, eq, inArray, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courseModules, courseSections, courses } from '../../db/schema';

// Courses with their sections and activities (course modules). Courses are made by
// core_course_create_courses and the seed; nothing removes one.

export type CourseRow = typeof courses.$inferSelect;
type NewCourseRow = typeof courses.$inferInsert;

export async function findCourse(db: DbOrTx, id: number): Promise<CourseRow | undefined> {
  return db.select().from(courses).where(eq(courses.id, id)).get();
}

/** The courses with these ids, by id. */
export async function coursesByIds(db: DbOrTx, ids: readonly number[]): Promise<CourseRow[]> {
  if (!ids.length) return [];
  return db
    .select()
    .from(courses)
    .where(inArray(courses.id, [...ids]))
    .orderBy(asc(courses.id))
    .all();
}

/** Every course but one (the site course), by id. */
export async function coursesExcept(db: DbOrTx, id: number): Promise<CourseRow[]> {
  return db.select().from(courses).where(ne(courses.id, id)).orderBy(asc(courses.id)).all();
}

/** Which of these ids are courses. */
export async function existingCourseIds(db: DbOrTx, ids: readonly number[]): Promise<number[]> {
  if (!ids.length) return [];
  return db
    .select({ id: courses.id })
    .from(courses)
    .where(inArray(courses.id, [...ids]))
    .all()
    .map((r) => r.id);
}

export async function courseIdByShortname(db: DbOrTx, shortname: string): Promise<number | undefined> {
  return db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).get()?.id;
}

export async function courseIdByIdnumber(db: DbOrTx, idnumber: string): Promise<number | undefined> {
  return db.select({ id: courses.id }).from(courses).where(eq(courses.idnumber, idnumber)).get()?.id;
}

export async function insertCourse(tx: DbOrTx, row: NewCourseRow): Promise<{ id: number; shortname: string }> {
  return tx.insert(courses).values(row).returning({ id: courses.id, shortname: courses.shortname }).get();
}

// ---- sections and activities ------------------------------------------------------------------

/** Sections 0..last of a course, with the defaults (no name, no summary, visible). */
export async function insertSections(tx: DbOrTx, courseId: number, last: number): Promise<void> {
  tx.insert(courseSections)
    .values(Array.from({ length: last + 1 }, (_, section) => ({ courseId, section })))
    .run();
}

/** How many sections each course has (courses without any are left out). */
export async function sectionCountsByCourse(db: DbOrTx): Promise<Map<number, number>> {
  return new Map(
    db
      .select({ courseId: courseSections.courseId, n: count() })
      .from(courseSections)
      .groupBy(courseSections.courseId)
      .all()
      .map((r) => [r.courseId, r.n]),
  );
}

export async function sectionsOf(db: DbOrTx, courseId: number) {
  return db
    .select()
    .from(courseSections)
    .where(eq(courseSections.courseId, courseId))
    .orderBy(asc(courseSections.section))
    .all();
}

/** A course's activities in their order. */
export async function modulesOf(db: DbOrTx, courseId: number) {
  return db
    .select()
    .from(courseModules)
    .where(eq(courseModules.courseId, courseId))
    .orderBy(asc(courseModules.position), asc(courseModules.id))
    .all();
}
