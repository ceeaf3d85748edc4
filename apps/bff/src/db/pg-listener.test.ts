import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDeps, type Deps } from '../context';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { updateService } from '../features/services/services.service';
import { createAdminToken, deleteToken } from '../features/tokens/tokens.service';
import { makeTestApp, makeWsService, type TestApp } from '../test/helpers';
import { onPostgres } from '../test/test-store';
import { openPgStore, type PgStore } from './client';
import { type InvalidationListener, listenForInvalidations } from './pg-listener';
import { rawAll } from './sql';

// The listener's catch-all (issue 19): a node whose LISTEN connection is down cannot hear the
// other nodes' notices, so it trusts no cache until the connection is back, and then drops
// everything once more (what was said meanwhile was not heard). Here the connection is killed
// on the server (pg_terminate_backend) and kept from coming back (the database refuses new
// connections) while another node revokes a token and disables a service: this node refuses on
// the very next call. Once it is let back in, the listener is connected, LISTENs again (a
// notice is heard) and the cache serves hits again.

describe.runIf(onPostgres)('the invalidation listener loses its connection (PostgreSQL)', () => {
  let t: TestApp;
  let store: PgStore;
  let serviceId: number;
  let listener: InvalidationListener | undefined;
  let node2Store: PgStore | undefined;
  let node2: Deps;
  let dbName: string;
  const soon = { timeout: 5000, interval: 10 };

  beforeAll(async () => {
    t = await makeTestApp();
    if (t.store.dialect !== 'pg') throw new Error('PostgreSQL only');
    store = t.store;
    serviceId = await makeWsService(t, {
      name: 'Listener',
      shortname: 'listener',
      protocols: 'rest',
      functions: ['core_webservice_get_site_info'],
    });
    listener = await listenForInvalidations(store, { gen: t.deps.gen, feed: t.deps.feed });
    node2Store = await openPgStore(store.url, { max: 2, migrate: false });
    node2 = createDeps(t.deps.env, node2Store, { log: t.deps.log });
    await node2.settings.ready();
    await node2.authz.ready();
    dbName = (await rawAll<{ name: string }>(store.db, sql`SELECT current_database() AS name`))[0]?.name ?? '';
  });
  // A test that failed while the listener was cut leaves it mended for the next.
  afterEach(async () => {
    await setConnections(true);
    await vi.waitFor(() => expect(listener?.connected).toBe(true), soon);
  });
  afterAll(async () => {
    await listener?.close();
    await node2Store?.close();
    await t?.close();
  });

  /**
   * Lets new connections into the test's database, or refuses them (those open stay open). From
   * the server's maintenance database: PostgreSQL will not disallow the current one.
   */
  async function setConnections(allow: boolean) {
    const url = new URL(store.url);
    url.pathname = '/postgres';
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      await c.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS ${allow}`);
    } finally {
      await c.end();
    }
  }

  /** Opens every connection a pool may use, so that the node keeps working while new ones are refused. */
  async function warm(s: PgStore, n: number) {
    await Promise.all(Array.from({ length: n }, () => s.pool.query('SELECT pg_sleep(0.05)')));
  }

  const tokenHits = () => t.deps.metrics.cache('access_token').hits.n;

  async function call(secret: string) {
    const res = await t
      .client()
      .get(
        `/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&moodlewsrestformat=json&wstoken=${secret}`,
      );
    return JSON.parse(res.text) as { username?: string; errorcode?: string };
  }

  async function newToken() {
    return createAdminToken(
      t.deps,
      { userId: await t.userId('admin'), serviceId, validUntil: null },
      SYSTEM_ACTOR,
      true,
    );
  }

  /** Kills the LISTEN connection on the server, keeps it from coming back, and waits until this node knows. */
  async function cut() {
    await setConnections(false);
    const killed = await rawAll<{ ok: boolean }>(
      store.db,
      sql`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE application_name = 'gatehouse-listener' AND datname = current_database()`,
    );
    expect(killed).toEqual([{ ok: true }]);
    await vi.waitFor(() => expect(listener?.connected).toBe(false), soon);
  }

  /** Whether `connected` said true at any event-loop turn within `ms` (the listener retrying meanwhile). */
  async function everConnectedWithin(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    let seen = false;
    while (Date.now() < until) {
      seen ||= listener?.connected === true;
      await new Promise((r) => setImmediate(r));
    }
    return seen;
  }

  /** Lets the listener back in and waits until its LISTEN is in place again. */
  async function mend() {
    await setConnections(true);
    await vi.waitFor(() => expect(listener?.connected).toBe(true), soon);
  }

  it('refuses on the next call what another node changed while it was not listening, then caches again', async () => {
    const a = await newToken();
    const b = await newToken();
    expect((await call(a.secret)).username).toBe('admin');
    expect((await call(b.secret)).username).toBe('admin');
    let hits = tokenHits();
    expect((await call(a.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits + 1); // warm

    await warm(store, 4);
    await warm(node2Store as PgStore, 2);
    await cut();
    // Not listening: nothing cached is trusted, on any call (each reads the token anew).
    hits = tokenHits();
    expect((await call(a.secret)).username).toBe('admin');
    expect((await call(b.secret)).username).toBe('admin');
    expect((await call(b.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits);

    // Another node revokes a token: this node cannot hear its notice, and refuses at once.
    await deleteToken(node2, a.token.id, SYSTEM_ACTOR);
    expect((await call(a.secret)).errorcode).toBe('invalidtoken');
    // And a service disabled there.
    expect((await call(b.secret)).username).toBe('admin');
    await updateService(node2, serviceId, { enabled: false }, SYSTEM_ACTOR);
    expect((await call(b.secret)).errorcode).toBe('accessexception');
    await updateService(node2, serviceId, { enabled: true }, SYSTEM_ACTOR);
    expect((await call(b.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits);
    // It keeps trying (every 50 ms, doubling up to 2 s), and says it is not connected all along.
    expect(await everConnectedWithin(400)).toBe(false);

    await mend();
    // Listening again: the cache serves hits.
    expect((await call(b.secret)).username).toBe('admin');
    hits = tokenHits();
    expect((await call(b.secret)).username).toBe('admin');
    expect((await call(b.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits + 2);
    // And the notices are heard again: a revocation by the other node reaches the warm cache.
    await deleteToken(node2, b.token.id, SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(b.secret)).errorcode).toBe('invalidtoken'), soon);
  });

  it('drops what it cached before the loss once it is back, and survives being cut again', async () => {
    const c = await newToken();
    expect((await call(c.secret)).username).toBe('admin');
    let hits = tokenHits();
    expect((await call(c.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits + 1);

    await warm(store, 4);
    await warm(node2Store as PgStore, 2);
    await cut();
    // The change is made while the listener is down, and no call of this node comes in until it is back:
    // what it cached before the loss must not be served after it.
    await updateService(node2, serviceId, { enabled: false }, SYSTEM_ACTOR);
    await mend();
    expect((await call(c.secret)).errorcode).toBe('accessexception');
    await updateService(node2, serviceId, { enabled: true }, SYSTEM_ACTOR);
    await vi.waitFor(async () => expect((await call(c.secret)).username).toBe('admin'), soon);
    hits = tokenHits();
    expect((await call(c.secret)).username).toBe('admin');
    expect(tokenHits()).toBe(hits + 1);
  });
});
