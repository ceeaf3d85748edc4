// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

import type { TOKEN_SORTS, tokenListQuerySchema } from '@gatehouse/shared';
import type { z } from 'zod';

export type TokenSort = (typeof TOKEN_SORTS)[number];

/** Manage tokens' filters, sort and cursor, as the shared list-query schema reads them from the URL. */
export type TokenListFilters = z.output<typeof tokenListQuerySchema>;

export const tokenKeys = {
  all: ['tokens'] as const,
  lists: () => [...tokenKeys.all, 'list'] as const,
  list: (filters: TokenListFilters) => [...tokenKeys.lists(), filters] as const,
  services: () => [...tokenKeys.all, 'services'] as const,
  details: () => [...tokenKeys.all, 'detail'] as const,
  detail: (id: number) => [...tokenKeys.details(), id] as const,
  /** What the token may call, as the access-check chain decides it. */
  access: (id: number) => [...tokenKeys.detail(id), 'access'] as const,
};

/** Preferences > Security keys: the signed-in user's own keys (never their secrets). */
export const securityKeyKeys = {
  all: ['security-keys'] as const,
};
