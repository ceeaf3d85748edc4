import type { TOKEN_SORTS, TokenCreate } from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { dateInputToUnix } from '../../lib/format';
import { serviceKeys } from '../services/queries';

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
};

/** Preferences > Security keys: the signed-in user's own keys (never their secrets). */
export const securityKeyKeys = {
  all: ['security-keys'] as const,
};

const optionalString = (v: number | undefined) => (v === undefined ? undefined : String(v));

export const tokenListQueryOptions = (f: TokenListFilters) =>
  queryOptions({
    queryKey: tokenKeys.list(f),
    queryFn: () =>
      unwrap(
        api.tokens.$get({
          query: {
            name: f.name || undefined,
            user: f.user || undefined,
            serviceId: f.serviceId ? String(f.serviceId) : undefined,
            // "Before" includes the whole day chosen; "after" starts at its beginning.
            validUntilBefore: optionalString(dateInputToUnix(f.validUntilBefore, true)),
            validUntilAfter: optionalString(dateInputToUnix(f.validUntilAfter)),
            sort: f.sort,
            dir: f.dir,
            page: String(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** The services a token can be made for (the protected hub services are left out). */
export const tokenServicesQueryOptions = queryOptions({
  queryKey: tokenKeys.services(),
  queryFn: () => unwrap(api.tokens.services.$get()),
});

function afterTokenChange(qc: ReturnType<typeof useQueryClient>) {
  void qc.invalidateQueries({ queryKey: tokenKeys.all });
  // Services show how many tokens each holds.
  void qc.invalidateQueries({ queryKey: serviceKeys.lists() });
  void qc.invalidateQueries({ queryKey: securityKeyKeys.all });
}

/**
 * Creates a token. The answer holds the secret: the mutation is dropped from the cache at once
 * (gcTime 0) and the screen keeps the secret in its own state only.
 */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: TokenCreate) => unwrap(api.tokens.$post({ json: input })),
    meta: { inlineErrors: true },
    gcTime: 0,
    onSuccess: () => afterTokenChange(qc),
  });
}

export function useDeleteToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.tokens[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true },
    onSuccess: () => afterTokenChange(qc),
  });
}

// ---- Security keys -----------------------------------------------------------------------------

export const securityKeysQueryOptions = queryOptions({
  queryKey: securityKeyKeys.all,
  queryFn: async () => ({ ...(await unwrap(api.me.keys.$get())), created: [] }),
});

/**
 * Opening Security keys: creates the keys the user is owed. The new secrets are returned to the
 * caller only; the cached list never holds them.
 */
export function useEnsureKeys() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.me.keys.ensure.$post()),
    meta: { inlineErrors: true },
    gcTime: 0,
    onSuccess: (res) => {
      qc.setQueryData(securityKeyKeys.all, { ...res, created: [] });
      if (res.created.length) void qc.invalidateQueries({ queryKey: tokenKeys.all });
    },
  });
}

export function useResetKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.me.keys[':id'].reset.$post({ param: { id: String(id) } })),
    meta: { inlineErrors: true },
    gcTime: 0,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: securityKeyKeys.all });
      void qc.invalidateQueries({ queryKey: tokenKeys.all });
    },
  });
}
