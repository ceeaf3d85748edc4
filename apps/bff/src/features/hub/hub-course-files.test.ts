import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, files } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, hubUpload, rpc, siteInfo } from './hub-rpc.test-helpers';

// Manage courses and the visitors' search show what upload.php stored for a course: the console
// DTOs carry the numbers of the screenshots stored and the backup's size, the administrator sees
// the files (hidden courses too) and deletes them. The files are uploaded as a Moodle site
// uploads them: course/publish/metadata.php (screenshots: filetype, file, courseid, filename,
// screenshotnumber, token) and course/publish/backup.php (filetype, courseid, file, token), both
// with lib/filelib.php's curl class (multipart, the file part named by the pool file's hash).

let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };
let downloadable: number;
let enrollable: number;
let png: Buffer;
let jpeg: Buffer;
const MBZ = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('a course backup, tarred and gzipped')]);

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const fileOf = (buf: Buffer) => ({ filename: sha1(buf), content: buf });

const uploadScreenshot = (course: number, n: number, img: Buffer) =>
  hubUpload(t, [
    ['filetype', 'screenshot'],
    ['file', fileOf(img)],
    ['courseid', String(course)],
    ['filename', `shot${n}.png`],
    ['screenshotnumber', String(n)],
    ['token', site.token],
  ]);

const uploadBackup = (course: number, mbz: Buffer) =>
  hubUpload(t, [
    ['filetype', 'backup'],
    ['courseid', String(course)],
    ['file', fileOf(mbz)],
    ['token', site.token],
  ]);

/** A GET as the signed-in administrator's browser makes it, the body as bytes. */
async function raw(path: string, headers: Record<string, string> = {}, who: Client | null = admin) {
  const res = await t.app.request(
    path,
    { headers: { host: 'localhost', ...(who ? { cookie: who.cookieHeader() } : {}), ...headers } },
    { incoming: { socket: { remoteAddress: '10.1.2.3' } } },
  );
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const storedFiles = async (filearea: string, itemid: number) =>
  await t.store.db
    .select()
    .from(files)
    .where(and(eq(files.component, 'local_hub'), eq(files.filearea, filearea), eq(files.itemid, itemid)));

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: 'https://hub.example.org' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Screenshots hub' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  site = (
    await rpc<typeof site>(t, 'hub_register_site', [{ siteinfo: siteInfo('Site', 'https://site.example') }], token)
  ).value!;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const ids = await rpc<number[]>(
    t,
    'hub_register_courses',
    [
      {
        courses: [
          courseInfo(1, 'Botany for beginners', { screenshots: 2 }),
          courseInfo(2, 'Live astronomy', {
            enrollable: true,
            courseurl: 'https://site.example/course/view.php?id=2',
            screenshots: 1,
          }),
        ],
      },
    ],
    site.token,
  );
  [downloadable, enrollable] = ids.value as [number, number];
  png = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#2a6' } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 200, height: 400, channels: 3, background: '#a26' } })
    .jpeg()
    .toBuffer();
});

afterAll(() => t?.close());

describe('the console DTOs', () => {
  it('carry no screenshots and no backup before the site uploads them', async () => {
    const res = await admin.get(`/api/hub/courses/${downloadable}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ screenshots: [], backupSize: null });
  });

  it('carry the numbers of the screenshots stored and the backup size, in the list, the course and the search', async () => {
    expect((await uploadScreenshot(downloadable, 3, jpeg)).status).toBe(200);
    expect((await uploadScreenshot(downloadable, 1, png)).status).toBe(200);
    expect((await uploadBackup(downloadable, MBZ)).status).toBe(200);
    expect((await uploadScreenshot(enrollable, 1, png)).status).toBe(200);

    const one = await admin.get(`/api/hub/courses/${downloadable}`);
    expect(one.body).toMatchObject({ screenshots: [1, 3], backupSize: MBZ.length });

    const list = await admin.get('/api/hub/courses?sort=fullname&dir=asc');
    expect(list.status).toBe(200);
    expect(
      (list.body.items as { id: number; screenshots: number[]; backupSize: number | null }[]).map((c) => [
        c.id,
        c.screenshots,
        c.backupSize,
      ]),
    ).toEqual([
      [downloadable, [1, 3], MBZ.length],
      [enrollable, [1], null],
    ]);

    const search = await t.client().get('/api/hub/search');
    expect(search.status).toBe(200);
    const found = new Map(
      (search.body.items as { id: number; screenshots: number[]; backupSize: number | null }[]).map((c) => [c.id, c]),
    );
    expect(found.get(downloadable)).toMatchObject({ screenshots: [1, 3], backupSize: MBZ.length });
    expect(found.get(enrollable)).toMatchObject({ screenshots: [1], backupSize: null });
  });
});

describe("the administrator's view of the files", () => {
  it('sends a screenshot fitted inside 150 × 150, or as it came', async () => {
    const thumb = await raw(`/api/hub/courses/${downloadable}/screenshots/1`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await sharp(thumb.body).metadata()).toMatchObject({ format: 'png', width: 150, height: 75 });
    const portrait = await raw(`/api/hub/courses/${downloadable}/screenshots/3`);
    expect(portrait.headers.get('content-type')).toBe('image/jpeg');
    expect(await sharp(portrait.body).metadata()).toMatchObject({ format: 'jpeg', width: 75, height: 150 });

    const original = await raw(`/api/hub/courses/${downloadable}/screenshots/1?size=original`);
    expect(original.status).toBe(200);
    expect(original.body.equals(png)).toBe(true);
    expect(original.headers.get('content-disposition')).toBe('inline; filename="screenshot_1"');
  });

  it('revalidates by content: the same ETag answers 304', async () => {
    const first = await raw(`/api/hub/courses/${downloadable}/screenshots/1?size=original`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toBe(`"${createHash('sha1').update(png).digest('hex')}"`);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await raw(`/api/hub/courses/${downloadable}/screenshots/1?size=original`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("sends the backup as an attachment, and a hidden course's files too (which download.php does not)", async () => {
    await admin.post(`/api/hub/courses/${downloadable}/hide`);
    const pub = await raw(
      `/local/hub/webservice/download.php?courseid=${downloadable}&filetype=screenshot&screenshotnumber=1`,
      {},
      null,
    );
    expect(pub.status).toBe(404);
    const backup = await raw(`/api/hub/courses/${downloadable}/backup`);
    expect(backup.status).toBe(200);
    expect(backup.body.equals(MBZ)).toBe(true);
    expect(backup.headers.get('content-disposition')).toBe(`attachment; filename="backup_${downloadable}.mbz"`);
    expect(backup.headers.get('content-length')).toBe(String(MBZ.length));
    expect((await raw(`/api/hub/courses/${downloadable}/screenshots/3`)).status).toBe(200);
    await admin.post(`/api/hub/courses/${downloadable}/show`);
  });

  it('refuses a missing file, a bad number or size, and anyone without local/hub:manage', async () => {
    const missing = await admin.get(`/api/hub/courses/${downloadable}/screenshots/2`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('notfound');
    expect((await admin.get(`/api/hub/courses/${enrollable}/backup`)).status).toBe(404);
    expect((await admin.get('/api/hub/courses/999999/screenshots/1')).status).toBe(404);
    for (const bad of ['0', '11', 'x']) {
      const res = await admin.get(`/api/hub/courses/${downloadable}/screenshots/${bad}`);
      expect(res.status, bad).toBe(400);
    }
    expect((await admin.get(`/api/hub/courses/${downloadable}/screenshots/1?size=huge`)).status).toBe(400);
    expect((await raw(`/api/hub/courses/${downloadable}/screenshots/1`, {}, null)).status).toBe(401);
    expect((await raw(`/api/hub/courses/${downloadable}/backup`, {}, null)).status).toBe(401);
  });
});

describe('deleting them', () => {
  it('deletes one screenshot: gone from the store, the DTOs and download.php; audited', async () => {
    const res = await admin.delete(`/api/hub/courses/${downloadable}/screenshots/1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: downloadable, screenshots: [3], backupSize: MBZ.length });
    expect((await storedFiles('screenshot', downloadable)).map((f) => f.filename)).toEqual(['screenshot_3']);
    const pub = await raw(
      `/local/hub/webservice/download.php?courseid=${downloadable}&filetype=screenshot&screenshotnumber=1`,
      {},
      null,
    );
    expect(pub.status).toBe(404);
    const search = await t.client().get('/api/hub/search');
    expect(
      (search.body.items as { id: number; screenshots: number[] }[]).find((c) => c.id === downloadable)?.screenshots,
    ).toEqual([3]);
    const audit = await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'hub.course.screenshot.delete'));
    expect(audit.map((a) => [a.targetId, a.summary])).toEqual([
      [String(downloadable), 'Deleted screenshot 1 of the hub course Botany for beginners'],
    ]);
    // Again: nothing to delete, a clear error, nothing changed.
    const again = await admin.delete(`/api/hub/courses/${downloadable}/screenshots/1`);
    expect(again.status).toBe(404);
    expect(errorOf(again).message).toBe('The course Botany for beginners has no screenshot 1');
    expect(await storedFiles('screenshot', downloadable)).toHaveLength(1);
  });

  it('deletes the backup: the course offers none, download.php has none; the site may upload one again', async () => {
    const res = await admin.delete(`/api/hub/courses/${downloadable}/backup`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ screenshots: [3], backupSize: null });
    expect(await storedFiles('backup', downloadable)).toHaveLength(0);
    const pub = await raw(`/local/hub/webservice/download.php?courseid=${downloadable}&filetype=backup`, {}, null);
    expect(pub.status).toBe(404);
    expect((await admin.delete(`/api/hub/courses/${downloadable}/backup`)).status).toBe(404);
    // upload.php keeps a course's first backup: with it deleted, the site can send a new one.
    expect((await uploadBackup(downloadable, MBZ)).status).toBe(200);
    expect((await admin.get(`/api/hub/courses/${downloadable}`)).body.backupSize).toBe(MBZ.length);
  });

  it('deletes all the screenshots at once', async () => {
    expect((await uploadScreenshot(downloadable, 2, png)).status).toBe(200);
    const res = await admin.delete(`/api/hub/courses/${downloadable}/screenshots`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.screenshots).toEqual([]);
    expect(await storedFiles('screenshot', downloadable)).toHaveLength(0);
    const none = await admin.delete(`/api/hub/courses/${downloadable}/screenshots`);
    expect(none.status).toBe(404);
    expect(errorOf(none).message).toBe('The course Botany for beginners has no screenshots on the hub');
    // Another course's screenshot is untouched.
    expect(await storedFiles('screenshot', enrollable)).toHaveLength(1);
  });

  it('needs the CSRF header (a cross-site form cannot delete)', async () => {
    const res = await admin.request('DELETE', `/api/hub/courses/${enrollable}/screenshots/1`, { csrf: false });
    expect(res.status).toBe(403);
    expect(await storedFiles('screenshot', enrollable)).toHaveLength(1);
  });
});
