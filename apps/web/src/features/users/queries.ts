import type { USER_SORTS, USER_STATUSES, UserCreate, UserUpdate } from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/queries';
import { roleKeys } from '../roles/queries';

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

export const userListQueryOptions = (f: UserListFilters) =>
  queryOptions({
    queryKey: userKeys.list(f),
    queryFn: () =>
      unwrap(
        api.users.$get({
          query: {
            search: f.search || undefined,
            status: f.status,
            sort: f.sort,
            dir: f.dir,
            page: String(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const userQueryOptions = (id: number) =>
  queryOptions({
    queryKey: userKeys.detail(id),
    queryFn: () => unwrap(api.users[':id'].$get({ param: { id: String(id) } })),
  });

export const userCapabilitiesQueryOptions = (id: number) =>
  queryOptions({
    queryKey: userKeys.capabilities(id),
    queryFn: () => unwrap(api.users[':id'].capabilities.$get({ param: { id: String(id) } })),
  });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: UserCreate) => unwrap(api.users.$post({ json: input })),
    meta: { inlineErrors: true },
    onSuccess: (user) => {
      qc.setQueryData(userKeys.detail(user.id), user);
      void qc.invalidateQueries({ queryKey: userKeys.lists() });
    },
  });
}

export function useUpdateUser(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: UserUpdate) => unwrap(api.users[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: { inlineErrors: true },
    onSuccess: (user) => {
      qc.setQueryData(userKeys.detail(id), user);
      void qc.invalidateQueries({ queryKey: userKeys.lists() });
      void qc.invalidateQueries({ queryKey: userKeys.capabilities(id) });
      void qc.invalidateQueries({ queryKey: roleKeys.all });
      void qc.invalidateQueries({ queryKey: authKeys.me() });
    },
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.users[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true },
    onSuccess: (user) => {
      qc.setQueryData(userKeys.detail(user.id), user);
      void qc.invalidateQueries({ queryKey: userKeys.lists() });
      void qc.invalidateQueries({ queryKey: roleKeys.all });
    },
  });
}
