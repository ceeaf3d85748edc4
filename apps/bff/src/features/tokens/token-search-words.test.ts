import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { issueUnnoticed, makeListService } from '../../test/list-tokens';

// How Manage tokens' name search is answered depends on the value (PostgreSQL: a rare word of
// several drives the trigram index and the whole value is checked on what it finds; a value
// without letters is a plain LIKE; a first page that is not full is its own count). None of it
// may change which tokens match: the whole value, literally, ignoring ASCII case.

let t: TestApp;
let admin: Client;
let serviceId: number;
const issue = (name: string) => issueUnnoticed(t, serviceId, name, 'student');

async function names(search: string): Promise<{ names: string[]; total: number }> {
  const res = await admin.get(`/api/tokens?name=${encodeURIComponent(search)}&perPage=100&sort=name`);
  expect(res.status, res.text).toBe(200);
  const body = res.body as { items: { name: string }[]; total: number };
  return { names: body.items.map((i) => i.name).sort(), total: body.total };
}

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  serviceId = await makeListService(t, 'Words', 'words_svc');
  for (const n of [
    'WRD alpha beta gamma 1',
    'WRD alpha beta 2 gamma',
    'WRD Alpha BETA Gamma 3',
    'WRD gamma alpha beta',
    'WRD x 12-3 y',
    'WRD X 12-3',
    'WRD 123',
    'WRD 50%_off',
  ])
    await issue(n);
});
afterAll(() => t?.close());

describe('a search of several words matches the whole value', () => {
  it.each([
    ['alpha beta gamma', ['WRD Alpha BETA Gamma 3', 'WRD alpha beta gamma 1']],
    ['ALPHA BETA GAMMA 3', ['WRD Alpha BETA Gamma 3']],
    ['beta 2 gamma', ['WRD alpha beta 2 gamma']],
    ['gamma alpha', ['WRD gamma alpha beta']],
    ['alpha gamma', []],
    ['WRD alpha', ['WRD Alpha BETA Gamma 3', 'WRD alpha beta 2 gamma', 'WRD alpha beta gamma 1']],
  ])('%s', async (search, expected) => {
    const got = await names(search);
    expect(got.names).toEqual([...expected].sort());
    expect(got.total).toBe(expected.length);
  });
});

describe('a value without letters matches literally', () => {
  it.each([
    ['12-3', ['WRD X 12-3', 'WRD x 12-3 y']],
    ['123', ['WRD 123']],
    ['50%_', ['WRD 50%_off']],
    ['0%_', ['WRD 50%_off']],
    ['%_o', ['WRD 50%_off']],
    // 1–2 characters: names that start with them.
    ['0%', []],
    ['%', []],
    ['1_3', []],
  ])('%s', async (search, expected) => {
    const got = await names(search);
    expect(got.names).toEqual([...expected].sort());
    expect(got.total).toBe(expected.length);
  });
});

describe('the count of a search whose first page is full', () => {
  it('counts every match, not the page', async () => {
    const res = await admin.get(`/api/tokens?name=WRD&perPage=3&sort=name`);
    expect(res.status, res.text).toBe(200);
    expect((res.body as { items: unknown[]; total: number }).items).toHaveLength(3);
    expect((res.body as { total: number }).total).toBe(8);
  });
});
