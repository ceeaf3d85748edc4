import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSites } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';

// A private hub publishes no public token, and its public service refuses every hub function
// (hub_get_info, hub_get_courses): nothing of its catalogue leaks. Registering is the one thing
// left to a would-be site, and only with the hub password, which also gets it the token.

const HUB_PASSWORD = 'Hub-pass-1';
const WWWROOT = 'https://hub.example.org/gatehouse';

let t: TestApp;
let admin: Client;
let leaked: string;
let site: { siteid: number; token: string };

const anon = () => t.client({ ip: '192.0.2.50' });

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: WWWROOT } });
  admin = await signIn(t, 'admin');
  // The hub starts public: its public token is out there from then on.
  await enableHub(admin, { privacy: 'public', name: 'Was public', description: 'Catalogue' });
  leaked = (await anon().get('/local/hub/publictoken.php')).body.token;
  expect(leaked).toMatch(/^gwt/);
  const reg = await rpc<typeof site>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo('Early site', 'https://early.example') }],
    leaked,
  );
  site = reg.value as typeof site;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const pub = await rpc(t, 'hub_register_courses', [{ courses: [courseInfo(1, 'Secret syllabus')] }], site.token);
  expect(pub.fault, pub.text).toBeUndefined();
  // Then it goes private.
  const h = await admin.patch('/api/hub/settings', { privacy: 'private', password: HUB_PASSWORD });
  expect(h.status).toBe(200);
});

afterAll(() => t?.close());

describe('a private hub', () => {
  it('publictoken.php hands out no public token (403 hubprivate)', async () => {
    const res = await anon().get('/local/hub/publictoken.php');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('hubprivate');
    expect(res.text).not.toContain(leaked);
  });

  it('publictoken.php refuses a wrong or missing password, and limits the tries per address', async () => {
    const c = anon();
    for (const body of ['password=guess', 'password=', '']) {
      const res = await c.post('/local/hub/publictoken.php', undefined, {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('wronghubpassword');
      expect(res.text).not.toContain(leaked);
    }
    let last = 0;
    for (let i = 0; i < 20 && last !== 429; i++) {
      last = (await t.client({ ip: '192.0.2.99' }).post('/local/hub/publictoken.php', { password: `guess-${i}` }))
        .status;
    }
    expect(last).toBe(429);
    // Even the right password waits now, from that address.
    const held = await t.client({ ip: '192.0.2.99' }).post('/local/hub/publictoken.php', { password: HUB_PASSWORD });
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('hub_get_info and hub_get_courses refuse the public token', async () => {
    for (const [fn, args] of [
      ['hub_get_info', [{}]],
      ['hub_get_courses', ['', true, true, {}]],
      ['hub_get_courses', [{ search: 'secret' }]],
    ] as const) {
      const r = await rpc(t, fn, [...args], leaked);
      expect(r.fault, `${fn}: ${r.text}`).toMatchObject({ faultCode: 23000021, errorcode: 'accessexception' });
      expect(r.text).not.toContain('Secret syllabus');
      expect(r.text).not.toContain('Was public');
    }
  });

  it('registering still needs the password; with it, the site gets the token and registers', async () => {
    const no = await rpc(
      t,
      'hub_register_site',
      [{ siteinfo: siteInfo('Intruder', 'https://intruder.example'), password: 'guess' }],
      leaked,
    );
    expect(no.fault?.errorcode).toBe('wronghubpassword');
    const res = await anon().post('/local/hub/publictoken.php', undefined, {
      body: `password=${HUB_PASSWORD}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body.token).toBe(leaked);
    const ok = await rpc<{ siteid: number }>(
      t,
      'hub_register_site',
      [{ siteinfo: siteInfo('Invited', 'https://invited.example'), password: HUB_PASSWORD }],
      res.body.token,
    );
    expect(ok.fault, ok.text).toBeUndefined();
    expect((await t.store.db.select().from(hubSites)).map((s) => s.name)).toEqual(['Early site', 'Invited']);
    // The token it registered with still shows it nothing of the catalogue.
    expect((await rpc(t, 'hub_get_courses', [{}], res.body.token)).fault?.errorcode).toBe('accessexception');
  });

  it("a registered site's own token still reads the hub: it is not the public service", async () => {
    const info = await rpc<Record<string, unknown>>(t, 'hub_get_info', [{}], site.token);
    expect(info.fault, info.text).toBeUndefined();
    // local_hub gives the hub's privacy to the hub directory only (issue 17).
    expect(info.value).toMatchObject({ name: 'Was public', url: WWWROOT });
    // {courses, coursetotal}: the downloadable course has no backup, so it is counted, not listed (issue 17).
    const found = await rpc<{ coursetotal: number }>(t, 'hub_get_courses', [{}], site.token);
    expect(found.value?.coursetotal).toBe(1);
  });

  it('made public again, the hub publishes its token and answers the public service', async () => {
    expect((await admin.patch('/api/hub/settings', { privacy: 'public' })).status).toBe(200);
    const res = await anon().get('/local/hub/publictoken.php');
    expect(res.status).toBe(200);
    const info = await rpc<Record<string, unknown>>(t, 'hub_get_info', [{}], res.body.token);
    expect(info.value).toMatchObject({ url: WWWROOT });
    expect((await rpc<{ coursetotal: number }>(t, 'hub_get_courses', [{}], res.body.token)).value?.coursetotal).toBe(1);
  });
});

describe('the hub address comes from GATEHOUSE_WWWROOT', () => {
  it('in the settings, never from the Host header', async () => {
    const res = await t.client({ host: 'evil.example' }).get('/api/hub/settings');
    expect(res.status).toBe(401);
    const own = await admin.get('/api/hub/settings', { headers: { host: 'evil.example' } });
    expect(own.body).toMatchObject({ url: WWWROOT, publicTokenUrl: `${WWWROOT}/local/hub/publictoken.php` });
  });

  it("in the message to a deleted site's contact", async () => {
    const res = await admin.delete(`/api/hub/sites/${site.siteid}`, { headers: { host: 'evil.example' } });
    expect(res.status).toBe(200);
    expect(res.body.message.body).toContain(`(${WWWROOT})`);
    expect(res.body.message.body).not.toContain('evil.example');
  });
});
