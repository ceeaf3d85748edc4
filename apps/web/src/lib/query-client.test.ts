import { MutationObserver, type QueryKey } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createQueryClient } from './query-client';

// Mutations declare what they change (meta.invalidates) and the one QueryClient invalidates it:
// no feature's queries module imports another's.

function clientWithData(keys: QueryKey[]) {
  const qc = createQueryClient();
  for (const key of keys) qc.setQueryData(key, 'cached');
  const invalidated = (key: QueryKey) => qc.getQueryState(key)?.isInvalidated;
  return { qc, invalidated };
}

describe('the QueryClient', () => {
  it("invalidates what a successful mutation declares, after the mutation's own onSuccess", async () => {
    const { qc, invalidated } = clientWithData([
      ['tokens', 'list', { page: 1 }],
      ['services', 'list'],
      ['services', 'catalogue'],
      ['users', 'list'],
    ]);
    const answer: QueryKey = ['tokens', 'detail', 7];
    await new MutationObserver(qc, {
      mutationFn: async () => 'saved',
      meta: {
        invalidates: [['tokens'], { queryKey: ['services'], predicate: (q) => q.queryKey[1] !== 'catalogue' }],
      },
      // Writes the answer into the cache first: it is then invalidated with the rest of its prefix.
      onSuccess: (data) => qc.setQueryData(answer, data),
    }).mutate();

    expect(invalidated(['tokens', 'list', { page: 1 }])).toBe(true);
    expect(invalidated(answer)).toBe(true);
    expect(invalidated(['services', 'list'])).toBe(true);
    expect(invalidated(['services', 'catalogue'])).toBe(false);
    expect(invalidated(['users', 'list'])).toBe(false);
  });

  it('invalidates nothing when the mutation fails', async () => {
    const { qc, invalidated } = clientWithData([['tokens', 'list']]);
    const observer = new MutationObserver(qc, {
      mutationFn: async () => {
        throw new Error('refused');
      },
      meta: { inlineErrors: true, invalidates: [['tokens']] },
    });
    await expect(observer.mutate()).rejects.toThrow('refused');
    expect(invalidated(['tokens', 'list'])).toBe(false);
  });
});
