import type { TokenCreate, TokenRevoke, TokenUpdate } from '@gatehouse/shared';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { serviceKeys } from '../services/keys';
import { securityKeyKeys, type TokenListFilters, tokenKeys } from './keys';

const str = (v: number | string | boolean | undefined) => (v === undefined || v === '' ? undefined : String(v));

export const tokenListQueryOptions = (f: TokenListFilters) =>
  queryOptions({
    queryKey: tokenKeys.list(f),
    queryFn: () =>
      unwrap(
        api.tokens.$get({
          query: {
            name: str(f.name),
            user: str(f.user),
            serviceId: str(f.serviceId),
            validUntilBefore: str(f.validUntilBefore),
            validUntilAfter: str(f.validUntilAfter),
            expiringWithin: str(f.expiringWithin),
            expired: f.expired ? 'true' : undefined,
            sort: f.sort,
            dir: f.dir,
            cursor: f.cursor,
            page: f.cursor ? undefined : str(f.page),
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

const afterTokenChange = [
  tokenKeys.all,
  // Services show how many tokens each holds.
  serviceKeys.lists(),
  securityKeyKeys.all,
];

/**
 * Creates a token. The answer holds the secret: the mutation is dropped from the cache at once
 * (gcTime 0) and the screen keeps the secret in its own state only.
 */
export function useCreateToken() {
  return useMutation({
    mutationFn: (input: TokenCreate) => unwrap(api.tokens.$post({ json: input })),
    meta: { inlineErrors: true, invalidates: afterTokenChange },
    gcTime: 0,
  });
}

export function useDeleteToken() {
  return useMutation({
    mutationFn: (id: number) => unwrap(api.tokens[':id'].$delete({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: afterTokenChange },
  });
}

/** One token, for its page. */
export const tokenQueryOptions = (id: number) =>
  queryOptions({
    queryKey: tokenKeys.detail(id),
    queryFn: () => unwrap(api.tokens[':id'].$get({ param: { id: String(id) } })),
  });

/** What the token may call right now, and why not. */
export const tokenAccessQueryOptions = (id: number) =>
  queryOptions({
    queryKey: tokenKeys.access(id),
    queryFn: () => unwrap(api.tokens[':id'].access.$get({ param: { id: String(id) } })),
  });

export function useUpdateToken(id: number) {
  return useMutation({
    mutationFn: (input: TokenUpdate) => unwrap(api.tokens[':id'].$patch({ param: { id: String(id) }, json: input })),
    meta: { inlineErrors: true, invalidates: afterTokenChange },
  });
}

/** A new secret for the token: like creation, the answer is dropped from the cache at once. */
export function useRegenerateToken(id: number) {
  return useMutation({
    mutationFn: () => unwrap(api.tokens[':id'].regenerate.$post({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: afterTokenChange },
    gcTime: 0,
  });
}

/** How many tokens a bulk revoke would end (for its confirmation). */
export function useCountRevoke() {
  return useMutation({
    mutationFn: (input: Omit<TokenRevoke, 'dryRun'>) =>
      unwrap(api.tokens.revoke.$post({ json: { ...input, dryRun: true } })),
    meta: { inlineErrors: true },
  });
}

export function useRevokeTokens() {
  return useMutation({
    mutationFn: (input: Omit<TokenRevoke, 'dryRun'>) => unwrap(api.tokens.revoke.$post({ json: input })),
    // A revoked token's page is left at once: its details go stale without a refetch (a 404).
    meta: {
      inlineErrors: true,
      invalidates: [
        tokenKeys.lists(),
        { queryKey: tokenKeys.details(), refetchType: 'none' },
        serviceKeys.lists(),
        securityKeyKeys.all,
      ],
    },
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
    // Keys it created show in Manage tokens (marked stale; refetched when shown).
    meta: { inlineErrors: true, invalidates: [tokenKeys.all] },
    gcTime: 0,
    onSuccess: (res) => qc.setQueryData(securityKeyKeys.all, { ...res, created: [] }),
  });
}

export function useResetKey() {
  return useMutation({
    mutationFn: (id: number) => unwrap(api.me.keys[':id'].reset.$post({ param: { id: String(id) } })),
    meta: { inlineErrors: true, invalidates: [securityKeyKeys.all, tokenKeys.all] },
    gcTime: 0,
  });
}
