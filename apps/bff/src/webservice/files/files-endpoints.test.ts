import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseModules, courses } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { moduleContext, userContext } from '../../features/files/contexts';
import { fileStoreOf, storeFile } from '../../features/files/files.service';
import { userPrivateAccessKey } from '../../features/files/user-key';
import { type FilesSite, startFilesSite } from '../../test/files-site';

let s: FilesSite;
beforeAll(async () => {
  s = await startFilesSite();
});
afterAll(() => s.close());

const sha1 = (b: string | Uint8Array) => createHash('sha1').update(b).digest('hex');

/** A multipart upload with Node's own form encoder (FormData + fetch), as a browser or the app sends it. */
async function upload(
  fields: Record<string, string>,
  files: [string, string | Uint8Array][],
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [i, [name, content]] of files.entries()) form.append(`file_${i + 1}`, new Blob([content]), name);
  const res = await fetch(`${s.base}/webservice/upload.php`, { method: 'POST', body: form, headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), headers: res.headers };
}

/** Moodle's AJAX error (core_renderer_ajax::fatal_error) with debugging off. */
const ajaxError = (error: string, errorcode: string) =>
  `{"error":${JSON.stringify(error).replace(/\//g, '\\/')},"errorcode":"${errorcode}","stacktrace":null,"debuginfo":null,"reproductionlink":null}`;

describe('POST /webservice/upload.php', () => {
  it("stores the files in a new draft area and answers Moodle's records (webservice/upload.php)", async () => {
    const token = await s.token('student');
    const res = await upload({ token, filearea: 'draft', itemid: '0', filepath: '/' }, [
      ['notes.txt', 'hello world'],
      ['été.txt', 'bonjour'],
    ]);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    const itemid = (JSON.parse(res.text) as { itemid: number }[])[0]?.itemid as number;
    expect(itemid).toBeGreaterThan(0);
    const ctx = userContext(await s.t.userId('student'));
    const uid = await s.t.userId('student');
    // The bytes of json_encode($results): the order of $file_record, "\/" for "/", \u escapes,
    // userid a string ($USER->id as read from the database), source PHP's serialize().
    expect(res.text).toBe(
      `[{"component":"user","contextid":${ctx},"userid":"${uid}","filearea":"draft","filename":"notes.txt","filepath":"\\/","itemid":${itemid},"license":"unknown","author":"Sam Student","source":"O:8:\\"stdClass\\":1:{s:6:\\"source\\";s:9:\\"notes.txt\\";}"},` +
        `{"component":"user","contextid":${ctx},"userid":"${uid}","filearea":"draft","filename":"\\u00e9t\\u00e9.txt","filepath":"\\/","itemid":${itemid},"license":"unknown","author":"Sam Student","source":"O:8:\\"stdClass\\":1:{s:6:\\"source\\";s:9:\\"\\u00e9t\\u00e9.txt\\";}"}]`,
    );
    expect(res.headers.get('access-control-allow-origin')).toBe('*');

    // The same draft area again: a name already there is refused per file, the others stored.
    const again = await upload({ token, filearea: 'draft', itemid: String(itemid), filepath: '/sub/' }, [
      ['other.txt', 'x'],
    ]);
    expect(JSON.parse(again.text)[0]).toMatchObject({ filepath: '/sub/', itemid });
    const dup = await upload({ token, filearea: 'draft', itemid: String(itemid) }, [['notes.txt', 'y']]);
    expect(dup.text).toBe(
      '[{"filename":"notes.txt","errortype":"filenameexist","error":"File name already exists: notes.txt"}]',
    );

    // Downloads with the token, as draftfile.php and pluginfile.php.
    const url = `${s.base}/webservice/draftfile.php/${ctx}/user/draft/${itemid}/notes.txt?token=${token}`;
    const dl = await fetch(url);
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe('hello world');
    expect(dl.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(dl.headers.get('content-disposition')).toBe('attachment; filename="notes.txt"');
    expect(dl.headers.get('etag')).toBe(`"${sha1('hello world')}"`);
    const accented = await fetch(`${s.base}/webservice/pluginfile.php/${ctx}/user/draft/${itemid}/%C3%A9t%C3%A9.txt`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await accented.text()).toBe('bonjour');
    expect(accented.headers.get('content-disposition')).toBe(
      `attachment; filename="_t_.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`,
    );
  });

  it('takes the token from the Authorization header, and the legacy private area for holders of manageownfiles', async () => {
    const token = await s.token('student2');
    const res = await upload({ filearea: 'private', filepath: '/docs/' }, [['plan.md', '# plan']], {
      authorization: `Bearer ${token}`,
    });
    expect(JSON.parse(res.text)).toEqual([
      expect.objectContaining({ filearea: 'private', filepath: '/docs/', filename: 'plan.md', itemid: 0 }),
    ]);
    const ctx = userContext(await s.t.userId('student2'));
    const dl = await fetch(`${s.base}/webservice/pluginfile.php/${ctx}/user/private/docs/plan.md?token=${token}`);
    expect(await dl.text()).toBe('# plan');
    // Private files are always sent as attachments ("must force download - security!").
    expect(dl.headers.get('content-disposition')).toBe('attachment; filename="plan.md"');
    expect(dl.headers.get('cache-control')).toBe(
      'private, must-revalidate, pre-check=0, post-check=0, max-age=0, no-transform',
    );
  });

  it('refuses as Moodle does: no token, a bad token, a service that does not allow uploads, another area', async () => {
    expect((await upload({ filearea: 'draft' }, [['a.txt', 'a']])).text).toBe(
      ajaxError('A required parameter (token) was missing', 'missingparam'),
    );
    expect((await upload({ token: 'nope', filearea: 'draft' }, [['a.txt', 'a']])).text).toBe(
      ajaxError('Invalid token - token not found', 'invalidtoken'),
    );
    const closed = await upload({ token: await s.tokenWithoutFiles('student'), filearea: 'draft' }, [['a.txt', 'a']]);
    expect(closed.status).toBe(200);
    expect(closed.text).toBe(ajaxError('Access control exception', 'accessexception'));
    expect((await upload({ token: await s.token('student'), filearea: 'backup' }, [['a.txt', 'a']])).text).toBe(
      ajaxError('Error', 'error'),
    );
  });

  it('says why at developer debugging, as Moodle adds debuginfo there', async () => {
    await s.t.deps.settings.apply({ debug: 'developer' }, SYSTEM_ACTOR);
    try {
      const res = await upload({ token: await s.tokenWithoutFiles('student'), filearea: 'draft' }, [['a.txt', 'a']]);
      expect(JSON.parse(res.text)).toEqual({
        error: 'Access control exception',
        errorcode: 'accessexception',
        stacktrace: null,
        debuginfo: 'Web service file upload must be enabled in external service settings\nError code: accessexception',
        reproductionlink: `${s.base}/`,
      });
    } finally {
      await s.t.deps.settings.apply({ debug: 'none' }, SYSTEM_ACTOR);
    }
  });

  it('reports a file over maxbytes in its record and refuses an upload past the quota', async () => {
    const token = await s.token('teacher');
    await s.t.deps.settings.apply({ maxbytes: '10', userquota: '30' }, SYSTEM_ACTOR);
    try {
      const res = await upload({ token, filearea: 'draft' }, [
        ['big.bin', 'x'.repeat(11)],
        ['ok.bin', 'y'.repeat(10)],
      ]);
      const [big, ok] = JSON.parse(res.text);
      expect(big).toEqual({
        filename: 'big.bin',
        errortype: 'fileoversized',
        error: 'The file is larger than the maximum size allowed.',
      });
      expect(ok).toMatchObject({ filename: 'ok.bin' });
      // 10 bytes stored; three more files of 10 pass the quota of 30: none is stored.
      const over = await upload({ token, filearea: 'draft' }, [
        ['1.bin', 'a'.repeat(10)],
        ['2.bin', 'b'.repeat(10)],
        ['3.bin', 'c'.repeat(10)],
      ]);
      expect(over.text).toBe(ajaxError('You have reached your file quota limit.', 'userquotalimit'));
    } finally {
      await s.t.deps.settings.apply({ maxbytes: '0', userquota: '104857600' }, SYSTEM_ACTOR);
    }
  });

  it('refuses a file past the server limit (upload_max_filesize) without keeping any of it', async () => {
    const token = await s.token('manager');
    const before = [...fileStoreOf(s.t.deps).hashes()].length;
    const res = await upload({ token, filearea: 'draft' }, [['huge.bin', new Uint8Array(3_200_000)]]);
    expect(res.text).toBe(
      ajaxError('The uploaded file exceeds the upload_max_filesize directive in php.ini.', 'upload_error_ini_size'),
    );
    expect([...fileStoreOf(s.t.deps).hashes()].length).toBe(before);
  });

  it('answers a body whose part header is malformed, with a file part after it, and keeps none of it', async () => {
    // Busboy reports the bad header and goes on to open the next part's file stream: found by
    // the upload fuzz test, where the request never answered.
    const token = await s.token('manager');
    const store = fileStoreOf(s.t.deps);
    const before = [...store.hashes()].length;
    const tmp = join(s.t.dir, 'filedir', '.tmp');
    const tmpBefore = existsSync(tmp) ? readdirSync(tmp).length : 0;
    for (const end of ['', '--b0undary--\r\n']) {
      const body = Buffer.concat([
        Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="\t\v\u{50276}\x01"; filename=""\r\n'),
        Buffer.from('Content-Type: application/octet-stream\r\n\r\n\r\n'),
        Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n'),
        Buffer.from(`Content-Type: application/octet-stream\r\n\r\nhello\r\n${end}`),
      ]);
      const res = await fetch(`${s.base}/webservice/upload.php`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'multipart/form-data; boundary=b0undary', authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(
        ajaxError('The uploaded file was only partially uploaded.', 'upload_error_partial'),
      );
    }
    expect([...store.hashes()].length).toBe(before);
    expect(existsSync(tmp) ? readdirSync(tmp).length : 0).toBe(tmpBefore);
  });
});

describe('GET /webservice/pluginfile.php', () => {
  it('serves the seeded private file (its content moved into the file store) to its owner alone', async () => {
    const ctx = userContext(await s.t.userId('student'));
    const path = `/webservice/pluginfile.php/${ctx}/user/private/study-plan.txt`;
    const res = await fetch(`${s.base}${path}?token=${await s.token('student')}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Week 1: variables\nWeek 2: loops\nWeek 3: functions\n');
    // Someone else's private file does not exist for them (send_file_not_found).
    const other = await fetch(`${s.base}${path}?token=${await s.token('student2')}`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe(ajaxError('Sorry, the requested file could not be found', 'filenotfound'));
    const missing = await fetch(`${s.base}/webservice/pluginfile.php/${ctx}/user/private/nope.txt`, {
      headers: { authorization: `Bearer ${await s.token('student')}` },
    });
    expect(missing.status).toBe(404);
  });

  it('refuses without the service download flag, with a bad token, and without web services', async () => {
    const ctx = userContext(await s.t.userId('student'));
    const path = `/webservice/pluginfile.php/${ctx}/user/private/study-plan.txt`;
    const closed = await fetch(`${s.base}${path}?token=${await s.tokenWithoutFiles('student')}`);
    expect(closed.status).toBe(200);
    expect(await closed.text()).toBe(ajaxError('Access control exception', 'accessexception'));
    expect(await (await fetch(`${s.base}${path}?token=junk`)).text()).toBe(
      ajaxError('Invalid token - token not found', 'invalidtoken'),
    );
    expect(await (await fetch(`${s.base}${path}`)).text()).toBe(
      ajaxError('A required parameter (token) was missing', 'missingparam'),
    );
  });

  it('answers 304 to a matching If-None-Match or a later If-Modified-Since, and byte ranges (206, 416)', async () => {
    const token = await s.token('student');
    const ctx = userContext(await s.t.userId('student'));
    const url = `${s.base}/webservice/pluginfile.php/${ctx}/user/private/study-plan.txt?token=${token}`;
    const full = await fetch(url);
    const etag = full.headers.get('etag') as string;
    const modified = full.headers.get('last-modified') as string;
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-modified-since': modified } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);

    const part = await fetch(url, { headers: { range: 'bytes=0-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 0-5/50');
    expect(await part.text()).toBe('Week 1');
    const tail = await fetch(url, { headers: { range: 'bytes=-11' } });
    expect(await tail.text()).toBe('functions\n'.padStart(11, ' '));
    const beyond = await fetch(url, { headers: { range: 'bytes=50-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */50');
    // An If-Range that no longer matches gets the whole file.
    expect((await fetch(url, { headers: { range: 'bytes=0-5', 'if-range': '"old"' } })).status).toBe(200);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('50');
  });

  it('serves course module files to those enrolled in the course, and refuses the others as require_login does', async () => {
    const hist = (
      await s.t.store.db
        .select({ id: courseModules.id })
        .from(courseModules)
        .innerJoin(courses, eq(courses.id, courseModules.courseId))
        .where(and(eq(courses.shortname, 'HIST201'), eq(courseModules.modname, 'resource')))
        .limit(1)
    ).at(0)!.id;
    const store = fileStoreOf(s.t.deps);
    const staged = await store.stage(
      (async function* () {
        yield Buffer.from('%PDF-1.4 reading list');
      })(),
    );
    await storeFile(
      s.t.deps,
      staged,
      {
        place: {
          contextid: moduleContext(hist),
          component: 'mod_resource',
          filearea: 'content',
          itemid: 0,
          filepath: '/',
          filename: 'reading.pdf',
        },
        userId: await s.t.userId('teacher'),
        mimetype: 'application/pdf',
      },
      { replace: false, quota: null },
    );
    const path = `/webservice/pluginfile.php/${moduleContext(hist)}/mod_resource/content/1/reading.pdf`;
    const ok = await fetch(`${s.base}${path}?forcedownload=1&token=${await s.token('student2')}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/pdf');
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="reading.pdf"');
    const inline = await fetch(`${s.base}${path}?token=${await s.token('student2')}`);
    expect(inline.headers.get('content-disposition')).toBe('inline; filename="reading.pdf"');
    expect(inline.headers.get('cache-control')).toBe('private, max-age=86400, no-transform');
    // A file served from the site's origin runs sandboxed if a browser opens it.
    expect(inline.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    const refused = await fetch(`${s.base}${path}?token=${await s.token('student')}`);
    expect(refused.status).toBe(200);
    expect(await refused.text()).toBe(ajaxError('Course or activity not accessible.', 'requireloginerror'));

    // core_course_get_contents lists the file in the resource's contents, with a URL that downloads with the token.
    const courseid = (
      await s.t.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'HIST201'))
    ).at(0)!.id;
    const token = await s.token('student2');
    const contents = (await (
      await fetch(
        `${s.base}/webservice/rest/server.php?wsfunction=core_course_get_contents&moodlewsrestformat=json&courseid=${courseid}&wstoken=${token}`,
      )
    ).json()) as {
      modules: { id: number; contents?: { type: string; filename: string; fileurl: string; filesize: number }[] }[];
    }[];
    const resource = contents.flatMap((sec) => sec.modules).find((m) => m.id === hist);
    expect(resource?.contents).toEqual([
      expect.objectContaining({
        type: 'file',
        filename: 'reading.pdf',
        filesize: 21,
        fileurl: `${s.base}/webservice/pluginfile.php/${moduleContext(hist)}/mod_resource/content/1/reading.pdf?forcedownload=1`,
      }),
    ]);
    const viaUrl = await fetch(`${resource?.contents?.[0]?.fileurl}&token=${token}`);
    expect(await viaUrl.text()).toBe('%PDF-1.4 reading list');
  });

  it('serves user pictures: the default one when there is none, with the token, without one, and from theme/image.php', async () => {
    const ctx = userContext(await s.t.userId('teacher'));
    for (const url of [
      `${s.base}/webservice/pluginfile.php/${ctx}/user/icon/boost/f1?token=${await s.token('student')}`,
      `${s.base}/pluginfile.php/${ctx}/user/icon/f1`,
      `${s.base}/theme/image.php/boost/core/1/u/f1`,
    ]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = new Uint8Array(await res.arrayBuffer());
      expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    // Other files are not public.
    const priv = await fetch(
      `${s.base}/pluginfile.php/${userContext(await s.t.userId('student'))}/user/private/study-plan.txt`,
    );
    expect(priv.status).toBe(404);
  });
});

describe('/tokenpluginfile.php and userprivateaccesskey', () => {
  it("site info's key downloads the user's files without a token; a made-up key does not", async () => {
    const token = await s.token('student');
    const res = await fetch(
      `${s.base}/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json&wstoken=${token}`,
    );
    const info = (await res.json()) as { userprivateaccesskey: string; userpictureurl: string };
    expect(info.userprivateaccesskey).toBe(userPrivateAccessKey(s.t.deps.tokenSecret, await s.t.userId('student')));
    const ctx = userContext(await s.t.userId('student'));
    const dl = await fetch(
      `${s.base}/tokenpluginfile.php/${info.userprivateaccesskey}/${ctx}/user/private/study-plan.txt`,
    );
    expect(dl.status).toBe(200);
    expect((await dl.text()).startsWith('Week 1')).toBe(true);
    // Another user's key (made with another user id) does not reach this user's files.
    const otherKey = userPrivateAccessKey(s.t.deps.tokenSecret, await s.t.userId('student2'));
    expect((await fetch(`${s.base}/tokenpluginfile.php/${otherKey}/${ctx}/user/private/study-plan.txt`)).status).toBe(
      404,
    );
    const forged = `${'0'.repeat(32)}${await s.t.userId('student')}`;
    const bad = await fetch(`${s.base}/tokenpluginfile.php/${forged}/${ctx}/user/private/study-plan.txt`);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toBe(ajaxError('Incorrect key', 'invalidkey'));
    // The picture URL site info gives downloads.
    expect((await fetch(info.userpictureurl)).status).toBe(200);
  });
});

describe('core_files_upload', () => {
  it('returns a URL that downloads the file with the token', async () => {
    const token = await s.token('student2');
    const body = new URLSearchParams({
      wsfunction: 'core_files_upload',
      moodlewsrestformat: 'json',
      wstoken: token,
      component: 'user',
      filearea: 'draft',
      itemid: '0',
      filepath: '/',
      filename: 'answer.txt',
      filecontent: Buffer.from('forty-two').toString('base64'),
      contextlevel: 'user',
      instanceid: String(await s.t.userId('student2')),
    });
    const res = await fetch(`${s.base}/webservice/rest/server.php`, { method: 'POST', body });
    const out = (await res.json()) as { url: string };
    const dl = await fetch(`${out.url}?token=${token}`);
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe('forty-two');
  });
});
