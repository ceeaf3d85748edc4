// The query keys of the web-service Overview, for its query and for the mutations (of any feature)
// that invalidate it. No imports from other features.

export const overviewKeys = {
  all: ['overview'] as const,
};
