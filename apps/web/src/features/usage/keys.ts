// The query keys of web-service usage (the charts), general to specific. No imports from other features.

export type UsageRangeKey = '48h' | '30d' | '90d';

/** Whose calls a chart shows. */
export type UsageSubject = { kind: 'token'; id: number } | { kind: 'service'; id: number } | { kind: 'site' };

export const usageKeys = {
  all: ['usage'] as const,
  of: (subject: UsageSubject, range: UsageRangeKey) =>
    [...usageKeys.all, subject.kind, subject.kind === 'site' ? 0 : subject.id, range] as const,
};
