import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from './db/schema';
import { SYSTEM_ACTOR } from './features/audit/audit.service';
import { assignRole, createRole } from './features/roles/roles.service';
import { addServiceFunctions, createService } from './features/services/services.service';
import { createAdminToken } from './features/tokens/tokens.service';
import { clientAddress } from './lib/public-url';
import { errorOf, makeTestApp, serviceBody, signIn, type TestApp } from './test/helpers';

// Issue 14, item 14: the Host header chooses nothing. Every absolute URL comes from
// GATEHOUSE_WWWROOT, the CSRF check compares Origin with it, and X-Forwarded-For names the client
// only when the connection comes from a proxy listed in GATEHOUSE_TRUSTED_PROXIES.

describe('clientAddress', () => {
  const trusted = '10.0.0.1, 10.0.1.0/24, 2001:db8::/64';
  it.each([
    ['no trusted proxies: the header is ignored', '10.0.0.1', '203.0.113.9', '', '10.0.0.1'],
    ['an untrusted peer: the header is ignored', '198.51.100.7', '203.0.113.9', trusted, '198.51.100.7'],
    ['a trusted proxy: the client it names', '10.0.0.1', '203.0.113.9', trusted, '203.0.113.9'],
    [
      'a chain of trusted proxies: the first untrusted hop from the right',
      '10.0.0.1',
      '203.0.113.9, 10.0.1.5',
      trusted,
      '203.0.113.9',
    ],
    ['a forged left part is not believed', '10.0.0.1', '1.1.1.1, 203.0.113.9', trusted, '203.0.113.9'],
    ['a malformed hop stops the walk at the last trusted address', '10.0.0.1', 'evil, 10.0.1.5', trusted, '10.0.1.5'],
    ['a malformed header leaves the proxy', '10.0.0.1', 'not an address', trusted, '10.0.0.1'],
    ['IPv6 proxies and bracketed clients', '2001:db8::5', '[2001:db8:1::9]:443', trusted, '2001:db8:1::9'],
    ['an IPv4 client with a port', '10.0.0.1', '203.0.113.9:51234', trusted, '203.0.113.9'],
    ['no header from a trusted proxy: the proxy', '10.0.0.1', undefined, trusted, '10.0.0.1'],
  ])('%s', (_what, remote, header, proxies, expected) => {
    expect(clientAddress(remote, header, proxies)).toBe(expected);
  });
});

describe('with GATEHOUSE_WWWROOT and GATEHOUSE_TRUSTED_PROXIES set', () => {
  let t: TestApp;
  let secret: string;
  beforeAll(async () => {
    t = await makeTestApp({
      env: { GATEHOUSE_WWWROOT: 'https://learn.example.org/moodle', GATEHOUSE_TRUSTED_PROXIES: '10.0.0.1' },
    });
    const role = await createRole(
      t.deps,
      { shortname: 'wsuser', name: 'WS user', capabilities: { 'webservice/rest:use': 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, role.id, await t.userId('teacher'), SYSTEM_ACTOR);
    const svc = await createService(t.deps, serviceBody('Proxy test', 'proxytest') as never, SYSTEM_ACTOR);
    await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
    await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest', debug: 'normal' }, SYSTEM_ACTOR);
    secret = (
      await createAdminToken(
        t.deps,
        { userId: await t.userId('teacher'), serviceId: svc.id, validUntil: null, ipRestriction: '203.0.113.0/24' },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
  });
  afterAll(() => t.close());

  const siteInfo = (remote: string, headers: Record<string, string>) =>
    t.app.request(
      '/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=core_webservice_get_site_info',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `wstoken=${secret}`,
      },
      { incoming: { socket: { remoteAddress: remote } } },
    );

  it('refuses a login whose Origin matches a forged Host but not the site', async () => {
    const c = t.client({ host: 'evil.example' });
    const res = await c.tryLogin('teacher', 'Demo-pass-1', { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('csrf');
    expect(res.setCookies).toHaveLength(0);
  });

  it('accepts the site’s own origin whatever the Host header says', async () => {
    const c = t.client({ host: '10.0.0.9:3000' });
    const res = await c.tryLogin('teacher', 'Demo-pass-1', { origin: 'https://learn.example.org' });
    expect(res.status).toBe(200);
  });

  it('builds the documentation’s examples and site info from GATEHOUSE_WWWROOT, not from Host', async () => {
    const admin = await signIn(t, 'admin', undefined, { host: 'evil.example' });
    const docs = await admin.get('/api/docs/functions');
    expect(docs.status).toBe(200);
    expect(docs.body.baseUrl).toBe('https://learn.example.org/moodle');
    expect(JSON.stringify(docs.body)).not.toContain('evil.example');
    const res = await siteInfo('10.0.0.1', { host: 'evil.example', 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(200);
    const info = (await res.json()) as { siteurl: string };
    expect(info.siteurl).toBe('https://learn.example.org/moodle');
  });

  it('lets the token’s IP restriction see the client behind a trusted proxy', async () => {
    const ok = await siteInfo('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveProperty('siteurl');
    const outside = await siteInfo('10.0.0.1', { 'x-forwarded-for': '198.51.100.1' });
    expect(await outside.json()).toMatchObject({ exception: 'webservice_access_exception' });
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const res = await siteInfo('198.51.100.1', { 'x-forwarded-for': '203.0.113.9' });
    expect(await res.json()).toMatchObject({ exception: 'webservice_access_exception' });
  });

  it('records the real client address on the console session', async () => {
    const c = t.client({ ip: '10.0.0.1' });
    const res = await c.tryLogin('student', 'Demo-pass-1', { headers: { 'x-forwarded-for': '203.0.113.77' } });
    expect(res.status).toBe(200);
    const rows = await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId('student')));
    expect(rows.map((r) => r.ip)).toContain('203.0.113.77');
  });
});

describe('without GATEHOUSE_WWWROOT, on a loopback address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ env: { HOST: '127.0.0.1', PORT: '3000' } });
  });
  afterAll(() => t.close());

  it.each(['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'])(
    'accepts a login from %s',
    async (origin) => {
      const res = await t.client().tryLogin('teacher', 'Demo-pass-1', { origin });
      expect(res.status).toBe(200);
    },
  );

  it('refuses a login from another port of the same host', async () => {
    const res = await t.client().tryLogin('teacher', 'Demo-pass-1', { origin: 'http://127.0.0.1:8080' });
    expect(res.status).toBe(403);
  });

  it('ignores X-Forwarded-For: no proxy is trusted by default', async () => {
    const c = t.client({ ip: '127.0.0.1' });
    await c.tryLogin('student', 'Demo-pass-1', { headers: { 'x-forwarded-for': '203.0.113.77' } });
    const rows = await t.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, await t.userId('student')));
    expect(rows.map((r) => r.ip)).toEqual(['127.0.0.1']);
  });
});
