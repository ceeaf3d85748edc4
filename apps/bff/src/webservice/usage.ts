/** The outcome a successful call is counted under. */
import { USAGE_OK } from '@gatehouse/shared';
import {
  DAY,
  HOUR,
  USAGE_SCOPE,
  type UsageBatch,
  type UsageScope,
  type UsageWrites,
} from '../features/usage/usage.repo';

/** A refusal's reason as counted: the access-check chain's code or the Moodle error code. */
const MAX_REASON = 40;
const MAX_FUNCTION = 200;

/** The first refusal of one reason for a token, for the audit log (features/usage writes it). */
export interface FirstRefusal {
  tokenId: number;
  userId: number;
  username: string;
  reason: string;
  function: string;
  protocol: string;
  ip: string;
  at: number;
}

interface Pending {
  serviceId: number;
  lastAccess: number;
  /** The client address of the latest call. */
  lastIp: string;
  calls: number;
  lastError?: { text: string; at: number };
  /** The hour `ok` and `refused` count (its start, unix seconds). */
  hour: number;
  ok: number;
  /** Refusals in `hour`, by reason; made at the first refusal. */
  refused?: Record<string, number>;
  /** Counts of earlier hours not written yet (a flush interval that spans an hour's end). */
  earlier?: { hour: number; counts: Record<string, number> }[];
  /** This batch's first refusal of each reason (for the audit log's first-occurrence rule). */
  firsts?: Map<string, FirstRefusal | null>;
}

/** A bucket's pending figure. */
export interface PendingBucket {
  start: number;
  reason: string;
  calls: number;
}

/** Hourly buckets are kept this long before they are rolled up into days. */
const HOURLY_KEPT = 48 * HOUR;
/** Daily buckets are kept 90 days (today included). */
const DAYS_KEPT = 90;

/** Seen (token, reason) pairs kept in memory before the store is asked again. */
const MAX_SEEN = 100_000;

function countsOf(p: Pending): Record<string, number> {
  const counts: Record<string, number> = p.refused ? { ...p.refused } : {};
  if (p.ok) counts[USAGE_OK] = p.ok;
  return counts;
}

/**
 * Per-token usage (last access and address, call count, last error) and the calls per hour by
 * outcome, gathered in memory and written in one transaction at most once a minute (and at
 * shutdown): no database write per call. Calls with a token that matches none count on the
 * site's figures only.
 */
export class UsageRecorder {
  private pending = new Map<number, Pending>();
  /** Calls whose token was not found (site figures only): hour → reason → calls. */
  private unknown = new Map<number, Record<string, number>>();
  private readonly writes: UsageWrites;
  /** Token and reason pairs the store has (or the audit log was given): `${token}:${reason}`. */
  private readonly seen = new Set<string>();
  private firstRefusals: FirstRefusal[] = [];
  /** Whether `pending` holds a success. */
  private pendingOk = false;

  constructor(writes: UsageWrites) {
    this.writes = writes;
  }

  private entry(tokenId: number, serviceId: number, now: number, ip: string): Pending {
    const hour = now - (now % HOUR);
    let p = this.pending.get(tokenId);
    if (p === undefined) {
      p = { serviceId, lastAccess: now, lastIp: ip, calls: 0, hour, ok: 0 };
      this.pending.set(tokenId, p);
    } else {
      if (now >= p.lastAccess) {
        p.lastAccess = now;
        p.lastIp = ip;
      }
      if (hour !== p.hour) {
        if (p.ok || p.refused) {
          p.earlier ??= [];
          p.earlier.push({ hour: p.hour, counts: countsOf(p) });
        }
        p.hour = hour;
        p.ok = 0;
        p.refused = undefined;
      }
    }
    p.calls++;
    return p;
  }

  /** A call of a known token that went through. */
  record(tokenId: number, serviceId: number, now: number, ip: string): void {
    this.entry(tokenId, serviceId, now, ip).ok++;
    this.pendingOk = true;
  }

  /**
   * A call of a known token that was refused or failed: `reason` is the access-check chain's
   * code (protocolcapability, tokenexpired, …) or the Moodle error code, `error` the last
   * error's text.
   */
  recordRefusal(
    token: { t: { id: number; serviceId: number }; u: { id: number; username: string } },
    now: number,
    ip: string,
    reason: string,
    error: string,
    functionName: string,
    protocol: string,
  ): void {
    const p = this.entry(token.t.id, token.t.serviceId, now, ip);
    const code = reason.length > MAX_REASON ? reason.slice(0, MAX_REASON) : reason;
    p.refused ??= {};
    p.refused[code] = (p.refused[code] ?? 0) + 1;
    p.lastError = { text: error.slice(0, 500), at: now };
    p.firsts ??= new Map();
    const firsts = p.firsts;
    if (firsts.has(code)) return;
    // null: seen before (the key string is made once per token, reason and flush interval).
    if (this.seen.has(`${token.t.id}:${code}`)) firsts.set(code, null);
    else
      firsts.set(code, {
        tokenId: token.t.id,
        userId: token.u.id,
        username: token.u.username,
        reason: code,
        function: functionName.slice(0, MAX_FUNCTION),
        protocol,
        ip,
        at: now,
      });
  }

  /** A call whose token matches none (or that carried none): counted on the site's figures only. */
  recordUnknown(now: number, reason: string): void {
    const hour = now - (now % HOUR);
    let counts = this.unknown.get(hour);
    if (counts === undefined) {
      counts = {};
      this.unknown.set(hour, counts);
    }
    counts[reason] = (counts[reason] ?? 0) + 1;
  }

  /** What has not been written yet, for the console to show alongside the stored figures. */
  peek(tokenId: number): Readonly<Pending> | undefined {
    return this.pending.get(tokenId);
  }

  /** Whether a call of a known token went through since the last flush (the Overview's "tested" step reads it). */
  hasPendingSuccess(): boolean {
    return this.pendingOk;
  }

  /** The unwritten hourly figures of a token, a service or the site (for the usage charts). */
  pendingBuckets(scope: 'token' | 'service' | 'site', id = 0): PendingBucket[] {
    const out: PendingBucket[] = [];
    const add = (hour: number, counts: Record<string, number>) => {
      for (const reason in counts) out.push({ start: hour, reason, calls: counts[reason] ?? 0 });
    };
    const addPending = (p: Pending) => {
      for (const e of p.earlier ?? []) add(e.hour, e.counts);
      add(p.hour, countsOf(p));
    };
    if (scope === 'token') {
      const p = this.pending.get(id);
      if (p) addPending(p);
      return out;
    }
    for (const p of this.pending.values()) if (scope === 'site' || p.serviceId === id) addPending(p);
    if (scope === 'site') for (const [hour, counts] of this.unknown) add(hour, counts);
    return out;
  }

  /**
   * The roll-up and the expiry: hourly buckets older than ~48 h become daily ones, buckets
   * older than 90 days (today included) go. Cheap when nothing is due (range deletes on the age index).
   */
  async maintain(now: number): Promise<void> {
    if (!this.writes.open()) return;
    const hour = now - (now % HOUR);
    const today = now - (now % DAY);
    await this.writes.maintain(hour - HOURLY_KEPT, today - (DAYS_KEPT - 1) * DAY);
  }

  /** The refusals seen for the first time per token and reason since the last call; emptied. */
  takeFirstRefusals(): FirstRefusal[] {
    const out = this.firstRefusals;
    this.firstRefusals = [];
    return out;
  }

  /**
   * Writes what was gathered: the tokens' columns, then the hourly buckets of tokens, services
   * and the site. On SQLite the write is done when this returns (the promise settles after).
   * If the write fails, the batch is added back, to be written by the next flush.
   */
  async flush(): Promise<number> {
    if ((!this.pending.size && !this.unknown.size) || !this.writes.open()) return 0;
    const batch = this.pending;
    const unknown = this.unknown;
    this.pending = new Map();
    this.unknown = new Map();
    this.pendingOk = false;
    // service id → hour → reason → calls; the same for the site.
    const services = new Map<number, Map<number, Record<string, number>>>();
    const site = new Map<number, Record<string, number>>();
    for (const [hour, counts] of unknown) site.set(hour, { ...counts });
    const addTo = (hours: Map<number, Record<string, number>>, hour: number, counts: Record<string, number>) => {
      const into = hours.get(hour);
      if (into === undefined) {
        hours.set(hour, { ...counts });
        return;
      }
      for (const reason in counts) into[reason] = (into[reason] ?? 0) + (counts[reason] ?? 0);
    };
    const out: UsageBatch = { tokens: [], buckets: [], seenQueries: [] };
    const candidates: FirstRefusal[] = [];
    const bucket = (scope: UsageScope, id: number, hours: Map<number, Record<string, number>>) => {
      for (const [hour, counts] of hours) {
        for (const reason in counts) out.buckets.push([scope, id, hour, reason, counts[reason] ?? 0]);
      }
    };
    for (const [id, p] of batch) {
      out.tokens.push({
        id,
        lastAccess: p.lastAccess,
        calls: p.calls,
        lastError: p.lastError?.text ?? null,
        lastErrorAt: p.lastError?.at ?? null,
        lastIp: p.lastIp || null,
      });
      // First occurrences are looked up before this batch's buckets are written.
      for (const [reason, first] of p.firsts ?? []) {
        if (first === null || this.seen.has(`${id}:${reason}`)) continue;
        out.seenQueries.push([id, reason]);
        candidates.push(first);
      }
      let hours = services.get(p.serviceId);
      if (hours === undefined) {
        hours = new Map();
        services.set(p.serviceId, hours);
      }
      const own = new Map<number, Record<string, number>>();
      const all = p.earlier
        ? [...p.earlier, { hour: p.hour, counts: countsOf(p) }]
        : [{ hour: p.hour, counts: countsOf(p) }];
      for (const { hour, counts } of all) {
        addTo(own, hour, counts);
        addTo(hours, hour, counts);
        addTo(site, hour, counts);
      }
      bucket(USAGE_SCOPE.token, id, own);
    }
    for (const [serviceId, hours] of services) bucket(USAGE_SCOPE.service, serviceId, hours);
    bucket(USAGE_SCOPE.site, 0, site);
    let seenBefore: Set<string>;
    try {
      seenBefore = await this.writes.write(out);
    } catch (err) {
      this.putBack(batch, unknown);
      throw err;
    }
    for (const first of candidates) {
      const key = `${first.tokenId}:${first.reason}`;
      if (this.seen.has(key)) continue;
      if (!seenBefore.has(key)) this.firstRefusals.push(first);
      if (this.seen.size >= MAX_SEEN) this.seen.clear();
      this.seen.add(key);
    }
    return batch.size;
  }

  /** A batch whose write failed goes back in front of what came since. */
  private putBack(batch: Map<number, Pending>, unknown: Map<number, Record<string, number>>): void {
    for (const [id, p] of batch) {
      const now = this.pending.get(id);
      if (now === undefined) {
        this.pending.set(id, p);
        continue;
      }
      // The newer entry keeps its hour; the older one's counts become earlier hours.
      now.calls += p.calls;
      if (p.lastAccess > now.lastAccess) {
        now.lastAccess = p.lastAccess;
        now.lastIp = p.lastIp;
      }
      now.lastError ??= p.lastError;
      now.earlier = [...(p.earlier ?? []), { hour: p.hour, counts: countsOf(p) }, ...(now.earlier ?? [])];
      if (p.firsts) {
        now.firsts ??= new Map();
        for (const [k, v] of p.firsts) if (!now.firsts.has(k)) now.firsts.set(k, v);
      }
    }
    for (const [hour, counts] of unknown) {
      const into = this.unknown.get(hour);
      if (into === undefined) this.unknown.set(hour, counts);
      else for (const reason in counts) into[reason] = (into[reason] ?? 0) + (counts[reason] ?? 0);
    }
  }
}
