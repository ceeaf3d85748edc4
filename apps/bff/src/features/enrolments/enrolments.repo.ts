import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courses, enrolments, users } from '../../db/schema';
import type { CourseRow } from '../courses/courses.repo';

// Course enrolments (manual enrolment only): who is in which course, with which role.

/** A user's enrolment in a course, with the role held there. */
export async function findEnrolment(
  db: DbOrTx,
  courseId: number,
  userId: number,
): Promise<{ role: string } | undefined> {
  return db
    .select({ role: enrolments.role })
    .from(enrolments)
    .where(and(eq(enrolments.courseId, courseId), eq(enrolments.userId, userId)))
    .get();
}

/** The courses a user is enrolled in, with the role held in each, by full name. */
export async function coursesOfUser(db: DbOrTx, userId: number): Promise<{ course: CourseRow; role: string }[]> {
  return db
    .select({ course: courses, role: enrolments.role })
    .from(enrolments)
    .innerJoin(courses, eq(courses.id, enrolments.courseId))
    .where(eq(enrolments.userId, userId))
    .orderBy(asc(courses.fullname), asc(courses.id))
    .all();
}

/** How many users (not deleted) each of these courses has enrolled; courses without any are left out. */
export async function enrolledCounts(db: DbOrTx, courseIds: readonly number[]): Promise<Map<number, number>> {
  if (!courseIds.length) return new Map();
  return new Map(
    db
      .select({ courseId: enrolments.courseId, n: count() })
      .from(enrolments)
      .innerJoin(users, eq(users.id, enrolments.userId))
      .where(and(inArray(enrolments.courseId, [...courseIds]), eq(users.deleted, false)))
      .groupBy(enrolments.courseId)
      .all()
      .map((r) => [r.courseId, r.n]),
  );
}
