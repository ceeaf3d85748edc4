import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Clock, makeClock, makeTestApp, serviceBody, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// The Overview's rules: a step is done only while what it asks for holds, the two checklists
// never contradict each other, and the warnings name what refuses calls (expired tokens still
// listed, tokens about to expire, authorised users past their Valid until, AMF enabled but not
// built). On an empty site (no demo data) with a clock the test moves.

const DAY = 86_400;
let t: TestApp;
let admin: Client;
let clock: Clock;
beforeAll(async () => {
  clock = makeClock(1_800_000_000);
  t = await makeTestApp({ demo: false, now: clock.now });
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterAll(() => t.close());

type Step = { title: string; done: boolean; status: string; link: string };
type Warning = { id: string; text: string; link: string; linkLabel: string; items: { text: string; link: string }[] };
const overview = async () => {
  const res = await admin.get('/api/overview');
  expect(res.status).toBe(200);
  return res.body as { checklists: { id: string; steps: Step[] }[]; warnings: Warning[] };
};
const step = async (list: 'system' | 'users', title: string) =>
  (await overview()).checklists.find((c) => c.id === list)!.steps.find((s) => s.title === title)!;
const warning = async (id: string) => (await overview()).warnings.find((w) => w.id === id);
/** Moves the clock on, and signs in again (the session would have ended). */
const later = async (seconds: number) => {
  clock.advance(seconds);
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
};
const protocols = (webserviceprotocols: string) =>
  t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols }, SYSTEM_ACTOR);

/** Checks the two lists agree: a step of both lists is the same step; "Add functions" needs "Select a service". */
function consistent(o: Awaited<ReturnType<typeof overview>>) {
  const [system, users] = o.checklists.map((c) => new Map(c.steps.map((s) => [s.title, s])));
  for (const [title, s] of users!) {
    if (title === 'Select a service' || title === 'Add functions') continue;
    if (system!.has(title)) expect(system!.get(title), title).toEqual(s);
  }
  for (const list of [system!, users!]) {
    if (list.get('Add functions')!.done) expect(list.get('Select a service')!.done).toBe(true);
  }
}

let userNo = 0;
const createUser = async () => {
  const res = await admin.post('/api/users', {
    username: `person${++userNo}`,
    firstname: 'Person',
    lastname: `Number ${userNo}`,
    email: `person${userNo}@example.com`,
    auth: 'manual',
    suspended: false,
    confirmed: true,
    passwordExpired: false,
    siteAdmin: false,
    password: 'Person-pass-1',
  });
  expect(res.status).toBe(201);
  return res.body.id as number;
};

describe('Enable protocols', () => {
  it('every enabled protocol counts, AMF among them', async () => {
    await protocols('amf');
    expect(await step('system', 'Enable protocols')).toMatchObject({ done: true, status: 'Enabled: amf' });
    await protocols('rest,amf');
    expect(await step('users', 'Enable protocols')).toMatchObject({ done: true, status: 'Enabled: rest, amf' });
    await protocols('');
    expect(await step('system', 'Enable protocols')).toMatchObject({ done: false, status: 'No protocol is enabled' });
    await protocols('rest');
    expect(await step('system', 'Enable protocols')).toMatchObject({ done: true, status: 'Enabled: rest' });
  });

  it("Check user capability counts the enabled protocols' use capabilities, AMF's among them", async () => {
    await protocols('rest');
    for (const [shortname, cap] of [
      ['soap_only', 'webservice/soap:use'],
      ['amf_only', 'webservice/amf:use'],
    ] as const) {
      const res = await admin.post('/api/roles', { shortname, name: shortname, capabilities: { [cap]: 'allow' } });
      expect(res.status).toBe(201);
    }
    expect(await step('system', 'Check user capability')).toMatchObject({
      done: false,
      status: 'No role allows webservice/rest:use',
    });
    await protocols('rest,amf');
    expect(await step('system', 'Check user capability')).toMatchObject({
      done: true,
      status: '1 role(s) allow the use capability of an enabled protocol',
    });
    await protocols('rest,soap,amf');
    expect(await step('system', 'Check user capability')).toMatchObject({
      done: true,
      status: '2 role(s) allow the use capability of an enabled protocol',
    });
    await protocols('');
    expect(await step('system', 'Check user capability')).toMatchObject({
      done: false,
      status: 'No protocol is enabled',
    });
    await protocols('rest');
  });
});

describe('services and functions: the lists agree', () => {
  it('"Add functions" of the users\' list counts only services open to all users', async () => {
    const restricted = await admin.post(
      '/api/services',
      serviceBody('Restricted sync', 'restricted_sync', { restrictedUsers: true }),
    );
    expect(restricted.status).toBe(201);
    await admin.post(`/api/services/${restricted.body.id}/functions`, { functions: ['core_webservice_get_site_info'] });
    const o = await overview();
    consistent(o);
    expect(await step('system', 'Add functions')).toMatchObject({ done: true });
    expect(await step('users', 'Select a service')).toMatchObject({
      done: false,
      status: 'No enabled service open to all users',
    });
    expect(await step('users', 'Add functions')).toMatchObject({
      done: false,
      status: 'No enabled service open to all users has functions yet',
    });
    const open = await admin.post('/api/services', serviceBody('Open sync', 'open_sync'));
    expect((await step('users', 'Add functions')).done).toBe(false);
    await admin.post(`/api/services/${open.body.id}/functions`, { functions: ['core_webservice_get_site_info'] });
    expect(await step('users', 'Add functions')).toMatchObject({
      done: true,
      status: '1 enabled service(s) open to all users with functions',
    });
    consistent(await overview());
  });
});

describe('Select a specific user: only authorisations that hold', () => {
  let serviceId: number;
  let userId: number;
  beforeAll(async () => {
    serviceId = (
      await admin.post('/api/services', serviceBody('Authorised sync', 'authorised_sync', { restrictedUsers: true }))
    ).body.id;
    userId = await createUser();
  });

  it('an authorised user whose Valid until has passed is not done, and is named in a warning with links', async () => {
    expect(await step('system', 'Select a specific user')).toMatchObject({ done: false, status: 'No authorised user' });
    expect((await admin.post(`/api/services/${serviceId}/users`, { userIds: [userId] })).status).toBe(201);
    const until = clock.t + 2 * DAY;
    expect((await admin.patch(`/api/services/${serviceId}/users/${userId}`, { validUntil: until })).status).toBe(200);
    expect(await step('system', 'Select a specific user')).toMatchObject({
      done: true,
      status: '1 authorised user(s)',
    });
    expect(await warning('authorisationsexpired')).toBeUndefined();

    await later(3 * DAY);
    const o = await overview();
    consistent(o);
    expect(await step('system', 'Select a specific user')).toMatchObject({
      done: false,
      status: 'No authorised user; 1 past their Valid until',
    });
    expect(await warning('authorisationsexpired')).toEqual({
      id: 'authorisationsexpired',
      text: '1 authorised user is past its Valid until: the service refuses its calls.',
      link: `/admin/webservice/services/${serviceId}/users`,
      linkLabel: 'Show the authorised users',
      items: [
        {
          text: `Person Number ${userNo} on Authorised sync`,
          link: `/admin/webservice/services/${serviceId}/users/${userId}`,
        },
      ],
    });

    // A new Valid until makes it hold again.
    expect(
      (await admin.patch(`/api/services/${serviceId}/users/${userId}`, { validUntil: clock.t + 30 * DAY })).status,
    ).toBe(200);
    expect((await step('system', 'Select a specific user')).done).toBe(true);
    expect(await warning('authorisationsexpired')).toBeUndefined();
  });

  it('an authorisation on a disabled service, or of a suspended user, does not count', async () => {
    expect((await admin.patch(`/api/services/${serviceId}`, { enabled: false })).status).toBe(200);
    expect((await step('system', 'Select a specific user')).done).toBe(false);
    expect((await admin.patch(`/api/services/${serviceId}`, { enabled: true })).status).toBe(200);
    expect((await step('system', 'Select a specific user')).done).toBe(true);
    expect((await admin.patch(`/api/users/${userId}`, { suspended: true })).status).toBe(200);
    expect((await step('system', 'Select a specific user')).done).toBe(false);
    expect((await admin.patch(`/api/users/${userId}`, { suspended: false })).status).toBe(200);
  });
});

describe('Create a token: only tokens not expired; the expiry warnings', () => {
  it('counts unexpired tokens, warns of those expiring within 7 days and of expired ones still listed', async () => {
    const serviceId = (await admin.post('/api/services', serviceBody('Token sync', 'token_sync'))).body.id;
    const userId = await createUser();
    expect(await step('system', 'Create a token for a user')).toMatchObject({ done: false, status: 'No token' });
    const res = await admin.post('/api/tokens', { userId, serviceId, validUntil: clock.t + 3 * DAY });
    expect(res.status).toBe(201);
    expect(await step('system', 'Create a token for a user')).toMatchObject({ done: true, status: '1 token(s)' });
    expect(await warning('tokensexpiring')).toEqual({
      id: 'tokensexpiring',
      text: '1 token expires within 7 days.',
      link: '/admin/webservice/tokens?expiringWithin=7',
      linkLabel: 'Show the tokens expiring soon',
      items: [],
    });
    expect(await warning('tokensexpired')).toBeUndefined();

    // A token valid for 30 days is not "expiring soon".
    expect((await admin.post('/api/tokens', { userId, serviceId, validUntil: clock.t + 30 * DAY })).status).toBe(201);
    expect((await warning('tokensexpiring'))?.text).toBe('1 token expires within 7 days.');

    await later(4 * DAY);
    expect(await step('system', 'Create a token for a user')).toMatchObject({
      done: true,
      status: '1 token(s); 1 expired',
    });
    expect(await warning('tokensexpiring')).toBeUndefined();
    expect(await warning('tokensexpired')).toEqual({
      id: 'tokensexpired',
      text: '1 expired token is still listed: it refuses every call. Delete it or give it a new Valid until.',
      link: '/admin/webservice/tokens?expired=true',
      linkLabel: 'Show the expired tokens',
      items: [],
    });

    await later(30 * DAY);
    expect(await step('system', 'Create a token for a user')).toMatchObject({
      done: false,
      status: 'No token; 2 expired',
    });
    expect((await warning('tokensexpired'))?.text).toBe(
      '2 expired tokens are still listed: they refuse every call. Delete them or give them a new Valid until.',
    );
    consistent(await overview());
  });
});
