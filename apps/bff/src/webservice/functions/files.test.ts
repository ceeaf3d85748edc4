import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../../db/schema';
import { userContextId } from './common';
import {
  ALL_FUNCTIONS_SERVICE,
  type CatalogueTest,
  callError,
  callFunction,
  makeCatalogueTest,
  setRoleCapability,
} from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
});
afterAll(() => t.close());

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const upload = (over: Record<string, unknown> = {}) => ({
  component: 'user',
  filearea: 'private',
  itemid: 0,
  filepath: '/',
  filename: 'notes.txt',
  filecontent: b64('hello'),
  contextlevel: 'user',
  instanceid: t.ids.student,
  ...over,
});

describe('core_files_upload', () => {
  it("stores a file in the caller's private area", async () => {
    const ctxid = userContextId(t.ids.student as number);
    const out = await callFunction(
      t.deps,
      'core_files_upload',
      'student',
      upload({ filepath: '/essays/', filename: 'draft 1.txt', filecontent: b64('My essay\n') }),
    );
    expect(out).toEqual({
      contextid: ctxid,
      component: 'user',
      filearea: 'private',
      itemid: 0,
      filepath: '/essays/',
      filename: 'draft 1.txt',
      url: `http://localhost:3000/webservice/pluginfile.php/${ctxid}/user/private/essays/draft%201.txt`,
    });
    const row = (
      await t.deps.store.db
        .select()
        .from(files)
        .where(and(eq(files.userId, t.ids.student as number), eq(files.filename, 'draft 1.txt')))
        .limit(1)
    ).at(0);
    expect(row).toMatchObject({ filearea: 'private', filepath: '/essays/', mimetype: 'text/plain', filesize: 9 });
    // The content is in the file store, under its SHA-1, not in the row.
    expect(row?.content).toBeNull();
    expect(row?.contenthash).toBe(createHash('sha1').update('My essay\n').digest('hex'));
    const stored = join(
      t.deps.env.dataDir,
      'filedir',
      row?.contenthash?.slice(0, 2) ?? '',
      row?.contenthash?.slice(2, 4) ?? '',
      row?.contenthash ?? '',
    );
    expect(readFileSync(stored, 'utf8')).toBe('My essay\n');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
  });

  it('accepts the context by id and gives a draft upload a new item id', async () => {
    const ctxid = userContextId(t.ids.student2 as number);
    const out = await callFunction(t.deps, 'core_files_upload', 'student2', {
      ...upload({ filearea: 'draft', filename: 'photo.png', filecontent: b64('png') }),
      contextlevel: undefined,
      instanceid: undefined,
      contextid: ctxid,
    });
    expect(out.itemid).toBeGreaterThan(0);
    expect(out.url).toBe(`http://localhost:3000/webservice/pluginfile.php/${ctxid}/user/draft/${out.itemid}/photo.png`);
  });

  it('refuses a caller without moodle/user:manageownfiles', async () => {
    await setRoleCapability(t.deps, 'student', 'moodle/user:manageownfiles', 'prohibit');
    try {
      const e = await callError(t.deps, 'core_files_upload', 'student', upload({ filename: 'nope.txt' }));
      expect(e).toMatchObject({
        exception: 'required_capability_exception',
        errorcode: 'nopermissions',
        debuginfo: 'moodle/user:manageownfiles',
      });
    } finally {
      await setRoleCapability(t.deps, 'student', 'moodle/user:manageownfiles', null);
    }
  });

  it('refuses when the service does not allow uploads', async () => {
    const e = await callError(t.deps, 'core_files_upload', 'student', upload({ filename: 'nope.txt' }), {
      ...ALL_FUNCTIONS_SERVICE,
      uploadFiles: false,
    });
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'servicenotavailable' });
    expect(e.message).toContain('does not allow file uploads');
  });

  it("refuses someone else's area, other areas and unknown contexts", async () => {
    const other = await callError(t.deps, 'core_files_upload', 'student', upload({ instanceid: t.ids.student2 }));
    expect(other).toMatchObject({ exception: 'moodle_exception', errorcode: 'accessdenied' });
    const area = await callError(t.deps, 'core_files_upload', 'student', upload({ filearea: 'backup' }));
    expect(area).toMatchObject({ exception: 'coding_exception', errorcode: 'codingerror' });
    const component = await callError(t.deps, 'core_files_upload', 'student', upload({ component: 'mod_forum' }));
    expect(component.errorcode).toBe('codingerror');
    const ctx = await callError(t.deps, 'core_files_upload', 'student', {
      ...upload(),
      contextlevel: undefined,
      instanceid: undefined,
      contextid: 777,
    });
    expect(ctx.exception).toBe('dml_missing_record_exception');
    const none = await callError(t.deps, 'core_files_upload', 'student', {
      ...upload(),
      contextlevel: undefined,
      instanceid: undefined,
    });
    expect(none.exception).toBe('invalid_parameter_exception');
  });

  it("rejects an existing name, bad paths and names, bad base64 and files over the server's limit", async () => {
    const dup = await callError(t.deps, 'core_files_upload', 'student', upload({ filename: 'study-plan.txt' }));
    expect(dup).toMatchObject({
      exception: 'file_exception',
      errorcode: 'filenameexist',
      message: 'File name already exists: study-plan.txt',
    });
    for (const bad of [
      { filepath: 'essays/' },
      { filepath: '/../' },
      { filename: '../x' },
      { filename: '' },
      { filecontent: '%%%' },
      { itemid: 5 },
    ]) {
      const e = await callError(t.deps, 'core_files_upload', 'student', upload(bad));
      expect(e.exception).toBe('invalid_parameter_exception');
    }
    const big = Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64');
    const e = await callError(
      t.deps,
      'core_files_upload',
      'student',
      upload({ filename: 'big.bin', filecontent: big }),
    );
    expect(e).toMatchObject({ exception: 'file_exception', errorcode: 'maxbytes' });
  });
});
