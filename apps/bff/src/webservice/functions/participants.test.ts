import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, roles, users } from '../../db/schema';
import { FUNCTIONS } from './index';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest } from './test-helpers';

// core_enrol_get_enrolled_users and core_user_get_course_user_profiles (enrol/externallib.php,
// user/externallib.php in Moodle 4.x), and their pre-2.2 names for the seed era's mobile app.

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const course = async (shortname: string) =>
  (await t.deps.store.db.select().from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(
    0,
  ) as typeof courses.$inferSelect;
const role = async (shortname: string) =>
  (await t.deps.store.db.select().from(roles).where(eq(roles.shortname, shortname)).limit(1)).at(
    0,
  ) as typeof roles.$inferSelect;
const ids = (list: { id: number }[]) => list.map((u) => u.id);
const WWWROOT = () => t.deps.env.wwwroot;

describe('core_enrol_get_enrolled_users', () => {
  it("lists a course's participants in id order, as a student of the course sees them", async () => {
    const cs = await course('CS101');
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'student', { courseid: cs.id });
    expect(ids(out)).toEqual(
      [t.ids.teacher, t.ids.student, t.ids.student2, t.ids.suspended].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
    const student2 = out.find((u: { id: number }) => u.id === t.ids.student2);
    const student = await role('student');
    // A student holds neither viewfullnames nor viewalldetails: no username, first/last names or
    // auth; the email because maildisplay is 2 (course members) and they share the course. Keys in
    // get_enrolled_users_returns() order.
    expect(Object.entries(student2)).toEqual(
      Object.entries({
        id: t.ids.student2,
        fullname: 'Sasha Learner',
        email: 'student2@example.com',
        firstaccess: 0,
        lastaccess: (await t.user('student2')).lastlogin ?? 0,
        lastcourseaccess: 0,
        description: '',
        descriptionformat: 1,
        profileimageurlsmall: `${WWWROOT()}/pluginfile.php/${30_000_000 + (t.ids.student2 as number)}/user/icon/f2`,
        profileimageurl: `${WWWROOT()}/pluginfile.php/${30_000_000 + (t.ids.student2 as number)}/user/icon/f1`,
        roles: [{ roleid: student.id, name: student.name, shortname: 'student', sortorder: student.sortorder }],
        // student2 is in CS101 and HIST201; the caller may open only CS101 of them.
        enrolledcourses: [
          { id: (await course('CS101')).id, fullname: (await course('CS101')).fullname, shortname: 'CS101' },
        ],
      }),
    );
    // Oneself: the username and one's preferences too (get_enrolled_users_returns() has no auth or lang).
    const me = out.find((u: { id: number }) => u.id === t.ids.student);
    expect(me).toMatchObject({ username: 'student', preferences: [] });
    expect(me.auth).toBeUndefined();
  });

  it("gives the course's teacher first and last names and the groups key", async () => {
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: (await course('CS101')).id,
    });
    const s = out.find((u: { id: number }) => u.id === t.ids.student);
    expect(s).toMatchObject({ firstname: 'Sam', lastname: 'Student', fullname: 'Sam Student', groups: [] });
    expect(s.username).toBeUndefined();
  });

  it("shows address and phones (Moodle's hidden user fields) to the course's teacher, not to a student", async () => {
    const cs = (await course('CS101')).id;
    await t.deps.store.db
      .update(users)
      .set({ address: '1 Main St', phone1: '555-1', city: 'Perth', maildisplay: 0 })
      .where(eq(users.username, 'student2'));
    try {
      const asTeacher = await callFunction(t.deps, 'core_user_get_course_user_profiles', 'teacher', {
        userlist: [{ userid: t.ids.student2, courseid: cs }],
      });
      expect(asTeacher[0]).toMatchObject({
        address: '1 Main St',
        phone1: '555-1',
        city: 'Perth',
        email: 'student2@example.com',
      });
      const asStudent = await callFunction(t.deps, 'core_user_get_course_user_profiles', 'student', {
        userlist: [{ userid: t.ids.student2, courseid: cs }],
      });
      expect(asStudent[0].city).toBe('Perth');
      // maildisplay 0 (hidden): a fellow student sees no email any more, nor the address and phones.
      for (const k of ['address', 'phone1', 'email']) expect(asStudent[0], k).not.toHaveProperty(k);
    } finally {
      await t.deps.store.db
        .update(users)
        .set({ address: '', phone1: '', city: '', maildisplay: 2 })
        .where(eq(users.username, 'student2'));
    }
  });

  it('pages with limitfrom and limitnumber, and sorts as asked', async () => {
    const cs = (await course('CS101')).id;
    const all = ids(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', { courseid: cs }));
    const page = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [
        { name: 'limitfrom', value: '1' },
        { name: 'limitnumber', value: '2' },
      ],
    });
    expect(ids(page)).toEqual(all.slice(1, 3));
    const byLastnameDesc = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [
        { name: 'sortby', value: 'lastname' },
        { name: 'sortdirection', value: 'desc' },
      ],
    });
    // Teacher, Suspended, Student, Learner.
    expect(ids(byLastnameDesc)).toEqual([t.ids.teacher, t.ids.suspended, t.ids.student, t.ids.student2]);
    const siteorder = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [{ name: 'sortby', value: 'siteorder' }],
    });
    expect(ids(siteorder)).toEqual([t.ids.student2, t.ids.student, t.ids.suspended, t.ids.teacher]);
    // PHP's (int) cast of the limits: "2abc" is 2; an unknown option is ignored.
    const cast = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [
        { name: 'limitnumber', value: '2abc' },
        { name: 'nosuchoption', value: 'x' },
      ],
    });
    expect(ids(cast)).toEqual(all.slice(0, 2));
  });

  it("refuses Moodle's invalid sortby and sortdirection values with Moodle's messages", async () => {
    const cs = (await course('CS101')).id;
    const e1 = await callError(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [{ name: 'sortby', value: 'email' }],
    });
    // enrol/externallib.php get_enrolled_users().
    expect(e1).toMatchObject({
      exception: 'invalid_parameter_exception',
      errorcode: 'invalidparameter',
      debuginfo:
        'Invalid value for sortby parameter (value: email), allowed values are: id,firstname,lastname,siteorder',
    });
    const e2 = await callError(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [{ name: 'sortdirection', value: 'up' }],
    });
    expect(e2.debuginfo).toBe(
      'Invalid value for sortdirection parameter\n                        (value: UP),allowed values are: ASC,DESC',
    );
  });

  it('returns only the userfields asked for, id and fullname always, and refuses an unknown one', async () => {
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: (await course('CS101')).id,
      options: [{ name: 'userfields', value: 'email, roles' }],
    });
    expect(Object.keys(out[0])).toEqual(['id', 'fullname', 'email', 'roles']);
    const e = await callError(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: (await course('CS101')).id,
      options: [{ name: 'userfields', value: 'id,password' }],
    });
    // user/lib.php user_get_user_details(): moodle_exception('invaliduserfield', 'error', '', $thefield).
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'invaliduserfield' });
  });

  it('withcapability needs moodle/role:review and keeps the users holding the capability', async () => {
    const cs = (await course('CS101')).id;
    const args = { courseid: cs, options: [{ name: 'withcapability', value: 'moodle/course:update' }] };
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', args);
    expect(ids(out)).toEqual([t.ids.teacher]);
    const e = await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', args);
    expect(e).toMatchObject({ exception: 'required_capability_exception', debuginfo: 'moodle/role:review' });
  });

  it('onlyactive and onlysuspended need moodle/course:enrolreview; groupid needs moodle/site:accessallgroups', async () => {
    const cs = (await course('CS101')).id;
    const opt = (name: string, value = '1') => ({ courseid: cs, options: [{ name, value }] });
    expect(await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', opt('onlyactive'))).toMatchObject({
      exception: 'required_capability_exception',
      debuginfo: 'moodle/course:enrolreview',
    });
    expect(await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', opt('groupid', '3'))).toMatchObject({
      exception: 'required_capability_exception',
      debuginfo: 'moodle/site:accessallgroups',
    });
    // onlyactive "0" is PHP-empty: no option, no check.
    expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'student', opt('onlyactive', '0'))).toHaveLength(
      4,
    );
    // Every Gatehouse enrolment is active; nobody is in a group.
    expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', opt('onlyactive'))).toHaveLength(4);
    expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', opt('onlysuspended'))).toEqual([]);
    expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', opt('groupid', '1'))).toEqual([]);
    const both = await callError(t.deps, 'core_enrol_get_enrolled_users', 'teacher', {
      courseid: cs,
      options: [
        { name: 'onlyactive', value: '1' },
        { name: 'onlysuspended', value: '1' },
      ],
    });
    expect(both).toMatchObject({ exception: 'coding_exception', errorcode: 'codingerror' });
  });

  it('refuses a course the caller may not open, and a course that does not exist', async () => {
    const hist = (await course('HIST201')).id;
    const e = await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', { courseid: hist });
    // moodle_exception('errorcoursecontextnotvalid', 'webservice', '', {message, courseid}).
    expect(e).toMatchObject({
      exception: 'moodle_exception',
      errorcode: 'errorcoursecontextnotvalid',
      message: `You cannot execute functions in the course context (course id:${hist}). The context error message was: Course or activity not accessible.`,
    });
    const e2 = await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', { courseid: 99_999 });
    expect(e2).toMatchObject({ exception: 'dml_missing_record_exception', errorcode: 'invalidrecord' });
    // A manager, not enrolled, opens any course and holds moodle/course:viewparticipants.
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'manager', { courseid: hist });
    expect(ids(out).sort()).toEqual([t.ids.teacher, t.ids.student2].sort());
    expect(out[0].username).toBeDefined();
  });

  it('lists every user of the site for the site course, to holders of moodle/course:viewparticipants only', async () => {
    const e = await callError(t.deps, 'core_enrol_get_enrolled_users', 'student', { courseid: 1 });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      debuginfo: 'moodle/course:viewparticipants',
    });
    const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'manager', { courseid: 1 });
    const everyone = (
      await t.deps.store.db
        .select({ id: users.id, deleted: users.deleted, isGuest: users.isGuest })
        .from(users)
        .orderBy(asc(users.id))
    )
      .filter((u) => !u.deleted && !u.isGuest)
      .map((u) => u.id);
    expect(ids(out)).toEqual(everyone);
  });

  it('in separate groups mode, shows nobody to a student (in no group) and everyone to the teacher', async () => {
    const cs = (await course('CS101')).id;
    await t.deps.store.db.update(courses).set({ groupmode: 1 }).where(eq(courses.id, cs));
    try {
      expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'student', { courseid: cs })).toEqual([]);
      expect(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', { courseid: cs })).toHaveLength(4);
    } finally {
      await t.deps.store.db.update(courses).set({ groupmode: 0 }).where(eq(courses.id, cs));
    }
  });

  it('leaves deleted users out', async () => {
    const cs = (await course('CS101')).id;
    await t.deps.store.db.update(users).set({ deleted: true }).where(eq(users.username, 'suspended'));
    try {
      const out = await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'teacher', { courseid: cs });
      expect(ids(out)).not.toContain(t.ids.suspended);
    } finally {
      await t.deps.store.db.update(users).set({ deleted: false }).where(eq(users.username, 'suspended'));
    }
  });
});

describe('core_user_get_course_user_profiles', () => {
  it("gives each user's details in their course, with roles and enrolled courses", async () => {
    const cs = await course('CS101');
    const out = await callFunction(t.deps, 'core_user_get_course_user_profiles', 'student', {
      userlist: [{ userid: t.ids.student2, courseid: cs.id }],
    });
    expect(out).toHaveLength(1);
    // user_description() keys, then groups, roles, enrolledcourses.
    expect(Object.keys(out[0])).toEqual([
      'id',
      'fullname',
      'email',
      'firstaccess',
      'lastaccess',
      'suspended',
      'description',
      'descriptionformat',
      'profileimageurlsmall',
      'profileimageurl',
      'roles',
      'enrolledcourses',
    ]);
    expect(out[0].roles).toMatchObject([{ shortname: 'student' }]);
  });

  it('leaves out deleted, unknown and not enrolled users; the last course given for a user is used', async () => {
    const cs = (await course('CS101')).id;
    const safe = (await course('SAFE100')).id;
    const out = await callFunction(t.deps, 'core_user_get_course_user_profiles', 'student', {
      userlist: [
        { userid: t.ids.student2, courseid: safe },
        { userid: 99_999, courseid: cs },
        { userid: t.ids.student2, courseid: cs },
        // student2 is not in SAFE100: left out.
        { userid: t.ids.teacher, courseid: safe },
      ],
    });
    expect(ids(out)).toEqual([t.ids.student2]);
  });

  it("refuses a course the caller may not open, and one that does not exist, as Moodle's validate_context", async () => {
    const e = await callError(t.deps, 'core_user_get_course_user_profiles', 'student', {
      userlist: [{ userid: t.ids.teacher, courseid: (await course('HIST201')).id }],
    });
    expect(e).toMatchObject({
      exception: 'require_login_exception',
      errorcode: 'requireloginerror',
      message: 'Course or activity not accessible.',
      debuginfo: 'Not enrolled',
    });
    const e2 = await callError(t.deps, 'core_user_get_course_user_profiles', 'student', {
      userlist: [{ userid: t.ids.teacher, courseid: 99_999 }],
    });
    expect(e2).toMatchObject({ exception: 'invalid_parameter_exception', debuginfo: 'Context does not exist' });
  });
});

describe("the seed era's mobile app's names, in the mobile service", () => {
  it('moodle_user_get_users_by_courseid is core_enrol_get_enrolled_users (MM1 participants: id, fullname, profileimageurlsmall)', async () => {
    const cs = (await course('CS101')).id;
    const args = {
      courseid: cs,
      options: [
        { name: 'limitfrom', value: '0' },
        { name: 'limitnumber', value: '100' },
      ],
    };
    const legacy = await callFunction(t.deps, 'moodle_user_get_users_by_courseid', 'student', args);
    expect(legacy).toEqual(await callFunction(t.deps, 'core_enrol_get_enrolled_users', 'student', args));
    for (const u of legacy) expect(u).toHaveProperty('profileimageurlsmall');
  });

  it('moodle_user_get_course_participants_by_id is core_user_get_course_user_profiles', async () => {
    const args = { userlist: [{ userid: t.ids.teacher, courseid: (await course('CS101')).id }] };
    const legacy = await callFunction(t.deps, 'moodle_user_get_course_participants_by_id', 'student', args);
    expect(legacy).toEqual(await callFunction(t.deps, 'core_user_get_course_user_profiles', 'student', args));
    expect(legacy[0]).toMatchObject({ id: t.ids.teacher, fullname: 'Terry Teacher', email: 'teacher@example.com' });
  });

  it('puts the four, and core_user_get_user_preferences, in moodle_mobile_app', () => {
    const mobile = FUNCTIONS.filter((f) => f.services?.includes('moodle_mobile_app')).map((f) => f.name);
    expect(mobile).toEqual(
      expect.arrayContaining([
        'core_enrol_get_enrolled_users',
        'core_user_get_course_user_profiles',
        'core_user_get_user_preferences',
        'moodle_user_get_users_by_courseid',
        'moodle_user_get_course_participants_by_id',
      ]),
    );
  });
});
