import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, serviceBody, type TestApp } from '../../test/helpers';

// Issue 14, item 14 (the site-info part): every URL a function returns is built from the public
// URL (GATEHOUSE_WWWROOT), whatever Host or X-Forwarded-* headers the request carries. The
// functions never see the request: their call context holds no headers (CallContext).

const WWWROOT = 'https://lms.example.org/moodle';
let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: WWWROOT } });
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(t.deps, serviceBody('URL test', 'urltest', { uploadFiles: true }), SYSTEM_ACTOR);
  await addServiceFunctions(
    t.deps,
    svc.id,
    ['core_webservice_get_site_info', 'core_files_upload', 'core_course_get_contents', 'core_user_get_users_by_field'],
    SYSTEM_ACTOR,
  );
  token = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    )
  ).secret;
});
afterAll(() => t.close());

/** A REST call (JSON) with the headers an attacker chooses. */
async function call(wsfunction: string, args: Record<string, string> = {}) {
  const res = await t.app.request(
    `/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${wsfunction}`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
      },
      body: new URLSearchParams({ wstoken: token, ...args }).toString(),
    },
    { incoming: { socket: { remoteAddress: '10.1.2.3' } } },
  );
  expect(res.status).toBe(200);
  return JSON.parse(await res.text());
}

/** Every string in a result that looks like an absolute URL. */
function urlsIn(v: unknown): string[] {
  if (typeof v === 'string') return /^[a-z]+:\/\//i.test(v) ? [v] : [];
  if (Array.isArray(v)) return v.flatMap(urlsIn);
  if (v && typeof v === 'object') return Object.values(v).flatMap(urlsIn);
  return [];
}

describe('URLs in function results', () => {
  it('site info: siteurl and userpictureurl come from GATEHOUSE_WWWROOT, not from Host', async () => {
    const info = await call('core_webservice_get_site_info');
    expect(info.siteurl).toBe(WWWROOT);
    expect(info.userpictureurl).toMatch(/^https:\/\/lms\.example\.org\/moodle\/pluginfile\.php\//);
  });

  it('every URL of site info, an upload, course contents and user details starts with the public URL', async () => {
    const results = [
      await call('core_webservice_get_site_info'),
      await call('core_files_upload', {
        component: 'user',
        filearea: 'draft',
        itemid: '0',
        filepath: '/',
        filename: 'a.txt',
        filecontent: Buffer.from('hello').toString('base64'),
        contextlevel: 'user',
        instanceid: String(await t.userId('admin')),
      }),
      await call('core_course_get_contents', { courseid: '2' }),
      await call('core_user_get_users_by_field', { field: 'username', 'values[0]': 'admin' }),
    ];
    const urls = results.flatMap(urlsIn);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    // A URL module's own link (seeded: the Python documentation) is the teacher's, not the site's.
    const siteBuilt = urls.filter((u) => !u.startsWith('https://docs.python.org/'));
    expect(siteBuilt.filter((u) => !(u.startsWith(`${WWWROOT}/`) || u === WWWROOT))).toEqual([]);
    expect(urls.some((u) => u.includes('evil.example'))).toBe(false);
  });
});
