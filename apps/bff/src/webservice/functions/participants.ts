import { type Infer, multiple, single, value } from '@gatehouse/shared';
import { type CourseRow, findCourse } from '../../features/courses/courses.repo';
import { coursesOfUser, findEnrolment } from '../../features/enrolments/enrolments.repo';
import { listRoleRows } from '../../features/roles/roles.repo';
import {
  courseParticipants,
  coursesOfUsers,
  enrolmentRoles,
  type ParticipantSort,
  siteParticipants,
  type UserCourse,
  usersByIds,
} from '../../features/users/participants.repo';
import { preferencesOf, type UserRow } from '../../features/users/users.repo';
import { invalidParameter, MoodleException, moodleError, requiredCapability } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { requireCourse, SITEID } from './common';
import {
  COURSE_USER_KEYS,
  USER_DEFAULT_FIELDS,
  USER_DESCRIPTION_KEYS,
  type UserExtras,
  userDetails,
  type Viewer,
  viewerOf,
} from './user-description';

// A course's participants: core_enrol_get_enrolled_users (enrol/externallib.php) and
// core_user_get_course_user_profiles (user/externallib.php), with Moodle's checks answered as
// Moodle's default roles answer them in the course (Gatehouse's capabilities are system-wide):
// every enrolled user may view the participants (student, teacher and editingteacher hold
// moodle/course:viewparticipants and moodle/user:viewdetails in Moodle); the course's teachers
// hold moodle/role:review, moodle/site:accessallgroups and (editing teachers)
// moodle/course:enrolreview; outside the course, the system-level capability decides.

const MOBILE = 'moodle_mobile_app';

/** moodle_exception('errorcoursecontextnotvalid', 'webservice', '', {message, courseid}). */
const courseContextError = (courseid: number, message: string) =>
  moodleError(
    'errorcoursecontextnotvalid',
    `You cannot execute functions in the course context (course id:${courseid}). The context error message was: ${message}`,
  );

/**
 * require_login_exception, as validate_context() throws it for a course the caller may not open
 * (lib/setuplib.php: errorcode requireloginerror, the reason as debug information).
 */
const requireLogin = (reason: string) =>
  new MoodleException('require_login_exception', 'requireloginerror', 'Course or activity not accessible.', reason);

/** The caller's place in a course: their enrolment role, checked as validate_context checks a course context. */
async function enterCourse(ctx: CallContext, course: CourseRow): Promise<string | undefined> {
  if (course.id === SITEID) return undefined;
  const role = (await findEnrolment(ctx.deps.store.db, course.id, ctx.user.id))?.role;
  const canView = ctx.hasCapability('moodle/course:view');
  if (role === undefined && !canView) throw requireLogin('Not enrolled');
  if (!course.visible && !canView && role !== 'editingteacher') {
    throw requireLogin('This course is currently unavailable to students');
  }
  return role;
}

const TEACHERS = new Set(['editingteacher', 'teacher', 'manager']);
const EDITING_TEACHERS = new Set(['editingteacher', 'manager']);

/**
 * A capability Moodle checks in the course context: held by the course's roles that have it by
 * default (`roles`), or in the system context, or through `proxy` (the Gatehouse capability
 * that stands for it system-wide).
 */
function requireInCourse(
  ctx: CallContext,
  callerRole: string | undefined,
  roles: ReadonlySet<string>,
  capability: string,
  what: string,
  proxy?: string,
): void {
  if (callerRole !== undefined && roles.has(callerRole)) return;
  if (ctx.hasCapability(capability) || (proxy !== undefined && ctx.hasCapability(proxy))) return;
  throw requiredCapability(capability, what);
}

/** PHP's (int) cast of a string, as clean_param(PARAM_INT) does: leading digits, else 0. */
function phpInt(v: string): number {
  const m = /^\s*([+-]?\d+)/.exec(v);
  if (!m) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/** clean_param(PARAM_ALPHANUMEXT): the characters that are not [a-zA-Z0-9_-] dropped. */
const alphanumext = (v: string) => v.replace(/[^a-zA-Z0-9_-]/g, '');

/** PHP's empty() of an option value. */
const phpEmpty = (v: string) => v === '' || v === '0';

/** enrolledcourses: a user's courses (not the site; hidden ones only where they teach) that the caller may open too. */
function visibleCourses(
  list: readonly UserCourse[],
  callerCourses: ReadonlySet<number> | 'all',
): { id: number; fullname: string; shortname: string }[] {
  return list
    .filter(
      (c) =>
        c.id !== SITEID &&
        (c.visible || c.role === 'editingteacher') &&
        (callerCourses === 'all' || callerCourses.has(c.id)),
    )
    .map((c) => ({ id: c.id, fullname: c.fullname, shortname: c.shortname }));
}

/** What the course functions add to a user's details: the role in the course, the courses, the caller's preferences. */
async function courseExtras(
  ctx: CallContext,
  viewer: Viewer,
  users: readonly { user: UserRow; role: string | undefined }[],
  fields: ReadonlySet<string> | undefined,
): Promise<Record<string, unknown>[]> {
  const db = ctx.deps.store.db;
  const want = (f: string) => !fields || fields.has(f);
  const roles = want('roles') ? new Map((await listRoleRows(db)).map((r) => [r.shortname, r])) : new Map();
  const callerCourses: ReadonlySet<number> | 'all' = !want('enrolledcourses')
    ? 'all'
    : ctx.hasCapability('moodle/course:view')
      ? 'all'
      : new Set((await coursesOfUser(db, ctx.user.id)).map((r) => r.course.id));
  const coursesOf = want('enrolledcourses')
    ? await coursesOfUsers(
        db,
        users.map((u) => u.user.id),
      )
    : undefined;
  const out: Record<string, unknown>[] = [];
  for (const { user, role } of users) {
    const r = role !== undefined ? roles.get(role) : undefined;
    const extras: UserExtras = {
      role: r ? { roleid: r.id, name: r.name, shortname: r.shortname, sortorder: r.sortorder } : undefined,
      lastcourseaccess: true,
    };
    if (coursesOf) extras.enrolledcourses = visibleCourses(coursesOf.get(user.id) ?? [], callerCourses);
    if (want('preferences') && user.id === ctx.user.id) extras.preferences = await preferencesOf(db, user.id);
    out.push(userDetails(viewer, user, extras, fields));
  }
  return out;
}

// ---- core_enrol_get_enrolled_users -----------------------------------------------------------

const SORTS = ['id', 'firstname', 'lastname', 'siteorder'] as const;

/** enrol/externallib.php get_enrolled_users()'s returns, in Moodle 4.x's order. */
const enrolledUserKeys = (() => {
  const u = USER_DESCRIPTION_KEYS;
  return {
    id: u.id,
    username: value('raw', 'Username policy is defined in Moodle security config', { optional: true }),
    firstname: value('raw', 'The first name(s) of the user', { optional: true }),
    lastname: value('raw', 'The family name of the user', { optional: true }),
    fullname: value('raw', 'The fullname of the user'),
    email: value('raw', 'An email address - allow email as root@localhost', { optional: true }),
    address: value('text', 'Postal address', { optional: true }),
    phone1: value('notags', 'Phone 1', { optional: true }),
    phone2: value('notags', 'Phone 2', { optional: true }),
    department: value('text', 'department', { optional: true }),
    institution: value('text', 'institution', { optional: true }),
    idnumber: u.idnumber,
    interests: u.interests,
    firstaccess: u.firstaccess,
    lastaccess: u.lastaccess,
    lastcourseaccess: value('int', 'last access to the course (0 if never)', { optional: true }),
    description: u.description,
    descriptionformat: u.descriptionformat,
    city: u.city,
    country: u.country,
    profileimageurlsmall: value('url', 'User image profile URL - small version', { optional: true }),
    profileimageurl: value('url', 'User image profile URL - big version', { optional: true }),
    customfields: multiple(
      single({
        type: value('alphanumext', 'The type of the custom field - text field, checkbox...'),
        value: value('raw', 'The value of the custom field'),
        name: value('raw', 'The name of the custom field'),
        shortname: value('raw', 'The shortname of the custom field - to be able to build the field class in the code'),
      }),
      'User custom fields (also known as user profil fields). Never sent: Gatehouse has no custom profile fields.',
      { optional: true },
    ),
    groups: COURSE_USER_KEYS.groups,
    roles: COURSE_USER_KEYS.roles,
    preferences: multiple(
      single({
        name: value('raw', 'The name of the preferences'),
        value: value('raw', 'The value of the custom field'),
      }),
      'User preferences (only for the calling user)',
      { optional: true },
    ),
    enrolledcourses: COURSE_USER_KEYS.enrolledcourses,
  };
})();

/** One user of get_enrolled_users' answer. */
const enrolledUser = single(enrolledUserKeys);

const OPTIONS_DESC = `Option names:
                            * withcapability (string) return only users with this capability. This option requires 'moodle/role:review' on the course context.
                            * groupid (integer) return only users in this group id. If the course has groups enabled and this param
                                                isn't defined, returns all the viewable users.
                                                This option requires 'moodle/site:accessallgroups' on the course context if the
                                                user doesn't belong to the group.
                            * onlyactive (integer) return only users with active enrolments and matching time restrictions.
                                                This option requires 'moodle/course:enrolreview' on the course context.
                                                Please note that this option can't
                                                be used together with onlysuspended (only one can be active).
                            * onlysuspended (integer) return only suspended users. This option requires
                                            'moodle/course:enrolreview' on the course context. Please note that this option can't
                                                be used together with onlyactive (only one can be active).
                            * userfields ('string, string, ...') return only the values of these user fields.
                            * limitfrom (integer) sql limit from.
                            * limitnumber (integer) maximum number of returned users.
                            * sortby (string) sort by id, firstname or lastname. For ordering like the site does, use siteorder.
                            * sortdirection (string) ASC or DESC`;

interface EnrolledOptions {
  withcapability: string;
  groupid: number;
  onlyactive: boolean;
  onlysuspended: boolean;
  userfields: string[];
  limitfrom: number;
  limitnumber: number;
  sortby: ParticipantSort;
  sortdirection: 'asc' | 'desc';
}

/** The options as get_enrolled_users reads them, in order: a later one overrides an earlier one; unknown names are ignored. */
function readOptions(options: { name: string; value: string }[]): EnrolledOptions {
  const o: EnrolledOptions = {
    withcapability: '',
    groupid: 0,
    onlyactive: false,
    onlysuspended: false,
    userfields: [],
    limitfrom: 0,
    limitnumber: 0,
    sortby: 'id',
    sortdirection: 'asc',
  };
  for (const { name, value: v } of options) {
    switch (name) {
      case 'withcapability':
        o.withcapability = v;
        break;
      case 'groupid':
        o.groupid = phpInt(v);
        break;
      case 'onlyactive':
        o.onlyactive = !phpEmpty(v);
        break;
      case 'onlysuspended':
        o.onlysuspended = !phpEmpty(v);
        break;
      case 'userfields':
        o.userfields.push(...v.split(',').map(alphanumext));
        break;
      case 'limitfrom':
        o.limitfrom = phpInt(v);
        break;
      case 'limitnumber':
        o.limitnumber = phpInt(v);
        break;
      case 'sortby':
        if (!(SORTS as readonly string[]).includes(v)) {
          throw invalidParameter(
            `Invalid value for sortby parameter (value: ${v}), allowed values are: ${SORTS.join(',')}`,
          );
        }
        o.sortby = v as ParticipantSort;
        break;
      case 'sortdirection': {
        const d = v.toUpperCase();
        if (d !== 'ASC' && d !== 'DESC') {
          throw invalidParameter(
            `Invalid value for sortdirection parameter\n                        (value: ${d}),allowed values are: ASC,DESC`,
          );
        }
        o.sortdirection = d === 'DESC' ? 'desc' : 'asc';
        break;
      }
    }
  }
  return o;
}

/** user_get_user_details(): an unknown userfields name is moodle_exception('invaliduserfield', 'error', '', $field). */
function checkUserFields(fields: string[]): ReadonlySet<string> | undefined {
  if (!fields.length) return undefined;
  for (const f of fields) {
    if (!USER_DEFAULT_FIELDS.includes(f)) throw moodleError('invaliduserfield', `Invalid user field: ${f}`);
  }
  return new Set([...fields, 'id', 'fullname']);
}

const getEnrolledUsers = defineFunction({
  name: 'core_enrol_get_enrolled_users',
  component: 'core_enrol',
  description:
    "Get enrolled users by course id. Open to the course's participants and to holders of moodle/course:view and moodle/course:viewparticipants; for the site course (id 1), every user of the site, to holders of moodle/course:viewparticipants (Moodle checks moodle/site:viewparticipants, which Gatehouse does not have). Options as Moodle's: withcapability (needs moodle/role:review; a user is listed when they hold the capability site-wide), groupid (needs moodle/site:accessallgroups: the course's teachers; Gatehouse keeps no group memberships, so nobody is in a group), onlyactive and onlysuspended (need moodle/course:enrolreview: the course's editing teachers and holders of moodle/course:update; every Gatehouse enrolment is active), userfields, limitfrom, limitnumber, sortby (id, firstname, lastname, siteorder) and sortdirection. In a course in separate groups mode, a caller without moodle/site:accessallgroups sees nobody, as in Moodle for a user in no group. enrolledcourses lists only the courses the caller may open too; lastcourseaccess is 0 (Gatehouse records no course access); groups is always empty.",
  type: 'read',
  capabilities: [
    perRecord('moodle/course:viewparticipants', 'in the course, for a caller not enrolled in it'),
    perRecord('moodle/role:review', 'with the withcapability option'),
    // moodle/site:accessallgroups (groupid) and moodle/course:enrolreview (onlyactive, onlysuspended)
    // are not Gatehouse capabilities: the description says who passes those checks.
  ],
  example: {
    courseid: 2,
    options: [
      { name: 'limitfrom', value: '0' },
      { name: 'limitnumber', value: '100' },
      { name: 'sortby', value: 'siteorder' },
    ],
  },
  services: [MOBILE],
  parameters: single({
    courseid: value('int', 'course id'),
    options: multiple(
      single({
        name: value('alphanumext', 'option name'),
        value: value('raw', 'option value'),
      }),
      OPTIONS_DESC,
      { default: [] },
    ),
  }),
  returns: multiple(enrolledUser),
  async execute(ctx, { courseid, options }) {
    const o = readOptions(options);
    const db = ctx.deps.store.db;
    const course = await requireCourse(db, courseid);
    let callerRole: string | undefined;
    try {
      callerRole = await enterCourse(ctx, course);
    } catch (e) {
      // The context error wrapped, its message as Moodle's getMessage() gives it (no debug information).
      if (e instanceof MoodleException) throw courseContextError(course.id, e.message);
      throw e;
    }
    // course_require_view_participants().
    if (course.id === SITEID || callerRole === undefined) {
      ctx.requireCapability('moodle/course:viewparticipants', 'View participants');
    }
    if (o.withcapability) requireInCourse(ctx, callerRole, TEACHERS, 'moodle/role:review', 'Review permissions');
    // Nobody is a member of a group here: a group filter always needs moodle/site:accessallgroups.
    const accessAllGroups = (role: string | undefined) =>
      (role !== undefined && TEACHERS.has(role)) ||
      ctx.hasCapability('moodle/site:accessallgroups') ||
      ctx.hasCapability('moodle/course:managegroups');
    if (o.groupid && !accessAllGroups(callerRole)) {
      throw requiredCapability('moodle/site:accessallgroups', 'Access all groups');
    }
    if (o.onlyactive || o.onlysuspended) {
      requireInCourse(
        ctx,
        callerRole,
        EDITING_TEACHERS,
        'moodle/course:enrolreview',
        'Review course enrolments',
        'moodle/course:update',
      );
    }
    if (o.onlyactive && o.onlysuspended) {
      // lib/enrollib.php get_enrolled_join().
      throw new MoodleException(
        'coding_exception',
        'codingerror',
        'Coding error detected, it must be fixed by a programmer: Both onlyactive and onlysuspended are set, this is probably not what you want!',
      );
    }
    const fields = checkUserFields(o.userfields);
    // Everyone enrolled is active: onlysuspended and a group find nobody.
    if (o.onlysuspended || o.groupid) return [];
    if (course.id !== SITEID && course.groupmode === 1 && !accessAllGroups(callerRole)) return [];
    const filtered = o.withcapability !== '';
    const page = {
      sort: o.sortby,
      dir: o.sortdirection,
      // With withcapability the filter runs before the page is cut, as Moodle's SQL does.
      offset: filtered ? 0 : o.limitfrom,
      limit: filtered ? 0 : o.limitnumber,
    };
    let list: { user: UserRow; role: string | undefined }[] =
      course.id === SITEID
        ? (await siteParticipants(db, page)).map((user) => ({ user, role: undefined }))
        : await courseParticipants(db, { courseId: course.id, ...page });
    if (filtered) {
      list = list.filter(({ user }) => ctx.deps.authz.has(user, o.withcapability));
      const from = Math.max(0, o.limitfrom);
      list = o.limitnumber > 0 ? list.slice(from, from + o.limitnumber) : list.slice(from);
    }
    const viewer = viewerOf(ctx, { row: course, callerRole });
    return (await courseExtras(ctx, viewer, list, fields)) as unknown as Infer<typeof enrolledUser>[];
  },
});

// ---- core_user_get_course_user_profiles ------------------------------------------------------

/** user_description() with get_course_user_profiles' additional fields (groups, roles, enrolledcourses). */
const courseUser = single({ ...USER_DESCRIPTION_KEYS, ...COURSE_USER_KEYS });

const getCourseUserProfiles = defineFunction({
  name: 'core_user_get_course_user_profiles',
  component: 'core_user',
  description:
    "Get course user profiles (each of them should be enrolled in the course). For each userid/courseid pair, the user's details as seen in that course. Deleted and unknown users are left out, as Moodle leaves them out; so is a user not enrolled in the course, unless it is the caller or the caller holds moodle/user:viewdetails (Moodle would answer any student of the course about any user). The caller must be able to open each course (enrolled, or moodle/course:view): otherwise require_login_exception; a course that does not exist is invalid_parameter_exception 'Context does not exist', as in Moodle. When a user appears twice, the last course given for them is used, as in Moodle. Keys as core_user_get_users_by_field's, then groups (always empty: no group memberships), roles and enrolledcourses (only courses the caller may open too).",
  type: 'read',
  capabilities: [perRecord('moodle/course:view', 'for a course the caller is not enrolled in')],
  example: { userlist: [{ userid: 5, courseid: 2 }] },
  services: [MOBILE],
  parameters: single({
    userlist: multiple(
      single({
        userid: value('int', 'userid'),
        courseid: value('int', 'courseid'),
      }),
    ),
  }),
  returns: multiple(courseUser),
  async execute(ctx, { userlist }) {
    const db = ctx.deps.store.db;
    // $courseids[$value['userid']] = $value['courseid']: the last pair of a user wins.
    const courseOf = new Map<number, number>();
    for (const { userid, courseid } of userlist) courseOf.set(userid, courseid);
    if (!courseOf.size) return [];
    // Moodle reads the users in id order and validates each one's course context on the way.
    const rows = await usersByIds(db, [...courseOf.keys()]);
    const courses = new Map<number, { row: CourseRow; callerRole: string | undefined }>();
    const out: Record<string, unknown>[] = [];
    for (const user of rows) {
      if (user.deleted) continue;
      const courseid = courseOf.get(user.id) as number;
      let entry = courses.get(courseid);
      if (!entry) {
        // A course that does not exist has no context: validate_context(false).
        const row = await findCourse(db, courseid);
        if (!row) throw invalidParameter('Context does not exist');
        entry = { row, callerRole: await enterCourse(ctx, row) };
        courses.set(courseid, entry);
      }
      // Only the course's participants (and oneself), unless the caller may view every user's profile.
      const role =
        entry.row.id === SITEID ? undefined : (await enrolmentRoles(db, entry.row.id, [user.id])).get(user.id);
      const participant = entry.row.id !== SITEID && role !== undefined;
      if (!participant && user.id !== ctx.user.id && !ctx.hasCapability('moodle/user:viewdetails')) continue;
      const viewer = viewerOf(ctx, entry);
      out.push(...(await courseExtras(ctx, viewer, [{ user, role }], undefined)));
    }
    return out as unknown as Infer<typeof courseUser>[];
  },
});

export const PARTICIPANTS_FUNCTIONS = [getEnrolledUsers, getCourseUserProfiles];
