import type { MeDto } from '@gatehouse/shared';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isApiError, unwrap } from '../../api/client';
import { authKeys } from './keys';

/** The signed-in user, or null when nobody is signed in. */
export const meQueryOptions = queryOptions({
  queryKey: authKeys.me(),
  queryFn: async (): Promise<MeDto | null> => {
    try {
      return await unwrap(api.auth.me.$get());
    } catch (e) {
      if (isApiError(e) && e.status === 401) return null;
      throw e;
    }
  },
  staleTime: 5 * 60_000,
});

export function useMe() {
  return useQuery(meQueryOptions);
}

/** The signed-in user; only for components rendered inside the signed-in shell. */
export function useCurrentUser(): MeDto {
  const { data } = useQuery(meQueryOptions);
  if (!data) throw new Error('useCurrentUser outside the signed-in shell');
  return data;
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { username: string; password: string }) => unwrap(api.auth.login.$post({ json: input })),
    meta: { inlineErrors: true },
    onSuccess: (me) => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== authKeys.all[0] });
      qc.setQueryData(authKeys.me(), me);
    },
  });
}

/** Set when the user logs out on purpose, so the login page does not offer to return them. */
export const signOutIntent = { explicit: false };

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.auth.logout.$post()),
    onSettled: () => {
      signOutIntent.explicit = true;
      qc.clear();
      qc.setQueryData(authKeys.me(), null);
    },
  });
}
