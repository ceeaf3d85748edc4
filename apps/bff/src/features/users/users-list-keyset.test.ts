import { LIST_COUNT_CAP, USER_SORTS } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import {
  type Client,
  errorOf,
  makeClock,
  makeTestApp,
  restCall,
  serviceBody,
  signIn,
  type TestApp,
} from '../../test/helpers';

// Browse list of users on the list kit (issue 18 §4): Previous / Next follow keyset cursors,
// stable while users come and go, on every sort in both directions; the total is counted up to
// 10 000 ("10 000+"). And the list's bulk action: suspend / unsuspend the selected users, all or
// none, audited.

const clock = makeClock(2_000_000_000);
let t: TestApp;
let admin: Client;

interface Page {
  items: { id: number; username: string; suspended: boolean }[];
  total: number;
  totalCapped: boolean;
  next: string | null;
  prev: string | null;
}

async function list(query: string): Promise<Page> {
  const res = await admin.get(`/api/users?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as Page;
}

let seq = 0;
/** Users straight into the table, with ties on every sort (names, times, NULL last logins). */
async function addUsers(n: number, prefix: string) {
  await t.store.db.insert(users).values(
    Array.from({ length: n }, (_, i) => {
      seq++;
      return {
        username: `${prefix}${String(seq).padStart(5, '0')}`,
        firstname: `First ${i % 3}`,
        lastname: `Last ${i % 4}`,
        email: `${prefix}${i % 5}@example.net`,
        passwordHash: '!',
        timecreated: clock.t - (i % 6),
        timemodified: clock.t,
        lastlogin: i % 3 === 0 ? null : clock.t - (i % 4) * 60,
      };
    }),
  );
}

beforeAll(async () => {
  t = await makeTestApp({ now: clock.now });
  admin = await signIn(t, 'admin');
  await addUsers(29, 'ks');
});
afterAll(() => t?.close());

describe('keyset paging', () => {
  it.each(USER_SORTS)('sorted by %s: Next to the last page, then Previous back, is the whole list', async (sort) => {
    for (const dir of ['asc', 'desc']) {
      const base = `search=ks&sort=${sort}&dir=${dir}`;
      const whole = (await list(`${base}&perPage=100`)).items.map((x) => x.id);
      expect(whole).toHaveLength(29);
      const pages: number[][] = [];
      let page = await list(`${base}&perPage=4`);
      expect(page.prev).toBeNull();
      expect(page.total).toBe(29);
      pages.push(page.items.map((x) => x.id));
      while (page.next) {
        page = await list(`${base}&perPage=4&cursor=${page.next}`);
        pages.push(page.items.map((x) => x.id));
      }
      expect(pages.flat(), `${sort} ${dir}`).toEqual(whole);
      expect(pages).toHaveLength(8);
      const back: number[][] = [page.items.map((x) => x.id)];
      while (page.prev) {
        page = await list(`${base}&perPage=4&cursor=${page.prev}`);
        back.unshift(page.items.map((x) => x.id));
      }
      expect(back.flat()).toEqual(whole);
      expect(back[0]).toEqual(whole.slice(0, 4));
    }
  });

  it('stays in place while users are added before the page: nothing is skipped or seen twice', async () => {
    const first = await list('search=ks&sort=username&perPage=10');
    // Sorted before every ks user ('-' < '0'; a 2-character search matches usernames that start with it): offset paging would shift by one and show a row twice.
    await t.store.db
      .insert(users)
      .values({ username: 'ks-new', firstname: 'A', lastname: 'A', email: 'ks-new@example.net', passwordHash: '!' });
    const second = await list(`search=ks&sort=username&perPage=10&cursor=${first.next}`);
    const ids = [...first.items, ...second.items].map((u) => u.username);
    expect(new Set(ids).size).toBe(20);
    expect(second.items[0]?.username).toBe('ks00011');
    // Previous from the second page gives the first page and now begins with the new user.
    const back = await list(`search=ks&sort=username&perPage=10&cursor=${second.prev}`);
    expect(back.items.map((u) => u.username)).toEqual(first.items.map((u) => u.username));
    expect(back.prev).not.toBeNull();
    const start = await list(`search=ks&sort=username&perPage=10&cursor=${back.prev}`);
    expect(start.items[0]?.username).toBe('ks-new');
    expect(start.prev).toBeNull();
  });

  it('refuses a cursor of another order, or none at all, with 400 and the field', async () => {
    const byName = await list('search=ks&sort=username&perPage=4');
    for (const q of [
      `sort=email&cursor=${byName.next}`,
      `sort=username&dir=desc&cursor=${byName.next}`,
      'cursor=bm90LWEtY3Vyc29y',
      'cursor=not%20base64!',
    ]) {
      const res = await admin.get(`/api/users?${q}`);
      expect(res.status, q).toBe(400);
      expect(Object.keys(errorOf(res).fields ?? {}), q).toEqual(['cursor']);
    }
  });
});

describe('capped count', () => {
  beforeAll(async () => {
    const rows = Array.from({ length: LIST_COUNT_CAP + 20 }, (_, i) => ({
      username: `cap${i}`,
      firstname: 'Cap',
      lastname: 'Ped',
      email: 'cap@example.net',
      passwordHash: '!',
    }));
    for (let i = 0; i < rows.length; i += 250) await t.store.db.insert(users).values(rows.slice(i, i + 250));
    // Written past withWrite: on PostgreSQL nothing else tells the cached totals (SQLite's total_changes() does).
    t.deps.gen.bump();
  });

  it('counts at most 10 000 users: past them the total says 10 000+; below, exactly', async () => {
    const all = await list('perPage=5');
    expect(all).toMatchObject({ total: LIST_COUNT_CAP, totalCapped: true });
    expect(all.next).not.toBeNull();
    const deep = await list(`perPage=5&cursor=${all.next}`);
    expect(deep.items).toHaveLength(5);
    // The 29 ks users and ks-new.
    expect(await list('search=ks&perPage=5')).toMatchObject({ total: 30, totalCapped: false });
  });
});

describe('bulk suspend and unsuspend', () => {
  const id = async (username: string) => await t.userId(username);
  const suspend = (ids: number[], suspended = true, by = admin) => by.post('/api/users/suspend', { ids, suspended });

  it('suspends the selected users, ends their sessions and stops their tokens; audited per user', async () => {
    const res0 = await admin.post('/api/services', serviceBody('Bulk', 'bulk', { enabled: true }));
    expect(res0.status, res0.text).toBe(201);
    await admin.post(`/api/services/${res0.body.id}/functions`, { functions: ['core_webservice_get_site_info'] });
    await t.deps.settings.apply(
      { enablewebservices: '1', webserviceprotocols: 'rest' },
      { id: null, username: 'system', ip: '' },
    );
    const tok = await admin.post('/api/tokens', { userId: await id('teacher'), serviceId: res0.body.id });
    expect(tok.status, tok.text).toBe(201);
    const teacher = await signIn(t, 'teacher');
    expect((await teacher.get('/api/auth/me')).status).toBe(200);

    const res = await suspend([await id('teacher'), await id('student'), await id('student')]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ count: 2 });
    expect((await admin.get(`/api/users/${await id('teacher')}`)).body.suspended).toBe(true);
    expect((await admin.get(`/api/users/${await id('student')}`)).body.suspended).toBe(true);
    expect((await teacher.get('/api/auth/me')).status).toBe(401);
    const call = await restCall(t, tok.body.secret, 'core_webservice_get_site_info');
    expect(call.body.debuginfo ?? call.body.message).toBeDefined();
    expect(call.body.errorcode).toBe('accessexception');

    const audit = await admin.get(`/api/audit?action=user.update&perPage=50`);
    const summaries = (audit.body.items as { summary: string }[]).map((a) => a.summary);
    expect(summaries).toContain('Suspended user teacher (bulk action)');
    expect(summaries).toContain('Suspended user student (bulk action)');

    // Already suspended: nothing to do, nothing audited.
    expect((await suspend([await id('teacher')])).body).toEqual({ count: 0 });
    const unsuspended = await suspend([await id('teacher'), await id('student')], false);
    expect(unsuspended.body).toEqual({ count: 2 });
    expect((await admin.get(`/api/users/${await id('teacher')}`)).body.suspended).toBe(false);
  });

  it('refuses the whole request, changing nothing, when one user cannot be suspended', async () => {
    const guest = (await list('status=all&search=guest')).items.find((u) => u.username === 'guest');
    expect(guest).toBeDefined();
    for (const [who, reason] of [
      [guest!.id, 'the guest account'],
      [await id('admin'), 'yourself'],
    ] as const) {
      const res = await suspend([await id('manager'), who]);
      expect(res.status, res.text).toBe(400);
      expect(errorOf(res).message).toContain(reason);
      expect((await admin.get(`/api/users/${await id('manager')}`)).body.suspended).toBe(false);
    }
    const missing = await suspend([await id('manager'), 999_999]);
    expect(missing.status).toBe(400);
    expect(errorOf(missing).fields).toHaveProperty('ids');
    expect((await admin.get(`/api/users/${await id('manager')}`)).body.suspended).toBe(false);
  });

  it('validates the body', async () => {
    for (const body of [
      { ids: [], suspended: true },
      { ids: [1] },
      { ids: ['x'], suspended: true },
      { ids: [1], suspended: true, extra: 1 },
    ]) {
      const res = await admin.post('/api/users/suspend', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const many = await admin.post('/api/users/suspend', {
      ids: Array.from({ length: 201 }, (_, i) => i + 1),
      suspended: true,
    });
    expect(errorOf(many).fields?.ids).toBe('At most 200 users at once');
  });

  it('lets a manager suspend no one stronger than themselves (a site administrator)', async () => {
    const manager = await signIn(t, 'manager');
    const res = await suspend([await id('admin')], true, manager);
    expect([400, 403]).toContain(res.status);
    expect((await admin.get(`/api/users/${await id('admin')}`)).body.suspended).toBe(false);
  });
});
