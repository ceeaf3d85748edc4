import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError, isUnauthenticated } from '../api/client';
import { auditKeys } from '../features/audit/queries';
import { authKeys } from '../features/auth/queries';
import { toast } from './toast';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: Error;
    mutationMeta: {
      /** The screen shows this mutation's errors itself (a form or a dialog): no toast. */
      inlineErrors?: boolean;
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'Something went wrong';
}

/**
 * The one QueryClient. A 401 anywhere means the session is gone: the signed-in user becomes null
 * and the shell sends the browser to /login (remembering where it was). Other errors show a toast,
 * except a first load (the screen shows its own error state) and mutations whose screen shows
 * the error next to the form.
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
