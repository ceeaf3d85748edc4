import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalTokens, users } from '../../db/schema';
import { BROAD_SEARCH_ROWS } from '../../db/sql';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { issueUnnoticed, makeListService } from '../../test/list-tokens';
import { onPostgres } from '../../test/test-store';

// What makes Manage tokens and Users fast at a million rows (trigram search indexes, index-only
// page ids, cached totals) must not change what they answer.

let t: TestApp;
let admin: Client;
let serviceId: number;

const issue = (name: string, username: string) => issueUnnoticed(t, serviceId, name, username);

async function list(query: string) {
  const res = await admin.get(`/api/tokens?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { items: { id: number; name: string }[]; total: number };
}

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  serviceId = await makeListService(t, 'Scale', 'scale_svc');
  await issue('SRCH say "hi"* OR NEAR(x) {name}: -y', 'student');
  await issue('SRCH Ünïcode café', 'teacher');
  await issue('SRCH plain', 'student2');
});
afterAll(() => t?.close());

describe('searching by name', () => {
  it.each([
    ['say "hi"*', 1],
    ['"hi"', 1],
    ['OR NEAR(x)', 1],
    ['{name}: -y', 1],
    // 1–2 characters: names that start with them (these all start with SRCH).
    ['*', 0],
    ['" OR "', 0],
    ['NEAR(', 1],
    ['srch', 3],
    ['SRCH P', 1],
    ['café', 1],
    ['%', 0],
    ['hi', 0],
    ['i"', 0],
    ['zz', 0],
    ['sr', 3],
    ['"hi', 1],
  ])('%s matches literally, case-insensitively (%i token)', async (name, n) => {
    const res = await list(`name=${encodeURIComponent(name)}&perPage=100`);
    expect(res.items.filter((x) => x.name.startsWith('SRCH'))).toHaveLength(n);
    expect(res.total).toBe(res.items.length);
  });

  it('follows deletions', async () => {
    const id = await issue('SRCH doomed', 'student');
    expect((await list('name=doomed')).total).toBe(1);
    expect((await admin.delete(`/api/tokens/${id}`)).status).toBe(200);
    expect((await list('name=doomed')).total).toBe(0);
  });
});

describe('searching by user', () => {
  it("follows a user's new name at once", async () => {
    const id = await t.userId('student2');
    expect((await list('user=Renamedperson')).total).toBe(0);
    const res = await admin.patch(`/api/users/${id}`, { lastname: 'Renamedperson' });
    expect(res.status, res.text).toBe(200);
    const after = await list('user=renamedPERSON');
    expect(after.items.map((x) => x.name)).toEqual(['SRCH plain']);
    expect((await admin.get('/api/users?search=renamedperson')).body.total).toBe(1);
  });
});

describe('totals', () => {
  // SQLite's own change detection (total_changes(), PRAGMA data_version); PostgreSQL's is the
  // invalidation listener (db/pg-listener.test.ts).
  it.skipIf(onPostgres)(
    'count writes the console never made: on this connection, and from another process',
    async () => {
      const before = (await list('name=SRCH')).total;
      // Straight into the database through the server's own connection (no cache notice).
      await issue('SRCH raw', 'student');
      expect((await list('name=SRCH')).total).toBe(before + 1);
      // Another process (here: another connection to the same file), as the CLI would.
      const other = new Database(t.dbFile);
      other.prepare("UPDATE external_tokens SET name = 'moved away' WHERE name = 'SRCH raw'").run();
      other.close();
      expect((await list('name=SRCH')).total).toBe(before);
      expect((await list('name=moved%20away')).total).toBe(1);
    },
  );
});

describe('paging', () => {
  beforeAll(async () => {
    for (let i = 0; i < 23; i++)
      await issue(`PG ${String(i).padStart(2, '0')}`, ['student', 'teacher', 'manager'][i % 3]!);
  });

  it.each(['name', 'user', 'service', 'timecreated', 'validuntil', 'lastaccess'])(
    'sorted by %s, pages of 5 put together are the whole list in order',
    async (sort) => {
      for (const dir of ['asc', 'desc']) {
        const whole = await list(`name=PG&sort=${sort}&dir=${dir}&perPage=100`);
        expect(whole.total).toBe(23);
        const pages: number[] = [];
        for (let p = 1; p <= 6; p++) {
          const page = await list(`name=PG&sort=${sort}&dir=${dir}&perPage=5&page=${p}`);
          expect(page.total).toBe(23);
          pages.push(...page.items.map((x) => x.id));
        }
        expect(pages).toEqual(whole.items.map((x) => x.id));
      }
    },
  );

  it('users: pages of 3 put together are the whole list', async () => {
    const whole = (await admin.get('/api/users?perPage=100&sort=firstname')).body;
    const ids: number[] = [];
    for (let p = 1; p <= Math.ceil(whole.total / 3); p++) {
      ids.push(
        ...(await admin.get(`/api/users?perPage=3&page=${p}&sort=firstname`)).body.items.map(
          (u: { id: number }) => u.id,
        ),
      );
    }
    expect(ids).toEqual(whole.items.map((u: { id: number }) => u.id));
  });
});

describe('broad searches (more matches than the search index is worth)', () => {
  const N = BROAD_SEARCH_ROWS + 100;
  beforeAll(async () => {
    const now = Math.floor(Date.now() / 1000);
    const student = await t.userId('student');
    for (let from = 0; from < N; from += 500) {
      const idx = Array.from({ length: Math.min(500, N - from) }, (_, k) => from + k);
      const made = await t.store.db
        .insert(users)
        .values(
          idx.map((i) => ({
            username: `wideuser${i}`,
            firstname: 'Broad',
            lastname: `Person${i}`,
            email: `wide${i}@example.com`,
            passwordHash: 'x',
            timecreated: now,
            timemodified: now,
          })),
        )
        .returning({ id: users.id });
      await t.store.db.insert(externalTokens).values(
        idx.map((i, k) => ({
          tokenHash: `hash-wide-${i}`,
          stub: 'stub',
          name: `WIDE token ${i}`,
          userId: i % 2 ? student : made[k]!.id,
          serviceId,
          origin: 'admin' as const,
          timecreated: now - i,
        })),
      );
    }
    if (onPostgres) t.deps.gen.bump();
  });

  it('by name: every match counted, the newest first', async () => {
    const res = await list('name=wide%20TOKEN&perPage=5');
    expect(res.total).toBe(N);
    expect(res.items.map((x) => x.name)).toEqual([0, 1, 2, 3, 4].map((i) => `WIDE token ${i}`));
  });

  it('by user: the same answer as a selective search would give', async () => {
    const res = await list('user=wideuser&name=WIDE&perPage=3');
    expect(res.total).toBe(N / 2);
    expect(res.items.map((x) => x.name)).toEqual(['WIDE token 0', 'WIDE token 2', 'WIDE token 4']);
    const one = await list('user=wideuser42&name=WIDE');
    expect(one.items.map((x) => x.name).sort()).toEqual(
      [42, 420, 422, 424, 426, 428].map((i) => `WIDE token ${i}`).sort(),
    );
  });

  it('users: a broad search pages and counts like any other', async () => {
    const res = (await admin.get('/api/users?search=wideuser&perPage=4&sort=username')).body;
    expect(res.total).toBe(N);
    expect(res.items.map((u: { username: string }) => u.username)).toEqual([
      'wideuser0',
      'wideuser1',
      'wideuser10',
      'wideuser100',
    ]);
  });
});
