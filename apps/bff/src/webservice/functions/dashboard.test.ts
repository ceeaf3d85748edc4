import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, userDevices, userPreferences } from '../../db/schema';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../../test/helpers';
import { form, type MobileSite, startMobileSite } from '../../test/mobile-site';

// The Moodle app's dashboard and course-page calls (dashboard.ts) and its push registration
// (devices.ts), over REST as the app sends them, with a token of the built-in mobile service.
// Expected shapes: course/externallib.php, course/classes/external/course_summary_exporter.php,
// blocks/externallib.php, user/externallib.php add_user_device / remove_user_device.

let site: MobileSite;
const tokens = new Map<string, string>();

beforeAll(async () => {
  site = await startMobileSite();
});
afterAll(() => site.close());

async function tokenOf(username: string): Promise<string> {
  const had = tokens.get(username);
  if (had) return had;
  const res = await fetch(`${site.base}/login/token.php`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      username,
      password: username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD,
      service: 'moodle_mobile_app',
    }),
  });
  const { token } = (await res.json()) as { token: string };
  tokens.set(username, token);
  return token;
}

/** A REST call as CoreWS.call sends it; the raw JSON text. */
async function rest(username: string, wsfunction: string, data: Record<string, string | number> = {}) {
  const res = await fetch(`${site.base}/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${wsfunction}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      ...data,
      wsfunction,
      wstoken: await tokenOf(username),
      moodlewssettingfilter: 'true',
      moodlewssettingfileurl: 'true',
      moodlewssettinglang: 'en',
    }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
const json = async (username: string, fn: string, data: Record<string, string | number> = {}): Promise<any> =>
  JSON.parse(await rest(username, fn, data));

const courseId = async (shortname: string) =>
  (await site.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname))).at(0)!.id;

describe('core_course_get_enrolled_courses_by_timeline_classification', () => {
  it("answers the caller's courses as course_summary_exporter writes them, in its key order", async () => {
    const out = await json('student', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'inprogress',
      sort: 'fullname',
    });
    expect(out.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101', 'SAFE100']);
    expect(out.nextoffset).toBe(2);
    const [cs] = out.courses;
    expect(Object.keys(cs)).toEqual([
      'id',
      'fullname',
      'shortname',
      'idnumber',
      'summary',
      'summaryformat',
      'startdate',
      'enddate',
      'visible',
      'showactivitydates',
      'showcompletionconditions',
      'pdfexportfont',
      'fullnamedisplay',
      'viewurl',
      'courseimage',
      'progress',
      'hasprogress',
      'isfavourite',
      'hidden',
      'showshortname',
      'coursecategory',
    ]);
    expect(cs).toMatchObject({
      id: await courseId('CS101'),
      fullname: 'Introduction to Programming',
      idnumber: 'CS101-2025',
      summary: '<p>Variables, control flow and functions, taught in Python.</p>',
      summaryformat: 1,
      visible: true,
      showactivitydates: true,
      showcompletionconditions: null,
      pdfexportfont: null,
      fullnamedisplay: 'Introduction to Programming',
      viewurl: `${site.base}/course/view.php?id=${await courseId('CS101')}`,
      progress: 0,
      hasprogress: false,
      isfavourite: false,
      hidden: false,
      showshortname: false,
      coursecategory: 'Category 1',
    });
    expect(cs.courseimage).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('classifies by the dates, and the offset and limit work on the whole list as in Moodle', async () => {
    // The teacher: CS101 and HIST201 in progress, DS200 (hidden, theirs) in the future, listed last.
    const all = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'all',
      sort: 'fullname',
    });
    expect(all.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101', 'HIST201', 'DS200']);
    const future = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'future',
      limit: 1,
    });
    expect(future.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['DS200']);
    expect(future.nextoffset).toBe(3);
    const first = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'inprogress',
      limit: 1,
      sort: 'fullname desc',
    });
    expect(first.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['HIST201']);
    expect(first.nextoffset).toBe(1);
    const next = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'inprogress',
      limit: 1,
      offset: 1,
      sort: 'fullname desc',
    });
    expect(next.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101']);
    const past = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'past',
    });
    expect(past).toEqual({ courses: [], nextoffset: 3 });
    // Gatehouse has no favourites and no custom fields.
    for (const classification of ['favourites', 'customfield']) {
      const none = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
        classification,
      });
      expect(none.courses).toEqual([]);
    }
    // The app's "Last accessed" sort: Gatehouse keeps no course access times (all 0), so hidden
    // courses last, then by id.
    const lastAccessed = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'all',
      sort: 'ul.timeaccess desc, c.shortname asc',
    });
    expect(lastAccessed.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101', 'HIST201', 'DS200']);
    const search = await json('teacher', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'search',
      searchvalue: 'history',
    });
    expect(search.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['HIST201']);
  });

  it('leaves out the courses the user hid from the dashboard, and lists them under hidden', async () => {
    const studentId = await site.t.userId('student2');
    await site.t.store.db
      .insert(userPreferences)
      .values({ userId: studentId, name: `block_myoverview_hidden_course_${await courseId('HIST201')}`, value: '1' });
    const all = await json('student2', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'all',
    });
    expect(all.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101']);
    const hidden = await json('student2', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'hidden',
    });
    expect(hidden.courses.map((c: { shortname: string; hidden: boolean }) => [c.shortname, c.hidden])).toEqual([
      ['HIST201', true],
    ]);
    const everything = await json('student2', 'core_course_get_enrolled_courses_by_timeline_classification', {
      classification: 'allincludinghidden',
      sort: 'shortname',
    });
    expect(everything.courses.map((c: { shortname: string }) => c.shortname)).toEqual(['CS101', 'HIST201']);
  });

  it("refuses a classification or a sort Moodle refuses, with Moodle's errors", async () => {
    expect(
      await rest('student', 'core_course_get_enrolled_courses_by_timeline_classification', { classification: 'soon' }),
    ).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}',
    );
    expect(
      await rest('student', 'core_course_get_enrolled_courses_by_timeline_classification', {
        classification: 'all',
        sort: 'password',
      }),
    ).toBe(
      '{"exception":"coding_exception","errorcode":"codingerror","message":"Coding error detected, it must be fixed by a programmer: Invalid $sort parameter in enrol_get_my_courses()"}',
    );
    const bad = JSON.parse(
      await rest('student', 'core_course_get_enrolled_courses_by_timeline_classification', {
        classification: 'all',
        sort: 'fullname sideways',
      }),
    );
    expect(bad.message).toBe(
      'Coding error detected, it must be fixed by a programmer: Invalid sort direction in $sort parameter in enrol_get_my_courses()',
    );
  });
});

describe('core_block_get_dashboard_blocks', () => {
  it('gives the dashboard its course overview block, in get_block_structure order', async () => {
    // dashboard.ts (the app) sends returncontents and, for sites of 4.0 on, mypage.
    const text = await rest('student', 'core_block_get_dashboard_blocks', { returncontents: '1', mypage: '__default' });
    const configs = [
      ['customfiltergrouping', ''],
      ['displaycategories', '1'],
      ['displaygroupingall', '1'],
      ['displaygroupingallincludinghidden', '0'],
      ['displaygroupingcustomfield', '0'],
      ['displaygroupingfavourites', '0'],
      ['displaygroupingfuture', '1'],
      ['displaygroupinghidden', '1'],
      ['displaygroupinginprogress', '1'],
      ['displaygroupingpast', '1'],
      ['layouts', 'card,list,summary'],
    ]
      .map(([n, v]) => `{"name":"${n}","value":"\\"${v}\\"","type":"plugin"}`)
      .join(',');
    expect(text).toBe(
      `{"blocks":[{"instanceid":1,"name":"myoverview","region":"content","positionid":0,"collapsible":true,"dockable":false,"weight":0,"visible":true,"contents":{"title":"Course overview","content":"","contentformat":1,"footer":"","files":[]},"configs":[${configs}]}],"warnings":[]}`,
    );
    // Without contents, and "My courses", which has no blocks of its own.
    const bare = JSON.parse(await rest('student', 'core_block_get_dashboard_blocks'));
    expect(bare.blocks[0]).not.toHaveProperty('contents');
    expect(await rest('student', 'core_block_get_dashboard_blocks', { mypage: '__courses' })).toBe(
      '{"blocks":[],"warnings":[]}',
    );
    const nosuch = JSON.parse(await rest('student', 'core_block_get_dashboard_blocks', { mypage: 'elsewhere' }));
    expect(nosuch.errorcode).toBe('mymoodlesetup');
    // Another user's dashboard needs moodle/site:config.
    const other = JSON.parse(
      await rest('student', 'core_block_get_dashboard_blocks', { userid: await site.t.userId('teacher') }),
    );
    expect(other).toMatchObject({ exception: 'required_capability_exception', errorcode: 'nopermissions' });
    // An administrator may read another user's, of a user that exists and is active.
    const theirs = JSON.parse(
      await rest('admin', 'core_block_get_dashboard_blocks', { userid: await site.t.userId('student') }),
    );
    expect(theirs.blocks.map((b: { name: string }) => b.name)).toEqual(['myoverview']);
    const missing = JSON.parse(await rest('admin', 'core_block_get_dashboard_blocks', { userid: 999_999 }));
    expect(missing).toMatchObject({ exception: 'dml_missing_record_exception', errorcode: 'invalidrecord' });
    const unconfirmed = JSON.parse(
      await rest('admin', 'core_block_get_dashboard_blocks', { userid: await site.t.userId('unconfirmed') }),
    );
    expect(unconfirmed.errorcode).toBe('usernotconfirmed');
  });
});

describe('core_course_get_user_navigation_options and core_course_get_user_administration_options', () => {
  it("answers each course's options, and a warning for a course the caller may not open", async () => {
    const cs = await courseId('CS101');
    const hist = await courseId('HIST201');
    const text = await rest('student', 'core_course_get_user_navigation_options', {
      'courseids[0]': cs,
      'courseids[1]': hist,
    });
    const opts = (names: [string, boolean][]) =>
      `[${names.map(([n, a]) => `{"name":"${n}","available":${a}}`).join(',')}]`;
    expect(text).toBe(
      `{"courses":[{"id":${cs},"options":${opts([
        ['badges', false],
        ['blogs', false],
        ['competencies', false],
        ['grades', false],
        ['notes', false],
        ['participants', false],
        ['search', false],
        ['tags', false],
        ['communication', false],
      ])}}],"warnings":[{"item":"course","itemid":${hist},"warningcode":"1","message":"No access rights in course context"}]}`,
    );
    // The course's teacher may see its participants and notes.
    const teacher = await json('teacher', 'core_course_get_user_navigation_options', { 'courseids[0]': cs });
    const available = (o: { name: string; available: boolean }[]) => o.filter((x) => x.available).map((x) => x.name);
    expect(available(teacher.courses[0].options)).toEqual(['notes', 'participants']);

    const admin = await json('teacher', 'core_course_get_user_administration_options', { 'courseids[0]': cs });
    expect(admin.courses[0].options.map((o: { name: string }) => o.name)).toEqual([
      'update',
      'editcompletion',
      'filters',
      'reports',
      'backup',
      'restore',
      'copy',
      'files',
      'tags',
      'gradebook',
      'outcomes',
      'badges',
      'import',
      'reset',
      'roles',
    ]);
    expect(available(admin.courses[0].options)).toEqual(['update']);
    const studentAdmin = await json('student', 'core_course_get_user_administration_options', { 'courseids[0]': cs });
    expect(available(studentAdmin.courses[0].options)).toEqual([]);
    // The site course is open to everyone, with the front page's list of options.
    const front = await json('student', 'core_course_get_user_administration_options', { 'courseids[0]': 1 });
    expect(front.courses[0].options.map((o: { name: string }) => o.name)).toContain('publish');
  });
});

describe('core_user_add_user_device and core_user_remove_user_device', () => {
  const device = {
    appid: 'com.moodle.moodlemobile',
    name: 'Pixel',
    model: 'Pixel 8',
    platform: 'Android',
    version: '14',
    pushid: 'push-1',
    uuid: 'uuid-1',
  };
  const rows = async () =>
    site.t.store.db
      .select({
        appid: userDevices.appid,
        name: userDevices.name,
        version: userDevices.version,
        pushid: userDevices.pushid,
        uuid: userDevices.uuid,
        publickey: userDevices.publickey,
      })
      .from(userDevices)
      .where(eq(userDevices.userId, await site.t.userId('student')))
      .orderBy(asc(userDevices.id));
  const devicesOf = async (username: string) =>
    (
      await site.t.store.db
        .select({ n: count() })
        .from(userDevices)
        .where(eq(userDevices.userId, await site.t.userId(username)))
    ).at(0)!.n;

  it("stores the device, warns on a push id already stored, and updates a known device, as Moodle's add_user_device", async () => {
    expect(await rest('student', 'core_user_add_user_device', device)).toBe('[]');
    expect(await rows()).toEqual([
      {
        appid: 'com.moodle.moodlemobile',
        name: 'Pixel',
        version: '14',
        pushid: 'push-1',
        uuid: 'uuid-1',
        publickey: null,
      },
    ]);
    // $warnings['warning'][] = …: a list holding one list of warnings.
    expect(await rest('student', 'core_user_add_user_device', device)).toBe(
      '[[{"item":"push-1","warningcode":"existingkeyforthisuser","message":"This key is already stored for this user"}]]',
    );
    // The same device (app id and uuid) with a new push id and version: updated, not added.
    expect(
      await rest('student', 'core_user_add_user_device', {
        ...device,
        pushid: 'push-2',
        version: '15',
        publickey: 'PK',
      }),
    ).toBe('[]');
    expect(await rows()).toEqual([
      {
        appid: 'com.moodle.moodlemobile',
        name: 'Pixel',
        version: '15',
        pushid: 'push-2',
        uuid: 'uuid-1',
        publickey: 'PK',
      },
    ]);
    // Another user may register the same push id.
    expect(await rest('student2', 'core_user_add_user_device', device)).toBe('[]');
  });

  it('removes the caller’s devices with the uuid, and says when there was none', async () => {
    expect(await rest('student', 'core_user_remove_user_device', { uuid: 'uuid-1', appid: device.appid })).toBe(
      '{"removed":true,"warnings":[]}',
    );
    expect(await rows()).toEqual([]);
    expect(await rest('student', 'core_user_remove_user_device', { uuid: 'uuid-1' })).toBe(
      `{"removed":false,"warnings":[{"item":"uuid-1","warningcode":"devicedoesnotexist","message":"The device doesn't exists in the database"}]}`,
    );
    // Student 2's device is theirs alone.
    expect(await devicesOf('student2')).toBe(1);
  });

  it('refuses a device without its required fields and stores nothing', async () => {
    const { uuid: _uuid, ...missing } = device;
    const out = JSON.parse(await rest('teacher', 'core_user_add_user_device', missing));
    expect(out).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(await devicesOf('teacher')).toBe(0);
  });
});

describe('the built-in mobile service', () => {
  it("lists the app's dashboard, course-page, activity and push functions in site info", async () => {
    const info = await json('student', 'core_webservice_get_site_info');
    const names = info.functions.map((f: { name: string }) => f.name);
    for (const fn of [
      'core_course_get_enrolled_courses_by_timeline_classification',
      'core_block_get_dashboard_blocks',
      'core_course_get_user_navigation_options',
      'core_course_get_user_administration_options',
      'core_user_add_user_device',
      'core_user_remove_user_device',
      'tool_mobile_get_config',
      'tool_mobile_call_external_functions',
      'core_course_get_contents',
      'mod_page_get_pages_by_courses',
      'mod_resource_get_resources_by_courses',
    ]) {
      expect(names, fn).toContain(fn);
    }
  });
});
