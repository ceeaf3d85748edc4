import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, hubOutbox, hubSites } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, hubCall, rpc, siteInfo } from './hub-rpc.test-helpers';

// hub_update_site_info as local_hub's register_site($siteinfo, $siteurltoupdate) in update mode
// (moodlehq/moodle-local_hub lib.php): a changed URL or name makes the site not visible
// ($siteinfo->visible = 0, "hub admin need to reconfirm it") and emails the hub administrator
// emailtitlesiteurlchanged / emailmessagesiteurlchanged (lang/en/local_hub.php); a new URL that
// another site has is refused with urlalreadyexist. The site calls it as Moodle 3.3's
// admin/registration/register.php does on "Update registration": xmlrpc_encode_request of
// array_values(array('siteinfo' => get_site_info())), one positional struct
// (webservice/xmlrpc/lib.php), with the site's token at /local/hub/webservice/webservices.php.

const HUB = 'https://hub.example.org';
let t: TestApp;
let admin: Client;
let publicToken: string;
let reachable: Server;
let reachableUrl: string;
let n = 0;

type Site = { siteid: number; token: string };

async function newSite(name: string, url: string): Promise<Site> {
  const r = await rpc<Site>(t, 'hub_register_site', [{ siteinfo: siteInfo(name, url) }], publicToken, `192.0.2.${++n}`);
  if (!r.value) throw new Error(r.text);
  return r.value;
}

/** registration_manager::get_site_info's keys (the ones this test changes; the rest as siteInfo sends them). */
const update = (site: Site, name: string, url: string) =>
  hubCall(
    t,
    'hub_update_site_info',
    [siteInfo(name, url, { contactname: 'Ada Admin', contactemail: 'ada@site.example' })],
    site.token,
  );

const row = async (id: number) => (await t.store.db.select().from(hubSites).where(eq(hubSites.id, id)).limit(1)).at(0)!;
const outbox = async () => await t.store.db.select().from(hubOutbox).where(eq(hubOutbox.kind, 'siteurlchanged'));

beforeAll(async () => {
  // A site's new address that answers 200, as is_remote_site_valid() wants.
  reachable = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
  await new Promise<void>((r) => reachable.listen(0, '127.0.0.1', r));
  reachableUrl = `http://127.0.0.1:${(reachable.address() as AddressInfo).port}`;
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: HUB } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, {
    privacy: 'public',
    name: 'Update hub',
    contactName: 'Hana Hubadmin',
    contactEmail: 'hana@hub.example.org',
    allowLocalSites: true,
  });
  publicToken = (await t.client().get('/local/hub/publictoken.php')).body.token;
});

afterAll(async () => {
  await t?.close();
  await new Promise((r) => reachable?.close(r));
});

describe('hub_update_site_info in update mode', () => {
  it('the same name and URL: updated, still visible, no message', async () => {
    const site = await newSite('Same site', 'https://same.example');
    const res = await update(site, 'Same site', 'https://same.example');
    expect(res.fault, res.text).toBeUndefined();
    expect(await row(site.siteid)).toMatchObject({ visible: true, contactName: 'Ada Admin' });
    expect(await outbox()).toEqual([]);
  });

  it("a changed name hides the site until the admin shows it, and writes local_hub's message to the hub admin", async () => {
    const site = await newSite('Old name', 'https://renamed.example');
    await admin.post(`/api/hub/sites/${site.siteid}/trust`);
    const published = await hubCall<number[]>(
      t,
      'hub_register_courses',
      [
        [
          courseInfo(1, 'Renamed course', {
            enrollable: true,
            courseurl: 'https://renamed.example/course/view.php?id=1',
          }),
        ],
      ],
      site.token,
    );
    expect(published.value, published.text).toHaveLength(1);
    const search = () =>
      hubCall<{ coursetotal: number }>(t, 'hub_get_courses', ['Renamed course', 0, 1, {}], 'publichub');
    expect((await search()).value?.coursetotal).toBe(1);

    const res = await update(site, 'New name', 'https://renamed.example');
    expect(res.fault, res.text).toBeUndefined();
    expect(res.text).toContain('<boolean>1</boolean>');
    expect(await row(site.siteid)).toMatchObject({ name: 'New name', visible: false });
    // The site's courses leave the search until the hub administrator checks the site.
    expect((await search()).value?.coursetotal).toBe(0);

    // lang/en/local_hub.php: emailtitlesiteurlchanged, emailmessagesiteurlchanged ($emailinfo: the
    // new name and URL, the old ones, contact, $languages[$siteinfo->language], managesiteurl).
    expect(await outbox()).toEqual([
      expect.objectContaining({
        siteId: site.siteid,
        siteName: 'New name',
        siteUrl: 'https://renamed.example',
        toName: 'Hana Hubadmin',
        toEmail: 'hana@hub.example.org',
        subject: 'New name site has changed his name or url (please check it).',
        body:
          'New name site has been updated. (previous name: Old name)\n' +
          'Its new url https://renamed.example has been updated from (https://renamed.example).\n' +
          '\n' +
          'Name: New name\n' +
          'URL: https://renamed.example\n' +
          'Admin: Ada Admin (ada@site.example)\n' +
          'Language: English\n' +
          '\n' +
          `To manage registered sites, go to: ${HUB}/admin/hub/sites`,
      }),
    ]);
    const audit = (await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'hub.site.updateinfo'))).at(-1);
    expect(audit?.summary).toMatch(/its name changed, so it is hidden until the hub administrator checks it/);

    // The administrator checks it and shows it again; the next update with the same name keeps it visible.
    expect((await admin.post(`/api/hub/sites/${site.siteid}/show`)).status).toBe(200);
    expect((await search()).value?.coursetotal).toBe(1);
    expect((await update(site, 'New name', 'https://renamed.example')).fault).toBeUndefined();
    expect((await row(site.siteid)).visible).toBe(true);
    expect(await outbox()).toHaveLength(1);
  });

  it("a new URL another site has is refused with urlalreadyexist, local_hub's text, and nothing changes", async () => {
    const other = await newSite('Other site', 'https://taken.example');
    const site = await newSite('Mover', 'https://mover.example');
    const before = await row(site.siteid);
    const messages = (await outbox()).length;
    const res = await update(site, 'Mover', 'https://TAKEN.example/');
    expect(res.fault?.errorcode, res.text).toBe('urlalreadyexist');
    expect(res.fault?.faultString).toContain(
      `Your new site url is already existing on ${HUB}. It could come from a bad database on ${HUB} or a previous registration. Alert the hub administrator. You could have to unregister your site and register again. You must tell the hub administrator if you want to keep your already published courses, as he will need to delete your previous registration.`,
    );
    // Only the confirmation of the registration (the site's first call with its token) is written.
    expect(await row(site.siteid)).toEqual({ ...before, timeConfirmed: expect.any(Number) });
    expect((await row(other.siteid)).url).toBe('https://taken.example');
    expect(await outbox()).toHaveLength(messages);
  });

  it("an unregistered site's URL is taken too, until the hub administrator deletes that site", async () => {
    const gone = await newSite('Gone site', 'https://gone.example');
    expect((await hubCall(t, 'hub_unregister_site', [], gone.token)).fault).toBeUndefined();
    const site = await newSite('Next door', 'https://next-door.example');
    expect((await update(site, 'Next door', 'https://gone.example')).fault?.errorcode).toBe('urlalreadyexist');
  });

  it('a new URL that answers: moved, hidden, and the message names the old URL', async () => {
    const site = await newSite('Moving site', 'https://moving.example');
    const messages = (await outbox()).length;
    const res = await update(site, 'Moving site', reachableUrl);
    expect(res.fault, res.text).toBeUndefined();
    expect(await row(site.siteid)).toMatchObject({ url: reachableUrl, visible: false });
    const last = (await outbox()).at(-1);
    expect(await outbox()).toHaveLength(messages + 1);
    expect(last?.body.split('\n').slice(0, 2)).toEqual([
      'Moving site site has been updated. (previous name: Moving site)',
      `Its new url ${reachableUrl} has been updated from (https://moving.example).`,
    ]);
  });
});
