import type { Store } from './db/client';
import type { Deps } from './deps';
import type { Env } from './env';
import { Authz } from './features/roles/authz';
import { SettingsService } from './features/settings/settings.service';
import { loadServerSecret } from './features/tokens/server-secret';
import { CountCache, Generation } from './lib/generation';
import { InvalidationFeed } from './lib/invalidation';
import { createLogger, type Log } from './lib/log';
import { LoginLimiter } from './lib/rate-limit';
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
  const gen = new Generation(store.sqlite);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const feed = new InvalidationFeed();
  return {
    env,
    store,
    gen,
    settings: new SettingsService({ store, gen, feed, now }),
    authz: new Authz(store.db, gen),
    limits: { login: new LoginLimiter() },
    tokenSecret: opts.tokenSecret ?? loadServerSecret(env.dataDir, env.GATEHOUSE_TOKEN_SECRET),
    usage: new UsageRecorder(store.sqlite),
    access: createAccessMemos(gen, feed),
    counts: new CountCache(store.sqlite, gen),
    feed,
    catalogue,
    now,
    log: opts.log ?? createLogger(env.GATEHOUSE_LOG),
  };
}
