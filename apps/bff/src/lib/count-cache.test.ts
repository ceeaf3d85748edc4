import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CountCache, Generation } from './generation';

let db: Database.Database;
let counts: CountCache;
let reads: number;
const countRows = async () => {
  reads++;
  return (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
};

beforeEach(() => {
  db = new Database(':memory:');
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY)');
  counts = new CountCache(db, new Generation(db));
  reads = 0;
});
afterEach(() => db.close());

describe('CountCache.getAsync (a count a repository reads asynchronously)', () => {
  it('keeps the count until this connection writes', async () => {
    expect(await counts.getAsync('all', countRows)).toBe(0);
    expect(await counts.getAsync('all', countRows)).toBe(0);
    expect(reads).toBe(1);
    db.prepare("INSERT INTO kv VALUES ('a')").run();
    expect(await counts.getAsync('all', countRows)).toBe(1);
    expect(reads).toBe(2);
  });

  it('does not keep a count that a write overtook while it was read', async () => {
    const stale = await counts.getAsync('all', async () => {
      const n = await countRows();
      db.prepare("INSERT INTO kv VALUES ('late')").run();
      return n;
    });
    expect(stale).toBe(0);
    expect(await counts.getAsync('all', countRows)).toBe(1);
  });

  it('shares its counts with get()', async () => {
    expect(counts.get('all', () => 7)).toBe(7);
    expect(await counts.getAsync('all', countRows)).toBe(7);
    expect(reads).toBe(0);
  });
});
