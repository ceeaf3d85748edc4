import { join } from 'node:path';
import { createApp } from './app';
import type { Deps } from './context';
import { createDeps } from './context';
import { openPgStore, openStore, type Store } from './db/client';
import { lockDataFolder, secureDataFolder } from './db/data-folder';
import { electJobLeader } from './db/pg-leader';
import { listenForInvalidations } from './db/pg-listener';
import { type SeedResult, seedIfEmpty } from './db/seed';
import type { Env } from './env';
import { syncBuiltinServices } from './features/services/builtin';
import type { Log } from './lib/log';

export const dbFile = (env: Env) => join(env.dataDir, 'gatehouse.db');

/** GATEHOUSE_DATABASE_URL's PostgreSQL (migrated under an advisory lock), or SQLite in the data folder. */
async function openConfiguredStore(env: Env): Promise<Store> {
  if (!env.GATEHOUSE_DATABASE_URL) return openStore(dbFile(env));
  if (!env.GATEHOUSE_TOKEN_SECRET) {
    // Each node would make a secret of its own, and no node would know another's tokens.
    throw new Error('With GATEHOUSE_DATABASE_URL, set GATEHOUSE_TOKEN_SECRET: the same secret on every node');
  }
  return openPgStore(env.GATEHOUSE_DATABASE_URL, { max: env.GATEHOUSE_DB_POOL });
}

/** What several nodes share beyond the database: the invalidation listener and the jobs' leader. */
export interface Cluster {
  /** Whether this node runs the one-node periodic jobs (always, on SQLite). */
  isLeader(): boolean;
  close(): Promise<void>;
}

async function joinCluster(deps: Deps, log: Log): Promise<Cluster> {
  const { store } = deps;
  if (store.dialect === 'sqlite') return { isLeader: () => true, close: async () => {} };
  const listener = await listenForInvalidations(store, {
    gen: deps.gen,
    feed: deps.feed,
    onLag: (ms) => deps.metrics.observeInvalidationLag(ms),
    onError: (err) =>
      log.warn({ err: err instanceof Error ? err : new Error(String(err)) }, 'Invalidation listener lost'),
  });
  const leader = await electJobLeader(store, {
    onChange: (v) =>
      log.info({ leader: v }, v ? 'This node runs the periodic jobs' : 'Another node runs the periodic jobs'),
  });
  return {
    isLeader: () => leader.isLeader(),
    async close() {
      await leader.close();
      await listener.close();
    },
  };
}

/**
 * Secures the data folder (0700, files 0600; `notes` says what it tightened), takes the data
 * folder's shared lock (held until `lock.release()` or the process ends: a restore is refused
 * meanwhile), opens the store, migrates, seeds on first start, and builds the app, logging to `log`.
 */
export async function boot(env: Env, log: Log) {
  const notes = secureDataFolder(env.dataDir);
  const lock = lockDataFolder(env.dataDir, 'shared', { waitMs: 10_000 });
  try {
    const store = await openConfiguredStore(env);
    const seed: SeedResult = await seedIfEmpty(store, {
      adminPassword: env.GATEHOUSE_ADMIN_PASSWORD,
      demo: env.GATEHOUSE_SEED_DEMO === '1',
      demoPassword: env.GATEHOUSE_DEMO_PASSWORD,
    });
    const deps = createDeps(env, store, { log });
    await syncBuiltinServices(deps);
    await deps.settings.ready();
    await deps.authz.ready();
    const cluster = await joinCluster(deps, log);
    const app = createApp(deps);
    return { store, deps, app, seed, lock, notes, cluster };
  } catch (err) {
    lock.release();
    throw err;
  }
}
