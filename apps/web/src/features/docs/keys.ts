// The query keys of the documentation, general to specific, for its queries and for the mutations
// (of any feature) that invalidate them. No imports from other features.

export const docsKeys = {
  all: ['docs'] as const,
  functions: () => [...docsKeys.all, 'functions'] as const,
  /** A service's OpenAPI document, or every function's (null). */
  openapi: (serviceId: number | null) => [...docsKeys.all, 'openapi', serviceId ?? 'all'] as const,
  key: (keyId: number) => [...docsKeys.all, 'key', keyId] as const,
  keyOpenapi: (keyId: number) => [...docsKeys.key(keyId), 'openapi'] as const,
};
