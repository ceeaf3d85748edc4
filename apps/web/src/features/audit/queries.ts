import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { type AuditFilters, auditKeys } from './keys';

const str = (v: number | string | undefined) => (v === undefined || v === '' ? undefined : String(v));

/** The filters as query parameters (also the CSV export's). */
function auditFilterParams(f: AuditFilters) {
  return {
    actor: str(f.actor),
    action: str(f.action),
    search: str(f.search),
    from: str(f.from),
    to: str(f.to),
    dir: f.dir,
  };
}

export const auditListQueryOptions = (f: AuditFilters) =>
  queryOptions({
    queryKey: auditKeys.list(f),
    queryFn: () =>
      unwrap(
        api.audit.$get({
          query: {
            ...auditFilterParams(f),
            cursor: f.cursor,
            page: f.cursor ? undefined : String(f.page),
            perPage: String(f.perPage),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** The CSV export's address for these filters (every entry they select, not a page). */
export function auditExportUrl(f: AuditFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(auditFilterParams(f))) if (v !== undefined) p.set(k, v);
  const qs = p.toString();
  return `/api/audit/export${qs ? `?${qs}` : ''}`;
}

export const auditActionsQueryOptions = queryOptions({
  queryKey: auditKeys.actions(),
  queryFn: () => unwrap(api.audit.actions.$get()),
  staleTime: 5 * 60_000,
});
