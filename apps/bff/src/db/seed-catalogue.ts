import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from './client';
import {
  certificationAssignments,
  certificationPeriods,
  certifications,
  courseModules,
  courseSections,
  courses,
  enrolments,
  files,
  groups,
  messages,
  notes,
  tablesDialect,
} from './schema';
import { sequenceResetSql } from './schema-pg/sequences';
import { firstRow, rawRun } from './sql';

// Demo data for the external function catalogue: the site course (id 1, Moodle's SITEID), a few
// courses with sections and activities, enrolments and groups, messages, notes, a private file
// and three certifications with assignments and periods. Times are relative to `now`, so the
// data looks current whenever it is seeded. Rows that name a demo user who does not exist
// (demo users turned off) are left out.

const DAY = 86_400;

interface ModuleSeed {
  modname: string;
  name: string;
  description?: string;
  url?: string;
  visible?: boolean;
  /** A page's text (HTML), served as its index.html. */
  content?: string;
}

/** The demo pages' texts, so that the Moodle app shows a page with something in it. */
const PAGE_CONTENT = {
  guide:
    '<h2>How this course works</h2>\n<p>Each week has a short reading, an exercise and a quiz. Work through the sections in order: every exercise builds on the one before.</p>\n<ul>\n<li>Ask questions in the <strong>Announcements</strong> forum.</li>\n<li>Submit exercises before Friday at 17:00.</li>\n<li>The <em>Python cheat sheet</em> under <em>Getting started</em> lists the syntax you need.</li>\n</ul>',
  python:
    '<h2>Installing Python</h2>\n<ol>\n<li>Download Python 3 from <a href="https://www.python.org/downloads/">python.org</a>.</li>\n<li>Run the installer and tick <em>Add Python to PATH</em>.</li>\n<li>Open a terminal and type <code>python3 --version</code>.</li>\n</ol>\n<p>If the version starts with 3, you are ready for exercise 1.</p>',
  fire: '<h2>Fire safety basics</h2>\n<p>If you discover a fire: raise the alarm, leave by the nearest exit and go to the assembly point. Never use the lifts.</p>\n<p>Know where the fire extinguishers and the exits on your floor are.</p>',
} as const;

/** The demo resource's file (Moodle's resource module: one file in mod_resource/content). */
const CHEAT_SHEET = {
  filename: 'python-cheat-sheet.txt',
  mimetype: 'text/plain',
  content:
    'Python cheat sheet\n\nname = "Ada"            # a variable\nif x > 3: ...            # a condition\nfor i in range(10): ...  # a loop\ndef square(n): return n * n\n',
} as const;

interface SectionSeed {
  name?: string;
  summary?: string;
  visible?: boolean;
  modules?: ModuleSeed[];
}

interface CourseSeed {
  key: string;
  id?: number;
  shortname: string;
  fullname: string;
  idnumber?: string;
  summary: string;
  categoryid: number;
  format: string;
  visible?: boolean;
  lang?: string;
  startdate: number;
  enddate: number;
  sections: SectionSeed[];
}

/** The demo courses, with their sections (index = section number) and activities. */
function courseSeeds(now: number): CourseSeed[] {
  return [
    {
      key: 'cs101',
      shortname: 'CS101',
      fullname: 'Introduction to Programming',
      idnumber: 'CS101-2025',
      summary: '<p>Variables, control flow and functions, taught in Python.</p>',
      categoryid: 1,
      format: 'topics',
      lang: 'en',
      startdate: now - 30 * DAY,
      enddate: now + 60 * DAY,
      sections: [
        {
          modules: [
            { modname: 'forum', name: 'Announcements', description: '<p>News from your teacher</p>' },
            { modname: 'page', name: 'Course guide', content: PAGE_CONTENT.guide },
          ],
        },
        {
          name: 'Getting started',
          summary: '<p>Install the tools and write your first program.</p>',
          modules: [
            { modname: 'page', name: 'Installing Python', content: PAGE_CONTENT.python },
            { modname: 'url', name: 'Python documentation', url: 'https://docs.python.org/3/' },
          ],
        },
        {
          name: 'Control flow',
          modules: [
            {
              modname: 'assign',
              name: 'Exercise 1: FizzBuzz',
              description: '<p>Print the numbers 1 to 100, with a twist.</p>',
            },
            { modname: 'quiz', name: 'Quiz 1' },
          ],
        },
        {
          name: 'Functions',
          modules: [
            { modname: 'assign', name: 'Exercise 2: Recursion' },
            { modname: 'quiz', name: 'Final quiz (draft)', visible: false },
          ],
        },
        { name: 'Project', visible: false, modules: [{ modname: 'assign', name: 'Final project' }] },
      ],
    },
    {
      key: 'hist201',
      shortname: 'HIST201',
      fullname: 'World History: 1900 to Today',
      idnumber: 'HIST201-2025',
      summary: '<p>The twentieth century and after, week by week.</p>',
      categoryid: 1,
      format: 'weeks',
      lang: 'en',
      startdate: now - 14 * DAY,
      enddate: now + 84 * DAY,
      sections: [
        {
          modules: [
            { modname: 'forum', name: 'Discussion' },
            { modname: 'label', name: 'Welcome', description: '<p>Welcome! Start with the reading list.</p>' },
          ],
        },
        { modules: [{ modname: 'resource', name: 'Reading list' }] },
        { modules: [{ modname: 'assign', name: 'Essay: causes of the First World War' }] },
        {},
      ],
    },
    {
      key: 'safe100',
      shortname: 'SAFE100',
      fullname: 'Workplace Safety Essentials',
      summary: '<p>What every member of staff needs to know.</p>',
      categoryid: 2,
      format: 'topics',
      startdate: now - 90 * DAY,
      enddate: 0,
      sections: [
        {},
        {
          name: 'Fire safety',
          modules: [{ modname: 'page', name: 'Fire safety basics', content: PAGE_CONTENT.fire }],
        },
        { name: 'First aid', modules: [{ modname: 'quiz', name: 'Safety check' }] },
      ],
    },
    {
      key: 'draft',
      shortname: 'DS200',
      fullname: 'Data Science (in preparation)',
      summary: '<p>Not yet open to students.</p>',
      categoryid: 1,
      format: 'topics',
      visible: false,
      startdate: now + 30 * DAY,
      enddate: 0,
      sections: [{}, { name: 'Week one' }],
    },
  ];
}

/**
 * The site course (Moodle's front page, id 1 = SITEID, format "site") with its announcements
 * forum. Does nothing when it exists. Part of the demo data, and callable on its own when the
 * demo data is turned off: site notes and the front page's contents need it.
 */
async function seedSiteCourse(tx: Tx | Db, now: number): Promise<void> {
  if ((await tx.select({ id: courses.id }).from(courses).where(eq(courses.id, 1)).limit(1)).at(0)) return;
  await insertCourse(tx, now, {
    key: 'site',
    id: 1,
    shortname: 'gatehouse',
    fullname: 'Gatehouse Learning',
    summary: '<p>Welcome to the Gatehouse demo site.</p>',
    categoryid: 0,
    format: 'site',
    startdate: 0,
    enddate: 0,
    sections: [
      {
        modules: [
          { modname: 'forum', name: 'Site announcements', description: '<p>General news and announcements</p>' },
        ],
      },
    ],
  });
}

async function insertCourse(tx: Tx | Db, now: number, c: CourseSeed): Promise<number> {
  const { key: _key, sections, ...fields } = c;
  const row = firstRow(
    await tx
      .insert(courses)
      .values({ ...fields, timecreated: now - 120 * DAY, timemodified: now - 7 * DAY })
      .returning({ id: courses.id }),
  );
  for (const [number, s] of sections.entries()) {
    const section = firstRow(
      await tx
        .insert(courseSections)
        .values({
          courseId: row.id,
          section: number,
          name: s.name ?? '',
          summary: s.summary ?? '',
          visible: s.visible ?? true,
        })
        .returning({ id: courseSections.id }),
    );
    for (const [position, m] of (s.modules ?? []).entries()) {
      await tx.insert(courseModules).values({
        courseId: row.id,
        sectionId: section.id,
        modname: m.modname,
        name: m.name,
        description: m.description ?? '',
        url: m.url ?? null,
        visible: m.visible ?? true,
        position,
        content: m.content ?? '',
        timemodified: now - 7 * DAY,
      });
    }
  }
  return row.id;
}

export async function seedCatalogueDemo(tx: Tx | Db, now: number, userIds: Record<string, number>): Promise<void> {
  const uid = (username: string): number | undefined => userIds[username];

  // The site course, then the demo courses with their sections and modules.
  await seedSiteCourse(tx, now);
  // The site course's id is given (1, as Moodle's); PostgreSQL's sequence must step past it.
  if (tablesDialect() === 'pg') await rawRun(tx, sequenceResetSql());
  const courseIds: Record<string, number> = { site: 1 };
  for (const c of courseSeeds(now)) courseIds[c.key] = await insertCourse(tx, now, c);
  const cid = (key: string): number => courseIds[key] as number;
  await seedResource(tx, now, cid('cs101'), uid('teacher'));

  // Enrolments (the site course has none: everyone may see it).
  const enrol: [string, string, string][] = [
    ['cs101', 'teacher', 'editingteacher'],
    ['cs101', 'student', 'student'],
    ['cs101', 'student2', 'student'],
    ['cs101', 'suspended', 'student'],
    ['hist201', 'teacher', 'editingteacher'],
    ['hist201', 'student2', 'student'],
    ['safe100', 'student', 'student'],
    ['safe100', 'manager', 'student'],
    ['draft', 'teacher', 'editingteacher'],
  ];
  for (const [course, username, role] of enrol) {
    const userId = uid(username);
    if (userId === undefined) continue;
    await tx.insert(enrolments).values({ courseId: cid(course), userId, role, timecreated: now - 60 * DAY });
  }

  // Groups.
  const groupRows = [
    { courseId: cid('cs101'), name: 'Group A', idnumber: 'CS101-A', description: '<p>Monday lab</p>' },
    {
      courseId: cid('cs101'),
      name: 'Group B',
      idnumber: 'CS101-B',
      description: '<p>Thursday lab</p>',
      enrolmentkey: 'lab-b',
    },
    { courseId: cid('hist201'), name: 'Seminar 1', description: '' },
  ];
  for (const g of groupRows) {
    await tx.insert(groups).values({ ...g, timecreated: now - 50 * DAY, timemodified: now - 50 * DAY });
  }

  // Messages between demo users.
  const messageRows: { from: string; to: string; text: string; at: number; read?: number }[] = [
    {
      from: 'teacher',
      to: 'student',
      text: 'Welcome to Introduction to Programming! Let me know if you have questions.',
      at: now - 5 * DAY,
      read: now - 4 * DAY,
    },
    {
      from: 'student',
      to: 'teacher',
      text: 'Thanks! When is exercise 1 due?',
      at: now - 4 * DAY,
      read: now - 4 * DAY + 3600,
    },
    { from: 'teacher', to: 'student', text: 'Exercise 1 is due next Friday.', at: now - 3 * DAY },
    {
      from: 'manager',
      to: 'teacher',
      text: 'Please review the HIST201 reading list.',
      at: now - 2 * DAY,
      read: now - DAY,
    },
    { from: 'student2', to: 'student', text: 'Shall we work on the project together?', at: now - DAY },
  ];
  for (const m of messageRows) {
    const from = uid(m.from);
    const to = uid(m.to);
    if (from === undefined || to === undefined) continue;
    await tx.insert(messages).values({
      userIdFrom: from,
      userIdTo: to,
      text: m.text,
      textformat: 0,
      timecreated: m.at,
      timeread: m.read ?? null,
    });
  }

  // Notes.
  const noteRows: {
    about: string;
    by: string;
    course: string;
    state: 'personal' | 'course' | 'site';
    content: string;
  }[] = [
    {
      about: 'student',
      by: 'teacher',
      course: 'cs101',
      state: 'course',
      content: 'Sam is making good progress with exercise 1.',
    },
    {
      about: 'student2',
      by: 'teacher',
      course: 'hist201',
      state: 'personal',
      content: 'Check in about seminar participation.',
    },
    {
      about: 'student2',
      by: 'manager',
      course: 'site',
      state: 'site',
      content: 'Requested an extension for the HIST201 essay.',
    },
  ];
  for (const n of noteRows) {
    const userId = uid(n.about);
    const by = uid(n.by);
    if (userId === undefined || by === undefined) continue;
    await tx.insert(notes).values({
      courseId: cid(n.course),
      userId,
      userModified: by,
      content: n.content,
      format: 1,
      publishstate: n.state,
      created: now - 10 * DAY,
      lastmodified: now - 10 * DAY,
    });
  }

  // A private file of the student (its content in the row's legacy column: moved into the file
  // store, GATEHOUSE_DATA/filedir, the first time the files are used, as an upgraded site's are).
  const studentId = uid('student');
  if (studentId !== undefined) {
    const content = Buffer.from('Week 1: variables\nWeek 2: loops\nWeek 3: functions\n', 'utf8');
    await tx.insert(files).values({
      contextid: 30_000_000 + studentId,
      userId: studentId,
      filearea: 'private',
      filepath: '/',
      filename: 'study-plan.txt',
      mimetype: 'text/plain',
      filesize: content.length,
      content: content.toString('base64'),
      timecreated: now - 20 * DAY,
      timemodified: now - 20 * DAY,
    });
  }

  await seedCertifications(tx, now, uid);
}

/**
 * A resource in CS101's "Getting started" with its file, added after every course so that the
 * other activities keep their ids. The file's content is in the row's legacy column, moved into
 * the file store when the files are first used (as the student's private file).
 */
async function seedResource(tx: Tx | Db, now: number, courseId: number, teacherId: number | undefined): Promise<void> {
  const section = (
    await tx
      .select({ id: courseSections.id })
      .from(courseSections)
      .where(and(eq(courseSections.courseId, courseId), eq(courseSections.section, 1)))
      .limit(1)
  ).at(0);
  if (!section) return;
  const cm = firstRow(
    await tx
      .insert(courseModules)
      .values({
        courseId,
        sectionId: section.id,
        modname: 'resource',
        name: 'Python cheat sheet',
        description: '<p>The syntax of the course on one page.</p>',
        position: 2,
        timemodified: now - 7 * DAY,
      })
      .returning({ id: courseModules.id }),
  );
  const content = Buffer.from(CHEAT_SHEET.content, 'utf8');
  await tx.insert(files).values({
    // CONTEXT_MODULE (70) × 1,000,000 + the module id (features/files/contexts.ts).
    contextid: 70_000_000 + cm.id,
    component: 'mod_resource',
    filearea: 'content',
    filename: CHEAT_SHEET.filename,
    userId: teacherId ?? null,
    mimetype: CHEAT_SHEET.mimetype,
    filesize: content.length,
    content: content.toString('base64'),
    author: 'Terry Teacher',
    license: 'allrightsreserved',
    timecreated: now - 7 * DAY,
    timemodified: now - 7 * DAY,
  });
}

/** Source ids: the plugin keeps assignment sources in their own table; here they are fixed numbers. */
export const DEMO_CERTIFICATION_SOURCES = {
  firstaid: { manual: 11, cohort: 12 },
  firewarden: { manual: 21, approval: 22 },
  forklift: { manual: 31 },
} as const;

async function seedCertifications(tx: Tx | Db, now: number, uid: (u: string) => number | undefined): Promise<void> {
  const periodsDefaults = (due: number, validYears: number) =>
    JSON.stringify({
      resettype1: 'standard',
      due1: due,
      valid1: 'certified',
      windowend1: { since: 'never' },
      expiration1: { since: 'certified', delay: `P${validYears}Y` },
      resettype2: 'standard',
      due2: due,
      valid2: 'expiration',
      windowend2: { since: 'expiration', delay: 'P1M' },
      expiration2: { since: 'expiration', delay: `P${validYears}Y` },
    });

  const firstaid = firstRow(
    await tx
      .insert(certifications)
      .values({
        contextid: 1,
        fullname: 'First Aid at Work',
        idnumber: 'FAW',
        description: '<p>Annual first aid certification for all staff.</p>',
        descriptionformat: 1,
        publicaccess: true,
        archived: false,
        programid1: 101,
        programid2: 102,
        templateid: 1,
        recertify: 30 * DAY,
        periodsjson: periodsDefaults(30 * DAY, 1),
        sources: JSON.stringify(['cohort', 'manual']),
        cohortids: '[]',
        timecreated: now - 400 * DAY,
      })
      .returning({ id: certifications.id }),
  ).id;

  const firewarden = firstRow(
    await tx
      .insert(certifications)
      .values({
        contextid: 1,
        fullname: 'Fire Warden',
        idnumber: 'FIREWARDEN',
        description: '<p>Fire wardens lead evacuations and check escape routes.</p>',
        descriptionformat: 1,
        publicaccess: false,
        archived: false,
        programid1: 201,
        programid2: null,
        templateid: null,
        recertify: null,
        periodsjson: periodsDefaults(30 * DAY, 1),
        sources: JSON.stringify(['approval', 'manual']),
        cohortids: JSON.stringify([1, 2]),
        timecreated: now - 200 * DAY,
      })
      .returning({ id: certifications.id }),
  ).id;

  const forklift = firstRow(
    await tx
      .insert(certifications)
      .values({
        contextid: 1,
        fullname: 'Forklift Operator (2019 scheme)',
        idnumber: 'FORK2019',
        description: 'Replaced by the 2024 scheme.',
        descriptionformat: 2,
        publicaccess: false,
        archived: true,
        programid1: 301,
        programid2: 302,
        templateid: 2,
        recertify: 60 * DAY,
        periodsjson: periodsDefaults(60 * DAY, 2),
        sources: JSON.stringify(['manual']),
        cohortids: '[]',
        timecreated: now - 1500 * DAY,
      })
      .returning({ id: certifications.id }),
  ).id;

  type Period = Partial<typeof certificationPeriods.$inferInsert> & { programid: number; timewindowstart: number };
  const assign = async (
    certificationId: number,
    username: string,
    a: Partial<typeof certificationAssignments.$inferInsert> & { sourceid: number; sourcetype: string },
    periods: Period[],
  ) => {
    const userId = uid(username);
    if (userId === undefined) return;
    await tx.insert(certificationAssignments).values({ timecreated: now - 30 * DAY, ...a, certificationId, userId });
    for (const p of periods) {
      await tx.insert(certificationPeriods).values({ ...p, certificationId, userId });
    }
  };

  const S = DEMO_CERTIFICATION_SOURCES;
  // The student: certified a year ago, recertified this month (the current period is the candidate for the next one).
  // Periods are inserted newest first so that "ordered by timewindowstart" is visible in the output.
  await assign(
    firstaid,
    'student',
    {
      sourceid: S.firstaid.manual,
      sourcetype: 'manual',
      timecertifiedfrom: now - 380 * DAY,
      timecertifieduntil: now + 350 * DAY,
      timecreated: now - 396 * DAY,
    },
    [
      {
        programid: 102,
        timewindowstart: now - 45 * DAY,
        timewindowdue: now - 15 * DAY,
        allocationid: 1002,
        timecertified: now - 20 * DAY,
        timefrom: now - 15 * DAY,
        timeuntil: now + 350 * DAY,
        evidencejson: '{}',
        recertifiable: true,
      },
      {
        programid: 101,
        timewindowstart: now - 395 * DAY,
        timewindowdue: now - 365 * DAY,
        allocationid: 1001,
        timecertified: now - 380 * DAY,
        timefrom: now - 380 * DAY,
        timeuntil: now - 15 * DAY,
        evidencejson: '{}',
        recertifiable: false,
      },
    ],
  );
  // Student 2: assigned through a cohort, the first window is open but no program allocated yet.
  await assign(
    firstaid,
    'student2',
    { sourceid: S.firstaid.cohort, sourcetype: 'cohort', timecreated: now - 10 * DAY },
    [{ programid: 101, timewindowstart: now - 10 * DAY, timewindowdue: now + 20 * DAY }],
  );
  // The teacher: their certified period was revoked; a temporary certification covers them meanwhile.
  await assign(
    firstaid,
    'teacher',
    {
      sourceid: S.firstaid.manual,
      sourcetype: 'manual',
      timecertifiedtemp: now + 30 * DAY,
      evidencejson: JSON.stringify({ details: 'Red Cross certificate RC-88231' }),
      timecreated: now - 120 * DAY,
    },
    [
      {
        programid: 101,
        timewindowstart: now - 115 * DAY,
        timewindowdue: now - 85 * DAY,
        allocationid: 1003,
        timecertified: now - 100 * DAY,
        timefrom: now - 100 * DAY,
        timeuntil: now + 265 * DAY,
        timerevoked: now - 10 * DAY,
        evidencejson: JSON.stringify({ reason: 'Course completion was recorded in error' }),
      },
    ],
  );
  await assign(
    firewarden,
    'teacher',
    {
      sourceid: S.firewarden.manual,
      sourcetype: 'manual',
      timecertifiedfrom: now - 180 * DAY,
      timecertifieduntil: now + 185 * DAY,
      timecreated: now - 200 * DAY,
    },
    [
      {
        programid: 201,
        timewindowstart: now - 200 * DAY,
        timewindowdue: now - 170 * DAY,
        timewindowend: now - 140 * DAY,
        allocationid: 2001,
        timecertified: now - 180 * DAY,
        timefrom: now - 180 * DAY,
        timeuntil: now + 185 * DAY,
      },
    ],
  );
  // The manager applied and was approved; the window opens next week.
  await assign(
    firewarden,
    'manager',
    { sourceid: S.firewarden.approval, sourcetype: 'approval', timecreated: now - 2 * DAY },
    [{ programid: 201, timewindowstart: now + 5 * DAY, timewindowdue: now + 35 * DAY }],
  );
  await assign(
    forklift,
    'student',
    {
      sourceid: S.forklift.manual,
      sourcetype: 'manual',
      archived: true,
      timecertifiedfrom: now - 1400 * DAY,
      timecertifieduntil: now - 670 * DAY,
      timecreated: now - 1450 * DAY,
    },
    [
      {
        programid: 301,
        timewindowstart: now - 1450 * DAY,
        timewindowdue: now - 1420 * DAY,
        allocationid: 3001,
        timecertified: now - 1400 * DAY,
        timefrom: now - 1400 * DAY,
        timeuntil: now - 670 * DAY,
      },
    ],
  );
}
