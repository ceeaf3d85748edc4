import { auditQuerySchema, tokenListQuerySchema } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { parseListQuery } from './use-list-query';

// The list kit reads a list's URL through the shared schema the BFF validates it with.

describe('parseListQuery', () => {
  it('coerces the URL strings as the BFF does, with its defaults', () => {
    expect(parseListQuery(tokenListQuerySchema, { serviceId: '3', expiringWithin: '7', sort: 'user' })).toMatchObject({
      serviceId: 3,
      expiringWithin: 7,
      sort: 'user',
      dir: 'desc',
      page: 1,
      perPage: 25,
    });
    expect(parseListQuery(tokenListQuerySchema, { expired: 'true' }).expired).toBe(true);
  });

  it('drops what the schema refuses (a hand-edited link) and keeps the rest', () => {
    const q = parseListQuery(tokenListQuerySchema, { sort: 'nonsense', name: 'abc', perPage: '9999', cursor: '!!' });
    expect(q).toMatchObject({ sort: 'timecreated', name: 'abc', perPage: 25 });
    expect(q.cursor).toBeUndefined();
    // The refinement (not both) drops the field it names.
    const both = parseListQuery(tokenListQuerySchema, { expired: 'true', expiringWithin: '7' });
    expect(both).toMatchObject({ expired: true });
    expect(both.expiringWithin).toBeUndefined();
    expect(parseListQuery(auditQuerySchema, { from: 'yesterday', search: 'x' })).toMatchObject({ search: 'x' });
  });
});
