// The query keys of this feature, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

export const serviceKeys = {
  all: ['services'] as const,
  lists: () => [...serviceKeys.all, 'list'] as const,
  details: () => [...serviceKeys.all, 'detail'] as const,
  detail: (id: number) => [...serviceKeys.details(), id] as const,
  functions: (id: number) => [...serviceKeys.detail(id), 'functions'] as const,
  users: (id: number) => [...serviceKeys.detail(id), 'users'] as const,
  /** The whole function catalogue: code, not data, so it never goes stale. */
  catalogue: () => [...serviceKeys.all, 'catalogue'] as const,
};
