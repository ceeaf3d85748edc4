import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, externalServices } from '../../db/schema';
import { type Client, makeTestApp, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// The seed "Mobile web services" page, line by line: what enabling does, and what disabling
// does with and without another enabled service.

let t: TestApp;
let admin: Client;

beforeEach(async () => {
  t = await makeTestApp();
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterEach(() => t.close());

const protocols = () => t.deps.settings.get('webserviceprotocols').split(',').filter(Boolean);
const mobileEnabled = async () =>
  (
    await t.store.db.select().from(externalServices).where(eq(externalServices.shortname, 'moodle_mobile_app')).limit(1)
  ).at(0)?.enabled;
const authCap = (cap: string) => t.deps.authz.roleByShortname('user')?.caps.get(cap) ?? 'notset';
const toggle = (enabled: boolean) => admin.post('/api/mobile', { enabled });

describe('enabling mobile web services', () => {
  beforeEach(async () => {
    const res = await toggle(true);
    expect(res.status).toBe(200);
  });
  it('enables the web services system', () => expect(t.deps.settings.get('enablewebservices')).toBe('1'));
  it("enables the built-in external service 'Mobile web services'", async () =>
    expect(await mobileEnabled()).toBe(true));
  it('enables the xml-rpc protocol', () => expect(protocols()).toContain('xmlrpc'));
  it('enables the rest protocol', () => expect(protocols()).toContain('rest'));
  it("allows 'webservice/xmlrpc:use' for the authenticated user role", () =>
    expect(authCap('webservice/xmlrpc:use')).toBe('allow'));
  it("allows 'webservice/rest:use' for the authenticated user role", () =>
    expect(authCap('webservice/rest:use')).toBe('allow'));
  it('reads as on, and the setting is stored', async () => {
    const state = (await admin.get('/api/mobile')).body;
    expect(state.enabled).toBe(true);
    expect(state.missing).toEqual([]);
    expect(t.deps.settings.get('enablemobilewebservice')).toBe('1');
  });
  it('keeps protocols that were already on', async () => {
    await toggle(false);
    await t.deps.settings.apply({ webserviceprotocols: 'soap' }, SYSTEM_ACTOR);
    await toggle(true);
    expect(protocols().sort()).toEqual(['rest', 'soap', 'xmlrpc']);
  });
});

describe('disabling when Mobile web services is the only enabled service', () => {
  beforeEach(async () => {
    await toggle(true);
    await t.deps.settings.apply({ webserviceprotocols: 'rest,soap,xmlrpc' }, SYSTEM_ACTOR);
    const res = await toggle(false);
    expect(res.status).toBe(200);
  });
  it("disables the external service 'Mobile web services'", async () => expect(await mobileEnabled()).toBe(false));
  it('disables the web services system', () => expect(t.deps.settings.get('enablewebservices')).toBe('0'));
  it('disables the xml-rpc protocol', () => expect(protocols()).not.toContain('xmlrpc'));
  it('disables the rest protocol', () => expect(protocols()).not.toContain('rest'));
  it('leaves other protocols alone', () => expect(protocols()).toEqual(['soap']));
  it("removes 'webservice/xmlrpc:use' from the authenticated user role", () =>
    expect(authCap('webservice/xmlrpc:use')).toBe('notset'));
  it("removes 'webservice/rest:use' from the authenticated user role", () =>
    expect(authCap('webservice/rest:use')).toBe('notset'));
});

describe('disabling when another service is enabled', () => {
  beforeEach(async () => {
    await toggle(true);
    const created = await admin.post('/api/services', {
      name: 'Other',
      shortname: 'other',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    });
    expect(created.status).toBe(201);
    await toggle(false);
  });
  it("disables the external service 'Mobile web services' only", async () => expect(await mobileEnabled()).toBe(false));
  it('keeps the web services system on', () => expect(t.deps.settings.get('enablewebservices')).toBe('1'));
  it('keeps both protocols on', () => expect(protocols().sort()).toEqual(['rest', 'xmlrpc']));
  it('keeps both capabilities', () => {
    expect(authCap('webservice/xmlrpc:use')).toBe('allow');
    expect(authCap('webservice/rest:use')).toBe('allow');
  });
});

describe('the console view of the toggle', () => {
  it('reports exactly what changed, and audits each part', async () => {
    const res = await toggle(true);
    const kinds = res.body.changes.map((c: { kind: string; name: string }) => `${c.kind}:${c.name}`).sort();
    expect(kinds).toEqual(
      [
        'capability:webservice/rest:use (Authenticated user)',
        'capability:webservice/xmlrpc:use (Authenticated user)',
        'protocol:webserviceprotocols',
        'service:Mobile web services',
        'setting:enablemobilewebservice',
        'setting:enablewebservices',
      ].sort(),
    );
    const actions = (await t.store.db.select({ a: auditLog.action }).from(auditLog)).map((r) => r.a);
    expect(actions.filter((a) => a === 'mobile.capability')).toHaveLength(2);
    expect(actions).toContain('mobile.service');
    expect(actions.filter((a) => a === 'config.set').length).toBeGreaterThanOrEqual(3);
    expect((await toggle(true)).body.changes).toEqual([]);
  });

  it('reads as off when a part was changed elsewhere, names it, and repairs it', async () => {
    await toggle(true);
    await t.deps.settings.apply({ webserviceprotocols: 'xmlrpc' }, SYSTEM_ACTOR);
    const state = (await admin.get('/api/mobile')).body;
    expect(state.enabled).toBe(false);
    expect(state.setting).toBe(true);
    expect(state.missing.map((p: { key: string }) => p.key)).toEqual(['rest']);
    const repaired = await toggle(true);
    expect(repaired.body.changes).toEqual([
      { kind: 'protocol', name: 'webserviceprotocols', from: 'xmlrpc', to: 'rest,xmlrpc' },
    ]);
    expect(repaired.body.state.enabled).toBe(true);
  });

  it('refuses users without site configuration and bad bodies', async () => {
    const manager = t.client();
    await manager.login('manager', 'Demo-pass-1');
    expect((await manager.post('/api/mobile', { enabled: true })).status).toBe(403);
    expect((await admin.post('/api/mobile', { enabled: 'yes' })).status).toBe(400);
    expect(await mobileEnabled()).toBe(false);
  });
});
