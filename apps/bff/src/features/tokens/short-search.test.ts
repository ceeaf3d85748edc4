import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalTokens, users } from '../../db/schema';
import { BROAD_SEARCH_ROWS } from '../../db/sql';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { issueUnnoticed, makeListService } from '../../test/list-tokens';
import { onPostgres } from '../../test/test-store';

// A search of 1–2 characters matches values that START with it (no trigram index answers fewer
// than 3 characters, and "contains" would read every row of a million: db/sql.ts prefixSearch,
// the *_prefix_idx indexes); 3+ characters still match anywhere. Both ignore ASCII case and take
// the value literally (% and _ are no wildcards). On SQLite a prefix matching fewer than
// BROAD_SEARCH_ROWS rows drives the query with its ids, more is checked while walking the list's
// order: both are checked here, with their capped counts.

let t: TestApp;
let admin: Client;
let serviceId: number;
const BROAD = BROAD_SEARCH_ROWS + 100;

const issue = (name: string, username: string) => issueUnnoticed(t, serviceId, name, username);

async function get<T>(path: string): Promise<T> {
  const res = await admin.get(path);
  expect(res.status, res.text).toBe(200);
  return res.body as T;
}

type Page<T> = { items: T[]; total: number; totalCapped: boolean; next: string | null };

async function tokenNames(query: string): Promise<{ names: string[]; total: number }> {
  const body = await get<Page<{ name: string }>>(`/api/tokens?serviceId=${serviceId}&perPage=100&sort=name&${query}`);
  return { names: body.items.map((i) => i.name).sort(), total: body.total };
}

async function usernames(search: string): Promise<{ names: string[]; total: number }> {
  const body = await get<Page<{ username: string }>>(
    `/api/users?status=all&perPage=100&sort=username&search=${encodeURIComponent(search)}`,
  );
  return { names: body.items.map((u) => u.username).sort(), total: body.total };
}

const user = (username: string, firstname: string, lastname: string, email: string) => ({
  username,
  firstname,
  lastname,
  email,
  passwordHash: '!',
});

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  serviceId = await makeListService(t, 'Short', 'short_svc');
  await t.store.db
    .insert(users)
    .values([
      user('qxuser', 'Ann', 'Lee', 'ann@example.net'),
      user('other1', 'Qxena', 'Roe', 'o1@example.net'),
      user('other2', 'Bo', 'QXton', 'o2@example.net'),
      user('other3', 'Cy', 'Day', 'qx@example.net'),
      user('aqx', 'Aqx', 'Maqx', 'me-qx@example.net'),
      user('%_user', 'Pct', 'Under', 'pu@example.net'),
    ]);
  for (const [name, owner] of [
    ['Qx alpha', 'qxuser'],
    ['qX beta', 'aqx'],
    ['aQx gamma', 'qxuser'],
    ['%q token', 'aqx'],
    ['_q token', 'aqx'],
    ['Q% odd', 'aqx'],
    ['Qy plain', 'aqx'],
  ] as const)
    await issue(name, owner);
  // Many tokens and users with one prefix (past BROAD_SEARCH_ROWS), and a few that contain it.
  const [owner] = await t.store.db.select().from(users).where(eq(users.username, 'aqx'));
  const rows = Array.from({ length: BROAD + 3 }, (_, i) => ({
    tokenHash: `short-${i}`,
    stub: 'stub',
    name: i < BROAD ? `Zb ${i}` : `aZb ${i}`,
    userId: owner!.id,
    serviceId,
    origin: 'admin' as const,
    timecreated: 1_700_000_000 + i,
  }));
  for (let i = 0; i < rows.length; i += 500) await t.store.db.insert(externalTokens).values(rows.slice(i, i + 500));
  const many = Array.from({ length: BROAD + 3 }, (_, i) =>
    i < BROAD ? user(`zbu${i}`, 'Many', 'Users', `zbu${i}@example.net`) : user(`azbu${i}`, 'A', 'B', 'a@example.net'),
  );
  for (let i = 0; i < many.length; i += 500) await t.store.db.insert(users).values(many.slice(i, i + 500));
  // Written past withWrite: on PostgreSQL nothing else tells the cached totals.
  if (onPostgres) t.deps.gen.bump();
});
afterAll(() => t?.close());

describe('Manage tokens, by name', () => {
  it.each([
    ['qx', ['Qx alpha', 'qX beta']],
    ['QX', ['Qx alpha', 'qX beta']],
    ['q', ['Q% odd', 'Qx alpha', 'Qy plain', 'qX beta']],
    ['%', ['%q token']],
    ['%q', ['%q token']],
    ['_', ['_q token']],
    ['q%', ['Q% odd']],
    ['q_', []],
    ['zq', []],
    // 3+ characters: anywhere in the name.
    ['aqx', ['aQx gamma']],
    ['qx ', ['Qx alpha', 'qX beta']],
    ['X A', ['Qx alpha']],
    ['% o', ['Q% odd']],
  ])('%s', async (search, expected) => {
    const got = await tokenNames(`name=${encodeURIComponent(search)}`);
    expect(got.names).toEqual([...expected].sort());
    expect(got.total).toBe(expected.length);
  });

  it('a prefix of many tokens: every one that starts with it, and the exact count', async () => {
    for (const search of ['zb', 'ZB']) {
      const body = await get<Page<{ name: string }>>(
        `/api/tokens?serviceId=${serviceId}&perPage=50&name=${search}&sort=timecreated&dir=desc`,
      );
      expect(body.items).toHaveLength(50);
      expect(body.items.every((i) => i.name.startsWith('Zb '))).toBe(true);
      expect(body.items[0]?.name).toBe(`Zb ${BROAD - 1}`);
      expect(body).toMatchObject({ total: BROAD, totalCapped: false });
    }
    expect((await tokenNames('name=azb')).total).toBe(3);
  });

  it('by user: 1–2 characters match usernames and names that start with them', async () => {
    // qxuser's two tokens; aqx (Aqx Maqx) only contains "qx".
    expect((await tokenNames('user=qx')).names).toEqual(['Qx alpha', 'aQx gamma']);
    expect((await tokenNames('user=QX')).total).toBe(2);
    expect((await tokenNames('user=aq')).total).toBe(BROAD + 8);
    expect((await tokenNames('user=%25')).names).toEqual([]);
    expect((await tokenNames('user=maqx')).total).toBe(BROAD + 8);
  });
});

it.skipIf(onPostgres)('SQLite reads a prefix from its NOCASE index (the LIKE optimization)', () => {
  const sqlite = (t.store as unknown as { sqlite: import('better-sqlite3').Database }).sqlite;
  for (const [table, col] of [
    ['external_tokens', 'name'],
    ['users', 'username'],
    ['users', 'firstname'],
    ['users', 'lastname'],
    ['users', 'email'],
  ]) {
    const plan = sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM ${table} WHERE ${col} LIKE ? ESCAPE '\\' LIMIT 10`)
      .all('a\\%%') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' '), col).toContain(
      `INDEX ${table}_${col}_prefix_idx (${col}>? AND ${col}<?)`,
    );
  }
});

describe('Users, by username, name or email', () => {
  it.each([
    ['qx', ['other1', 'other2', 'other3', 'qxuser']],
    ['Qx', ['other1', 'other2', 'other3', 'qxuser']],
    ['%', ['%_user']],
    ['%_', ['%_user']],
    ['_', []],
    ['zq', []],
    // 3+ characters: anywhere.
    ['aqx', ['aqx']],
    ['qx@', ['aqx', 'other3']],
    ['MAQ', ['aqx']],
  ])('%s', async (search, expected) => {
    const got = await usernames(search);
    expect(got.names).toEqual([...expected].sort());
    expect(got.total).toBe(expected.length);
  });

  it('a prefix of many users: every one that starts with it, and the exact count', async () => {
    const body = await get<Page<{ username: string }>>('/api/users?status=all&perPage=50&search=ZB&sort=lastname');
    expect(body.items).toHaveLength(50);
    expect(body.items.every((u) => u.username.startsWith('zbu'))).toBe(true);
    expect(body).toMatchObject({ total: BROAD, totalCapped: false });
    expect((await usernames('azb')).total).toBe(3);
  });
});
