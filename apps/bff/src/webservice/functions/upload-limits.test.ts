import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { config, files } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { type FileStore, fileStoreFor, useFileStore } from '../../features/files/file-store';
import { MIB, setDiskProbe, statfsProbe } from '../../lib/disk';
import { onPostgres, sqliteOf } from '../../test/test-store';
import { SERVER_MAX_UPLOAD_BYTES } from './files';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest, setRoleCapability } from './test-helpers';

// Issue 14, item 6: uploads are bounded by the site's maxbytes, the user's quota (userquota)
// and a free-space reserve on the data folder's disk; site info reports the first two as
// Moodle computes them (webservice/externallib.php get_site_info, lib/moodlelib.php
// get_user_max_upload_file_size).

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

/** Applies site settings, as the settings screen does (the write completes before the next call). */
const set = async (patch: { maxbytes?: string; userquota?: string }) => {
  await t.deps.settings.apply(patch, SYSTEM_ACTOR);
};

afterEach(async () => {
  await set({ maxbytes: '0', userquota: '104857600' });
  await setRoleCapability(t.deps, 'student', 'moodle/user:ignoreuserquota', null);
  await setRoleCapability(t.deps, 'student', 'moodle/course:ignorefilesizelimits', null);
  setDiskProbe(t.deps, statfsProbe(t.deps.env.dataDir));
  if (!onPostgres) sqliteOf(t.deps.store).pragma('max_page_count = 1073741823');
  // Each test starts from the seeded files (the student's study-plan.txt, 50 bytes).
  await t.deps.store.db.delete(files).where(sql`${files.filename} <> 'study-plan.txt'`);
});

const bytes = (n: number) => Buffer.alloc(n, 0x61).toString('base64');
const upload = (user: string, filename: string, size: number, over: Record<string, unknown> = {}) =>
  ({
    component: 'user',
    filearea: 'private',
    itemid: 0,
    filepath: '/',
    filename,
    filecontent: bytes(size),
    contextlevel: 'user',
    instanceid: t.ids[user],
    ...over,
  }) as const;

const filesOf = async (user: string) =>
  await t.deps.store.db
    .select({ filename: files.filename, filearea: files.filearea, filesize: files.filesize })
    .from(files)
    .where(eq(files.userId, t.ids[user] as number))
    .orderBy(files.id);

const siteInfo = (user: string) => callFunction(t.deps, 'core_webservice_get_site_info', user, {});

describe('core_webservice_get_site_info: userquota and usermaxuploadfilesize', () => {
  it("reports Moodle's defaults: a 100 MB quota and the server's own limit", async () => {
    expect(SERVER_MAX_UPLOAD_BYTES).toBe(3_096_576);
    const info = await siteInfo('student');
    expect(info.userquota).toBe(104_857_600);
    expect(info.usermaxuploadfilesize).toBe(SERVER_MAX_UPLOAD_BYTES);
  });

  it('follows the settings, and never reports more than the server takes', async () => {
    await set({ maxbytes: '1000', userquota: '5000' });
    expect(await siteInfo('student')).toMatchObject({ userquota: 5000, usermaxuploadfilesize: 1000 });
    await set({ maxbytes: '2147483647' });
    expect((await siteInfo('student')).usermaxuploadfilesize).toBe(SERVER_MAX_UPLOAD_BYTES);
  });

  it('reports 0 and -1 to users who may ignore the quota and the size limit (site administrators hold both)', async () => {
    await set({ maxbytes: '1000', userquota: '5000' });
    expect(await siteInfo('admin')).toMatchObject({ userquota: 0, usermaxuploadfilesize: -1 });
    await setRoleCapability(t.deps, 'student', 'moodle/user:ignoreuserquota', 'allow');
    expect(await siteInfo('student')).toMatchObject({ userquota: 0, usermaxuploadfilesize: 1000 });
    await setRoleCapability(t.deps, 'student', 'moodle/course:ignorefilesizelimits', 'allow');
    expect(await siteInfo('student')).toMatchObject({ userquota: 0, usermaxuploadfilesize: -1 });
  });
});

describe('core_files_upload: maxbytes', () => {
  it('refuses a file over maxbytes with file_exception maxbytes and stores nothing; one at the limit is stored', async () => {
    await set({ maxbytes: '1000' });
    const before = await filesOf('student');
    const e = await callError(t.deps, 'core_files_upload', 'student', upload('student', 'big.bin', 1001));
    expect(e).toMatchObject({
      exception: 'file_exception',
      errorcode: 'maxbytes',
      message: 'The file is larger than the maximum size allowed.',
      debuginfo: 'The file is 1001 bytes; the largest you may upload is 1000 bytes (maxbytes)',
    });
    // The same in the draft area.
    const d = await callError(
      t.deps,
      'core_files_upload',
      'student',
      upload('student', 'big.bin', 1001, { filearea: 'draft' }),
    );
    expect(d.errorcode).toBe('maxbytes');
    expect(await filesOf('student')).toEqual(before);
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'fits.bin', 1000));
    expect((await filesOf('student')).at(-1)).toEqual({ filename: 'fits.bin', filearea: 'private', filesize: 1000 });
  });

  it("holds the server's limit when maxbytes is 0 or larger", async () => {
    for (const maxbytes of ['0', '2147483647']) {
      await set({ maxbytes });
      const e = await callError(
        t.deps,
        'core_files_upload',
        'student',
        upload('student', 'huge.bin', SERVER_MAX_UPLOAD_BYTES + 1),
      );
      expect(e.errorcode).toBe('maxbytes');
    }
    expect((await filesOf('student')).map((f) => f.filename)).toEqual(['study-plan.txt']);
  });

  it("lets a holder of moodle/course:ignorefilesizelimits pass maxbytes, but not the server's limit", async () => {
    await set({ maxbytes: '1000' });
    await setRoleCapability(t.deps, 'student', 'moodle/course:ignorefilesizelimits', 'allow');
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'ok.bin', 5000));
    const e = await callError(
      t.deps,
      'core_files_upload',
      'student',
      upload('student', 'huge.bin', SERVER_MAX_UPLOAD_BYTES + 1),
    );
    expect(e.errorcode).toBe('maxbytes');
    expect((await filesOf('student')).map((f) => f.filename)).toEqual(['study-plan.txt', 'ok.bin']);
  });
});

describe('core_files_upload: userquota', () => {
  it('refuses the upload that would pass the quota with file_exception userquotalimit and stores nothing', async () => {
    // The student already stores study-plan.txt (50 bytes).
    expect(await filesOf('student')).toEqual([{ filename: 'study-plan.txt', filearea: 'private', filesize: 50 }]);
    await set({ userquota: '1050' });
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'a.bin', 600));
    const before = await filesOf('student');
    const e = await callError(t.deps, 'core_files_upload', 'student', upload('student', 'b.bin', 401));
    expect(e).toMatchObject({
      exception: 'file_exception',
      errorcode: 'userquotalimit',
      message: 'You have reached your file quota limit.',
      debuginfo:
        'Your files take 650 bytes; with this file (401 bytes) they would pass your quota of 1050 bytes (userquota)',
    });
    expect(await filesOf('student')).toEqual(before);
    // Exactly up to the quota is allowed.
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'b.bin', 400));
    expect((await filesOf('student')).reduce((n, f) => n + f.filesize, 0)).toBe(1050);
  });

  it('counts draft files too (they stay until replaced), and a replaced draft only once', async () => {
    await set({ userquota: '1050' });
    const first = await callFunction(
      t.deps,
      'core_files_upload',
      'student',
      upload('student', 'photo.png', 900, { filearea: 'draft' }),
    );
    const e = await callError(t.deps, 'core_files_upload', 'student', upload('student', 'notes.txt', 101));
    expect(e.errorcode).toBe('userquotalimit');
    // Replacing the draft by a file of 1000 bytes: 50 + 1000 fits, the old 900 bytes are not counted.
    await callFunction(
      t.deps,
      'core_files_upload',
      'student',
      upload('student', 'photo.png', 1000, { filearea: 'draft', itemid: first.itemid }),
    );
    expect(await filesOf('student')).toEqual([
      { filename: 'study-plan.txt', filearea: 'private', filesize: 50 },
      { filename: 'photo.png', filearea: 'draft', filesize: 1000 },
    ]);
  });

  it('keeps the default quota when the stored value is not a valid size (written to the database by hand)', async () => {
    await t.deps.store.db
      .insert(config)
      .values({ name: 'userquota', value: 'lots' })
      .onConflictDoUpdate({ target: config.name, set: { value: 'lots' } });
    t.deps.gen.bump();
    expect((await siteInfo('student')).userquota).toBe(104_857_600);
  });

  it("is each user's own: another user's files do not count", async () => {
    await set({ userquota: '1000' });
    await callFunction(t.deps, 'core_files_upload', 'student2', upload('student2', 'x.bin', 1000));
    const e = await callError(t.deps, 'core_files_upload', 'student2', upload('student2', 'y.bin', 1));
    expect(e.errorcode).toBe('userquotalimit');
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'x.bin', 900));
  });

  it('does not bind a holder of moodle/user:ignoreuserquota, nor a site administrator', async () => {
    await set({ userquota: '100' });
    await setRoleCapability(t.deps, 'student', 'moodle/user:ignoreuserquota', 'allow');
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'c.bin', 2000));
    await callFunction(t.deps, 'core_files_upload', 'admin', upload('admin', 'c.bin', 2000));
    expect(await filesOf('admin')).toHaveLength(1);
  });

  it('with a quota of 0, nothing can be stored (as in Moodle)', async () => {
    await set({ userquota: '0' });
    const e = await callError(t.deps, 'core_files_upload', 'student2', upload('student2', 'z.bin', 1));
    expect(e.errorcode).toBe('userquotalimit');
  });
});

describe('core_files_upload: free disk space', () => {
  const GIB = 1024 * MIB;

  it('stores the file while the disk keeps its reserve (64 MiB or 1 %) after the write', async () => {
    setDiskProbe(t.deps, () => ({ free: 200 * MIB, total: 4 * GIB }));
    await callFunction(t.deps, 'core_files_upload', 'student', upload('student', 'fine.bin', 10_000));
    expect((await filesOf('student')).map((f) => f.filename)).toContain('fine.bin');
  });

  it.each([
    ['below the 64 MiB floor', { free: 64 * MIB + 1000, total: 4 * GIB }],
    ['below 1 % of a large disk', { free: 900 * MIB, total: 100 * GIB }],
    ['a full disk', { free: 0, total: 4 * GIB }],
  ])('refuses with file_exception storedfilecannotcreatefile when the write would leave %s', async (_what, space) => {
    setDiskProbe(t.deps, () => space);
    const before = await filesOf('student');
    const e = await callError(t.deps, 'core_files_upload', 'student', upload('student', 'nope.bin', 1000));
    expect(e).toMatchObject({
      exception: 'file_exception',
      errorcode: 'storedfilecannotcreatefile',
      message:
        'The server is low on disk space, so the file was not stored. Ask the site administrator to free some space.',
    });
    expect(e.debuginfo).toMatch(
      /^Not enough free disk space: \d+ bytes free, 5096 bytes needed plus a reserve of \d+ bytes/,
    );
    expect(await filesOf('student')).toEqual(before);
  });

  it('answers the same, and changes nothing, when the file store cannot write (ENOSPC)', async () => {
    // The content goes to the file store (GATEHOUSE_DATA/filedir) now, not into SQLite: a store
    // whose disk is full refuses the staging write.
    const real = fileStoreFor(t.deps.env.dataDir);
    const full: FileStore = {
      ...real,
      size: (h) => real.size(h),
      read: (h, r) => real.read(h, r),
      delete: (h) => real.delete(h),
      hashes: () => real.hashes(),
      stage: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    useFileStore(t.deps.env.dataDir, full);
    try {
      const before = await filesOf('student');
      const e = await callError(t.deps, 'core_files_upload', 'student', upload('student', 'toobig.bin', 200_000));
      expect(e).toMatchObject({ exception: 'file_exception', errorcode: 'storedfilecannotcreatefile' });
      expect(e.debuginfo).toContain('no space left on device');
      expect(await filesOf('student')).toEqual(before);
    } finally {
      useFileStore(t.deps.env.dataDir, real);
    }
  });
});
