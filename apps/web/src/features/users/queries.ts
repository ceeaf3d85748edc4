import type { UserCreate, UserUpdate } from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { authKeys } from '../auth/keys';
import { roleKeys } from '../roles/keys';
import { type UserListFilters, userKeys } from './keys';

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
    meta: { inlineErrors: true, invalidates: [userKeys.lists()] },
    onSuccess: (user) => qc.setQueryData(userKeys.detail(user.id), user),
  });
}

export function useUpdateUser(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: UserUpdate) => unwrap(api.users[':id'].$patch({ param: { id: String(id) }, json: patch })),
    meta: {
      inlineErrors: true,
      invalidates: [userKeys.lists(), userKeys.capabilities(id), roleKeys.all, authKeys.me()],
    },
    onSuccess: (user) => qc.setQueryData(userKeys.detail(id), user),
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.users[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: [userKeys.lists(), roleKeys.all] },
    onSuccess: (user) => qc.setQueryData(userKeys.detail(user.id), user),
  });
}
