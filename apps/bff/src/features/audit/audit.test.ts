import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema';
import { withWrite } from '../../db/write';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';

type Entry = {
  id: number;
  time: number;
  actorUsername: string;
  action: string;
  summary: string;
  targetId: string | null;
};

let t: TestApp;
let admin: Client;
let manager: Client;

// Entries at known times, far in the past, so that filters by time are exact.
const T0 = 1_000_000;
const seeded = [
  { time: T0 + 10, actor: 'alice', action: 'user.create', target: '101', summary: 'Created user zebra' },
  { time: T0 + 20, actor: 'bob', action: 'user.update', target: '101', summary: 'Updated user zebra: email' },
  {
    time: T0 + 30,
    actor: 'alice',
    action: 'config.set',
    target: 'debug',
    summary: 'Changed debug from "none" to "normal"',
  },
  { time: T0 + 40, actor: 'bob', action: 'role.create', target: '77', summary: 'Created role 100%_sure' },
  { time: T0 + 50, actor: 'alice', action: 'user.delete', target: '101', summary: 'Deleted user zebra' },
];

beforeAll(async () => {
  t = await makeTestApp();
  for (const e of seeded) {
    await withWrite({ ...t.deps, now: () => e.time }, async (_tx, w) => {
      w.audit(
        { id: null, username: e.actor, ip: '192.0.2.1' },
        { action: e.action, targetType: 'x', targetId: e.target, summary: e.summary, details: { n: e.time } },
      );
    });
  }
  [admin, manager] = await Promise.all([signIn(t, 'admin'), signIn(t, 'manager')]);
  // Real entries from the API as well.
  expect((await admin.patch('/api/settings', { debug: 'normal' })).status).toBe(200);
});
afterAll(() => t.close());

const inRange = `from=${T0}&to=${T0 + 100}`;
const list = async (q: string) => {
  const res = await admin.get(`/api/audit?${q}`);
  expect(res.status).toBe(200);
  return res.body as { items: Entry[]; total: number; page: number; perPage: number };
};

describe('GET /api/audit', () => {
  it('lists newest first by default, with the total', async () => {
    const res = await list('');
    const all = await t.store.db.select().from(auditLog);
    expect(res.total).toBe(all.length);
    expect(res.page).toBe(1);
    expect(res.perPage).toBe(25);
    expect(res.items[0]).toMatchObject({ actorUsername: 'admin', action: 'config.set', targetId: 'debug' });
    const times = res.items.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(res.items.at(-1)!.time).toBe(T0 + 10);
    // details come back as an object
    expect((res.items.at(-1) as unknown as { details: unknown }).details).toEqual({ n: T0 + 10 });
  });

  it('orders oldest first with dir=asc', async () => {
    const res = await list(`${inRange}&dir=asc`);
    expect(res.items.map((e) => e.time)).toEqual(seeded.map((e) => e.time));
  });

  it('filters by actor (case-insensitive, exact)', async () => {
    const res = await list(`actor=ALICE&${inRange}`);
    expect(res.total).toBe(3);
    expect(res.items.map((e) => e.action)).toEqual(['user.delete', 'config.set', 'user.create']);
    expect((await list('actor=ali')).total).toBe(0);
  });

  it('filters by action prefix', async () => {
    const users = await list(`action=user.&${inRange}`);
    expect(users.items.map((e) => e.action)).toEqual(['user.delete', 'user.update', 'user.create']);
    const exact = await list('action=user.update');
    expect(exact.items.map((e) => e.summary)).toEqual(['Updated user zebra: email']);
    const logins = await list('action=auth.login&actor=admin');
    expect(logins.total).toBe(1);
  });

  it('takes the action prefix literally (_ and % are not wildcards)', async () => {
    expect((await list('action=_ser.')).total).toBe(0);
    expect((await list('action=%25')).total).toBe(0);
  });

  it('searches the summary and the target id', async () => {
    expect((await list('search=zebra')).items.map((e) => e.time)).toEqual([T0 + 50, T0 + 20, T0 + 10]);
    expect((await list('search=77')).items.map((e) => e.action)).toEqual(['role.create']);
    expect((await list('search=ZEBRA')).total).toBe(3);
  });

  it('searches for % and _ literally (not as wildcards, not dropped)', async () => {
    expect((await list(`search=${encodeURIComponent('100%_sure')}`)).items.map((e) => e.action)).toEqual([
      'role.create',
    ]);
    // % and _ are not wildcards
    expect((await list(`search=${encodeURIComponent('1_0')}`)).total).toBe(0);
  });

  it('finds a setting whose name has an underscore', async () => {
    // (Not maintenance_enabled: maintenance mode would close the console to the student below.)
    expect((await admin.patch('/api/settings', { maintenance_message: 'Back soon' })).status).toBe(200);
    const res = await list('search=maintenance_message');
    expect(res.items.map((e) => e.targetId)).toEqual(['maintenance_message']);
  });

  it('filters by time range, both ends inclusive', async () => {
    const res = await list(`from=${T0 + 20}&to=${T0 + 40}`);
    expect(res.items.map((e) => e.time)).toEqual([T0 + 40, T0 + 30, T0 + 20]);
    expect((await list(`to=${T0 + 5}`)).total).toBe(0);
    const recent = await list(`from=${T0 + 1000}`);
    expect(recent.items.every((e) => e.time > T0 + 1000)).toBe(true);
    expect(recent.total).toBeGreaterThan(0);
  });

  it('combines filters', async () => {
    const res = await list(`actor=alice&action=user.&search=zebra&from=${T0 + 15}`);
    expect(res.items.map((e) => e.time)).toEqual([T0 + 50]);
  });

  it('pages', async () => {
    const p1 = await list(`${inRange}&perPage=2&page=1`);
    const p2 = await list(`${inRange}&perPage=2&page=2`);
    const p3 = await list(`${inRange}&perPage=2&page=3`);
    const p4 = await list(`${inRange}&perPage=2&page=4`);
    expect(p1.total).toBe(5);
    expect(p3.total).toBe(5);
    expect([...p1.items, ...p2.items, ...p3.items].map((e) => e.time)).toEqual([
      T0 + 50,
      T0 + 40,
      T0 + 30,
      T0 + 20,
      T0 + 10,
    ]);
    expect(p4.items).toEqual([]);
  });

  it('refuses bad query values with 400', async () => {
    for (const q of ['perPage=500', 'page=0', 'from=yesterday', 'to=-1', 'dir=up', `search=${'s'.repeat(201)}`]) {
      const res = await admin.get(`/api/audit?${q}`);
      expect(res.status, q).toBe(400);
      expect(errorOf(res).code).toBe('invalid');
    }
  });

  it('is open to a manager (moodle/site:viewreports) and closed to a student', async () => {
    expect((await manager.get('/api/audit')).status).toBe(200);
    const s = await signIn(t, 'student');
    const res = await s.get('/api/audit');
    expect(res.status).toBe(403);
    expect(errorOf(res).message).toBe('You need the capability moodle/site:viewreports to do this');
    expect((await s.get('/api/audit/actions')).status).toBe(403);
  });
});

describe('GET /api/audit/actions', () => {
  it('lists each action once, sorted', async () => {
    const res = await manager.get('/api/audit/actions');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['auth.login', 'config.set', 'role.create', 'user.create', 'user.delete', 'user.update']);
  });
});
