import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from './db/schema';
import { SYSTEM_ACTOR } from './features/audit/audit.service';
import { sessionHash } from './features/auth/sessions';
import { addServiceFunctions, createService } from './features/services/services.service';
import { createAdminToken } from './features/tokens/tokens.service';
import { DISK_FULL_MESSAGE } from './lib/disk';
import {
  ADMIN_PASSWORD,
  type Client,
  type Clock,
  errorOf,
  makeClock,
  makeTestApp,
  restCall,
  serviceBody,
  signIn,
  type TestApp,
} from './test/helpers';

// Issue 14, item 6: a full disk must never lock the administrator out. The database is made
// really full, as a full disk makes it: `PRAGMA max_page_count` at its current size, so that
// SQLite refuses with SQLITE_FULL every write that needs a new page, and the tables a login
// writes (sessions, audit_log) are packed until they need one.

let t: TestApp;
let clock: Clock;
let before: Client;
let token: string;

const SQLITE_FULL = 'SQLITE_FULL';

/** Runs an insert until SQLite answers SQLITE_FULL; returns how many rows went in. */
function fillUntilFull(insert: () => void): number {
  for (let n = 0; n < 1_000_000; n++) {
    try {
      insert();
    } catch (e) {
      if ((e as { code?: string }).code === SQLITE_FULL) return n;
      throw e;
    }
  }
  throw new Error('the database never filled up');
}

async function refuses(write: () => unknown): Promise<boolean> {
  try {
    await write();
    return false;
  } catch (e) {
    return (e as { code?: string }).code === SQLITE_FULL;
  }
}

/** The SQLite connection under the test app (these tests fill a SQLite file). */
function sqliteOf(app: TestApp): Database.Database {
  if (app.store.dialect !== 'sqlite') throw new Error('The full-disk tests run on SQLite');
  return app.store.sqlite;
}

function fillDatabase(sqlite: Database.Database, adminId: number) {
  // No free pages left to reuse, and none may be added.
  sqlite.exec('VACUUM');
  sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`);
  const audit = sqlite.prepare(
    "INSERT INTO audit_log (time, actor_username, action, target_type, summary, ip) VALUES (?, 'filler', 'filler', 'filler', ?, '')",
  );
  const session = sqlite.prepare(
    "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, '', '')",
  );
  // Large rows, then small ones, so that not even a small row fits any more.
  for (const size of [2000, 200, 20, 1]) fillUntilFull(() => audit.run(clock.t, 'x'.repeat(size)));
  fillUntilFull(() => session.run(randomBytes(32).toString('base64url'), adminId, clock.t, clock.t));
}

beforeAll(async () => {
  clock = makeClock();
  t = await makeTestApp({ now: clock.now });
  before = await signIn(t, 'admin');
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const svc = await createService(t.deps, serviceBody('Disk test', 'disktest'), SYSTEM_ACTOR);
  await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
  token = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    )
  ).secret;
  fillDatabase(sqliteOf(t), await t.userId('admin'));
});
afterAll(() => t.close());

describe('with the database full (SQLITE_FULL)', () => {
  it('is really full: a session row and an audit row like a login writes are refused', async () => {
    const now = clock.t;
    expect(
      await refuses(
        async () =>
          await t.store.db
            .insert(sessions)
            .values({ idHash: sessionHash('probe'), userId: 1, createdAt: now, lastSeenAt: now, ip: '10.1.2.3' }),
      ),
    ).toBe(true);
    expect(
      await refuses(() =>
        sqliteOf(t)
          .prepare(
            "INSERT INTO audit_log (time, actor_username, action, target_type, summary, ip) VALUES (?, 'admin', 'auth.login', 'user', 'admin signed in', '10.1.2.3')",
          )
          .run(now),
      ),
    ).toBe(true);
  });

  it('a console login with the right password still signs in, and its session reads', async () => {
    const c = t.client();
    const res = await c.tryLogin('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.username).toBe('admin');
    expect((await c.get('/api/auth/me')).status).toBe(200);
    const settings = await c.get('/api/settings');
    expect(settings.status).toBe(200);
    expect(settings.body.enablewebservices).toBe('1');
    expect((await c.get('/api/users')).status).toBe(200);
  });

  it('a wrong password answers 401 as always (its audit row is skipped), not 500', async () => {
    const res = await t.client().tryLogin('admin', 'Wrong-pass-1');
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('invalidlogin');
  });

  it('a session from before the disk filled keeps reading, also when its last-seen time is due', async () => {
    clock.advance(120);
    expect((await before.get('/api/auth/me')).status).toBe(200);
    expect((await before.get('/api/audit')).status).toBe(200);
  });

  it('a web-service read works', async () => {
    const res = await restCall(t, token, 'core_webservice_get_site_info');
    expect(res.status).toBe(200);
    expect(res.body.username).toBe('admin');
  });

  it('a write is refused with 503 diskfull and a clear message, and changes nothing', async () => {
    const res = await before.patch('/api/settings', { maintenance_message: 'Back soon' });
    expect(res.status).toBe(503);
    expect(errorOf(res)).toEqual({ code: 'diskfull', message: DISK_FULL_MESSAGE });
    expect((await before.get('/api/settings')).body.maintenance_message).not.toBe('Back soon');
  });

  it('signing out works, and the session is gone', async () => {
    const c = await signIn(t, 'admin');
    const id = c.cookies.get('gatehouse_session') as string;
    expect((await c.get('/api/auth/me')).status).toBe(200);
    expect((await c.post('/api/auth/logout')).status).toBe(200);
    // The old cookie, presented again, no longer signs anybody in.
    c.cookies.set('gatehouse_session', id);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });
});

describe('when space comes back', () => {
  it('a session signed in on the full disk is written to the database on its next use, and lives on', async () => {
    const c = await signIn(t, 'admin');
    const id = c.cookies.get('gatehouse_session') as string;
    const stored = async () =>
      (
        await t.store.db
          .select()
          .from(sessions)
          .where(eq(sessions.idHash, sessionHash(id)))
          .limit(1)
      ).at(0);
    expect(await stored()).toBeUndefined();
    sqliteOf(t).pragma('max_page_count = 1073741823');
    clock.advance(61);
    expect((await c.get('/api/auth/me')).status).toBe(200);
    expect(await stored()).toMatchObject({ userId: await t.userId('admin'), lastSeenAt: clock.t });
    expect((await c.get('/api/auth/me')).status).toBe(200);
    // And a write works again.
    expect((await c.patch('/api/settings', { maintenance_message: 'Back soon' })).status).toBe(200);
  });
});
