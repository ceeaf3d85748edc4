import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, restCall, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { flushUsage } from '../usage/usage.service';

// The Overview's "Test the service" step (issue 18 §3: a step is Done only while it holds): a
// token "has been used" when one of its calls went through, not when a call was refused
// (refused calls set Last access too, since every refusal counts). Before the usage flush the
// recorder's pending success tells it; after, the token's usage buckets.

const SITE_INFO = 'core_webservice_get_site_info';
let t: TestApp;
let admin: Client;
let serviceId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  admin = await signIn(t, 'admin');
  const res = await admin.post('/api/services', serviceBody('Tested', 'tested', { enabled: true }));
  expect(res.status, res.text).toBe(201);
  serviceId = res.body.id;
  await admin.post(`/api/services/${serviceId}/functions`, { functions: [SITE_INFO] });
});
afterAll(() => t?.close());

async function testStep() {
  const res = await admin.get('/api/overview');
  expect(res.status, res.text).toBe(200);
  const steps = (res.body.checklists as { steps: { title: string; done: boolean; status: string }[] }[]).flatMap(
    (c) => c.steps,
  );
  return steps.find((s) => s.title === 'Test the service')!;
}

async function newToken(username: string) {
  const res = await admin.post('/api/tokens', { userId: await t.userId(username), serviceId });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.token.id as number, secret: res.body.secret as string };
}

describe('the Overview’s "Test the service" step', () => {
  it('stays open after refused calls, pending or written, though they set Last access', async () => {
    // wsclient holds no webservice/rest:use: refused before the function.
    const refused = await newToken('wsclient');
    const res = await restCall(t, refused.secret, SITE_INFO);
    expect(res.body.errorcode).toBe('accessexception');
    await restCall(t, refused.secret, 'core_no_such_function');
    expect(await testStep()).toMatchObject({ done: false, status: 'No token has been used yet' });
    await flushUsage(t.deps);
    expect((await admin.get(`/api/tokens/${refused.id}`)).body.lastAccess).not.toBeNull();
    expect((await testStep()).done).toBe(false);
  });

  it('is done once a call went through: from the pending figures, then from the written ones', async () => {
    const ok = await newToken('admin');
    const res = await restCall(t, ok.secret, SITE_INFO);
    expect(res.body.exception).toBeUndefined();
    expect(await testStep()).toMatchObject({ done: true, status: 'A token has been used' });
    await flushUsage(t.deps);
    expect((await testStep()).done).toBe(true);
  });

  it('opens again when the only token that succeeded is deleted', async () => {
    const list = await admin.get('/api/tokens?perPage=100');
    expect(list.status, list.text).toBe(200);
    for (const tok of list.body.items as { id: number }[]) {
      expect((await admin.delete(`/api/tokens/${tok.id}`)).status).toBe(200);
    }
    expect((await testStep()).done).toBe(false);
  });
});
