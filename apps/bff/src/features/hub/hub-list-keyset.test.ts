import { HUB_COURSE_SORTS, HUB_SITE_SORTS, LIST_COUNT_CAP } from '@gatehouse/shared';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubCourses, hubSites } from '../../db/schema';
import { firstRow } from '../../db/sql';
import { type Client, makeClock, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// Manage sites and Manage courses page by keyset (issue 18, §4), as Manage tokens does: Previous /
// Next follow opaque cursors, stable while rows come and go, on every sort and in both directions;
// the total is counted up to 10 000 ("10 000+").

let t: TestApp;

/** Removes sites or courses written directly by the tests (on both dialects, through drizzle). */
const removeSites = (ids: number[]) => t.store.db.delete(hubSites).where(inArray(hubSites.id, ids));
const removeCourses = (ids: number[]) => t.store.db.delete(hubCourses).where(inArray(hubCourses.id, ids));
const markCoursesDeleted = (ids: number[], deleted: boolean) =>
  t.store.db.update(hubCourses).set({ deleted }).where(inArray(hubCourses.id, ids));
let admin: Client;
const clock = makeClock(1_900_000_000);

interface Page {
  items: { id: number; name?: string; fullname?: string; site?: unknown }[];
  total: number;
  totalCapped: boolean;
  next: string | null;
  prev: string | null;
}

async function list(what: 'sites' | 'courses', query: string): Promise<Page> {
  const res = await admin.get(`/api/hub/${what}?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as Page;
}

let seq = 0;
async function addSite(o: {
  name: string;
  language?: string;
  country?: string;
  trusted?: boolean;
  prioritised?: boolean;
  visible?: boolean;
  registered?: number;
  confirmed?: number | null;
  deleted?: boolean;
}): Promise<number> {
  seq++;
  return firstRow(
    await t.store.db
      .insert(hubSites)
      .values({
        name: o.name,
        url: `https://ks-${seq}.example`,
        language: o.language ?? 'en',
        country: o.country ?? '',
        trusted: o.trusted ?? false,
        prioritised: o.prioritised ?? false,
        visible: o.visible ?? true,
        timeRegistered: o.registered ?? clock.t,
        timeModified: clock.t,
        timeConfirmed: o.confirmed ?? null,
        deleted: o.deleted ?? false,
      })
      .returning({ id: hubSites.id }),
  ).id;
}

async function addCourse(o: {
  fullname: string;
  siteId: number | null;
  language?: string;
  visible?: boolean;
  published?: number;
  modified?: number;
}): Promise<number> {
  seq++;
  return firstRow(
    await t.store.db
      .insert(hubCourses)
      .values({
        siteId: o.siteId,
        siteCourseId: seq,
        fullname: o.fullname,
        shortname: `KS${seq}`,
        language: o.language ?? 'en',
        audience: 'students',
        educationalLevel: 'secondary',
        visible: o.visible ?? false,
        timePublished: o.published ?? clock.t,
        timeModified: o.modified ?? clock.t,
      })
      .returning({ id: hubCourses.id }),
  ).id;
}

const siteIds: number[] = [];

beforeAll(async () => {
  t = await makeTestApp({ now: clock.now });
  admin = await signIn(t, 'admin');
  // Ties on every sort (same names, languages, states, times, NULLs), so only the id tells rows apart.
  for (let i = 0; i < 23; i++) {
    siteIds.push(
      await addSite({
        name: `KS site ${i % 5}`,
        language: ['en', 'fr', 'es'][i % 3],
        country: ['', 'FR', 'NZ'][i % 3],
        trusted: i % 2 === 0,
        prioritised: i % 4 === 0,
        visible: i % 3 !== 0,
        registered: clock.t - (i % 4),
        confirmed: i % 3 === 1 ? null : clock.t - (i % 2),
        deleted: i % 7 === 6,
      }),
    );
  }
  // Courses: some sites publish several (the "courses" sort), some none; some courses have no site.
  for (let i = 0; i < 27; i++) {
    await addCourse({
      fullname: `KS course ${i % 6}`,
      siteId: i % 5 === 4 ? null : (siteIds[i % 9] as number),
      language: ['en', 'de'][i % 2],
      visible: i % 3 === 0,
      published: clock.t - (i % 4),
      modified: clock.t - (i % 3),
    });
  }
});
afterAll(() => t?.close());

/** Next from the first page to the last, then Previous back to the first: the whole list both times. */
async function walk(what: 'sites' | 'courses', base: string, expected: number) {
  const whole = (await list(what, `${base}&perPage=100`)).items.map((x) => x.id);
  expect(whole).toHaveLength(expected);
  let page = await list(what, `${base}&perPage=4`);
  expect(page.prev).toBeNull();
  expect(page.total).toBe(expected);
  const pages: number[][] = [page.items.map((x) => x.id)];
  while (page.next) {
    page = await list(what, `${base}&perPage=4&cursor=${page.next}`);
    pages.push(page.items.map((x) => x.id));
  }
  expect(pages.flat(), base).toEqual(whole);
  expect(pages).toHaveLength(Math.ceil(expected / 4));
  const back: number[][] = [page.items.map((x) => x.id)];
  while (page.prev) {
    page = await list(what, `${base}&perPage=4&cursor=${page.prev}`);
    back.unshift(page.items.map((x) => x.id));
  }
  expect(back.flat(), base).toEqual(whole);
  expect(back[0]).toEqual(whole.slice(0, 4));
}

describe('Manage sites: keyset paging', () => {
  it.each(HUB_SITE_SORTS)(
    'sorted by %s, both ways: Next to the end and Previous back is the whole list',
    async (sort) => {
      for (const dir of ['asc', 'desc']) await walk('sites', `search=KS&status=all&sort=${sort}&dir=${dir}`, 23);
    },
  );

  it('the order is the sort key, then the id (ties broken the same way every time)', async () => {
    const rows = (await list('sites', 'search=KS&status=all&sort=name&perPage=100')).items;
    const key = rows.map((r) => [r.name, r.id] as const);
    const sorted = [...key].sort((a, b) =>
      a[0] === b[0] ? a[1] - b[1] : (a[0] as string) < (b[0] as string) ? -1 : 1,
    );
    expect(key).toEqual(sorted);
  });

  it('filters and cursors work together (registered only: the unregistered ones left out)', async () => {
    await walk('sites', 'search=KS&sort=timeconfirmed&dir=desc', 20);
    await walk('sites', 'search=KS&status=all&trusted=yes&sort=courses&dir=asc', 12);
  });

  it('the next page starts where the last one ended, whatever was added or removed meanwhile', async () => {
    const base = 'search=KS&status=all&sort=timeregistered&dir=desc&perPage=5';
    const gone = await addSite({ name: 'KS gone', registered: clock.t + 50 });
    const first = await list('sites', base);
    const seen = first.items.map((x) => x.id);
    expect(seen[0]).toBe(gone);
    // Two new sites at the top of the list, and the first one of the page removed.
    const added = [
      await addSite({ name: 'KS new', registered: clock.t + 100 }),
      await addSite({ name: 'KS new', registered: clock.t + 100 }),
    ];
    await removeSites([gone]);
    const second = await list('sites', `${base}&cursor=${first.next}`);
    const whole = (await list('sites', 'search=KS&status=all&sort=timeregistered&dir=desc&perPage=100')).items.map(
      (x) => x.id,
    );
    const at = whole.indexOf(seen[4] as number);
    expect(second.items.map((x) => x.id)).toEqual(whole.slice(at + 1, at + 6));
    const back = await list('sites', `${base}&cursor=${second.prev}`);
    expect(back.items.map((x) => x.id)).toEqual(whole.slice(at - 4, at + 1));
    expect(whole.slice(0, 2).sort()).toEqual(added.sort());
    await removeSites(added);
  });

  it('refuses a cursor that is not one, or one made for another order, with a clear 400', async () => {
    const first = await list('sites', 'search=KS&status=all&sort=name&dir=asc&perPage=3');
    for (const other of ['sort=name&dir=desc', 'sort=url&dir=asc']) {
      const res = await admin.get(`/api/hub/sites?${other}&cursor=${first.next}`);
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ cursor: 'Not a cursor of this list and order' });
    }
    for (const bad of ['garbage', Buffer.from('["hub-sites.name.asc","a",{"x":1},5]').toString('base64url')]) {
      const res = await admin.get(`/api/hub/sites?sort=name&cursor=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message).toMatch(/first page/);
    }
    // A Manage courses cursor is not one of Manage sites.
    const courses = await list('courses', 'search=KS&sort=fullname&dir=asc&perPage=3');
    expect((await admin.get(`/api/hub/sites?sort=name&cursor=${courses.next}`)).status).toBe(400);
  });
});

describe('Manage courses: keyset paging', () => {
  it.each(HUB_COURSE_SORTS)(
    'sorted by %s, both ways: Next to the end and Previous back is the whole list',
    async (sort) => {
      for (const dir of ['asc', 'desc']) await walk('courses', `search=KS&sort=${sort}&dir=${dir}`, 27);
    },
  );

  it('courses without a site come first by site ascending, last descending', async () => {
    const asc = await list('courses', 'search=KS&sort=site&dir=asc&perPage=100');
    const orphans = asc.items.filter((c) => !c.site).map((c) => c.id);
    expect(orphans).toHaveLength(5);
    expect(asc.items.slice(0, 5).map((c) => c.id)).toEqual(orphans);
    const desc = await list('courses', 'search=KS&sort=site&dir=desc&perPage=100');
    expect(desc.items.slice(-5).map((c) => c.id)).toEqual([...orphans].reverse());
  });

  it('filters and cursors work together', async () => {
    await walk('courses', 'search=KS&visibility=visible&sort=site&dir=desc', 9);
    await walk('courses', `search=KS&siteId=${siteIds[0]}&language=en&sort=timemodified&dir=asc`, 2);
  });

  it('the next page starts where the last one ended, whatever was added or removed meanwhile', async () => {
    const base = 'search=KS&sort=fullname&dir=asc&perPage=5';
    const first = await list('courses', base);
    const seen = first.items.map((x) => x.id);
    const added = [
      await addCourse({ fullname: 'KS course 0', siteId: null }),
      await addCourse({ fullname: 'KS a', siteId: null }),
    ];
    await removeCourses([seen[1] as number]);
    const second = await list('courses', `${base}&cursor=${first.next}`);
    const whole = (await list('courses', 'search=KS&sort=fullname&dir=asc&perPage=100')).items.map((x) => x.id);
    const at = whole.indexOf(seen[4] as number);
    expect(second.items.map((x) => x.id)).toEqual(whole.slice(at + 1, at + 6));
    const back = await list('courses', `${base}&cursor=${second.prev}`);
    expect(back.items.map((x) => x.id)).toEqual(whole.slice(at - 4, at + 1));
    await removeCourses(added);
  });

  it('Previous when the rows before went away: the first page, full', async () => {
    const base = 'search=KS&sort=timepublished&dir=desc&perPage=3';
    const first = await list('courses', base);
    const second = await list('courses', `${base}&cursor=${first.next}`);
    await markCoursesDeleted(
      first.items.map((x) => x.id),
      true,
    );
    const back = await list('courses', `${base}&cursor=${second.prev}`);
    expect(back.prev).toBeNull();
    expect(back.items.map((x) => x.id)).toEqual((await list('courses', base)).items.map((x) => x.id));
    expect(back.items).toHaveLength(3);
    await markCoursesDeleted(
      first.items.map((x) => x.id),
      false,
    );
  });

  it('page numbers still work (offset), with cursors on their pages', async () => {
    const whole = (await list('courses', 'search=KS&sort=fullname&perPage=100')).items.map((x) => x.id);
    const byPage = await list('courses', 'search=KS&sort=fullname&perPage=4&page=3');
    expect(byPage.items.map((x) => x.id)).toEqual(whole.slice(8, 12));
    const next = await list('courses', `search=KS&sort=fullname&perPage=4&cursor=${byPage.next}`);
    expect(next.items.map((x) => x.id)).toEqual(whole.slice(12, 16));
  });
});

describe('capped count', () => {
  beforeAll(async () => {
    // Through drizzle, in batches (both dialects; PostgreSQL takes at most 65 535 parameters).
    const all = Array.from({ length: LIST_COUNT_CAP + 20 }, (_, i) => i);
    const BATCH = 500;
    for (let from = 0; from < all.length; from += BATCH) {
      const part = all.slice(from, from + BATCH);
      await t.store.db.insert(hubSites).values(
        part.map((i) => ({
          name: `CAP site ${i}`,
          url: `https://cap-${i}.example`,
          timeRegistered: clock.t,
          timeModified: clock.t,
        })),
      );
      await t.store.db.insert(hubCourses).values(
        part.map((i) => ({
          siteCourseId: i,
          fullname: `CAP course ${i}`,
          shortname: 'CAP',
          audience: 'students',
          educationalLevel: 'secondary',
          timePublished: clock.t,
          timeModified: clock.t,
        })),
      );
    }
  });

  it('counts up to 10 000 and says there are more', async () => {
    for (const what of ['sites', 'courses'] as const) {
      const page = await list(what, 'search=CAP&perPage=10');
      expect(page.total, what).toBe(LIST_COUNT_CAP);
      expect(page.totalCapped, what).toBe(true);
      expect(page.items).toHaveLength(10);
      expect(page.next).not.toBeNull();
    }
  });

  it('an exact total under the cap, and the count follows a change', async () => {
    // Every word must appear: "1001" is in 1001 and 10010 to 10019.
    const matching = Array.from({ length: LIST_COUNT_CAP + 20 }, (_, i) => String(i)).filter((n) => n.includes('1001'));
    expect(matching).toHaveLength(11);
    expect(await list('courses', 'search=CAP%201001')).toMatchObject({ total: 11, totalCapped: false });
    await t.store.db.delete(hubCourses).where(eq(hubCourses.fullname, 'CAP course 1001'));
    // A write outside withWrite: SQLite's data_version shows it, PostgreSQL's listener does not.
    t.deps.gen.bump();
    expect(await list('courses', 'search=CAP%201001')).toMatchObject({ total: 10, totalCapped: false });
    expect(await list('sites', 'search=CAP%20site%201234')).toMatchObject({ total: 1, totalCapped: false });
  });
});
