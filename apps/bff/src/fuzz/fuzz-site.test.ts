import { describe, expect, it } from 'vitest';
import { fuzzSite, sqliteOf } from './fuzz-helpers';

// fuzzSite, the set-up the fuzz suites share, is only as good as its baseline: shown here to take
// it after the suite's own set-up, to stay quiet when nothing happened, and to fire on a write (even
// one undone), a polluted prototype and an unexpected error logged.

const fuzz = fuzzSite({
  setup: (site) => {
    // A write of the suite's set-up is part of the baseline, not a change.
    sqliteOf(site.t.store).prepare("INSERT INTO config (name, value) VALUES ('fuzz_site_setup', '1')").run();
  },
});
const strict = () => fuzz.expectNothingChanged('the sanity check');
const run = (sql: string) => sqliteOf(fuzz.site.t.store).prepare(sql).run();

describe('fuzzSite', () => {
  it("takes the baseline after the suite's set-up: nothing happened, nothing to report", () => {
    expect(
      sqliteOf(fuzz.site.t.store).prepare("SELECT value FROM config WHERE name = 'fuzz_site_setup'").pluck().get(),
    ).toBe('1');
    strict();
    fuzz.expectNoPollutionOrErrors();
  });

  it('fires on a polluted prototype, and on an unexpected error logged', () => {
    (Object.prototype as Record<string, unknown>).polluted = 1;
    try {
      expect(strict).toThrow();
      expect(() => fuzz.expectNoPollutionOrErrors()).toThrow();
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
    strict();
    fuzz.site.logged.push('{"level":50,"msg":"unexpected"}');
    try {
      expect(strict).toThrow(/unexpected errors logged/);
      expect(() => fuzz.expectNoPollutionOrErrors()).toThrow(/unexpected errors logged/);
    } finally {
      fuzz.site.logged.length = 0;
    }
    strict();
  });

  // Last: a write moves the write count for good.
  it('fires on a change of the database, and on a write even when it was undone', () => {
    run("UPDATE config SET value = '2' WHERE name = 'fuzz_site_setup'");
    expect(strict).toThrow(/The database changed after the sanity check: tables config/);
    run("UPDATE config SET value = '1' WHERE name = 'fuzz_site_setup'");
    // The content is as it was, but rows were written.
    expect(strict).toThrow(/rows written by the sanity check/);
    fuzz.expectNoPollutionOrErrors();
  });
});

describe('fuzzSite with countWrites: false', () => {
  const lenient = fuzzSite({ countWrites: false });
  it('lets a write that was undone pass, and still fires on a change', () => {
    const db = () => sqliteOf(lenient.site.t.store);
    db().prepare("INSERT INTO config (name, value) VALUES ('fuzz_site_lenient', '1')").run();
    expect(() => lenient.expectNothingChanged('an insert')).toThrow(/tables config/);
    db().prepare("DELETE FROM config WHERE name = 'fuzz_site_lenient'").run();
    lenient.expectNothingChanged('an undone insert');
  });
});
