import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDeps, type Deps } from '../context';
import { openPgStore, type Store } from '../db/client';
import { type InvalidationListener, listenForInvalidations } from '../db/pg-listener';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { removeServiceFunction, updateService } from '../features/services/services.service';
import { createAdminToken, deleteToken } from '../features/tokens/tokens.service';
import { type Client, makeTestApp, makeWsService, type TestApp } from '../test/helpers';
import { onPostgres } from '../test/test-store';

// Revocation takes effect on the very next call while the cache is warm: from the console, and
// from another process writing to the same database.
// The other process's tests write to SQLite's file behind the app's back: what catches them is
// SQLite's PRAGMA data_version (lib/generation.ts). On PostgreSQL another node's writes arrive
// as NOTIFY events instead (db/write.ts, db/pg-listener.ts), not as raw writes: skipped there,
// and the last block has the other node instead.

let t: TestApp;
let admin: Client;
let serviceId: number;

beforeAll(async () => {
  t = await makeTestApp();
  serviceId = await makeWsService(t, {
    name: 'Cache',
    shortname: 'cache',
    protocols: 'rest',
    functions: ['core_webservice_get_site_info'],
  });
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterAll(() => t.close());

async function call(secret: string) {
  const res = await t
    .client()
    .get(
      `/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json&wstoken=${secret}`,
    );
  return JSON.parse(res.text) as { username?: string; errorcode?: string };
}

async function newToken() {
  return createAdminToken(t.deps, { userId: await t.userId('admin'), serviceId, validUntil: null }, SYSTEM_ACTOR, true);
}

describe('revocation with a warm cache', () => {
  it('refuses a token deleted in the console on the very next call', async () => {
    const { secret, token } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    expect((await call(secret)).username).toBe('admin');
    expect((await admin.delete(`/api/tokens/${token.id}`)).status).toBe(200);
    expect((await call(secret)).errorcode).toBe('invalidtoken');
  });

  it.skipIf(onPostgres)('refuses a token deleted by another process on the very next call', async () => {
    const { secret, token } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    const other = new Database(t.dbFile);
    other.prepare('DELETE FROM external_tokens WHERE id = ?').run(token.id);
    other.close();
    expect((await call(secret)).errorcode).toBe('invalidtoken');
  });

  it.skipIf(onPostgres)('follows a service disabled and a function removed elsewhere at once', async () => {
    const { secret } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    const other = new Database(t.dbFile);
    other.prepare('UPDATE external_services SET enabled = 0 WHERE id = ?').run(serviceId);
    expect((await call(secret)).errorcode).toBe('accessexception');
    other.prepare('UPDATE external_services SET enabled = 1 WHERE id = ?').run(serviceId);
    expect((await call(secret)).username).toBe('admin');
    other.prepare('DELETE FROM external_service_functions WHERE service_id = ?').run(serviceId);
    other.close();
    expect((await call(secret)).errorcode).toBe('accessexception');
  });
});

// On PostgreSQL the other process is another node: its writes go through withWrite, whose events
// reach this node by NOTIFY (db/pg-listener.ts), a moment after they commit.
describe.runIf(onPostgres)('revocation by another node (PostgreSQL)', () => {
  let node2Store: Store | undefined;
  let node2: Deps;
  let listener: InvalidationListener | undefined;
  beforeAll(async () => {
    if (t.store.dialect !== 'pg') return;
    listener = await listenForInvalidations(t.store, { gen: t.deps.gen, feed: t.deps.feed });
    node2Store = await openPgStore(t.store.url, { max: 2, migrate: false });
    node2 = createDeps(t.deps.env, node2Store, { log: t.deps.log });
    await node2.settings.ready();
    await node2.authz.ready();
  });
  afterAll(async () => {
    await listener?.close();
    await node2Store?.close();
  });
  const soon = { timeout: 3000, interval: 10 };

  it('refuses a token the other node deleted, once its notice is heard', async () => {
    const { secret, token } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    expect((await call(secret)).username).toBe('admin');
    await deleteToken(node2, token.id, SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(secret)).errorcode).toBe('invalidtoken'), soon);
  });

  it('follows a service disabled and a function removed on the other node', async () => {
    const { secret } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    await updateService(node2, serviceId, { enabled: false }, SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(secret)).errorcode).toBe('accessexception'), soon);
    await updateService(node2, serviceId, { enabled: true }, SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(secret)).username).toBe('admin'), soon);
    await removeServiceFunction(node2, serviceId, 'core_webservice_get_site_info', SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(secret)).errorcode).toBe('accessexception'), soon);
  });
});
