/**
 * A map that holds at most `max` entries and, when full, lets go of the one used least
 * recently. A Map keeps its keys in insertion order, so a hit moves its key to the end
 * (delete, then set) and the first key is always the least recently used. A hit on the key
 * used last (a client calling again and again) moves nothing.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  /** The key at the end of `map` (the most recently used), when known. */
  private newest: K | undefined;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`An LRU holds at least one entry (got ${max})`);
  }

  /** The value of `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  /** Whether `key` is held, without using it. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Holds `value` as the most recently used; lets go of the least recently used when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.newest = undefined;
  }

  get size(): number {
    return this.map.size;
  }

  /** Every entry, least recently used first; deleting entries while iterating is fine. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
