import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, type Json } from '../test/helpers';
import { form, type MobileSite, startMobileSite } from '../test/mobile-site';
import { DISABLED_FEATURES } from './functions/mobile';

// The two Moodle Mobile apps' own call sequences, replayed against a listening Gatehouse site with
// "Enable web services for mobile devices" on, as far as Gatehouse has the functions. What each
// request carries and what each answer is checked for is the apps' code:
// - the seed era's HTML5 app, moodlehq/moodlemobile lib/mm.js (MM.checkSite, _checkMobileLocalPlugin,
//   saveSite, _saveToken, loadSite, moodleWSCall) and its plugins (contents, addnote, sendmessage,
//   messages);
// - the current app, moodlehq/moodleapp src/core/services/sites.ts (checkSite, getUserToken, newSite),
//   src/core/services/ws.ts (performAjax, call) and classes/sites/authenticated-site.ts.

/** A JSON answer, read field by field. */
const read = (res: Response): Promise<Json> => res.json();

let site: MobileSite;
beforeAll(async () => {
  site = await startMobileSite();
});
afterAll(() => site.close());

/** MM.moodleWSCall: a jQuery form POST to the REST server, JSON answers, wstoken and wsfunction in the body. */
async function mm1Call(token: string, wsfunction: string, data: Record<string, string | number> = {}) {
  const res = await fetch(`${site.base}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: form({ ...data, wsfunction, wstoken: token }),
  });
  expect(res.status).toBe(200);
  const body = await read(res);
  // moodleWSCall's success handler: an `exception` or a `debuginfo` key is an error.
  expect(body?.exception, JSON.stringify(body)).toBeUndefined();
  expect(body?.debuginfo).toBeUndefined();
  return body;
}

describe('the seed era app (moodlehq/moodlemobile)', () => {
  let token = '';
  let userid = 0;

  it('checks the site: HEAD of login/token.php answers 2xx, local/mobile/check.php 404', async () => {
    const head = await fetch(`${site.base}/login/token.php`, { method: 'HEAD' });
    expect(head.status).toBeGreaterThanOrEqual(200);
    expect(head.status).toBeLessThan(300);
    // _checkMobileLocalPlugin: an HTTP error means "local_mobile plugin is not installed": normal login.
    const check = await fetch(`${site.base}/local/mobile/check.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form({ service: 'local_mobile' }),
    });
    expect(check.status).toBe(404);
  });

  it('signs in on login/token.php with the moodle_mobile_app service', async () => {
    const res = await fetch(`${site.base}/login/token.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form({ username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' }),
    });
    const json = await read(res);
    expect(typeof json.token, JSON.stringify(json)).toBe('string');
    token = json.token;
  });

  it('passes the version gate: site info lists a *component_strings* function', async () => {
    const info = await mm1Call(token, 'moodle_webservice_get_siteinfo');
    expect(info.functions.some((f: { name: string }) => f.name.indexOf('component_strings') > -1)).toBe(true);
    expect(info.siteurl).toBe(site.base);
    expect(info.username).toBe('student');
    expect(typeof info.userid).toBe('number');
    // MM.util.wsAvailable: the legacy names it calls are listed.
    const names = info.functions.map((f: { name: string }) => f.name);
    for (const n of [
      'moodle_enrol_get_users_courses',
      'moodle_notes_create_notes',
      'moodle_message_send_instantmessages',
      'core_course_get_contents',
      'core_message_get_messages',
    ])
      expect(names).toContain(n);
    userid = info.userid;
    // The old lang sync (mm.lang.js): strings of the component "mobile", none here.
    expect(await mm1Call(token, 'core_get_component_strings', { component: 'mobile', lang: 'en' })).toEqual([]);
  });

  it("loads the courses and a course's contents as the app asks for them", async () => {
    const courses = await mm1Call(token, 'moodle_enrol_get_users_courses', { userid });
    expect(courses.map((c: { shortname: string }) => c.shortname)).toEqual(expect.arrayContaining(['CS101']));
    const cs101 = courses.find((c: { shortname: string }) => c.shortname === 'CS101');
    expect(cs101.fullname).toBe('Introduction to Programming');
    // plugins/contents/main.js sends an empty option with every call.
    const contents = await mm1Call(token, 'core_course_get_contents', {
      'options[0][name]': '',
      'options[0][value]': '',
      courseid: cs101.id,
    });
    expect(contents.length).toBeGreaterThan(0);
    expect(contents[0].modules[0]).toMatchObject({
      id: expect.any(Number),
      name: expect.any(String),
      modname: expect.any(String),
    });
  });

  it('adds a note (as a teacher: students may not) and sends a message under the legacy names, and reads messages', async () => {
    const courses = await mm1Call(token, 'moodle_enrol_get_users_courses', { userid });
    const cs101 = courses.find((c: { shortname: string }) => c.shortname === 'CS101');
    const login = await fetch(`${site.base}/login/token.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form({ username: 'teacher', password: DEMO_PASSWORD, service: 'moodle_mobile_app' }),
    });
    const teacherToken = (await read(login)).token as string;
    // plugins/addnote/main.js; the answer is not read.
    await mm1Call(teacherToken, 'moodle_notes_create_notes', {
      'notes[0][userid]': userid,
      'notes[0][publishstate]': 'personal',
      'notes[0][courseid]': cs101.id,
      'notes[0][text]': 'Revise loops',
      'notes[0][format]': 1,
    });
    // plugins/sendmessage/main.js, then plugins/messages/main.js.
    const sent = await mm1Call(token, 'moodle_message_send_instantmessages', {
      'messages[0][touserid]': await site.t.userId('teacher'),
      'messages[0][text]': 'Hello<br />from the old app',
      'messages[0][textformat]': 1,
    });
    expect(sent[0].msgid).toBeGreaterThan(0);
    const messages = await mm1Call(teacherToken, 'core_message_get_messages', {
      useridto: await site.t.userId('teacher'),
      useridfrom: 0,
      type: 'conversations',
      read: 0,
      newestfirst: 1,
      limitfrom: 0,
      limitnum: 50,
    });
    expect(messages.messages.map((m: { useridfrom: number }) => m.useridfrom)).toContain(userid);
  });

  it('also works as its early copy did: GET login/token.php, the token in the query string', async () => {
    const q = new URLSearchParams({ username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' });
    const login = await read(await fetch(`${site.base}/login/token.php?${q}`));
    expect(typeof login.token, JSON.stringify(login)).toBe('string');
    const res = await fetch(`${site.base}/webservice/rest/server.php?wstoken=${login.token}&moodlewsrestformat=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ wsfunction: 'moodle_webservice_get_siteinfo' }),
    });
    expect((await read(res)).siteurl).toBe(site.base);
  });
});

describe('the current app (moodlehq/moodleapp)', () => {
  let token = '';
  let userid = 0;

  /** CoreWS.call: REST with the function in the URL and the body, and the app's three WS settings. */
  async function maCall(wsfunction: string, data: Record<string, string | number> = {}) {
    const res = await fetch(
      `${site.base}/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${wsfunction}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          ...data,
          wsfunction,
          wstoken: token,
          moodlewssettingfilter: 'true',
          moodlewssettingfileurl: 'true',
          moodlewssettinglang: 'en',
        }),
      },
    );
    expect(res.status).toBe(200);
    const body = await read(res);
    expect(body?.exception, JSON.stringify(body)).toBeUndefined();
    expect(body?.errorcode).toBeUndefined();
    expect(body?.debuginfo).toBeUndefined();
    return body;
  }

  it('reads the public config over lib/ajax/service.php and finds the site usable', async () => {
    const res = await fetch(`${site.base}/lib/ajax/service.php?info=tool_mobile_get_public_config&lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ index: 0, methodname: 'tool_mobile_get_public_config', args: {} }]),
    });
    expect(res.status).toBe(200);
    const data = await read(res);
    // performAjax: data[0].error is an error, data[0].data the answer.
    expect(data[0].error).toBe(false);
    const config = data[0].data;
    // requestPublicConfig: the site URL is replaced by httpswwwroot.
    expect(config.httpswwwroot).toBe(site.base);
    expect(config.wwwroot).toBe(site.base);
    // checkSiteWithProtocol's gates, then isSSOLoginNeeded(typeoflogin): 1 is the app's own form.
    expect(config.enablewebservices).toBeTruthy();
    expect(config.enablemobilewebservice).toBeTruthy();
    expect(config.maintenanceenabled).toBeFalsy();
    expect(config.typeoflogin).toBe(1);
    expect(config.showloginform).toBe(1);
    expect(config.tool_mobile_minimumversion).toBe('');
  });

  it('falls back to service-nologin.php with GET ?args= as after a codingerror', async () => {
    const args = encodeURIComponent(
      JSON.stringify([{ index: 0, methodname: 'tool_mobile_get_public_config', args: {} }]),
    );
    const res = await fetch(
      `${site.base}/lib/ajax/service-nologin.php?info=tool_mobile_get_public_config&lang=en&args=${args}`,
    );
    expect((await read(res))[0].data.httpswwwroot).toBe(site.base);
  });

  it('signs in on login/token.php?lang=en', async () => {
    const res = await fetch(`${site.base}/login/token.php?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' }),
    });
    const json = await read(res);
    expect(typeof json.token, JSON.stringify(json)).toBe('string');
    token = json.token;
  });

  it('accepts the site: version >= 2018051700 (3.5), no Workplace functions, the config it needs', async () => {
    const info = await maCall('core_webservice_get_site_info');
    expect(Number.parseInt(info.version, 10)).toBeGreaterThanOrEqual(2018051700);
    const names = info.functions.map((f: { name: string }) => f.name);
    expect(names).not.toContain('tool_program_get_user_programs');
    expect(names).not.toContain('tool_catalogue_get_user_catalogue');
    for (const n of ['tool_mobile_get_config', 'tool_mobile_call_external_functions', 'core_enrol_get_users_courses'])
      expect(names).toContain(n);
    expect(info.siteurl).toBe(site.base);
    userid = info.userid;
    // getSiteConfig: tool_mobile_get_config for section '' on a new site (an error would stop it).
    const config = await maCall('tool_mobile_get_config', { section: '' });
    expect(config.settings.find((s: { name: string }) => s.name === 'tool_mobile_disabledfeatures')).toEqual({
      name: 'tool_mobile_disabledfeatures',
      value: DISABLED_FEATURES,
    });
    const plugins = await maCall('tool_mobile_get_plugins_supporting_mobile');
    expect(plugins).toEqual({ plugins: [], warnings: [] });
  });

  it('loads the dashboard through tool_mobile_call_external_functions, as processRequestQueue sends it', async () => {
    const out = await maCall('tool_mobile_call_external_functions', {
      'requests[0][function]': 'core_enrol_get_users_courses',
      'requests[0][arguments]': JSON.stringify({ userid: String(userid) }),
      'requests[0][settingfilter]': '1',
      'requests[0][settingfileurl]': '1',
      'requests[1][function]': 'core_message_get_messages',
      'requests[1][arguments]': JSON.stringify({ useridto: String(userid), type: 'conversations', read: '0' }),
      'requests[1][settingfilter]': '1',
      'requests[1][settingfileurl]': '1',
    });
    expect(out.responses).toHaveLength(2);
    for (const r of out.responses) expect(r.error, r.exception).toBe(false);
    const courses = JSON.parse(out.responses[0].data);
    const cs101 = courses.find((c: { shortname: string }) => c.shortname === 'CS101');
    expect(cs101).toBeDefined();
    const contents = await maCall('core_course_get_contents', { courseid: cs101.id });
    expect(contents.length).toBeGreaterThan(0);
  });
});
