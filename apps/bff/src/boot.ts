import { join } from 'node:path';
import { createApp } from './app';
import { createDeps } from './context';
import { openStore } from './db/client';
import { type SeedResult, seedIfEmpty } from './db/seed';
import type { Env } from './env';
import { syncBuiltinServices } from './features/services/builtin';

export const dbFile = (env: Env) => join(env.dataDir, 'gatehouse.db');

/** Opens the store, migrates, seeds on first start, and builds the app. */
export async function boot(env: Env) {
  const store = openStore(dbFile(env));
  const seed: SeedResult = await seedIfEmpty(store, {
    adminPassword: env.GATEHOUSE_ADMIN_PASSWORD,
    demo: env.GATEHOUSE_SEED_DEMO === '1',
    demoPassword: env.GATEHOUSE_DEMO_PASSWORD,
  });
  syncBuiltinServices(store);
  const deps = createDeps(env, store);
  const app = createApp(deps);
  return { store, deps, app, seed };
}
