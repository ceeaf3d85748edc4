import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// Preferences > Security keys > Documentation: the key and its service as the page shows them.

let t: TestApp;
let admin: Client;
let owner: Client;
let serviceId: number;
let key: { id: number; name: string; stub: string };
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  owner = await signIn(t, 'manager');
  expect(
    (
      await admin.patch('/api/settings', {
        enablewebservices: '1',
        webserviceprotocols: 'rest',
        enablewsdocumentation: '1',
      })
    ).status,
  ).toBe(200);
  const service = await admin.post('/api/services', {
    name: 'Key docs <b>',
    shortname: 'key_docs',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  expect(service.status).toBe(201);
  serviceId = service.body.id;
  await admin.post(`/api/services/${serviceId}/functions`, { functions: ['core_webservice_get_site_info'] });
  const created = await admin.post('/api/tokens', { userId: await t.userId('manager'), serviceId, name: 'Sync key' });
  expect(created.status).toBe(201);
  key = created.body.token;
});
afterAll(() => t.close());

describe("a key's documentation", () => {
  it('names the key and its service, and nothing more of either', async () => {
    const res = await owner.get(`/api/me/keys/${key.id}/docs`);
    expect(res.status).toBe(200);
    expect(res.body.key).toEqual({ id: key.id, name: 'Sync key', stub: key.stub });
    expect(res.body.service).toEqual({ id: serviceId, name: 'Key docs <b>', shortname: 'key_docs' });
    expect(res.body.functions.map((f: { name: string }) => f.name)).toEqual(['core_webservice_get_site_info']);
  });

  it("titles the key's OpenAPI document with its service", async () => {
    const res = await owner.get(`/api/me/keys/${key.id}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.info.title).toBe('Gatehouse web services: Key docs <b>');
    expect(Object.keys(res.body.paths)).toHaveLength(1);
  });

  it('is not found for a key that does not exist, and refused while documentation is disabled', async () => {
    const missing = await owner.get(`/api/me/keys/${key.id + 1000}/docs`);
    expect(missing.status).toBe(404);
    expect((await admin.patch('/api/settings', { enablewsdocumentation: '0' })).status).toBe(200);
    // Refused first, whether the key exists or not.
    expect((await owner.get(`/api/me/keys/${key.id + 1000}/docs`)).body.error.code).toBe('docsdisabled');
    expect((await owner.get(`/api/me/keys/${key.id}/openapi.json`)).body.error.code).toBe('docsdisabled');
    expect((await admin.patch('/api/settings', { enablewsdocumentation: '1' })).status).toBe(200);
  });
});
