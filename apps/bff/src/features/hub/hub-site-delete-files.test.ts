import { createHash } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, files } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { fileStoreOf } from '../files/files.service';
import { courseInfo, enableHub, hubUpload, rpc, siteInfo } from './hub-rpc.test-helpers';

// Manage sites > Delete with the site's courses (local_hub's delete_site($id, $unregistercourses)):
// the courses' backups and screenshots, uploaded as course/publish/backup.php and metadata.php post
// them (Moodle's curl class, multipart), go with the courses, their rows in the same write and
// their content from the file store once it has committed. A site deleted without its courses
// keeps them, and their files.

let t: TestApp;
let admin: Client;
let publicToken: string;
let png: Buffer;
let n = 0;

const MBZ = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('a tar inside')]);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** A registered, trusted site with one downloadable course that has a backup and a screenshot. */
async function siteWithFiles(url: string, backup: Buffer, shot: Buffer) {
  const r = await rpc<{ siteid: number; token: string }>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo(`Site ${++n}`, url) }],
    publicToken,
    `192.0.2.${n}`,
  );
  const site = r.value!;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const ids = await rpc<number[]>(
    t,
    'hub_register_courses',
    [{ courses: [courseInfo(1, `Course of ${url}`, { screenshots: 1 })] }],
    site.token,
  );
  const course = ids.value![0]!;
  // course/publish/backup.php: filetype, courseid, file, token.
  const b = await hubUpload(t, [
    ['filetype', 'backup'],
    ['courseid', String(course)],
    ['file', { filename: sha1(backup), content: backup }],
    ['token', site.token],
  ]);
  // course/publish/metadata.php: filetype, file, courseid, filename, screenshotnumber, token.
  const s = await hubUpload(t, [
    ['filetype', 'screenshot'],
    ['file', { filename: sha1(shot), content: shot }],
    ['courseid', String(course)],
    ['filename', 'shot1.png'],
    ['screenshotnumber', '1'],
    ['token', site.token],
  ]);
  if (b.status !== 200 || s.status !== 200) throw new Error(`${b.text} ${s.text}`);
  return { site, course, hashes: [sha1(backup), sha1(shot)] };
}

const filesOf = async (courses: number[]) =>
  await t.store.db
    .select({ filearea: files.filearea, itemid: files.itemid, contenthash: files.contenthash })
    .from(files)
    .where(and(eq(files.component, 'local_hub'), inArray(files.itemid, courses)));
const stored = (hash: string) => fileStoreOf(t.deps).size(hash) !== undefined;

const image = (colour: string) =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: colour } })
    .png()
    .toBuffer();

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: 'https://hub.example.org' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Deleting hub', maxCoursesPerDay: 100 });
  publicToken = (await t.client().get('/local/hub/publictoken.php')).body.token;
  png = await image('#2a6');
});
afterAll(() => t?.close());

describe('deleting a site with its courses', () => {
  it('removes the backups and screenshots of its courses: rows and content', async () => {
    const a = await siteWithFiles('https://delete-a.example', MBZ, png);
    expect((await filesOf([a.course])).map((f) => f.filearea).sort()).toEqual(['backup', 'screenshot']);
    expect(a.hashes.map(stored)).toEqual([true, true]);

    const res = await admin.delete(`/api/hub/sites/${a.site.siteid}?withCourses=1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ coursesDeleted: 1 });
    expect(await filesOf([a.course])).toEqual([]);
    expect(a.hashes.map(stored)).toEqual([false, false]);
    const audit = (await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'hub.site.delete'))).at(-1);
    expect(JSON.parse(String(audit?.details))).toMatchObject({ withCourses: true, courses: 1, files: 2 });
  });

  it('keeps content another file still uses, and the files of a site deleted without its courses', async () => {
    // Two sites upload the same bytes: one content in the store, two rows.
    const shot = await image('#a62');
    const b = await siteWithFiles('https://delete-b.example', MBZ, shot);
    const c = await siteWithFiles('https://delete-c.example', MBZ, shot);
    const kept = await siteWithFiles('https://keep.example', Buffer.concat([MBZ, Buffer.from('other')]), png);

    const without = await admin.delete(`/api/hub/sites/${kept.site.siteid}`);
    expect(without.status, without.text).toBe(200);
    expect(await filesOf([kept.course])).toHaveLength(2);
    expect(kept.hashes.map(stored)).toEqual([true, true]);

    expect((await admin.delete(`/api/hub/sites/${b.site.siteid}?withCourses=1`)).status).toBe(200);
    expect(await filesOf([b.course])).toEqual([]);
    // Site c's course still uses the same content.
    expect(await filesOf([c.course])).toHaveLength(2);
    expect(c.hashes.map(stored)).toEqual([true, true]);
  });

  it('With selected sites > Delete with their courses removes every course file of every site', async () => {
    const d = await siteWithFiles(
      'https://bulk-d.example',
      Buffer.concat([MBZ, Buffer.from('d')]),
      await image('#111'),
    );
    const e = await siteWithFiles(
      'https://bulk-e.example',
      Buffer.concat([MBZ, Buffer.from('e')]),
      await image('#222'),
    );
    const res = await admin.post('/api/hub/sites/bulk', {
      ids: [d.site.siteid, e.site.siteid],
      action: 'delete',
      withCourses: true,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ deleted: 2, coursesDeleted: 2 });
    expect(await filesOf([d.course, e.course])).toEqual([]);
    expect([...d.hashes, ...e.hashes].map(stored)).toEqual([false, false, false, false]);
  });

  it('a refused bulk delete (an unknown site) removes no file', async () => {
    const f = await siteWithFiles(
      'https://bulk-f.example',
      Buffer.concat([MBZ, Buffer.from('f')]),
      await image('#333'),
    );
    const res = await admin.post('/api/hub/sites/bulk', {
      ids: [f.site.siteid, 999_999],
      action: 'delete',
      withCourses: true,
    });
    expect(res.status).toBe(404);
    expect(await filesOf([f.course])).toHaveLength(2);
    expect(f.hashes.map(stored)).toEqual([true, true]);
  });
});
