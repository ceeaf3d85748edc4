import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseSections, courses } from '../../db/schema';
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

describe('core_course_get_courses', () => {
  it('lists every course, the site course first, as Moodle does', async () => {
    const out = await callFunction(t.deps, 'core_course_get_courses', 'manager', {});
    expect(out.map((c: { shortname: string }) => c.shortname)).toEqual([
      'gatehouse',
      'CS101',
      'HIST201',
      'SAFE100',
      'DS200',
    ]);
    expect(out[0]).toMatchObject({ id: 1, categoryid: 0, format: 'site', courseformatoptions: [] });
    expect(out[1]).toEqual({
      id: await courseId('CS101'),
      shortname: 'CS101',
      categoryid: 1,
      categorysortorder: 0,
      fullname: 'Introduction to Programming',
      displayname: 'Introduction to Programming',
      idnumber: 'CS101-2025',
      summary: '<p>Variables, control flow and functions, taught in Python.</p>',
      summaryformat: 1,
      format: 'topics',
      showgrades: 1,
      newsitems: 5,
      startdate: NOW - 30 * DAY,
      enddate: NOW + 60 * DAY,
      numsections: 4,
      maxbytes: 0,
      showreports: 0,
      visible: 1,
      hiddensections: 1,
      groupmode: 0,
      groupmodeforce: 0,
      defaultgroupingid: 0,
      timecreated: NOW - 120 * DAY,
      timemodified: NOW - 7 * DAY,
      enablecompletion: 0,
      completionnotify: 0,
      lang: 'en',
      forcetheme: '',
      courseformatoptions: [
        { name: 'hiddensections', value: '1' },
        { name: 'coursedisplay', value: '0' },
      ],
      showactivitydates: true,
      showcompletionconditions: null,
    });
    expect(out[4]).toMatchObject({ shortname: 'DS200', visible: 0 });
  });

  it('returns the courses asked for by id, the site course included, unknown ids left out', async () => {
    const out = await callFunction(t.deps, 'core_course_get_courses', 'teacher', {
      options: { ids: [1, await courseId('HIST201'), 9999] },
    });
    expect(out.map((c: { id: number; format: string }) => [c.id, c.format])).toEqual([
      [1, 'site'],
      [await courseId('HIST201'), 'weeks'],
    ]);
  });

  it('refuses a caller without moodle/course:view', async () => {
    const e = await callError(t.deps, 'core_course_get_courses', 'student', {});
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      debuginfo: 'moodle/course:view',
    });
  });
});

describe('core_course_create_courses', () => {
  it('creates courses with their sections', async () => {
    const out = await callFunction(t.deps, 'core_course_create_courses', 'manager', {
      courses: [
        {
          fullname: 'Statistics 1',
          shortname: 'STAT1',
          categoryid: 1,
          numsections: 2,
          idnumber: 'ST-1',
          startdate: NOW,
        },
        { fullname: 'Statistics 2', shortname: 'STAT2', categoryid: 2, format: 'weeks', visible: 0 },
      ],
    });
    expect(out).toEqual([
      { id: await courseId('STAT1'), shortname: 'STAT1' },
      { id: await courseId('STAT2'), shortname: 'STAT2' },
    ]);
    const sections = async (id: number) =>
      (
        await t.deps.store.db
          .select({ s: courseSections.section })
          .from(courseSections)
          .where(eq(courseSections.courseId, id))
          .orderBy(asc(courseSections.section))
      ).map((r) => r.s);
    expect(await sections(await courseId('STAT1'))).toEqual([0, 1, 2]);
    expect(await sections(await courseId('STAT2'))).toEqual([0, 1, 2, 3, 4]);
    const stat2 = (await t.deps.store.db.select().from(courses).where(eq(courses.shortname, 'STAT2')).limit(1)).at(0);
    expect(stat2).toMatchObject({
      format: 'weeks',
      visible: false,
      summaryformat: 1,
      startdate: NOW,
      timecreated: NOW,
    });
  });

  it('refuses a caller without moodle/course:create', async () => {
    const e = await callError(t.deps, 'core_course_create_courses', 'student', {
      courses: [{ fullname: 'X', shortname: 'X1', categoryid: 1 }],
    });
    expect(e).toMatchObject({ exception: 'required_capability_exception', errorcode: 'nopermissions' });
  });

  it('rejects a taken short name and creates none of the courses of the call', async () => {
    const e = await callError(t.deps, 'core_course_create_courses', 'manager', {
      courses: [
        { fullname: 'Fine', shortname: 'FINE1', categoryid: 1 },
        { fullname: 'Clash', shortname: 'CS101', categoryid: 1 },
      ],
    });
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'shortnametaken' });
    expect(e.message).toContain('CS101');
    expect(await courseId('FINE1')).toBeUndefined();
  });

  it.each([
    [{ idnumber: 'CS101-2025' }, 'courseidnumbertaken'],
    [{ format: 'site' }, 'errorinvalidparam'],
    [{ numsections: 53 }, 'errorinvalidparam'],
    [{ categoryid: 0 }, 'errorcatcontextnotvalid'],
    [{ startdate: NOW, enddate: NOW - DAY }, 'enddatebeforestartdate'],
    [{ summaryformat: 3 }, 'formatnotsupported'],
  ])('rejects %j', async (extra, errorcode) => {
    const e = await callError(t.deps, 'core_course_create_courses', 'manager', {
      courses: [{ fullname: 'Bad', shortname: 'BAD1', categoryid: 1, ...extra }],
    });
    expect(e.errorcode).toBe(errorcode);
    expect(await courseId('BAD1')).toBeUndefined();
  });
});

describe('core_course_get_contents', () => {
  it('shows an enrolled student the visible sections and activities', async () => {
    const out = await callFunction(t.deps, 'core_course_get_contents', 'student', {
      courseid: await courseId('CS101'),
    });
    expect(out.map((s: { name: string }) => s.name)).toEqual([
      'General',
      'Getting started',
      'Control flow',
      'Functions',
    ]);
    const [general, started, , functions] = out;
    expect(general.modules.map((m: { modname: string; name: string }) => [m.modname, m.name])).toEqual([
      ['forum', 'Announcements'],
      ['page', 'Course guide'],
    ]);
    expect(general.modules[0]).toMatchObject({
      url: `http://localhost:3000/mod/forum/view.php?id=${general.modules[0].id}`,
      description: '<p>News from your teacher</p>',
      visible: 1,
      modplural: 'Forums',
    });
    expect(started).toMatchObject({
      section: 1,
      summary: '<p>Install the tools and write your first program.</p>',
      visible: 1,
    });
    expect(started.modules[1].contents).toEqual([
      expect.objectContaining({ type: 'url', fileurl: 'https://docs.python.org/3/', filename: 'Python documentation' }),
    ]);
    // The hidden quiz is not shown to students.
    expect(functions.modules.map((m: { name: string }) => m.name)).toEqual(['Exercise 2: Recursion']);
  });

  it('shows hidden sections and activities to those who may update the course', async () => {
    const out = await callFunction(t.deps, 'core_course_get_contents', 'teacher', {
      courseid: await courseId('CS101'),
    });
    expect(out).toHaveLength(5);
    expect(out[4]).toMatchObject({ name: 'Project', visible: 0, uservisible: true });
    expect(out[3].modules.map((m: { name: string; visible: number }) => [m.name, m.visible])).toEqual([
      ['Exercise 2: Recursion', 1],
      ['Final quiz (draft)', 0],
    ]);
  });

  it('names week sections by their dates and applies the options', async () => {
    const weeks = await callFunction(t.deps, 'core_course_get_contents', 'student2', {
      courseid: await courseId('HIST201'),
    });
    expect(weeks[1].name).toBe('1 June - 7 June');
    expect(weeks[0].modules.find((m: { modname: string }) => m.modname === 'label')).not.toHaveProperty('url');
    const one = await callFunction(t.deps, 'core_course_get_contents', 'student2', {
      courseid: await courseId('HIST201'),
      options: [{ name: 'sectionnumber', value: '1' }],
    });
    expect(one.map((s: { section: number }) => s.section)).toEqual([1]);
    const bare = await callFunction(t.deps, 'core_course_get_contents', 'student2', {
      courseid: await courseId('HIST201'),
      options: [{ name: 'excludemodules', value: '1' }],
    });
    expect(bare.every((s: { modules: unknown[] }) => s.modules.length === 0)).toBe(true);
  });

  it('opens the site course to everybody', async () => {
    const out = await callFunction(t.deps, 'core_course_get_contents', 'student2', { courseid: 1 });
    expect(out[0].modules.map((m: { name: string }) => m.name)).toEqual(['Site announcements']);
  });

  it('refuses a user who is neither enrolled nor holds moodle/course:view', async () => {
    const e = await callError(t.deps, 'core_course_get_contents', 'student', { courseid: await courseId('HIST201') });
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'requireloginerror' });
    // The manager is not enrolled but may view every course.
    const out = await callFunction(t.deps, 'core_course_get_contents', 'manager', {
      courseid: await courseId('HIST201'),
    });
    expect(out.length).toBeGreaterThan(0);
  });

  it('reports a missing course and an unknown option', async () => {
    const e = await callError(t.deps, 'core_course_get_contents', 'manager', { courseid: 9999 });
    expect(e).toMatchObject({ exception: 'dml_missing_record_exception', errorcode: 'invalidrecord' });
    const e2 = await callError(t.deps, 'core_course_get_contents', 'manager', {
      courseid: await courseId('CS101'),
      options: [{ name: 'colour', value: 'red' }],
    });
    expect(e2.errorcode).toBe('errorinvalidparam');
  });
});
