// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

export const roleKeys = {
  all: ['roles'] as const,
  lists: () => [...roleKeys.all, 'list'] as const,
  details: () => [...roleKeys.all, 'detail'] as const,
  detail: (id: number) => [...roleKeys.details(), id] as const,
  assignments: (id: number) => [...roleKeys.detail(id), 'assignments'] as const,
  /** The capability definitions: code, not data, so they never go stale. */
  capabilityDefs: () => ['capability-defs'] as const,
};
