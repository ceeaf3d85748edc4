import {
  USAGE_OK,
  type UsageBucketDto,
  type UsageDto,
  type UsageQuery,
  type UsageRange,
  usageQuerySchema,
} from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { notFound } from '../../lib/errors';
import { findService } from '../services/services.repo';
import { findToken } from '../tokens/tokens.repo';
import { type BucketRow, DAY, dailyBuckets, HOUR, hourlyBuckets, USAGE_SCOPE, type UsageScope } from './usage.repo';

/** Daily buckets are kept 90 days (webservice/usage.ts rolls up and expires them). */
const DAYS_KEPT = 90;

const RANGES: Record<UsageRange, { period: 'hour' | 'day'; count: number }> = {
  '48h': { period: 'hour', count: 48 },
  '30d': { period: 'day', count: 30 },
  '90d': { period: 'day', count: DAYS_KEPT },
};

type ScopeName = 'token' | 'service' | 'site';

/** Buckets (stored and pending) as the chart takes them: every bucket of the range, oldest first. */
function toDto(range: UsageRange, from: number, length: number, count: number, rows: BucketRow[]): UsageDto {
  const buckets: UsageBucketDto[] = [];
  for (let i = 0; i < count; i++) buckets.push({ start: from + i * length, ok: 0, refused: {} });
  const totals = { ok: 0, refused: {} as Record<string, number> };
  for (const r of rows) {
    const b = buckets[Math.floor((r.start - from) / length)];
    if (b === undefined || r.calls <= 0) continue;
    if (r.reason === USAGE_OK) {
      b.ok += r.calls;
      totals.ok += r.calls;
    } else {
      b.refused[r.reason] = (b.refused[r.reason] ?? 0) + r.calls;
      totals.refused[r.reason] = (totals.refused[r.reason] ?? 0) + r.calls;
    }
  }
  const reasons = Object.keys(totals.refused).sort(
    (a, b) => (totals.refused[b] ?? 0) - (totals.refused[a] ?? 0) || a.localeCompare(b),
  );
  return {
    range,
    period: length === HOUR ? 'hour' : 'day',
    from,
    to: from + count * length,
    buckets,
    reasons,
    totals,
  };
}

async function usage(deps: Deps, scope: ScopeName, id: number, input: UsageQuery): Promise<UsageDto> {
  const { range } = usageQuerySchema.parse(input);
  const { period, count } = RANGES[range];
  const now = deps.now();
  const code: UsageScope = USAGE_SCOPE[scope];
  const { db } = deps.store;
  const length = period === 'hour' ? HOUR : DAY;
  const from = now - (now % length) - (count - 1) * length;
  const stored = period === 'hour' ? await hourlyBuckets(db, code, id, from) : await dailyBuckets(db, code, id, from);
  // Calls not written yet (the flush runs once a minute) count too.
  const pending = deps.usage.pendingBuckets(scope, id);
  return toDto(range, from, length, count, [...stored, ...pending]);
}

/** A token's calls (Manage tokens' token page); hidden tokens are not there. */
export async function tokenUsage(deps: Deps, tokenId: number, q: UsageQuery): Promise<UsageDto> {
  const t = await findToken(deps.store.db, tokenId);
  if (!t || t.hidden) throw notFound('Token');
  return usage(deps, 'token', tokenId, q);
}

/** A service's calls, through every token of it. */
export async function serviceUsage(deps: Deps, serviceId: number, q: UsageQuery): Promise<UsageDto> {
  if (!(await findService(deps.store.db, serviceId))) throw notFound('Service');
  return usage(deps, 'service', serviceId, q);
}

/** The site's calls, those with tokens that match none included. */
export function siteUsage(deps: Deps, q: UsageQuery): Promise<UsageDto> {
  return usage(deps, 'site', 0, q);
}

/** The roll-up (hours older than ~48 h into days) and the expiry (older than 90 days) of the buckets. */
export async function maintainUsage(deps: Deps): Promise<void> {
  await deps.usage.maintain(deps.now());
}

const lastMaintained = new WeakMap<Deps, number>();

/**
 * The periodic usage job (once a minute, and at shutdown): writes what the recorder gathered,
 * then audits each token's first refusal of a reason (with its function), and once an hour
 * rolls up and expires the buckets.
 */
export async function flushUsage(deps: Deps, opts: { maintain?: boolean } = {}): Promise<number> {
  const written = await deps.usage.flush();
  const firsts = deps.usage.takeFirstRefusals();
  if (firsts.length) {
    await withWrite(deps, async (_tx, w) => {
      for (const f of firsts) {
        w.audit(
          { id: f.userId, username: f.username, ip: f.ip },
          {
            action: 'webservice.refused',
            targetType: 'token',
            targetId: f.tokenId,
            summary: `Web-service call refused (${f.reason})${f.function ? `: ${f.function}` : ''}`,
            details: { reason: f.reason, function: f.function, protocol: f.protocol, time: f.at },
          },
        );
      }
    });
  }
  // The roll-up, once an hour, on one node (opts.maintain: the job leader on PostgreSQL).
  const now = deps.now();
  const hour = now - (now % HOUR);
  if (opts.maintain !== false && lastMaintained.get(deps) !== hour) {
    lastMaintained.set(deps, hour);
    await maintainUsage(deps);
  }
  return written;
}
