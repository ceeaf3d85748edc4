// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

import type { TOKEN_SORTS } from '@gatehouse/shared';

export type TokenSort = (typeof TOKEN_SORTS)[number];

export interface TokenListFilters {
  name: string;
  user: string;
  /** 0: every service. */
  serviceId: number;
  /** Date inputs' values ("2024-05-01"), or ''. */
  validUntilBefore: string;
  validUntilAfter: string;
  sort: TokenSort;
  dir: 'asc' | 'desc';
  page: number;
  perPage: number;
}

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
