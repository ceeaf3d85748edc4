import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerSecret } from '../features/tokens/server-secret';
import { openStore } from './client';
import { DataFolderError, lockDataFolder, secureDataFolder } from './data-folder';
import { rawRun } from './sql';

// The data folder's own rules, in one process (SQLite keeps POSIX locks of one process apart
// per connection, so one process shows the same answers two would; data-folder.test.ts at the
// top runs them across real processes, with a server killed by SIGKILL).

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-folder-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('the data folder lock', () => {
  it('shared holders coexist; the exclusive lock waits for none of them and refuses while one holds', () => {
    const dir = join(scratch, 'locks');
    secureDataFolder(dir);
    const server = lockDataFolder(dir, 'shared');
    const command = lockDataFolder(dir, 'shared');
    expect(() => lockDataFolder(dir, 'exclusive')).toThrow(DataFolderError);
    expect(() => lockDataFolder(dir, 'exclusive')).toThrow(/server .* is using the data folder/);
    command.release();
    expect(() => lockDataFolder(dir, 'exclusive')).toThrow(DataFolderError);
    server.release();
    const restore = lockDataFolder(dir, 'exclusive');
    // While a restore holds it, a server (or a command) cannot start on the folder.
    expect(() => lockDataFolder(dir, 'shared')).toThrow(/A restore is running/);
    restore.release();
    lockDataFolder(dir, 'shared').release();
    expect(mode(join(dir, 'gatehouse.lock'))).toBe(0o600);
  });

  it('a lock file that is not one says so', () => {
    const dir = join(scratch, 'bad-lock');
    secureDataFolder(dir);
    writeFileSync(join(dir, 'gatehouse.lock'), 'x'.repeat(200));
    expect(() => lockDataFolder(dir, 'shared')).toThrow(/not the lock file Gatehouse makes/);
  });
});

describe('secureDataFolder', () => {
  it('tightens the folder, its folders and files (not what a symbolic link points at), and says what it did', () => {
    const dir = join(scratch, 'open');
    mkdirSync(join(dir, 'files'), { recursive: true });
    writeFileSync(join(dir, 'gatehouse.db'), '');
    writeFileSync(join(dir, 'files', 'a.bin'), '');
    writeFileSync(join(dir, 'already.key'), '');
    const outside = join(scratch, 'outside.txt');
    writeFileSync(outside, '');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(dir, 'link'));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'files'), 0o775);
    chmodSync(join(dir, 'gatehouse.db'), 0o644);
    chmodSync(join(dir, 'files', 'a.bin'), 0o666);
    chmodSync(join(dir, 'already.key'), 0o400);
    expect(secureDataFolder(dir)).toEqual([
      `The data folder ${dir} was 0755: now 0700 (Gatehouse's user only).`,
      'In the data folder, files/ was 0775: now 0700.',
      'In the data folder, files/a.bin was 0666: now 0600.',
      'In the data folder, gatehouse.db was 0644: now 0600.',
    ]);
    expect([mode(dir), mode(join(dir, 'files')), mode(join(dir, 'files', 'a.bin'))]).toEqual([0o700, 0o700, 0o600]);
    expect(mode(join(dir, 'already.key'))).toBe(0o400);
    expect(mode(outside)).toBe(0o644);
    expect(secureDataFolder(dir)).toEqual([]);
  });
});

describe('files root creates in a data folder someone else owns', () => {
  it.skipIf(process.getuid?.() !== 0)("go to the folder's owner, so that the server can still open them", async () => {
    const dir = join(scratch, 'owned');
    secureDataFolder(dir);
    chownSync(dir, 12345, 12346);
    const store = openStore(join(dir, 'gatehouse.db'));
    await store.transaction(async (tx) => await rawRun(tx, sql`CREATE TABLE IF NOT EXISTS probe (x)`));
    lockDataFolder(dir, 'shared').release();
    loadServerSecret(dir);
    const owners = Object.fromEntries(
      readdirSync(dir).map((f) => [f, `${statSync(join(dir, f)).uid}:${statSync(join(dir, f)).gid}`]),
    );
    await store.close();
    expect(owners).toEqual({
      'gatehouse.db': '12345:12346',
      'gatehouse.db-wal': '12345:12346',
      'gatehouse.db-shm': '12345:12346',
      'gatehouse.lock': '12345:12346',
      'token-secret.key': '12345:12346',
    });
  });
});
