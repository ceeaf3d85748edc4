import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, enrolments } from '../../db/schema';
import { type CatalogueTest, callError, callFunction, DAY, makeCatalogueTest, NOW } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const courseId = async (shortname: string) =>
  (await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(
    0,
  )?.id as number;
const shortnames = (list: { shortname: string }[]) => list.map((c) => c.shortname);

describe('core_enrol_get_users_courses', () => {
  it("lists the caller's own courses with their enrolment counts", async () => {
    const out = await callFunction(t.deps, 'core_enrol_get_users_courses', 'student', { userid: t.ids.student });
    expect(shortnames(out)).toEqual(['CS101', 'SAFE100']);
    expect(out[0]).toEqual({
      id: await courseId('CS101'),
      shortname: 'CS101',
      fullname: 'Introduction to Programming',
      displayname: 'Introduction to Programming',
      enrolledusercount: 4,
      idnumber: 'CS101-2025',
      visible: 1,
      summary: '<p>Variables, control flow and functions, taught in Python.</p>',
      summaryformat: 1,
      format: 'topics',
      courseimage: `http://localhost:3000/pluginfile.php/${50_000_000 + (await courseId('CS101'))}/course/generated/course.svg`,
      showgrades: true,
      lang: 'en',
      enablecompletion: false,
      completionhascriteria: false,
      completionusertracked: false,
      category: 1,
      progress: null,
      completed: null,
      startdate: NOW - 30 * DAY,
      enddate: NOW + 60 * DAY,
      marker: 0,
      lastaccess: null,
      isfavourite: false,
      hidden: false,
      overviewfiles: [],
      showactivitydates: true,
      showcompletionconditions: null,
      timemodified: NOW - 7 * DAY,
    });
    expect(out[1].enrolledusercount).toBe(2);
  });

  it('lists a hidden course to its teacher, not to its students', async () => {
    const teacher = await callFunction(t.deps, 'core_enrol_get_users_courses', 'teacher', { userid: t.ids.teacher });
    expect(shortnames(teacher)).toEqual(['DS200', 'CS101', 'HIST201']);
    expect(teacher[0].visible).toBe(0);
    await t.deps.store.db.insert(enrolments).values({
      courseId: await courseId('DS200'),
      userId: t.ids.student2 as number,
      role: 'student',
      timecreated: NOW,
    });
    const own = await callFunction(t.deps, 'core_enrol_get_users_courses', 'student2', { userid: t.ids.student2 });
    expect(shortnames(own)).toEqual(['CS101', 'HIST201']);
    const seenByManager = await callFunction(t.deps, 'core_enrol_get_users_courses', 'manager', {
      userid: t.ids.student2,
    });
    expect(shortnames(seenByManager)).toEqual(['DS200', 'CS101', 'HIST201']);
  });

  it("leaves out someone else's courses without moodle/course:viewparticipants, as Moodle does", async () => {
    // Moodle skips each course whose participants the caller may not view (no exception).
    expect(await callFunction(t.deps, 'core_enrol_get_users_courses', 'student', { userid: t.ids.student2 })).toEqual(
      [],
    );
  });

  it('reports an unknown user', async () => {
    const e = await callError(t.deps, 'core_enrol_get_users_courses', 'manager', { userid: 99_999 });
    expect(e).toMatchObject({ exception: 'dml_missing_record_exception', errorcode: 'invalidrecord' });
  });

  it('returns an empty list for a user without enrolments', async () => {
    expect(await callFunction(t.deps, 'core_enrol_get_users_courses', 'wsclient', { userid: t.ids.wsclient })).toEqual(
      [],
    );
  });
});
