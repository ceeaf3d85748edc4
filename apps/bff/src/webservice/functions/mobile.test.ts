import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServiceFunctions, externalServices } from '../../db/schema';
import { MOBILE_SERVICE, syncBuiltinServices } from '../../features/services/builtin';
import { FUNCTIONS } from './index';
import { DISABLED_FEATURES } from './mobile';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest, type TestService } from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

/** A service like the built-in mobile one: what the app's token is for. */
const MOBILE_LIKE: TestService = {
  shortname: 'mobile_like',
  name: 'Mobile-like service',
  downloadFiles: true,
  uploadFiles: true,
  functions: FUNCTIONS.filter((f) => f.services?.includes(MOBILE_SERVICE)).map((f) => f.name),
};

/** PHP's json_encode of a URL: every `/` escaped. */
const php = (s: string) => s.replaceAll('/', '\\/');

describe('tool_mobile_get_config', () => {
  it("answers a section's settings in api::get_config's order, as name/value strings", async () => {
    const out = await callFunction(t.deps, 'tool_mobile_get_config', 'student', { section: 'mobileapp' }, MOBILE_LIKE);
    expect(out).toEqual({
      settings: [
        { name: 'tool_mobile_forcelogout', value: '0' },
        { name: 'tool_mobile_customlangstrings', value: '' },
        { name: 'tool_mobile_disabledfeatures', value: DISABLED_FEATURES },
        { name: 'tool_mobile_showlogoinappheader', value: '0' },
        { name: 'tool_mobile_filetypeexclusionlist', value: '' },
        { name: 'tool_mobile_custommenuitems', value: '' },
        { name: 'tool_mobile_customusermenuitems', value: '' },
        { name: 'tool_mobile_scriptallowlist', value: '' },
        { name: 'tool_mobile_apppolicy', value: '' },
        { name: 'tool_mobile_autologinmintimebetweenreq', value: '360' },
        { name: 'tool_mobile_autologout', value: '0' },
        { name: 'tool_mobile_autologouttime', value: '86400' },
      ],
      warnings: [],
    });
  });

  it('gives null support contact details when support is disabled, as Moodle does', async () => {
    const out = await callFunction(
      t.deps,
      'tool_mobile_get_config',
      'student',
      { section: 'supportcontact' },
      MOBILE_LIKE,
    );
    expect(out.settings).toEqual([
      { name: 'supportavailability', value: '0' },
      { name: 'supportname', value: null },
      { name: 'supportemail', value: null },
      { name: 'supportpage', value: null },
    ]);
  });

  it('answers every section for section "" (what the app asks for a new site), the front page from the site course', async () => {
    const out = await callFunction(t.deps, 'tool_mobile_get_config', 'student', {}, MOBILE_LIKE);
    const byName = new Map(out.settings.map((s: { name: string; value: string }) => [s.name, s.value]));
    expect(out.settings[0]).toEqual({ name: 'fullname', value: 'Gatehouse' });
    expect(byName.get('shortname')).toBe('gatehouse');
    expect(byName.get('numsections')).toBe('0');
    expect(byName.get('mygradesurl')).toBe(`${t.deps.env.wwwroot}/grade/report/overview/index.php`);
    expect(byName.get('core_admin_coursecolor10')).toBe('#6c5ce7');
    expect(byName.get('calendartype')).toBe('gregorian');
    // Only for administrators (moodle/site:config).
    expect(byName.has('defaultfrontpageroleid')).toBe(false);
    const admin = await callFunction(
      t.deps,
      'tool_mobile_get_config',
      'admin',
      { section: 'frontpagesettings' },
      MOBILE_LIKE,
    );
    expect(admin.settings.map((s: { name: string }) => s.name).at(-1)).toBe('defaultfrontpageroleid');
  });

  it('answers an unknown section with no settings, and refuses a section name that is not ALPHANUMEXT', async () => {
    const out = await callFunction(t.deps, 'tool_mobile_get_config', 'student', { section: 'nosuch' }, MOBILE_LIKE);
    expect(out).toEqual({ settings: [], warnings: [] });
    const e = await callError(t.deps, 'tool_mobile_get_config', 'student', { section: 'a b' }, MOBILE_LIKE);
    expect(e.errorcode).toBe('invalidparameter');
  });
});

describe('tool_mobile_call_external_functions', () => {
  it("answers each request's data as json_encode text, in order", async () => {
    const out = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      {
        requests: [
          { function: 'core_webservice_get_site_info', arguments: '{}', settingfilter: '1', settingfileurl: '1' },
          { function: 'tool_mobile_get_config', arguments: '{"section":"gradessettings"}' },
        ],
      },
      MOBILE_LIKE,
    );
    expect(out.responses).toHaveLength(2);
    const [info, config] = out.responses;
    expect(info.error).toBe(false);
    expect(info.exception).toBeUndefined();
    // The same value as the function called on its own, in PHP's escaping.
    const direct = await callFunction(t.deps, 'core_webservice_get_site_info', 'student', {}, MOBILE_LIKE);
    expect(JSON.parse(info.data)).toEqual(direct);
    expect(info.data).toContain(`"siteurl":"${php(t.deps.env.wwwroot)}"`);
    expect(config).toEqual({
      error: false,
      data: `{"settings":[{"name":"mygradesurl","value":"${php(`${t.deps.env.wwwroot}/grade/report/overview/index.php`)}"}],"warnings":[]}`,
    });
  });

  it('stops at the first error, whose exception is get_exception_info as json_encode text', async () => {
    const out = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      {
        requests: [
          { function: 'core_get_component_strings', arguments: '{"component":"mobile"}' },
          { function: 'core_course_get_contents', arguments: '{"courseid":9999}' },
          { function: 'core_webservice_get_site_info' },
        ],
      },
      MOBILE_LIKE,
    );
    const root = php(`${t.deps.env.wwwroot}/`);
    expect(out.responses).toEqual([
      { error: false, data: '[]' },
      {
        error: true,
        exception: `{"message":"Can't find data record in database table course.","errorcode":"invalidrecord","link":"${root}","moreinfourl":"https:\\/\\/docs.moodle.org\\/405\\/en\\/error\\/moodle\\/invalidrecord"}`,
      },
    ]);
  });

  it("answers accessexception for a function outside the token's service (and stops there)", async () => {
    const out = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      {
        requests: [
          { function: 'core_user_create_users', arguments: '{}' },
          { function: 'core_webservice_get_site_info' },
        ],
      },
      MOBILE_LIKE,
    );
    expect(out.responses).toEqual([
      { error: true, exception: '{"errorcode":"accessexception","module":"webservice"}' },
    ]);
    const unknown = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      { requests: [{ function: 'no_such_function' }] },
      MOBILE_LIKE,
    );
    expect(unknown.responses[0].exception).toBe('{"errorcode":"accessexception","module":"webservice"}');
  });

  it('takes arguments that are not a JSON object as none (json_decode, then is_array)', async () => {
    const out = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      { requests: [{ function: 'core_course_get_contents', arguments: 'not json' }] },
      MOBILE_LIKE,
    );
    expect(JSON.parse(out.responses[0].exception)).toMatchObject({ errorcode: 'invalidparameter' });
  });

  it('checks the capabilities the inner function requires, as its own call would', async () => {
    const withCreate: TestService = { ...MOBILE_LIKE, functions: [...MOBILE_LIKE.functions, 'core_user_create_users'] };
    const out = await callFunction(
      t.deps,
      'tool_mobile_call_external_functions',
      'student',
      {
        requests: [
          {
            function: 'core_user_create_users',
            arguments: JSON.stringify({
              users: [
                { username: 'x1', password: 'Xx-12345678', firstname: 'X', lastname: 'Y', email: 'x1@example.com' },
              ],
            }),
          },
        ],
      },
      withCreate,
    );
    expect(JSON.parse(out.responses[0].exception)).toMatchObject({ errorcode: 'nopermissions' });
  });
});

describe('core_get_component_strings', () => {
  it('answers no strings (Gatehouse has no language packs) and validates the component', async () => {
    expect(
      await callFunction(
        t.deps,
        'core_get_component_strings',
        'student',
        { component: 'mobile', lang: 'en' },
        MOBILE_LIKE,
      ),
    ).toEqual([]);
    expect(
      await callFunction(t.deps, 'core_get_component_strings', 'student', { component: 'moodle' }, MOBILE_LIKE),
    ).toEqual([]);
    const e = await callError(t.deps, 'core_get_component_strings', 'student', { component: 'Bad Name' }, MOBILE_LIKE);
    expect(e.errorcode).toBe('invalidparameter');
  });
});

describe("the seed-era app's legacy names", () => {
  const pairs = [
    ['moodle_webservice_get_siteinfo', 'core_webservice_get_site_info'],
    ['moodle_enrol_get_users_courses', 'core_enrol_get_users_courses'],
    ['moodle_notes_create_notes', 'core_notes_create_notes'],
    ['moodle_message_send_instantmessages', 'core_message_send_instant_messages'],
  ] as const;

  it.each(pairs)('%s is a deprecated alias of %s, with the same description model', (legacy, current) => {
    const l = FUNCTIONS.find((f) => f.name === legacy);
    const c = FUNCTIONS.find((f) => f.name === current);
    expect(l?.deprecated).toEqual({ since: '2.2', replacedBy: current });
    expect(l?.description).toMatch(new RegExp(`^DEPRECATED: .* renamed as ${current}\\(\\)`));
    expect(l?.parameters).toBe(c?.parameters);
    expect(l?.returns).toBe(c?.returns);
    expect(l?.capabilityChecks).toEqual(c?.capabilityChecks);
    expect(l?.services).toEqual(['moodle_mobile_app']);
  });

  it('answers as the current functions do', async () => {
    const studentId = t.ids.student as number;
    expect(await callFunction(t.deps, 'moodle_webservice_get_siteinfo', 'student', {}, MOBILE_LIKE)).toEqual(
      await callFunction(t.deps, 'core_webservice_get_site_info', 'student', {}, MOBILE_LIKE),
    );
    expect(
      await callFunction(t.deps, 'moodle_enrol_get_users_courses', 'student', { userid: studentId }, MOBILE_LIKE),
    ).toEqual(
      await callFunction(t.deps, 'core_enrol_get_users_courses', 'student', { userid: studentId }, MOBILE_LIKE),
    );
    const sent = await callFunction(
      t.deps,
      'moodle_message_send_instantmessages',
      'student',
      { messages: [{ touserid: t.ids.teacher, text: 'From the old app', textformat: 1 }] },
      MOBILE_LIKE,
    );
    expect(sent[0]).toMatchObject({ msgid: expect.any(Number) });
  });
});

describe('the built-in mobile service', () => {
  const wanted = [
    'core_webservice_get_site_info',
    'core_get_component_strings',
    'core_enrol_get_users_courses',
    'core_course_get_contents',
    'core_message_get_messages',
    'tool_mobile_get_public_config',
    'tool_mobile_get_config',
    'tool_mobile_call_external_functions',
    'tool_mobile_get_plugins_supporting_mobile',
    'moodle_webservice_get_siteinfo',
    'moodle_enrol_get_users_courses',
    'moodle_notes_create_notes',
    'moodle_message_send_instantmessages',
  ];
  const mobileFunctions = async () => {
    const db = t.deps.store.db;
    const svc = (
      await db.select().from(externalServices).where(eq(externalServices.shortname, MOBILE_SERVICE)).limit(1)
    ).at(0);
    if (!svc) throw new Error('no mobile service');
    return {
      id: svc.id,
      names: (
        await db
          .select({ n: externalServiceFunctions.functionName })
          .from(externalServiceFunctions)
          .where(eq(externalServiceFunctions.serviceId, svc.id))
      ).map((r) => r.n),
    };
  };

  it('lists the functions both apps need, kept in step with the catalogue at start (existing sites too)', async () => {
    await syncBuiltinServices(t.deps);
    expect((await mobileFunctions()).names).toEqual(expect.arrayContaining(wanted));
    // A site whose mobile service predates these functions: the next start adds them.
    const { id } = await mobileFunctions();
    await t.deps.store.db.delete(externalServiceFunctions).where(eq(externalServiceFunctions.serviceId, id));
    await syncBuiltinServices(t.deps);
    expect((await mobileFunctions()).names).toEqual(expect.arrayContaining(wanted));
    // Never a Workplace function (the app would send the user to the Workplace app).
    expect((await mobileFunctions()).names).not.toContain('tool_program_get_user_programs');
  });
});
