import { and, asc, eq, ne, notInArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courses, enrolments, users } from '../../db/schema';
import { type FilesSite, startFilesSite } from '../../test/files-site';

// The image of a course without one: core_enrol_get_users_courses gives Moodle's
// get_generated_url_for_course URL (pluginfile.php/<course context>/course/generated/course.svg),
// which the app fetches through webservice/pluginfile.php with the token; Moodle's file_pluginfile
// answers the generated SVG, cached for an hour, to a user who may open the course.

let s: FilesSite;
beforeAll(async () => {
  s = await startFilesSite();
});
afterAll(() => s.close());

const courseId = async (shortname: string) =>
  (await s.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname))).at(0)!.id;
const userId = async (username: string) =>
  (await s.t.store.db.select({ id: users.id }).from(users).where(eq(users.username, username))).at(0)!.id;

/** The URL as the app rewrites it: pluginfile.php → webservice/pluginfile.php, with token=. */
const withToken = (url: string, token: string) =>
  `${url.replace('/pluginfile.php/', '/webservice/pluginfile.php/')}?token=${token}`;

describe("a course's generated image", () => {
  it('is the URL core_enrol_get_users_courses gives, and downloads as SVG with the token', async () => {
    const token = await s.token('student');
    const cs = await courseId('CS101');
    const answer = (await (
      await fetch(
        `${s.base}/webservice/rest/server.php?wsfunction=core_enrol_get_users_courses&moodlewsrestformat=json&userid=${await userId('student')}&wstoken=${token}`,
      )
    ).json()) as { id: number; courseimage: string }[];
    const cs101 = answer.find((c) => c.id === cs);
    expect(cs101?.courseimage).toBe(`${s.base}/pluginfile.php/${50_000_000 + cs}/course/generated/course.svg`);
    const res = await fetch(withToken(cs101?.courseimage ?? '', token));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600, no-transform');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="course.svg"');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    const svg = await res.text();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // coursecolor<id % 10 + 1>
    const colours = [
      '#81ecec',
      '#74b9ff',
      '#a29bfe',
      '#dfe6e9',
      '#00b894',
      '#0984e3',
      '#b2bec3',
      '#fdcb6e',
      '#fd79a8',
      '#6c5ce7',
    ];
    expect(svg).toContain(`fill="${colours[cs % 10]}"`);
  });

  it('is refused for a course the user may not open, and 404 for a course that does not exist or without a token', async () => {
    const token = await s.token('student');
    const enrolled = (
      await s.t.store.db
        .select({ id: enrolments.courseId })
        .from(enrolments)
        .where(eq(enrolments.userId, await userId('student')))
    ).map((r) => r.id);
    const other = (
      await s.t.store.db
        .select({ id: courses.id })
        .from(courses)
        .where(and(ne(courses.id, 1), notInArray(courses.id, enrolled.length ? enrolled : [0])))
        .orderBy(asc(courses.id))
        .limit(1)
    ).at(0)?.id;
    expect(other).toBeDefined();
    const res = await fetch(
      withToken(`${s.base}/pluginfile.php/${50_000_000 + (other ?? 0)}/course/generated/course.svg`, token),
    );
    expect(await res.json()).toMatchObject({ errorcode: 'requireloginerror' });
    const missing = await fetch(withToken(`${s.base}/pluginfile.php/50999999/course/generated/course.svg`, token));
    expect(missing.status).toBe(404);
    const anonymous = await fetch(
      `${s.base}/pluginfile.php/${50_000_000 + (await courseId('CS101'))}/course/generated/course.svg`,
    );
    expect(anonymous.status).toBe(404);
  });
});
