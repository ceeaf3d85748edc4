import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changedTables,
  expectNoPollution,
  expectSameDb,
  fingerprint,
  isMoodleJsonError,
  makeWsSite,
  protoSnapshot,
  rawRequest,
  sqliteOf,
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

const run = (sql: string, ...params: unknown[]) =>
  sqliteOf(site.t.store)
    .prepare(sql)
    .run(...params);

describe('the database fingerprint', () => {
  it('is stable when nothing happens', () => {
    expect(fingerprint(site.t.store).digest).toBe(fingerprint(site.t.store).digest);
  });

  it('detects an insert, an update of one column and a delete, in any table, naming it', () => {
    const tables = sqliteOf(site.t.store)
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    expect(tables.length).toBeGreaterThan(15);
    const before = fingerprint(site.t.store);
    run("UPDATE users SET firstname = firstname || 'x' WHERE username = 'student'");
    expect(changedTables(before, fingerprint(site.t.store))).toEqual(['users']);
    run("UPDATE users SET firstname = substr(firstname, 1, length(firstname) - 1) WHERE username = 'student'");
    expect(fingerprint(site.t.store).digest).toBe(before.digest);

    run("INSERT INTO config (name, value) VALUES ('fuzz_sanity', '1')");
    expect(changedTables(before, fingerprint(site.t.store))).toEqual(['config']);
    run("DELETE FROM config WHERE name = 'fuzz_sanity'");
    expect(fingerprint(site.t.store).digest).toBe(before.digest);

    // A row deleted is a change; put back exactly as it was, the fingerprint is equal again.
    const g = sqliteOf(site.t.store).prepare('SELECT * FROM groups ORDER BY id LIMIT 1').get() as Record<
      string,
      unknown
    >;
    run('DELETE FROM groups WHERE id = ?', g.id);
    expect(changedTables(before, fingerprint(site.t.store))).toEqual(['groups']);
    const cols = Object.keys(g);
    run(`INSERT INTO groups (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`, g);
    expect(fingerprint(site.t.store).digest).toBe(before.digest);
  });

  it('ignores exactly the documented exclusions', async () => {
    const before = fingerprint(site.t.store);
    const writes = writeCount(site.t.store);
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
    expect(fingerprint(site.t.store).digest).toBe(before.digest);
    expect(writeCount(site.t.store)).toBeGreaterThan(writes);
    // ...but not the token's other columns.
    run('UPDATE external_tokens SET valid_until = 1 WHERE id = ?', site.tokenId);
    expect(changedTables(before, fingerprint(site.t.store))).toEqual(['external_tokens']);
    run('UPDATE external_tokens SET valid_until = NULL WHERE id = ?', site.tokenId);
    // A failed console sign-in's audit row, and the AUTOINCREMENT counter it moves.
    run(
      "INSERT INTO audit_log (time, actor_username, action, target_type, summary) VALUES (1, 'x', 'auth.login_failed', 'user', 'Failed login')",
    );
    expect(fingerprint(site.t.store).digest).toBe(before.digest);
    // ...but any other audit row.
    run(
      "INSERT INTO audit_log (time, actor_username, action, target_type, summary) VALUES (1, 'x', 'user.update', 'user', 'x')",
    );
    expect(changedTables(before, fingerprint(site.t.store))).toEqual(['audit_log']);
    run("DELETE FROM audit_log WHERE action = 'user.update' AND time = 1");
    // sqlite_sequence for audit_log moved with the insert above: excluded, so back to equal.
    expect(fingerprint(site.t.store).digest).toBe(before.digest);
  });

  it('expectSameDb throws, naming the table', () => {
    const before = fingerprint(site.t.store);
    run("INSERT INTO config (name, value) VALUES ('fuzz_sanity2', '1')");
    expect(() => expectSameDb(before, site.t.store, 'the sanity insert')).toThrow(/config/);
    run("DELETE FROM config WHERE name = 'fuzz_sanity2'");
    expectSameDb(before, site.t.store);
  });

  it('sees a real web-service write made through the REST server', async () => {
    const before = fingerprint(site.t.store);
    const writes = writeCount(site.t.store);
    const courseId = sqliteOf(site.t.store)
      .prepare('SELECT id FROM courses WHERE id > 1 ORDER BY id LIMIT 1')
      .pluck()
      .get();
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
    expect(changedTables(before, fingerprint(site.t.store))).toContain('groups');
    expect(writeCount(site.t.store)).toBeGreaterThan(writes);
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
