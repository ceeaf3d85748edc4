import type { Store } from './db/client';
import type { Env } from './env';
import { Authz } from './features/roles/authz';
import { SettingsService } from './features/settings/settings.service';
import { loadServerSecret } from './features/tokens/server-secret';
import { CountCache, Generation } from './lib/generation';
import { InvalidationFeed } from './lib/invalidation';
import { LoginLimiter } from './lib/rate-limit';
import { createAccessMemos } from './webservice/access-cache';
import { UsageRecorder } from './webservice/usage';

/** Everything a request handler needs, built once per process (or per test). */
export interface Deps {
  env: Env;
  store: Store;
  gen: Generation;
  settings: SettingsService;
  authz: Authz;
  /** Failed-login limits of the console login and /login/token.php (one set for both). */
  limits: { login: LoginLimiter };
  /** The key under which token secrets are hashed. */
  tokenSecret: Buffer;
  /** Per-token usage, written at most once a minute. */
  usage: UsageRecorder;
  /** What the access-check chain reads, cached until the next database generation. */
  access: ReturnType<typeof createAccessMemos>;
  /** The console lists' totals, per filter, until the database changes. */
  counts: CountCache;
  /** What committed writes changed, for the caches that hold it (db/write.ts publishes). */
  feed: InvalidationFeed;
  now: () => number;
  log: (msg: string) => void;
}

export function createDeps(env: Env, store: Store, opts: { now?: () => number; tokenSecret?: Buffer } = {}): Deps {
  const gen = new Generation(store.sqlite);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    env,
    store,
    gen,
    settings: new SettingsService(store.db, gen),
    authz: new Authz(store.db, gen),
    limits: { login: new LoginLimiter() },
    tokenSecret: opts.tokenSecret ?? loadServerSecret(env.dataDir, env.GATEHOUSE_TOKEN_SECRET),
    usage: new UsageRecorder(store.sqlite),
    access: createAccessMemos(gen),
    counts: new CountCache(store.sqlite, gen),
    feed: new InvalidationFeed(),
    now,
    log: env.GATEHOUSE_LOG === 'silent' ? () => {} : (msg) => console.log(msg),
  };
}
