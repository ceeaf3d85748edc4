import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../support/constants';
import { login } from '../support/fixtures';
import { useOwnServer } from '../support/own-server';

// The current Moodle app (moodlehq/moodleapp) in a browser, as `ionic serve` runs it: a page on
// another origin (http://localhost:<port>) that drives the app's own call sequence with fetch()
// against the real Gatehouse server, so Chromium applies CORS to every call, preflights included.
// What each request carries is the app's code: src/core/services/ws.ts (performAjax, call,
// uploadFile), src/core/classes/interceptor.ts (serialize), src/core/services/sites.ts
// (checkSite, getUserToken, newSite, isValidMoodleVersion), authenticated-site.ts
// (processRequestQueue), the dashboard, course contents and participants services.

const server = useOwnServer(3119);

/** The "app": a blank page whose script does what CoreWS does (run in the browser, on its own origin). */
const APP_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Moodle app (test)</title></head><body>
<h1>Moodle app</h1>
<script>
// CoreWS.convertValuesToString: numbers and strings as strings, booleans as '1'/'0', null dropped.
function convert(data) {
  if (Array.isArray(data)) return data.map(convert);
  if (data && typeof data === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(data)) {
      if (v === null || v === undefined) continue;
      out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'object' ? convert(v) : String(v);
    }
    return out;
  }
  return String(data);
}
// CoreInterceptor.serialize: PHP bracket names, recursively.
function serialize(obj, prefix) {
  const parts = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? prefix + '[' + k + ']' : k;
    if (v !== null && typeof v === 'object') parts.push(serialize(v, name));
    else parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(v));
  }
  return parts.filter(Boolean).join('&');
}
window.app = {
  site: '',
  token: '',
  // performAjax: POST JSON to lib/ajax/service.php, or GET on service-nologin.php with args.
  async ajax(method, args, useGet) {
    const body = JSON.stringify([{ index: 0, methodname: method, args: convert(args) }]);
    const url = this.site + '/lib/ajax/' + (useGet ? 'service-nologin.php' : 'service.php') + '?info=' + method + '&lang=en';
    const res = useGet
      ? await fetch(url + '&args=' + encodeURIComponent(JSON.stringify([{ index: 0, methodname: method, args: convert(args) }])))
      : await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    return { status: res.status, data: await res.json() };
  },
  // getUserToken: POST login/token.php?lang=en, form-encoded.
  async login(username, password) {
    const res = await fetch(this.site + '/login/token.php?lang=en', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: serialize({ username, password, service: 'moodle_mobile_app' }),
    });
    const data = await res.json();
    if (data.token) this.token = data.token;
    return data;
  },
  // CoreWS.call: POST to the REST server, the function in the URL and the body, and the three WS settings.
  async call(wsfunction, args) {
    const data = Object.assign(convert(args || {}), {
      wsfunction,
      wstoken: this.token,
      moodlewssettingfilter: 'true',
      moodlewssettingfileurl: 'true',
      moodlewssettinglang: 'en',
    });
    const res = await fetch(this.site + '/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=' + wsfunction, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: serialize(data),
    });
    return res.json();
  },
  // Downloading a file URL the site gave: with the token added (CoreFile / CoreFilepool do).
  async download(fileurl) {
    const res = await fetch(fileurl + (fileurl.includes('?') ? '&' : '?') + 'token=' + this.token);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      text: await res.text(),
    };
  },
  // CoreWS.uploadFile: multipart with token, filearea=draft, itemid=0 and the file.
  async upload(name, content, mime) {
    const form = new FormData();
    form.append('token', this.token);
    form.append('filearea', 'draft');
    form.append('itemid', '0');
    form.append('file', new Blob([content], { type: mime }), name);
    const res = await fetch(this.site + '/webservice/upload.php', { method: 'POST', body: form });
    return res.json();
  },
};
</script></body></html>`;

let appServer: Server;
let appOrigin = '';

test.beforeAll(async () => {
  appServer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(APP_PAGE);
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://localhost:${(appServer.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => appServer.close(resolve));
});

// biome-ignore lint/suspicious/noExplicitAny: the app's answers are JSON, read field by field
type Json = any;

type AppWindow = {
  app: {
    site: string;
    ajax(method: string, args: object, useGet?: boolean): Promise<{ status: number; data: Json }>;
    login(username: string, password: string): Promise<Json>;
    call(fn: string, args?: object): Promise<Json>;
    download(url: string): Promise<{ status: number; type: string | null; disposition: string | null; text: string }>;
    upload(name: string, content: string, mime: string): Promise<Json>;
  };
};

test('the Moodle app on another origin signs in, opens the dashboard, a course, its page and file, the participants, and uploads', async ({
  page,
  browser,
}) => {
  const site = server().url;

  // The administrator switches mobile web services on, as the seed documents tell them to.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await login(admin, 'admin', ADMIN_PASSWORD, site);
  await admin.goto(`${site}/admin/webservice/mobile`);
  await admin.getByRole('checkbox', { name: 'Enable web services for mobile devices' }).check();
  await admin.getByRole('button', { name: 'Save changes' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'What changed' })).toBeVisible();
  await adminContext.close();

  // The app, served from its own origin.
  await page.goto(appOrigin);
  expect(new URL(page.url()).origin).not.toBe(new URL(site).origin);
  await page.evaluate((s) => {
    (window as unknown as AppWindow).app.site = s;
  }, site);
  const app = <T>(fn: (a: AppWindow['app'], arg: Json) => Promise<T>, arg?: unknown) =>
    page.evaluate(([f, x]) => new Function('a', 'x', `return (${f})(a, x)`)((window as unknown as AppWindow).app, x), [
      fn.toString(),
      arg,
    ] as const) as Promise<T>;

  // 1. checkSite: tool_mobile_get_public_config over lib/ajax/service.php (a JSON POST: preflighted).
  const pub = await app((a) => a.ajax('tool_mobile_get_public_config', {}));
  expect(pub.status).toBe(200);
  expect(pub.data[0].error).toBe(false);
  const config = pub.data[0].data;
  // requestPublicConfig: from here on the app uses the wwwroot the site returns (its
  // GATEHOUSE_WWWROOT, here the default http://localhost:<port>), still another origin than the app's.
  expect(config.httpswwwroot).toBe(config.wwwroot);
  expect(new URL(config.wwwroot).port).toBe(new URL(site).port);
  const wwwroot: string = config.wwwroot;
  await page.evaluate((s) => {
    (window as unknown as AppWindow).app.site = s;
  }, wwwroot);
  expect(new URL(wwwroot).origin).not.toBe(new URL(page.url()).origin);
  expect(config.enablewebservices).toBe(1);
  expect(config.enablemobilewebservice).toBe(1);
  expect(config.maintenanceenabled).toBe(0);
  expect(config.typeoflogin).toBe(1);
  expect(config.tool_mobile_disabledfeatures).toContain('CoreMainMenuDelegate_AddonCalendar');
  // The retry path after a codingerror: GET on service-nologin.php with the request in args.
  const nologin = await app((a) => a.ajax('tool_mobile_get_public_config', {}, true));
  expect(nologin.data[0].data.wwwroot).toBe(wwwroot);

  // 2. getUserToken.
  const auth = await app((a, p) => a.login('teacher', p), DEMO_PASSWORD);
  expect(auth.token).toMatch(/^gwt/);

  // 3. newSite: site info (never batched), the version gate, the Workplace check.
  const info = await app((a) => a.call('core_webservice_get_site_info'));
  expect(info.exception).toBeUndefined();
  expect(info.siteurl).toBe(wwwroot);
  expect(info.username).toBe('teacher');
  const version = Number.parseInt(info.version, 10);
  const release = Number.parseFloat(/^\d+(\.\d+)?/.exec(info.release ?? '')?.[0] ?? '0');
  expect(version >= 2018051700 || release >= 3.5).toBe(true);
  const functions: string[] = info.functions.map((f: { name: string }) => f.name);
  expect(functions).not.toContain('tool_program_get_user_programs');
  for (const fn of [
    'tool_mobile_get_config',
    'tool_mobile_call_external_functions',
    'core_block_get_dashboard_blocks',
    'core_course_get_enrolled_courses_by_timeline_classification',
    'core_enrol_get_users_courses',
    'core_course_get_contents',
    'core_course_get_user_navigation_options',
    'core_course_get_user_administration_options',
    'core_enrol_get_enrolled_users',
    'core_user_get_course_user_profiles',
    'core_user_add_user_device',
    'mod_page_get_pages_by_courses',
    'mod_resource_get_resources_by_courses',
  ]) {
    expect(functions, fn).toContain(fn);
  }
  expect(info.downloadfiles).toBe(1);
  expect(info.uploadfiles).toBe(1);

  // 4. getSiteConfig: tool_mobile_get_config, section '' (mandatory for a new site).
  const siteConfig = await app((a) => a.call('tool_mobile_get_config', { section: '' }));
  const setting = (name: string) =>
    siteConfig.settings.find((s: { name: string; value: string }) => s.name === name)?.value;
  expect(setting('tool_mobile_disabledfeatures')).toBe(config.tool_mobile_disabledfeatures);

  // 5. The dashboard, through the request queue (processRequestQueue: arguments as JSON text,
  // every value a string).
  const batch = await app(
    (a, userid) =>
      a.call('tool_mobile_call_external_functions', {
        requests: [
          {
            function: 'core_block_get_dashboard_blocks',
            arguments: JSON.stringify({ returncontents: '1', mypage: '__default' }),
            settingfilter: '1',
            settingfileurl: '1',
          },
          {
            function: 'core_course_get_enrolled_courses_by_timeline_classification',
            arguments: JSON.stringify({ classification: 'all', limit: '0', offset: '0', sort: 'fullname' }),
            settingfilter: '1',
            settingfileurl: '1',
          },
          {
            function: 'core_enrol_get_users_courses',
            arguments: JSON.stringify({ userid: String(userid), returnusercount: '0' }),
            settingfilter: '1',
            settingfileurl: '1',
          },
        ],
      }),
    info.userid,
  );
  expect(batch.responses.map((r: { error: boolean }) => r.error)).toEqual([false, false, false]);
  const [blocks, timeline, enrolled] = batch.responses.map((r: { data: string }) => JSON.parse(r.data));
  expect(blocks.blocks.map((b: { name: string; region: string }) => [b.name, b.region])).toEqual([
    ['myoverview', 'content'],
  ]);
  const myCourses = timeline.courses.map((c: { shortname: string }) => c.shortname);
  expect(myCourses).toEqual(['CS101', 'HIST201', 'DS200']);
  expect(enrolled.map((c: { shortname: string }) => c.shortname).sort()).toEqual(['CS101', 'DS200', 'HIST201']);
  const cs101 = timeline.courses.find((c: { shortname: string }) => c.shortname === 'CS101');

  // 6. The course page: its options, then its contents (CoreCourse.getSections).
  const nav = await app((a, id) => a.call('core_course_get_user_navigation_options', { courseids: [id] }), cs101.id);
  const participantsOption = nav.courses[0].options.find((o: { name: string }) => o.name === 'participants');
  expect(participantsOption.available).toBe(true);
  const adminOptions = await app(
    (a, id) => a.call('core_course_get_user_administration_options', { courseids: [id] }),
    cs101.id,
  );
  expect(adminOptions.courses[0].id).toBe(cs101.id);
  const sections = await app(
    (a, id) =>
      a.call('core_course_get_contents', {
        courseid: id,
        options: [
          { name: 'excludemodules', value: false },
          { name: 'excludecontents', value: false },
          { name: 'includestealthmodules', value: true },
        ],
      }),
    cs101.id,
  );
  expect(sections.exception).toBeUndefined();
  type Module = { modname: string; name: string; contents?: { filename: string; fileurl: string }[] };
  const modules: Module[] = sections.flatMap((s: { modules: Module[] }) => s.modules);
  const guide = modules.find((m) => m.modname === 'page' && m.name === 'Course guide');
  const indexHtml = guide?.contents?.find((f) => f.filename === 'index.html');
  expect(indexHtml?.fileurl).toMatch(
    /\/webservice\/pluginfile\.php\/\d+\/mod_page\/content\/.*index\.html\?forcedownload=1$/,
  );
  const cheatSheet = modules.find((m) => m.modname === 'resource')?.contents?.[0];
  expect(cheatSheet?.filename).toBe('python-cheat-sheet.txt');

  // 7. Opening the page and the resource: the activity (AddonModPage.getPageData,
  // AddonModResource.getResourceData), then its files downloaded with the token, cross-origin.
  const pages = await app((a, id) => a.call('mod_page_get_pages_by_courses', { courseids: [id] }), cs101.id);
  const guidePage = pages.pages.find((p: { name: string }) => p.name === 'Course guide');
  expect(guidePage.content).toContain('<h2>How this course works</h2>');
  const resources = await app(
    (a, id) => a.call('mod_resource_get_resources_by_courses', { courseids: [id] }),
    cs101.id,
  );
  expect(resources.resources[0].contentfiles[0].filename).toBe('python-cheat-sheet.txt');
  const pageFile = await app((a, url) => a.download(url), indexHtml?.fileurl);
  expect(pageFile.status).toBe(200);
  expect(pageFile.type).toBe('text/html');
  expect(pageFile.disposition).toBe('attachment; filename="index.html"');
  expect(pageFile.text).toContain('<h2>How this course works</h2>');
  const resourceFile = await app((a, url) => a.download(url), cheatSheet?.fileurl);
  expect(resourceFile.status).toBe(200);
  expect(resourceFile.text.startsWith('Python cheat sheet')).toBe(true);

  // 8. Participants (CoreUser.getParticipants), then one of them (CoreUser.getProfile).
  const participants = await app(
    (a, id) =>
      a.call('core_enrol_get_enrolled_users', {
        courseid: id,
        options: [
          { name: 'limitfrom', value: 0 },
          { name: 'limitnumber', value: 50 },
          { name: 'sortby', value: 'siteorder' },
        ],
      }),
    cs101.id,
  );
  expect(participants.exception).toBeUndefined();
  const student = participants.find((u: { username?: string; fullname: string }) => u.fullname === 'Sam Student');
  expect(student).toBeTruthy();
  const profile = await app(
    (a, x) => a.call('core_user_get_course_user_profiles', { userlist: [{ userid: x.userid, courseid: x.courseid }] }),
    { userid: student.id, courseid: cs101.id },
  );
  expect(profile[0]).toMatchObject({ id: student.id, fullname: 'Sam Student' });
  // The participant's picture: a URL without a query, downloadable with the token.
  const picture = await app((a, url) => a.download(url), profile[0].profileimageurl);
  expect(picture.status).toBe(200);
  expect(picture.type).toBe('image/png');

  // Push registration (registerDeviceOnMoodle, on a device only): an empty list of warnings.
  const device = await app((a) =>
    a.call('core_user_add_user_device', {
      appid: 'com.moodle.moodlemobile',
      name: 'Browser',
      model: 'Chromium',
      platform: 'Android',
      version: '14',
      pushid: 'e2e-push-id',
      uuid: 'e2e-uuid',
    }),
  );
  expect(device).toEqual([]);

  // 9. Upload (CoreWS.uploadFile): a draft file, data[0] its record.
  const uploaded = await app((a) => a.upload('photo.txt', 'taken in the app', 'text/plain'));
  expect(uploaded[0]).toMatchObject({ component: 'user', filearea: 'draft', filename: 'photo.txt' });
  expect(uploaded[0].itemid).toBeGreaterThan(0);
});
