import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { BackupError, backup, restore } from './backup';

// A restore checks the whole file before it touches anything: a backup is only as trustworthy
// as wherever it was kept, and SQLite runs whatever triggers and views a database file brings.
// Each case starts from a good backup, changes one thing, and must be refused with the data
// folder it was meant to replace left exactly as it was.

let source: TestApp;
let target: TestApp;
let good: string;
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-restore-verify-'));

beforeAll(async () => {
  source = await makeTestApp();
  target = await makeTestApp({ demo: false });
  good = join(scratch, 'good.gatehouse-backup');
  await signIn(source, 'manager');
  await backup(source.dir, good);
});
afterAll(async () => {
  await source.close();
  await target.close();
  rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
/** A copy of the good backup with `sql` applied to it (foreign keys off, as a hand edit would be). */
function tampered(sql: string | ((db: Database.Database) => void)): string {
  const file = join(scratch, `tampered-${n++}.gatehouse-backup`);
  copyFileSync(good, file);
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  if (typeof sql === 'string') db.exec(sql);
  else sql(db);
  db.close();
  return file;
}

/** Everything a restore could change in a data folder: its files, the secret, and every row of every table. */
function snapshot(dir: string): string {
  const h = createHash('sha256');
  // (gatehouse.lock aside: the server makes it at its first start, a restore when it is missing.)
  h.update(
    JSON.stringify(
      readdirSync(dir)
        .filter((f) => f !== 'gatehouse.lock')
        .sort(),
    ),
  );
  h.update(readFileSync(join(dir, 'token-secret.key')));
  const db = new Database(join(dir, 'gatehouse.db'), { readonly: true });
  try {
    const objects = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all() as {
      type: string;
      name: string;
      sql: string | null;
    }[];
    h.update(JSON.stringify(objects));
    for (const o of objects) {
      if (o.type !== 'table' || o.sql?.startsWith('CREATE VIRTUAL')) continue;
      h.update(JSON.stringify(db.prepare(`SELECT * FROM "${o.name}"`).raw().all()));
    }
  } finally {
    db.close();
  }
  return h.digest('hex');
}

async function refused(file: string, message: RegExp) {
  const before = snapshot(target.dir);
  const err = await restore(target.dir, file, { force: true }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `the restore went through: ${file}`).toBeInstanceOf(BackupError);
  expect((err as Error).message).toMatch(message);
  expect(snapshot(target.dir)).toBe(before);
  // No temporary copy left behind either.
  expect(readdirSync(target.dir).filter((f) => f.includes('restore'))).toEqual([]);
}

describe('restore verifies the backup before touching anything', () => {
  it('refuses an added trigger (the one that made a student site admin at the next login)', async () => {
    const file = tampered(`CREATE TRIGGER promote AFTER UPDATE OF lastlogin ON users BEGIN
        UPDATE users SET site_admin = 1 WHERE username = 'student';
      END;`);
    await refused(file, /trigger promote/);
  });

  it('refuses an added view and an added table', async () => {
    await refused(tampered('CREATE VIEW everyone AS SELECT * FROM users'), /view everyone/);
    await refused(tampered('CREATE TABLE extra (x)'), /table extra/);
    await refused(tampered('CREATE INDEX users_extra_idx ON users (email)'), /index users_extra_idx/);
  });

  it('refuses a missing table, a missing index and a missing FTS trigger', async () => {
    await refused(tampered('DROP TABLE enrolments'), /table enrolments/);
    await refused(tampered('DROP INDEX users_email_idx'), /index users_email_idx/);
    await refused(tampered('DROP TRIGGER users_search_au'), /trigger users_search_au/);
  });

  it('refuses a changed trigger, a changed column and a changed table definition', async () => {
    await refused(
      tampered(`DROP TRIGGER users_search_ai;
        CREATE TRIGGER users_search_ai AFTER INSERT ON users BEGIN
          UPDATE users SET site_admin = 1 WHERE id = new.id;
        END;`),
      /trigger users_search_ai/,
    );
    await refused(tampered('ALTER TABLE users ADD COLUMN notes TEXT'), /table users/);
    await refused(tampered('ALTER TABLE users RENAME COLUMN email TO mail'), /users/);
  });

  it('refuses a migrations journal at another state (a missing, an added or a changed migration)', async () => {
    await refused(
      tampered('DELETE FROM __drizzle_migrations WHERE rowid = (SELECT MAX(rowid) FROM __drizzle_migrations)'),
      /migrations/,
    );
    await refused(
      tampered("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('0000', 99999999999999)"),
      /migrations/,
    );
    await refused(tampered("UPDATE __drizzle_migrations SET hash = 'x' WHERE rowid = 1"), /migrations/);
  });

  it('refuses a damaged, short or missing token secret, and a file without the backup table', async () => {
    const secretIs = (v: string) => tampered(`UPDATE _gatehouse_backup SET value = '${v}' WHERE name = 'token_secret'`);
    await refused(secretIs('not base64 at all!'), /token secret/);
    await refused(secretIs(Buffer.alloc(16, 7).toString('base64')), /token secret/);
    await refused(secretIs(''), /token secret/);
    await refused(tampered("DELETE FROM _gatehouse_backup WHERE name = 'token_secret'"), /token secret/);
    await refused(tampered('DROP TABLE _gatehouse_backup'), /not a Gatehouse backup/);
    await refused(tampered("UPDATE _gatehouse_backup SET value = 'yesterday' WHERE name = 'created'"), /time|created/);
  });

  it('refuses a file that fails PRAGMA integrity_check', async () => {
    // An index that no longer matches its table: a username changed in the index behind the table's back.
    const file = tampered(() => {});
    const db = new Database(file, { readonly: true });
    const page = db.pragma('page_size', { simple: true }) as number;
    const root = db
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'users_username_unique'")
      .pluck()
      .get() as number;
    db.close();
    const bytes = readFileSync(file);
    const at = bytes.indexOf('student', (root - 1) * page);
    expect(at).toBeGreaterThan((root - 1) * page);
    expect(at).toBeLessThan(root * page);
    bytes.write('stuxent', at);
    writeFileSync(file, bytes);
    await refused(file, /integrity/);
  });

  it('refuses rows that break a foreign key', async () => {
    await refused(
      tampered("INSERT INTO enrolments (course_id, user_id, role, timecreated) VALUES (1, 999999, 'student', 0)"),
      /foreign key/,
    );
  });

  it('refuses a file that is not a database, and leaves a missing data folder missing', async () => {
    const text = join(scratch, 'text.gatehouse-backup');
    writeFileSync(text, 'hello, this is not SQLite\n'.repeat(100));
    await refused(text, /not a SQLite database|not a Gatehouse backup/);
    const nowhere = join(scratch, 'no-such-folder');
    await expect(restore(nowhere, tampered('CREATE TABLE extra (x)'), { force: false })).rejects.toThrow(/table extra/);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('accepts the good backup (with the FTS triggers of migration 0005) and says what it replaced', async () => {
    const res = await restore(target.dir, good, { force: true });
    expect(res.before).toEqual({ users: expect.any(Number), tokens: 0 });
    expect(res.after.users).toBeGreaterThan(res.before!.users);
    expect(Date.parse(res.backupCreated)).toBeGreaterThan(Date.now() - 3600_000);
    const db = new Database(join(target.dir, 'gatehouse.db'), { readonly: true });
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get()).toBe(6);
    expect(db.prepare("SELECT COUNT(*) FROM users WHERE username = 'student'").pluck().get()).toBe(1);
    // The backup's console sessions are not brought back.
    expect(res.sessionsEnded).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM sessions').pluck().get()).toBe(0);
    db.close();
  });

  it("warns when GATEHOUSE_TOKEN_SECRET, which the server would use instead, is not the backup's secret", async () => {
    const other = await restore(target.dir, good, { force: true, tokenSecretFromEnv: 'ab'.repeat(32) });
    expect(other.warnings).toEqual([expect.stringContaining('GATEHOUSE_TOKEN_SECRET is set')]);
    const same = await restore(target.dir, good, {
      force: true,
      tokenSecretFromEnv: source.deps.tokenSecret.toString('hex'),
    });
    expect(same.warnings).toEqual([]);
    expect(readFileSync(join(target.dir, 'token-secret.key'), 'utf8').trim()).toBe(
      source.deps.tokenSecret.toString('base64'),
    );
  });
});
