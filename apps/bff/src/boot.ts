import { join } from 'node:path';
import { createApp } from './app';
import { createDeps } from './context';
import { openStore } from './db/client';
import { lockDataFolder, secureDataFolder } from './db/data-folder';
import { type SeedResult, seedIfEmpty } from './db/seed';
import type { Env } from './env';
import { syncBuiltinServices } from './features/services/builtin';
import type { Log } from './lib/log';

export const dbFile = (env: Env) => join(env.dataDir, 'gatehouse.db');

/**
 * Secures the data folder (0700, files 0600; `notes` says what it tightened), takes the data
 * folder's shared lock (held until `lock.release()` or the process ends: a restore is refused
 * meanwhile), opens the store, migrates, seeds on first start, and builds the app, logging to `log`.
 */
export async function boot(env: Env, log: Log) {
  const notes = secureDataFolder(env.dataDir);
  const lock = lockDataFolder(env.dataDir, 'shared', { waitMs: 10_000 });
  try {
    const store = openStore(dbFile(env));
    const seed: SeedResult = await seedIfEmpty(store, {
      adminPassword: env.GATEHOUSE_ADMIN_PASSWORD,
      demo: env.GATEHOUSE_SEED_DEMO === '1',
      demoPassword: env.GATEHOUSE_DEMO_PASSWORD,
    });
    const deps = createDeps(env, store, { log });
    await syncBuiltinServices(deps);
    await deps.settings.ready();
    await deps.authz.ready();
    const app = createApp(deps);
    return { store, deps, app, seed, lock, notes };
  } catch (err) {
    lock.release();
    throw err;
  }
}
