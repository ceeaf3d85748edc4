import { CSRF_HEADER } from '@gatehouse/shared';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, externalServices, externalTokens, users } from '../db/schema';
import { type Actor, SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import {
  addAuthorisedUsers,
  addServiceFunctions,
  createService,
  updateAuthorisedUser,
} from '../features/services/services.service';
import { hashToken } from '../features/tokens/token-secret';
import { createAdminToken } from '../features/tokens/tokens.service';
import { createUser, deleteUser } from '../features/users/users.service';
import { hashPassword } from '../lib/password';
import { ADMIN_PASSWORD, DEMO_PASSWORD, makeTestApp, restCall, serviceBody, type TestApp } from '../test/helpers';
import { MAX_LOGIN_TOKENS } from './login-token';

// POST /login/token.php: Moodle's token endpoint, its answers and its checks in Moodle's order.

const now = () => Math.floor(Date.now() / 1000);
const TOKEN = /^gwt[0-9A-Za-z]{49}$/;

let t: TestApp;
let actor: Actor;
const sid: Record<string, number> = {};
let ipCounter = 0;
/** Every attempt from its own network (IPv4 /24), so that the failed-login limits never get in the way. */
const nextIp = () => `10.${77 + Math.floor(ipCounter / 250)}.${ipCounter++ % 250}.1`;

interface LoginResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, asserted field by field
  body: any;
  text: string;
}

async function login(
  params: Record<string, string>,
  opts: { ip?: string; as?: 'form' | 'json' | 'get' } = {},
): Promise<LoginResponse> {
  const env = { incoming: { socket: { remoteAddress: opts.ip ?? nextIp() } } };
  const as = opts.as ?? 'form';
  const res =
    as === 'get'
      ? await t.app.request(`/login/token.php?${new URLSearchParams(params)}`, { method: 'GET' }, env)
      : await t.app.request(
          '/login/token.php',
          as === 'json'
            ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }
            : {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams(params).toString(),
              },
          env,
        );
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
}

const as = (
  username: string,
  service = 'login_svc',
  password = username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD,
) => ({
  username,
  password,
  service,
});

/**
 * Moodle's refusal (core_renderer_ajax::fatal_error): HTTP 200, {"error", "errorcode",
 * "stacktrace", "debuginfo", "reproductionlink"} in that order, the last three null when
 * debugging is not at developer level.
 */
function expectRefused(res: LoginResponse, errorcode: string) {
  expect(res.body.errorcode, res.text).toBe(errorcode);
  expect(res.status).toBe(200);
  expect(Object.keys(res.body)).toEqual(['error', 'errorcode', 'stacktrace', 'debuginfo', 'reproductionlink']);
  expect(res.body).toMatchObject({ stacktrace: null, debuginfo: null, reproductionlink: null });
  expect(typeof res.body.error).toBe('string');
  expect(res.body.error.length).toBeGreaterThan(5);
}

function expectToken(res: LoginResponse): string {
  expect(res.status, res.text).toBe(200);
  expect(res.body).toEqual({ token: expect.stringMatching(TOKEN), privatetoken: null });
  return res.body.token;
}

const rowOf = async (token: string) =>
  (
    await t.store.db
      .select()
      .from(externalTokens)
      .where(eq(externalTokens.tokenHash, hashToken(t.deps.tokenSecret, token)))
      .limit(1)
  ).at(0);

async function mkService(shortname: string, extra: Record<string, unknown> = {}) {
  const s = await createService(
    t.deps,
    serviceBody(`Service ${shortname}`, shortname, extra) as Parameters<typeof createService>[1],
    actor,
  );
  await addServiceFunctions(t.deps, s.id, ['core_webservice_get_site_info'], actor);
  sid[shortname] = s.id;
  return s.id;
}

async function setMobile(enabled: boolean) {
  await t.store.db.update(externalServices).set({ enabled }).where(eq(externalServices.shortname, 'moodle_mobile_app'));
  t.deps.gen.bump();
}

beforeAll(async () => {
  t = await makeTestApp();
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  const role = await createRole(
    t.deps,
    {
      shortname: 'wsmaker',
      name: 'Token maker',
      capabilities: { 'moodle/webservice:createtoken': 'allow', 'webservice/rest:use': 'allow' },
    },
    actor,
  );
  for (const u of ['student', 'student2']) await assignRole(t.deps, role.id, await t.userId(u), actor);
  const student = await t.userId('student');
  await mkService('login_svc');
  await mkService('off_svc', { enabled: false });
  await mkService('cap_svc', { requiredCapability: 'moodle/course:create' });
  await mkService('restricted_svc', { restrictedUsers: true });
  await mkService('timed_svc', { restrictedUsers: true });
  await mkService('ip_svc', { restrictedUsers: true });
  await mkService('protected_svc');
  await t.store.db.update(externalServices).set({ protected: true }).where(eq(externalServices.id, sid.protected_svc!));
  await addAuthorisedUsers(t.deps, sid.timed_svc!, [student], actor);
  await updateAuthorisedUser(t.deps, sid.timed_svc!, student, { validUntil: now() - 60 }, actor);
  await addAuthorisedUsers(t.deps, sid.ip_svc!, [student], actor);
  await updateAuthorisedUser(t.deps, sid.ip_svc!, student, { ipRestriction: '192.0.2.0/24, 2001:db8::/32' }, actor);
  // The guest account has an unusable password; give it one to reach the guest check.
  await t.store.db
    .update(users)
    .set({ passwordHash: await hashPassword('Guest-pass-1') })
    .where(eq(users.username, 'guest'));
  const gone = await createUser(
    t.deps,
    {
      username: 'gone',
      firstname: 'Gone',
      lastname: 'User',
      email: 'gone@example.org',
      auth: 'manual',
      suspended: false,
      confirmed: true,
      passwordExpired: false,
      siteAdmin: false,
      password: DEMO_PASSWORD,
    },
    actor,
    true,
  );
  await deleteUser(t.deps, gone.id, actor);
});
afterAll(() => t?.close());

beforeEach(async () => {
  await t.deps.settings.apply(
    {
      enablewebservices: '1',
      webserviceprotocols: 'rest',
      maintenance_enabled: '0',
      tokenduration: String(12 * 7 * 86400),
    },
    SYSTEM_ACTOR,
  );
});

describe('success', () => {
  it('form-encoded POST: {token, privatetoken: null}; the token works over REST', async () => {
    const token = expectToken(await login(as('student')));
    const info = await restCall(t, token, 'core_webservice_get_site_info');
    expect(info.body).toMatchObject({ username: 'student', userid: await t.userId('student') });
    const row = (await rowOf(token))!;
    expect(row).toMatchObject({
      userId: await t.userId('student'),
      serviceId: sid.login_svc,
      origin: 'login',
      creatorId: await t.userId('student'),
      hidden: false,
    });
    expect(row.name).toMatch(/^login_svc login \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(
      await t.store.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'token.login'), eq(auditLog.targetId, String(row.id)))),
    ).toHaveLength(1);
  });

  it('JSON body', async () => {
    const token = expectToken(await login(as('student'), { as: 'json' }));
    expect((await restCall(t, token, 'core_webservice_get_site_info')).body.username).toBe('student');
  });

  it('GET with the query string (and the username in any case)', async () => {
    const token = expectToken(await login({ ...as('student'), username: 'Student' }, { as: 'get' }));
    expect((await rowOf(token))?.userId).toBe(await t.userId('student'));
  });

  it('tokens made here expire after the tokenduration setting', async () => {
    await t.deps.settings.apply({ tokenduration: '3600' }, SYSTEM_ACTOR);
    const before = now();
    const token = expectToken(await login(as('student')));
    const row = (await rowOf(token))!;
    expect(row.validUntil).toBeGreaterThanOrEqual(before + 3600);
    expect(row.validUntil).toBeLessThanOrEqual(now() + 3600 + 1);
    await t.deps.settings.apply({ tokenduration: String(12 * 7 * 86400) }, SYSTEM_ACTOR);
    const later = (await rowOf(expectToken(await login(as('student')))))!;
    expect(later.validUntil! - now()).toBeGreaterThan(12 * 7 * 86400 - 5);
  });
});

describe('refusals, in Moodle order', () => {
  it('web services disabled: enablewsdescription (checked before the credentials)', async () => {
    await t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
    expectRefused(await login(as('student')), 'enablewsdescription');
    expectRefused(await login(as('student', 'login_svc', 'wrong-password')), 'enablewsdescription');
  });

  it.each([
    ['username', { password: DEMO_PASSWORD, service: 'login_svc' }],
    ['password', { username: 'student', service: 'login_svc' }],
    ['service', { username: 'student', password: DEMO_PASSWORD }],
  ])('missing %s: missingparam', async (_label, params) => {
    expectRefused(await login(params as Record<string, string>), 'missingparam');
  });

  it.each([
    ['a wrong password', as('student', 'login_svc', 'Wrong-pass-1')],
    ['an unknown user', as('nobody-here')],
    ['a deleted user', as('gone')],
    ['a suspended user', as('suspended')],
    ['a nologin user', as('nologin')],
    ['a web-service-auth user', as('wsclient')],
  ])('%s: invalidlogin', async (_label, params) => {
    const before = (await t.store.db.select().from(externalTokens)).length;
    const res = await login(params);
    expectRefused(res, 'invalidlogin');
    // One answer for every case: nothing tells an unknown user from a wrong password.
    expect(res.body.error).toBe('Invalid login, please try again');
    expect((await t.store.db.select().from(externalTokens)).length).toBe(before);
  });

  it('maintenance mode: sitemaintenance, unless the user has moodle/site:maintenanceaccess', async () => {
    await t.deps.settings.apply({ maintenance_enabled: '1' }, SYSTEM_ACTOR);
    expectRefused(await login(as('student')), 'sitemaintenance');
    // Maintenance comes before the unconfirmed check.
    expectRefused(await login(as('unconfirmed')), 'sitemaintenance');
    // The manager holds maintenance access (and createtoken).
    expectToken(await login(as('manager')));
  });

  it('guest: noguest', async () => {
    expectRefused(await login({ username: 'guest', password: 'Guest-pass-1', service: 'login_svc' }), 'noguest');
  });

  it('unconfirmed: usernotconfirmed', async () => {
    expectRefused(await login(as('unconfirmed')), 'usernotconfirmed');
  });

  it('password expired: passwordisexpired (before the service is looked at)', async () => {
    expectRefused(await login(as('expired')), 'passwordisexpired');
    expectRefused(await login(as('expired', 'no_such_service')), 'passwordisexpired');
  });

  it.each([
    ['does not exist', 'no_such_service'],
    ['is disabled', 'off_svc'],
    ['is protected', 'protected_svc'],
    ['is the mobile service while it is disabled', 'moodle_mobile_app'],
  ])('a service that %s: servicenotavailable', async (_label, service) => {
    expectRefused(await login(as('student', service)), 'servicenotavailable');
  });

  it('service required capability: missingrequiredcapability', async () => {
    expectRefused(await login(as('student', 'cap_svc')), 'missingrequiredcapability');
    // The manager holds moodle/course:create.
    expectToken(await login(as('manager', 'cap_svc')));
  });

  it('restricted service, user not authorised: usernotallowed', async () => {
    expectRefused(await login(as('student', 'restricted_svc')), 'usernotallowed');
  });

  it('restricted service, authorisation expired: invalidtimedtoken', async () => {
    expectRefused(await login(as('student', 'timed_svc')), 'invalidtimedtoken');
  });

  it('restricted service, authorisation IP restriction: invalidiptoken from elsewhere, a token from inside', async () => {
    expectRefused(await login(as('student', 'ip_svc'), { ip: '10.0.0.5' }), 'invalidiptoken');
    expectRefused(await login(as('student', 'ip_svc'), { ip: '2001:db9::1' }), 'invalidiptoken');
    expectToken(await login(as('student', 'ip_svc'), { ip: '192.0.2.7' }));
    expectToken(await login(as('student', 'ip_svc'), { ip: '2001:db8::42' }));
    // A dual-stack server sees IPv4 clients as IPv4-mapped IPv6 addresses.
    expectToken(await login(as('student', 'ip_svc'), { ip: '::ffff:192.0.2.9' }));
    expectRefused(await login(as('student', 'ip_svc'), { ip: '::ffff:10.0.0.5' }), 'invalidiptoken');
  });

  it('no createtoken: cannotcreatetoken', async () => {
    expectRefused(await login(as('teacher')), 'cannotcreatetoken');
  });

  it('a site administrator is refused a non-mobile service even though they pass every capability check', async () => {
    expectRefused(await login(as('admin')), 'cannotcreatetoken');
    expect(
      await t.store.db
        .select()
        .from(externalTokens)
        .where(eq(externalTokens.userId, await t.userId('admin'))),
    ).toEqual([]);
  });
});

describe('the mobile service', () => {
  beforeAll(() => setMobile(true));
  afterAll(() => setMobile(false));

  it('any authenticated user gets a token once it is enabled (createmobiletoken is on Authenticated user)', async () => {
    const token = expectToken(await login(as('teacher', 'moodle_mobile_app')));
    const row = (await rowOf(token))!;
    const mobile = (
      await t.store.db
        .select()
        .from(externalServices)
        .where(eq(externalServices.shortname, 'moodle_mobile_app'))
        .limit(1)
    ).at(0)!;
    expect(row).toMatchObject({ userId: await t.userId('teacher'), serviceId: mobile.id, origin: 'login' });
  });

  it('including the site administrator', async () => {
    const token = expectToken(await login(as('admin', 'moodle_mobile_app')));
    expect((await rowOf(token))?.userId).toBe(await t.userId('admin'));
  });

  it('but not a user whose createmobiletoken is prohibited', async () => {
    const role = await createRole(
      t.deps,
      { shortname: 'nomobile', name: 'No mobile', capabilities: { 'moodle/webservice:createmobiletoken': 'prohibit' } },
      actor,
    );
    await assignRole(t.deps, role.id, await t.userId('teacher'), actor);
    expectRefused(await login(as('teacher', 'moodle_mobile_app')), 'cannotcreatetoken');
  });
});

describe('limits', () => {
  it('after 5 failed logins for a username from one address: 429 with Retry-After and toomanyattempts there, even with the right password', async () => {
    const ip = '10.98.0.1';
    for (let i = 0; i < 5; i++)
      expectRefused(await login(as('student2', 'login_svc', `Wrong-pass-${i}`), { ip }), 'invalidlogin');
    const res = await login(as('student2'), { ip });
    expect(res.status).toBe(429);
    expect(res.body.errorcode).toBe('toomanyattempts');
    expect(Object.keys(res.body)).toEqual(['error', 'errorcode', 'stacktrace', 'debuginfo', 'reproductionlink']);
    const retry = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retry)).toBe(true);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    // Per username: someone else is not held up.
    expectToken(await login(as('student'), { ip }));
    expect(
      await t.store.db
        .select()
        .from(externalTokens)
        .where(eq(externalTokens.userId, await t.userId('student2'))),
    ).toEqual([]);
    // Per address: the user from elsewhere is not held up either.
    expectToken(await login(as('student2'), { ip: '10.98.1.1' }));
  });

  it('shares its counts with the console login: 3 failures there and 2 here lock the address out of both', async () => {
    const ip = '10.97.0.1';
    const env = { incoming: { socket: { remoteAddress: ip } } };
    const consoleLogin = (password: string) =>
      t.app.request(
        '/api/auth/login',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
          body: JSON.stringify({ username: 'teacher', password }),
        },
        env,
      );
    for (let i = 0; i < 3; i++) expect((await consoleLogin(`Wrong-pass-${i}`)).status).toBe(401);
    for (let i = 0; i < 2; i++)
      expectRefused(await login(as('teacher', 'login_svc', `Wrong-pass-${i}`), { ip }), 'invalidlogin');
    expect((await login(as('teacher'), { ip })).status).toBe(429);
    expect((await consoleLogin(DEMO_PASSWORD)).status).toBe(429);
  });

  it('after 30 failed logins from one network (any usernames): 429 for its addresses, even with the right password', async () => {
    const ip = '10.99.0.1';
    for (let i = 0; i < 30; i++) expectRefused(await login(as(`nobody${i}`), { ip }), 'invalidlogin');
    const res = await login(as('student'), { ip });
    expect(res.status).toBe(429);
    expect(res.body.errorcode).toBe('toomanyattempts');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Its neighbours (the /24) are held up too; another network is not.
    expect((await login(as('student'), { ip: '10.99.0.2' })).status).toBe(429);
    expectToken(await login(as('student'), { ip: '10.99.1.2' }));
  });

  it(`keeps at most ${MAX_LOGIN_TOKENS} login tokens per user and service (the newest), and leaves other tokens alone`, async () => {
    expect(MAX_LOGIN_TOKENS).toBe(20);
    const student = await t.userId('student');
    const adminMade = await createAdminToken(t.deps, { userId: student, serviceId: sid.login_svc! }, actor, true);
    const elsewhere = expectToken(await login(as('student', 'ip_svc'), { ip: '192.0.2.8' }));
    const tokens: string[] = [];
    for (let i = 0; i < 22; i++) tokens.push(expectToken(await login(as('student'))));
    const logins = await t.store.db
      .select()
      .from(externalTokens)
      .where(
        and(
          eq(externalTokens.userId, student),
          eq(externalTokens.serviceId, sid.login_svc!),
          eq(externalTokens.origin, 'login'),
        ),
      )
      .orderBy(desc(externalTokens.id));
    expect(logins).toHaveLength(20);
    expect(logins.map((r) => r.tokenHash)).toEqual(
      tokens
        .slice(2)
        .reverse()
        .map((s) => hashToken(t.deps.tokenSecret, s)),
    );
    expect(await rowOf(tokens[0]!)).toBeUndefined();
    expect((await restCall(t, tokens[0]!, 'core_webservice_get_site_info')).body.errorcode).toBe('invalidtoken');
    expect((await restCall(t, tokens[21]!, 'core_webservice_get_site_info')).body.username).toBe('student');
    expect(
      (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, adminMade.token.id)).limit(1)).at(0),
    ).toBeDefined();
    expect(await rowOf(elsewhere)).toBeDefined();
  });
});
