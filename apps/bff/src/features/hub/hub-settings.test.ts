import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditLog,
  config,
  externalServiceFunctions,
  externalServices,
  externalTokens,
  hubCourses,
  hubSites,
  roleAssignments,
  roles,
  users,
} from '../../db/schema';
import { verifyPassword } from '../../lib/password';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { hashToken } from '../tokens/token-secret';
import { HUB_PASSWORD_KEY, HUB_PUBLIC_TOKEN_KEY } from './hub-config';

// Site administration > Hub > Settings through the console API, and what enabling the hub
// creates (the seed's roles, users and services, all protected) and disabling it keeps.

let t: TestApp;
let admin: Client;
let manager: Client;

beforeAll(async () => {
  // No demo hub data here: this file counts what enabling creates.
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
});
afterAll(() => t?.close());

const hubRoles = async () => await t.store.db.select().from(roles).where(eq(roles.protected, true));
const hubUsers = async () => await t.store.db.select().from(users).where(eq(users.protected, true));
const hubServices = async () =>
  await t.store.db.select().from(externalServices).where(eq(externalServices.component, 'local_hub'));
const hubTokens = async () => await t.store.db.select().from(externalTokens).where(eq(externalTokens.origin, 'hub'));
const configValue = async (name: string) =>
  (await t.store.db.select().from(config).where(eq(config.name, name)).limit(1)).at(0)?.value;
const audit = async (action: string) => await t.store.db.select().from(auditLog).where(eq(auditLog.action, action));
/** The hub here is private: its public token goes only to a site that sends the hub password. */
const fetchPublicToken = () =>
  t.client().post('/local/hub/publictoken.php', { password: 'Hub-secret-1' }, { csrf: false });

describe('hub settings', () => {
  it('GET answers the defaults: disabled, private, no password, and what the hub needs', async () => {
    const res = await admin.get('/api/hub/settings');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Gatehouse hub',
      description: '',
      enabled: false,
      privacy: 'private',
      passwordSet: false,
      language: 'en',
      contactName: '',
      contactEmail: '',
      maxCoursesPerDay: 20,
      maxWsCourseResult: 25,
      checks: { webservices: false, xmlrpc: false },
      counts: { sites: 0, courses: 0 },
    });
    expect(res.body.publicTokenUrl).toMatch(/\/local\/hub\/publictoken\.php$/);
    expect(res.body).not.toHaveProperty('password');
  });

  it('saves the plain settings in the config table, each change audited', async () => {
    const res = await admin.patch('/api/hub/settings', {
      name: 'Science hub',
      description: 'Courses in the sciences',
      language: 'FR',
      contactName: 'Hub Admin',
      contactEmail: 'hub@example.org',
      maxCoursesPerDay: 3,
      privacy: 'public',
    });
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({
      name: 'Science hub',
      language: 'fr',
      contactEmail: 'hub@example.org',
      maxCoursesPerDay: 3,
      privacy: 'public',
      enabled: false,
    });
    expect(res.body.created).toEqual({ roles: 0, users: 0, services: 0, tokens: 0 });
    expect(await configValue('hub_name')).toBe('Science hub');
    expect(await configValue('hub_maxcoursesperday')).toBe('3');
    const rows = await audit('hub.config');
    expect(rows.map((r) => r.targetId).sort()).toEqual(
      [
        'hub_contactemail',
        'hub_contactname',
        'hub_description',
        'hub_language',
        'hub_maxcoursesperday',
        'hub_name',
        'hub_privacy',
      ].sort(),
    );
    expect(rows.find((r) => r.targetId === 'hub_name')?.summary).toBe(
      'Changed the hub name from "Gatehouse hub" to "Science hub"',
    );
    // The hub's settings are not site settings: /api/settings does not show them.
    expect(Object.keys((await admin.get('/api/settings')).body).some((k) => k.startsWith('hub_'))).toBe(false);
  });

  it('refuses invalid values with the field named, and changes nothing', async () => {
    for (const [body, field] of [
      [{ privacy: 'secret' }, 'privacy'],
      [{ contactEmail: 'not-an-email' }, 'contactEmail'],
      [{ name: '' }, 'name'],
      [{ maxCoursesPerDay: -1 }, 'maxCoursesPerDay'],
      [{ language: 'English!' }, 'language'],
      [{ surprise: 1 }, 'surprise'],
    ] as const) {
      const res = await admin.patch('/api/hub/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res).fields).toHaveProperty(field);
    }
    expect(await configValue('hub_name')).toBe('Science hub');
  });

  it('a private hub cannot be enabled without a password (400 on the password field)', async () => {
    const res = await admin.patch('/api/hub/settings', { privacy: 'private', enabled: true });
    expect(res.status).toBe(400);
    expect(errorOf(res).fields?.password).toMatch(/private hub needs a password/);
    expect(await configValue('hub_enabled')).toBeUndefined();
    expect(await hubRoles()).toEqual([]);
  });

  it('the password is write-only: stored as an argon2 hash, never returned, the GET says it is set', async () => {
    const res = await admin.patch('/api/hub/settings', { password: 'Hub-secret-1' });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('Hub-secret-1');
    expect(res.body.settings.passwordSet).toBe(true);
    const hash = (await configValue(HUB_PASSWORD_KEY))!;
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'Hub-secret-1')).toBe(true);
    const get = await admin.get('/api/hub/settings');
    expect(get.body.passwordSet).toBe(true);
    expect(get.text).not.toContain(hash);
    expect((await audit('hub.config')).some((r) => r.summary === 'Set a new hub password')).toBe(true);
    expect(JSON.stringify(await audit('hub.config'))).not.toContain('Hub-secret-1');
  });
});

describe('enabling the hub', () => {
  it('creates exactly 3 protected roles, 2 protected users, 3 protected services and 2 hidden tokens', async () => {
    const res = await admin.patch('/api/hub/settings', { enabled: true, privacy: 'private' });
    expect(res.status).toBe(200);
    expect(res.body.created).toEqual({ roles: 3, users: 2, services: 3, tokens: 2 });
    expect(res.body.settings.enabled).toBe(true);

    expect((await hubRoles()).map((r) => r.name).sort()).toEqual(['Hub directory', 'Public sites', 'Registered sites']);
    const u = await hubUsers();
    expect(u.map((x) => x.username).sort()).toEqual(['hub_directory', 'hub_public']);
    for (const x of u) expect(x).toMatchObject({ auth: 'webservice', protected: true, deleted: false });
    const s = await hubServices();
    expect(s.map((x) => x.name).sort()).toEqual(['Hub directory', 'Public sites', 'Registered sites']);
    for (const x of s) expect(x).toMatchObject({ protected: true, enabled: true, component: 'local_hub' });

    const fns = async (shortname: string) =>
      (
        await t.store.db
          .select({ n: externalServiceFunctions.functionName })
          .from(externalServiceFunctions)
          .innerJoin(externalServices, eq(externalServices.id, externalServiceFunctions.serviceId))
          .where(eq(externalServices.shortname, shortname))
      )
        .map((r) => r.n)
        .sort();
    expect(await fns('hub_directory')).toEqual(['hub_get_info']);
    expect(await fns('hub_public_sites')).toEqual(['hub_get_courses', 'hub_get_info', 'hub_register_site']);
    expect(await fns('hub_registered_sites')).toEqual([
      'hub_get_courses',
      'hub_get_info',
      'hub_register_courses',
      'hub_unregister_courses',
      'hub_unregister_site',
      'hub_update_site_info',
    ]);

    const tokens = await hubTokens();
    expect(tokens).toHaveLength(2);
    for (const x of tokens) expect(x).toMatchObject({ hidden: true, origin: 'hub', validUntil: null });

    // Each hub user holds its role and the protocol capabilities it needs.
    const pub = u.find((x) => x.username === 'hub_public')!;
    const assigned = await t.store.db
      .select({ shortname: roles.shortname })
      .from(roleAssignments)
      .innerJoin(roles, eq(roles.id, roleAssignments.roleId))
      .where(eq(roleAssignments.userId, pub.id));
    expect(assigned.map((r) => r.shortname)).toEqual(['hubpublicsite']);
    for (const cap of ['webservice/xmlrpc:use', 'webservice/rest:use', 'local/hub:view', 'local/hub:updateinfo']) {
      expect(t.deps.authz.has(pub, cap), cap).toBe(true);
    }
    expect(t.deps.authz.has(pub, 'local/hub:manage')).toBe(false);
    expect(await audit('hub.enable')).toHaveLength(1);
  });

  it('stores only the public token in the clear (it is published); the directory token is hash-only', async () => {
    const secret = (await configValue(HUB_PUBLIC_TOKEN_KEY))!;
    expect(secret).toMatch(/^gwt/);
    const pub = (await hubTokens()).find((x) => x.tokenHash === hashToken(t.deps.tokenSecret, secret));
    expect(pub).toBeDefined();
    const stored = await t.store.db.select().from(config).where(like(config.name, 'hub%'));
    // No other token secret anywhere in the config table.
    expect(stored.filter((r) => r.value.startsWith('gwt'))).toHaveLength(1);
  });

  it('publishes the public token at /local/hub/publictoken.php while the hub is enabled (private: to the password)', async () => {
    const get = await t.client().get('/local/hub/publictoken.php');
    expect([get.status, errorOf(get).code]).toEqual([403, 'hubprivate']);
    const res = await fetchPublicToken();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: await configValue(HUB_PUBLIC_TOKEN_KEY) });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('enabling again creates nothing new and keeps the same public token', async () => {
    const before = await configValue(HUB_PUBLIC_TOKEN_KEY);
    const ids = (await hubTokens()).map((x) => x.id);
    const res = await admin.patch('/api/hub/settings', { enabled: true });
    expect(res.status).toBe(200);
    expect(res.body.created).toEqual({ roles: 0, users: 0, services: 0, tokens: 0 });
    expect(await hubRoles()).toHaveLength(3);
    expect(await hubUsers()).toHaveLength(2);
    expect(await hubServices()).toHaveLength(3);
    expect((await hubTokens()).map((x) => x.id)).toEqual(ids);
    expect(await configValue(HUB_PUBLIC_TOKEN_KEY)).toBe(before);
  });

  it('a private hub keeps its password: removing it while enabled is refused', async () => {
    const res = await admin.patch('/api/hub/settings', { password: null });
    expect(res.status).toBe(400);
    expect(await configValue(HUB_PASSWORD_KEY)).toBeDefined();
  });

  it('disabling turns the hub services off, keeps everything else, and hides the public token', async () => {
    await t.store.db
      .insert(hubSites)
      .values({ name: 'Kept', url: 'https://kept.example', timeRegistered: 1, timeModified: 1 });
    const res = await admin.patch('/api/hub/settings', { enabled: false });
    expect(res.status).toBe(200);
    expect((await hubServices()).map((s) => s.enabled)).toEqual([false, false, false]);
    expect(await hubRoles()).toHaveLength(3);
    expect(await hubUsers()).toHaveLength(2);
    expect(await hubTokens()).toHaveLength(2);
    expect(await t.store.db.select().from(hubSites)).toHaveLength(1);
    expect(await audit('hub.disable')).toHaveLength(1);
    const pt = await t.client().get('/local/hub/publictoken.php');
    expect([pt.status, errorOf(pt).code]).toEqual([404, 'hubdisabled']);
  });

  it('enabling again re-enables the services, still creating nothing', async () => {
    const res = await admin.patch('/api/hub/settings', { enabled: true });
    expect(res.body.created).toEqual({ roles: 0, users: 0, services: 0, tokens: 0 });
    expect((await hubServices()).map((s) => s.enabled)).toEqual([true, true, true]);
    expect((await fetchPublicToken()).status).toBe(200);
  });

  it('a lost public token is replaced by a new one on the next enable', async () => {
    const old = (await configValue(HUB_PUBLIC_TOKEN_KEY))!;
    await t.store.db.delete(config).where(eq(config.name, HUB_PUBLIC_TOKEN_KEY));
    expect((await fetchPublicToken()).status).toBe(503);
    const res = await admin.patch('/api/hub/settings', { enabled: true });
    expect(res.body.created).toEqual({ roles: 0, users: 0, services: 0, tokens: 1 });
    const fresh = (await configValue(HUB_PUBLIC_TOKEN_KEY))!;
    expect(fresh).not.toBe(old);
    expect(await hubTokens()).toHaveLength(2);
    expect((await hubTokens()).some((x) => x.tokenHash === hashToken(t.deps.tokenSecret, old))).toBe(false);
  });
});

describe('who may change the hub', () => {
  it('a manager (no local/hub:manage) gets 403 and an anonymous visitor 401 on every admin route', async () => {
    const anon = t.client();
    for (const [method, path] of [
      ['GET', '/api/hub/settings'],
      ['PATCH', '/api/hub/settings'],
      ['GET', '/api/hub/sites'],
      ['GET', '/api/hub/sites/1'],
      ['PATCH', '/api/hub/sites/1'],
      ['POST', '/api/hub/sites/1/trust'],
      ['DELETE', '/api/hub/sites/1'],
      ['GET', '/api/hub/outbox'],
      ['GET', '/api/hub/courses'],
      ['GET', '/api/hub/courses/1'],
      ['PATCH', '/api/hub/courses/1'],
      ['POST', '/api/hub/courses/1/show'],
      ['DELETE', '/api/hub/courses/1'],
      ['POST', '/api/hub/courses/bulk'],
    ] as const) {
      const body = method === 'GET' || method === 'DELETE' ? {} : { json: {} };
      expect((await manager.request(method, path, body)).status, `${method} ${path}`).toBe(403);
      expect((await anon.request(method, path, body)).status, `${method} ${path}`).toBe(401);
    }
    expect(await configValue('hub_enabled')).toBe('1');
  });
});

describe('name clashes', () => {
  it('a role of the same name made by an administrator stops the enable (409), and nothing is created', async () => {
    const d = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
    try {
      const a = await signIn(d, 'admin');
      expect((await a.post('/api/roles', { shortname: 'mine', name: 'Registered sites' })).status).toBe(201);
      const res = await a.patch('/api/hub/settings', { enabled: true, privacy: 'public' });
      expect([res.status, errorOf(res).message]).toEqual([
        409,
        'The hub cannot be enabled: a role named "Registered sites" already exists. Rename it first.',
      ]);
      expect(await d.store.db.select().from(roles).where(eq(roles.protected, true))).toEqual([]);
      expect(
        await d.store.db.select().from(externalServices).where(eq(externalServices.component, 'local_hub')),
      ).toEqual([]);
      expect(
        (await d.store.db.select().from(config).where(eq(config.name, 'hub_enabled')).limit(1)).at(0),
      ).toBeUndefined();
    } finally {
      await d.close();
    }
  });
});

describe('demo data', () => {
  it('is seeded when the hub is first enabled with GATEHOUSE_SEED_DEMO=1, and only while there are no sites', async () => {
    const d = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '1' } });
    try {
      const a = await signIn(d, 'admin');
      const res = await a.patch('/api/hub/settings', { enabled: true, privacy: 'public' });
      expect(res.status).toBe(200);
      const sites = await d.store.db.select().from(hubSites);
      expect(sites.length).toBeGreaterThanOrEqual(3);
      expect(sites.some((s) => s.prioritised && s.trusted)).toBe(true);
      expect(sites.some((s) => s.trusted && !s.prioritised)).toBe(true);
      expect(sites.some((s) => !s.trusted)).toBe(true);
      const courses = await d.store.db.select().from(hubCourses);
      expect(courses.some((c) => c.visible)).toBe(true);
      expect(courses.some((c) => !c.visible)).toBe(true);
      expect(courses.some((c) => c.enrollable)).toBe(true);
      expect(courses.some((c) => !c.enrollable)).toBe(true);
      // Off and on again: nothing seeded twice.
      await a.patch('/api/hub/settings', { enabled: false });
      await a.patch('/api/hub/settings', { enabled: true });
      expect(await d.store.db.select().from(hubSites)).toHaveLength(sites.length);
      expect(await d.store.db.select().from(hubCourses)).toHaveLength(courses.length);
      // Demo sites never registered: no user, no token.
      expect(sites.every((s) => s.userId === null)).toBe(true);
      expect(
        await d.store.db
          .select()
          .from(externalTokens)
          .where(and(eq(externalTokens.origin, 'hub'), eq(externalTokens.hidden, true))),
      ).toHaveLength(2);
    } finally {
      await d.close();
    }
  });
});
