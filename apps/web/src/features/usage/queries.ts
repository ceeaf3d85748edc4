import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { type UsageRangeKey, type UsageSubject, usageKeys } from './keys';

function fetchUsage(subject: UsageSubject, range: UsageRangeKey) {
  const query = { range };
  if (subject.kind === 'token')
    return unwrap(api.tokens[':id'].usage.$get({ param: { id: String(subject.id) }, query }));
  if (subject.kind === 'service') {
    return unwrap(api.services[':id'].usage.$get({ param: { id: String(subject.id) }, query }));
  }
  return unwrap(api.usage.$get({ query }));
}

/** Calls per hour (48 h) or per day (30 / 90 days), unwritten ones included; kept fresh while shown. */
export const usageQueryOptions = (subject: UsageSubject, range: UsageRangeKey) =>
  queryOptions({
    queryKey: usageKeys.of(subject, range),
    queryFn: () => fetchUsage(subject, range),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
