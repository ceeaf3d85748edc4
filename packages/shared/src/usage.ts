import { z } from 'zod';

// Web-service usage as the console charts it (GET /api/tokens/:id/usage, /api/services/:id/usage,
// /api/usage): calls per hour for 48 hours, per (UTC) day for 30 or 90 days, split into
// successes and each refusal reason.

const USAGE_RANGES = ['48h', '30d', '90d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

export const usageQuerySchema = z.strictObject({
  range: z.enum(USAGE_RANGES, { message: 'Range must be 48h, 30d or 90d' }).default('48h'),
});
export type UsageQuery = z.input<typeof usageQuerySchema>;

/** The reason code successes are counted under. */
export const USAGE_OK = 'ok';

export interface UsageBucketDto {
  /** Unix seconds of the bucket's start. */
  start: number;
  ok: number;
  /** Refused or failed calls by reason code (tokenexpired, protocolcapability, invalidparameter, …). */
  refused: Record<string, number>;
}

export interface UsageDto {
  range: UsageRange;
  /** The buckets' length: an hour (48h) or a UTC day (30d, 90d). */
  period: 'hour' | 'day';
  /** The first bucket's start and the end of the last one (unix seconds). */
  from: number;
  to: number;
  /** Every bucket of the range, oldest first, empty ones included. */
  buckets: UsageBucketDto[];
  /** The refusal reasons in the range, most frequent first. */
  reasons: string[];
  totals: { ok: number; refused: Record<string, number> };
}

/** What each refusal reason means, for a chart's legend (the access-check chain's codes first). */
const USAGE_REASON_LABELS: Record<string, string> = {
  webservicesdisabled: 'Web services disabled',
  protocoldisabled: 'Protocol disabled',
  invalidtoken: 'Invalid token',
  tokenexpired: 'Token expired',
  tokeniprestricted: 'IP not allowed (token)',
  userdeleted: 'User deleted',
  sitemaintenance: 'Site in maintenance',
  usernotconfirmed: 'User not confirmed',
  usersuspended: 'User suspended',
  passwordexpired: 'Password expired',
  nologin: 'User cannot log in',
  protocolcapability: 'Missing protocol capability',
  functionnotfound: 'Function not found',
  functionnotinservice: 'Function not in service',
  servicedisabled: 'Service disabled',
  servicecapability: 'Missing service capability',
  usernotauthorised: 'User not authorised',
  authorisationexpired: 'Authorisation expired',
  authorisationiprestricted: 'IP not allowed (authorised user)',
  invalidparameter: 'Invalid parameter',
  nopermissions: 'No permission',
  unexpectederror: 'Unexpected error',
};

export function usageReasonLabel(reason: string): string {
  return reason === USAGE_OK ? 'Successful' : (USAGE_REASON_LABELS[reason] ?? reason);
}
