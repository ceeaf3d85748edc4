import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../context';
import { openStore } from '../../db/client';
import { loadEnv } from '../../env';
import { DataFolderFileStore } from './file-store';
import { filesReady } from './files.service';

// A site upgraded from the version that kept file content in the files table (base64): migration
// 0006 gives the rows Moodle's place (the user's context, component user, item id 0), and the
// first use of the files moves each content into the file store.

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-files-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const here = dirname(fileURLToPath(import.meta.url));

describe('upgrading a site whose files were stored in the database', () => {
  it('keeps every file and moves its content into the file store', async () => {
    // The migrations as they were before 0006.
    const old = join(dir, 'old-migrations');
    cpSync(join(here, '../../db/migrations'), old, { recursive: true });
    const journalFile = join(old, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0006');
    writeFileSync(journalFile, JSON.stringify(journal));
    const file = join(dir, 'gatehouse.db');
    const sqlite = new Database(file);
    migrate(drizzle(sqlite), { migrationsFolder: old });
    sqlite
      .prepare(
        "INSERT INTO users (username, firstname, lastname, email, password_hash) VALUES ('u', 'U', 'Ser', 'u@x', 'x')",
      )
      .run();
    const userId = sqlite.prepare("SELECT id FROM users WHERE username = 'u'").pluck().get() as number;
    sqlite
      .prepare(
        "INSERT INTO files (user_id, filearea, filepath, filename, mimetype, filesize, content, timecreated) VALUES (?, 'private', '/docs/', 'old.txt', 'text/plain', 3, ?, 1000)",
      )
      .run(userId, Buffer.from('old').toString('base64'));
    sqlite.close();

    const store = openStore(file);
    try {
      const row = store.sqlite.prepare('SELECT * FROM files').get() as Record<string, unknown>;
      expect(row).toMatchObject({
        contextid: 30_000_000 + userId,
        component: 'user',
        filearea: 'private',
        itemid: 0,
        filepath: '/docs/',
        filename: 'old.txt',
        contenthash: null,
        timemodified: 1000,
      });
      const deps = createDeps(loadEnv({ GATEHOUSE_DATA: dir, GATEHOUSE_LOG: 'silent' }), store);
      await filesReady(deps);
      const moved = store.sqlite.prepare('SELECT contenthash, content, filesize FROM files').get() as {
        contenthash: string;
        content: string | null;
        filesize: number;
      };
      expect(moved.content).toBeNull();
      expect(moved.filesize).toBe(3);
      expect(readFileSync(new DataFolderFileStore(dir).pathOf(moved.contenthash), 'utf8')).toBe('old');
    } finally {
      store.sqlite.close();
    }
  });
});
