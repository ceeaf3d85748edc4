import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app';
import { createDeps } from '../../context';
import { openStore } from '../../db/client';
import { loadEnv } from '../../env';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { addServiceFunctions, createService } from '../services/services.service';
import { createAdminToken } from '../tokens/tokens.service';
import { BackupError, backup, restore } from './backup';

let t: TestApp;
let secret: string;
let base: string;
let server: ReturnType<typeof serve>;
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-backup-test-'));

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(
    t.deps,
    {
      name: 'Busy',
      shortname: 'busy',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    },
    SYSTEM_ACTOR,
  );
  await addServiceFunctions(
    t.deps,
    svc.id,
    ['core_group_create_groups', 'core_webservice_get_site_info'],
    SYSTEM_ACTOR,
  );
  secret = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    )
  ).secret;
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await t.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function createGroup(name: string): Promise<boolean> {
  const body = new URLSearchParams({
    wsfunction: 'core_group_create_groups',
    moodlewsrestformat: 'json',
    'groups[0][courseid]': '2',
    'groups[0][name]': name,
    'groups[0][description]': '',
  });
  const res = await fetch(`${base}/webservice/rest/server.php`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}` },
    body,
  });
  const json = (await res.json()) as { id?: number }[];
  return Array.isArray(json) && typeof json[0]?.id === 'number';
}

describe('backup and restore', () => {
  it('round-trips a busy database: every write acknowledged before the backup began is in it, and tokens still work', async () => {
    // Writes acknowledged before the backup starts...
    for (let i = 0; i < 20; i++) expect(await createGroup(`before ${i}`)).toBe(true);
    // ...and a stream of writes while it runs.
    let writing = true;
    let during = 0;
    const writer = (async () => {
      while (writing) if (await createGroup(`during ${during++}`)) continue;
    })();
    const file = join(scratch, 'busy.gatehouse-backup');
    const res = await backup(t.dir, file);
    writing = false;
    await writer;
    expect(res.pages).toBeGreaterThan(0);
    expect(during).toBeGreaterThan(0);

    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const names = copy.prepare("SELECT name FROM groups WHERE name LIKE 'before %'").pluck().all();
    expect(names).toHaveLength(20);
    copy.close();

    const target = mkdtempSync(join(scratch, 'restored-'));
    const restored = await restore(target, file, { force: false });
    expect(restored.before).toBeNull();
    expect(restored.after.users).toBeGreaterThan(10);
    const store = openStore(join(target, 'gatehouse.db'));
    expect(store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      store.sqlite.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = '_gatehouse_backup'").pluck().get(),
    ).toBe(0);
    // The token made before the backup works against the restored data: the secret came along.
    const deps = createDeps(loadEnv({ GATEHOUSE_DATA: target, GATEHOUSE_LOG: 'silent' }), store);
    await deps.settings.ready();
    await deps.authz.ready();
    const app = createApp(deps);
    const call = await app.request(
      `/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json&wstoken=${secret}`,
    );
    expect(((await call.json()) as { username: string }).username).toBe('admin');
    store.sqlite.close();
  });

  it('refuses to overwrite a database without --force, a file that is not a backup, and an existing backup name', async () => {
    const file = join(scratch, 'second.gatehouse-backup');
    await backup(t.dir, file);
    await expect(backup(t.dir, file)).rejects.toThrow(BackupError);
    await expect(restore(t.dir, file, { force: false })).rejects.toThrow(/--force/);
    const junk = join(scratch, 'junk.db');
    const db = new Database(junk);
    db.exec('CREATE TABLE x (y)');
    db.close();
    const empty = mkdtempSync(join(scratch, 'empty-'));
    await expect(restore(empty, junk, { force: false })).rejects.toThrow(/not a Gatehouse backup/);
    await expect(restore(empty, join(scratch, 'missing'), { force: false })).rejects.toThrow(/does not exist/);
  });
});
