import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { type AuditFilters, auditKeys } from './keys';

const str = (v: number | string | undefined) => (v === undefined || v === '' ? undefined : String(v));

export const auditListQueryOptions = (f: AuditFilters) =>
  queryOptions({
    queryKey: auditKeys.list(f),
    queryFn: () =>
      unwrap(
        api.audit.$get({
          query: {
            actor: str(f.actor),
            action: str(f.action),
            search: str(f.search),
            from: str(f.from),
            to: str(f.to),
            page: String(f.page),
            perPage: String(f.perPage),
            dir: 'desc',
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const auditActionsQueryOptions = queryOptions({
  queryKey: auditKeys.actions(),
  queryFn: () => unwrap(api.audit.actions.$get()),
  staleTime: 5 * 60_000,
});
