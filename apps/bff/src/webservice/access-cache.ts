import type { Generation } from '../lib/generation';

/**
 * The state the access-check chain reads on every call (token → user and service, a service's
 * functions, a user's authorisation on a restricted service), kept in memory. Everything is
 * dropped the moment the database generation moves, which it does on every write by this
 * process and on every commit by another (the CLI, another server): a revoked token is refused
 * on the very next call. Sizes are capped so that a flood of distinct tokens cannot grow it
 * without bound; unknown tokens are never cached.
 */
class AccessCache {
  private at = -1;
  private readonly maps: Map<unknown, unknown>[] = [];

  constructor(
    private readonly gen: Generation,
    private readonly max = 100_000,
  ) {}

  /** A memo that lives until the next generation. */
  memo<K, V>(): (key: K, load: () => V | undefined) => V | undefined {
    const map = new Map<K, V>();
    this.maps.push(map as Map<unknown, unknown>);
    return (key, load) => {
      this.sync();
      if (map.has(key)) return map.get(key);
      const value = load();
      if (value === undefined) return undefined;
      if (map.size >= this.max) map.delete(map.keys().next().value as K);
      map.set(key, value);
      return value;
    };
  }

  private sync(): void {
    if (this.at === this.gen.current) return;
    for (const m of this.maps) m.clear();
    this.at = this.gen.current;
  }
}

import type { externalServices, externalServiceUsers, TokenRow, UserRow } from '../db/schema';

export interface TokenFound {
  t: TokenRow;
  u: UserRow;
  s: typeof externalServices.$inferSelect;
}

/** The memos of the access-check chain. */
export function createAccessMemos(gen: Generation) {
  const cache = new AccessCache(gen);
  return {
    token: cache.memo<string, TokenFound>(),
    functions: cache.memo<number, { list: string[]; set: ReadonlySet<string> }>(),
    authorisation: cache.memo<string, typeof externalServiceUsers.$inferSelect | null>(),
  };
}
