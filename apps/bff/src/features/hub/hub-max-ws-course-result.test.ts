import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, config } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, hubCall, rpc, siteInfo } from './hub-rpc.test-helpers';

// local_hub's maxwscourseresult (admin/settings.php set_config('maxwscourseresult', …, 'local_hub'),
// default HUB_MAXWSCOURSESRESULT 25 in lib.php; the settings form refuses less than 1 with
// maxwscourseresultempty 'Maximum course result must be > 0'), and hub_get_courses paging with it
// (externallib.php get_courses: $maxcourses = get_config('local_hub', 'maxwscourseresult'),
// $limitfrom = options.givememore).

let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };

type Result = { courses: { fullname: string }[]; coursetotal: number };

const configValue = async (name: string) =>
  (await t.store.db.select().from(config).where(eq(config.name, name)).limit(1)).at(0)?.value as string | undefined;
const errorOf = (res: { body: unknown }) => (res.body as { error: { fields?: Record<string, string> } }).error;

/**
 * The community block's search (blocks/community/communitycourse.php → locallib.php
 * block_community_manager::get_courses): search, downloadable, enrollable, options with
 * coverage 'all' (the form's default), orderby and givememore, positional, with the public token.
 */
const communitySearch = (givememore: number) =>
  hubCall<Result>(
    t,
    'hub_get_courses',
    ['', 0, true, { coverage: 'all', orderby: 'fullname', givememore }],
    'publichub',
  );

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: 'https://hub.example.org' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Paging hub', maxCoursesPerDay: 100 });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  const reg = await rpc<typeof site>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo('Paging site', 'https://paging.example') }],
    token,
  );
  site = reg.value as typeof site;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const courses = [1, 2, 3, 4, 5].map((i) =>
    courseInfo(i, `Course ${i}`, { enrollable: true, courseurl: `https://paging.example/course/view.php?id=${i}` }),
  );
  const res = await hubCall<number[]>(t, 'hub_register_courses', [courses], site.token);
  if (res.value?.length !== 5) throw new Error(res.text);
});

afterAll(() => t?.close());

describe('maxwscourseresult', () => {
  it("defaults to local_hub's 25", async () => {
    expect((await admin.get('/api/hub/settings')).body.maxWsCourseResult).toBe(25);
    const all = await communitySearch(0);
    expect(all.fault, all.text).toBeUndefined();
    expect(all.value?.courses).toHaveLength(5);
  });

  it('refuses anything but a whole number from 1 to 1000, with a clear error, and changes nothing', async () => {
    for (const v of [0, -3, 2.5, '10', null, 1001]) {
      const res = await admin.patch('/api/hub/settings', { maxWsCourseResult: v });
      expect(res.status, JSON.stringify(v)).toBe(400);
      expect(errorOf(res).fields?.maxWsCourseResult, JSON.stringify(v)).toBeTruthy();
    }
    const zero = await admin.patch('/api/hub/settings', { maxWsCourseResult: 0 });
    expect(errorOf(zero).fields?.maxWsCourseResult).toMatch(/^Maximum course result must be > 0/);
    expect(await configValue('hub_maxwscourseresult')).toBeUndefined();
    expect((await admin.get('/api/hub/settings')).body.maxWsCourseResult).toBe(25);
  });

  it('is saved, audited, and pages hub_get_courses: givememore is the offset, the page its size', async () => {
    const res = await admin.patch('/api/hub/settings', { maxWsCourseResult: 2 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.settings.maxWsCourseResult).toBe(2);
    expect(await configValue('hub_maxwscourseresult')).toBe('2');
    const audit = await t.store.db.select().from(auditLog).where(eq(auditLog.targetId, 'hub_maxwscourseresult'));
    expect(audit.map((a) => a.summary)).toEqual([
      'Changed the hub maximum courses returned per search call from "25" to "2"',
    ]);

    const pages = await Promise.all([0, 2, 4].map(communitySearch));
    expect(pages.map((p) => p.value?.courses.map((c) => c.fullname))).toEqual([
      ['Course 1', 'Course 2'],
      ['Course 3', 'Course 4'],
      ['Course 5'],
    ]);
    // coursetotal is the whole search, whatever the page.
    expect(pages.map((p) => p.value?.coursetotal)).toEqual([5, 5, 5]);
    // A registered site's own courses (allsitecourses = 1) are all returned, not paged.
    const own = await hubCall<Result>(t, 'hub_get_courses', ['', 1, 1, { allsitecourses: 1 }], site.token);
    expect(own.value?.courses).toHaveLength(5);
  });
});
