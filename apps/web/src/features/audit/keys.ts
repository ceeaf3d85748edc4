// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

import type { auditQuerySchema } from '@gatehouse/shared';
import type { z } from 'zod';

/** The audit log's filters and cursor, as the shared list-query schema reads them from the URL. */
export type AuditFilters = z.output<typeof auditQuerySchema>;

export const auditKeys = {
  all: ['audit'] as const,
  lists: () => [...auditKeys.all, 'list'] as const,
  list: (filters: AuditFilters) => [...auditKeys.lists(), filters] as const,
  actions: () => [...auditKeys.all, 'actions'] as const,
};
