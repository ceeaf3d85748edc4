import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, hubCall, hubUpload, rpc, siteInfo } from './hub-rpc.test-helpers';

// upload.php and download.php (local/hub/webservice/) as Moodle sites and browsers use them:
// course/publish/metadata.php (screenshots) and course/publish/backup.php (the backup) post with
// Moodle's curl class, the file part named by the pool file's content hash; the community block
// shows screenshots with <img src=".../download.php?courseid=N&filetype=screenshot"> and fetches
// the backup with raw curl (blocks/community/locallib.php).

const WWWROOT = 'https://hub.example.org';
let t: TestApp;
let admin: Client;
let siteA: { siteid: number; token: string };
let siteB: { siteid: number; token: string };
let shared: number;
let advertised: number;
let png: Buffer;
/** A course backup: an .mbz is a zip or a gzipped tar (here the gzip signature and some bytes). */
const MBZ = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('a tar inside')]);
const ZIP_MBZ = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('moodle_backup.xml and more')]);

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const fileOf = (buf: Buffer) => ({ filename: sha1(buf), content: buf });

/** download.php as a browser or curl asks for it: the raw answer. */
async function download(query: string) {
  const res = await t.app.request(
    `/local/hub/webservice/download.php?${query}`,
    {},
    { incoming: { socket: { remoteAddress: '192.0.2.20' } } },
  );
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const hubFiles = async (filearea: string, itemid: number) =>
  await t.store.db
    .select()
    .from(files)
    .where(and(eq(files.component, 'local_hub'), eq(files.filearea, filearea), eq(files.itemid, itemid)));

/** metadata.php: filetype, file, courseid, filename, screenshotnumber, token. */
const screenshotParts = (course: number, n: number, img: Buffer, token: string) =>
  [
    ['filetype', 'screenshot'],
    ['file', fileOf(img)],
    ['courseid', String(course)],
    ['filename', `shot${n}.png`],
    ['screenshotnumber', String(n)],
    ['token', token],
  ] as const;

/** backup.php: filetype, courseid, file, token. */
const backupParts = (course: number, mbz: Buffer, token: string) =>
  [
    ['filetype', 'backup'],
    ['courseid', String(course)],
    ['file', fileOf(mbz)],
    ['token', token],
  ] as const;

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: WWWROOT } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Files hub' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  siteA = (await rpc<typeof siteA>(t, 'hub_register_site', [{ siteinfo: siteInfo('A', 'https://a.example') }], token))
    .value!;
  siteB = (await rpc<typeof siteB>(t, 'hub_register_site', [{ siteinfo: siteInfo('B', 'https://b.example') }], token))
    .value!;
  await admin.post(`/api/hub/sites/${siteA.siteid}/trust`);
  const ids = await rpc<number[]>(
    t,
    'hub_register_courses',
    [
      {
        courses: [
          courseInfo(1, 'Shared course', { screenshots: 1 }),
          courseInfo(2, 'Advertised', { enrollable: true, courseurl: 'https://a.example/course/view.php?id=2' }),
        ],
      },
    ],
    siteA.token,
  );
  [shared, advertised] = ids.value as [number, number];
  png = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#2a6' } })
    .png()
    .toBuffer();
});

afterAll(() => t?.close());

describe('upload.php', () => {
  it('stores a screenshot as metadata.php posts it; download.php sends it at 150 × 150 or as it came', async () => {
    const res = await hubUpload(t, [...screenshotParts(shared, 1, png, siteA.token)]);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('');
    expect((await hubFiles('screenshot', shared)).map((f) => [f.filename, f.mimetype, f.contextid])).toEqual([
      ['screenshot_1', 'image/png', 1],
    ]);
    // blocks/community/renderer.php: no screenshotnumber, no size: the first, 150 × 150 at most.
    const thumb = await download(`courseid=${shared}&filetype=screenshot`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    expect(await sharp(thumb.body).metadata()).toMatchObject({ format: 'png', width: 150, height: 75 });
    // The YUI image gallery: imagewidth=original&screenshotnumber=1.
    const original = await download(`courseid=${shared}&filetype=screenshot&imagewidth=original&screenshotnumber=1`);
    expect(original.status).toBe(200);
    expect(original.body.equals(png)).toBe(true);
    // local_hub: one of the sides is 150, or wrongimagesize.
    expect((await download(`courseid=${shared}&filetype=screenshot&imagewidth=300&imageheight=150`)).status).toBe(200);
    const wrong = await download(`courseid=${shared}&filetype=screenshot&imagewidth=300&imageheight=300`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.toString()).toContain('Wrong image size');
  });

  it("refuses what is not an image, a number past 10, and another site's token, storing nothing", async () => {
    const fake = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('not really'),
    ]);
    for (const img of [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), fake]) {
      const res = await hubUpload(t, [...screenshotParts(shared, 2, img, siteA.token)]);
      expect(res.status).toBe(400);
      expect(res.text).toContain('PNG, JPEG, GIF or WebP');
    }
    expect((await hubUpload(t, [...screenshotParts(shared, 11, png, siteA.token)])).status).toBe(400);
    // Stricter than local_hub: the course must be the token's site's.
    const foreign = await hubUpload(t, [...screenshotParts(shared, 2, png, siteB.token)]);
    expect(foreign.status).toBe(404);
    expect((await hubUpload(t, [...screenshotParts(shared, 2, png, 'wrongtoken')])).status).toBe(403);
    // Moodle 2.0–2.5 on PHP ≥ 5.6 sends '@/path' as a text field: no file part.
    const noFile = await hubUpload(t, [
      ['filetype', 'screenshot'],
      ['file', '@/var/moodledata/filedir/ab/cd/abcd'],
      ['courseid', String(shared)],
      ['token', siteA.token],
    ]);
    expect(noFile.status).toBe(400);
    expect(await hubFiles('screenshot', shared)).toHaveLength(1);
  });

  it('stores one backup per course as backup.php posts it; hub_get_courses then lists the course with its backup size', async () => {
    // Without its backup the downloadable course is not listed (local_hub's get_courses).
    const before = await hubCall<{ courses: { id: number }[]; coursetotal: number }>(
      t,
      'hub_get_courses',
      ['', 1, false, {}],
      'publichub',
    );
    expect(before.value).toEqual({ courses: [], coursetotal: 1 });
    expect((await hubUpload(t, [...backupParts(shared, Buffer.from('plain text'), siteA.token)])).status).toBe(400);
    expect((await hubUpload(t, [...backupParts(advertised, ZIP_MBZ, siteA.token)])).status).toBe(400);
    const res = await hubUpload(t, [...backupParts(shared, ZIP_MBZ, siteA.token)]);
    expect(res.status).toBe(200);
    // local_hub never overwrites a backup.
    const again = await hubUpload(t, [...backupParts(shared, MBZ, siteA.token)]);
    expect(again.status).toBe(409);
    expect((await hubFiles('backup', shared)).map((f) => [f.filename, f.filesize])).toEqual([
      ['backup.mbz', ZIP_MBZ.length],
    ]);
    const after = await hubCall<{ courses: Record<string, unknown>[] }>(
      t,
      'hub_get_courses',
      ['', 1, false, {}],
      'publichub',
    );
    expect(after.value?.courses).toHaveLength(1);
    expect(after.value?.courses[0]).toMatchObject({
      id: shared,
      backupsize: ZIP_MBZ.length,
      screenshots: 1,
      // No course URL, no demo URL: local_hub's fallback, the hub's page for the course.
      demourl: expect.stringMatching(new RegExp(`^${WWWROOT}/\\?sesskey=[0-9A-Za-z]{10}&redirectcourseid=${shared}$`)),
    });
  });
});

describe('upload.php before the body', () => {
  it('refuses a body larger than any upload, and any upload while the hub is disabled, without reading it', async () => {
    const big = await t.client().request('POST', '/local/hub/webservice/upload.php', {
      body: 'x',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(200 * 1024 * 1024) },
    });
    expect(big.status).toBe(413);
    await admin.patch('/api/hub/settings', { enabled: false });
    try {
      const res = await hubUpload(t, [...screenshotParts(shared, 3, png, siteA.token)]);
      expect(res.status).toBe(404);
      expect(res.text).toContain('the hub is not enabled');
    } finally {
      await admin.patch('/api/hub/settings', { enabled: true });
    }
    expect((await hubFiles('screenshot', shared)).map((f) => f.filename)).toEqual(['screenshot_1']);
  });

  it('answers a body whose part header is malformed, with a file part after it, storing nothing', async () => {
    // Busboy reports the bad header and goes on to open the next part's file stream, which
    // never ended: the request did not answer (the upload fuzz test found it in webservice/).
    const before = (await hubFiles('screenshot', shared)).map((f) => f.filename);
    for (const end of ['', '\r\n--b0--\r\n']) {
      const body = Buffer.concat([
        Buffer.from('--b0\r\nContent-Disposition: form-data; name="\t\v\x01"; filename=""\r\n\r\n\r\n'),
        Buffer.from(`--b0\r\nContent-Disposition: form-data; name="file"; filename="${sha1(png)}"\r\n`),
        Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
        png,
        Buffer.from(end),
      ]);
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const res = await Promise.race([
        t.app.request(
          `/local/hub/webservice/upload.php?filetype=screenshot&courseid=${shared}&screenshotnumber=4&token=${siteA.token}`,
          { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=b0' } },
          { incoming: { socket: { remoteAddress: '192.0.2.20' } } },
        ),
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => reject(new Error(`no answer in 5 s (end ${JSON.stringify(end)})`)), 5000);
        }),
      ]).finally(() => clearTimeout(watchdog));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('multipart/form-data');
    }
    expect((await hubFiles('screenshot', shared)).map((f) => f.filename)).toEqual(before);
  });
});

describe('download.php', () => {
  it('sends the backup as the community block fetches it (filetype, courseid[, token]), as it came', async () => {
    const res = await download(`filetype=backup&courseid=${shared}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(ZIP_MBZ)).toBe(true);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="backup_${shared}.mbz"`);
    expect((await download(`filetype=backup&courseid=${advertised}`)).status).toBe(404);
    expect((await download('filetype=backup&courseid=999999')).status).toBe(404);
  });

  it("on a private hub, only with a registered site's token", async () => {
    await admin.patch('/api/hub/settings', { privacy: 'private', password: 'Hub-pass-1' });
    try {
      expect((await download(`filetype=backup&courseid=${shared}`)).status).toBe(403);
      expect((await download(`filetype=backup&courseid=${shared}&token=publichub`)).status).toBe(403);
      const res = await download(`filetype=backup&courseid=${shared}&token=${siteB.token}`);
      expect(res.status).toBe(200);
      expect(res.body.equals(ZIP_MBZ)).toBe(true);
    } finally {
      await admin.patch('/api/hub/settings', { privacy: 'public' });
    }
  });

  it('sends nothing of a hidden course', async () => {
    await admin.post('/api/hub/courses/bulk', { ids: [shared], action: 'hide' });
    try {
      expect((await download(`filetype=backup&courseid=${shared}`)).status).toBe(404);
      expect((await download(`courseid=${shared}&filetype=screenshot`)).status).toBe(404);
    } finally {
      await admin.post('/api/hub/courses/bulk', { ids: [shared], action: 'show' });
    }
    expect((await download(`filetype=backup&courseid=${shared}`)).status).toBe(200);
  });

  it('hubscreenshot: the hub logo, 150 × 150, made from the name when the hub has none', async () => {
    const res = await download('filetype=hubscreenshot');
    expect(res.status).toBe(200);
    expect(await sharp(res.body).metadata()).toMatchObject({ format: 'png', width: 150, height: 150 });
  });
});

describe('Manage courses', () => {
  it('deleting a course deletes its backup and screenshots', async () => {
    expect(await hubFiles('backup', shared)).toHaveLength(1);
    const res = await admin.post('/api/hub/courses/bulk', { ids: [shared], action: 'delete' });
    expect(res.status, res.text).toBe(200);
    expect(await hubFiles('backup', shared)).toEqual([]);
    expect(await hubFiles('screenshot', shared)).toEqual([]);
    expect((await download(`filetype=backup&courseid=${shared}`)).status).toBe(404);
  });
});
