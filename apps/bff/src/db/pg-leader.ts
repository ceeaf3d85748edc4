import pg from 'pg';
import type { PgStore } from './client';

// Periodic jobs that must run on one node at a time (the session sweep, the usage roll-up, the
// maintenance) go to the node that holds a session-level advisory lock on a connection of its
// own. PostgreSQL releases the lock when that connection ends, a node killed with SIGKILL
// included, and the other nodes, trying every few seconds, take over.

const PG_JOBS_LOCK = 0x6a6f_6273; // 'jobs'

export interface JobLeader {
  /** Whether this node runs the one-node jobs now. */
  isLeader(): boolean;
  close(): Promise<void>;
}

export async function electJobLeader(
  store: PgStore,
  opts: { retryMs?: number; onChange?: (leader: boolean) => void } = {},
): Promise<JobLeader> {
  const retryMs = opts.retryMs ?? 3000;
  let client: pg.Client | undefined;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const setLeader = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    opts.onChange?.(v);
  };

  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    setLeader(false);
    c.end().catch(() => {});
  };

  const attempt = async () => {
    if (stopped) return;
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: store.url, application_name: 'gatehouse-jobs', keepAlive: true });
        c.on('error', () => drop(c));
        c.on('end', () => drop(c));
        await c.connect();
        client = c;
      }
      if (!leader) {
        const r = await client.query('SELECT pg_try_advisory_lock($1) AS got', [PG_JOBS_LOCK]);
        setLeader((r.rows[0] as { got: boolean }).got);
      } else {
        await client.query('SELECT 1'); // still connected, so still holding the lock
      }
    } catch {
      if (client) drop(client);
    }
  };

  await attempt();
  timer = setInterval(() => void attempt(), retryMs);
  timer.unref();
  return {
    isLeader: () => leader,
    async close() {
      stopped = true;
      clearInterval(timer);
      const c = client;
      client = undefined;
      leader = false;
      if (c) await c.end().catch(() => {});
    },
  };
}
