import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { courses, users } from '../db/schema';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { addServiceFunctions } from '../features/services/services.service';
import { makeWsSite, rawRequest, type WsSite } from '../fuzz/fuzz-helpers';

// The REST server's error bodies, byte for byte, where Moodle answers with its own exception and
// Gatehouse used to answer with another: each expected body is what Moodle's REST server
// (webservice/rest/locallib.php generate_error: exception, errorcode, message, and debuginfo
// only when debugging) writes for the exception named beside it, taken from Moodle's source.

let site: WsSite;
let cs101: number;

beforeAll(async () => {
  site = await makeWsSite();
  await addServiceFunctions(site.t.deps, site.serviceId, ['core_user_get_users_by_field'], SYSTEM_ACTOR);
  cs101 = (
    await site.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'CS101')).limit(1)
  ).at(0)?.id as number;
});
afterAll(() => site?.t.close());

/** Moodle with debugging off ($CFG->debug = 0): no debuginfo in the body. */
const debugging = (level: 'none' | 'developer') => site.t.deps.settings.apply({ debug: level }, SYSTEM_ACTOR);
beforeEach(() => debugging('none'));

const REST = '/webservice/rest/server.php';

async function rest(query: string, body?: string) {
  const res = await rawRequest(site.t.app, body === undefined ? 'GET' : 'POST', `${REST}?${query}`, {
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  });
  expect(res.status).toBe(200);
  return res.text;
}

const json = (fn: string) => `wstoken=${site.secret}&moodlewsrestformat=json&wsfunction=${fn}`;

describe('missing wsfunction: invalid_parameter_exception("Missing function name")', () => {
  // webservice/lib.php webservice_base_server::load_function_info():
  //   if (empty($this->functionname)) { throw new invalid_parameter_exception('Missing function name'); }
  const MOODLE =
    '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}';

  it.each([
    ['no wsfunction', `wstoken=TOKEN&moodlewsrestformat=json`],
    ['an empty wsfunction', `wstoken=TOKEN&moodlewsrestformat=json&wsfunction=`],
    ['wsfunction=0 (empty() in PHP)', `wstoken=TOKEN&moodlewsrestformat=json&wsfunction=0`],
  ])('%s', async (_label, query) => {
    expect(await rest(query.replace('TOKEN', site.secret))).toBe(MOODLE);
  });

  it('in XML, and with the debug info when debugging', async () => {
    expect(await rest(`wstoken=${site.secret}`)).toBe(
      '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="invalid_parameter_exception">\n<ERRORCODE>invalidparameter</ERRORCODE>\n<MESSAGE>Invalid parameter value detected</MESSAGE>\n</EXCEPTION>\n',
    );
    await debugging('developer');
    expect(await rest(`wstoken=${site.secret}&moodlewsrestformat=json`, '')).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"Missing function name"}',
    );
  });

  it('is checked after the token, as Moodle does (authenticate_user() first)', async () => {
    expect(await rest('wstoken=gwtnotatoken&moodlewsrestformat=json')).toBe(
      '{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}',
    );
  });
});

describe('core_user_create_users: a taken username', () => {
  // user/externallib.php create_users():
  //   throw new invalid_parameter_exception('Username already exists: '.$user['username']);
  const user = (i: number, username: string) =>
    `users[${i}][username]=${username}&users[${i}][password]=Secret-pass-1&users[${i}][firstname]=F&users[${i}][lastname]=L&users[${i}][email]=${username}@example.com`;

  it('answers invalidparameter, and creates none of the call', async () => {
    const body = `${user(0, 'fresh.one')}&${user(1, 'admin')}`;
    expect(await rest(json('core_user_create_users'), body)).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}',
    );
    await debugging('developer');
    expect(await rest(json('core_user_create_users'), body)).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"Username already exists: admin"}',
    );
    expect(
      (await site.t.store.db.select().from(users).where(eq(users.username, 'fresh.one')).limit(1)).at(0),
    ).toBeUndefined();
  });

  it('the same for a username twice in one call', async () => {
    await debugging('developer');
    expect(await rest(json('core_user_create_users'), `${user(0, 'twin.x')}&${user(1, 'twin.x')}`)).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"Username already exists: twin.x"}',
    );
  });
});

describe('core_group_create_groups', () => {
  const group = (courseid: number, name: string) =>
    `groups[0][courseid]=${courseid}&groups[0][name]=${encodeURIComponent(name)}&groups[0][description]=`;

  it('a taken group name: invalidparameter', async () => {
    // group/externallib.php create_groups():
    //   throw new invalid_parameter_exception('Group with the same name already exists in the course');
    expect(await rest(json('core_group_create_groups'), group(cs101, 'Group A'))).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}',
    );
    await debugging('developer');
    expect(await rest(json('core_group_create_groups'), group(cs101, 'Group A'))).toBe(
      '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"Group with the same name already exists in the course"}',
    );
  });

  it("a course that does not exist: Moodle's context error", async () => {
    // group/externallib.php create_groups(): validate_context(context_course::instance($courseid, IGNORE_MISSING))
    // throws invalid_parameter_exception('Context does not exist'), rethrown as
    // moodle_exception('errorcoursecontextnotvalid', 'webservice', '', {message, courseid}), whose
    // lang/en/webservice.php string is 'You cannot execute functions in the course context (course
    // id:{$a->courseid}). The context error message was: {$a->message}'. No debug info.
    const MOODLE =
      '{"exception":"moodle_exception","errorcode":"errorcoursecontextnotvalid","message":"You cannot execute functions in the course context (course id:99999). The context error message was: Invalid parameter value detected"}';
    expect(await rest(json('core_group_create_groups'), group(99999, 'Anywhere'))).toBe(MOODLE);
    await debugging('developer');
    expect(await rest(json('core_group_create_groups'), group(99999, 'Anywhere'))).toBe(MOODLE);
    // core_group_get_course_groups wraps the same error the same way.
    expect(await rest(json('core_group_get_course_groups'), 'courseid=99999')).toBe(MOODLE);
  });
});

describe('core_user_get_users_by_field with field=nosuch', () => {
  it("answers Moodle's coding_exception", async () => {
    // user/externallib.php get_users_by_field(): throw new coding_exception('invalid field parameter',
    //   'The search field \'' . $field . '\' is not supported, look at the web service documentation');
    // lang/en/debug.php: $string['codingerror'] = 'Coding error detected, it must be fixed by a programmer: {$a}';
    const body = 'field=nosuch&values[0]=x';
    expect(await rest(json('core_user_get_users_by_field'), body)).toBe(
      '{"exception":"coding_exception","errorcode":"codingerror","message":"Coding error detected, it must be fixed by a programmer: invalid field parameter"}',
    );
    await debugging('developer');
    expect(await rest(json('core_user_get_users_by_field'), body)).toBe(
      '{"exception":"coding_exception","errorcode":"codingerror","message":"Coding error detected, it must be fixed by a programmer: invalid field parameter","debuginfo":"The search field \'nosuch\' is not supported, look at the web service documentation"}',
    );
  });
});

describe('an unconfirmed user on the protocols: wsaccessuserunconfirmed', () => {
  // webservice/lib.php authenticate_user():
  //   throw new moodle_exception('wsaccessuserunconfirmed', 'webservice', '', $user->username);
  // lang/en/webservice.php: 'Refused web service access for unconfirmed username: {$a}'
  const setConfirmed = async (confirmed: boolean) => {
    await site.t.store.db.update(users).set({ confirmed }).where(eq(users.username, 'admin'));
    site.t.deps.gen.bump();
  };
  afterAll(() => setConfirmed(true));

  it('REST JSON and XML', async () => {
    await setConfirmed(false);
    try {
      expect(await rest(json('core_webservice_get_site_info'))).toBe(
        '{"exception":"moodle_exception","errorcode":"wsaccessuserunconfirmed","message":"Refused web service access for unconfirmed username: admin"}',
      );
      expect(await rest(`wstoken=${site.secret}&wsfunction=core_webservice_get_site_info`)).toBe(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="moodle_exception">\n<ERRORCODE>wsaccessuserunconfirmed</ERRORCODE>\n<MESSAGE>Refused web service access for unconfirmed username: admin</MESSAGE>\n</EXCEPTION>\n',
      );
      // Gatehouse's reason code stays in the debug info, for the administrator.
      await debugging('developer');
      expect(JSON.parse(await rest(json('core_webservice_get_site_info')))).toEqual({
        exception: 'moodle_exception',
        errorcode: 'wsaccessuserunconfirmed',
        message: 'Refused web service access for unconfirmed username: admin',
        debuginfo: 'Refused web service access for unconfirmed username: admin [usernotconfirmed]',
      });
    } finally {
      await setConfirmed(true);
    }
  });
});
