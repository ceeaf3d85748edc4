import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generation, GenerationCache } from './generation';

let dir: string;
let a: Database.Database;
let b: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-gen-'));
  const file = join(dir, 'g.db');
  a = new Database(file);
  a.pragma('journal_mode = WAL');
  a.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
  b = new Database(file);
});
afterEach(() => {
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Generation', () => {
  it('moves on bump', () => {
    const gen = new Generation(a);
    expect(gen.current).toBe(0);
    gen.bump();
    gen.bump();
    expect(gen.current).toBe(2);
  });

  it("check() moves when another connection commits, and not for this connection's own writes", () => {
    const gen = new Generation(a);
    expect(gen.check()).toBe(0);
    a.prepare("INSERT INTO kv VALUES ('own', '1')").run();
    expect(gen.check()).toBe(0);
    b.prepare("INSERT INTO kv VALUES ('other', '1')").run();
    expect(gen.check()).toBe(1);
    expect(gen.check()).toBe(1);
    b.prepare("UPDATE kv SET v = '2' WHERE k = 'other'").run();
    b.prepare("UPDATE kv SET v = '3' WHERE k = 'other'").run();
    expect(gen.check()).toBe(2);
  });
});

describe('Generation.checkInTurn', () => {
  const nextTurn = () => new Promise((r) => setImmediate(r));

  it("asks SQLite once per event-loop turn, and the next turn's first call sees what another connection committed", async () => {
    const gen = new Generation(a);
    b.prepare("INSERT INTO kv VALUES ('before', '1')").run();
    // The first call of a turn checks.
    expect(gen.checkInTurn()).toBe(1);
    // Later calls of the same turn keep its answer...
    b.prepare("INSERT INTO kv VALUES ('during', '1')").run();
    expect(gen.checkInTurn()).toBe(1);
    expect(gen.checkInTurn()).toBe(1);
    // ...and the first of the next turn sees the commit.
    await nextTurn();
    expect(gen.checkInTurn()).toBe(2);
    await nextTurn();
    expect(gen.checkInTurn()).toBe(2);
  });

  it("leaves check() and this process's own bumps immediate", () => {
    const gen = new Generation(a);
    expect(gen.checkInTurn()).toBe(0);
    gen.bump();
    expect(gen.checkInTurn()).toBe(1);
    b.prepare("INSERT INTO kv VALUES ('other', '1')").run();
    expect(gen.checkInTurn()).toBe(1);
    expect(gen.check()).toBe(2);
  });
});

describe('GenerationCache', () => {
  it('loads once, and again only after the generation moves', () => {
    const gen = new Generation(a);
    let loads = 0;
    const cache = new GenerationCache(gen, () => {
      loads++;
      return a.prepare('SELECT count(*) AS n FROM kv').get() as { n: number };
    });
    expect(cache.get().n).toBe(0);
    expect(cache.get().n).toBe(0);
    expect(loads).toBe(1);

    b.prepare("INSERT INTO kv VALUES ('x', '1')").run();
    expect(cache.get().n).toBe(0); // stale until someone checks
    gen.check();
    expect(cache.get().n).toBe(1);
    expect(loads).toBe(2);

    a.prepare("INSERT INTO kv VALUES ('y', '1')").run();
    gen.bump();
    expect(cache.get().n).toBe(2);
    expect(cache.get().n).toBe(2);
    expect(loads).toBe(3);
  });
});
