import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses } from '../../db/schema';
import { DEMO_PASSWORD, type Json } from '../../test/helpers';
import { form, type MobileSite, startMobileSite } from '../../test/mobile-site';

// The participants screens of both Moodle Mobile apps, over the REST server of a listening site
// with mobile web services on, with a token of the built-in mobile service:
// - the seed era's app (moodlehq/moodlemobile plugins/participants/main.js): the list with
//   moodle_user_get_users_by_courseid and options[0..1] limitfrom / limitnumber (100), reading id,
//   fullname and profileimageurlsmall; one user with moodle_user_get_course_participants_by_id
//   userlist[0][userid] / userlist[0][courseid], reading users[0];
// - the current app (moodleapp src/core/features/user/services/user.ts): core_enrol_get_enrolled_users
//   with limitfrom, limitnumber and sortby=siteorder, canLoadMore = users.length >= limitNumber.

let site: MobileSite;
let token = '';
let courseid = 0;
beforeAll(async () => {
  site = await startMobileSite();
  const res = await fetch(`${site.base}/login/token.php`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: form({ username: 'student', password: DEMO_PASSWORD, service: 'moodle_mobile_app' }),
  });
  token = ((await res.json()) as { token: string }).token;
  courseid = (
    await site.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'CS101')).limit(1)
  ).at(0)?.id as number;
});
afterAll(() => site.close());

async function call(wsfunction: string, data: Record<string, string | number>): Promise<Json> {
  const res = await fetch(`${site.base}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: form({ ...data, wsfunction, wstoken: token }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expect((body as { exception?: string } | null)?.exception, JSON.stringify(body)).toBeUndefined();
  return body;
}

describe('participants in the Moodle Mobile apps', () => {
  it('the seed era app lists the participants and opens one', async () => {
    expect(token.length).toBeGreaterThan(20);
    const list = (await call('moodle_user_get_users_by_courseid', {
      courseid,
      'options[0][name]': 'limitfrom',
      'options[0][value]': 0,
      'options[1][name]': 'limitnumber',
      'options[1][value]': 100,
    })) as { id: number; fullname: string; profileimageurlsmall: string }[];
    expect(list.map((u) => u.fullname)).toEqual(
      expect.arrayContaining(['Terry Teacher', 'Sam Student', 'Sasha Learner']),
    );
    // users.length < 100: no "show more".
    expect(list.length).toBeLessThan(100);
    for (const u of list) expect(u.profileimageurlsmall).toMatch(new RegExp(`^${site.base}/pluginfile\\.php/`));
    const teacher = list.find((u) => u.fullname === 'Terry Teacher') as { id: number };
    const one = (await call('moodle_user_get_course_participants_by_id', {
      'userlist[0][userid]': teacher.id,
      'userlist[0][courseid]': courseid,
    })) as Record<string, unknown>[];
    expect(one[0]).toMatchObject({ id: teacher.id, fullname: 'Terry Teacher', email: 'teacher@example.com' });
    expect(one[0]?.profileimageurl).toMatch(/\/user\/icon\/f1$/);
  });

  it('the current app pages the participants in site order', async () => {
    const page = (limitfrom: number) =>
      call('core_enrol_get_enrolled_users', {
        courseid,
        'options[0][name]': 'limitfrom',
        'options[0][value]': limitfrom,
        'options[1][name]': 'limitnumber',
        'options[1][value]': 2,
        'options[2][name]': 'sortby',
        'options[2][value]': 'siteorder',
      }) as Promise<{ fullname: string }[]>;
    const first = await page(0);
    const second = await page(2);
    // Site order: last name, first name.
    expect([...first, ...second].map((u) => u.fullname)).toEqual([
      'Sasha Learner',
      'Sam Student',
      'Susan Suspended',
      'Terry Teacher',
    ]);
    expect(await page(4)).toEqual([]);
  });
});
