import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_FUNCTIONS_SERVICE,
  type CatalogueTest,
  callError,
  callFunction,
  makeCatalogueTest,
  setRoleCapability,
} from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const mobile = {
  shortname: 'moodle_mobile_app',
  name: 'Mobile web services',
  downloadFiles: true,
  uploadFiles: false,
  // In name order, as the service lists them.
  functions: ['core_enrol_get_users_courses', 'core_webservice_get_site_info'],
};

describe('core_webservice_get_site_info', () => {
  it("describes the site, the caller and the token's service", async () => {
    const info = await callFunction(t.deps, 'core_webservice_get_site_info', 'student', {}, mobile);
    expect(info).toMatchObject({
      sitename: 'Gatehouse',
      username: 'student',
      firstname: 'Sam',
      lastname: 'Student',
      fullname: 'Sam Student',
      lang: 'en',
      userid: t.ids.student,
      siteurl: 'http://localhost:3000',
      downloadfiles: 1,
      uploadfiles: 0,
      release: 'Gatehouse 1.0',
      usercanmanageownfiles: true,
      userissiteadmin: false,
      siteid: 1,
    });
    // The service's functions by name, as Moodle lists them (webservice/lib.php,
    // webservice::get_external_functions: ORDER BY f.name ASC).
    expect(info.functions).toEqual([
      { name: 'core_enrol_get_users_courses', version: info.version },
      { name: 'core_webservice_get_site_info', version: info.version },
    ]);
    expect(info.userpictureurl).toMatch(/^http:\/\/localhost:3000\/pluginfile\.php\/\d+\/user\/icon\/f1$/);
  });

  it('says when the caller is a site administrator', async () => {
    const info = await callFunction(t.deps, 'core_webservice_get_site_info', 'admin', {});
    expect(info.userissiteadmin).toBe(true);
    expect(info.functions).toHaveLength(ALL_FUNCTIONS_SERVICE.functions.length);
  });

  it('accepts the deprecated serviceshortnames parameter and ignores it', async () => {
    const info = await callFunction(
      t.deps,
      'core_webservice_get_site_info',
      'student',
      { serviceshortnames: ['other'] },
      mobile,
    );
    expect(info.functions.map((f: { name: string }) => f.name)).toEqual(mobile.functions);
  });

  it('reports usercanmanageownfiles false when the capability is prohibited', async () => {
    await setRoleCapability(t.deps, 'student', 'moodle/user:manageownfiles', 'prohibit');
    try {
      const info = await callFunction(t.deps, 'core_webservice_get_site_info', 'student', {});
      expect(info.usercanmanageownfiles).toBe(false);
    } finally {
      await setRoleCapability(t.deps, 'student', 'moodle/user:manageownfiles', null);
    }
  });

  it('rejects a parameter of the wrong shape', async () => {
    const e = await callError(t.deps, 'core_webservice_get_site_info', 'student', { serviceshortnames: 'x' });
    expect(e.exception).toBe('invalid_parameter_exception');
  });
});
