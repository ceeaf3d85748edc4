import { and, asc, count, eq, inArray, like } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courses, enrolments, userPreferences, users } from '../../db/schema';
import type { CourseRow } from '../courses/courses.repo';

// Course enrolments (manual enrolment only): who is in which course, with which role.

/** A user's enrolment in a course, with the role held there. */
export async function findEnrolment(
  db: DbOrTx,
  courseId: number,
  userId: number,
): Promise<{ role: string } | undefined> {
  return (
    await db
      .select({ role: enrolments.role })
      .from(enrolments)
      .where(and(eq(enrolments.courseId, courseId), eq(enrolments.userId, userId)))
      .limit(1)
  ).at(0);
}

/** The courses a user is enrolled in, with the role held in each, by full name. */
export async function coursesOfUser(db: DbOrTx, userId: number): Promise<{ course: CourseRow; role: string }[]> {
  return await db
    .select({ course: courses, role: enrolments.role })
    .from(enrolments)
    .innerJoin(courses, eq(courses.id, enrolments.courseId))
    .where(eq(enrolments.userId, userId))
    .orderBy(asc(courses.fullname), asc(courses.id));
}

/** How many users (not deleted) each of these courses has enrolled; courses without any are left out. */
export async function enrolledCounts(db: DbOrTx, courseIds: readonly number[]): Promise<Map<number, number>> {
  if (!courseIds.length) return new Map();
  return new Map(
    (
      await db
        .select({ courseId: enrolments.courseId, n: count() })
        .from(enrolments)
        .innerJoin(users, eq(users.id, enrolments.userId))
        .where(and(inArray(enrolments.courseId, [...courseIds]), eq(users.deleted, false)))
        .groupBy(enrolments.courseId)
    ).map((r) => [r.courseId, r.n]),
  );
}

/** The ids of the courses a user is enrolled in. */
export async function enrolledCourseIds(db: DbOrTx, userId: number): Promise<Set<number>> {
  return new Set(
    (await db.select({ courseId: enrolments.courseId }).from(enrolments).where(eq(enrolments.userId, userId))).map(
      (r) => r.courseId,
    ),
  );
}

/** A user's block_myoverview_hidden_course_<id> preferences (courses hidden from the dashboard), by course id. */
export async function hiddenCoursePreferences(db: DbOrTx, userId: number): Promise<Map<number, string>> {
  const prefix = 'block_myoverview_hidden_course_';
  const out = new Map<number, string>();
  for (const r of await db
    .select({ name: userPreferences.name, value: userPreferences.value })
    .from(userPreferences)
    .where(and(eq(userPreferences.userId, userId), like(userPreferences.name, `${prefix}%`)))) {
    const id = r.name.slice(prefix.length);
    if (r.name.startsWith(prefix) && /^\d+$/.test(id)) out.set(Number(id), r.value);
  }
  return out;
}
