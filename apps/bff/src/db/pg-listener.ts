import pg from 'pg';
import type { Generation } from '../lib/generation';
import type { InvalidationFeed } from '../lib/invalidation';
import type { PgStore } from './client';
import { PG_CHANNEL, type PgNotice } from './write';

// Several nodes, one truth (issue 19): every write's events go out with NOTIFY in its own
// transaction (db/write.ts), delivered when it commits. Each node LISTENs on one connection of
// its own and hands other nodes' events to its feed, so their caches drop just those keys. A
// node that loses the connection trusts no cache until it is back (Generation.setListening):
// what was said meanwhile was not heard, so it drops everything, on losing it and on regaining it.

export interface ListenerDeps {
  gen: Generation;
  feed: InvalidationFeed;
  /** Milliseconds from another node's commit to this node's hearing of it. */
  onLag?: (ms: number) => void;
  onError?: (err: unknown) => void;
}

export interface InvalidationListener {
  /** Whether the LISTEN connection is up and listening (false while a reconnection is on its way). */
  readonly connected: boolean;
  close(): Promise<void>;
}

const PING_MS = 5000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;

/** Starts listening (resolves once the first LISTEN is in place). */
export async function listenForInvalidations(store: PgStore, deps: ListenerDeps): Promise<InvalidationListener> {
  let client: pg.Client | undefined;
  /** Whether `client` is LISTENing (not merely connecting: a retry sets `client` first). */
  let listening = false;
  let stopped = false;
  let retryMs = RETRY_MIN_MS;
  let retry: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;

  const hear = (msg: pg.Notification) => {
    if (msg.channel !== PG_CHANNEL || !msg.payload) return;
    let notice: PgNotice;
    try {
      notice = JSON.parse(msg.payload) as PgNotice;
    } catch {
      deps.gen.bump();
      return;
    }
    if (notice.o === store.origin) return; // this node published it after its commit
    deps.onLag?.(Math.max(0, Date.now() - notice.t));
    deps.gen.bump(true);
    deps.feed.publish(notice.e);
  };

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    clearInterval(ping);
    if (err) deps.onError?.(err);
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (stopped) return;
    deps.gen.setListening(false);
    retry = setTimeout(() => void connect().catch(() => {}), retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: store.url,
      application_name: 'gatehouse-listener',
      keepAlive: true,
    });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', hear);
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${PG_CHANNEL}`);
    } catch (err) {
      lost(c, err);
      throw err;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    // Lost while LISTEN was on its way: `lost` has already scheduled the next attempt.
    if (client !== c) return;
    listening = true;
    retryMs = RETRY_MIN_MS;
    deps.gen.setListening(true);
    // A connection that died without a word (a cable, a firewall) shows at the next query.
    ping = setInterval(() => {
      c.query('SELECT 1').catch((err) => lost(c, err));
    }, PING_MS);
    ping.unref();
  };

  await connect();
  return {
    get connected() {
      return listening;
    },
    async close() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      const c = client;
      client = undefined;
      listening = false;
      if (c) await c.end().catch(() => {});
    },
  };
}
