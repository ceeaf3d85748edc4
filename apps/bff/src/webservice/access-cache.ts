import type { Generation } from '../lib/generation';
import type { Invalidation, InvalidationFeed } from '../lib/invalidation';
import { Lru } from '../lib/lru';
import type { AuthorisationRow, ServiceRow, TokenRow, UserRow } from './access.repo';

/** A service's functions, as the chain checks them (the set) and a call sees them (the list). */
export interface ServiceFunctions {
  list: readonly string[];
  set: ReadonlySet<string>;
}

/** The service as a call sees it (deps.ts's CallService, which this module cannot import: deps.ts imports it). */
type CallServiceOf = Pick<ServiceRow, 'id' | 'shortname' | 'name' | 'downloadFiles' | 'uploadFiles'> & {
  functions: readonly string[];
};

/**
 * Everything the access-check chain reads for one token, read together and dropped together:
 * the token with its owner and service, the service's functions, the owner's authorisation on
 * a restricted service, and the service as a call sees it.
 */
export interface TokenAccess {
  t: TokenRow;
  u: UserRow;
  s: ServiceRow;
  functions: ServiceFunctions;
  /** The owner's authorisation on the service: null when there is none or the service is not restricted. */
  authorisation: AuthorisationRow | null;
  service: CallServiceOf;
}

/** The cache's sizes: at most this many tokens and services' function lists. */
export interface AccessCacheLimits {
  tokens?: number;
  services?: number;
}

/**
 * The state the access-check chain reads on every call, kept in memory in two bounded LRUs: a
 * token's access (by the secret's hash) and a service's functions (by service id, shared by the
 * service's tokens). Unknown tokens are never cached.
 *
 * It follows the invalidation feed: a committed write names what it changed and only that goes
 * (a token by hash or id; a user's or a service's tokens by user or service id, and the
 * service's functions; everything for 'all' and 'catalogue', or an event without an id). The
 * chain reads settings and capabilities live, from their own caches: 'settings', 'roles' and
 * 'hub' events drop nothing here, and a committed write that names nothing (a session, an audit
 * row) is taken at its word. A change no event describes (another process's commit, seen
 * through PRAGMA data_version; a write rolled back; a legacy write that bumps the generation by
 * hand) moves the generation's `unpublished` count, and then everything goes: a token revoked
 * anywhere is refused on the very next call.
 *
 * A read that an invalidation overtook (the database read, then a write committed and published
 * before the result was kept) is not kept: `stamp()` before the read, `keep…(…, stamp)` after.
 */
export class AccessCache {
  private readonly tokens: Lru<string, TokenAccess>;
  private readonly functions: Lru<number, ServiceFunctions>;
  private at: number;
  /** Moves whenever something is dropped. */
  private epoch = 0;

  constructor(
    private readonly gen: Pick<Generation, 'unpublished'>,
    feed: Pick<InvalidationFeed, 'subscribe'>,
    limits: AccessCacheLimits = {},
    private readonly stats: AccessCacheStats = { tokens: noCells(), services: noCells() },
  ) {
    this.tokens = new Lru(limits.tokens ?? 20_000);
    this.functions = new Lru(limits.services ?? 1_000);
    this.at = gen.unpublished;
    feed.subscribe('*', (events) => this.drop(events));
  }

  /** A token's access by the secret's hash, when cached. */
  token(hash: string): TokenAccess | undefined {
    this.sync();
    const a = this.tokens.get(hash);
    if (a === undefined) this.stats.tokens.misses.n++;
    else this.stats.tokens.hits.n++;
    return a;
  }

  /** A service's functions, when cached. */
  serviceFunctions(serviceId: number): ServiceFunctions | undefined {
    this.sync();
    const f = this.functions.get(serviceId);
    if (f === undefined) this.stats.services.misses.n++;
    else this.stats.services.hits.n++;
    return f;
  }

  /** Whether a token is cached, without using it. */
  holdsToken(hash: string): boolean {
    this.sync();
    return this.tokens.has(hash);
  }

  /** Where the cache stands: take it before reading the database, and give it to keep…. */
  stamp(): number {
    this.sync();
    return this.epoch;
  }

  /** Keeps a token's access read since `stamp`, unless something was dropped meanwhile. */
  keepToken(hash: string, access: TokenAccess, stamp: number): void {
    this.sync();
    if (stamp === this.epoch) this.tokens.set(hash, access);
  }

  /** Keeps a service's functions read since `stamp`, unless something was dropped meanwhile. */
  keepFunctions(serviceId: number, functions: ServiceFunctions, stamp: number): void {
    this.sync();
    if (stamp === this.epoch) this.functions.set(serviceId, functions);
  }

  get size(): { tokens: number; services: number } {
    return { tokens: this.tokens.size, services: this.functions.size };
  }

  private sync(): void {
    if (this.at === this.gen.unpublished) return;
    this.at = this.gen.unpublished;
    this.clear();
  }

  private clear(): void {
    this.tokens.clear();
    this.functions.clear();
    this.epoch++;
  }

  private drop(events: readonly Invalidation[]): void {
    // Tokens named by id, and the users and services whose tokens go: one pass over the tokens
    // for the whole publish, however many it names.
    const tokenIds = new Set<number>();
    const userIds = new Set<number>();
    const serviceIds = new Set<number>();
    let dropped = false;
    for (const e of events) {
      switch (e.kind) {
        case 'token':
          if (e.id === undefined) this.tokens.clear();
          else if (typeof e.id === 'string') this.tokens.delete(e.id);
          else tokenIds.add(e.id);
          dropped = true;
          break;
        case 'user':
          if (e.id === undefined) this.tokens.clear();
          else userIds.add(Number(e.id));
          dropped = true;
          break;
        case 'service':
          if (e.id === undefined) {
            this.tokens.clear();
            this.functions.clear();
          } else {
            serviceIds.add(Number(e.id));
            this.functions.delete(Number(e.id));
          }
          dropped = true;
          break;
        case 'catalogue':
        case 'all':
          this.tokens.clear();
          this.functions.clear();
          dropped = true;
          break;
        // 'settings', 'roles', 'hub': nothing here holds them.
      }
    }
    if (!dropped) return;
    this.epoch++;
    if (!tokenIds.size && !userIds.size && !serviceIds.size) return;
    for (const [hash, a] of this.tokens.entries()) {
      if (tokenIds.has(a.t.id) || userIds.has(a.u.id) || serviceIds.has(a.s.id)) this.tokens.delete(hash);
    }
  }
}

/** The access-check chain's cache (see AccessCache). */
export function createAccessMemos(
  gen: Pick<Generation, 'unpublished'>,
  feed: Pick<InvalidationFeed, 'subscribe'>,
  stats?: AccessCacheStats,
) {
  return new AccessCache(gen, feed, {}, stats);
}

/** Hit and miss counters (lib/metrics.ts's cells: plain numbers, read at scrape time). */
interface CacheCounters {
  readonly hits: { n: number };
  readonly misses: { n: number };
}

export interface AccessCacheStats {
  tokens: CacheCounters;
  services: CacheCounters;
}

const noCells = (): CacheCounters => ({ hits: { n: 0 }, misses: { n: 0 } });
