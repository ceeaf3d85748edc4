import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

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
 * The counters live in rate-limiter-flexible stores (RateLimiterMemory here; RateLimiterPostgres
 * takes the same calls), which forget a key when its window ends and never evict one early: an
 * attacker cannot push an existing lockout out by filling the store. Keys are hashes of the
 * username, so a huge username costs no memory.
 */
export interface LoginLimitRule {
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

export const LOGIN_LIMITS: LoginLimitConfig = {
  userAddress: { points: 5, durationSec: 15 * 60 },
  user: { points: 50, durationSec: 24 * 3600 },
  network: { points: 30, durationSec: 15 * 60 },
  // Under 24.8 days: the memory store expires each key with one timer, and Node cannot set a
  // longer one (it would fire at once).
  knownGoodSec: 21 * 86400,
};

type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];
/** Makes one counter store; the next step (several nodes) passes RateLimiterPostgres here. */
export type LimiterFactory = (opts: LimiterOptions & { keyPrefix: string }) => RateLimiterAbstract;
export const memoryLimiters: LimiterFactory = (opts) => new RateLimiterMemory(opts);

/** The 8 groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip.split('%')[0] ?? '';
  if (!isIPv6(s)) return undefined;
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  const groups = [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** IPv4 (including IPv4-mapped IPv6) as its four octets. */
function ipv4Octets(ip: string): number[] | undefined {
  if (isIPv4(ip)) return ip.split('.').map(Number);
  const g = ipv6Groups(ip) ?? [];
  if (g.length === 8 && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [(g[6] ?? 0) >> 8, (g[6] ?? 0) & 255, (g[7] ?? 0) >> 8, (g[7] ?? 0) & 255];
  }
  return undefined;
}

function v6Prefix64(g: number[]): string {
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** One client: an IPv4 address, or an IPv6 /64 (what one subscriber is given). */
export function addressKey(ip: string): string {
  const v4 = ipv4Octets(ip);
  if (v4) return v4.join('.');
  const g = ipv6Groups(ip);
  return g ? v6Prefix64(g) : `?${ip.slice(0, 64)}`;
}

/** One network of neighbours: an IPv4 /24, an IPv6 /64. */
export function networkKey(ip: string): string {
  const v4 = ipv4Octets(ip);
  if (v4) return `${v4.slice(0, 3).join('.')}.0/24`;
  const g = ipv6Groups(ip);
  return g ? v6Prefix64(g) : `?${ip.slice(0, 64)}`;
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
    const ua = `${u}|${addressKey(ip)}`;
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
          if (first && (this.inflight.get(this.tag(first))?.size ?? 0) <= 1) await this.userAddress.delete(ua);
          if (opts.trusted) await this.knownGood.set(ua, 1, this.config.knownGoodSec);
        }),
      failed: () => finish(async () => {}),
    };
  }
}
