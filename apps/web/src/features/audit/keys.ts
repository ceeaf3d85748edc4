// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

export interface AuditFilters {
  actor?: string;
  action?: string;
  search?: string;
  from?: number;
  to?: number;
  page: number;
  perPage: number;
}

export const auditKeys = {
  all: ['audit'] as const,
  lists: () => [...auditKeys.all, 'list'] as const,
  list: (filters: AuditFilters) => [...auditKeys.lists(), filters] as const,
  actions: () => [...auditKeys.all, 'actions'] as const,
};
