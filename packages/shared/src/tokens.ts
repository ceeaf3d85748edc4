import { z } from 'zod';
import { ipRestrictionSchema } from './ip';
import { pageQuerySchema } from './paging';

const TOKEN_STATUSES = [
  'valid',
  'expired',
  'iprestricted',
  'usernotauthorised',
  'missingcapabilities',
  'userunavailable',
  'servicedisabled',
] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const TOKEN_STATUS_LABELS: Record<TokenStatus, string> = {
  valid: 'Valid',
  expired: 'Expired',
  iprestricted: 'IP-restricted',
  usernotauthorised: 'User not authorised',
  missingcapabilities: 'Missing capabilities',
  userunavailable: 'User suspended, deleted or unconfirmed',
  servicedisabled: 'Service disabled',
};

export const TOKEN_SORTS = ['name', 'user', 'service', 'validuntil', 'lastaccess', 'timecreated'] as const;

export const tokenListQuerySchema = pageQuerySchema.extend({
  name: z.string().trim().max(100).optional(),
  user: z.string().trim().max(100).optional(),
  serviceId: z.coerce.number().int().positive().optional(),
  /** Only tokens valid until on or before this time (unix seconds). */
  validUntilBefore: z.coerce.number().int().nonnegative().optional(),
  /** Only tokens valid until on or after this time, or without expiry. */
  validUntilAfter: z.coerce.number().int().nonnegative().optional(),
  sort: z.enum(TOKEN_SORTS).default('timecreated'),
  dir: z.enum(['asc', 'desc']).default('desc'),
});
export type TokenListQuery = z.input<typeof tokenListQuerySchema>;

const tokenNameSchema = z.string().trim().max(100, 'At most 100 characters');

export const tokenCreateSchema = z
  .object({
    name: tokenNameSchema.optional(),
    userId: z.number({ message: 'Choose a user' }).int().positive('Choose a user'),
    serviceId: z.number({ message: 'Choose a service' }).int().positive('Choose a service'),
    ipRestriction: ipRestrictionSchema.optional(),
    /** Unix seconds; null for no expiry. Defaults to now + 30 days. */
    validUntil: z.number().int().positive().nullable().optional(),
  })
  .strict();
export type TokenCreate = z.input<typeof tokenCreateSchema>;

export interface TokenDto {
  id: number;
  name: string;
  stub: string;
  user: { id: number; username: string; fullname: string };
  service: { id: number; name: string; shortname: string };
  ipRestriction: string | null;
  validUntil: number | null;
  creator: { id: number; username: string } | null;
  origin: 'admin' | 'user' | 'login' | 'hub';
  timecreated: number;
  lastAccess: number | null;
  calls: number;
  lastError: string | null;
  lastErrorAt: number | null;
  statuses: TokenStatus[];
  missingCapabilities: string[];
}

/** A token with its secret: returned once, right after creation or reset, and never again. */
export interface TokenCreatedDto {
  token: TokenDto;
  secret: string;
}

export interface SecurityKeysDto {
  keys: TokenDto[];
  documentationEnabled: boolean;
  /** Keys created by opening the page this time. */
  created: { id: number; secret: string; service: string }[];
}
