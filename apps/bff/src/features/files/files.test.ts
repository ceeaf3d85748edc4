import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../../db/schema';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { userContext } from './contexts';
import { DataFolderFileStore, pinContent } from './file-store';
import { deleteFiles, fileStoreOf, filesReady, findFile, storeFile, sweepFiles } from './files.service';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const source = (s: string) =>
  (async function* () {
    yield Buffer.from(s);
  })();

async function put(name: string, content: string, o: { filearea?: string; itemid?: number } = {}) {
  const userId = await t.userId('teacher');
  const staged = await fileStoreOf(t.deps).stage(source(content));
  const out = await storeFile(
    t.deps,
    staged,
    {
      place: {
        contextid: userContext(userId),
        component: 'user',
        filearea: o.filearea ?? 'private',
        itemid: o.itemid ?? 0,
        filepath: '/',
        filename: name,
      },
      userId,
      mimetype: 'text/plain',
    },
    { replace: true, quota: null },
  );
  if (!out.ok) throw new Error(out.reason);
  return out.row;
}

const store = () => new DataFolderFileStore(t.dir);
const contentPath = (hash: string) => join(t.dir, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash);

describe('the file store', () => {
  it('moves the content rows held before the file store into it, once', async () => {
    await filesReady(t.deps);
    const row = await findFile(t.deps, {
      contextid: userContext(await t.userId('student')),
      component: 'user',
      filearea: 'private',
      itemid: 0,
      filepath: '/',
      filename: 'study-plan.txt',
    });
    expect(row?.content).toBeNull();
    expect(row?.contenthash).toBe(sha1('Week 1: variables\nWeek 2: loops\nWeek 3: functions\n'));
    expect(store().size(row?.contenthash as string)).toBe(50);
    expect(filesReady(t.deps)).toBeUndefined();
  });

  it('keeps one copy per content, 0600 in 0700 folders, and removes it with the last file that uses it', async () => {
    const a = await put('a.txt', 'same bytes');
    const b = await put('b.txt', 'same bytes');
    expect(a.contenthash).toBe(sha1('same bytes'));
    expect(b.contenthash).toBe(a.contenthash);
    const file = contentPath(a.contenthash as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.dir, 'filedir')).mode & 0o777).toBe(0o700);
    // Nothing is left in the staging area.
    expect(readdirSync(join(t.dir, 'filedir', '.tmp'))).toEqual([]);
    await deleteFiles(t.deps, [a.id]);
    expect(store().size(a.contenthash as string)).toBe(10);
    await deleteFiles(t.deps, [b.id]);
    expect(store().size(a.contenthash as string)).toBeUndefined();
  });

  it('replacing a file releases the old content', async () => {
    const first = await put('c.txt', 'version 1');
    const second = await put('c.txt', 'version 2');
    expect(second.contenthash).not.toBe(first.contenthash);
    expect(store().size(first.contenthash as string)).toBeUndefined();
    expect(store().size(second.contenthash as string)).toBe(9);
  });

  it('while a backup pins the content nothing is removed; the sweep removes it afterwards', async () => {
    const row = await put('pinned.txt', 'pinned content');
    const pin = pinContent(t.dir);
    try {
      await deleteFiles(t.deps, [row.id]);
      expect(store().size(row.contenthash as string)).toBe(14);
    } finally {
      pin.release();
    }
    const swept = await sweepFiles(t.deps);
    expect(swept.orphans).toBeGreaterThanOrEqual(1);
    expect(store().size(row.contenthash as string)).toBeUndefined();
  });

  it('the sweep removes orphaned content and stale drafts, and keeps what rows use', async () => {
    const kept = await put('kept.txt', 'kept');
    const stray = sha1('stray');
    mkdirSync(join(t.dir, 'filedir', stray.slice(0, 2), stray.slice(2, 4)), { recursive: true });
    writeFileSync(contentPath(stray), 'stray');
    const draft = await put('old-draft.txt', 'old draft', { filearea: 'draft', itemid: 77 });
    await t.store.db
      .update(files)
      .set({ timemodified: t.deps.now() - 5 * 86_400 })
      .where(eq(files.id, draft.id));
    const swept = await sweepFiles(t.deps);
    expect(swept.drafts).toBe(1);
    expect(store().size(stray)).toBeUndefined();
    expect(store().size(draft.contenthash as string)).toBeUndefined();
    expect(store().size(kept.contenthash as string)).toBe(4);
  });

  it('refuses content past maxBytes while staging and keeps none of it', async () => {
    await expect(fileStoreOf(t.deps).stage(source('x'.repeat(11)), { maxBytes: 10 })).rejects.toThrow(/larger than 10/);
    expect(readdirSync(join(t.dir, 'filedir', '.tmp'))).toEqual([]);
  });
});
