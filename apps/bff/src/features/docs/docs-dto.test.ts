import { functionDocsSchema, keyDocsSchema } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// The documentation's answers are the shared DTOs, and the web app reads the function
// documentation through the shared schemas (the typed client cannot follow the recursive
// description model). Those schemas take what the BFF sends as it is: nothing refused, nothing
// dropped, for every function of the catalogue.

let t: TestApp;
let admin: Client;
let owner: Client;
let keyId: number;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  owner = await signIn(t, 'manager');
  expect(
    (
      await admin.patch('/api/settings', {
        enablewebservices: '1',
        webserviceprotocols: 'rest,soap,xmlrpc',
        enablewsdocumentation: '1',
      })
    ).status,
  ).toBe(200);
  const service = await admin.post('/api/services', {
    name: 'Documented',
    shortname: 'documented',
    enabled: true,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
  });
  expect(service.status).toBe(201);
  const functions = (await admin.get('/api/docs/functions')).body.functions
    .filter((f: { deprecated: boolean }) => !f.deprecated)
    .map((f: { name: string }) => f.name);
  expect((await admin.post(`/api/services/${service.body.id}/functions`, { functions })).status).toBeLessThan(300);
  const created = await admin.post('/api/tokens', {
    userId: await t.userId('manager'),
    serviceId: service.body.id,
    name: 'Documented key',
  });
  expect(created.status).toBe(201);
  keyId = created.body.token.id;
});
afterAll(() => t.close());

describe('the documentation DTOs', () => {
  it("read the admin's documentation of every function exactly as it was sent", async () => {
    const res = await admin.get('/api/docs/functions');
    expect(res.status).toBe(200);
    expect(res.body.functions.length).toBeGreaterThan(20);
    expect(functionDocsSchema.parse(res.body)).toEqual(res.body);
  });

  it("read a key's documentation exactly as it was sent", async () => {
    const res = await owner.get(`/api/me/keys/${keyId}/docs`);
    expect(res.status).toBe(200);
    expect(res.body.functions.length).toBeGreaterThan(20);
    expect(keyDocsSchema.parse(res.body)).toEqual(res.body);
  });

  it('refuse an answer that is not documentation', () => {
    expect(functionDocsSchema.safeParse({ baseUrl: 'x', protocols: [], enabledProtocols: [] }).success).toBe(false);
    const doc = { baseUrl: 'x', protocols: ['rest'], enabledProtocols: ['rest'], functions: [] };
    expect(functionDocsSchema.safeParse(doc).success).toBe(true);
    expect(functionDocsSchema.safeParse({ ...doc, protocols: ['telnet'] }).success).toBe(false);
  });
});
