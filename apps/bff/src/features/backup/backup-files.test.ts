import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { userContext } from '../files/contexts';
import { DataFolderFileStore } from '../files/file-store';
import { fileStoreOf, filesReady, storeFile } from '../files/files.service';
import { BackupError, backup, restore } from './backup';

// `gatehouse backup` carries the stored files' content (the file store, GATEHOUSE_DATA/filedir)
// and `restore` checks it as it checks the rest: every content a file uses, hashing to its name.

let t: TestApp;
let good: string;
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-backup-files-'));
const sha1 = (b: string | Buffer) => createHash('sha1').update(b).digest('hex');
const big = Buffer.alloc(2_500_000, 7); // more than two chunks of 1 MiB

async function put(name: string, content: Buffer) {
  const userId = await t.userId('teacher');
  const staged = await fileStoreOf(t.deps).stage(
    (async function* () {
      yield content;
    })(),
  );
  await storeFile(
    t.deps,
    staged,
    {
      place: {
        contextid: userContext(userId),
        component: 'user',
        filearea: 'private',
        itemid: 0,
        filepath: '/',
        filename: name,
      },
      userId,
      mimetype: 'application/octet-stream',
    },
    { replace: false, quota: null },
  );
}

beforeAll(async () => {
  t = await makeTestApp();
  await filesReady(t.deps);
  await put('big.bin', big);
  await put('copy.bin', big);
  await put('small.txt', Buffer.from('small'));
  good = join(scratch, 'good.gatehouse-backup');
  await backup(t.dir, good);
});
afterAll(async () => {
  await t.close();
  rmSync(scratch, { recursive: true, force: true });
});

const contentPath = (dir: string, hash: string) => join(dir, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash);

describe('backup and restore with files', () => {
  it('restores the content of every file into the new data folder, 0600, and nothing else', async () => {
    const target = mkdtempSync(join(scratch, 'restored-'));
    // Content left in the target's store by its earlier database goes.
    const stale = sha1('stale');
    mkdirSync(join(target, 'filedir', stale.slice(0, 2), stale.slice(2, 4)), { recursive: true });
    writeFileSync(contentPath(target, stale), 'stale');
    await restore(target, good, { force: true });
    const hashes = [...new DataFolderFileStore(target).hashes()].sort();
    expect(hashes).toEqual(
      [
        sha1(big),
        sha1('small'),
        // The demo data's files: the student's study plan and CS101's cheat sheet (a resource).
        sha1('Week 1: variables\nWeek 2: loops\nWeek 3: functions\n'),
        sha1(
          'Python cheat sheet\n\nname = "Ada"            # a variable\nif x > 3: ...            # a condition\nfor i in range(10): ...  # a loop\ndef square(n): return n * n\n',
        ),
      ].sort(),
    );
    expect(readFileSync(contentPath(target, sha1(big))).equals(big)).toBe(true);
    expect(statSync(contentPath(target, sha1('small'))).mode & 0o777).toBe(0o600);
    const db = new Database(join(target, 'gatehouse.db'), { readonly: true });
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '_gatehouse_backup%'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM files WHERE contenthash = ?').pluck().get(sha1(big))).toBe(2);
    db.close();
  });

  it('refuses a backup whose content was changed, cut, left out or added to, changing nothing', async () => {
    let n = 0;
    const tampered = (sql: string, ...args: unknown[]) => {
      const file = join(scratch, `tampered-${n++}.gatehouse-backup`);
      copyFileSync(good, file);
      const db = new Database(file);
      db.prepare(sql).run(...args);
      db.close();
      return file;
    };
    const cases: [string, RegExp][] = [
      [tampered("UPDATE _gatehouse_backup_filedir SET data = X'00' WHERE seq = 1"), /does not hash to its name/],
      [tampered('DELETE FROM _gatehouse_backup_filedir WHERE seq = 1'), /missing or damaged chunk/],
      [tampered('DELETE FROM _gatehouse_backup_filedir WHERE contenthash = ?', sha1('small')), /no content for/],
      [
        tampered("INSERT INTO _gatehouse_backup_filedir VALUES (?, 0, X'01')", sha1('unused')),
        /content \(.*\) that no file uses/,
      ],
    ];
    for (const [file, why] of cases) {
      const target = mkdtempSync(join(scratch, 'refused-'));
      const err = await restore(target, file, { force: true }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BackupError);
      expect((err as Error).message).toMatch(why);
      expect(existsSync(join(target, 'filedir'))).toBe(false);
      expect(existsSync(join(target, 'gatehouse.db'))).toBe(false);
    }
  });

  it('refuses to back up a data folder whose file store lost a content a file uses', async () => {
    const t2 = await makeTestApp();
    try {
      await filesReady(t2.deps);
      rmSync(join(t2.dir, 'filedir'), { recursive: true, force: true });
      await expect(backup(t2.dir, join(scratch, 'broken.gatehouse-backup'))).rejects.toThrow(/has no content/);
    } finally {
      await t2.close();
    }
  });
});
