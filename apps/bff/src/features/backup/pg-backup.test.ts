import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app';
import { createDeps } from '../../context';
import { openPgStore, type PgStore } from '../../db/client';
import { users } from '../../db/schema';
import { loadEnv } from '../../env';
import { makeTestApp, makeWsService, restCall, type TestApp } from '../../test/helpers';
import { onPostgres } from '../../test/test-store';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { userContext } from '../files/contexts';
import { DataFolderFileStore } from '../files/file-store';
import { fileStoreOf, filesReady, storeFile } from '../files/files.service';
import { createAdminToken, deleteToken } from '../tokens/tokens.service';
import { createUser } from '../users/users.service';
import { BackupError } from './backup';
import { pgBackup, pgRestore } from './pg-backup';

// `gatehouse backup` / `restore` on PostgreSQL: a tar of pg_dump's dump, the token secret and the
// stored files; a restore checks it all before it changes anything.

const SECRET = randomBytes(32).toString('base64');
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-pg-backup-'));
let t: TestApp;
let url: string;
let good: string;
let tokenSecret: string;
let tokenId: number;
const content = Buffer.from(`stored file ${randomBytes(8).toString('hex')}`);

const where = () => ({ url, tokenSecret: SECRET, dataDir: t.dir });

async function userCount(store: PgStore): Promise<number> {
  return (await store.db.select({ n: count() }).from(users)).at(0)?.n ?? -1;
}

describe.skipIf(!onPostgres)('backup and restore on PostgreSQL', () => {
  beforeAll(async () => {
    t = await makeTestApp({ env: { GATEHOUSE_TOKEN_SECRET: SECRET } });
    url = (t.store as PgStore).url;
    await filesReady(t.deps);
    const serviceId = await makeWsService(t, {
      name: 'Backup',
      shortname: 'backup',
      protocols: 'rest',
      functions: ['core_webservice_get_site_info'],
    });
    const created = await createAdminToken(t.deps, { userId: await t.userId('admin'), serviceId }, SYSTEM_ACTOR, true);
    tokenSecret = created.secret;
    tokenId = created.token.id;
    const first = await restCall(t, tokenSecret, 'core_webservice_get_site_info');
    expect(first.body.username, first.text).toBe('admin');
    const userId = await t.userId('teacher');
    const staged = await fileStoreOf(t.deps).stage(
      (async function* () {
        yield content;
      })(),
    );
    const stored = await storeFile(
      t.deps,
      staged,
      {
        place: {
          contextid: userContext(userId),
          component: 'user',
          filearea: 'private',
          itemid: 0,
          filepath: '/',
          filename: 'a.txt',
        },
        userId,
        mimetype: 'text/plain',
      },
      { replace: false, quota: null },
    );
    expect(stored.ok).toBe(true);
    good = join(scratch, 'site.backup');
    const res = await pgBackup({ ...where(), file: good });
    expect(res.files).toBeGreaterThanOrEqual(1);
    expect(statSync(good).mode & 0o777).toBe(0o600);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is a tar with the metadata, the secret, the dump, the files and checksums', () => {
    const text = readFileSync(good).toString('latin1');
    for (const name of ['gatehouse-backup.json', 'token-secret.key', 'database.dump', 'SHA256SUMS', 'filedir/']) {
      expect(text).toContain(name);
    }
    expect(text).toContain('"format":"gatehouse-postgresql-backup"');
    expect(text).toContain(SECRET);
  });

  it('refuses a damaged or truncated file, or another secret, and changes nothing', async () => {
    const before = await userCount(t.store as PgStore);
    const size = statSync(good).size;
    const bytes = readFileSync(good);
    const flipped = Buffer.from(bytes);
    const at = Math.floor(size / 2);
    flipped[at] = (flipped[at] as number) ^ 0xff;
    const damaged = join(scratch, 'damaged.backup');
    writeFileSync(damaged, flipped);
    const truncated = join(scratch, 'truncated.backup');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(size * 0.7)));
    const junk = join(scratch, 'junk.backup');
    writeFileSync(junk, randomBytes(5000));
    for (const file of [damaged, truncated, junk]) {
      const err = await pgRestore({ ...where(), file, force: true }).catch((e) => e);
      expect(err).toBeInstanceOf(BackupError);
      expect((err as Error).message).toMatch(/refused.*Nothing was changed/s);
    }
    const other = await pgRestore({
      ...where(),
      tokenSecret: randomBytes(32).toString('base64'),
      file: good,
      force: false,
    }).catch((e) => e);
    expect((other as Error).message).toMatch(/GATEHOUSE_TOKEN_SECRET is not the backup's/);
    // A node is connected (the test's own store): refused as well.
    const busy = await pgRestore({ ...where(), file: good, force: true }).catch((e) => e);
    expect((busy as Error).message).toMatch(/stop every node/);
    expect(await userCount(t.store as PgStore)).toBe(before);
    expect((await restCall(t, tokenSecret, 'core_webservice_get_site_info')).body.username).toBe('admin');
  });

  it('restores the data as at the backup, with working tokens and the files', async () => {
    const before = await userCount(t.store as PgStore);
    await createUser(
      t.deps,
      {
        username: 'after-backup',
        email: 'after@example.com',
        firstname: 'After',
        lastname: 'Backup',
        password: 'After-pass-1',
        auth: 'manual',
        suspended: false,
        confirmed: true,
        passwordExpired: false,
        siteAdmin: false,
      },
      SYSTEM_ACTOR,
      true,
    );
    await deleteToken(t.deps, tokenId, SYSTEM_ACTOR);
    expect((await restCall(t, tokenSecret, 'core_webservice_get_site_info')).body.errorcode).toBeDefined();
    const store = new DataFolderFileStore(t.dir);
    const hash = createHash('sha1').update(content).digest('hex');
    store.delete(hash);
    await t.store.close();

    const refused = await pgRestore({ ...where(), file: good, force: false }).catch((e) => e);
    expect((refused as Error).message).toMatch(/holds tables already: add --force/);

    const res = await pgRestore({ ...where(), file: good, force: true });
    expect(res.before?.users).toBe(before + 1);
    expect(res.after.users).toBe(before);
    expect(res.warnings).toEqual([]);
    expect(store.size(hash)).toBe(content.length);
    expect(readFileSync(store.pathOf(hash))).toEqual(content);

    const restored = await openPgStore(url, { max: 2, migrate: false });
    try {
      expect(await userCount(restored)).toBe(before);
      expect(await restored.db.select().from(users).where(eq(users.username, 'after-backup'))).toEqual([]);
      const deps = createDeps(
        loadEnv({ GATEHOUSE_DATA: t.dir, GATEHOUSE_LOG: 'silent', GATEHOUSE_TOKEN_SECRET: SECRET }),
        restored,
      );
      await deps.settings.ready();
      await deps.authz.ready();
      const app = createApp(deps);
      expect((await restCall({ app }, tokenSecret, 'core_webservice_get_site_info')).body.username).toBe('admin');
    } finally {
      await restored.close();
    }
  });

  it('restores into a new, empty database (another server) without --force', async () => {
    const admin = new pg.Pool({ connectionString: process.env.GATEHOUSE_TEST_DATABASE_URL, max: 1 });
    const name = `gatehouse_restore_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const u = new URL(url);
      u.pathname = `/${name}`;
      const res = await pgRestore({ ...where(), url: u.toString(), file: good, force: false });
      expect(res.before).toBeNull();
      expect(res.after.users).toBeGreaterThan(3);
      expect(res.after.tokens).toBe(1);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('reads the dump entry streaming: a backup file is not loaded whole', () => {
    // (A smoke check of the tar layout: the first header names the metadata entry.)
    const fd = openSync(good, 'r');
    const head = Buffer.alloc(512);
    readSync(fd, head, 0, 512, 0);
    closeSync(fd);
    expect(head.subarray(0, 21).toString()).toBe('gatehouse-backup.json');
    expect(head.subarray(257, 262).toString()).toBe('ustar');
  });
});
