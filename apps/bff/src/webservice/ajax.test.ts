import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { makeTestApp, type TestApp } from '../test/helpers';
import { DISABLED_FEATURES } from './functions/mobile';

// lib/ajax/service.php and lib/ajax/service-nologin.php as Moodle answers them
// (lib/ajax/service.php, external_api::call_external_function, get_exception_info in
// lib/setuplib.php, core_renderer_ajax::fatal_error in lib/outputrenderers.php), byte for byte:
// PHP's json_encode escapes `/` as `\/`.

let t: TestApp;
const WWW = 'https://gh.example';

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: WWW } });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.deps.settings.apply(
    { enablewebservices: '1', enablemobilewebservice: '1', maintenance_enabled: '0', debug: 'none' },
    SYSTEM_ACTOR,
  );
});

async function ajax(
  script: 'service.php' | 'service-nologin.php',
  body: string | undefined,
  opts: { query?: string; method?: string } = {},
) {
  const res = await t.app.request(`/lib/ajax/${script}${opts.query ?? ''}`, {
    method: opts.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const publicConfigRequest = '[{"index":0,"methodname":"tool_mobile_get_public_config","args":{}}]';

// api::get_public_config with Gatehouse's settings, cleaned against get_public_config_returns()
// (keys in the description's order, optional keys Moodle does not set left out), as the app's
// first request (CoreSitesProvider.checkSite → getPublicConfig) receives it.
const PUBLIC_CONFIG =
  '{"wwwroot":"https:\\/\\/gh.example","httpswwwroot":"https:\\/\\/gh.example","sitename":"Gatehouse",' +
  '"guestlogin":0,"rememberusername":2,"authloginviaemail":0,"registerauth":"","forgottenpasswordurl":"",' +
  '"authinstructions":"","authnoneenabled":0,"enablewebservices":1,"enablemobilewebservice":1,' +
  '"maintenanceenabled":0,"maintenancemessage":"<div class=\\"text_to_html\\">This site is undergoing maintenance and is currently not available.<\\/div>",' +
  '"typeoflogin":1,"launchurl":"https:\\/\\/gh.example\\/admin\\/tool\\/mobile\\/launch.php","mobilecssurl":"",' +
  `"tool_mobile_disabledfeatures":"${DISABLED_FEATURES}","country":"","agedigitalconsentverification":false,"supportpage":"",` +
  '"supportavailability":0,"autolang":1,"lang":"en","langmenu":1,"langlist":"","locale":"",' +
  '"tool_mobile_minimumversion":"","tool_mobile_iosappid":"633359593","tool_mobile_androidappid":"com.moodle.moodlemobile",' +
  '"tool_mobile_setuplink":"https:\\/\\/download.moodle.org\\/mobile","tool_mobile_qrcodetype":0,"warnings":[],' +
  '"showloginform":1,"tool_mfa_enabled":false,"enableloginrecaptcha":false,"enableforgotpasswordrecaptcha":false}';

/** get_exception_info without debugging: message, errorcode, link, moreinfourl. */
const exception = (message: string, errorcode: string, module: string) =>
  `{"message":${JSON.stringify(message)},"errorcode":"${errorcode}","link":"https:\\/\\/gh.example\\/","moreinfourl":"https:\\/\\/docs.moodle.org\\/405\\/en\\/error\\/${module}\\/${errorcode}"}`;

const NOT_AVAILABLE = exception(
  "Web service is not available. (It doesn't exist or might be disabled.)",
  'servicenotavailable',
  'webservice',
);

describe('tool_mobile_get_public_config over lib/ajax', () => {
  it('answers service.php without a session, in json_encode bytes', async () => {
    const res = await ajax('service.php', publicConfigRequest, {
      query: '?info=tool_mobile_get_public_config&lang=en',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(`[{"error":false,"data":${PUBLIC_CONFIG}}]`);
  });

  it('answers service-nologin.php with the arguments in ?args= (the app retries so after a codingerror)', async () => {
    const q = `?info=tool_mobile_get_public_config&lang=en&args=${encodeURIComponent(publicConfigRequest)}`;
    const res = await ajax('service-nologin.php', undefined, { method: 'GET', query: q });
    expect(res.status).toBe(200);
    expect(res.text).toBe(`[{"error":false,"data":${PUBLIC_CONFIG}}]`);
    // No cachekey: no cache headers.
    expect(res.headers.get('cache-control')).toBeNull();
  });

  it('reports the site settings the app gates on: web services, the mobile service, maintenance', async () => {
    await t.deps.settings.apply(
      {
        enablewebservices: '0',
        enablemobilewebservice: '0',
        maintenance_enabled: '1',
        maintenance_message: 'Back at 5\nSorry',
      },
      SYSTEM_ACTOR,
    );
    const res = await ajax('service.php', publicConfigRequest);
    const data = JSON.parse(res.text)[0].data;
    expect(data).toMatchObject({
      enablewebservices: 0,
      enablemobilewebservice: 0,
      maintenanceenabled: 1,
      // FORMAT_MOODLE: text_to_html with its new lines.
      maintenancemessage: '<div class="text_to_html">Back at 5<br />\nSorry</div>',
    });
    await t.deps.settings.apply({ maintenance_message: '' }, SYSTEM_ACTOR);
    const empty = JSON.parse((await ajax('service.php', publicConfigRequest)).text)[0].data;
    expect(empty.maintenancemessage).toBe('');
  });

  it('sends the cache headers of a cacheable nologin request (0 < cachekey <= now, no error)', async () => {
    const now = t.deps.now();
    const q = `?cachekey=${now - 10}&args=${encodeURIComponent(publicConfigRequest)}`;
    const res = await ajax('service-nologin.php', undefined, { method: 'GET', query: q });
    expect(res.headers.get('cache-control')).toBe('public, max-age=7776000, immutable');
    expect(res.headers.get('accept-ranges')).toBe('none');
    expect(res.headers.get('expires')).toBe(new Date((now + 7776000) * 1000).toUTCString());
    // A key from the future is not cacheable.
    const later = await ajax('service-nologin.php', undefined, {
      method: 'GET',
      query: `?cachekey=${now + 3600}&args=${encodeURIComponent(publicConfigRequest)}`,
    });
    expect(later.headers.get('cache-control')).toBeNull();
  });
});

describe('what lib/ajax refuses', () => {
  it('answers a function not declared ajax with servicenotavailable, in the responses array', async () => {
    const res = await ajax('service.php', '[{"index":0,"methodname":"core_webservice_get_site_info","args":{}}]');
    expect(res.status).toBe(200);
    expect(res.text).toBe(`[{"error":true,"exception":${NOT_AVAILABLE}}]`);
  });

  it('stops at the first error on service.php and goes on on service-nologin.php', async () => {
    const body =
      '[{"index":0,"methodname":"core_webservice_get_site_info","args":{}},' +
      '{"index":1,"methodname":"tool_mobile_get_plugins_supporting_mobile","args":{}}]';
    const stopped = await ajax('service.php', body);
    expect(stopped.text).toBe(`[{"error":true,"exception":${NOT_AVAILABLE}}]`);
    const all = await ajax('service-nologin.php', body);
    expect(all.text).toBe(
      `[{"error":true,"exception":${NOT_AVAILABLE}},{"error":false,"data":{"plugins":[],"warnings":[]}}]`,
    );
  });

  it('keys the answers by index: an object when the indexes are not 0…n-1 in order', async () => {
    const body =
      '[{"index":3,"methodname":"tool_mobile_get_plugins_supporting_mobile","args":{}},' +
      '{"index":"1","methodname":"tool_mobile_get_plugins_supporting_mobile","args":{}}]';
    const res = await ajax('service-nologin.php', body);
    const ok = '{"error":false,"data":{"plugins":[],"warnings":[]}}';
    expect(res.text).toBe(`{"3":${ok},"1":${ok}}`);
  });

  it('answers an unknown function with the AJAX exception handler object (external_function_info MUST_EXIST)', async () => {
    const res = await ajax('service.php', '[{"index":0,"methodname":"no_such_function","args":{}}]');
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '{"error":"Can\'t find data record in database table external_functions.","errorcode":"invalidrecord","stacktrace":null,"debuginfo":null,"reproductionlink":null}',
    );
  });

  it('answers malformed JSON and an empty body with codingerror, which makes the app retry on service-nologin.php', async () => {
    const fatal = (hint: string) =>
      `{"error":"Coding error detected, it must be fixed by a programmer: Invalid json in request: ${hint}","errorcode":"codingerror","stacktrace":null,"debuginfo":null,"reproductionlink":null}`;
    expect((await ajax('service.php', '[{"index":0,')).text).toBe(fatal('Syntax error'));
    expect((await ajax('service.php', undefined, { method: 'GET' })).text).toBe(fatal('Syntax error'));
    expect((await ajax('service.php', 'null')).text).toBe(fatal('No error'));
    const notUtf8 = await t.app.request('/lib/ajax/service.php', {
      method: 'POST',
      body: new Uint8Array([0x5b, 0xff, 0x5d]),
    });
    expect(await notUtf8.text()).toBe(fatal('Malformed UTF-8 characters, possibly incorrectly encoded'));
  });

  it('does not read ?args= on service.php (only service-nologin.php allows GET parameters)', async () => {
    const res = await ajax('service.php', undefined, {
      method: 'GET',
      query: `?args=${encodeURIComponent(publicConfigRequest)}`,
    });
    expect(JSON.parse(res.text)).toMatchObject({ errorcode: 'codingerror' });
  });

  it('refuses arrays where clean_param expects a scalar', async () => {
    const res = await ajax('service.php', '[{"index":[0],"methodname":"tool_mobile_get_public_config","args":{}}]');
    expect(JSON.parse(res.text)).toEqual({
      error:
        'Coding error detected, it must be fixed by a programmer: clean_param() can not process arrays, please use clean_param_array() instead.',
      errorcode: 'codingerror',
      stacktrace: null,
      debuginfo: null,
      reproductionlink: null,
    });
  });

  it('answers invalidparameter for arguments the function does not take, without debug info unless developer', async () => {
    const body = '[{"index":0,"methodname":"tool_mobile_get_public_config","args":{"x":1}}]';
    const res = await ajax('service.php', body);
    expect(res.text).toBe(
      `[{"error":true,"exception":${exception('Invalid parameter value detected', 'invalidparameter', 'debug')}}]`,
    );
    await t.deps.settings.apply({ debug: 'developer' }, SYSTEM_ACTOR);
    const dev = JSON.parse((await ajax('service.php', body)).text)[0].exception;
    expect(Object.keys(dev)).toEqual(['message', 'errorcode', 'link', 'moreinfourl', 'debuginfo']);
    expect(dev.debuginfo).toContain('Unexpected keys (x)');
    const fatal = JSON.parse((await ajax('service.php', 'nonsense')).text);
    expect(fatal).toMatchObject({ errorcode: 'codingerror', stacktrace: null, reproductionlink: `${WWW}/` });
  });

  it('answers an empty list with [] and takes a JSON object of requests as PHP iterates it', async () => {
    expect((await ajax('service.php', '[]')).text).toBe('[]');
    expect((await ajax('service.php', '7')).text).toBe('[]');
    const res = await ajax(
      'service-nologin.php',
      '{"a":{"index":0,"methodname":"tool_mobile_get_plugins_supporting_mobile"}}',
    );
    // No args: validate_parameters(…, null) refuses it.
    expect(JSON.parse(res.text)).toMatchObject([{ error: true, exception: { errorcode: 'invalidparameter' } }]);
  });

  it('allows cross-origin calls (the app in a browser), answering the preflight', async () => {
    const pre = await t.app.request('/lib/ajax/service.php', { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    const res = await ajax('service.php', publicConfigRequest);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('local/mobile/check.php', () => {
  it('answers 404, as a site without the local_mobile plugin, so the old app signs in with moodle_mobile_app', async () => {
    const post = await t.app.request('/local/mobile/check.php', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'service=local_mobile',
    });
    expect(post.status).toBe(404);
    const get = await t.app.request('/local/mobile/check.php');
    expect(get.status).toBe(404);
  });
});
