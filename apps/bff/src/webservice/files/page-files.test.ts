import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseModules, courses } from '../../db/schema';
import { moduleContext } from '../../features/files/contexts';
import { userPrivateAccessKey } from '../../features/files/user-key';
import { type FilesSite, startFilesSite } from '../../test/files-site';

// A page's index.html (mod/page/lib.php page_pluginfile) and the seeded resource's file, as the
// Moodle app downloads them: the URL core_course_get_contents gives, with the token.

let s: FilesSite;
beforeAll(async () => {
  s = await startFilesSite();
});
afterAll(() => s.close());

const courseId = async (shortname: string) =>
  (await s.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, shortname))).at(0)!.id;

const cmid = async (course: string, name: string) =>
  (
    await s.t.store.db
      .select({ id: courseModules.id })
      .from(courseModules)
      .innerJoin(courses, eq(courses.id, courseModules.courseId))
      .where(and(eq(courses.shortname, course), eq(courseModules.name, name)))
  ).at(0)!.id;

const setPage = async (id: number, fields: { content?: string; contentformat?: number; visible?: boolean }) => {
  await s.t.store.db.update(courseModules).set(fields).where(eq(courseModules.id, id));
};

/** Moodle's AJAX error (core_renderer_ajax::fatal_error) with debugging off. */
const ajaxError = (error: string, errorcode: string) =>
  `{"error":"${error}","errorcode":"${errorcode}","stacktrace":null,"debuginfo":null,"reproductionlink":null}`;

const GUIDE_START = '<div class="no-overflow"><h2>How this course works</h2>\n<p>Each week has';

describe("the seeded resource's file", () => {
  // First in the file: the site's files have not been used yet, so the demo file's content is
  // still in its row (as on an upgraded site) until core_course_get_contents moves it.
  it('is listed in core_course_get_contents and downloads with the token from its fileurl', async () => {
    const courseid = await courseId('CS101');
    const token = await s.token('student');
    const contents = (await (
      await fetch(
        `${s.base}/webservice/rest/server.php?wsfunction=core_course_get_contents&moodlewsrestformat=json&courseid=${courseid}&wstoken=${token}`,
      )
    ).json()) as { modules: { id: number; modname: string; contents?: { filename: string; fileurl: string }[] }[] }[];
    const resource = contents.flatMap((sec) => sec.modules).find((m) => m.modname === 'resource');
    expect(resource?.id).toBe(await cmid('CS101', 'Python cheat sheet'));
    const file = resource?.contents?.find((f) => f.filename === 'python-cheat-sheet.txt');
    expect(file?.fileurl).toMatch(/\?forcedownload=1$/);
    const res = await fetch(`${file?.fileurl}&token=${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="python-cheat-sheet.txt"');
    expect((await res.text()).startsWith('Python cheat sheet\n')).toBe(true);
  });
});

describe("a page's index.html", () => {
  it("is the page's content through format_text (noclean, overflowdiv), sent as page_pluginfile sends it", async () => {
    const id = await cmid('CS101', 'Course guide');
    const token = await s.token('student');
    const url = `${s.base}/webservice/pluginfile.php/${moduleContext(id)}/mod_page/content/index.html?forcedownload=1&token=${token}`;
    const res = await fetch(url, { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.startsWith(GUIDE_START)).toBe(true);
    expect(body.endsWith('</ul></div>')).toBe(true);
    // send_file($content, 'index.html', 0, 0, true, true): a forced download, never cached
    // (http site), readstring_accel's headers.
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="index.html"');
    expect(res.headers.get('cache-control')).toBe(
      'private, must-revalidate, pre-check=0, post-check=0, max-age=0, no-transform',
    );
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('accept-ranges')).toBe('none');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // Served from the site's origin, it runs sandboxed if a browser opens it.
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox;/);

    // The same with the revision before the name (the form of the page's other files), with
    // Bearer, and through tokenpluginfile.php with the user's private access key.
    const withRevision = await fetch(
      `${s.base}/webservice/pluginfile.php/${moduleContext(id)}/mod_page/content/1/index.html`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await withRevision.text()).toBe(body);
    const key = userPrivateAccessKey(s.t.deps.tokenSecret, await s.t.userId('student'));
    const viaKey = await fetch(`${s.base}/tokenpluginfile.php/${key}/${moduleContext(id)}/mod_page/content/index.htm`);
    expect(viaKey.headers.get('content-disposition')).toBe('attachment; filename="index.htm"');
    expect(await viaKey.text()).toBe(body);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
  });

  it('drops @@PLUGINFILE@@/ and formats plain and Moodle-format text as format_text does', async () => {
    const id = await cmid('CS101', 'Installing Python');
    const token = await s.token('student');
    const get = async () =>
      (
        await fetch(
          `${s.base}/webservice/pluginfile.php/${moduleContext(id)}/mod_page/content/index.html?token=${token}`,
        )
      ).text();
    await setPage(id, { content: '<p><img src="@@PLUGINFILE@@/diagram.png" alt=""></p>', contentformat: 1 });
    expect(await get()).toBe('<div class="no-overflow"><p><img src="diagram.png" alt=""></p></div>');
    await setPage(id, { content: 'a < b & "c"\nline  two', contentformat: 2 });
    expect(await get()).toBe('<div class="no-overflow">a &lt; b &amp; &quot;c&quot;<br />\nline&nbsp; two</div>');
    await setPage(id, { content: 'First line\nsecond line', contentformat: 0 });
    expect(await get()).toBe(
      '<div class="no-overflow"><div class="text_to_html">First line<br />\nsecond line</div></div>',
    );
  });

  it("is refused as the page's files are: not enrolled, hidden page, no token, not a page", async () => {
    const fire = await cmid('SAFE100', 'Fire safety basics');
    const path = `/webservice/pluginfile.php/${moduleContext(fire)}/mod_page/content/index.html`;
    // Sasha is not enrolled in SAFE100: require_login's refusal, as for any of the course's files.
    const refused = await fetch(`${s.base}${path}?token=${await s.token('student2')}`);
    expect(await refused.text()).toBe(ajaxError('Course or activity not accessible.', 'requireloginerror'));
    const ok = await fetch(`${s.base}${path}?token=${await s.token('student')}`);
    expect(ok.status).toBe(200);
    await setPage(fire, { visible: false });
    try {
      const hidden = await fetch(`${s.base}${path}?token=${await s.token('student')}`);
      expect(await hidden.text()).toBe(ajaxError('Course or activity not accessible.', 'requireloginerror'));
    } finally {
      await setPage(fire, { visible: true });
    }
    // Without a token, pluginfile.php serves no course files.
    expect((await fetch(`${s.base}/pluginfile.php/${moduleContext(fire)}/mod_page/content/index.html`)).status).toBe(
      404,
    );
    // A service without downloads refuses it.
    const noFiles = await fetch(`${s.base}${path}?token=${await s.tokenWithoutFiles('student')}`);
    expect(((await noFiles.json()) as { errorcode: string }).errorcode).toBe('accessexception');
    // index.html of a module that is not a page, or under another name, is no such file.
    const forum = await cmid('CS101', 'Announcements');
    const notPage = await fetch(
      `${s.base}/webservice/pluginfile.php/${moduleContext(forum)}/mod_forum/content/index.html?token=${await s.token('student')}`,
    );
    expect(notPage.status).toBe(404);
    const other = await fetch(
      `${s.base}/webservice/pluginfile.php/${moduleContext(fire)}/mod_page/content/1/other.html?token=${await s.token('student')}`,
    );
    expect(other.status).toBe(404);
  });
});
