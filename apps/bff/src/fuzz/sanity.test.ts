import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../db/schema';
import { onPostgres } from '../test/test-store';
import {
  changedTables,
  expectNoPollution,
  expectSameDb,
  fingerprint,
  isMoodleJsonError,
  makeWsSite,
  protoSnapshot,
  rawRequest,
  sqlRows,
  type WsSite,
  writeCount,
} from './fuzz-helpers';

// The fuzz tests are only as good as their detectors: each of them is shown here to fire on a
// real change, and to stay quiet on exactly the documented exclusions.

let site: WsSite;
beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());

const run = (sql: string, ...params: unknown[]) => sqlRows(site.t.store, sql, ...params);
const fp = () => fingerprint(site.t.store);

describe('the database fingerprint', () => {
  it('is stable when nothing happens', async () => {
    expect((await fp()).digest).toBe((await fp()).digest);
  });

  it('detects an insert, an update of one column and a delete, in any table, naming it', async () => {
    const before = await fp();
    // Every table of the application is in it (and, on PostgreSQL, every sequence).
    expect(Object.keys(before.tables)).toEqual(
      expect.arrayContaining(['users', 'config', 'groups', 'external_tokens']),
    );
    expect(Object.keys(before.tables).length).toBeGreaterThan(25);
    await run("UPDATE users SET firstname = firstname || 'x' WHERE username = 'student'");
    expect(changedTables(before, await fp())).toEqual(['users']);
    await run("UPDATE users SET firstname = substr(firstname, 1, length(firstname) - 1) WHERE username = 'student'");
    expect((await fp()).digest).toBe(before.digest);

    await run("INSERT INTO config (name, value) VALUES ('fuzz_sanity', '1')");
    expect(changedTables(before, await fp())).toEqual(['config']);
    await run("DELETE FROM config WHERE name = 'fuzz_sanity'");
    expect((await fp()).digest).toBe(before.digest);

    // A row deleted is a change; put back exactly as it was, the fingerprint is equal again.
    const [g] = await sqlRows(site.t.store, 'SELECT * FROM groups ORDER BY id LIMIT 1');
    if (!g) throw new Error('the seeded site has a group');
    await run('DELETE FROM groups WHERE id = ?', g.id);
    expect(changedTables(before, await fp())).toEqual(['groups']);
    const cols = Object.keys(g);
    await run(
      `INSERT INTO groups (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      ...Object.values(g),
    );
    expect((await fp()).digest).toBe(before.digest);
  });

  it('ignores exactly the documented exclusions', async () => {
    const before = await fp();
    const writes = await writeCount(site.t.store);
    // Token usage columns (flushed from memory by deps.usage.flush()).
    site.t.deps.usage.recordRefusal(
      { t: { id: site.tokenId, serviceId: 1 }, u: { id: 1, username: 'x' } },
      123,
      '192.0.2.1',
      'invalidparameter',
      'invalidparameter: x',
      'core_x',
      'rest',
    );
    await site.t.deps.usage.flush();
    expect((await fp()).digest).toBe(before.digest);
    expect(await writeCount(site.t.store)).toBeGreaterThan(writes);
    // ...but not the token's other columns.
    await run('UPDATE external_tokens SET valid_until = 1 WHERE id = ?', site.tokenId);
    expect(changedTables(before, await fp())).toEqual(['external_tokens']);
    await run('UPDATE external_tokens SET valid_until = NULL WHERE id = ?', site.tokenId);
    // A failed console sign-in's audit row, and the AUTOINCREMENT counter it moves.
    await run(
      "INSERT INTO audit_log (time, actor_username, action, target_type, summary) VALUES (1, 'x', 'auth.login_failed', 'user', 'Failed login')",
    );
    expect((await fp()).digest).toBe(before.digest);
    // ...but any other audit row.
    await run(
      "INSERT INTO audit_log (time, actor_username, action, target_type, summary) VALUES (1, 'x', 'user.update', 'user', 'x')",
    );
    expect(changedTables(before, await fp())).toEqual(['audit_log']);
    await run("DELETE FROM audit_log WHERE action = 'user.update' AND time = 1");
    // sqlite_sequence for audit_log moved with the insert above: excluded, so back to equal.
    expect((await fp()).digest).toBe(before.digest);
  });

  it('expectSameDb throws, naming the table', async () => {
    const before = await fp();
    await run("INSERT INTO config (name, value) VALUES ('fuzz_sanity2', '1')");
    await expect(expectSameDb(before, site.t.store, 'the sanity insert')).rejects.toThrow(/tables config$/);
    await run("DELETE FROM config WHERE name = 'fuzz_sanity2'");
    await expectSameDb(before, site.t.store);
  });

  it("sees a table's id counter move (sqlite_sequence, PostgreSQL's sequences), audit_log's aside", async () => {
    const before = await fp();
    if (onPostgres) {
      // An insert that was rolled back leaves the sequence moved: a write was tried.
      const [seq] = await sqlRows(site.t.store, 'SELECT last_value, is_called FROM users_id_seq');
      await run("SELECT nextval('users_id_seq')");
      expect(changedTables(before, await fp())).toEqual(['public.users_id_seq (sequence)']);
      await run("SELECT setval('users_id_seq', ?, ?)", seq?.last_value, seq?.is_called);
      expect((await fp()).digest).toBe(before.digest);
      await run("SELECT nextval('audit_log_id_seq')");
      expect((await fp()).digest).toBe(before.digest);
    } else {
      await run("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'users'");
      expect(changedTables(before, await fp())).toEqual(['sqlite_sequence']);
      await run("UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'users'");
      expect((await fp()).digest).toBe(before.digest);
      await run("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'audit_log'");
      expect((await fp()).digest).toBe(before.digest);
    }
  });

  it.runIf(onPostgres)(
    'leaves out the shared failed-login counters (in memory on SQLite), in both detectors',
    async () => {
      const before = await fp();
      const writes = await writeCount(site.t.store);
      const res = await rawRequest(site.t.app, 'POST', '/login/token.php', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=admin&password=wrong&service=moodle_mobile_app',
      });
      expect(res.status).toBe(200);
      expect((await sqlRows(site.t.store, 'SELECT key FROM rate_limits')).length).toBeGreaterThan(0);
      expect((await fp()).digest).toBe(before.digest);
      expect(await writeCount(site.t.store)).toBe(writes);
    },
  );

  it('the write count sees a write that was rolled back, and only rows written', async () => {
    const writes = await writeCount(site.t.store);
    // A statement that writes no row is not a write (as total_changes()).
    await run("UPDATE config SET value = 'x' WHERE name = 'no such setting'");
    expect(await writeCount(site.t.store)).toBe(writes);
    const before = await fp();
    await expect(
      site.t.store.transaction(async (tx) => {
        await tx.insert(config).values({ name: 'fuzz_sanity_rolled_back', value: '1' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect((await fp()).digest).toBe(before.digest);
    expect(await writeCount(site.t.store)).toBe(writes + 1);
  });

  it('sees a real web-service write made through the REST server', async () => {
    const before = await fp();
    const writes = await writeCount(site.t.store);
    const courseId = (await sqlRows(site.t.store, 'SELECT id FROM courses WHERE id > 1 ORDER BY id LIMIT 1'))[0]?.id;
    const res = await rawRequest(
      site.t.app,
      'POST',
      `/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=core_group_create_groups&wstoken=${site.secret}`,
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `groups[0][courseid]=${courseId}&groups[0][name]=Sanity&groups[0][description]=d`,
      },
    );
    expect(res.status).toBe(200);
    expect(isMoodleJsonError(JSON.parse(res.text))).toBe(false);
    expect(changedTables(before, await fp())).toContain('groups');
    expect(await writeCount(site.t.store)).toBeGreaterThan(writes);
  });
});

describe('the Object.prototype tripwire', () => {
  it('fires on a polluted prototype and is quiet otherwise', () => {
    const snap = protoSnapshot();
    expectNoPollution(snap);
    try {
      (Object.prototype as Record<string, unknown>).polluted = 1;
      expect(() => expectNoPollution(snap)).toThrow();
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
    try {
      Object.defineProperty(Array.prototype, 'fuzzSanity', { value: 1, configurable: true });
      expect(() => expectNoPollution(snap)).toThrow();
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>).fuzzSanity;
    }
    expectNoPollution(snap);
  });
});

describe('the shape checks', () => {
  it('accept Moodle JSON errors and nothing else', () => {
    expect(isMoodleJsonError({ exception: 'e', errorcode: 'c', message: 'm' })).toBe(true);
    expect(isMoodleJsonError({ exception: 'e', errorcode: 'c', message: 'm', debuginfo: 'd' })).toBe(true);
    expect(isMoodleJsonError({ exception: 'e', errorcode: 'c' })).toBe(false);
    expect(isMoodleJsonError({ exception: 'e', errorcode: 'c', message: 'm', stack: 's' })).toBe(false);
    expect(isMoodleJsonError({ exception: 'e', errorcode: 1, message: 'm' })).toBe(false);
    expect(isMoodleJsonError([])).toBe(false);
  });
});
