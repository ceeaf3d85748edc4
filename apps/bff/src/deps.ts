import type { ExternalDescription, ExternalSingle } from '@gatehouse/shared';
import type { Store } from './db/client';
import type { UserRow } from './db/rows';
import type { Env } from './env';
import type { Authz } from './features/roles/authz';
import type { SettingsService } from './features/settings/settings.service';
import type { CountCache, Generation } from './lib/generation';
import type { InvalidationFeed } from './lib/invalidation';
import type { Log } from './lib/log';
import type { Metrics } from './lib/metrics';
import type { LoginLimiter } from './lib/rate-limit';
import type { createAccessMemos } from './webservice/access-cache';
import type { UsageRecorder } from './webservice/usage';

// The types every layer passes around; no code. context.ts builds a Deps (the composition
// root, imported only by the entry points), every other module takes one. Deps carries the
// function catalogue and a function receives Deps, so those types are declared here together:
// split over two modules they would import each other, and the lint forbids import cycles.

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
  /** What the access-check chain reads, cached until a write names it (webservice/access-cache.ts). */
  access: ReturnType<typeof createAccessMemos>;
  /** The console lists' totals, per filter, until the database changes. */
  counts: CountCache;
  /** What committed writes changed, for the caches that hold it (db/write.ts publishes). */
  feed: InvalidationFeed;
  /** The external functions, by name: built once, in context.ts, from webservice/functions. */
  catalogue: Catalogue;
  now: () => number;
  /** The server's log (lib/log.ts); in a route, `requestLog(c, deps.log)` adds the request id. */
  log: Log;
  /** GET /metrics's counters (lib/metrics.ts), and whether the process is draining (/readyz). */
  metrics: Metrics;
}

/** The function catalogue: code, not data. */
export interface Catalogue {
  readonly all: readonly ExternalFunction[];
  get(name: string): ExternalFunction | undefined;
  has(name: string): boolean;
}

/** The service a call arrives through (from the token), as the function sees it. */
export interface CallService {
  id: number;
  shortname: string;
  name: string;
  downloadFiles: boolean;
  uploadFiles: boolean;
  functions: readonly string[];
}

/** What a function's code gets besides its validated parameters. */
export interface CallContext {
  deps: Deps;
  user: UserRow;
  service: CallService;
  /** Unix seconds of the call. */
  now: number;
  /** The client's address (behind trusted proxies), where the call came over the network. */
  ip?: string;
  /** Throws required_capability_exception unless the caller holds the capability. */
  requireCapability(capability: string, what: string): void;
  hasCapability(capability: string): boolean;
}

/**
 * How one of a function's capabilities is checked, as Moodle checks it.
 * - 'call': in the system context, whatever the arguments. The call pipeline checks it, after
 *   the parameters are validated and before `execute`, and refuses with
 *   required_capability_exception ("… permissions to do that (what)", the capability in debuginfo).
 * - 'function': in the context of the records the call names (a course, a category, a user, a
 *   certification) or only for some arguments. The function checks it itself; `where` says when.
 */
export type CapabilityCheck =
  | { capability: string; checkedBy: 'call'; what: string }
  | { capability: string; checkedBy: 'function'; where: string };

export interface ExternalFunction {
  name: string;
  component: string;
  description: string;
  type: 'read' | 'write';
  /** Every capability the function needs, as documented (Moodle's services.php `capabilities`). */
  capabilities: readonly string[];
  /** How each of `capabilities` is checked, in the same order. */
  capabilityChecks: readonly CapabilityCheck[];
  /** The checks the call pipeline makes before `execute` (the 'call' ones), in order. */
  requiredCapabilities: readonly { capability: string; what: string }[];
  /** Example arguments for the documentation (made up from the parameters when absent). */
  example?: Record<string, unknown>;
  parameters: ExternalSingle;
  returns: ExternalDescription | null;
  deprecated?: { since: string; replacedBy?: string };
  /** Built-in services this function ships in, by shortname. */
  services?: readonly string[];
  /** Callable through lib/ajax/service.php (Moodle's services.php `ajax`). */
  ajax?: boolean;
  /** False for the functions Moodle runs without a login (services.php `loginrequired`); true when absent. */
  loginRequired?: boolean;
  execute(ctx: CallContext, params: unknown): unknown;
}
