import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generation } from '../lib/generation';
import { InvalidationFeed } from '../lib/invalidation';
import { AccessCache, type ServiceFunctions, type TokenAccess } from './access-cache';

// The access-check cache drops just what a write names (the invalidation feed), everything on
// a change no event describes (another process, a rollback, a hand-made bump), and holds a
// bounded number of tokens, the least recently used going first.

let sqlite: Database.Database;
let gen: Generation;
let feed: InvalidationFeed;
let cache: AccessCache;

const functions: ServiceFunctions = { list: ['f'], set: new Set(['f']) };

/** A token's access as the chain keeps it; only the ids matter here. */
function access(id: number, userId: number, serviceId: number): TokenAccess {
  return {
    t: { id, tokenHash: `hash${id}` },
    u: { id: userId },
    s: { id: serviceId },
    functions,
    authorisation: null,
    service: {
      id: serviceId,
      shortname: `s${serviceId}`,
      name: '',
      downloadFiles: false,
      uploadFiles: false,
      functions: [],
    },
  } as unknown as TokenAccess;
}

/** Token 1 (user 1, service 10), 2 (user 2, service 10), 3 (user 2, service 20); both services' functions. */
function fill(c = cache) {
  const stamp = c.stamp();
  c.keepToken('hash1', access(1, 1, 10), stamp);
  c.keepToken('hash2', access(2, 2, 10), stamp);
  c.keepToken('hash3', access(3, 2, 20), stamp);
  c.keepFunctions(10, functions, stamp);
  c.keepFunctions(20, functions, stamp);
}

const held = () => ['hash1', 'hash2', 'hash3'].filter((h) => cache.holdsToken(h));
const services = () => [10, 20].filter((id) => cache.serviceFunctions(id) !== undefined);

beforeEach(() => {
  sqlite = new Database(':memory:');
  gen = new Generation(sqlite);
  feed = new InvalidationFeed();
  cache = new AccessCache(gen, feed);
  fill();
});
afterEach(() => sqlite.close());

describe('per-key invalidation', () => {
  it('a token named by hash goes; the other tokens stay', () => {
    feed.publish([{ kind: 'token', id: 'hash2' }]);
    expect(held()).toEqual(['hash1', 'hash3']);
    expect(cache.token('hash1')?.t.id).toBe(1);
    expect(services()).toEqual([10, 20]);
  });

  it('a token named by id goes; the other tokens stay', () => {
    feed.publish([{ kind: 'token', id: 3 }]);
    expect(held()).toEqual(['hash1', 'hash2']);
  });

  it("a user's tokens go, on every service; other users' stay", () => {
    feed.publish([{ kind: 'user', id: 2 }]);
    expect(held()).toEqual(['hash1']);
    expect(services()).toEqual([10, 20]);
  });

  it("a service's tokens and functions go; the other service's stay", () => {
    feed.publish([{ kind: 'service', id: 10 }]);
    expect(held()).toEqual(['hash3']);
    expect(services()).toEqual([20]);
  });

  it('one publish naming several things drops each of them', () => {
    feed.publish([
      { kind: 'user', id: 1 },
      { kind: 'service', id: 20 },
    ]);
    expect(held()).toEqual(['hash2']);
    expect(services()).toEqual([10]);
  });

  it('settings, roles and hub events drop nothing (the chain reads them live)', () => {
    feed.publish([{ kind: 'settings' }, { kind: 'roles' }, { kind: 'roles', id: 4 }, { kind: 'hub' }]);
    expect(held()).toEqual(['hash1', 'hash2', 'hash3']);
    expect(services()).toEqual([10, 20]);
  });

  it('an event without an id drops its whole kind; all and catalogue drop everything', () => {
    feed.publish([{ kind: 'token' }]);
    expect(held()).toEqual([]);
    expect(services()).toEqual([10, 20]);
    for (const kind of ['all', 'catalogue', 'service'] as const) {
      fill();
      feed.publish([{ kind }]);
      expect(held()).toEqual([]);
      expect(services()).toEqual([]);
    }
  });
});

describe('the generation as the catch-all', () => {
  it('a published write (withWrite) drops only what its events name', () => {
    gen.bump(true);
    feed.publish([{ kind: 'token', id: 'hash1' }]);
    expect(held()).toEqual(['hash2', 'hash3']);
  });

  it('an unpublished change (a rollback, a hand-made bump) drops everything', () => {
    gen.bump();
    expect(held()).toEqual([]);
    expect(services()).toEqual([]);
  });

  it("another process's commit (PRAGMA data_version) drops everything", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-access-cache-'));
    const here = new Database(join(dir, 'db'));
    const there = new Database(join(dir, 'db'));
    try {
      here.exec('CREATE TABLE kv (k TEXT)');
      const g = new Generation(here);
      const c = new AccessCache(g, feed);
      fill(c);
      g.check();
      expect(c.holdsToken('hash1')).toBe(true);
      there.exec("INSERT INTO kv VALUES ('x')");
      g.check();
      expect(c.holdsToken('hash1')).toBe(false);
      expect(c.serviceFunctions(10)).toBeUndefined();
    } finally {
      there.close();
      here.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reads overtaken by a write', () => {
  it('a token read before an event that may concern it is not kept', () => {
    const stamp = cache.stamp();
    feed.publish([{ kind: 'user', id: 99 }]);
    cache.keepToken('hash4', access(4, 99, 10), stamp);
    cache.keepFunctions(30, functions, stamp);
    expect(cache.holdsToken('hash4')).toBe(false);
    expect(cache.serviceFunctions(30)).toBeUndefined();
  });

  it('nor one read before an unpublished change', () => {
    const stamp = cache.stamp();
    gen.bump();
    cache.keepToken('hash4', access(4, 4, 10), stamp);
    expect(cache.holdsToken('hash4')).toBe(false);
  });

  it('an event that drops nothing here does not stop it', () => {
    const stamp = cache.stamp();
    feed.publish([{ kind: 'settings' }]);
    cache.keepToken('hash4', access(4, 4, 10), stamp);
    expect(cache.holdsToken('hash4')).toBe(true);
  });
});

describe('bounds', () => {
  it('holds at most the configured number of tokens and services, the least recently used going first', () => {
    const small = new AccessCache(gen, feed, { tokens: 2, services: 1 });
    const stamp = small.stamp();
    small.keepToken('hash1', access(1, 1, 10), stamp);
    small.keepToken('hash2', access(2, 2, 10), stamp);
    expect(small.token('hash1')?.t.id).toBe(1); // used: token 2 is now the least recently used
    small.keepToken('hash3', access(3, 3, 10), stamp);
    expect(small.size).toEqual({ tokens: 2, services: 0 });
    expect(small.holdsToken('hash2')).toBe(false);
    expect(small.holdsToken('hash1')).toBe(true);
    expect(small.holdsToken('hash3')).toBe(true);
    small.keepFunctions(10, functions, stamp);
    small.keepFunctions(20, functions, stamp);
    expect(small.size.services).toBe(1);
    expect(small.serviceFunctions(20)).toBe(functions);
  });

  it('by default, a flood of distinct tokens stays bounded', () => {
    const stamp = cache.stamp();
    for (let i = 0; i < 25_000; i++) cache.keepToken(`flood${i}`, access(1000 + i, 1, 10), stamp);
    expect(cache.size.tokens).toBeLessThanOrEqual(20_000);
    expect(cache.holdsToken('flood24999')).toBe(true);
    expect(cache.holdsToken('flood0')).toBe(false);
  });
});
