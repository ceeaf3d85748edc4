import { describe, expect, it } from 'vitest';
import { fuzzSite, sqlRows } from './fuzz-helpers';

// fuzzSite, the set-up the fuzz suites share, is only as good as its baseline: shown here to take
// it after the suite's own set-up, to stay quiet when nothing happened, and to fire on a write (even
// one undone), a polluted prototype and an unexpected error logged.

const fuzz = fuzzSite({
  setup: async (site) => {
    // A write of the suite's set-up is part of the baseline, not a change.
    await sqlRows(site.t.store, "INSERT INTO config (name, value) VALUES ('fuzz_site_setup', '1')");
  },
});
const strict = () => fuzz.expectNothingChanged('the sanity check');
const run = (sql: string) => sqlRows(fuzz.site.t.store, sql);

describe('fuzzSite', () => {
  it("takes the baseline after the suite's set-up: nothing happened, nothing to report", async () => {
    expect(await sqlRows(fuzz.site.t.store, "SELECT value FROM config WHERE name = 'fuzz_site_setup'")).toEqual([
      { value: '1' },
    ]);
    await strict();
    fuzz.expectNoPollutionOrErrors();
  });

  it('fires on a polluted prototype, and on an unexpected error logged', async () => {
    (Object.prototype as Record<string, unknown>).polluted = 1;
    try {
      await expect(strict()).rejects.toThrow();
      expect(() => fuzz.expectNoPollutionOrErrors()).toThrow();
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
    await strict();
    fuzz.site.logged.push('{"level":50,"msg":"unexpected"}');
    try {
      await expect(strict()).rejects.toThrow(/unexpected errors logged/);
      expect(() => fuzz.expectNoPollutionOrErrors()).toThrow(/unexpected errors logged/);
    } finally {
      fuzz.site.logged.length = 0;
    }
    await strict();
  });

  // Last: a write moves the write count for good.
  it('fires on a change of the database, and on a write even when it was undone', async () => {
    await run("UPDATE config SET value = '2' WHERE name = 'fuzz_site_setup'");
    await expect(strict()).rejects.toThrow(/The database changed after the sanity check: tables config$/);
    await run("UPDATE config SET value = '1' WHERE name = 'fuzz_site_setup'");
    // The content is as it was, but rows were written.
    await expect(strict()).rejects.toThrow(/rows written by the sanity check/);
    fuzz.expectNoPollutionOrErrors();
  });
});

describe('fuzzSite with countWrites: false', () => {
  const lenient = fuzzSite({ countWrites: false });
  it('lets a write that was undone pass, and still fires on a change', async () => {
    await sqlRows(lenient.site.t.store, "INSERT INTO config (name, value) VALUES ('fuzz_site_lenient', '1')");
    await expect(lenient.expectNothingChanged('an insert')).rejects.toThrow(/tables config$/);
    await sqlRows(lenient.site.t.store, "DELETE FROM config WHERE name = 'fuzz_site_lenient'");
    await lenient.expectNothingChanged('an undone insert');
  });
});
