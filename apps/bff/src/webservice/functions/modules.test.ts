import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseModules, courses } from '../../db/schema';
import { moduleContext } from '../../features/files/contexts';
import { DEMO_PASSWORD } from '../../test/helpers';
import { form, type MobileSite, startMobileSite } from '../../test/mobile-site';

// mod_page_get_pages_by_courses and mod_resource_get_resources_by_courses (modules.ts), which the
// Moodle app's page and resource screens read, over REST with a mobile-service token. Shapes:
// Moodle 4.x mod/page and mod/resource classes/external.php with
// core_course\external\helper_for_get_mods_by_courses' standard fields.

let site: MobileSite;
const tokens = new Map<string, string>();
beforeAll(async () => {
  site = await startMobileSite();
});
afterAll(() => site.close());

async function rest(username: string, wsfunction: string, data: Record<string, string | number> = {}) {
  let token = tokens.get(username);
  if (!token) {
    const res = await fetch(`${site.base}/login/token.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ username, password: DEMO_PASSWORD, service: 'moodle_mobile_app' }),
    });
    token = ((await res.json()) as { token: string }).token;
    tokens.set(username, token);
  }
  const res = await fetch(`${site.base}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ ...data, wsfunction, wstoken: token }),
  });
  expect(res.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return (await res.json()) as any;
}

const courseId = async (shortname: string) =>
  (await site.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname))).at(0)!.id;
const cmid = async (name: string) =>
  (await site.t.store.db.select({ id: courseModules.id }).from(courseModules).where(eq(courseModules.name, name))).at(
    0,
  )!.id;
const setModule = async (id: number, set: Partial<typeof courseModules.$inferInsert>) => {
  await site.t.store.db.update(courseModules).set(set).where(eq(courseModules.id, id));
};

describe('mod_page_get_pages_by_courses', () => {
  it("lists the course's pages with their content as HTML, in Moodle's key order", async () => {
    const cs = await courseId('CS101');
    const out = await rest('student', 'mod_page_get_pages_by_courses', { 'courseids[0]': cs });
    expect(out.warnings).toEqual([]);
    expect(out.pages.map((p: { name: string }) => p.name)).toEqual(['Course guide', 'Installing Python']);
    const [guide] = out.pages;
    expect(Object.keys(guide)).toEqual([
      'id',
      'coursemodule',
      'course',
      'name',
      'intro',
      'introformat',
      'introfiles',
      'lang',
      'content',
      'contentformat',
      'contentfiles',
      'legacyfiles',
      'legacyfileslast',
      'display',
      'displayoptions',
      'revision',
      'timemodified',
    ]);
    const id = await cmid('Course guide');
    expect(guide).toMatchObject({
      id,
      coursemodule: id,
      course: cs,
      intro: '',
      introformat: 1,
      introfiles: [],
      lang: '',
      contentformat: 1,
      contentfiles: [],
      legacyfiles: 0,
      legacyfileslast: null,
      display: 5,
      revision: 1,
    });
    expect(guide.content.startsWith('<h2>How this course works</h2>')).toBe(true);
    // A student is not shown the fields only editors see.
    expect(guide).not.toHaveProperty('section');
  });

  it('points embedded files at webservice/pluginfile.php, formats other text formats, and shows editors the section', async () => {
    const id = await cmid('Installing Python');
    await setModule(id, { content: 'See <the> @@PLUGINFILE@@/diagram.png\nnext', contentformat: 2, revision: 3 });
    try {
      const out = await rest('teacher', 'mod_page_get_pages_by_courses', { 'courseids[0]': await courseId('CS101') });
      const page = out.pages.find((p: { id: number }) => p.id === id);
      expect(page.content).toBe(
        `See &lt;the&gt; ${site.base}/webservice/pluginfile.php/${moduleContext(id)}/mod_page/content/3/diagram.png<br />\nnext`,
      );
      expect(page).toMatchObject({ contentformat: 1, revision: 3, visible: true, groupmode: 0, groupingid: 0 });
      expect(typeof page.section).toBe('number');
    } finally {
      await setModule(id, { content: '', contentformat: 1, revision: 1 });
    }
  });

  it("lists the caller's own courses without courseids, and warns for a course they may not open", async () => {
    const mine = await rest('student', 'mod_page_get_pages_by_courses');
    // CS101's two pages and SAFE100's.
    expect(mine.pages.map((p: { name: string }) => p.name)).toEqual([
      'Course guide',
      'Installing Python',
      'Fire safety basics',
    ]);
    const hist = await courseId('HIST201');
    const other = await rest('student', 'mod_page_get_pages_by_courses', { 'courseids[0]': hist });
    expect(other).toEqual({
      pages: [],
      warnings: [{ item: 'course', itemid: hist, warningcode: '1', message: 'No access rights in course context' }],
    });
  });
});

describe('mod_resource_get_resources_by_courses', () => {
  it('lists the resource with its files, whose URLs download with the token', async () => {
    const out = await rest('student', 'mod_resource_get_resources_by_courses', {
      'courseids[0]': await courseId('CS101'),
    });
    expect(out.resources).toHaveLength(1);
    const [r] = out.resources;
    const id = await cmid('Python cheat sheet');
    expect(r).toMatchObject({
      id,
      coursemodule: id,
      name: 'Python cheat sheet',
      intro: '<p>The syntax of the course on one page.</p>',
      tobemigrated: 0,
      legacyfiles: 0,
      display: 0,
      filterfiles: 0,
      revision: 1,
    });
    expect(r.contentfiles).toEqual([
      {
        filename: 'python-cheat-sheet.txt',
        filepath: '/',
        filesize: 158,
        fileurl: `${site.base}/webservice/pluginfile.php/${moduleContext(id)}/mod_resource/content/0/python-cheat-sheet.txt`,
        timemodified: expect.any(Number),
        mimetype: 'text/plain',
        isexternalfile: false,
      },
    ]);
    const file = await fetch(`${r.contentfiles[0].fileurl}?token=${tokens.get('student')}`);
    expect(file.status).toBe(200);
    expect((await file.text()).startsWith('Python cheat sheet')).toBe(true);
  });

  it('shows a hidden resource only to those who may update the course', async () => {
    const id = await cmid('Python cheat sheet');
    await setModule(id, { visible: false });
    try {
      const student = await rest('student', 'mod_resource_get_resources_by_courses', {
        'courseids[0]': await courseId('CS101'),
      });
      expect(student.resources).toEqual([]);
      const teacher = await rest('teacher', 'mod_resource_get_resources_by_courses', {
        'courseids[0]': await courseId('CS101'),
      });
      expect(teacher.resources.map((r: { id: number; visible: boolean }) => [r.id, r.visible])).toEqual([[id, false]]);
    } finally {
      await setModule(id, { visible: true });
    }
  });
});
