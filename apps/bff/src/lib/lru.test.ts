import { describe, expect, it } from 'vitest';
import { Lru } from './lru';

const keys = (lru: Lru<string, number>) => [...lru.entries()].map(([k]) => k);

describe('Lru', () => {
  it('holds at most max entries and lets go of the least recently used', () => {
    const lru = new Lru<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1); // a is now the most recently used: b is the least
    lru.set('d', 4);
    expect(lru.size).toBe(3);
    expect(lru.has('b')).toBe(false);
    expect(keys(lru)).toEqual(['c', 'a', 'd']);
  });

  it('a hit on the newest key, again and again, keeps the order right', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('b');
    lru.get('b');
    lru.set('c', 3);
    expect(keys(lru)).toEqual(['b', 'c']);
    lru.delete('c');
    lru.get('b');
    lru.set('d', 4);
    lru.get('b');
    lru.set('e', 5);
    expect(keys(lru)).toEqual(['b', 'e']);
  });

  it('setting a held key replaces its value and makes it the newest', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('a', 10);
    lru.set('c', 3);
    expect(keys(lru)).toEqual(['a', 'c']);
    expect(lru.get('a')).toBe(10);
  });

  it('has() does not count as a use', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.has('a')).toBe(true);
    lru.set('c', 3);
    expect(lru.has('a')).toBe(false);
  });

  it('delete, clear, and deleting while iterating', () => {
    const lru = new Lru<string, number>(10);
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) lru.set(k, i);
    for (const [k, v] of lru.entries()) if (v % 2 === 0) lru.delete(k);
    expect(keys(lru)).toEqual(['b', 'd']);
    expect(lru.delete('b')).toBe(true);
    expect(lru.delete('b')).toBe(false);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.get('d')).toBeUndefined();
  });

  it('refuses a size below one', () => {
    expect(() => new Lru(0)).toThrow(RangeError);
    expect(() => new Lru(1.5)).toThrow(RangeError);
  });
});
