import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubCourseContents, hubCourseOutcomes, hubCourses, hubSites } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { enableHub, hubCall, PhpFloat, rpc, siteInfo } from './hub-rpc.test-helpers';

// The hub functions as Moodle 2.x–3.3 sites call them at /local/hub/webservice/webservices.php,
// the values as PHP types them (xmlrpc_encode_request: get_config strings, count_records ints,
// averages as floats), and the answers as local_hub's externallib.php returns them.

const WWWROOT = 'https://hub.example.org';
let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };

/**
 * registration_manager::get_site_info (admin/registration/lib.php, multi-hub), in its key order:
 * get_config() values are strings, the counts ints, the averages floats, $CFG->version a string;
 * Moodle 3.1–3.3 add the mobile keys (mobilenotificacionsenabled spelt as Moodle spells it).
 */
const moodleSiteInfo = {
  name: 'Lakeside college',
  description: 'A Moodle site by the lake',
  contactname: 'Ada Admin',
  contactemail: 'ada@lakeside.example',
  contactphone: '+64 4 555 0101',
  imageurl: 'https://lakeside.example/logo.png',
  privacy: 'linked',
  street: '1 Lake Road',
  regioncode: 'NZ-WGN',
  countrycode: 'NZ',
  geolocation: '-41.28,174.77',
  contactable: '1',
  emailalert: '0',
  courses: 42,
  users: 1200,
  enrolments: 3500,
  posts: 800,
  questions: 150,
  resources: 300,
  badges: 4,
  issuedbadges: 20,
  participantnumberaverage: new PhpFloat(12.5),
  modulenumberaverage: new PhpFloat(7.25),
  language: 'en',
  moodleversion: '2017051500.03',
  moodlerelease: '3.3 (Build: 20170515)',
  url: 'https://lakeside.example',
  mobileservicesenabled: 1,
  mobilenotificacionsenabled: false,
  registereduserdevices: 3,
  registeredactiveuserdevices: 2,
};

/** course/publish/metadata.php's $courseinfo (a stdClass: a struct), form values as strings. */
const moodleCourse = (id: number, name: string, share: boolean, extra: Record<string, unknown> = {}) => ({
  fullname: name,
  shortname: `C${id}`,
  description: `About ${name}`,
  language: 'en',
  publishername: 'Pat Publisher',
  publisheremail: 'pat@lakeside.example',
  contributornames: '',
  coverage: '',
  creatorname: 'Cora Creator',
  licenceshortname: 'cc',
  subject: '0111',
  audience: 'students',
  educationallevel: 'tertiary',
  creatornotes: '<p>Notes</p>',
  creatornotesformat: '1',
  sitecourseid: id,
  ...(share
    ? { demourl: '', enrollable: false }
    : { courseurl: `https://lakeside.example/course/view.php?id=${id}`, enrollable: true }),
  ...extra,
});

type Course = Record<string, unknown> & { id: number; fullname: string };
type Result = { courses: Course[]; coursetotal: number };

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: WWWROOT } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Functions hub', maxCoursesPerDay: 100 });
  await admin.patch('/api/settings', { debug: 'normal' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  const reg = await rpc<typeof site>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo('Lakeside', 'https://lakeside.example') }],
    token,
  );
  site = reg.value as typeof site;
});

afterAll(() => t?.close());

const siteRow = async () =>
  (await t.store.db.select().from(hubSites).where(eq(hubSites.id, site.siteid)).limit(1)).at(0)!;

describe('hub_update_site_info', () => {
  it("takes every field of the site's get_site_info, stores them, and confirms the registration", async () => {
    const res = await hubCall(t, 'hub_update_site_info', [moodleSiteInfo], site.token, { ip: '198.51.100.7' });
    expect(res.fault, res.text).toBeUndefined();
    // externallib.php: new external_value(PARAM_BOOL, '1 if all went well').
    expect(res.text).toContain('<boolean>1</boolean>');
    expect(await siteRow()).toMatchObject({
      name: 'Lakeside college',
      contactPhone: '+64 4 555 0101',
      street: '1 Lake Road',
      regionCode: 'NZ-WGN',
      geolocation: '-41.28,174.77',
      privacy: 'linked',
      contactable: true,
      emailAlert: false,
      statBadges: 4,
      statIssuedBadges: 20,
      statEnrolments: 3500,
      moodleVersion: '2017051500.03',
      ip: '198.51.100.7',
      timeConfirmed: expect.any(Number),
      // A new name (Lakeside → Lakeside college): hidden until the hub administrator checks it (local_hub's register_site).
      visible: false,
    });
    expect((await admin.post(`/api/hub/sites/${site.siteid}/show`)).status).toBe(200);
  });

  it('a new URL the hub cannot reach is refused (cannotregisternotavailablesite), and nothing changes', async () => {
    const moved = { ...moodleSiteInfo, name: 'Moved', url: 'http://127.0.0.1:9/moodle' };
    const res = await hubCall(t, 'hub_update_site_info', [moved], site.token);
    expect(res.fault?.errorcode).toBe('cannotregisternotavailablesite');
    expect(res.fault?.faultString).toContain('This hub cannot access your web site.');
    expect(await siteRow()).toMatchObject({ name: 'Lakeside college', url: 'https://lakeside.example' });
  });
});

describe('hub_register_courses and hub_get_courses', () => {
  let advertised: number;

  it('publishes a course with its contents and outcomes (metadata.php), and the same enrollable course again keeps its id', async () => {
    const course = moodleCourse(2, 'Lake ecology', false, {
      outcomes: [{ fullname: 'Names the lake birds' }],
      contents: [
        { moduletype: 'block', modulename: 'html', contentcount: 1 },
        { moduletype: 'activity', modulename: 'forum', contentcount: 3 },
      ],
      screenshots: 2,
    });
    const res = await hubCall<number[]>(t, 'hub_register_courses', [[course]], site.token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value).toHaveLength(1);
    advertised = res.value?.[0] as number;
    expect(
      (await t.store.db.select().from(hubCourses).where(eq(hubCourses.id, advertised)).limit(1)).at(0),
    ).toMatchObject({
      screenshots: 2,
      enrollable: true,
      visible: false,
    });
    const again = await hubCall<number[]>(
      t,
      'hub_register_courses',
      [[{ ...course, fullname: 'Lake ecology 2' }]],
      site.token,
    );
    expect(again.value).toEqual([advertised]);
    expect(
      await t.store.db.select().from(hubCourseContents).where(eq(hubCourseContents.courseId, advertised)),
    ).toHaveLength(2);
    expect(
      await t.store.db.select().from(hubCourseOutcomes).where(eq(hubCourseOutcomes.courseId, advertised)),
    ).toHaveLength(1);
  });

  it("a site's own courses with allsitecourses (course/publish/index.php): hidden ones with privacy 0, contents most used first", async () => {
    // ('', 1, 1, ['allsitecourses' => 1]): an associative array, a struct.
    const res = await hubCall<Result>(t, 'hub_get_courses', ['', 1, 1, { allsitecourses: 1 }], site.token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value?.coursetotal).toBe(1);
    expect(res.value?.courses[0]).toMatchObject({
      id: advertised,
      fullname: 'Lake ecology 2',
      privacy: 0,
      sitecourseid: 2,
      publisheremail: 'pat@lakeside.example',
      courseurl: 'https://lakeside.example/course/view.php?id=2',
      screenshots: 2,
      enrollable: true,
      contents: [
        { moduletype: 'activity', modulename: 'forum', contentcount: 3 },
        { moduletype: 'block', modulename: 'html', contentcount: 1 },
      ],
      outcomes: [{ fullname: 'Names the lake birds' }],
      rating: { scaleid: 10, count: 0 },
      comments: [],
    });
    // The public search sees no hidden course.
    expect((await hubCall<Result>(t, 'hub_get_courses', ['', 0, true, {}], 'publichub')).value).toEqual({
      courses: [],
      coursetotal: 0,
    });
  });

  it('the community block pages by givememore, 25 courses at a time (maxwscourseresult), ordered as asked', async () => {
    await admin.post(`/api/hub/sites/${site.siteid}/trust`);
    const list = Array.from({ length: 27 }, (_, i) =>
      moodleCourse(100 + i, `Course ${String(i).padStart(2, '0')}`, false, { publishername: `P${26 - i}` }),
    );
    const res = await hubCall<number[]>(t, 'hub_register_courses', [list], site.token);
    expect(res.value, res.text).toHaveLength(27);
    // blocks/community/communitycourse.php: coverage 'all' (the form's default), orderby, givememore.
    const options = (orderby: string, givememore: number) => ({ coverage: 'all', orderby, givememore });
    const first = await hubCall<Result>(t, 'hub_get_courses', ['', 0, true, options('fullname', 0)], 'publichub');
    expect(first.fault, first.text).toBeUndefined();
    expect(first.value?.coursetotal).toBe(27);
    expect(first.value?.courses).toHaveLength(25);
    expect(first.value?.courses[0]?.fullname).toBe('Course 00');
    // Another site's course: no publisher email, privacy or site course id.
    expect(first.value?.courses[0]).not.toHaveProperty('publisheremail');
    expect(first.value?.courses[0]).not.toHaveProperty('privacy');
    const next = await hubCall<Result>(t, 'hub_get_courses', ['', 0, true, options('fullname', 25)], 'publichub');
    expect(next.value?.courses.map((c) => c.fullname)).toEqual(['Course 25', 'Course 26']);
    const byPublisher = await hubCall<Result>(
      t,
      'hub_get_courses',
      ['', 0, true, options('publisher', 0)],
      'publichub',
    );
    expect(byPublisher.value?.courses[0]?.fullname).toBe('Course 26');
    const searched = await hubCall<Result>(
      t,
      'hub_get_courses',
      ['Course 07', 0, true, options('newest', 0)],
      'publichub',
    );
    expect(searched.value?.courses.map((c) => c.fullname)).toEqual(['Course 07']);
    // Downloadable only: none of these.
    expect(
      (await hubCall<Result>(t, 'hub_get_courses', ['', 1, false, options('newest', 0)], 'publichub')).value,
    ).toEqual({
      courses: [],
      coursetotal: 0,
    });
  });

  it('refuses an option local_hub does not know, as Moodle refuses an unexpected key', async () => {
    const res = await hubCall(t, 'hub_get_courses', ['', 0, true, { limitnum: 500 }], 'publichub');
    expect(res.fault?.errorcode).toBe('invalidparameter');
  });
});

describe('hub_get_info', () => {
  it('gives a registered site no contact details, and the counts of visible courses', async () => {
    const res = await hubCall<Record<string, unknown>>(t, 'hub_get_info', [], site.token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value).toEqual({
      name: 'Functions hub',
      description: '',
      hublogo: 0,
      language: 'en',
      url: WWWROOT,
      imgurl: `${WWWROOT}/local/hub/webservice/download.php?filetype=hubscreenshot`,
      sites: 1,
      // Lake ecology was published before the site was trusted: hidden.
      courses: 27,
      enrollablecourses: 27,
      downloadablecourses: 0,
    });
  });
});

describe('hub_unregister_site', () => {
  it("takes Moodle 3.4's url parameter too, and answers 1", async () => {
    const res = await hubCall(t, 'hub_unregister_site', [{ url: ['https://lakeside.example'] }], site.token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.text).toContain('<int>1</int>');
    expect(await siteRow()).toMatchObject({ deleted: true });
    expect((await hubCall(t, 'hub_get_info', [], site.token)).fault?.errorcode).toBe('invalidtoken');
  });
});
