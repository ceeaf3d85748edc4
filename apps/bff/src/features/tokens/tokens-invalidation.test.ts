import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServiceFunctions, externalServices } from '../../db/schema';
import type { Invalidation } from '../../lib/invalidation';
import { type Client, DEMO_PASSWORD, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { type Actor, SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from '../roles/roles.service';
import { syncBuiltinServices } from '../services/builtin';
import { hashToken } from './token-secret';

// The services' and tokens' writes tell the caches what they changed (the invalidation feed),
// after they commit: a token by its hash, a service by its id, a user by theirs. A write that
// is refused, or that changes nothing, tells nothing.

let t: TestApp;
let admin: Client;
let student: Client;
let actor: Actor;
const heard: Invalidation[] = [];

/** What the feed published while `fn` ran. */
async function published(fn: () => Promise<unknown>): Promise<Invalidation[]> {
  heard.length = 0;
  await fn();
  return [...heard];
}

const token = (secret: string): Invalidation => ({ kind: 'token', id: hashToken(t.deps.tokenSecret, secret) });
const service = (id: number): Invalidation => ({ kind: 'service', id });
const user = (id: number): Invalidation => ({ kind: 'user', id });

async function newService(shortname: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await admin.post('/api/services', serviceBody(`Service ${shortname}`, shortname, extra));
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function newToken(userId: number, serviceId: number): Promise<{ id: number; secret: string }> {
  const res = await admin.post('/api/tokens', { userId, serviceId });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.token.id, secret: res.body.secret };
}

beforeAll(async () => {
  t = await makeTestApp();
  actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  // The student may make their own keys and log in through /login/token.php.
  const role = await createRole(
    t.deps,
    { shortname: 'keymaker', name: 'Key maker', capabilities: { 'moodle/webservice:createtoken': 'allow' } },
    actor,
  );
  await assignRole(t.deps, role.id, await t.userId('student'), actor);
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
  t.deps.feed.subscribe('*', (events) => heard.push(...events));
});
afterAll(() => t?.close());

describe('services', () => {
  it('creating, changing and deleting a service names it', async () => {
    let id = 0;
    const created = await published(async () => {
      id = await newService('evt_lifecycle');
    });
    expect(created).toEqual([service(id)]);
    const changed = await published(() => admin.patch(`/api/services/${id}`, { enabled: false }));
    expect(changed).toEqual([service(id)]);
    const deleted = await published(() => admin.delete(`/api/services/${id}`));
    expect(deleted).toEqual([service(id)]);
  });

  it('adding and removing a function names the service (its function list is what calls check)', async () => {
    const id = await newService('evt_functions');
    const added = await published(() =>
      admin.post(`/api/services/${id}/functions`, { functions: ['core_webservice_get_site_info'] }),
    );
    expect(added).toEqual([service(id)]);
    const removed = await published(() => admin.delete(`/api/services/${id}/functions/core_webservice_get_site_info`));
    expect(removed).toEqual([service(id)]);
  });

  it('deleting a service names every token of it by hash', async () => {
    const id = await newService('evt_doomed');
    const a = await newToken(await t.userId('teacher'), id);
    const b = await newToken(await t.userId('student'), id);
    const events = await published(() => admin.delete(`/api/services/${id}`));
    expect(events).toHaveLength(3);
    expect(events).toEqual(expect.arrayContaining([service(id), token(a.secret), token(b.secret)]));
  });

  it("authorised users: each change names the service and the user; removal also the user's tokens there", async () => {
    const id = await newService('evt_restricted', { restrictedUsers: true });
    const other = await newService('evt_other');
    const teacher = await t.userId('teacher');
    const added = await published(() => admin.post(`/api/services/${id}/users`, { userIds: [teacher] }));
    expect(added).toEqual([service(id), user(teacher)]);
    const updated = await published(() =>
      admin.patch(`/api/services/${id}/users/${teacher}`, { ipRestriction: '192.0.2.0/24' }),
    );
    expect(updated).toEqual([service(id), user(teacher)]);
    const here = await newToken(teacher, id);
    const elsewhere = await newToken(teacher, other);
    const removed = await published(() => admin.delete(`/api/services/${id}/users/${teacher}`));
    expect(removed).toHaveLength(3);
    expect(removed).toEqual(expect.arrayContaining([service(id), user(teacher), token(here.secret)]));
    expect(removed).not.toContainEqual(token(elsewhere.secret));
  });

  it('a refused write and a change that changes nothing tell nothing', async () => {
    const id = await newService('evt_refused');
    const duplicate = await published(async () => {
      const res = await admin.post('/api/services', serviceBody(`Service evt_refused`, 'evt_refused_2'));
      expect(res.status).toBe(409);
    });
    expect(duplicate).toEqual([]);
    const unknown = await published(async () => {
      const res = await admin.post(`/api/services/${id}/functions`, { functions: ['no_such_function'] });
      expect(res.status).toBe(400);
    });
    expect(unknown).toEqual([]);
    const same = await published(async () => {
      const res = await admin.patch(`/api/services/${id}`, { enabled: true });
      expect(res.status).toBe(200);
    });
    expect(same).toEqual([]);
  });

  it('the built-in services at start: named when their functions were out of step, silent otherwise', async () => {
    const [svc] = await t.store.db
      .select({ id: externalServices.id })
      .from(externalServices)
      .where(eq(externalServices.shortname, 'moodle_mobile_app'));
    const mobile = svc!.id;
    const fns = () =>
      t.store.db.select().from(externalServiceFunctions).where(eq(externalServiceFunctions.serviceId, mobile));
    const before = (await fns()).length;
    expect(await published(() => syncBuiltinServices(t.deps))).toEqual([]);
    const [one] = await fns();
    await t.store.db
      .delete(externalServiceFunctions)
      .where(
        and(
          eq(externalServiceFunctions.serviceId, mobile),
          eq(externalServiceFunctions.functionName, one!.functionName),
        ),
      );
    expect(await published(() => syncBuiltinServices(t.deps))).toEqual([service(mobile)]);
    expect((await fns()).length).toBe(before);
  });
});

describe('tokens', () => {
  it('creating and deleting a token names its hash', async () => {
    const id = await newService('evt_tokens');
    let made = { id: 0, secret: '' };
    const created = await published(async () => {
      made = await newToken(await t.userId('teacher'), id);
    });
    expect(created).toEqual([token(made.secret)]);
    const deleted = await published(() => admin.delete(`/api/tokens/${made.id}`));
    expect(deleted).toEqual([token(made.secret)]);
  });

  it('a refused token tells nothing', async () => {
    const events = await published(async () => {
      const res = await admin.post('/api/tokens', { userId: await t.userId('teacher'), serviceId: 999_999 });
      expect(res.status).toBe(400);
    });
    expect(events).toEqual([]);
  });

  it('security keys: each key made names its hash; a reset names the old and the new one', async () => {
    await newService('evt_keys');
    let created: { id: number; secret: string; service: string }[] = [];
    const ensured = await published(async () => {
      const res = await student.post('/api/me/keys/ensure', {});
      expect(res.status, res.text).toBe(200);
      created = res.body.created;
    });
    const mine = created.find((k) => k.service === `Service evt_keys`);
    expect(mine).toBeDefined();
    expect(ensured).toHaveLength(created.length);
    expect(ensured).toEqual(expect.arrayContaining(created.map((k) => token(k.secret))));
    // Opening the page again makes nothing and tells nothing.
    expect(await published(() => student.post('/api/me/keys/ensure', {}))).toEqual([]);
    let fresh = '';
    const reset = await published(async () => {
      const res = await student.post(`/api/me/keys/${mine!.id}/reset`, {});
      expect(res.status, res.text).toBe(200);
      fresh = res.body.secret;
    });
    expect(reset).toEqual([token(mine!.secret), token(fresh)]);
  });

  it('/login/token.php names the token it made and the old login tokens it let go', async () => {
    await newService('evt_login');
    const login = async () => {
      const res = await t.app.request(
        '/login/token.php',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'student', password: DEMO_PASSWORD, service: 'evt_login' }).toString(),
        },
        { incoming: { socket: { remoteAddress: '10.9.8.7' } } },
      );
      const body = (await res.json()) as { token?: string; errorcode?: string };
      expect(body.errorcode).toBeUndefined();
      return body.token!;
    };
    const first = await login();
    for (let i = 0; i < 19; i++) await login();
    let last = '';
    const events = await published(async () => {
      last = await login();
    });
    // The 21st login token: the oldest of the 20 before it goes.
    expect(events).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining([token(last), token(first)]));
  });
});
