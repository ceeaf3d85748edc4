import { LIST_COUNT_CAP } from '@gatehouse/shared';
import { eq, inArray, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalTokens } from '../../db/schema';
import { type Client, makeClock, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import type { Actor } from '../audit/audit.service';
import { addServiceFunctions, createService } from '../services/services.service';

// Manage tokens pages by keyset (issue 18, §4): Previous / Next follow opaque cursors, every page
// as cheap as the first, stable while tokens come and go; the total is counted up to 10 000.

let t: TestApp;
let admin: Client;
let serviceA: number;
let serviceB: number;
const clock = makeClock(2_000_000_000);
const DAY = 86400;

interface Page {
  items: { id: number; name: string; validUntil: number | null }[];
  total: number;
  totalCapped: boolean;
  next: string | null;
  prev: string | null;
}

async function list(query: string): Promise<Page> {
  const res = await admin.get(`/api/tokens?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as Page;
}

let seq = 0;
/** A token straight into the table (no cache hears of it: the totals follow total_changes()). */
async function addToken(o: {
  name: string;
  user: string;
  service: number;
  validUntil?: number | null;
  lastAccess?: number | null;
  created?: number;
}): Promise<number> {
  seq++;
  const userId = await t.userId(o.user);
  const [row] = await t.store.db
    .insert(externalTokens)
    .values({
      tokenHash: `hash-keyset-${seq}`,
      stub: 'stub',
      name: o.name,
      userId,
      serviceId: o.service,
      origin: 'admin',
      timecreated: o.created ?? clock.t,
      validUntil: o.validUntil ?? null,
      lastAccess: o.lastAccess ?? null,
    })
    .returning({ id: externalTokens.id });
  written();
  return row!.id;
}

/** Written past withWrite: on PostgreSQL nothing else tells the cached totals (SQLite's total_changes() does). */
function written(): void {
  t.deps.gen.bump();
}

beforeAll(async () => {
  t = await makeTestApp({ now: clock.now });
  admin = await signIn(t, 'admin');
  const actor: Actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  for (const [name, short] of [
    ['Keyset A', 'keyset_a'],
    ['Keyset B', 'keyset_b'],
  ] as const) {
    const s = await createService(t.deps, serviceBody(name, short) as Parameters<typeof createService>[1], actor);
    await addServiceFunctions(t.deps, s.id, ['core_webservice_get_site_info'], actor);
    if (short === 'keyset_a') serviceA = s.id;
    else serviceB = s.id;
  }
  // Ties on every sort (same names, same times, same users, NULLs), so only the id tells rows apart.
  const users = ['student', 'teacher', 'manager', 'student2'];
  for (let i = 0; i < 29; i++) {
    await addToken({
      name: `KS ${String(i % 7).padStart(2, '0')}`,
      user: users[i % users.length]!,
      service: i % 3 ? serviceA : serviceB,
      validUntil: i % 4 === 0 ? null : clock.t + (i % 5) * DAY,
      lastAccess: i % 3 === 0 ? null : clock.t - (i % 4) * 60,
      created: clock.t - (i % 6),
    });
  }
});
afterAll(() => t?.close());

const SORTS = ['name', 'user', 'service', 'timecreated', 'validuntil', 'lastaccess'] as const;

describe('keyset paging', () => {
  it.each(SORTS)(
    'sorted by %s: Next from the first page to the last, then Previous back, is the whole list',
    async (sort) => {
      for (const dir of ['asc', 'desc']) {
        const base = `name=KS&sort=${sort}&dir=${dir}`;
        const whole = (await list(`${base}&perPage=100`)).items.map((x) => x.id);
        expect(whole).toHaveLength(29);
        const pages: number[][] = [];
        let page = await list(`${base}&perPage=4`);
        expect(page.prev).toBeNull();
        pages.push(page.items.map((x) => x.id));
        while (page.next) {
          page = await list(`${base}&perPage=4&cursor=${page.next}`);
          pages.push(page.items.map((x) => x.id));
        }
        expect(pages.flat(), `${sort} ${dir}`).toEqual(whole);
        expect(pages).toHaveLength(8);
        // Back from the last page, one page at a time.
        const back: number[][] = [page.items.map((x) => x.id)];
        while (page.prev) {
          page = await list(`${base}&perPage=4&cursor=${page.prev}`);
          back.unshift(page.items.map((x) => x.id));
        }
        // The last page holds 1 row; going back, pages are full and end at the first page.
        expect(back.flat()).toEqual(whole);
        expect(back[0]).toEqual(whole.slice(0, 4));
      }
    },
  );

  it('the next page starts where the last one ended, whatever was added or removed meanwhile', async () => {
    const base = 'name=KS&sort=timecreated&dir=desc&perPage=5';
    const first = await list(base);
    const seen = first.items.map((x) => x.id);
    // New tokens at the top of the list, and one of the first page revoked.
    await addToken({ name: 'KS new 1', user: 'student', service: serviceA, created: clock.t + 100 });
    await addToken({ name: 'KS new 2', user: 'student', service: serviceA, created: clock.t + 100 });
    await t.store.db.delete(externalTokens).where(eq(externalTokens.id, seen[0]!));
    written();
    const second = await list(`${base}&cursor=${first.next}`);
    const whole = (await list('name=KS&sort=timecreated&dir=desc&perPage=100')).items.map((x) => x.id);
    const at = whole.indexOf(seen[4]!);
    expect(second.items.map((x) => x.id)).toEqual(whole.slice(at + 1, at + 6));
    // Previous from the second page: the rows before it, now.
    const back = await list(`${base}&cursor=${second.prev}`);
    expect(back.items.map((x) => x.id)).toEqual(whole.slice(at - 4, at + 1));
    await t.store.db.delete(externalTokens).where(like(externalTokens.name, 'KS new%'));
    written();
  });

  it('Previous when the rows before went away: the first page, full', async () => {
    const base = 'name=KS&sort=name&dir=asc&perPage=3';
    const first = await list(base);
    const second = await list(`${base}&cursor=${first.next}`);
    const gone = first.items.map((x) => x.id);
    const restore = await t.store.db.select().from(externalTokens).where(inArray(externalTokens.id, gone));
    await t.store.db.delete(externalTokens).where(inArray(externalTokens.id, gone));
    written();
    const back = await list(`${base}&cursor=${second.prev}`);
    expect(back.prev).toBeNull();
    expect(back.items).toHaveLength(3);
    expect(back.items.map((x) => x.id)).toEqual((await list(base)).items.map((x) => x.id));
    await t.store.db.insert(externalTokens).values(restore);
    written();
  });

  it('refuses a cursor that is not one, or one made for another order, with a clear 400', async () => {
    const first = await list('name=KS&sort=name&dir=asc&perPage=3');
    for (const bad of [
      'garbage',
      Buffer.from('[1,2,3]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('["tokens.name.asc","a",{"x":1},5]').toString('base64url'),
      Buffer.from('["tokens.name.asc","z","KS",5]').toString('base64url'),
    ]) {
      const res = await admin.get(`/api/tokens?sort=name&dir=asc&cursor=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message).toMatch(/first page/);
    }
    for (const other of ['sort=name&dir=desc', 'sort=user&dir=asc']) {
      const res = await admin.get(`/api/tokens?${other}&cursor=${first.next}`);
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ cursor: 'Not a cursor of this list and order' });
    }
    expect((await admin.get('/api/tokens?cursor=not%20base64!')).status).toBe(400);
  });

  it('page numbers still work (offset), with cursors on their pages too', async () => {
    const byPage = await list('name=KS&sort=name&dir=asc&perPage=4&page=3');
    const whole = (await list('name=KS&sort=name&dir=asc&perPage=100')).items.map((x) => x.id);
    expect(byPage.items.map((x) => x.id)).toEqual(whole.slice(8, 12));
    expect((await list(`name=KS&sort=name&dir=asc&perPage=4&cursor=${byPage.next}`)).items.map((x) => x.id)).toEqual(
      whole.slice(12, 16),
    );
    expect((await list(`name=KS&sort=name&dir=asc&perPage=4&cursor=${byPage.prev}`)).items.map((x) => x.id)).toEqual(
      whole.slice(4, 8),
    );
  });
});

describe('expiry filter', () => {
  let ids: Record<string, number>;
  beforeAll(async () => {
    ids = {
      inTwoDays: await addToken({
        name: 'EXP two days',
        user: 'student',
        service: serviceA,
        validUntil: clock.t + 2 * DAY,
      }),
      inTenDays: await addToken({
        name: 'EXP ten days',
        user: 'student',
        service: serviceA,
        validUntil: clock.t + 10 * DAY,
      }),
      inYear: await addToken({
        name: 'EXP a year',
        user: 'student',
        service: serviceA,
        validUntil: clock.t + 365 * DAY,
      }),
      expired: await addToken({
        name: 'EXP expired',
        user: 'student',
        service: serviceA,
        validUntil: clock.t - 3 * DAY,
      }),
      never: await addToken({ name: 'EXP never', user: 'student', service: serviceA, validUntil: null }),
    };
  });
  const names = async (q: string) => (await list(`name=EXP&sort=validuntil&dir=asc&${q}`)).items.map((x) => x.name);

  it('expiring within N days: not yet expired, Valid until within N days from now, without expiry left out', async () => {
    expect(await names('expiringWithin=7')).toEqual(['EXP two days']);
    expect(await names('expiringWithin=30')).toEqual(['EXP two days', 'EXP ten days']);
    expect(await names('expiringWithin=3650')).toEqual(['EXP two days', 'EXP ten days', 'EXP a year']);
    expect((await list('name=EXP&expiringWithin=30')).total).toBe(2);
  });

  it('expired: Valid until has passed', async () => {
    expect(await names('expired=true')).toEqual(['EXP expired']);
    expect(await names('expired=false')).toHaveLength(5);
  });

  it('follows the clock', async () => {
    clock.advance(3 * DAY);
    try {
      admin = await signIn(t, 'admin');
      expect(await names('expired=true')).toEqual(['EXP expired', 'EXP two days']);
      expect(await names('expiringWithin=7')).toEqual(['EXP ten days']);
    } finally {
      clock.advance(-3 * DAY);
      admin = await signIn(t, 'admin');
    }
  });

  it('refuses bad values with a field error', async () => {
    for (const q of [
      'expiringWithin=0',
      'expiringWithin=1.5',
      'expiringWithin=3651',
      'expiringWithin=x',
      'expired=yes',
    ]) {
      const res = await admin.get(`/api/tokens?${q}`);
      expect(res.status, q).toBe(400);
    }
    const both = await admin.get('/api/tokens?expired=true&expiringWithin=7');
    expect(both.status).toBe(400);
    expect(both.body.error.fields).toHaveProperty('expiringWithin');
    expect(ids.never).toBeGreaterThan(0);
  });
});

describe('capped count', () => {
  beforeAll(async () => {
    const teacher = await t.userId('teacher');
    const rows = Array.from({ length: LIST_COUNT_CAP + 50 }, (_, i) => ({
      tokenHash: `hash-cap-${i}`,
      stub: 'stub',
      name: `CAP ${i}`,
      userId: teacher,
      serviceId: serviceB,
      origin: 'admin' as const,
      timecreated: clock.t - i,
    }));
    for (let i = 0; i < rows.length; i += 1000) await t.store.db.insert(externalTokens).values(rows.slice(i, i + 1000));
    written();
  });

  it('counts at most 10 000 rows: past them the total says 10 000+', async () => {
    const all = await list('perPage=5');
    expect(all.total).toBe(LIST_COUNT_CAP);
    expect(all.totalCapped).toBe(true);
    expect(all.next).not.toBeNull();
  });

  it('an exact total below the cap, including 10 000 itself', async () => {
    const some = await list('name=KS&perPage=5');
    const n = (await list('name=KS&perPage=100')).items.length;
    expect(n).toBeGreaterThan(20);
    expect(some).toMatchObject({ total: n, totalCapped: false });
    // Exactly 10 000 rows: not capped.
    await t.store.db.delete(externalTokens).where(inArray(externalTokens.name, ['CAP 0', 'CAP 1', 'CAP 2']));
    written();
    const cap = await list(`serviceId=${serviceB}&name=CAP&perPage=5`);
    expect(cap).toMatchObject({ total: LIST_COUNT_CAP, totalCapped: true });
    await t.store.db.delete(externalTokens).where(inArray(externalTokens.name, ['CAP 3', 'CAP 4', 'CAP 5']));
    const beyond = Array.from({ length: 44 }, (_, i) => `CAP ${LIST_COUNT_CAP + 6 + i}`);
    await t.store.db.delete(externalTokens).where(inArray(externalTokens.name, beyond));
    written();
    const exact = await list(`name=CAP&perPage=5`);
    expect(exact).toMatchObject({ total: LIST_COUNT_CAP, totalCapped: false });
  });
});
