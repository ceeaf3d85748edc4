// The query keys of the hub, general to specific, for its queries and for the mutations (of any
// feature) that invalidate them. No imports from other features. A list's key ends with its
// filters, whatever shape the list reads them in.

export const hubKeys = {
  all: ['hub'] as const,
  settings: () => [...hubKeys.all, 'settings'] as const,
  sites: () => [...hubKeys.all, 'sites'] as const,
  siteLists: () => [...hubKeys.sites(), 'list'] as const,
  siteList: (filters: object) => [...hubKeys.siteLists(), filters] as const,
  siteOptions: () => [...hubKeys.sites(), 'options'] as const,
  site: (id: number) => [...hubKeys.sites(), 'detail', id] as const,
  outbox: (page: number) => [...hubKeys.all, 'outbox', page] as const,
  courses: () => [...hubKeys.all, 'courses'] as const,
  courseLists: () => [...hubKeys.courses(), 'list'] as const,
  courseList: (filters: object) => [...hubKeys.courseLists(), filters] as const,
  course: (id: number) => [...hubKeys.courses(), 'detail', id] as const,
  /** The visitors' search (hub-search), which shows courses, their screenshots and backups. */
  searches: () => [...hubKeys.all, 'search'] as const,
  search: (q: string, page: number) => [...hubKeys.searches(), q, page] as const,
};
