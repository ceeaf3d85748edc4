import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import xmlrpc from 'xmlrpc';
import { externalTokens, hubCourses, hubSites, users } from '../../db/schema';
import { courseInfo, siteInfo } from '../../features/hub/hub-rpc.test-helpers';
import { type Client, makeClock, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { moodleFaultOf } from '../../test/xmlrpc-faults';
import { moodleFaultCode } from '../protocols/xmlrpc';

// A site registering with the hub the way a Moodle site does: over XML-RPC, with the `xmlrpc`
// client from npm, against a real server. The seed's set-up comes first: web services on, the
// XML-RPC protocol on, the hub enabled (private, with a password).

const require = createRequire(import.meta.url);
const { serializeMethodCall } = require('xmlrpc/lib/serializer') as {
  serializeMethodCall(method: string, params: unknown[]): string;
};

const DAY = 86_400;
const HUB_PASSWORD = 'Hub-pass-1';
const clock = makeClock(1_760_000_000);

let t: TestApp;
let admin: Client;
let base: string;
let server: ReturnType<typeof serve>;
let publicToken: string;
let siteA: { siteid: number; token: string };
let siteB: { siteid: number; token: string };

/** A call as a site makes it: the xmlrpc client, the token in the URL as Moodle sends it. */
function call<T = unknown>(fn: string, params: unknown[], token: string): Promise<T> {
  const { hostname, port } = new URL(base);
  const client = xmlrpc.createClient({
    host: hostname,
    port: Number(port),
    path: `/webservice/xmlrpc/server.php?wstoken=${token}`,
  });
  return new Promise((resolve, reject) =>
    client.methodCall(fn, params, (err: unknown, value: unknown) => (err ? reject(err) : resolve(value as T))),
  );
}

/** The fault's Moodle error code (at the end of faultString): the same call, the raw answer. */
async function errorcodeOf(fn: string, params: unknown[], token: string): Promise<string | undefined> {
  const res = await fetch(`${base}/webservice/xmlrpc/server.php?wstoken=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: serializeMethodCall(fn, params),
  });
  return moodleFaultOf(await res.text())?.errorcode;
}

// Moodle's faultCode for an error code: the first 8 digits of base_convert(md5(errorcode), 16, 10).
const ACCESSEXCEPTION = 23000021;
const INVALIDPARAMETER = 29039061;
const INVALIDTOKEN = 89159464;
const ERRORMAXPUBLICATION = moodleFaultCode('errormaxpublication');
/** faultString: the message, then (debug information and) the error code. */
const faultMessage = (message: string) => expect.stringContaining(`${message} | `);

/** A course as hub_register_courses takes it, with a demo URL. */
const course = (sitecourseid: number, fullname: string, extra: Record<string, unknown> = {}) =>
  courseInfo(sitecourseid, fullname, { demourl: `https://site.example/demo/${sitecourseid}`, ...extra });

const courseRow = async (id: number) =>
  (await t.store.db.select().from(hubCourses).where(eq(hubCourses.id, id)).limit(1)).at(0);

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' }, now: clock.now });
  admin = await signIn(t, 'admin');
  // Enable web services for the hub; enable the XML-RPC protocol; set up the hub.
  const s = await admin.patch('/api/settings', {
    enablewebservices: '1',
    webserviceprotocols: 'xmlrpc',
    debug: 'normal',
  });
  if (s.status !== 200) throw new Error(s.text);
  const h = await admin.patch('/api/hub/settings', {
    name: 'Test hub',
    description: 'A hub for the tests',
    enabled: true,
    privacy: 'private',
    password: HUB_PASSWORD,
  });
  if (h.status !== 200) throw new Error(h.text);
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await t?.close();
});

describe('registration over XML-RPC', () => {
  it('a would-be site gets the public token of a private hub only with its password, and reads nothing with it', async () => {
    expect((await fetch(`${base}/local/hub/publictoken.php`)).status).toBe(403);
    const res = await fetch(`${base}/local/hub/publictoken.php`, {
      method: 'POST',
      body: new URLSearchParams({ password: HUB_PASSWORD }),
    });
    expect(res.status).toBe(200);
    publicToken = ((await res.json()) as { token: string }).token;
    expect(publicToken).toMatch(/^gwt[0-9A-Za-z]{49}$/);
    // A private hub's public service only registers: no hub information, no courses.
    await expect(call('hub_get_info', [{}], publicToken)).rejects.toMatchObject({ faultCode: ACCESSEXCEPTION });
    expect(await errorcodeOf('hub_get_info', [{}], publicToken)).toBe('accessexception');
  });

  it('a private hub refuses a wrong or missing password with wronghubpassword, and registers nothing', async () => {
    const args = [{ siteinfo: siteInfo('Site A', 'https://site-a.example/moodle'), password: 'guess' }];
    await expect(call('hub_register_site', args, publicToken)).rejects.toMatchObject({
      faultString: faultMessage('Wrong hub password'),
    });
    expect(await errorcodeOf('hub_register_site', args, publicToken)).toBe('wronghubpassword');
    const none = [{ siteinfo: siteInfo('Site A', 'https://site-a.example/moodle') }];
    expect(await errorcodeOf('hub_register_site', none, publicToken)).toBe('wronghubpassword');
    expect(await t.store.db.select().from(hubSites)).toEqual([]);
  });

  it('the right password registers the site: its id and its own token, once', async () => {
    siteA = await call(
      'hub_register_site',
      [{ siteinfo: siteInfo('Site A', 'https://site-a.example/moodle/'), password: HUB_PASSWORD }],
      publicToken,
    );
    expect(siteA).toEqual({ siteid: expect.any(Number), token: expect.stringMatching(/^gwt/) });
    expect(siteA.token).not.toBe(publicToken);
    const row = (await t.store.db.select().from(hubSites).where(eq(hubSites.id, siteA.siteid)).limit(1)).at(0)!;
    expect(row).toMatchObject({
      name: 'Site A',
      url: 'https://site-a.example/moodle',
      country: 'NZ',
      statCourses: 12,
      statUsers: 340,
      trusted: false,
      prioritised: false,
      visible: true,
    });
    const user = (await t.store.db.select().from(users).where(eq(users.id, row.userId!)).limit(1)).at(0)!;
    expect(user).toMatchObject({ auth: 'webservice', protected: true, deleted: false });
    const token = await t.store.db.select().from(externalTokens).where(eq(externalTokens.userId, user.id));
    expect(token).toHaveLength(1);
    expect(token[0]).toMatchObject({ hidden: true, origin: 'hub' });
    // Not in Manage tokens.
    expect((await admin.get(`/api/tokens?user=${user.username}`)).body.total).toBe(0);
  });

  it('the same URL cannot register twice (sitealreadyregistered)', async () => {
    const args = [{ siteinfo: siteInfo('Site A again', 'HTTPS://Site-A.example/moodle'), password: HUB_PASSWORD }];
    await expect(call('hub_register_site', args, publicToken)).rejects.toMatchObject({
      faultString: faultMessage('This site is already registered on this hub'),
    });
    expect(await errorcodeOf('hub_register_site', args, publicToken)).toBe('sitealreadyregistered');
    expect(await t.store.db.select().from(hubSites)).toHaveLength(1);
  });

  it('the site updates its information with its own token', async () => {
    const ok = await call(
      'hub_update_site_info',
      [{ siteinfo: siteInfo('Site A (renamed)', 'https://site-a.example/moodle', { countrycode: 'au', users: 400 }) }],
      siteA.token,
    );
    expect(ok).toBe(true);
    expect(
      (await t.store.db.select().from(hubSites).where(eq(hubSites.id, siteA.siteid)).limit(1)).at(0),
    ).toMatchObject({
      name: 'Site A (renamed)',
      country: 'AU',
      statUsers: 400,
      // Renamed: hidden until the hub administrator checks it (local_hub's register_site in update mode).
      visible: false,
    });
    expect((await admin.post(`/api/hub/sites/${siteA.siteid}/show`)).status).toBe(200);
    // The public token cannot do this: hub_update_site_info is not in the Public sites service.
    await expect(
      call('hub_update_site_info', [{ siteinfo: siteInfo('X', 'https://x.example') }], publicToken),
    ).rejects.toMatchObject({ faultCode: ACCESSEXCEPTION });
  });

  it('an untrusted site publishes hidden courses; once trusted, its next course is visible at once', async () => {
    const ids = await call<number[]>(
      'hub_register_courses',
      [{ courses: [course(1, 'Algebra'), course(2, 'Biology')] }],
      siteA.token,
    );
    expect(ids).toHaveLength(2);
    expect(await Promise.all(ids.map(async (id) => (await courseRow(id))?.visible))).toEqual([false, false]);
    expect(await courseRow(ids[0]!)).toMatchObject({
      siteId: siteA.siteid,
      fullname: 'Algebra',
      licence: 'cc-sa',
      audience: 'educators',
      enrollable: false,
      demoUrl: 'https://site.example/demo/1',
    });

    const trust = await admin.post(`/api/hub/sites/${siteA.siteid}/trust`);
    expect([trust.status, trust.body.trusted]).toEqual([200, true]);
    clock.advance(60);
    const [next] = await call<number[]>(
      'hub_register_courses',
      [
        {
          courses: [
            course(3, 'Chemistry', {
              enrollable: true,
              courseurl: 'https://site-a.example/moodle/course/view.php?id=3',
            }),
          ],
        },
      ],
      siteA.token,
    );
    expect((await courseRow(next!))?.visible).toBe(true);
    // What was published before the site was trusted still waits for review.
    expect((await courseRow(ids[0]!))?.visible).toBe(false);
  });

  it('refuses invalid course values with invalid_parameter_exception, publishing none of the call', async () => {
    const before = (await t.store.db.select().from(hubCourses)).length;
    await expect(
      call(
        'hub_register_courses',
        [{ courses: [course(4, 'Drama'), course(5, 'Ethics', { audience: 'parents' })] }],
        siteA.token,
      ),
    ).rejects.toMatchObject({
      faultCode: INVALIDPARAMETER,
      faultString: faultMessage('Invalid parameter value detected'),
    });
    await expect(
      call(
        'hub_register_courses',
        [{ courses: [course(6, 'Enrol me', { enrollable: true, demourl: undefined })] }],
        siteA.token,
      ),
    ).rejects.toMatchObject({ faultCode: INVALIDPARAMETER });
    expect(await t.store.db.select().from(hubCourses)).toHaveLength(before);
  });

  it("the daily maximum refuses the call that goes over it (local_hub's errormaxpublication), all or none", async () => {
    const set = await admin.patch(`/api/hub/sites/${siteA.siteid}`, { maxCoursesPerDay: 4 });
    expect(set.body.effectiveMaxCoursesPerDay).toBe(4);
    const args = [{ courses: [course(7, 'Geology'), course(8, 'History')] }];
    await expect(call('hub_register_courses', args, siteA.token)).rejects.toMatchObject({
      // lang/en/local_hub.php errormaxpublication (two spaces as local_hub has them); the time by
      // format_time(): the day's oldest publication was a minute before.
      faultString: faultMessage(
        'Sorry your site has published  more than 4 courses today. You will be able to publish in: 23 hours 59 mins.',
      ),
    });
    expect(await errorcodeOf('hub_register_courses', args, siteA.token)).toBe('errormaxpublication');
    expect(await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteA.siteid))).toHaveLength(3);
    // One more fits; publishing an enrollable course again updates it and does not count.
    expect(
      await call<number[]>('hub_register_courses', [{ courses: [course(7, 'Geology')] }], siteA.token),
    ).toHaveLength(1);
    const again = await call<number[]>(
      'hub_register_courses',
      [
        {
          courses: [
            course(3, 'Chemistry II', {
              enrollable: true,
              courseurl: 'https://site-a.example/moodle/course/view.php?id=3',
            }),
          ],
        },
      ],
      siteA.token,
    );
    expect((await courseRow(again[0]!))?.fullname).toBe('Chemistry II');
    expect(await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteA.siteid))).toHaveLength(4);
    await expect(
      call('hub_register_courses', [{ courses: [course(9, 'Italian')] }], siteA.token),
    ).rejects.toMatchObject({
      faultCode: ERRORMAXPUBLICATION,
    });
    // A day later the site may publish again.
    clock.advance(DAY + 60);
    admin = await signIn(t, 'admin'); // the console session timed out meanwhile
    expect(
      await call<number[]>('hub_register_courses', [{ courses: [course(9, 'Italian')] }], siteA.token),
    ).toHaveLength(1);
  });

  it('hub_get_courses: visible courses of visible sites, prioritised sites first; a site sees its own hidden ones on request', async () => {
    siteB = await call(
      'hub_register_site',
      [{ siteinfo: siteInfo('Site B', 'https://site-b.example'), password: HUB_PASSWORD }],
      publicToken,
    );
    // Visitors search a public hub only: the hub goes public for this test.
    expect((await admin.patch('/api/hub/settings', { privacy: 'public' })).status).toBe(200);
    expect((await admin.post(`/api/hub/sites/${siteB.siteid}/prioritise`)).body).toMatchObject({
      prioritised: true,
      trusted: true,
    });
    // Site B publishes first (so its course is the oldest), yet comes first: it is prioritised.
    clock.advance(-3600);
    const [bCourse] = await call<number[]>('hub_register_courses', [{ courses: [course(1, 'Zoology')] }], siteB.token);
    clock.advance(3600);

    type Found = { id: number; fullname: string; sitecourseid?: number; privacy?: number; publisheremail?: string };
    type Result = { courses: Found[]; coursetotal: number };
    // local_hub's answer: {courses, coursetotal}. The downloadable courses (Zoology, Italian,
    // Geology) have no backup yet: left out of the courses, still in the total (externallib.php).
    const found = await call<Result>('hub_get_courses', ['', true, true, {}], publicToken);
    expect(found.courses.map((c) => c.fullname)).toEqual(['Chemistry II']);
    expect(found.coursetotal).toBe(4);
    expect(found.courses[0]).not.toHaveProperty('sitecourseid');
    expect(found.courses[0]).not.toHaveProperty('publisheremail');
    expect(found.courses[0]).not.toHaveProperty('privacy');
    const downloadable = await call<Result>('hub_get_courses', ['', true, false, {}], publicToken);
    expect(downloadable).toEqual({ courses: [], coursetotal: 3 });
    // Neither kind: nothing (local_hub's enrollable = 4).
    expect(await call<Result>('hub_get_courses', ['', false, false, {}], publicToken)).toEqual({
      courses: [],
      coursetotal: 0,
    });

    const searched = await call<Result>('hub_get_courses', [{ search: 'chemistry' }], siteA.token);
    expect(searched.courses.map((c) => c.fullname)).toEqual(['Chemistry II']);
    // The site's own course comes with its site course id, publisher email and privacy (1: visible).
    expect(searched.courses[0]).toMatchObject({ sitecourseid: 3, publisheremail: 'pat@site.example', privacy: 1 });
    const own = await call<Result>('hub_get_courses', [{ options: { allsitecourses: 1 } }], siteA.token);
    expect(own.coursetotal).toBe(5);
    // Its own downloadable courses without a backup are left out of the list too.
    expect(own.courses.map((c) => c.fullname)).toEqual(['Chemistry II']);
    // The public token is no site: allsitecourses is ignored.
    const pub = await call<Result>('hub_get_courses', [{ options: { allsitecourses: 1 } }], publicToken);
    expect(pub).toEqual(found);
    expect(bCourse).toBeDefined();
    // Private again: the same search with the public token is refused.
    expect((await admin.patch('/api/hub/settings', { privacy: 'private' })).status).toBe(200);
    await expect(call('hub_get_courses', ['', true, true, {}], publicToken)).rejects.toMatchObject({
      faultCode: ACCESSEXCEPTION,
    });
  });

  it("hub_unregister_courses: only the site's own courses", async () => {
    const bCourse = (await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteB.siteid)).limit(1)).at(
      0,
    )!;
    const args = [{ courseids: [bCourse.id] }];
    // local_hub's unregister_course: another site's course refuses the call.
    await expect(call('hub_unregister_courses', args, siteA.token)).rejects.toMatchObject({
      faultString: faultMessage('You tried to unregister a course that another site published'),
    });
    expect(await errorcodeOf('hub_unregister_courses', args, siteA.token)).toBe('triedtounregisteracourseforwrongsite');
    expect(await courseRow(bCourse.id)).toMatchObject({ deleted: false });
    const own = await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteA.siteid));
    const algebra = own.find((c) => c.fullname === 'Algebra')!;
    // An id the hub does not know is ignored; the course is kept, marked deleted.
    expect(await call('hub_unregister_courses', [{ courseids: [algebra.id, 999_999] }], siteA.token)).toBe(1);
    expect(await courseRow(algebra.id)).toMatchObject({ deleted: true });
    const left = await call<{ coursetotal: number }>(
      'hub_get_courses',
      [{ options: { allsitecourses: 1 } }],
      siteA.token,
    );
    expect(left.coursetotal).toBe(4);
    // Unpublished already: ignored again.
    expect(await call('hub_unregister_courses', [{ courseids: [algebra.id] }], siteA.token)).toBe(1);
  });

  it('hub_unregister_site: the site is kept, marked deleted, with its courses; the token is then refused (invalidtoken)', async () => {
    const before = await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteA.siteid));
    expect(await call('hub_unregister_site', [{}], siteA.token)).toBe(1);
    expect(
      (await t.store.db.select().from(hubSites).where(eq(hubSites.id, siteA.siteid)).limit(1)).at(0),
    ).toMatchObject({
      deleted: true,
      visible: false,
      trusted: false,
    });
    expect(await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteA.siteid))).toEqual(before);
    await expect(call('hub_get_info', [{}], siteA.token)).rejects.toMatchObject({
      faultCode: INVALIDTOKEN,
      faultString: faultMessage('Invalid token - token not found'),
    });
    expect(await errorcodeOf('hub_get_info', [{}], siteA.token)).toBe('invalidtoken');
    // Site B is untouched.
    expect(await call('hub_get_info', [{}], siteB.token)).toMatchObject({
      sites: 1,
      courses: 1,
      enrollablecourses: 0,
      downloadablecourses: 1,
    });
  });
});

describe('what the hub needs from the site', () => {
  it('with the XML-RPC protocol off, the server refuses the call (HTTP 403, empty body)', async () => {
    await admin.patch('/api/settings', { webserviceprotocols: 'rest' });
    try {
      // The npm client does not look at the status: it finds no XML-RPC answer in the empty body.
      await expect(call('hub_get_info', [{}], siteB.token)).rejects.toThrow('Invalid XML-RPC message');
      const raw = await fetch(`${base}/webservice/xmlrpc/server.php?wstoken=${siteB.token}`, {
        method: 'POST',
        body: serializeMethodCall('hub_get_info', [{}]),
      });
      expect([raw.status, await raw.text()]).toEqual([403, '']);
    } finally {
      await admin.patch('/api/settings', { webserviceprotocols: 'xmlrpc' });
    }
    expect(await call('hub_get_info', [{}], siteB.token)).toMatchObject({ name: 'Test hub' });
  });

  it('a disabled hub: the public token is no longer published and its services refuse calls', async () => {
    await admin.patch('/api/hub/settings', { enabled: false });
    expect((await fetch(`${base}/local/hub/publictoken.php`)).status).toBe(404);
    await expect(call('hub_get_courses', [{}], publicToken)).rejects.toMatchObject({ faultCode: ACCESSEXCEPTION });
    expect(await errorcodeOf('hub_get_courses', [{}], siteB.token)).toBe('accessexception');
    await admin.patch('/api/hub/settings', { enabled: true });
    expect(await call('hub_get_info', [{}], siteB.token)).toMatchObject({ name: 'Test hub' });
  });
});
