import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServices, users } from '../../db/schema';
import { type Client, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { onPostgres } from '../../test/test-store';
import { addServiceFunctions, createService } from '../services/services.service';
import { issueToken } from './tokens.service';

// How Manage tokens' name search is answered depends on the value (PostgreSQL: a rare word of
// several drives the trigram index and the whole value is checked on what it finds; a value
// without letters is a plain LIKE; a first page that is not full is its own count). None of it
// may change which tokens match: the whole value, literally, ignoring ASCII case.

let t: TestApp;
let admin: Client;
let serviceId: number;
const unnoticed = { invalidate() {} };

async function issue(name: string) {
  const [user] = await t.store.db.select().from(users).where(eq(users.username, 'student'));
  const [service] = await t.store.db.select().from(externalServices).where(eq(externalServices.id, serviceId));
  await issueToken(t.deps, t.store.db, unnoticed, {
    user: user!,
    service: service!,
    name,
    ipRestriction: null,
    validUntil: null,
    creatorId: null,
    origin: 'admin',
  });
  if (onPostgres) t.deps.gen.bump();
}

async function names(search: string): Promise<{ names: string[]; total: number }> {
  const res = await admin.get(`/api/tokens?name=${encodeURIComponent(search)}&perPage=100&sort=name`);
  expect(res.status, res.text).toBe(200);
  const body = res.body as { items: { name: string }[]; total: number };
  return { names: body.items.map((i) => i.name).sort(), total: body.total };
}

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  const actor = { id: await t.userId('admin'), username: 'admin', ip: '' };
  const s = await createService(
    t.deps,
    serviceBody('Words', 'words_svc') as Parameters<typeof createService>[1],
    actor,
  );
  await addServiceFunctions(t.deps, s.id, ['core_webservice_get_site_info'], actor);
  serviceId = s.id;
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
