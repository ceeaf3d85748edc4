import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app';
import { createDeps } from '../../context';
import { openPgStore } from '../../db/client';
import { loadEnv } from '../../env';
import { ADMIN_PASSWORD, restCall } from '../../test/helpers';
import { buildBundles, runNode } from '../../test/processes';
import { onPostgres } from '../../test/test-store';
import { DataFolderFileStore } from '../files/file-store';
import { copySite } from './copy';
import { copyPlan } from './copy.repo';

// `gatehouse copy --from <SQLite data folder> --to <PostgreSQL URL>`: a seeded SQLite site, copied
// into a fresh database, verified table by table; a token made on SQLite works on PostgreSQL.

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-copy-'));
const from = join(scratch, 'old-site');
const TEST_URL = process.env.GATEHOUSE_TEST_DATABASE_URL as string;
const dbName = `gatehouse_copy_${process.pid}_${randomBytes(4).toString('hex')}`;
let admin: pg.Pool;
let url: string;
let tokenSecret: string;
const content = Buffer.from(`copied file ${randomBytes(8).toString('hex')}`);

describe.skipIf(!onPostgres)('copy from SQLite to PostgreSQL', () => {
  beforeAll(async () => {
    // The old site, on SQLite, made by the real CLI in a process of its own: this process's
    // table bindings (and the aliases modules made of them) are PostgreSQL's in this run.
    const bundles = await buildBundles();
    try {
      const env = { GATEHOUSE_DATA: from, GATEHOUSE_SEED_DEMO: '1', GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD };
      const mobile = await runNode(bundles.cli, ['mobile', 'enable'], { env });
      expect(mobile.code, mobile.stderr).toBe(0);
      const token = await runNode(
        bundles.cli,
        ['token', 'create', '--user', 'admin', '--service', 'moodle_mobile_app'],
        {
          env,
        },
      );
      expect(token.code, token.stderr).toBe(0);
      tokenSecret = token.stdout.trim().split('\n').at(-1) as string;
      expect(tokenSecret).toMatch(/^[A-Za-z0-9]{20,}$/);
    } finally {
      bundles.cleanup();
    }
    // A stored file: its content in the old file store, its row in the database.
    const staged = await new DataFolderFileStore(from).stage(
      (async function* () {
        yield content;
      })(),
    );
    staged.commit();
    staged.discard();
    const db = new Database(join(from, 'gatehouse.db'));
    try {
      const teacher = db.prepare("SELECT id FROM users WHERE username = 'teacher'").pluck().get() as number;
      db.prepare(
        "INSERT INTO files (contenthash, contextid, filename, user_id, mimetype, filesize, timecreated) VALUES (?, ?, 'a.txt', ?, 'text/plain', ?, 1)",
      ).run(staged.hash, 5000 + teacher, teacher, content.length);
    } finally {
      db.close();
    }
    admin = new pg.Pool({ connectionString: TEST_URL, max: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(TEST_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
  });
  afterAll(async () => {
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('orders every table after the tables it references', () => {
    const names = copyPlan().map((p) => p.name);
    expect(names.indexOf('users')).toBeLessThan(names.indexOf('external_tokens'));
    expect(names.indexOf('external_services')).toBeLessThan(names.indexOf('external_tokens'));
    expect(names).not.toContain('rate_limits');
  });

  it('copies every row, verified, and the token made on SQLite works on PostgreSQL', async () => {
    const fileDir = join(scratch, 'new-filedir');
    const res = await copySite({ from, to: url, fileDir });
    const sqlite = new Database(join(from, 'gatehouse.db'), { readonly: true });
    const target = await openPgStore(url, { max: 2, migrate: false });
    try {
      for (const t of res.tables) {
        const n = sqlite.prepare(`SELECT COUNT(*) FROM "${t.table}"`).pluck().get() as number;
        const m = (await target.pool.query(`SELECT count(*)::int AS n FROM "${t.table}"`)).rows[0].n as number;
        expect([t.table, m]).toEqual([t.table, n]);
        expect(t.rows).toBe(n);
      }
      expect(res.tables.find((t) => t.table === 'users')?.rows).toBeGreaterThan(3);
      expect(res.tables.find((t) => t.table === 'external_tokens')?.rows).toBe(1);
      expect(res.filesMissing).toEqual([]);
      expect(res.filesCopied).toBe(1);
      expect(
        new DataFolderFileStore(fileDir, fileDir).size([...new DataFolderFileStore(from).hashes()][0] as string),
      ).toBe(content.length);
      expect(res.secretFile).toBe(join(from, 'token-secret.key'));
      expect(existsSync(res.secretFile as string)).toBe(true);

      // The sequences continue after the copied ids.
      const next = await target.pool.query(
        "SELECT nextval(pg_get_serial_sequence('users', 'id'))::int AS id, (SELECT max(id) FROM users)::int AS max",
      );
      expect(next.rows[0].id).toBe(next.rows[0].max + 1);

      const deps = createDeps(
        loadEnv({
          GATEHOUSE_DATA: join(scratch, 'node'),
          GATEHOUSE_LOG: 'silent',
          GATEHOUSE_TOKEN_SECRET: res.secret as string,
          GATEHOUSE_FILEDIR: fileDir,
        }),
        target,
      );
      await deps.settings.ready();
      await deps.authz.ready();
      const app = createApp(deps);
      expect((await restCall({ app }, tokenSecret, 'core_webservice_get_site_info')).body.username).toBe('admin');
    } finally {
      sqlite.close();
      await target.close();
    }
  });

  it('refuses a target that holds rows, unless --force', async () => {
    await expect(copySite({ from, to: url })).rejects.toThrow(/holds rows already.*add --force/s);
    const res = await copySite({ from, to: url, force: true });
    expect(res.tables.find((t) => t.table === 'external_tokens')?.rows).toBe(1);
  });
});
