import { type ExternalDescription, multiple, single, value } from '@gatehouse/shared';
import type { CourseRow } from '../../features/courses/courses.repo';
import type { UserRow } from '../../features/users/users.repo';
import type { CallContext } from '../types';
import { formatText, fullname, profileImageUrl } from './common';

// Moodle's core_user_external::user_description() and user_get_user_details() (user/lib.php):
// the one shape every user-returning function answers with (core_user_get_users_by_field,
// core_enrol_get_enrolled_users, core_user_get_course_user_profiles), its keys in Moodle 4.x's
// order, and the rules for which keys a caller is given.
//
// Moodle decides with capabilities in the course or user context. Gatehouse's roles are
// system-wide, so each of Moodle's checks is answered as Moodle's default roles answer it
// (lib/db/access.php archetypes):
// - moodle/user:viewalldetails (username, auth, lang, ID number, ...): oneself, or
//   moodle/user:viewdetails in the system context (Gatehouse's managers);
// - moodle/site:viewfullnames (firstname, lastname), moodle/course:viewhiddenuserfields and
//   moodle/user:viewhiddendetails (address, phone1, phone2), moodle/course:useremail and
//   moodle/site:viewuseridentity with showuseridentity = email (the email whatever maildisplay
//   says): administrators, moodle/user:viewdetails in the system context, and the course's teachers;
// - hiddenuserfields is empty, profilesforenrolledusersonly is off.
// Not stored by Gatehouse, so never returned: interests (no tags), customfields (no profile fields).

const textFormat = (field: string) =>
  value('int', `${field} format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)`, { optional: true });

/** user_description()'s keys, in Moodle 4.x's order. */
export const USER_DESCRIPTION_KEYS = {
  id: value('int', 'ID of the user'),
  username: value('username', 'The username', { optional: true }),
  firstname: value('raw', 'The first name(s) of the user', { optional: true }),
  lastname: value('raw', 'The family name of the user', { optional: true }),
  fullname: value('raw', 'The fullname of the user'),
  email: value('raw', 'An email address - allow email as root@localhost', { optional: true }),
  address: value('text', 'Postal address', { optional: true }),
  phone1: value('notags', 'Phone 1', { optional: true }),
  phone2: value('notags', 'Phone 2', { optional: true }),
  department: value('notags', 'department', { optional: true }),
  institution: value('notags', 'institution', { optional: true }),
  idnumber: value('raw', 'An arbitrary ID code number perhaps from the institution', { optional: true }),
  interests: value('text', 'user interests (separated by commas)', { optional: true }),
  firstaccess: value('int', 'first access to the site (0 if never)', { optional: true }),
  lastaccess: value('int', 'last access to the site (0 if never)', { optional: true }),
  auth: value('plugin', 'Auth plugins include manual, ldap, etc', { optional: true }),
  suspended: value('bool', 'Suspend user account, either false to enable user login or true to disable it', {
    optional: true,
  }),
  confirmed: value('bool', 'Active user: 1 if confirmed, 0 otherwise', { optional: true }),
  lang: value('lang', 'Language code such as "en", must exist on server', { optional: true }),
  calendartype: value('plugin', 'Calendar type such as "gregorian", must exist on server', { optional: true }),
  theme: value('alphanumext', 'Theme name such as "standard", must exist on server', { optional: true }),
  timezone: value('raw', 'Timezone code such as Australia/Perth, or 99 for default', { optional: true }),
  mailformat: value('int', 'Mail format code is 0 for plain text, 1 for HTML etc', { optional: true }),
  description: value('raw', 'User profile description', { optional: true }),
  descriptionformat: textFormat('description'),
  city: value('notags', 'Home city of the user', { optional: true }),
  country: value('alpha', 'Home country code of the user, such as AU or CZ', { optional: true }),
  profileimageurlsmall: value('url', 'User image profile URL - small version'),
  profileimageurl: value('url', 'User image profile URL - big version'),
  customfields: multiple(
    single({
      type: value('alphanumext', 'The type of the custom field - text field, checkbox...'),
      value: value('raw', 'The value of the custom field (as stored in the database)'),
      displayvalue: value('raw', 'The value of the custom field for display', { optional: true }),
      name: value('raw', 'The name of the custom field'),
      shortname: value('raw', 'The shortname of the custom field - to be able to build the field class in the code'),
    }),
    'User custom fields (also known as user profile fields). Never sent: Gatehouse has no custom profile fields.',
    { optional: true },
  ),
  preferences: multiple(
    single({
      name: value('raw', 'The name of the preferences'),
      value: value('raw', 'The value of the preference'),
    }),
    'Users preferences (only for the calling user)',
    { optional: true },
  ),
} satisfies Record<string, ExternalDescription>;

/** The keys get_course_user_profiles and get_enrolled_users add after user_description()'s, in Moodle's order. */
export const COURSE_USER_KEYS = {
  groups: multiple(
    single({
      id: value('int', 'group id'),
      name: value('raw', 'group name'),
      description: value('raw', 'group description'),
      descriptionformat: value('int', 'description format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)'),
    }),
    'user groups. Always empty: Gatehouse keeps no group memberships.',
    { optional: true },
  ),
  roles: multiple(
    single({
      roleid: value('int', 'role id'),
      name: value('raw', 'role name'),
      shortname: value('alphanumext', 'role shortname'),
      sortorder: value('int', 'role sortorder'),
    }),
    'user roles',
    { optional: true },
  ),
  enrolledcourses: multiple(
    single({
      id: value('int', 'Id of the course'),
      fullname: value('raw', 'Fullname of the course'),
      shortname: value('raw', 'Shortname of the course'),
    }),
    'Courses where the user is enrolled - limited by which courses the user is able to see',
    { optional: true },
  ),
} satisfies Record<string, ExternalDescription>;

/** core_user_external::user_description(): what core_user_get_users_by_field returns per user. */
export const userDescription = single(USER_DESCRIPTION_KEYS);

/** Moodle's user_get_default_fields() (4.x): the field names a userfields option may ask for. */
export const USER_DEFAULT_FIELDS: readonly string[] = [
  'id',
  'username',
  'fullname',
  'firstname',
  'lastname',
  'email',
  'address',
  'phone1',
  'phone2',
  'department',
  'institution',
  'interests',
  'firstaccess',
  'lastaccess',
  'auth',
  'confirmed',
  'idnumber',
  'lang',
  'theme',
  'timezone',
  'mailformat',
  'description',
  'descriptionformat',
  'city',
  'country',
  'customfields',
  'profileimageurlsmall',
  'profileimageurl',
  'groups',
  'roles',
  'preferences',
  'enrolledcourses',
  'suspended',
  'lastcourseaccess',
];

/** What the caller may see of users, worked out once per call. */
export interface Viewer {
  ctx: CallContext;
  /** Moodle's moodle/user:viewalldetails for users other than oneself. */
  allDetails: boolean;
  /** moodle/site:viewfullnames, viewhiddenuserfields / viewhiddendetails, useremail and viewuseridentity. */
  fullNames: boolean;
  /** The course the call is about, with the caller's role in it (undefined when not enrolled). */
  course?: { row: CourseRow; callerRole: string | undefined };
}

const TEACHER_ROLES = new Set(['editingteacher', 'teacher', 'manager']);

/** The caller's view of users, in a course (get_enrolled_users, get_course_user_profiles) or site-wide. */
export function viewerOf(ctx: CallContext, course?: { row: CourseRow; callerRole: string | undefined }): Viewer {
  const systemDetails = ctx.hasCapability('moodle/user:viewdetails');
  const teacher = course?.callerRole !== undefined && TEACHER_ROLES.has(course.callerRole);
  return {
    ctx,
    allDetails: systemDetails,
    fullNames: ctx.user.siteAdmin || systemDetails || teacher,
    ...(course ? { course } : {}),
  };
}

/** What a course-related call knows of a user besides the user row. */
export interface UserExtras {
  /** The user's role in the call's course (roles), when the call is about a course. */
  role?: { roleid: number; name: string; shortname: string; sortorder: number } | undefined;
  /** The courses the user is enrolled in that the caller may see (enrolledcourses); left out when none. */
  enrolledcourses?: { id: number; fullname: string; shortname: string }[];
  /** The user's preferences, read only for the caller themselves. */
  preferences?: { name: string; value: string }[];
  /** get_enrolled_users' lastcourseaccess (Gatehouse records none: 0). */
  lastcourseaccess?: boolean;
}

/**
 * user_get_user_details(): the keys a caller is given of one user, in Moodle's order. `fields`
 * is the userfields option (user_get_default_fields() when absent); id and fullname always.
 */
export function userDetails(
  viewer: Viewer,
  u: UserRow,
  extras: UserExtras = {},
  fields?: ReadonlySet<string>,
): Record<string, unknown> {
  const { ctx } = viewer;
  const has = (f: string) => !fields || fields.has(f);
  const self = u.id === ctx.user.id;
  const allDetails = self || viewer.allDetails;
  // Moodle's email rule: oneself, maildisplay everyone, course members only (and sharing the
  // course), or the email as an identity field.
  const sharesCourse = viewer.course !== undefined && viewer.course.callerRole !== undefined;
  const seesEmail =
    self || u.maildisplay === 1 || (u.maildisplay === 2 && sharesCourse) || viewer.fullNames || viewer.allDetails;
  const out: Record<string, unknown> = { id: u.id };
  if (has('username') && allDetails) out.username = u.username;
  if (viewer.fullNames) {
    if (has('firstname')) out.firstname = u.firstname;
    if (has('lastname')) out.lastname = u.lastname;
  }
  out.fullname = fullname(u);
  if (has('email') && seesEmail) out.email = u.email;
  if (viewer.fullNames) {
    if (has('address') && u.address) out.address = u.address;
    if (has('phone1') && u.phone1) out.phone1 = u.phone1;
    if (has('phone2') && u.phone2) out.phone2 = u.phone2;
  }
  if (allDetails) {
    // "Isset because it's ok to have department 0": an empty department is sent too.
    if (has('department')) out.department = u.department;
    if (has('institution') && u.institution) out.institution = u.institution;
    if (has('idnumber') && u.idnumber) out.idnumber = u.idnumber;
  }
  if (has('firstaccess')) out.firstaccess = u.firstaccess;
  if (has('lastaccess')) out.lastaccess = u.lastlogin ?? 0;
  if (has('lastcourseaccess') && extras.lastcourseaccess) out.lastcourseaccess = 0;
  if (allDetails) {
    if (has('auth')) out.auth = u.auth;
  }
  if (has('suspended')) out.suspended = u.suspended;
  if (allDetails) {
    if (has('confirmed')) out.confirmed = u.confirmed;
    if (has('lang')) out.lang = u.lang;
    if (has('theme')) out.theme = u.theme;
    if (has('timezone')) out.timezone = u.timezone;
    if (has('mailformat')) out.mailformat = u.mailformat;
  }
  if (has('description')) {
    // external_format_text: the text as HTML, its format then FORMAT_HTML.
    out.description = formatText(u.description, u.descriptionformat);
    out.descriptionformat = 1;
  }
  if (has('city') && u.city) out.city = u.city;
  if (has('country') && u.country) out.country = u.country;
  if (has('profileimageurlsmall')) out.profileimageurlsmall = profileImageUrl(ctx, u.id, 'f2');
  if (has('profileimageurl')) out.profileimageurl = profileImageUrl(ctx, u.id, 'f1');
  if (has('preferences') && self && extras.preferences) out.preferences = extras.preferences;
  if (viewer.course) {
    // groups_get_all_groups() for holders of moodle/site:accessallgroups: no memberships here.
    if (has('groups') && viewer.fullNames) out.groups = [];
    if (has('roles')) out.roles = extras.role ? [extras.role] : [];
  }
  if (has('enrolledcourses') && extras.enrolledcourses?.length) out.enrolledcourses = extras.enrolledcourses;
  return out;
}
