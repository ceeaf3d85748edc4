import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWrite } from '../db/write';
import { type Actor, SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { hashToken } from '../features/tokens/token-secret';
import { type Client, makeTestApp, restCall, serviceBody, signIn, type TestApp } from '../test/helpers';

// A change in the console drops from the access-check cache just what it names: a token deleted,
// a user suspended, a service changed takes effect on the very next call, and every other
// token stays warm. A change nothing names (a rolled-back write, a hand-made bump) drops all.

let t: TestApp;
let admin: Client;
let actor: Actor;

const held = (secret: string) => t.deps.access.holdsToken(hashToken(t.deps.tokenSecret, secret));
const siteInfo = async (secret: string) => (await restCall(t, secret, 'core_webservice_get_site_info')).body;

async function newService(shortname: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await admin.post('/api/services', serviceBody(`Service ${shortname}`, shortname, extra));
  expect(res.status, res.text).toBe(201);
  const added = await admin.post(`/api/services/${res.body.id}/functions`, {
    functions: ['core_webservice_get_site_info'],
  });
  expect(added.status, added.text).toBe(201);
  return res.body.id;
}

async function newToken(username: string, serviceId: number): Promise<{ id: number; secret: string }> {
  const res = await admin.post('/api/tokens', { userId: await t.userId(username), serviceId });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.token.id, secret: res.body.secret };
}

/** Calls with each token (so that each is cached) and checks that each went through. */
async function warm(...secrets: string[]) {
  for (const s of secrets) expect((await siteInfo(s)).errorcode, s).toBeUndefined();
  for (const s of secrets) expect(held(s)).toBe(true);
}

beforeAll(async () => {
  t = await makeTestApp();
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const role = await createRole(
    t.deps,
    { shortname: 'restcaller', name: 'REST caller', capabilities: { 'webservice/rest:use': 'allow' } },
    actor,
  );
  await assignRole(t.deps, role.id, await t.userId('teacher'), actor);
  await assignRole(t.deps, role.id, await t.userId('student'), actor);
  admin = await signIn(t, 'admin');
});
afterAll(() => t?.close());

describe('per-key invalidation through the console', () => {
  it('deleting a token drops that token alone', async () => {
    const id = await newService('inv_tokens');
    const a = await newToken('admin', id);
    const b = await newToken('admin', id);
    await warm(a.secret, b.secret);
    expect((await admin.delete(`/api/tokens/${a.id}`)).status).toBe(200);
    expect(held(a.secret)).toBe(false);
    expect(held(b.secret)).toBe(true);
    expect((await siteInfo(a.secret)).errorcode).toBe('invalidtoken');
    expect((await siteInfo(b.secret)).username).toBe('admin');
  });

  it("suspending a user drops that user's tokens alone", async () => {
    const id = await newService('inv_users');
    const teacher = await newToken('teacher', id);
    const student = await newToken('student', id);
    await warm(teacher.secret, student.secret);
    const res = await admin.patch(`/api/users/${await t.userId('teacher')}`, { suspended: true });
    expect(res.status, res.text).toBe(200);
    expect(held(teacher.secret)).toBe(false);
    expect(held(student.secret)).toBe(true);
    expect((await siteInfo(teacher.secret)).errorcode).toBe('accessexception');
    expect((await siteInfo(student.secret)).username).toBe('student');
    expect((await admin.patch(`/api/users/${await t.userId('teacher')}`, { suspended: false })).status).toBe(200);
    expect((await siteInfo(teacher.secret)).username).toBe('teacher');
  });

  it("removing a function from a service drops that service's tokens alone", async () => {
    const one = await newService('inv_one');
    const other = await newService('inv_other');
    const a = await newToken('admin', one);
    const b = await newToken('admin', other);
    await warm(a.secret, b.secret);
    const res = await admin.delete(`/api/services/${one}/functions/core_webservice_get_site_info`);
    expect(res.status, res.text).toBe(200);
    expect(held(a.secret)).toBe(false);
    expect(held(b.secret)).toBe(true);
    expect((await siteInfo(a.secret)).errorcode).toBe('accessexception');
    expect((await siteInfo(b.secret)).username).toBe('admin');
  });

  it("an authorised user's restriction on a restricted service applies on the next call", async () => {
    const id = await newService('inv_restricted', { restrictedUsers: true });
    const teacherId = await t.userId('teacher');
    expect((await admin.post(`/api/services/${id}/users`, { userIds: [teacherId] })).status).toBe(201);
    const tok = await newToken('teacher', id);
    await warm(tok.secret);
    const res = await admin.patch(`/api/services/${id}/users/${teacherId}`, { ipRestriction: '192.0.2.0/24' });
    expect(res.status, res.text).toBe(200);
    expect((await siteInfo(tok.secret)).errorcode).toBe('accessexception');
  });

  it('a settings change keeps every token', async () => {
    const id = await newService('inv_settings');
    const a = await newToken('admin', id);
    await warm(a.secret);
    await t.deps.settings.apply({ webserviceprotocols: 'rest,xmlrpc' }, SYSTEM_ACTOR);
    expect(held(a.secret)).toBe(true);
    await t.deps.settings.apply({ webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  });
});

describe('changes nothing names drop everything', () => {
  it('a write rolled back', async () => {
    const id = await newService('inv_rollback');
    const a = await newToken('admin', id);
    await warm(a.secret);
    await expect(
      withWrite(t.deps, async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(held(a.secret)).toBe(false);
    expect((await siteInfo(a.secret)).username).toBe('admin');
    expect(held(a.secret)).toBe(true);
  });

  it('a hand-made bump of the generation (a legacy write)', async () => {
    const id = await newService('inv_bump');
    const a = await newToken('admin', id);
    await warm(a.secret);
    t.deps.gen.bump();
    expect(held(a.secret)).toBe(false);
  });
});
