import { MutationObserver, type QueryKey, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { createQueryClient } from './query-client';

// Mutations declare what they change (meta.invalidates) and the one QueryClient invalidates it,
// with the audit log: no feature's queries module imports another's.

function clientWithData(keys: QueryKey[]) {
  const qc = createQueryClient();
  for (const key of keys) qc.setQueryData(key, 'cached');
  const invalidated = (key: QueryKey) => qc.getQueryState(key)?.isInvalidated;
  return { qc, invalidated };
}

/** A mutation on tokens that fails with `error`, its errors shown by its screen (no toast). */
async function failWith(error: Error) {
  const { qc, invalidated } = clientWithData([
    ['tokens', 'list'],
    ['audit', 'list'],
    ['users', 'list'],
  ]);
  const observer = new MutationObserver(qc, {
    mutationFn: async () => {
      throw error;
    },
    meta: { inlineErrors: true, invalidates: [['tokens']] },
  });
  await expect(observer.mutate()).rejects.toBe(error);
  return invalidated;
}

describe('the QueryClient', () => {
  it("invalidates what a successful mutation declares, and the audit log, after the mutation's own onSuccess", async () => {
    const { qc, invalidated } = clientWithData([
      ['tokens', 'list', { page: 1 }],
      ['services', 'list'],
      ['services', 'catalogue'],
      ['users', 'list'],
      ['audit', 'list', {}],
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
    expect(invalidated(['audit', 'list', {}])).toBe(true);
  });

  it('honours the filters a declaration carries (refetchType none marks stale without refetching)', async () => {
    const { qc, invalidated } = clientWithData([['tokens', 'detail', 3]]);
    let fetched = 0;
    // An active query (a screen shows it): invalidating it would refetch it, unless refetchType is 'none'.
    const shown = new QueryObserver(qc, { queryKey: ['tokens', 'detail', 4], queryFn: async () => ++fetched });
    const unsubscribe = shown.subscribe(() => {});
    await vi.waitFor(() => expect(fetched).toBe(1));
    await new MutationObserver(qc, {
      mutationFn: async () => 'revoked',
      meta: { invalidates: [{ queryKey: ['tokens', 'detail'], refetchType: 'none' }] },
    }).mutate();
    unsubscribe();
    expect(invalidated(['tokens', 'detail', 3])).toBe(true);
    expect(invalidated(['tokens', 'detail', 4])).toBe(true);
    expect(fetched).toBe(1);
  });

  it('invalidates nothing when the server refused the input (nothing changed)', async () => {
    for (const status of [400, 401, 403, 413, 422, 429]) {
      const invalidated = await failWith(new ApiError(status, 'refused', 'Refused'));
      expect(invalidated(['tokens', 'list']), String(status)).toBe(false);
      expect(invalidated(['audit', 'list']), String(status)).toBe(false);
    }
  });

  it('invalidates what it declares when a failure may still have changed the server', async () => {
    const maybeChanged = [
      new ApiError(409, 'conflict', 'Someone else changed it'),
      new ApiError(412, 'precondition', 'Changed since'),
      new ApiError(404, 'not_found', 'Gone'),
      new ApiError(410, 'gone', 'Gone'),
      new ApiError(0, 'network', 'Could not reach the server.'),
      new ApiError(502, 'http', 'The server answered 502 Bad Gateway'),
      // The answer came but could not be read: the server acted.
      new SyntaxError('Unexpected end of JSON input'),
    ];
    for (const error of maybeChanged) {
      const invalidated = await failWith(error);
      expect(invalidated(['tokens', 'list']), error.message).toBe(true);
      expect(invalidated(['audit', 'list']), error.message).toBe(true);
      expect(invalidated(['users', 'list']), error.message).toBe(false);
    }
  });

  it('accepts only key prefixes a feature owns', () => {
    const qc = createQueryClient();
    const observer = () =>
      new MutationObserver(qc, {
        mutationFn: async () => 'x',
        // @ts-expect-error: no feature's keys.ts builds keys under 'tokenz' (a typo fails to compile)
        meta: { invalidates: [['tokenz']] },
      });
    expect(observer).not.toThrow();
  });
});
