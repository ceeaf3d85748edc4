import type { UserBulkSuspend, userListQuerySchema } from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation } from '@tanstack/react-query';
import type { z } from 'zod';
import { api, unwrap } from '../../api/client';
import { overviewKeys } from '../overview/keys';
import { tokenKeys } from '../tokens/keys';
import { userKeys } from './keys';

// Browse list of users on the list kit: its page query (filters, sort and keyset cursor as the
// shared list-query schema reads them from the URL) and its bulk action.

/** The list's state, as useListQuery parses it from the URL with the BFF's own schema. */
export type UserListState = z.output<typeof userListQuerySchema>;

export const userListPageQueryOptions = (f: UserListState) =>
  queryOptions({
    // Below userKeys.lists(), so every mutation that invalidates the users lists reaches it.
    queryKey: [...userKeys.lists(), 'page', f] as const,
    queryFn: () =>
      unwrap(
        api.users.$get({
          query: {
            search: f.search || undefined,
            status: f.status,
            sort: f.sort,
            dir: f.dir,
            cursor: f.cursor,
            page: f.cursor ? undefined : String(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** Suspends or unsuspends the selected users, all or none. */
export function useBulkSuspendUsers() {
  return useMutation({
    mutationFn: (input: UserBulkSuspend) => unwrap(api.users.suspend.$post({ json: input })),
    // A suspended user's tokens stop (their status changes) and the Overview counts users.
    meta: { inlineErrors: true, invalidates: [userKeys.all, tokenKeys.all, overviewKeys.all] },
  });
}
