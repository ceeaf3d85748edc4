import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { AUTHENTICATED_ROLE } from '../../features/roles/authz';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, restCall, serviceBody, type TestApp } from '../../test/helpers';
import { setRoleCapability } from './test-helpers';

// core_webservice_get_site_info as Moodle 4.5 answers it, over the real REST server: every key of
// webservice/externallib.php's get_site_info_returns() in that order (the order of the JSON a
// Moodle client reads), with the values a Moodle 4.5 site gives with Gatehouse's features.

const WWWROOT = 'https://lms.example.org';
let t: TestApp;
const tokens = new Map<string, string>();

async function tokenOf(username: string): Promise<string> {
  let token = tokens.get(username);
  if (!token) {
    token = (
      await createAdminToken(
        t.deps,
        { userId: await t.userId(username), serviceId: serviceId, validUntil: null },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
    tokens.set(username, token);
  }
  return token;
}

let serviceId = 0;
beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: WWWROOT } });
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(
    t.deps,
    serviceBody('Site info', 'siteinfo', { downloadFiles: true, uploadFiles: true }),
    SYSTEM_ACTOR,
  );
  serviceId = svc.id;
  await setRoleCapability(t.deps, AUTHENTICATED_ROLE, 'webservice/rest:use', 'allow');
  await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
});
afterAll(() => t.close());

async function siteInfo(username: string, format: 'json' | 'xml' = 'json') {
  if (format === 'json') {
    const res = await restCall(t, await tokenOf(username), 'core_webservice_get_site_info');
    expect(res.status).toBe(200);
    return res;
  }
  const res = await t.app.request('/webservice/rest/server.php', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      wstoken: await tokenOf(username),
      wsfunction: 'core_webservice_get_site_info',
    }).toString(),
  });
  expect(res.status).toBe(200);
  return { status: res.status, body: undefined, text: await res.text() };
}

/** Moodle 4.5's get_site_info_returns() keys, in order (webservice/externallib.php). */
const MOODLE_45_KEYS = [
  'sitename',
  'username',
  'firstname',
  'lastname',
  'fullname',
  'lang',
  'userid',
  'siteurl',
  'userpictureurl',
  'functions',
  'downloadfiles',
  'uploadfiles',
  'release',
  'version',
  'mobilecssurl',
  'advancedfeatures',
  'usercanmanageownfiles',
  'userquota',
  'usermaxuploadfilesize',
  'userhomepage',
  'userhomepageurl',
  'userprivateaccesskey',
  'siteid',
  'sitecalendartype',
  'usercalendartype',
  'userissiteadmin',
  'theme',
  'limitconcurrentlogins',
  'usersessionscount',
  'policyagreed',
];

/**
 * Moodle's advanced features in its order (the nine $CFG flags, then mnet_dispatcher_mode), with
 * the values of a site where only notes and messaging are on.
 */
const ADVANCED_FEATURES = [
  { name: 'usecomments', value: 0 },
  { name: 'usetags', value: 0 },
  { name: 'enablenotes', value: 1 },
  { name: 'messaging', value: 1 },
  { name: 'enableblogs', value: 0 },
  { name: 'enablecompletion', value: 0 },
  { name: 'enablebadges', value: 0 },
  { name: 'messagingallusers', value: 0 },
  { name: 'enablecustomreports', value: 0 },
  { name: 'mnet_dispatcher_mode', value: 0 },
];

describe('core_webservice_get_site_info (Moodle 4.5)', () => {
  it("writes Moodle's keys in Moodle's order, leaving out userhomepageurl and usersessionscount", async () => {
    const { body, text } = await siteInfo('student');
    // Left out, as Moodle leaves them out: userhomepage is not HOMEPAGE_URL (4), and
    // limitconcurrentlogins is 0 (usersessionscount is counted "only when enabled").
    expect(Object.keys(body)).toEqual(
      MOODLE_45_KEYS.filter((k) => k !== 'userhomepageurl' && k !== 'usersessionscount'),
    );
    expect(text).toContain(
      '"version":"2025010100","mobilecssurl":"","advancedfeatures":[{"name":"usecomments","value":0},',
    );
    expect(body).toEqual({
      sitename: 'Gatehouse',
      username: 'student',
      firstname: 'Sam',
      lastname: 'Student',
      fullname: 'Sam Student',
      lang: 'en',
      userid: await t.userId('student'),
      siteurl: WWWROOT,
      userpictureurl: `${WWWROOT}/pluginfile.php/${30_000_000 + (await t.userId('student'))}/user/icon/f1`,
      functions: [{ name: 'core_webservice_get_site_info', version: '2025010100' }],
      downloadfiles: 1,
      uploadfiles: 1,
      release: 'Gatehouse 1.0',
      version: '2025010100',
      mobilecssurl: '',
      advancedfeatures: ADVANCED_FEATURES,
      usercanmanageownfiles: true,
      userquota: 104_857_600,
      usermaxuploadfilesize: expect.any(Number),
      userhomepage: 1,
      userprivateaccesskey: expect.stringMatching(/^[0-9a-f]{32}\d+$/),
      siteid: 1,
      sitecalendartype: 'gregorian',
      usercalendartype: 'gregorian',
      userissiteadmin: false,
      theme: 'boost',
      limitconcurrentlogins: 0,
      policyagreed: 0,
    });
  });

  it("takes lang, the user's calendar type and policyagreed from the user's record", async () => {
    // Set before the user's first call (the access checks keep the user they read).
    await t.store.db
      .update(users)
      .set({ lang: 'fr', calendartype: '', policyagreed: 1, theme: 'classic' })
      .where(eq(users.username, 'student2'));
    const { body } = await siteInfo('student2');
    // current_language(): the user's own language.
    expect(body.lang).toBe('fr');
    // empty($USER->calendartype): the site's calendar type.
    expect(body.usercalendartype).toBe('gregorian');
    expect(body.sitecalendartype).toBe('gregorian');
    expect(body.policyagreed).toBe(1);
    // A user theme counts only with allowuserthemes on (off in Moodle by default; no such setting here).
    expect(body.theme).toBe('boost');
  });

  it('gives a user with another calendar type theirs, and a user with no language the site language', async () => {
    await t.store.db.update(users).set({ lang: '', calendartype: 'hijri' }).where(eq(users.username, 'manager'));
    const { body } = await siteInfo('manager');
    expect(body.lang).toBe('en');
    expect(body.usercalendartype).toBe('hijri');
    expect(body.sitecalendartype).toBe('gregorian');
  });

  it('an administrator: the same keys, userissiteadmin true and no quota', async () => {
    const { body } = await siteInfo('admin');
    expect(Object.keys(body)).toEqual(
      MOODLE_45_KEYS.filter((k) => k !== 'userhomepageurl' && k !== 'usersessionscount'),
    );
    expect(body.userissiteadmin).toBe(true);
    expect(body.userquota).toBe(0);
    expect(body.usermaxuploadfilesize).toBe(-1);
  });

  it("writes advancedfeatures in REST XML as Moodle's xmlize_result does", async () => {
    const { text } = await siteInfo('student', 'xml');
    // webservice/rest/locallib.php, webservice_rest_server::xmlize_result: a multiple of singles,
    // each key with its value and a newline after every element.
    const entry = (name: string, value: number) =>
      `<SINGLE>\n<KEY name="name"><VALUE>${name}</VALUE>\n</KEY>\n<KEY name="value"><VALUE>${value}</VALUE>\n</KEY>\n</SINGLE>\n`;
    expect(text).toContain(
      `<KEY name="mobilecssurl"><VALUE></VALUE>\n</KEY>\n<KEY name="advancedfeatures"><MULTIPLE>\n${ADVANCED_FEATURES.map(
        (f) => entry(f.name, f.value),
      ).join('')}</MULTIPLE>\n</KEY>\n<KEY name="usercanmanageownfiles"><VALUE>1</VALUE>\n</KEY>\n`,
    );
    expect(text).toContain(
      '<KEY name="sitecalendartype"><VALUE>gregorian</VALUE>\n</KEY>\n<KEY name="usercalendartype"><VALUE>gregorian</VALUE>\n</KEY>\n',
    );
    expect(text).toContain(
      '<KEY name="theme"><VALUE>boost</VALUE>\n</KEY>\n<KEY name="limitconcurrentlogins"><VALUE>0</VALUE>\n</KEY>\n',
    );
    expect(text).toContain('<KEY name="policyagreed"><VALUE>0</VALUE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n');
  });

  it('refuses a service shortname that is not PARAM_ALPHANUMEXT, as Moodle does', async () => {
    const res = await restCall(t, await tokenOf('student'), 'core_webservice_get_site_info', {
      'serviceshortnames[0]': 'not valid',
    });
    expect(res.body.exception).toBe('invalid_parameter_exception');
    const ok = await restCall(t, await tokenOf('student'), 'core_webservice_get_site_info', {
      'serviceshortnames[0]': 'moodle_mobile_app',
    });
    expect(ok.body.sitename).toBe('Gatehouse');
  });
});
