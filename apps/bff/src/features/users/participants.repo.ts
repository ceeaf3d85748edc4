import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { courses, enrolments, type UserRow, users } from '../../db/schema';

// A course's participants as the web services list them (core_enrol_get_enrolled_users,
// core_user_get_course_user_profiles): enrolled users who are not deleted, with the role each
// holds in the course. Gatehouse has manual enrolments only, always active.

export interface Participant {
  user: UserRow;
  /** The role held in the course (a role shortname). */
  role: string;
}

/** Moodle's sortby option: us.id, us.firstname, us.lastname, or users_order_by_sql (lastname, firstname, id). */
export type ParticipantSort = 'id' | 'firstname' | 'lastname' | 'siteorder';

export interface ParticipantQuery {
  courseId: number;
  sort: ParticipantSort;
  dir: 'asc' | 'desc';
  /** SQL offset and limit; a limit of 0 is no limit, as Moodle's get_recordset_sql. */
  offset: number;
  limit: number;
}

/** The enrolled users of a course (not deleted), in the order asked for, one page of them. */
export async function courseParticipants(db: DbOrTx, q: ParticipantQuery): Promise<Participant[]> {
  const dir = q.dir === 'desc' ? desc : asc;
  const order: SQL[] =
    q.sort === 'id'
      ? [dir(users.id)]
      : q.sort === 'firstname'
        ? [dir(users.firstname), asc(users.id)]
        : q.sort === 'lastname'
          ? [dir(users.lastname), asc(users.id)]
          : // users_order_by_sql('us'): us.lastname, us.firstname, us.id, with the direction on the last.
            [asc(users.lastname), asc(users.firstname), dir(users.id)];
  const query = db
    .select({ user: users, role: enrolments.role })
    .from(enrolments)
    .innerJoin(users, eq(users.id, enrolments.userId))
    .where(and(eq(enrolments.courseId, q.courseId), eq(users.deleted, false)))
    .orderBy(...order);
  // SQLite needs a LIMIT before an OFFSET: -1 is no limit.
  return await query.limit(q.limit > 0 ? q.limit : -1).offset(Math.max(0, q.offset));
}

/** The users of the site that are not deleted (the front page's "participants"), a page of them. */
export async function siteParticipants(db: DbOrTx, q: Omit<ParticipantQuery, 'courseId'>): Promise<UserRow[]> {
  const dir = q.dir === 'desc' ? desc : asc;
  const order: SQL[] =
    q.sort === 'id'
      ? [dir(users.id)]
      : q.sort === 'firstname'
        ? [dir(users.firstname), asc(users.id)]
        : q.sort === 'lastname'
          ? [dir(users.lastname), asc(users.id)]
          : [asc(users.lastname), asc(users.firstname), dir(users.id)];
  return await db
    .select()
    .from(users)
    .where(and(eq(users.deleted, false), eq(users.isGuest, false)))
    .orderBy(...order)
    .limit(q.limit > 0 ? q.limit : -1)
    .offset(Math.max(0, q.offset));
}

/** The roles these users hold in a course, by user id (enrolled users only). */
export async function enrolmentRoles(
  db: DbOrTx,
  courseId: number,
  userIds: readonly number[],
): Promise<Map<number, string>> {
  if (!userIds.length) return new Map();
  return new Map(
    (
      await db
        .select({ userId: enrolments.userId, role: enrolments.role })
        .from(enrolments)
        .where(and(eq(enrolments.courseId, courseId), inArray(enrolments.userId, [...userIds])))
    ).map((r) => [r.userId, r.role]),
  );
}

/** The users with these ids (deleted ones too: the caller decides), by id. */
export async function usersByIds(db: DbOrTx, ids: readonly number[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return await db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]))
    .orderBy(asc(users.id));
}

/** A course a user is enrolled in, as enrolledcourses lists it. */
export interface UserCourse {
  id: number;
  fullname: string;
  shortname: string;
  visible: boolean;
  role: string;
}

/**
 * The courses each of these users is enrolled in, in enrol_get_users_courses()' order (visible
 * first, then the course order): one query for the whole page of users.
 */
export async function coursesOfUsers(db: DbOrTx, userIds: readonly number[]): Promise<Map<number, UserCourse[]>> {
  const out = new Map<number, UserCourse[]>();
  if (!userIds.length) return out;
  const rows = await db
    .select({
      userId: enrolments.userId,
      id: courses.id,
      fullname: courses.fullname,
      shortname: courses.shortname,
      visible: courses.visible,
      role: enrolments.role,
    })
    .from(enrolments)
    .innerJoin(courses, eq(courses.id, enrolments.courseId))
    .where(inArray(enrolments.userId, [...userIds]))
    .orderBy(desc(courses.visible), asc(courses.sortorder), asc(courses.id));
  for (const { userId, ...c } of rows) {
    const list = out.get(userId);
    if (list) list.push(c);
    else out.set(userId, [c]);
  }
  return out;
}
