import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  courseFormatOptions,
  courseModules,
  courseSections,
  courses,
  enrolments,
  userPreferences,
} from '../../db/schema';
import { firstRow } from '../../db/sql';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { AUTHENTICATED_ROLE } from '../../features/roles/authz';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, restCall, serviceBody, type TestApp } from '../../test/helpers';
import { setRoleCapability } from './test-helpers';

/** JSON as Moodle's REST server writes it (PHP's json_encode: `/` escaped as `\\/`). */
const moodleJson = (v: unknown) => JSON.stringify(v).replaceAll('/', '\\/');

// Issue 16 §5, through the real REST server: core_course_get_courses, core_course_create_courses,
// core_course_get_contents and core_enrol_get_users_courses as Moodle 4.5 answers them. Every
// expected body below is written in the key order of Moodle's returns description (course/externallib.php
// get_courses_returns / get_course_contents_returns, enrol/externallib.php get_users_courses_returns),
// with Moodle's nulls, and compared as text: key order and nulls are part of the bytes.

const WWWROOT = 'https://lms.example.org';
const NOW = 1_749_988_800;
const DAY = 86_400;
/** Context ids as Gatehouse derives them (level x 1,000,000 + instance). */
const courseCtx = (id: number) => 50_000_000 + id;
const moduleCtx = (id: number) => 70_000_000 + id;

let t: TestApp;
let serviceId = 0;
const tokens = new Map<string, string>();

async function tokenOf(username: string): Promise<string> {
  let token = tokens.get(username);
  if (!token) {
    token = (
      await createAdminToken(
        t.deps,
        { userId: await t.userId(username), serviceId, validUntil: null },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
    tokens.set(username, token);
  }
  return token;
}

async function call(username: string, wsfunction: string, args: Record<string, string> = {}) {
  return restCall(t, await tokenOf(username), wsfunction, args);
}

/** The JSON text of a successful call. */
async function text(username: string, wsfunction: string, args: Record<string, string> = {}): Promise<string> {
  const res = await call(username, wsfunction, args);
  expect(res.status, res.text).toBe(200);
  expect(res.body, res.text).not.toHaveProperty('exception');
  return res.text;
}

const db = () => t.deps.store.db;
const courseRow = async (shortname: string) =>
  (await db().select().from(courses).where(eq(courses.shortname, shortname)).limit(1)).at(0);

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: WWWROOT }, now: () => NOW });
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(
    t.deps,
    serviceBody('Courses', 'courses_moodle', { downloadFiles: true }),
    SYSTEM_ACTOR,
  );
  serviceId = svc.id;
  await setRoleCapability(t.deps, AUTHENTICATED_ROLE, 'webservice/rest:use', 'allow');
  await addServiceFunctions(
    t.deps,
    svc.id,
    [
      'core_course_get_courses',
      'core_course_create_courses',
      'core_course_get_contents',
      'core_enrol_get_users_courses',
    ],
    SYSTEM_ACTOR,
  );
});
afterAll(() => t.close());

/** Every core_course_create_courses parameter of Moodle 4.5, in bracket form, as PHP's http_build_query sends it. */
const EVERY_PARAMETER: Record<string, string> = {
  'courses[0][fullname]': 'Every field',
  'courses[0][shortname]': 'EVERY1',
  'courses[0][categoryid]': '1',
  'courses[0][idnumber]': 'EV-1',
  'courses[0][summary]': '<p>All of them</p>',
  'courses[0][summaryformat]': '1',
  'courses[0][format]': 'weeks',
  'courses[0][showgrades]': '0',
  'courses[0][newsitems]': '3',
  'courses[0][startdate]': String(NOW),
  'courses[0][enddate]': String(NOW + 70 * DAY),
  'courses[0][numsections]': '2',
  'courses[0][maxbytes]': '1048576',
  'courses[0][showreports]': '1',
  'courses[0][visible]': '1',
  'courses[0][hiddensections]': '1',
  'courses[0][groupmode]': '1',
  'courses[0][groupmodeforce]': '1',
  'courses[0][defaultgroupingid]': '0',
  'courses[0][enablecompletion]': '1',
  'courses[0][completionnotify]': '1',
  'courses[0][lang]': 'en',
  'courses[0][forcetheme]': 'boost',
  // A courseformatoptions entry wins over the deprecated field (Moodle copies it onto the record last).
  'courses[0][courseformatoptions][0][name]': 'hiddensections',
  'courses[0][courseformatoptions][0][value]': '0',
  'courses[0][courseformatoptions][1][name]': 'coursedisplay',
  'courses[0][courseformatoptions][1][value]': '1',
  'courses[0][courseformatoptions][2][name]': 'numsections',
  'courses[0][courseformatoptions][2][value]': '3',
  // A name the format does not have: ignored, as the format ignores it in Moodle.
  'courses[0][courseformatoptions][3][name]': 'nosuchoption',
  'courses[0][courseformatoptions][3][value]': 'x',
  'courses[0][customfields][0][shortname]': 'level',
  'courses[0][customfields][0][value]': 'advanced',
};

describe('core_course_create_courses with every Moodle 4.5 parameter', () => {
  it('stores what each means and answers id and shortname', async () => {
    const body = await text('admin', 'core_course_create_courses', EVERY_PARAMETER);
    const row = await courseRow('EVERY1');
    expect(body).toBe(moodleJson([{ id: row?.id, shortname: 'EVERY1' }]));
    expect(row).toMatchObject({
      idnumber: 'EV-1',
      format: 'weeks',
      showgrades: 0,
      newsitems: 3,
      maxbytes: 1_048_576,
      showreports: 1,
      groupmode: 1,
      groupmodeforce: 1,
      defaultgroupingid: 0,
      // Accepted and ignored, as Moodle with completion disabled site-wide / course themes off.
      enablecompletion: 0,
      showcompletionconditions: null,
      completionnotify: 1,
      theme: '',
    });
    const id = row?.id as number;
    const sections = await db()
      .select({ s: courseSections.section })
      .from(courseSections)
      .where(eq(courseSections.courseId, id))
      .orderBy(asc(courseSections.section));
    expect(sections.map((s) => s.s)).toEqual([0, 1, 2, 3]);
    const options = await db()
      .select({ format: courseFormatOptions.format, name: courseFormatOptions.name, value: courseFormatOptions.value })
      .from(courseFormatOptions)
      .where(eq(courseFormatOptions.courseId, id))
      .orderBy(asc(courseFormatOptions.id));
    expect(options).toEqual([
      { format: 'weeks', name: 'hiddensections', value: '0' },
      { format: 'weeks', name: 'coursedisplay', value: '1' },
      { format: 'weeks', name: 'automaticenddate', value: '1' },
    ]);
  });

  it('answers core_course_get_courses with the stored settings, in Moodle 4.5 key order', async () => {
    const row = await courseRow('EVERY1');
    const id = row?.id as number;
    const body = await text('admin', 'core_course_get_courses', { 'options[ids][0]': String(id) });
    expect(body).toBe(
      moodleJson([
        {
          id,
          shortname: 'EVERY1',
          categoryid: 1,
          categorysortorder: 0,
          fullname: 'Every field',
          displayname: 'Every field',
          idnumber: 'EV-1',
          summary: '<p>All of them</p>',
          summaryformat: 1,
          format: 'weeks',
          showgrades: 0,
          newsitems: 3,
          startdate: NOW,
          enddate: NOW + 70 * DAY,
          numsections: 3,
          maxbytes: 1_048_576,
          showreports: 1,
          visible: 1,
          hiddensections: 0,
          groupmode: 1,
          groupmodeforce: 1,
          defaultgroupingid: 0,
          timecreated: NOW,
          timemodified: NOW,
          enablecompletion: 0,
          completionnotify: 1,
          lang: 'en',
          forcetheme: '',
          courseformatoptions: [
            { name: 'hiddensections', value: '0' },
            { name: 'coursedisplay', value: '1' },
            { name: 'automaticenddate', value: '1' },
          ],
          showactivitydates: true,
          showcompletionconditions: null,
        },
      ]),
    );
  });

  it('accepts an empty forcetheme, as PARAM_PLUGIN does', async () => {
    await text('admin', 'core_course_create_courses', {
      'courses[0][fullname]': 'No theme',
      'courses[0][shortname]': 'NOTHEME1',
      'courses[0][categoryid]': '1',
      'courses[0][forcetheme]': '',
    });
    expect(await courseRow('NOTHEME1')).toMatchObject({ theme: '', format: 'topics' });
  });

  it.each([
    ['groupmode', '3'],
    ['groupmodeforce', '2'],
    ['showgrades', '2'],
    ['newsitems', '11'],
    ['maxbytes', '-1'],
    ['defaultgroupingid', '4'],
    ['courseformatoptions][0][value', 'yes'],
    ['courseformatoptions][2][value', '53'],
  ])('refuses %s = %s and creates nothing', async (field, v) => {
    const res = await call('admin', 'core_course_create_courses', {
      ...EVERY_PARAMETER,
      'courses[0][shortname]': 'REFUSED1',
      [`courses[0][${field}]`]: v,
    });
    expect(res.body).toMatchObject({ exception: 'moodle_exception', errorcode: 'errorinvalidparam' });
    expect(await courseRow('REFUSED1')).toBeUndefined();
  });
});

describe('core_course_get_courses', () => {
  it('lists the site course first, to everybody, with the non-editor fields only', async () => {
    // The student holds no moodle/course:view: Moodle skips that check for the site course.
    const body = await text('student', 'core_course_get_courses', { 'options[ids][0]': '1' });
    const site = await courseRow('gatehouse');
    expect(body).toBe(
      moodleJson([
        {
          id: 1,
          shortname: 'gatehouse',
          categoryid: 0,
          fullname: 'Gatehouse Learning',
          displayname: 'Gatehouse Learning',
          summary: '<p>Welcome to the Gatehouse demo site.</p>',
          summaryformat: 1,
          format: 'site',
          startdate: 0,
          enddate: 0,
          showactivitydates: site?.showactivitydates === 1,
          showcompletionconditions: null,
        },
      ]),
    );
    const all = (await call('admin', 'core_course_get_courses')).body as { id: number; courseformatoptions: [] }[];
    expect(all[0]).toMatchObject({ id: 1, courseformatoptions: [] });
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => a - b));
    // Any other course needs moodle/course:view.
    expect((await call('student', 'core_course_get_courses')).body).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
    });
  });
});

/** A course made over REST, with activities added to its sections as the seed adds them. */
async function courseWithActivities() {
  await text('admin', 'core_course_create_courses', {
    'courses[0][fullname]': 'Contents',
    'courses[0][shortname]': 'CONT1',
    'courses[0][categoryid]': '1',
    'courses[0][numsections]': '2',
    'courses[0][courseformatoptions][0][name]': 'hiddensections',
    'courses[0][courseformatoptions][0][value]': '0',
  });
  const course = await courseRow('CONT1');
  const id = course?.id as number;
  const section = async (n: number) =>
    (
      await db()
        .select()
        .from(courseSections)
        .where(and(eq(courseSections.courseId, id), eq(courseSections.section, n)))
        .limit(1)
    ).at(0);
  const [s0, s1, s2] = [await section(0), await section(1), await section(2)];
  await db()
    .update(courseSections)
    .set({ visible: false, summary: '<p>Later</p>' })
    .where(eq(courseSections.id, s2?.id as number));
  const add = async (sectionId: number, position: number, m: Partial<typeof courseModules.$inferInsert>) =>
    firstRow(
      await db()
        .insert(courseModules)
        .values({ courseId: id, sectionId, modname: 'forum', name: 'x', position, timemodified: NOW - DAY, ...m })
        .returning({ id: courseModules.id }),
    ).id;
  const page = await add(s0?.id as number, 0, {
    modname: 'page',
    name: 'Read me',
    content: '<p>Hello</p>',
    revision: 3,
  });
  const url = await add(s0?.id as number, 1, {
    modname: 'url',
    name: 'Docs: Python/3',
    url: 'https://docs.python.org/3/',
  });
  const forum = await add(s1?.id as number, 0, { modname: 'forum', name: 'Chat' });
  const label = await add(s1?.id as number, 1, { modname: 'label', name: 'Note', description: '<p>A label</p>' });
  await add(s2?.id as number, 0, { modname: 'quiz', name: 'Hidden away' });
  await db()
    .insert(enrolments)
    .values({ courseId: id, userId: await t.userId('student'), role: 'student', timecreated: NOW });
  return { id, s0, s1, s2, page, url, forum, label };
}

describe('core_course_get_contents', () => {
  let c: Awaited<ReturnType<typeof courseWithActivities>>;
  beforeAll(async () => {
    c = await courseWithActivities();
  });

  /** A module as Moodle 4.5 writes it, in get_course_contents_returns' order. */
  const module = (
    id: number,
    modname: string,
    name: string,
    extra: { description?: string; contents?: unknown[]; contentsinfo?: unknown } = {},
  ) => ({
    id,
    ...(modname === 'label' ? {} : { url: `${WWWROOT}/mod/${modname}/view.php?id=${id}` }),
    name,
    instance: id,
    contextid: moduleCtx(id),
    ...(extra.description ? { description: extra.description } : {}),
    visible: 1,
    uservisible: true,
    visibleoncoursepage: 1,
    modicon: `${WWWROOT}/theme/image.php/boost/${modname}/1/icon`,
    modname,
    purpose: { page: 'content', url: 'content', label: 'content', forum: 'collaboration' }[modname],
    branded: false,
    modplural: { page: 'Pages', url: 'URLs', label: 'Labels', forum: 'Forums' }[modname],
    indent: 0,
    onclick: '',
    afterlink: '',
    customdata: '""',
    noviewlink: modname === 'label',
    completion: 0,
    downloadcontent: 1,
    dates: [],
    groupmode: 0,
    ...(extra.contents ? { contents: extra.contents, contentsinfo: extra.contentsinfo } : {}),
  });

  /** mod/page/lib.php page_export_contents' $pagefile: no revision in the URL, nulls where Moodle sets them. */
  const indexHtml = (cmid: number) => ({
    type: 'file',
    filename: 'index.html',
    filepath: '/',
    filesize: 0,
    fileurl: `${WWWROOT}/webservice/pluginfile.php/${moduleCtx(cmid)}/mod_page/content/index.html?forcedownload=1`,
    timecreated: null,
    timemodified: NOW - DAY,
    sortorder: 1,
    userid: null,
    author: null,
    license: null,
  });
  /** mod/url/lib.php url_export_contents: filepath, timecreated, sortorder, userid, author, license null. */
  const urlEntry = {
    type: 'url',
    filename: 'Docs Python3',
    filepath: null,
    filesize: 0,
    fileurl: 'https://docs.python.org/3/',
    timecreated: null,
    timemodified: NOW - DAY,
    sortorder: null,
    userid: null,
    author: null,
    license: null,
  };
  const info = (lastmodified: number) => ({
    filescount: 1,
    filessize: 0,
    lastmodified,
    mimetypes: [],
    repositorytype: '',
  });

  it('writes sections, modules and contents with every Moodle 4.5 key, in order', async () => {
    const body = await text('student', 'core_course_get_contents', { courseid: String(c.id) });
    expect(body).toBe(
      moodleJson([
        {
          id: c.s0?.id,
          name: 'General',
          visible: 1,
          summary: '',
          summaryformat: 1,
          section: 0,
          hiddenbynumsections: 0,
          uservisible: true,
          modules: [
            module(c.page, 'page', 'Read me', { contents: [indexHtml(c.page)], contentsinfo: info(NOW - DAY) }),
            module(c.url, 'url', 'Docs: Python/3', { contents: [urlEntry], contentsinfo: info(NOW - DAY) }),
          ],
        },
        {
          id: c.s1?.id,
          name: 'Topic 1',
          visible: 1,
          summary: '',
          summaryformat: 1,
          section: 1,
          hiddenbynumsections: 0,
          uservisible: true,
          modules: [
            module(c.forum, 'forum', 'Chat'),
            module(c.label, 'label', 'Note', { description: '<p>A label</p>' }),
          ],
        },
        // hiddensections 0 ("shown as not available"): the hidden section is listed without its
        // summary and activities.
        {
          id: c.s2?.id,
          name: 'Topic 2',
          visible: 0,
          summary: '',
          summaryformat: 1,
          section: 2,
          hiddenbynumsections: 0,
          uservisible: false,
          modules: [],
        },
      ]),
    );
  });

  it('leaves a hidden section out when hiddensections is 1 (the default)', async () => {
    await db()
      .update(courseFormatOptions)
      .set({ value: '1' })
      .where(and(eq(courseFormatOptions.courseId, c.id), eq(courseFormatOptions.name, 'hiddensections')));
    const out = (await call('student', 'core_course_get_contents', { courseid: String(c.id) })).body as {
      section: number;
    }[];
    expect(out.map((s) => s.section)).toEqual([0, 1]);
    await db()
      .update(courseFormatOptions)
      .set({ value: '0' })
      .where(and(eq(courseFormatOptions.courseId, c.id), eq(courseFormatOptions.name, 'hiddensections')));
  });

  it('applies excludecontents, includestealthmodules, and modid only together with modname', async () => {
    const opts = (pairs: [string, string][]) =>
      Object.fromEntries(
        pairs.flatMap(([n, v], i) => [
          [`options[${i}][name]`, n],
          [`options[${i}][value]`, v],
        ]),
      );
    const modulesOf = (out: { modules: { id: number; contents?: unknown[] }[] }[]) =>
      out.flatMap((s) => s.modules.map((m) => m.id));
    const args = (pairs: [string, string][]) => ({ courseid: String(c.id), ...opts(pairs) });

    const bare = (await call('student', 'core_course_get_contents', args([['excludecontents', 'true']]))).body;
    // The contents are emptied; their summary (contentsinfo) stays, as in Moodle.
    expect(bare[0].modules[0]).toMatchObject({ contents: [], contentsinfo: info(NOW - DAY) });

    // Accepted; nothing is stealth in Gatehouse, so nothing changes.
    const stealth = (await call('student', 'core_course_get_contents', args([['includestealthmodules', '1']]))).body;
    expect(modulesOf(stealth)).toEqual([c.page, c.url, c.forum, c.label]);

    // modid alone filters nothing (Moodle reads it only with modname) ...
    const modidAlone = (await call('student', 'core_course_get_contents', args([['modid', String(c.forum)]]))).body;
    expect(modulesOf(modidAlone)).toEqual([c.page, c.url, c.forum, c.label]);
    // ... and with modname names the one activity.
    const both = (
      await call(
        'student',
        'core_course_get_contents',
        args([
          ['modname', 'forum'],
          ['modid', String(c.forum)],
        ]),
      )
    ).body;
    expect(modulesOf(both)).toEqual([c.forum]);
    // The first of two options with one name wins.
    const twice = (
      await call(
        'student',
        'core_course_get_contents',
        args([
          ['sectionnumber', '1'],
          ['sectionnumber', '0'],
        ]),
      )
    ).body;
    expect(twice.map((s: { section: number }) => s.section)).toEqual([1]);
    // A value that is not an integer, and an unknown name, are refused.
    expect((await call('student', 'core_course_get_contents', args([['cmid', 'x']]))).body).toMatchObject({
      errorcode: 'errorinvalidparam',
    });
    expect((await call('student', 'core_course_get_contents', args([['colour', 'red']]))).body).toMatchObject({
      errorcode: 'errorinvalidparam',
    });
  });
});

describe("core_course_get_contents: a resource's file", () => {
  it('carries mimetype and isexternalfile (resource_export_contents), summed up in contentsinfo', async () => {
    const cs = (await courseRow('CS101'))?.id as number;
    const out = (await call('admin', 'core_course_get_contents', { courseid: String(cs) })).body as {
      modules: { modname: string; contents?: Record<string, unknown>[]; contentsinfo?: Record<string, unknown> }[];
    }[];
    const resource = out.flatMap((s) => s.modules).find((m) => m.modname === 'resource' && m.contents?.length);
    const file = resource?.contents?.[0] as Record<string, unknown>;
    expect(Object.keys(file)).toEqual([
      'type',
      'filename',
      'filepath',
      'filesize',
      'fileurl',
      'timecreated',
      'timemodified',
      'sortorder',
      'mimetype',
      'isexternalfile',
      'userid',
      'author',
      'license',
    ]);
    expect(file).toMatchObject({ type: 'file', mimetype: 'text/plain', isexternalfile: false });
    // resource_export_contents: '/'.$context->id.'/mod_resource/content/'.$resource->revision.$filepath.$filename
    const cm = out.flatMap((s) => s.modules).find((m) => m === resource) as unknown as { id: number };
    expect(file.fileurl).toBe(
      `${WWWROOT}/webservice/pluginfile.php/${moduleCtx(cm.id)}/mod_resource/content/1/python-cheat-sheet.txt?forcedownload=1`,
    );
    expect(resource?.contentsinfo).toEqual({
      filescount: 1,
      filessize: file.filesize,
      lastmodified: file.timemodified,
      mimetypes: ['text/plain'],
      repositorytype: '',
    });
  });
});

describe('core_enrol_get_users_courses', () => {
  it('writes every Moodle 4.5 key in order, with Moodle nulls, and leaves the count out on request', async () => {
    const row = await courseRow('CONT1');
    const id = row?.id as number;
    const expected = (withCount: boolean) => ({
      id,
      shortname: 'CONT1',
      fullname: 'Contents',
      displayname: 'Contents',
      ...(withCount ? { enrolledusercount: 1 } : {}),
      idnumber: '',
      visible: 1,
      summary: '',
      summaryformat: 1,
      format: 'topics',
      courseimage: `${WWWROOT}/pluginfile.php/${courseCtx(id)}/course/generated/course.svg`,
      showgrades: true,
      lang: '',
      enablecompletion: false,
      completionhascriteria: false,
      completionusertracked: false,
      category: 1,
      progress: null,
      completed: null,
      startdate: NOW,
      enddate: 0,
      marker: 0,
      lastaccess: null,
      isfavourite: false,
      hidden: false,
      overviewfiles: [],
      showactivitydates: true,
      showcompletionconditions: null,
      timemodified: NOW,
    });
    const userid = String(await t.userId('student'));
    const all = JSON.parse(await text('student', 'core_enrol_get_users_courses', { userid }));
    const mine = all.find((x: { id: number }) => x.id === id);
    expect(JSON.stringify(mine)).toBe(JSON.stringify(expected(true)));
    const noCount = JSON.parse(await text('student', 'core_enrol_get_users_courses', { userid, returnusercount: '0' }));
    expect(JSON.stringify(noCount.find((x: { id: number }) => x.id === id))).toBe(JSON.stringify(expected(false)));
    expect(noCount.every((x: object) => !('enrolledusercount' in x))).toBe(true);
  });

  it('writes the nulls as Moodle\'s REST XML does: <VALUE null="null"/>', async () => {
    const res = await t.app.request('/webservice/rest/server.php', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        wstoken: await tokenOf('student'),
        wsfunction: 'core_enrol_get_users_courses',
        userid: String(await t.userId('student')),
      }).toString(),
    });
    const xml = await res.text();
    const single = xml.split('<SINGLE>\n').find((part) => part.includes('<VALUE>CONT1</VALUE>'));
    // webservice/rest/locallib.php xmlize_result: a null value is <VALUE null="null"/>, booleans 0/1.
    expect(single).toContain(
      '<KEY name="category"><VALUE>1</VALUE>\n</KEY>\n' +
        '<KEY name="progress"><VALUE null="null"/>\n</KEY>\n' +
        '<KEY name="completed"><VALUE null="null"/>\n</KEY>\n' +
        `<KEY name="startdate"><VALUE>${NOW}</VALUE>\n</KEY>\n` +
        '<KEY name="enddate"><VALUE>0</VALUE>\n</KEY>\n' +
        '<KEY name="marker"><VALUE>0</VALUE>\n</KEY>\n' +
        '<KEY name="lastaccess"><VALUE null="null"/>\n</KEY>\n' +
        '<KEY name="isfavourite"><VALUE>0</VALUE>\n</KEY>\n',
    );
    expect(single).toContain(
      '<KEY name="showactivitydates"><VALUE>1</VALUE>\n</KEY>\n<KEY name="showcompletionconditions"><VALUE null="null"/>\n</KEY>\n',
    );
  });

  it("reads hidden from the user's block_myoverview_hidden_course_<id> preference, for the user only", async () => {
    const id = (await courseRow('CONT1'))?.id as number;
    await db()
      .insert(userPreferences)
      .values({ userId: await t.userId('student'), name: `block_myoverview_hidden_course_${id}`, value: '1' });
    const userid = String(await t.userId('student'));
    const own = (await call('student', 'core_enrol_get_users_courses', { userid })).body;
    expect(own.find((x: { id: number }) => x.id === id)).toMatchObject({ hidden: true });
    // Someone else (here the admin) sees false, as Moodle reads the preference only for oneself.
    const other = (await call('admin', 'core_enrol_get_users_courses', { userid })).body;
    expect(other.find((x: { id: number }) => x.id === id)).toMatchObject({ hidden: false });
  });
});
