import { z } from 'zod';
import { ipRestrictionSchema } from './ip';
import { cursorPageQuerySchema } from './paging';

export const TOKEN_STATUSES = [
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

/** The longest "expiring within N days" filter (ten years). */
export const TOKEN_EXPIRING_MAX_DAYS = 3650;

export const tokenListQuerySchema = cursorPageQuerySchema
  .extend({
    name: z.string().trim().max(100).optional(),
    user: z.string().trim().max(100).optional(),
    serviceId: z.coerce.number().int().positive().optional(),
    /** Only tokens valid until on or before this time (unix seconds). */
    validUntilBefore: z.coerce.number().int().nonnegative().optional(),
    /** Only tokens valid until on or after this time, or without expiry. */
    validUntilAfter: z.coerce.number().int().nonnegative().optional(),
    /** Only tokens not yet expired whose Valid until is within this many days from now. */
    expiringWithin: z.coerce
      .number()
      .int('Whole days')
      .min(1, 'At least 1 day')
      .max(TOKEN_EXPIRING_MAX_DAYS, `At most ${TOKEN_EXPIRING_MAX_DAYS} days`)
      .optional(),
    /** Only tokens whose Valid until has passed (true, or "true" in a query string). */
    expired: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
    sort: z.enum(TOKEN_SORTS).default('timecreated'),
    dir: z.enum(['asc', 'desc']).default('desc'),
  })
  .refine((v) => !(v.expired && v.expiringWithin !== undefined), {
    message: 'Choose expired or expiring within, not both',
    path: ['expiringWithin'],
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

/** Edit a token: its name, expiry and IP restriction, validated as the create form does; only the fields sent change. */
export const tokenUpdateSchema = z
  .object({
    name: tokenNameSchema.min(1, 'Enter a name').optional(),
    ipRestriction: ipRestrictionSchema.optional(),
    /** Unix seconds; null for no expiry. */
    validUntil: z.number().int().positive().nullable().optional(),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.ipRestriction !== undefined || v.validUntil !== undefined, {
    message: 'Nothing to change',
  });
export type TokenUpdate = z.input<typeof tokenUpdateSchema>;

/** The most tokens one bulk revoke names by id (a page of the list at most). */
export const TOKEN_REVOKE_MAX_IDS = 200;

/**
 * Bulk revoke: the tokens named by id, or every token of a user, of a service, or of a user on a
 * service. `dryRun` only counts them (for the confirmation that says how many).
 */
export const tokenRevokeSchema = z
  .object({
    ids: z
      .array(z.number().int().positive())
      .min(1, 'Select at least one token')
      .max(TOKEN_REVOKE_MAX_IDS, `At most ${TOKEN_REVOKE_MAX_IDS} tokens at once`)
      .optional(),
    userId: z.number().int().positive().optional(),
    serviceId: z.number().int().positive().optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.ids !== undefined) !== (v.userId !== undefined || v.serviceId !== undefined), {
    message: 'Name the tokens by id, or by user and/or service (not both)',
  });
export type TokenRevoke = z.input<typeof tokenRevokeSchema>;

export interface TokenRevokeResultDto {
  /** How many tokens were revoked (or, with dryRun, would be). */
  count: number;
  dryRun: boolean;
}

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
  /** The client address of the latest call. */
  lastIp: string | null;
  calls: number;
  lastError: string | null;
  lastErrorAt: number | null;
  statuses: TokenStatus[];
  missingCapabilities: string[];
}

/** Why the access-check chain would refuse, as its reason code and Moodle's message for it. */
export interface TokenRefusalDto {
  reason: string;
  message: string;
}

/**
 * What a token may do, as the access-check chain decides it right now, for a caller whose
 * address the IP restrictions allow (they are shown separately: the caller's address decides).
 */
export interface TokenAccessDto {
  /** Per protocol: refused before any function (token, owner, protocol use capability), or null. */
  protocols: { protocol: string; enabled: boolean; refusal: TokenRefusalDto | null }[];
  /** Every function of the token's service: null when the chain lets a call through, else why not. */
  functions: { name: string; refusal: TokenRefusalDto | null; missingCapabilities: string[] }[];
  /** The token's IP restriction and, on a restricted service, the owner's authorisation's. */
  ipRestriction: string | null;
  authorisationIpRestriction: string | null;
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
