import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, errorOf, makeTestApp, makeWsService, restCall, type TestApp } from '../../test/helpers';

// POST /api/docs/test-client/token: the service and functions of a pasted token, so the test
// client lists only what the token's service offers. No call is made: nothing is counted.

let t: TestApp;
let admin: Client;
let serviceId: number;
let secret: string;
beforeAll(async () => {
  t = await makeTestApp();
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
  serviceId = await makeWsService(t, {
    name: 'Client narrowed',
    shortname: 'client_narrowed',
    protocols: 'rest',
    functions: ['core_webservice_get_site_info', 'core_group_create_groups'],
  });
  const res = await admin.post('/api/tokens', { userId: await t.userId('teacher'), serviceId });
  expect(res.status).toBe(201);
  secret = res.body.secret;
});
afterAll(() => t.close());

describe('the test client token look-up', () => {
  it("answers the token's service and its functions, sorted, and counts no call", async () => {
    const res = await admin.post('/api/docs/test-client/token', { token: ` ${secret} ` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      service: { id: serviceId, name: 'Client narrowed', shortname: 'client_narrowed' },
      functions: ['core_group_create_groups', 'core_webservice_get_site_info'],
    });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    const token = (await admin.get(`/api/tokens?serviceId=${serviceId}`)).body.items[0];
    expect(token).toMatchObject({ calls: 0, lastAccess: null });
  });

  it('follows the service: a function removed is no longer listed', async () => {
    expect((await admin.delete(`/api/services/${serviceId}/functions/core_group_create_groups`)).status).toBeLessThan(
      300,
    );
    expect((await admin.post('/api/docs/test-client/token', { token: secret })).body.functions).toEqual([
      'core_webservice_get_site_info',
    ]);
  });

  it('a mistyped, made-up or deleted token is one 404 with the field named', async () => {
    const mistyped = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    for (const token of [mistyped, 'not a token', `gwt${'0'.repeat(49)}`]) {
      const res = await admin.post('/api/docs/test-client/token', { token });
      expect(res.status, token).toBe(404);
      expect(errorOf(res)).toMatchObject({ code: 'notfound', fields: { token: expect.any(String) } });
    }
    // Still works as a real call would.
    expect((await restCall(t, secret, 'core_webservice_get_site_info')).status).toBe(200);
  });

  it('refuses bad bodies (400) and other users (403)', async () => {
    expect((await admin.post('/api/docs/test-client/token', {})).status).toBe(400);
    expect((await admin.post('/api/docs/test-client/token', { token: '' })).status).toBe(400);
    expect((await admin.post('/api/docs/test-client/token', { token: secret, extra: 1 })).status).toBe(400);
    const student = t.client();
    await student.login('student', 'Demo-pass-1');
    expect((await student.post('/api/docs/test-client/token', { token: secret })).status).toBe(403);
  });
});
