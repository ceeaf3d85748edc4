import { createHash } from 'node:crypto';
import { clientKey, networkKey } from '@gatehouse/shared';
import type pg from 'pg';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Store } from '../db/client';

/**
 * Failed-login limits, as OWASP's authentication cheat sheet and rate-limiter-flexible's "login
 * endpoint protection" example describe them:
 *
 * - only failures count (a right password takes its attempt back);
 * - consecutive failures per (username, address) (an IPv4 address, an IPv6 /64), ended by a
 *   success from that address;
 * - a slower backstop per username, against guessing from many addresses;
 * - failures per network (IPv4 /24, IPv6 /64: neighbours are one client), whatever the usernames;
 * - an address where the user signed in before ("known-good", remembered for 21 days) is held by
 *   its own (username, address) count only: guesses from elsewhere never lock the user out there.
 *
 * The counters live in rate-limiter-flexible stores, which forget a key when its window ends and
 * never evict one early: an attacker cannot push an existing lockout out by filling the store.
 * Keys are hashes of the username, so a huge username costs no memory. On SQLite (one node) the
 * store is memory (RateLimiterMemory); on PostgreSQL it is the database's rate_limits table
 * (RateLimiterPostgres, made by the migration 0002_rate_limits), so that every node counts the
 * same failures: guesses spread over the nodes behind a load balancer add up. (The wait for
 * attempts in flight, below, sees this node's attempts only: one counted on another node is
 * refused, as any full counter, with its Retry-After.)
 */
interface LoginLimitRule {
  /** Failures allowed in the window. */
  points: number;
  /** The window, in seconds, from its first failure. */
  durationSec: number;
}

export interface LoginLimitConfig {
  userAddress: LoginLimitRule;
  user: LoginLimitRule;
  network: LoginLimitRule;
  /** How long an address where the user signed in stays known-good, in seconds. */
  knownGoodSec: number;
}

const LOGIN_LIMITS: LoginLimitConfig = {
  userAddress: { points: 5, durationSec: 15 * 60 },
  user: { points: 50, durationSec: 24 * 3600 },
  network: { points: 30, durationSec: 15 * 60 },
  // Under 24.8 days: the memory store expires each key with one timer, and Node cannot set a
  // longer one (it would fire at once).
  knownGoodSec: 21 * 86400,
};

type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];
/** Makes one counter store (memory, or the PostgreSQL table every node shares). */
export type LimiterFactory = (opts: LimiterOptions & { keyPrefix: string }) => RateLimiterAbstract;
const memoryLimiters: LimiterFactory = (opts) => new RateLimiterMemory(opts);

/** The table the PostgreSQL counters share (migrations-pg/0002_rate_limits.sql): keys carry their limiter's prefix. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * Counters in PostgreSQL, shared by every node: one table for every limiter (a key is
 * `prefix:key`), created by a migration (`tableCreated`: never at run time). Expired rows are
 * deleted every 5 minutes by one limiter of the set (the first made), not by each.
 */
function pgLimiters(pool: pg.Pool): LimiterFactory {
  let sweeper = true;
  return (opts) => {
    const clearExpiredByTimeout = sweeper;
    sweeper = false;
    return new RateLimiterPostgres({
      ...opts,
      storeClient: pool,
      storeType: 'pool',
      tableName: RATE_LIMITS_TABLE,
      tableCreated: true,
      clearExpiredByTimeout,
    });
  };
}

/** The limiters' store for a Store: memory on SQLite (one node), the shared table on PostgreSQL. */
export function limitersFor(store: Store): LimiterFactory {
  return store.dialect === 'pg' ? pgLimiters(store.pool) : memoryLimiters;
}

const userKey = (username: string) =>
  createHash('sha256').update(username.trim().toLowerCase()).digest('base64url').slice(0, 22);

export interface LoginAttempt {
  /**
   * The password was right: takes back what this attempt counted and ends the run of failures
   * for this username at this address; `trusted` remembers the address as known-good.
   */
  succeeded(opts?: { trusted?: boolean }): Promise<void>;
  /** The attempt failed: what it counted stays counted. */
  failed(): Promise<void>;
}

export type LoginGate = { ok: true; attempt: LoginAttempt } | { ok: false; retryAfter: number };

interface Part {
  limiter: RateLimiterAbstract;
  key: string;
  /** Refuses when over its limit (otherwise it only counts). */
  enforced: boolean;
}

export class LoginLimiter {
  private readonly userAddress: RateLimiterAbstract;
  private readonly user: RateLimiterAbstract;
  private readonly network: RateLimiterAbstract;
  private readonly knownGood: RateLimiterAbstract;
  /** Attempts of this process whose password is being checked, per counter key (removed when none). */
  private readonly inflight = new Map<string, Set<Promise<void>>>();
  /**
   * Attempts per username and address still counting their points in `begin` (not yet in
   * `inflight`): a success must not end the run of failures under them, or their points, taken
   * back when they succeed, would go below zero (with the database's counters, whose calls
   * interleave, this is no rare case).
   */
  private readonly counting = new Map<string, number>();

  constructor(
    readonly config: LoginLimitConfig = LOGIN_LIMITS,
    make: LimiterFactory = memoryLimiters,
  ) {
    const rule = (keyPrefix: string, r: LoginLimitRule) =>
      make({ keyPrefix, points: r.points, duration: r.durationSec });
    this.userAddress = rule('login_fail_user_addr', config.userAddress);
    this.user = rule('login_fail_user', config.user);
    this.network = rule('login_fail_net', config.network);
    this.knownGood = make({ keyPrefix: 'login_known_good', points: 1, duration: config.knownGoodSec });
  }

  /**
   * Called before the (slow) password check. Each attempt takes a point up front from every
   * counter, so that parallel guesses cannot all pass the check before any has failed: at most
   * the remaining number of failures can be in flight at once. An attempt that finds a counter
   * full only because of attempts still in flight waits for them (a right password gives its
   * point back) instead of being refused, so that parallel right logins all get through.
   */
  async begin(username: string, ip: string): Promise<LoginGate> {
    const u = userKey(username);
    const ua = `${u}|${clientKey(ip)}`;
    this.counting.set(ua, (this.counting.get(ua) ?? 0) + 1);
    try {
      return await this.gate(u, ua, ip);
    } finally {
      const n = (this.counting.get(ua) ?? 1) - 1;
      if (n > 0) this.counting.set(ua, n);
      else this.counting.delete(ua);
    }
  }

  private async gate(u: string, ua: string, ip: string): Promise<LoginGate> {
    for (;;) {
      const trusted = (await this.knownGood.get(ua)) !== null;
      const parts: Part[] = [
        { limiter: this.userAddress, key: ua, enforced: true },
        { limiter: this.user, key: u, enforced: !trusted },
        { limiter: this.network, key: networkKey(ip), enforced: !trusted },
      ];
      const refused: { part: Part; res: RateLimiterRes }[] = [];
      for (const part of parts) {
        if (!part.enforced) {
          await part.limiter.penalty(part.key);
          continue;
        }
        try {
          await part.limiter.consume(part.key);
        } catch (e) {
          if (!(e instanceof RateLimiterRes)) throw e;
          refused.push({ part, res: e });
        }
      }
      if (!refused.length) return { ok: true, attempt: this.track(parts, ua) };
      // Over a limit: give back every point of this round.
      await Promise.all(parts.map((p) => p.limiter.reward(p.key)));
      const pending = refused.flatMap((r) => [...(this.inflight.get(this.tag(r.part)) ?? [])]);
      if (pending.length) {
        await Promise.race(pending);
        continue;
      }
      const ms = Math.max(...refused.map((r) => r.res.msBeforeNext));
      return { ok: false, retryAfter: Math.max(1, Math.ceil(ms / 1000)) };
    }
  }

  private tag(p: Part): string {
    return `${p.limiter.keyPrefix}:${p.key}`;
  }

  private track(parts: Part[], ua: string): LoginAttempt {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    for (const p of parts) {
      const tag = this.tag(p);
      const set = this.inflight.get(tag) ?? new Set();
      set.add(done);
      this.inflight.set(tag, set);
    }
    let settled = false;
    const finish = async (work: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      try {
        await work();
      } finally {
        for (const p of parts) {
          const tag = this.tag(p);
          const set = this.inflight.get(tag);
          set?.delete(done);
          if (set && !set.size) this.inflight.delete(tag);
        }
        settle();
      }
    };
    return {
      succeeded: (opts = {}) =>
        finish(async () => {
          await Promise.all(parts.map((p) => p.limiter.reward(p.key)));
          // The run of failures from this address ends, unless other attempts of it are in flight
          // (their points are in the count; each ends the run itself when it succeeds).
          const [first] = parts;
          if (first && (this.inflight.get(this.tag(first))?.size ?? 0) <= 1 && !this.counting.has(ua))
            await this.userAddress.delete(ua);
          if (opts.trusted) await this.knownGood.set(ua, 1, this.config.knownGoodSec);
        }),
      failed: () => finish(async () => {}),
    };
  }
}
