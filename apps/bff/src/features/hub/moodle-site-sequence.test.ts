import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSites } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { curlMultipartFor, enableHub, hubCall, hubUpload, PhpFloat } from './hub-rpc.test-helpers';

// An unmodified Moodle site (multi-hub Moodle 2.5–3.3, the code that talks to a hub other than
// moodle.net) goes through every step of its life on the hub, each request built as the Moodle
// file named at the step builds it: registration (admin/registration/register.php → the hub's
// siteregistration.php → the site's confirmregistration.php), the site information
// (registration_manager::get_site_info, hub_update_site_info), publishing a course with a
// screenshot and its backup (course/publish/metadata.php, backup.php), the status refresh
// (course/publish/index.php), another site's community block searching with `publichub` and
// downloading the backup (blocks/community/communitycourse.php, locallib.php), unpublishing
// (course/publish/index.php) and unregistering (admin/registration/index.php). The site is a
// real HTTP server (the hub checks that it answers, and its confirmation page is followed); the
// hub is the real app, through app.request, and its real node server where the site uses raw curl.

const HUB = 'https://hub.example.org';
const HUB_NAME = 'Sequence hub';

/** PHP's rawurlencode(). */
const rawurlencode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
/** moodle_url::get_query_string() (lib/weblib.php): rawurlencode, an empty value as the bare key. */
const moodleQuery = (params: [string, string | number][]) =>
  params.map(([k, v]) => (v === '' ? rawurlencode(k) : `${rawurlencode(k)}=${rawurlencode(String(v))}`)).join('&');

let t: TestApp;
let admin: Client;
let site: Server;
let siteUrl: string;
let hubServer: ReturnType<typeof serve>;
let hubBase: string;
const confirmed: URLSearchParams[] = [];

/** The registration secret: get_site_secret_for_hub(), random_string(32) . $_SERVER['HTTP_HOST']. */
const SECRET = 'Qw3rTy7uIoP1aSdF9gHjK2lZxCvB5nMm127.0.0.1';
/** What the site keeps of the hub (registration_hubs): the token the confirmation brings. */
let token = '';
let hubCourseId = 0;
let screenshot: Buffer;
/** backup::MODE_HUB's .mbz (a zip): its signature and some content. */
const BACKUP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('moodle_backup.xml '.repeat(400))]);

beforeAll(async () => {
  site = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://site');
    if (u.pathname === '/moodle/admin/registration/confirmregistration.php') confirmed.push(u.searchParams);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Moodle</html>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/moodle`;
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: HUB } });
  admin = await signIn(t, 'admin');
  // The site lives on 127.0.0.1: the hub administrator allows local sites for this test.
  await enableHub(admin, { privacy: 'public', name: HUB_NAME, allowLocalSites: true });
  await admin.patch('/api/settings', { debug: 'normal' });
  hubServer = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => hubServer.once('listening', r));
  hubBase = `http://127.0.0.1:${(hubServer.address() as AddressInfo).port}`;
  screenshot = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c84' } })
    .jpeg()
    .toBuffer();
});

afterAll(async () => {
  hubServer?.close();
  await t?.close();
  await new Promise((r) => site.close(r));
});

const siteRow = async () => (await t.store.db.select().from(hubSites).where(eq(hubSites.url, siteUrl)).limit(1)).at(0);

describe('a Moodle site on the hub, step by step', () => {
  it('1. registers: register.php redirects to siteregistration.php, which sends the browser to confirmregistration.php', async () => {
    // admin/registration/register.php: (array) $fromform of site_registration_form in form order,
    // the statistics of get_site_info(), then token and url; redirect(new moodle_url($huburl .
    // '/local/hub/siteregistration.php', $params)).
    const query = moodleQuery([
      ['huburl', HUB],
      ['hubname', ''],
      ['password', ''],
      ['name', 'Lakeside Moodle'],
      ['privacy', 'linked'],
      ['description', 'Courses by the lake'],
      ['language', 'en'],
      ['address', ''],
      ['regioncode', '-'],
      ['countrycode', 'NZ'],
      ['geolocation', ''],
      ['contactname', 'Ada Admin'],
      ['contactphone', ''],
      ['contactemail', 'ada@lakeside.example'],
      ['contactable', 1],
      ['emailalert', 1],
      ['imageurl', ''],
      ['moodleversion', '2017051500.02'],
      ['moodlerelease', '3.3+ (Build: 20170525)'],
      ['courses', 3],
      ['users', 40],
      ['roleassignments', 1],
      ['posts', 8],
      ['questions', 0],
      ['resources', 5],
      ['badges', 0],
      ['issuedbadges', 0],
      ['modulenumberaverage', 4.5],
      ['participantnumberaverage', 10],
      ['submitbutton', `Register with ${HUB}`],
      ['enrolments', 41],
      ['street', ''],
      ['token', SECRET],
      ['url', siteUrl],
    ]);
    const res = await t.client({ ip: '198.51.100.1' }).get(`/local/hub/siteregistration.php?${query}`);
    expect([302, 303]).toContain(res.status);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${siteUrl}/admin/registration/confirmregistration.php`);
    // The browser follows the redirect to the site.
    expect((await fetch(location)).status).toBe(200);
    const got = confirmed.at(-1) as URLSearchParams;
    // confirmregistration.php: newtoken PARAM_ALPHANUM, url = the hub URL exactly as the site stored it,
    // token = the site's secret echoed back, hubname.
    expect(got.get('newtoken')).toMatch(/^[A-Za-z0-9]+$/);
    expect(got.get('url')).toBe(HUB);
    expect(got.get('token')).toBe(SECRET);
    expect(got.get('hubname')).toBe(HUB_NAME);
    token = got.get('newtoken') as string;
    expect(await siteRow()).toMatchObject({ name: 'Lakeside Moodle', timeConfirmed: null });
  });

  it('2. updates its information (registration_manager::get_site_info → hub_update_site_info), which confirms the registration', async () => {
    const siteinfo = {
      name: 'Lakeside Moodle',
      description: 'Courses by the lake',
      contactname: 'Ada Admin',
      contactemail: 'ada@lakeside.example',
      contactphone: '',
      imageurl: '',
      privacy: 'linked',
      street: false,
      regioncode: '-',
      countrycode: 'NZ',
      geolocation: '',
      contactable: '1',
      emailalert: '1',
      courses: 3,
      users: 40,
      enrolments: 41,
      posts: 8,
      questions: 0,
      resources: 5,
      badges: 0,
      issuedbadges: 0,
      participantnumberaverage: new PhpFloat(10),
      modulenumberaverage: new PhpFloat(4.5),
      language: 'en',
      moodleversion: '2017051500.02',
      moodlerelease: '3.3+ (Build: 20170525)',
      url: siteUrl,
    };
    const res = await hubCall(t, 'hub_update_site_info', [siteinfo], token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value).toBe(true);
    expect(await siteRow()).toMatchObject({ moodleVersion: '2017051500.02', timeConfirmed: expect.any(Number) });
  });

  it('3. publishes a course to share (course/publish/metadata.php), with a screenshot, then its backup (backup.php)', async () => {
    // metadata.php shows the hub's information first.
    const info = await hubCall<{ name: string; url: string }>(t, 'hub_get_info', [], token);
    expect(info.value).toMatchObject({ name: HUB_NAME, url: HUB });
    const courseinfo = {
      fullname: 'Birds of the lake',
      shortname: 'BIRDS',
      description: 'Every bird of the lake',
      language: 'en',
      publishername: 'Ada Admin',
      publisheremail: 'ada@lakeside.example',
      contributornames: '',
      coverage: 'lake, birds',
      creatorname: 'Cora Creator',
      licenceshortname: 'cc',
      subject: '0511',
      audience: 'students',
      educationallevel: 'secondary',
      creatornotes: '<p>Field guide</p>',
      creatornotesformat: '1',
      sitecourseid: 2,
      demourl: '',
      enrollable: false,
      contents: [{ moduletype: 'activity', modulename: 'quiz', contentcount: 2 }],
      screenshots: 1,
    };
    // $params = array('courses' => array($courseinfo)): one positional array of one struct.
    const ids = await hubCall<number[]>(t, 'hub_register_courses', [[courseinfo]], token);
    expect(ids.fault, ids.text).toBeUndefined();
    expect(ids.value).toHaveLength(1);
    hubCourseId = ids.value?.[0] as number;
    // metadata.php: $curl->post($huburl . "/local/hub/webservice/upload.php", $params), the
    // fields filetype, file, courseid, filename, screenshotnumber, token.
    const shot = await hubUpload(t, [
      ['filetype', 'screenshot'],
      ['file', { filename: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4', content: screenshot }],
      ['courseid', String(hubCourseId)],
      ['filename', 'lake.jpg'],
      ['screenshotnumber', '1'],
      ['token', token],
    ]);
    expect(shot.status, shot.text).toBe(200);
    // backup.php: filetype, courseid, file, token; over the hub's real server, as curl sends it.
    const { body, contentType } = curlMultipartFor([
      ['filetype', 'backup'],
      ['courseid', String(hubCourseId)],
      ['file', { filename: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', content: BACKUP }],
      ['token', token],
    ]);
    const up = await fetch(`${hubBase}/local/hub/webservice/upload.php`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    expect(up.status, await up.clone().text()).toBe(200);
    expect(await up.text()).toBe('');
  });

  it("4. refreshes the publication's status (course/publish/index.php): hidden until the hub administrator shows it", async () => {
    const status = () =>
      hubCall<{ courses: { id: number; privacy: number }[] }>(
        t,
        'hub_get_courses',
        ['', 1, 1, { allsitecourses: 1 }],
        token,
      );
    expect((await status()).value?.courses).toEqual([expect.objectContaining({ id: hubCourseId, privacy: 0 })]);
    const shown = await admin.post('/api/hub/courses/bulk', { ids: [hubCourseId], action: 'show' });
    expect(shown.status, shown.text).toBe(200);
    expect((await status()).value?.courses).toEqual([expect.objectContaining({ id: hubCourseId, privacy: 1 })]);
  });

  it("5. another site's community block finds it with publichub (communitycourse.php) and downloads the backup (locallib.php)", async () => {
    // communitycourse.php: the options of the search form (coverage 'all' as the form leaves it,
    // language current_language(), orderby, givememore), downloadable (PARAM_INT) and !$downloadable.
    const options = { coverage: 'all', language: 'en', orderby: 'newest', givememore: 0 };
    const res = await hubCall<{ courses: Record<string, unknown>[]; coursetotal: number }>(
      t,
      'hub_get_courses',
      ['', 1, false, options],
      'publichub',
      { ip: '203.0.113.9' },
    );
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value?.coursetotal).toBe(1);
    expect(res.value?.courses[0]).toMatchObject({
      id: hubCourseId,
      fullname: 'Birds of the lake',
      screenshots: 1,
      backupsize: BACKUP.length,
      enrollable: false,
      contents: [{ moduletype: 'activity', modulename: 'quiz', contentcount: 2 }],
      rating: { scaleid: 10, count: 0 },
      comments: [],
    });
    expect(res.value?.courses[0]?.demourl).toMatch(
      new RegExp(`^${HUB}/\\?sesskey=\\w{10}&redirectcourseid=${hubCourseId}$`),
    );
    // renderer.php's thumbnail: download.php?courseid=N&filetype=screenshot (an <img>, no token).
    const thumb = await fetch(
      `${hubBase}/local/hub/webservice/download.php?courseid=${hubCourseId}&filetype=screenshot`,
    );
    expect(thumb.status).toBe(200);
    expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({ width: 150, height: 113 });
    // block_community_download_course_backup: raw curl of
    // download.php?filetype=backup&courseid=N (no token: the site is not registered on this hub).
    const dl = await fetch(`${hubBase}/local/hub/webservice/download.php?filetype=backup&courseid=${hubCourseId}`, {
      redirect: 'manual',
    });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(BACKUP)).toBe(true);
  });

  it('6. unpublishes the course (course/publish/index.php: hub_unregister_courses)', async () => {
    const res = await hubCall(t, 'hub_unregister_courses', [[hubCourseId]], token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value).toBe(1);
    const search = await hubCall(
      t,
      'hub_get_courses',
      ['', 1, false, { orderby: 'newest', givememore: 0 }],
      'publichub',
    );
    expect(search.value).toEqual({ courses: [], coursetotal: 0 });
    expect(
      (await fetch(`${hubBase}/local/hub/webservice/download.php?filetype=backup&courseid=${hubCourseId}`)).status,
    ).toBe(404);
  });

  it('7. unregisters (admin/registration/index.php: hub_unregister_site, no parameters); its token then stops working', async () => {
    const res = await hubCall(t, 'hub_unregister_site', [], token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value).toBe(1);
    expect(await siteRow()).toMatchObject({ deleted: true, visible: false });
    expect((await hubCall(t, 'hub_get_info', [], token)).fault?.errorcode).toBe('invalidtoken');
  });
});
