// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

import type { USER_SORTS, USER_STATUSES } from '@gatehouse/shared';

export type UserStatus = (typeof USER_STATUSES)[number];
export type UserSort = (typeof USER_SORTS)[number];

export interface UserListFilters {
  search: string;
  status: UserStatus;
  sort: UserSort;
  dir: 'asc' | 'desc';
  page: number;
  perPage: number;
}

export const userKeys = {
  all: ['users'] as const,
  lists: () => [...userKeys.all, 'list'] as const,
  list: (filters: UserListFilters) => [...userKeys.lists(), filters] as const,
  details: () => [...userKeys.all, 'detail'] as const,
  detail: (id: number) => [...userKeys.details(), id] as const,
  capabilities: (id: number) => [...userKeys.detail(id), 'capabilities'] as const,
};
