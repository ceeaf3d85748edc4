import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../db/client';
import { loadServerSecret } from '../tokens/server-secret';

/**
 * Online, consistent backups with SQLite's backup API (the server keeps serving meanwhile),
 * and restores that check the file before they touch anything. A backup also carries the
 * server secret tokens are hashed under, without which no restored token would work: a backup
 * is as sensitive as the data folder itself.
 */
export class BackupError extends Error {}

const META = '_gatehouse_backup';

export async function backup(dataDir: string, file: string, tokenSecretFromEnv?: string): Promise<{ pages: number }> {
  if (existsSync(file)) throw new BackupError(`${file} exists already: choose a new file name`);
  const store = openStore(join(dataDir, 'gatehouse.db'));
  try {
    const res = await store.sqlite.backup(file);
    const copy = new Database(file);
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`The backup failed its integrity check: ${check}`);
      copy.exec(`CREATE TABLE ${META} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      const secret = loadServerSecret(dataDir, tokenSecretFromEnv).toString('base64');
      copy
        .prepare(`INSERT INTO ${META} (name, value) VALUES ('token_secret', ?), ('created', ?)`)
        .run(secret, new Date().toISOString());
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return { pages: res.totalPages };
  } finally {
    store.sqlite.close();
  }
}

export async function restore(
  dataDir: string,
  file: string,
  opts: { force: boolean },
): Promise<{ users: number; tokens: number }> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  let source: Database.Database;
  try {
    source = new Database(file, { readonly: true, fileMustExist: true });
    source.pragma('schema_version');
  } catch {
    throw new BackupError(`${file} is not a SQLite database`);
  }
  try {
    const check = source.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} failed its integrity check: ${check}`);
    const tables = new Set(
      source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    );
    for (const t of ['users', 'external_tokens', '__drizzle_migrations', META]) {
      if (!tables.has(t)) throw new BackupError(`${file} is not a Gatehouse backup (no ${t} table)`);
    }
    const secret = source.prepare(`SELECT value FROM ${META} WHERE name = 'token_secret'`).pluck().get() as
      | string
      | undefined;
    const target = join(dataDir, 'gatehouse.db');
    if (existsSync(target) && !opts.force) {
      const live = new Database(target, { readonly: true });
      const users = live.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'users'").pluck().get() as number;
      live.close();
      if (users) throw new BackupError(`${target} holds a database already: add --force to replace it with the backup`);
    }
    await source.backup(target);
    const restored = openStore(target);
    try {
      restored.sqlite.exec(`DROP TABLE IF EXISTS ${META}`);
      const counts = {
        users: restored.sqlite.prepare('SELECT COUNT(*) FROM users').pluck().get() as number,
        tokens: restored.sqlite.prepare('SELECT COUNT(*) FROM external_tokens').pluck().get() as number,
      };
      if (secret) writeFileSync(join(dataDir, 'token-secret.key'), `${secret}\n`, { mode: 0o600 });
      return counts;
    } finally {
      restored.sqlite.close();
    }
  } finally {
    source.close();
  }
}
