import { type InvalidateQueryFilters, MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError, isUnauthenticated } from '../api/client';
import { auditKeys } from '../features/audit/keys';
import { authKeys } from '../features/auth/keys';
import type { docsKeys } from '../features/docs/keys';
import type { hubKeys } from '../features/hub/keys';
import type { mobileKeys } from '../features/mobile/keys';
import type { overviewKeys } from '../features/overview/keys';
import type { roleKeys } from '../features/roles/keys';
import type { serviceKeys } from '../features/services/keys';
import type { settingsKeys } from '../features/settings/keys';
import type { shellKeys } from '../features/shell/keys';
import type { securityKeyKeys, tokenKeys } from '../features/tokens/keys';
import type { usageKeys } from '../features/usage/keys';
import type { userKeys } from '../features/users/keys';
import { toast } from './toast';

/** The first element of every query key the console uses: one per key factory in a feature's keys.ts. */
type QueryRoot =
  | (typeof auditKeys.all)[0]
  | (typeof authKeys.all)[0]
  | (typeof docsKeys.all)[0]
  | (typeof hubKeys.all)[0]
  | (typeof mobileKeys.all)[0]
  | (typeof overviewKeys.all)[0]
  | (typeof roleKeys.all)[0]
  | ReturnType<typeof roleKeys.capabilityDefs>[0]
  | (typeof serviceKeys.all)[0]
  | (typeof settingsKeys.all)[0]
  | ReturnType<typeof shellKeys.siteStatus>[0]
  | (typeof tokenKeys.all)[0]
  | (typeof securityKeyKeys.all)[0]
  | (typeof usageKeys.all)[0]
  | (typeof userKeys.all)[0];

/** A query-key prefix built by a feature's keys.ts: a key whose root no feature owns does not compile. */
type AppQueryKey = readonly [QueryRoot, ...unknown[]];

/** What a mutation invalidates: a key prefix, or filters over one (a predicate, a refetchType). */
type Invalidation = AppQueryKey | (Omit<InvalidateQueryFilters, 'queryKey'> & { queryKey: AppQueryKey });

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: Error;
    mutationMeta: {
      /** The screen shows this mutation's errors itself (a form or a dialog): no toast. */
      inlineErrors?: boolean;
      /**
       * What the mutation changes: query-key prefixes (from the features' keys.ts) or filters over
       * them. Invalidated here once it has succeeded, or once it has failed in a way that may
       * still have changed the server (mayHaveChanged), so that no feature imports another's queries.
       */
      invalidates?: readonly Invalidation[];
    };
  }
}

const isQueryKey = (target: Invalidation): target is AppQueryKey => Array.isArray(target);

/**
 * Whether a failed mutation may still have changed what the server holds, so that what it
 * declares is refetched rather than left showing a state the server no longer has:
 * - the request may have arrived though no answer came back (status 0: network, aborted);
 * - 409 / 412: it conflicts with a state the cache does not have (someone else changed it);
 * - 404 / 410: the thing is gone (deleted elsewhere), so the lists holding it are stale;
 * - 5xx: a proxy or gateway may have passed it on;
 * - an answer that could not be read (not an ApiError): the server acted.
 * Refusals of the input itself (400, 401, 403, 413, 422, 429) change nothing.
 */
function mayHaveChanged(error: unknown): boolean {
  if (!isApiError(error)) return true;
  const { status } = error;
  return status === 0 || status >= 500 || status === 404 || status === 409 || status === 410 || status === 412;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'Something went wrong';
}

/**
 * The one QueryClient. A 401 anywhere means the session is gone: the signed-in user becomes null
 * and the shell sends the browser to /login (remembering where it was). Other errors show a toast,
 * except a first load (the screen shows its own error state) and mutations whose screen shows
 * the error next to the form. A mutation declares what it invalidates (`meta.invalidates`,
 * TkDodo's "automatic query invalidation after mutations"): one handler here invalidates it, and
 * the audit log, after a success or a failure that may have changed the server.
 */
export function createQueryClient(): QueryClient {
  const qc: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthenticated(error)) {
          qc.setQueryData(authKeys.me(), null);
          return;
        }
        if (query.state.data !== undefined) toast.error(`Could not refresh: ${messageOf(error)}`);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _vars, _ctx, mutation) => {
        if (isUnauthenticated(error)) {
          qc.setQueryData(authKeys.me(), null);
          return;
        }
        if (!mutation.meta?.inlineErrors) toast.error(messageOf(error));
      },
      // After the mutation's own onSuccess / onError, which may first write its answer into the cache.
      onSettled: (_data, error, _vars, _ctx, mutation) => {
        if (error && !mayHaveChanged(error)) return;
        // Every change an admin makes is written to the audit log.
        void qc.invalidateQueries({ queryKey: auditKeys.all });
        for (const target of mutation.meta?.invalidates ?? []) {
          void qc.invalidateQueries(isQueryKey(target) ? { queryKey: target } : target);
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  });
  return qc;
}
