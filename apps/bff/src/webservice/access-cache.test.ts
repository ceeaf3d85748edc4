import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { type Client, makeTestApp, makeWsService, type TestApp } from '../test/helpers';

// Revocation takes effect on the very next call while the cache is warm: from the console, and
// from another process writing to the same database.

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

  it('refuses a token deleted by another process on the very next call', async () => {
    const { secret, token } = await newToken();
    expect((await call(secret)).username).toBe('admin');
    const other = new Database(t.dbFile);
    other.prepare('DELETE FROM external_tokens WHERE id = ?').run(token.id);
    other.close();
    expect((await call(secret)).errorcode).toBe('invalidtoken');
  });

  it('follows a service disabled and a function removed elsewhere at once', async () => {
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
