import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, hubCourses, hubSites } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { HUB_CONFIG_KEYS } from './hub-config';
import { putHubConfigValue } from './hub-config.repo';
import { courseInfo, enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';

// What an administrator types into the hub's console forms is what the hub's functions return:
// a field that a function returns as PARAM_TEXT takes no markup, an email field one strict
// address, so hub_get_info and hub_get_courses can always answer. The same strict address rule
// holds where sites send addresses (hub_register_site, hub_register_courses) and for users.

const MARKUP = [
  '<b>Bold</b> hub',
  'Click <a href="https://evil.example">here</a>',
  '<img src=x onerror=alert(1)>',
  '</p>',
];
const BAD_EMAILS = [
  'a@b.example?bcc=victim@evil.example',
  'a?bcc=victim@evil.example',
  'a&cc=x@b.example',
  'a@b.example.',
];

let t: TestApp;
let admin: Client;
let publicToken: string;
let site: { siteid: number; token: string };
let courseId: number;
let nextIp = 1;
const ip = () => `198.51.100.${nextIp++}`;

const hubConfigRow = async (name: string) =>
  (await t.store.db.select().from(config).where(eq(config.name, name)).limit(1)).at(0)?.value;

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, {
    privacy: 'public',
    name: 'Plain hub',
    description: 'Fine & dandy: 2 < 3',
    contactName: 'Hilda',
    contactEmail: 'hilda@hub.example',
  });
  publicToken = (await t.client().get('/local/hub/publictoken.php')).body.token;
  const reg = await rpc<typeof site>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo('Site', 'https://site.example') }],
    publicToken,
    ip(),
  );
  site = reg.value as typeof site;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const ids = await rpc<number[]>(
    t,
    'hub_register_courses',
    [
      {
        courses: [
          courseInfo(1, 'Algebra', { enrollable: true, courseurl: 'https://site.example/course/view.php?id=1' }),
        ],
      },
    ],
    site.token,
  );
  courseId = (ids.value as number[])[0] as number;
});

afterAll(() => t?.close());

async function hubStillAnswers() {
  const info = await rpc(t, 'hub_get_info', [{}], publicToken, ip());
  expect(info.fault, info.text).toBeUndefined();
  const courses = await rpc<{ courses: unknown[] }>(t, 'hub_get_courses', [{}], site.token, ip());
  expect(courses.fault, courses.text).toBeUndefined();
  expect(courses.value?.courses).toHaveLength(1);
}

describe('console input follows the return types', () => {
  it.each(MARKUP)('hub settings refuse markup %j in name, description and contact name', async (v) => {
    for (const field of ['name', 'description', 'contactName'] as const) {
      const res = await admin.patch('/api/hub/settings', { [field]: v });
      expect(res.status, field).toBe(400);
      expect(errorOf(res).fields?.[field], field).toMatch(/Plain text only/);
      expect(await hubConfigRow(HUB_CONFIG_KEYS[field])).not.toBe(v);
    }
    await hubStillAnswers();
  });

  it('text that merely looks like markup is still text: "2 < 3", "a <> b", "<3"', async () => {
    for (const v of ['2 < 3', 'a <> b', 'I <3 maths', 'x > y']) {
      const res = await admin.patch('/api/hub/settings', { description: v });
      expect(res.status, v).toBe(200);
    }
    await hubStillAnswers();
  });

  it.each(MARKUP)('site settings refuse markup %j in name, description and contact name', async (v) => {
    for (const field of ['name', 'description', 'contactName'] as const) {
      const res = await admin.patch(`/api/hub/sites/${site.siteid}`, { [field]: v });
      expect(res.status, field).toBe(400);
      expect(errorOf(res).fields?.[field], field).toMatch(/Plain text only/);
    }
    expect((await t.store.db.select().from(hubSites).where(eq(hubSites.id, site.siteid)).limit(1)).at(0)?.name).toBe(
      'Site',
    );
    await hubStillAnswers();
  });

  it.each(MARKUP)('course settings refuse markup %j in every text field', async (v) => {
    for (const field of ['fullname', 'description', 'publisherName', 'creatorName'] as const) {
      const res = await admin.patch(`/api/hub/courses/${courseId}`, { [field]: v });
      expect(res.status, field).toBe(400);
      expect(errorOf(res).fields?.[field], field).toMatch(/Plain text only/);
    }
    expect(
      (await t.store.db.select().from(hubCourses).where(eq(hubCourses.id, courseId)).limit(1)).at(0)?.fullname,
    ).toBe('Algebra');
    await hubStillAnswers();
  });

  it.each(BAD_EMAILS)('every hub email field refuses %j', async (v) => {
    const settings = await admin.patch('/api/hub/settings', { contactEmail: v });
    expect(settings.status).toBe(400);
    expect(errorOf(settings).fields?.contactEmail).toMatch(/valid email address/);
    const s = await admin.patch(`/api/hub/sites/${site.siteid}`, { contactEmail: v });
    expect(errorOf(s).fields?.contactEmail).toMatch(/valid email address/);
    const c = await admin.patch(`/api/hub/courses/${courseId}`, { publisherEmail: v });
    expect(errorOf(c).fields?.publisherEmail).toMatch(/valid email address/);
    expect(await hubConfigRow(HUB_CONFIG_KEYS.contactEmail)).toBe('hilda@hub.example');
  });

  it('what was stored before these checks is returned cleaned, never an invalid_response_exception', async () => {
    await putHubConfigValue(t.store.db, HUB_CONFIG_KEYS.name, '<b>Bold</b> hub');
    await putHubConfigValue(t.store.db, HUB_CONFIG_KEYS.contactEmail, 'a@b.example?bcc=victim@evil.example');
    await t.store.db
      .update(hubCourses)
      .set({ fullname: 'Old <i>markup</i>', publisherEmail: 'a?bcc=x@b.example' })
      .where(eq(hubCourses.id, courseId));
    const info = await rpc<Record<string, unknown>>(t, 'hub_get_info', [{}], publicToken, ip());
    expect(info.fault, info.text).toBeUndefined();
    // local_hub gives the contact details to the hub directory only (issue 17).
    expect(info.value).toMatchObject({ name: 'Bold hub' });
    expect(info.value).not.toHaveProperty('contactemail');
    const own = await rpc<{ courses: Record<string, unknown>[] }>(t, 'hub_get_courses', [{}], site.token, ip());
    expect(own.fault, own.text).toBeUndefined();
    expect(own.value?.courses[0]).toMatchObject({ fullname: 'Old markup', publisheremail: '' });
  });
});

describe('addresses sent by sites', () => {
  it.each(BAD_EMAILS.slice(0, 3))('hub_register_site and hub_update_site_info refuse contactemail %j', async (v) => {
    const reg = await rpc(
      t,
      'hub_register_site',
      [{ siteinfo: siteInfo('Other', `https://other-${nextIp}.example`, { contactemail: v }) }],
      publicToken,
      ip(),
    );
    expect(reg.fault?.errorcode).toBe('invalidparameter');
    const upd = await rpc(
      t,
      'hub_update_site_info',
      [{ siteinfo: siteInfo('Site', 'https://site.example', { contactemail: v }) }],
      site.token,
    );
    expect(upd.fault?.errorcode).toBe('invalidparameter');
    expect(await t.store.db.select().from(hubSites)).toHaveLength(1);
  });

  it.each(BAD_EMAILS.slice(0, 3))('hub_register_courses refuses publisheremail %j', async (v) => {
    const r = await rpc(
      t,
      'hub_register_courses',
      [{ courses: [courseInfo(7, 'Seven', { publisheremail: v })] }],
      site.token,
    );
    expect(r.fault?.errorcode).toBe('invalidparameter');
  });
});

describe('user email addresses', () => {
  it.each(BAD_EMAILS)('the console refuses %j for a new or edited user', async (v) => {
    const created = await admin.post('/api/users', {
      username: `u${nextIp++}`,
      firstname: 'Una',
      lastname: 'User',
      email: v,
      auth: 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: false,
      password: 'User-pass-1',
    });
    expect(created.status).toBe(400);
    expect(errorOf(created).fields?.email).toMatch(/valid email address/);
    const edited = await admin.patch(`/api/users/${await t.userId('teacher')}`, { email: v });
    expect(edited.status).toBe(400);
    expect(errorOf(edited).fields?.email).toMatch(/valid email address/);
  });
});
