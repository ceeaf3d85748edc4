import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, config, hubCourses, hubSites } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';

// A registered site's life on the hub as local_hub keeps it: every siteinfo field that
// hub_update_site_info sends is stored; hub_unregister_site keeps the site (marked deleted)
// and its courses; the hub's privacy has local_hub's names; the message to a deleted site's
// contact links to the page that resets its registration.

const HUB = 'https://hub.example.org';

let t: TestApp;
let admin: Client;
let publicToken: string;
let n = 0;

async function newSite(url: string) {
  const r = await rpc<{ siteid: number; token: string }>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo(`Site ${++n}`, url) }],
    publicToken,
    `192.0.2.${n}`,
  );
  if (!r.value) throw new Error(r.text);
  return r.value;
}

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: HUB } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Life hub' });
  publicToken = (await t.client().get('/local/hub/publictoken.php')).body.token;
});
afterAll(() => t?.close());

describe('hub_update_site_info', () => {
  it("stores every field of local_hub's siteinfo (badges, moodleversion as a float, address, contact, statistics)", async () => {
    const { siteid, token } = await newSite('https://full.example');
    // admin/registration/lib.php get_site_info(): the keys a Moodle 3.1-3.3 site sends, with PHP's types.
    const info = {
      name: 'Full site',
      description: 'All the fields',
      contactname: 'Ada',
      contactemail: 'ada@full.example',
      contactphone: '+64 9 555 0100',
      imageurl: '',
      privacy: 'linked',
      street: '1 Queen Street',
      regioncode: 'NZ-AUK',
      countrycode: 'NZ',
      geolocation: '-36.85,174.76',
      contactable: '1',
      emailalert: '0',
      courses: 12,
      users: 340,
      enrolments: 410,
      posts: 87,
      questions: -1,
      resources: 25,
      badges: 3,
      issuedbadges: 9,
      participantnumberaverage: 3.5,
      modulenumberaverage: 12.333333333333,
      language: 'en',
      moodleversion: 2017051500.02,
      moodlerelease: '3.3+ (Build: 20170525)',
      url: 'https://full.example',
      mobileservicesenabled: 1,
      mobilenotificacionsenabled: false,
      registereduserdevices: 4,
      registeredactiveuserdevices: 2,
    };
    const r = await rpc(t, 'hub_update_site_info', [{ siteinfo: info }], token, '198.51.100.77');
    expect(r.fault, r.text).toBeUndefined();
    const dto = (await admin.get(`/api/hub/sites/${siteid}`)).body;
    expect(dto).toMatchObject({
      name: 'Full site',
      contactPhone: '+64 9 555 0100',
      privacy: 'linked',
      street: '1 Queen Street',
      regionCode: 'NZ-AUK',
      geolocation: '-36.85,174.76',
      contactable: true,
      emailAlert: false,
      moodleVersion: '2017051500.02',
      moodleRelease: '3.3+ (Build: 20170525)',
      ip: '198.51.100.77',
      statistics: {
        courses: 12,
        users: 340,
        enrolments: 410,
        posts: 87,
        questions: -1,
        resources: 25,
        badges: 3,
        issuedBadges: 9,
        participantNumberAverage: 3,
        moduleNumberAverage: 12,
      },
    });
  });

  it('a site privacy Moodle never sends is kept as the most private one (notdisplayed)', async () => {
    const { siteid, token } = await newSite('https://odd.example');
    const r = await rpc(
      t,
      'hub_update_site_info',
      [{ siteinfo: siteInfo('Odd', 'https://odd.example', { privacy: 'everyone' }) }],
      token,
    );
    expect(r.fault, r.text).toBeUndefined();
    expect((await admin.get(`/api/hub/sites/${siteid}`)).body.privacy).toBe('notdisplayed');
  });
});

describe('hub_unregister_site', () => {
  it('keeps the site, marked deleted and hidden, untrusted, unprioritised, with its courses; its token goes', async () => {
    const { siteid, token } = await newSite('https://leaving.example');
    await admin.post(`/api/hub/sites/${siteid}/prioritise`);
    const pub = await rpc<number[]>(t, 'hub_register_courses', [{ courses: [courseInfo(7, 'Kept course')] }], token);
    expect(pub.fault, pub.text).toBeUndefined();
    const r = await rpc(t, 'hub_unregister_site', [], token);
    expect(r.fault, r.text).toBeUndefined();
    expect((await t.store.db.select().from(hubSites).where(eq(hubSites.id, siteid)).limit(1)).at(0)).toMatchObject({
      deleted: true,
      visible: false,
      trusted: false,
      prioritised: false,
    });
    const course = (await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteCourseId, 7)).limit(1)).at(0);
    expect(course).toMatchObject({ siteId: siteid });
    // Gone from Manage sites by default; shown by the filter.
    const listed = (await admin.get('/api/hub/sites')).body.items.map((s: { id: number }) => s.id);
    expect(listed).not.toContain(siteid);
    const all = (await admin.get('/api/hub/sites?status=all')).body.items;
    expect(all.find((s: { id: number }) => s.id === siteid)).toMatchObject({ status: 'unregistered' });
    expect((await rpc(t, 'hub_get_info', [], token)).fault?.errorcode).toBe('invalidtoken');
    // The public hub_register_site takes the URL back in the same row.
    const again = await newSite('https://leaving.example');
    expect(again.siteid).toBe(siteid);
    expect((await admin.get(`/api/hub/sites/${siteid}`)).body).toMatchObject({ status: 'pending', trusted: false });
  });
});

describe("the hub's privacy, in local_hub's names", () => {
  it('private, public and search; the old name publicsearch is still read and accepted, as search', async () => {
    for (const p of ['search', 'public']) {
      const res = await admin.patch('/api/hub/settings', { privacy: p });
      expect(res.status, res.text).toBe(200);
      expect(res.body.settings.privacy).toBe(p);
    }
    const old = await admin.patch('/api/hub/settings', { privacy: 'publicsearch' });
    expect(old.body.settings.privacy).toBe('search');
    const bad = await admin.patch('/api/hub/settings', { privacy: 'everyone' });
    expect(bad.status).toBe(400);
    // A database written before: its stored value reads as search.
    await t.store.db.update(config).set({ value: 'publicsearch' }).where(eq(config.name, 'hub_privacy'));
    expect((await admin.get('/api/hub/settings')).body.privacy).toBe('search');
    await admin.patch('/api/hub/settings', { privacy: 'public' });
  });

  it('sites on local addresses may not register unless the administrator allows it (off by default, audited)', async () => {
    expect((await admin.get('/api/hub/settings')).body.allowLocalSites).toBe(false);
    const on = await admin.patch('/api/hub/settings', { allowLocalSites: true });
    expect(on.body.settings.allowLocalSites).toBe(true);
    const row = (
      await t.store.db.select().from(auditLog).where(eq(auditLog.targetId, 'hub_allowlocalsites')).limit(1)
    ).at(0);
    expect(row?.summary).toContain('from "0" to "1"');
    await admin.patch('/api/hub/settings', { allowLocalSites: false });
  });
});

describe('the message to a deleted site', () => {
  it("links to the site's admin/registration/index.php as local_hub's delete_site() writes it", async () => {
    const { siteid } = await newSite('https://deleted.example/moodle');
    const res = await admin.delete(`/api/hub/sites/${siteid}`);
    expect(res.status).toBe(200);
    // local/hub/lib.php delete_site(): $sitetodelete->url . '/admin/registration/index.php?huburl=' .
    //   $hubinfo['url'] . '&force=1&unregistration=1'
    expect(res.body.message.body).toContain(
      `Go to https://deleted.example/moodle/admin/registration/index.php?huburl=${HUB}&force=1&unregistration=1.`,
    );
  });
});
