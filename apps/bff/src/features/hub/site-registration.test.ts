import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config, externalTokens, hubSites, type users } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { enableHub, rpc } from './hub-rpc.test-helpers';
import { isNonPublicAddress } from './site-registration-reachability';

// The registration handshake as an unmodified Moodle site makes it. The site's side is a real
// HTTP server (the hub checks that the site answers at its URL, and the test follows the hub's
// redirect to it); the hub's side goes through app.request. The request is built as
// admin/registration/register.php builds it (multi-hub Moodle 2.5-3.3): the form's fields in
// form order, the statistics overwritten and appended, then token and url, in
// moodle_url::get_query_string()'s encoding (rawurlencode, an empty value as the bare key;
// lib/weblib.php), sent by redirect() as a GET.

const HUB = 'https://hub.example.org';

/** PHP's rawurlencode(). */
const rawurlencode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** moodle_url::get_query_string() with $escaped = false (lib/weblib.php). */
const moodleQuery = (params: [string, string | number][]) =>
  params.map(([k, v]) => (v === '' ? rawurlencode(k) : `${rawurlencode(k)}=${rawurlencode(String(v))}`)).join('&');

/**
 * admin/registration/register.php's redirect: `(array) $fromform` of site_registration_form
 * (admin/registration/forms.php, in form order: hidden huburl, hubname, password first), the
 * statistics from get_site_info() written over their fields, enrolments and street appended
 * (street is get_config('hub', 'site_address_…'): false on a first registration, so a bare
 * key), then $params['token'] and $params['url'].
 */
function registerPhpQuery(site: { url: string; secret: string }, o: Record<string, string> = {}) {
  const fields: [string, string | number][] = [
    ['huburl', HUB],
    ['hubname', ''],
    ['password', o.password ?? ''],
    ['name', o.name ?? 'Moodle Site 1 (École)'],
    ['privacy', 'named'],
    ['description', o.description ?? 'A site with <b>courses</b> & more'],
    ['language', o.language ?? 'en'],
    ['address', ''],
    ['regioncode', '-'],
    ['countrycode', 'NZ'],
    ['geolocation', ''],
    ['contactname', o.contactname ?? 'Ada Admin'],
    ['contactphone', '+64 9 555 0100'],
    ['contactemail', 'ada@site.example'],
    ['contactable', 1],
    ['emailalert', 1],
    ['imageurl', ''],
    ['moodleversion', '2017051500.02'],
    ['moodlerelease', '3.3+ (Build: 20170525)'],
    ['courses', 12],
    ['users', 340],
    ['roleassignments', 1],
    ['posts', 87],
    ['questions', -1],
    ['resources', 25],
    ['badges', 3],
    ['issuedbadges', 9],
    ['modulenumberaverage', 12.333333333333],
    ['participantnumberaverage', 3.5],
    ['submitbutton', `Register with ${HUB}`],
    ['enrolments', 410],
    ['street', ''],
    ['token', site.secret],
    ['url', site.url],
  ];
  return moodleQuery(fields.filter(([k]) => !(k in o && o[k] === undefined)));
}

// ---- the Moodle site -------------------------------------------------------------------------

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let siteBase: string;
let handler: Handler;
const confirmations: URLSearchParams[] = [];
const front: Handler = (req, res) => {
  const u = new URL(req.url ?? '/', 'http://x');
  if (u.pathname.endsWith('/admin/registration/confirmregistration.php')) {
    confirmations.push(u.searchParams);
    res.writeHead(200, { 'content-type': 'text/html' }).end('registration confirmed');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Moodle</html>');
};

let t: TestApp;
let admin: Client;
let secretNo = 0;
/** A secret as get_site_secret_for_hub() makes one for a hub other than moodle.org: random_string(32) . $_SERVER['HTTP_HOST']. */
const newSecret = () => `${`aB3dE5gH7jK9mN1pQ3sT5vW7yZ9b${1000 + ++secretNo}`.slice(0, 32)}127.0.0.1:8080`;

let ipNo = 0;
/** Each registration from its own address (one address registers at most 10 times an hour: see the last test). */
async function registration(query: string, ip = `192.0.2.${++ipNo}`) {
  return t.client({ ip }).get(`/local/hub/siteregistration.php?${query}`);
}

async function sitesRow(url: string) {
  return (await t.store.db.select().from(hubSites).where(eq(hubSites.url, url)).limit(1)).at(0);
}

const countOf = async (table: typeof users | typeof externalTokens | typeof hubSites) =>
  (await t.store.db.select({ n: count() }).from(table).limit(1)).at(0)?.n ?? 0;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  siteBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: HUB } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Open hub', allowLocalSites: true });
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  handler = front;
});

describe('siteregistration.php: a Moodle site registers', () => {
  it('redirects to the site’s confirmregistration.php with the new token, the hub URL as configured, the secret and the hub name', async () => {
    const url = `${siteBase}/moodle`;
    const secret = newSecret();
    const res = await registration(registerPhpQuery({ url, secret }));
    expect(res.status, res.text).toBe(303);
    const location = res.headers.get('location') ?? '';
    // local_hub: redirect(new moodle_url($sitevalues->url . "/admin/registration/confirmregistration.php",
    //   array('newtoken' => $newtoken, 'url' => HUBURL, 'token' => $sitevalues->token, 'hubname' => get_config('local_hub', 'name'))))
    const m = /^(.*)\?newtoken=([A-Za-z0-9]+)&url=(.*)&token=(.*)&hubname=(.*)$/.exec(location);
    expect(m?.[1]).toBe(`${url}/admin/registration/confirmregistration.php`);
    expect(m?.[3]).toBe(rawurlencode(HUB));
    expect(m?.[4]).toBe(rawurlencode(secret));
    expect(m?.[5]).toBe('Open%20hub');

    // The browser follows it to the site, whose confirmregistration.php reads the parameters.
    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    const got = confirmations.at(-1);
    expect(got?.get('url')).toBe(HUB);
    expect(got?.get('token')).toBe(secret);
    expect(got?.get('hubname')).toBe('Open hub');
    const newtoken = got?.get('newtoken') ?? '';
    // confirmregistration.php reads newtoken as PARAM_ALPHANUM: nothing may be lost.
    expect(newtoken).toMatch(/^[A-Za-z0-9]{20,}$/);

    // The secret is kept only as its SHA-256; every field is stored; the site is pending.
    const row = await sitesRow(url);
    expect(row).toMatchObject({
      name: 'Moodle Site 1 (École)',
      description: 'A site with courses & more',
      contactName: 'Ada Admin',
      contactEmail: 'ada@site.example',
      contactPhone: '+64 9 555 0100',
      country: 'NZ',
      regionCode: '',
      privacy: 'named',
      contactable: true,
      emailAlert: true,
      moodleVersion: '2017051500.02',
      moodleRelease: '3.3+ (Build: 20170525)',
      statCourses: 12,
      statUsers: 340,
      statEnrolments: 410,
      statPosts: 87,
      statQuestions: -1,
      statResources: 25,
      statBadges: 3,
      statIssuedBadges: 9,
      statModuleAverage: 12,
      statParticipantAverage: 3,
      secretHash: createHash('sha256').update(secret).digest('hex'),
      timeConfirmed: null,
      deleted: false,
      ip: expect.stringMatching(/^192\.0\.2\.\d+$/),
    });
    const stored = JSON.stringify(await t.store.db.select().from(hubSites));
    expect(stored).not.toContain(secret);

    const listed = await admin.get('/api/hub/sites?status=pending');
    expect(listed.body.items.map((s: { url: string }) => s.url)).toContain(url);
    expect(listed.body.items.find((s: { url: string }) => s.url === url)).toMatchObject({
      status: 'pending',
      hasSecret: true,
      protected: true,
    });

    // The token works, and the site's first call with it confirms the registration (the hub's
    // functions call confirmSiteByUser for a registered site's user).
    const call = await rpc<boolean>(t, 'hub_unregister_courses', [{ courseids: [] }], newtoken);
    expect(call.fault, call.text).toBeUndefined();
    const confirmed = await admin.get(`/api/hub/sites/${row?.id}`);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', timeConfirmed: expect.any(Number) });
    expect(
      (await admin.get('/api/hub/sites?status=pending')).body.items.map((s: { url: string }) => s.url),
    ).not.toContain(url);
    expect(
      (await admin.get('/api/hub/sites?status=confirmed')).body.items.map((s: { url: string }) => s.url),
    ).toContain(url);
  });

  it('takes the fields from a POST form too, as optional_param() reads $_POST before $_GET', async () => {
    const url = `${siteBase}/posted`;
    const secret = newSecret();
    const res = await t.client({ ip: '192.0.2.250' }).request('POST', '/local/hub/siteregistration.php?name=Ignored', {
      body: registerPhpQuery({ url, secret }, { name: 'Posted site' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      csrf: false,
    });
    expect(res.status, res.text).toBe(303);
    expect((await sitesRow(url))?.name).toBe('Posted site');
  });

  it('the same site registering again (same URL, same secret) gets a new token; the old one stops working', async () => {
    const url = `${siteBase}/again`;
    const secret = newSecret();
    const first = await registration(registerPhpQuery({ url, secret }));
    const oldToken = new URL(first.headers.get('location') ?? '').searchParams.get('newtoken') ?? '';
    const sites = await countOf(hubSites);
    const second = await registration(registerPhpQuery({ url, secret }, { name: 'Renamed site' }));
    expect(second.status).toBe(303);
    const newToken = new URL(second.headers.get('location') ?? '').searchParams.get('newtoken') ?? '';
    expect(newToken).not.toBe(oldToken);
    expect(await countOf(hubSites)).toBe(sites);
    expect((await sitesRow(url))?.name).toBe('Renamed site');
    const old = await rpc(t, 'hub_unregister_courses', [{ courseids: [] }], oldToken);
    expect(old.fault?.errorcode).toBe('invalidtoken');
    const now = await rpc(t, 'hub_unregister_courses', [{ courseids: [] }], newToken);
    expect(now.fault, now.text).toBeUndefined();
  });

  it('the hub checks the site answers at its URL: HEAD, else GET, 200 or 302, at most 3 redirects', async () => {
    const url = `${siteBase}/checks`;
    // HEAD answered 503, GET 200 ("Some sites respond to head() with a 503").
    handler = (req, res) => {
      if (req.method === 'HEAD' && req.url === '/checks') res.writeHead(503).end();
      else front(req, res);
    };
    expect((await registration(registerPhpQuery({ url, secret: newSecret() }))).status).toBe(303);

    // Three redirects, then 200: fine. Four: curl stops at CURLOPT_MAXREDIRS on a 301: refused.
    const hops =
      (n: number): Handler =>
      (req, res) => {
        const m = /^\/hop(\d+)(\/.*)?$/.exec(req.url ?? '');
        if (m) {
          const k = Number(m[1]);
          if (!m[2] && k < n) res.writeHead(301, { location: `/hop${k + 1}` }).end();
          else front(req, res);
        } else front(req, res);
      };
    handler = hops(3);
    expect((await registration(registerPhpQuery({ url: `${siteBase}/hop0`, secret: newSecret() }))).status).toBe(303);
    handler = hops(4);
    const sites = await countOf(hubSites);
    const far = await registration(registerPhpQuery({ url: `${siteBase}/hop0x`, secret: newSecret() }));
    expect(far.status).toBe(303); // /hop0x is not a hop: answered 200 at once
    handler = (req, res) => {
      const m = /^\/far(\d+)$/.exec(req.url ?? '');
      if (m) res.writeHead(301, { location: `/far${Number(m[1]) + 1}` }).end();
      else front(req, res);
    };
    const refused = await registration(registerPhpQuery({ url: `${siteBase}/far0`, secret: newSecret() }));
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('<p class="errormessage">This hub cannot access your web site.</p>');
    expect(refused.text).toContain(`<a href="${siteBase}/far0">Continue</a>`);
    expect(await countOf(hubSites)).toBe(sites + 1);

    // A host name: resolved once, checked, and connected to at the address checked.
    handler = front;
    const byName = siteBase.replace('127.0.0.1', 'localhost');
    expect((await registration(registerPhpQuery({ url: `${byName}/named`, secret: newSecret() }))).status).toBe(303);

    // A site that answers 500 to both is not there.
    handler = (_req, res) => res.writeHead(500).end();
    const down = await registration(registerPhpQuery({ url: `${siteBase}/down`, secret: newSecret() }));
    expect(down.status).toBe(404);
    expect(down.text).toContain('cannotregisternotavailablesite');
    expect(down.text).not.toMatch(/at \w+ \(|node_modules|Error:/);
  });

  it('refuses loopback and private addresses unless the hub allows local sites', async () => {
    await admin.patch('/api/hub/settings', { allowLocalSites: false });
    try {
      const sites = await countOf(hubSites);
      for (const url of [`${siteBase}/loop`, 'http://localhost:9/', 'http://[::1]:9/', 'http://10.0.0.1/']) {
        const res = await registration(registerPhpQuery({ url, secret: newSecret() }));
        expect(res.status, url).toBe(404);
        expect(res.text).toContain('This hub cannot access your web site.');
      }
      expect(await countOf(hubSites)).toBe(sites);
    } finally {
      await admin.patch('/api/hub/settings', { allowLocalSites: true });
    }
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:a00:1', true],
    ['93.184.216.34', false],
    ['2606:2800:220:1:248:1893:25c8:1946', false],
  ])('address %s is non-public: %s', (ip, expected) => {
    expect(isNonPublicAddress(ip)).toBe(expected);
  });

  it('refuses a registration without the required fields (errorwrongdata) and changes nothing', async () => {
    const sites = await countOf(hubSites);
    const tokens = await countOf(externalTokens);
    for (const missing of ['name', 'contactname', 'description', 'language']) {
      const res = await registration(
        registerPhpQuery({ url: `${siteBase}/x`, secret: newSecret() }, { [missing]: '' }),
      );
      expect(res.status, missing).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('Error code: errorwrongdata');
      expect(res.text).toContain(`<a href="${HUB}/">Continue</a>`);
    }
    const noToken = await registration(registerPhpQuery({ url: `${siteBase}/x`, secret: '' }));
    expect(noToken.text).toContain('errorwrongdata');
    expect([await countOf(hubSites), await countOf(externalTokens)]).toEqual([sites, tokens]);
  });

  it('a site that moved (same secret, new URL) is asked, then moved or sent to renewregistration.php', async () => {
    const oldUrl = `${siteBase}/before`;
    const newUrl = `${siteBase}/after`;
    const secret = newSecret();
    expect((await registration(registerPhpQuery({ url: oldUrl, secret }))).status).toBe(303);
    const id = (await sitesRow(oldUrl))?.id;

    const ask = await registration(registerPhpQuery({ url: newUrl, secret }));
    expect(ask.status).toBe(200);
    expect(ask.text).toContain(oldUrl);
    const links = [...ask.text.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replace(/&amp;/g, '&'));
    expect(links).toHaveLength(2);
    expect(links[0]).toMatch(new RegExp(`^${HUB}/local/hub/siteregistration\\.php\\?.*&action=moved$`));

    const copied = await registration(`${registerPhpQuery({ url: newUrl, secret })}&action=copied`);
    expect(copied.status).toBe(303);
    // local_hub: redirect(new moodle_url($url."/admin/registration/renewregistration.php",
    //   array('url' => HUBURL, 'token' => $token, 'hubname' => get_config('local_hub', 'name'))))
    expect(copied.headers.get('location')).toBe(
      `${newUrl}/admin/registration/renewregistration.php?url=${rawurlencode(HUB)}&token=${rawurlencode(secret)}&hubname=Open%20hub`,
    );
    expect(await sitesRow(newUrl)).toBeUndefined();

    const moved = await registration(new URL(links[0] as string).search.slice(1));
    expect(moved.status).toBe(303);
    expect(moved.headers.get('location')).toMatch(
      new RegExp(`^${newUrl}/admin/registration/confirmregistration\\.php\\?newtoken=[A-Za-z0-9]+&url=`),
    );
    expect((await sitesRow(newUrl))?.id).toBe(id);
    expect(await sitesRow(oldUrl)).toBeUndefined();
  });

  it('a new Moodle site on a registered URL: the registered site’s contact gets a link that hands the registration over', async () => {
    const url = `${siteBase}/taken`;
    const first = await registration(registerPhpQuery({ url, secret: newSecret() }));
    const oldToken = new URL(first.headers.get('location') ?? '').searchParams.get('newtoken') ?? '';
    const id = (await sitesRow(url))?.id as number;
    const freshSecret = newSecret();
    const res = await registration(registerPhpQuery({ url, secret: freshSecret }, { name: 'Fresh install' }));
    expect(res.status).toBe(404);
    expect(res.text).toContain('Error code: freshmoodleregistrationerror');
    expect((await sitesRow(url))?.name).toBe('Moodle Site 1 (École)');
    const outbox = await admin.get('/api/hub/outbox');
    const message = outbox.body.items[0];
    expect(message).toMatchObject({ kind: 'urlalreadyregistered', siteUrl: url, toEmail: 'ada@site.example' });
    // local_hub: new moodle_url('/local/hub/siteregistration.php', array('freshmoodletoken' => $freshmoodletoken, 'id' => $sitewithsameurl->id))
    const link = new RegExp(`${HUB}/local/hub/siteregistration\\.php\\?freshmoodletoken=([0-9a-f]{32})&id=${id}`).exec(
      message.body,
    );
    expect(link).not.toBeNull();
    const fresh = link?.[1] as string;
    // Within a day, another attempt sends nothing more.
    const again = await registration(registerPhpQuery({ url, secret: newSecret() }));
    expect(again.text).toContain('Error code: freshmoodleregistrationerror2');
    expect((await admin.get('/api/hub/outbox')).body.total).toBe(outbox.body.total);

    // The contact follows the link: a question, then (confirmed) the redirect to the new site.
    const ask = await registration(`freshmoodletoken=${fresh}&id=${id}`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('name="freshmoodletokenconf" value="1"');
    const wrong = await registration(`freshmoodletoken=${'0'.repeat(32)}&id=${id}&freshmoodletokenconf=1`);
    expect(wrong.status).toBe(404);
    expect(wrong.text).toContain('Error code: freshtokenerror');
    const done = await t.client({ ip: '192.0.2.251' }).request('POST', '/local/hub/siteregistration.php', {
      body: `freshmoodletoken=${fresh}&id=${id}&freshmoodletokenconf=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      csrf: false,
    });
    expect(done.status, done.text).toBe(303);
    const back = new URL(done.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/admin/registration/confirmregistration.php`);
    expect(back.searchParams.get('token')).toBe(freshSecret);
    expect(await sitesRow(url)).toMatchObject({
      id,
      name: 'Fresh install',
      secretHash: createHash('sha256').update(freshSecret).digest('hex'),
    });
    expect((await rpc(t, 'hub_unregister_courses', [{ courseids: [] }], oldToken)).fault?.errorcode).toBe(
      'invalidtoken',
    );
    const newToken = back.searchParams.get('newtoken') ?? '';
    expect((await rpc(t, 'hub_unregister_courses', [{ courseids: [] }], newToken)).fault).toBeUndefined();
    // The link works once.
    const reused = await registration(`freshmoodletoken=${fresh}&id=${id}&freshmoodletokenconf=1`);
    expect(reused.text).toContain('Error code: freshtokenerror');
    // The secret is not kept in clear anywhere, even while the attempt waited.
    expect(JSON.stringify(await t.store.db.select().from(config))).not.toContain(freshSecret);
  });

  it('a stolen secret gets local_hub’s stolen-secret page and registers nothing', async () => {
    const url = `${siteBase}/stolen`;
    const secret = newSecret();
    expect((await registration(registerPhpQuery({ url, secret }))).status).toBe(303);
    const id = (await sitesRow(url))?.id;
    expect((await admin.post(`/api/hub/sites/${id}/secret-stolen`)).status).toBe(200);
    const before = await countOf(externalTokens);
    for (const u of [url, `${siteBase}/elsewhere`]) {
      const res = await registration(registerPhpQuery({ url: u, secret }));
      expect(res.status).toBe(200);
      expect(res.text).toContain('Site secret stolen');
      expect(res.headers.get('location')).toBeNull();
    }
    expect(await countOf(externalTokens)).toBe(before);
  });

  it('hub_unregister_site keeps the site, marked unregistered, with no token; registering again takes the row back', async () => {
    const url = `${siteBase}/leaving`;
    const first = await registration(registerPhpQuery({ url, secret: newSecret() }));
    const token = new URL(first.headers.get('location') ?? '').searchParams.get('newtoken') ?? '';
    const id = (await sitesRow(url))?.id;
    const left = await rpc(t, 'hub_unregister_site', [{}], token);
    expect(left.fault, left.text).toBeUndefined();
    expect(await sitesRow(url)).toMatchObject({ deleted: true, visible: false, trusted: false, prioritised: false });
    expect((await admin.get('/api/hub/sites')).body.items.map((s: { id: number }) => s.id)).not.toContain(id);
    const gone = await admin.get('/api/hub/sites?status=unregistered');
    expect(gone.body.items.find((s: { id: number }) => s.id === id)).toMatchObject({ status: 'unregistered' });
    expect((await rpc(t, 'hub_unregister_courses', [{ courseids: [] }], token)).fault?.errorcode).toBe('invalidtoken');

    // The site resets its registration (a new secret) and registers again.
    const again = await registration(registerPhpQuery({ url, secret: newSecret() }));
    expect(again.status).toBe(303);
    expect(await sitesRow(url)).toMatchObject({ id, deleted: false, timeConfirmed: null });
  });
});

describe('siteregistration.php: a private or disabled hub', () => {
  it('one address registers at most 10 times an hour: then 429 with Retry-After, nothing created', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await registration(
        registerPhpQuery({ url: `${siteBase}/many${i}`, secret: newSecret() }),
        '203.0.113.9',
      );
      expect(res.status).toBe(303);
    }
    const sites = await countOf(hubSites);
    const res = await registration(registerPhpQuery({ url: `${siteBase}/many10`, secret: newSecret() }), '203.0.113.9');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.text).toContain('Error code: toomanyregistrations');
    expect(await countOf(hubSites)).toBe(sites);
  });

  it('a private hub wants its password (wronghubpassword, continue to the site’s hubselector.php)', async () => {
    await admin.patch('/api/hub/settings', { privacy: 'private', password: 'Hub-pass-1' });
    try {
      const url = `${siteBase}/private`;
      const sites = await countOf(hubSites);
      for (const password of ['', 'wrong']) {
        const res = await registration(registerPhpQuery({ url, secret: newSecret() }, { password }));
        expect(res.status).toBe(404);
        expect(res.text).toContain('<p class="errormessage">Wrong hub password, press continue and try again.</p>');
        expect(res.text).toContain(`<a href="${url}/admin/registration/hubselector.php">Continue</a>`);
      }
      expect(await countOf(hubSites)).toBe(sites);
      const ok = await registration(registerPhpQuery({ url, secret: newSecret() }, { password: 'Hub-pass-1' }));
      expect(ok.status).toBe(303);
    } finally {
      await admin.patch('/api/hub/settings', { privacy: 'public', password: null });
    }
  });

  it('a disabled hub answers Moodle’s error page (hubnotenabled)', async () => {
    await admin.patch('/api/hub/settings', { enabled: false });
    try {
      const res = await registration(registerPhpQuery({ url: `${siteBase}/off`, secret: newSecret() }));
      expect(res.status).toBe(404);
      expect(res.text).toContain('Error code: hubnotenabled');
    } finally {
      await admin.patch('/api/hub/settings', { enabled: true });
    }
  });
});
