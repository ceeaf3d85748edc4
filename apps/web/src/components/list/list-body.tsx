import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { EmptyState } from '../ui/empty-state';
import { Loading } from '../ui/loading';
import { QueryError } from '../ui/query-error';

/** A list's loading, error and empty states; `children` renders the page once there are rows. */
export function ListBody<T extends { items: unknown[] }>({
  query,
  what,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  /** "the tokens": for the loading and error messages. */
  what: string;
  empty: { title: string; body: ReactNode };
  children: (data: T, stale: boolean) => ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading ${what}…`} />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => query.refetch()} what={what} />;
  if (query.data.items.length === 0) return <EmptyState title={empty.title}>{empty.body}</EmptyState>;
  return <>{children(query.data, query.isPlaceholderData)}</>;
}
