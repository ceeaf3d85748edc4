import type { Store } from './db/client';
import type { Deps } from './deps';
import type { Env } from './env';
import { Authz } from './features/roles/authz';
import { SettingsService } from './features/settings/settings.service';
import { loadServerSecret } from './features/tokens/server-secret';
import { usageWritesOf } from './features/usage/usage.repo';
import { CountCache, Generation } from './lib/generation';
import { InvalidationFeed } from './lib/invalidation';
import { createLogger, type Log } from './lib/log';
import { Metrics } from './lib/metrics';
import { LoginLimiter, limitersFor } from './lib/rate-limit';
import { createAccessMemos } from './webservice/access-cache';
import { createCatalogue } from './webservice/catalogue';
import { FUNCTIONS } from './webservice/functions';
import { UsageRecorder } from './webservice/usage';

// The composition root: builds the Deps every other module takes (declared in deps.ts).
// Only the entry points import this module (app.ts, boot.ts, cli.ts, tests): it pulls in
// every function of the catalogue.
export type { Deps } from './deps';

/** The function catalogue, built once per process. */
const catalogue = createCatalogue(FUNCTIONS);

export interface CreateDepsOptions {
  now?: () => number;
  tokenSecret?: Buffer;
  /** The logger (a test's, writing to a capture); by default one at GATEHOUSE_LOG's level, on stdout. */
  log?: Log;
}

export function createDeps(env: Env, store: Store, opts: CreateDepsOptions = {}): Deps {
  const sqlite = store.dialect === 'sqlite' ? store.sqlite : undefined;
  const gen = new Generation(sqlite);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const feed = new InvalidationFeed();
  const metrics = new Metrics({ knownFunction: (name) => catalogue.has(name), store });
  return {
    env,
    store,
    gen,
    settings: new SettingsService({ store, gen, feed, now }),
    authz: new Authz(store.db, gen),
    // In the rate_limits table on PostgreSQL (every node counts the same failures), in memory on SQLite.
    limits: { login: new LoginLimiter(undefined, limitersFor(store)) },
    tokenSecret: opts.tokenSecret ?? loadServerSecret(env.dataDir, env.GATEHOUSE_TOKEN_SECRET),
    usage: new UsageRecorder(usageWritesOf(store)),
    access: createAccessMemos(gen, feed, {
      tokens: metrics.cache('access_token'),
      services: metrics.cache('access_functions'),
    }),
    counts: new CountCache(sqlite, gen),
    feed,
    catalogue,
    now,
    log: opts.log ?? createLogger(env.GATEHOUSE_LOG),
    metrics,
  };
}
