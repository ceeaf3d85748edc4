import {
  type InvalidateQueryFilters,
  MutationCache,
  QueryCache,
  QueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import { isApiError, isUnauthenticated } from '../api/client';
import { auditKeys } from '../features/audit/keys';
import { authKeys } from '../features/auth/keys';
import { toast } from './toast';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: Error;
    mutationMeta: {
      /** The screen shows this mutation's errors itself (a form or a dialog): no toast. */
      inlineErrors?: boolean;
      /**
       * What the mutation changes, once it has succeeded: query-key prefixes (from the features'
       * keys.ts) or filters. Invalidated here, so that no feature imports another's queries.
       */
      invalidates?: readonly (QueryKey | InvalidateQueryFilters)[];
    };
  }
}

const isQueryKey = (target: QueryKey | InvalidateQueryFilters): target is QueryKey => Array.isArray(target);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'Something went wrong';
}

/**
 * The one QueryClient. A 401 anywhere means the session is gone: the signed-in user becomes null
 * and the shell sends the browser to /login (remembering where it was). Other errors show a toast,
 * except a first load (the screen shows its own error state) and mutations whose screen shows
 * the error next to the form. A mutation declares what it invalidates (`meta.invalidates`,
 * TkDodo's "automatic query invalidation after mutations"): one handler here invalidates it.
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
      // Every change an admin makes is written to the audit log.
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: auditKeys.all });
      },
      // After the mutation's own onSuccess, which may first write its answer into the cache.
      onSettled: (_data, error, _vars, _ctx, mutation) => {
        if (error) return;
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
