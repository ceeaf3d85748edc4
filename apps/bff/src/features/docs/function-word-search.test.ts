import { functionSearchFields, wordSearch } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../../test/helpers';

// The word search the console's function pickers use, over the real catalogue as the API
// documentation serves it (names, components and descriptions).

let t: TestApp;
let search: (q: string) => string[];
beforeAll(async () => {
  t = await makeTestApp({ demo: false });
  const admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
  const res = await admin.get('/api/docs/functions');
  expect(res.status).toBe(200);
  const find = wordSearch(
    res.body.functions as { name: string; component: string; description: string }[],
    functionSearchFields,
  );
  search = (q) => find(q).map((f) => f.name);
});
afterAll(() => t.close());

describe('word search over the catalogue', () => {
  it('"create group", "groups create" and the name itself find core_group_create_groups', () => {
    for (const q of ['create group', 'groups create', 'core_group_create_groups', 'Group Create']) {
      expect(search(q), q).toContain('core_group_create_groups');
    }
  });

  it('every word must match: "create group" narrows the list, "group get" finds no create function', () => {
    const all = search('');
    const found = search('create group');
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(all.length / 4);
    expect(found).not.toContain('core_user_create_users');
    expect(found).not.toContain('core_webservice_get_site_info');
    expect(search('get group')).not.toContain('core_group_create_groups');
  });

  it('"site info" finds core_webservice_get_site_info; nonsense finds nothing', () => {
    expect(search('site info')).toContain('core_webservice_get_site_info');
    expect(search('zzz qqq')).toEqual([]);
  });
});
