import type Database from 'better-sqlite3';

/**
 * A counter that moves whenever the database may have changed: on this process's own writes
 * (`bump`) and on commits by any other connection (the CLI, another server), which SQLite's
 * `PRAGMA data_version` reveals cheaply. Caches remember the generation they were filled at.
 *
 * `unpublished` moves only for the changes that no invalidation event describes: another
 * process's commits, a write rolled back, a legacy write that bumps by hand. The caches that
 * follow the invalidation feed (the access-check chain's) drop just the keys an event names,
 * and everything when `unpublished` moves.
 */
export class Generation {
  private value = 0;
  private unpublishedValue = 0;
  private lastDataVersion = 0;
  private readonly stmt: Database.Statement | undefined;
  /** PostgreSQL: whether the invalidation listener is connected (db/pg-listener.ts). */
  private listening = true;

  /**
   * `sqlite`: the store's connection, whose `PRAGMA data_version` reveals other processes'
   * commits. Without (PostgreSQL), other nodes' commits arrive as invalidation events
   * (db/pg-listener.ts), and while the listener is down nothing cached is trusted.
   */
  constructor(sqlite?: Database.Database) {
    this.stmt = sqlite?.prepare('PRAGMA data_version').pluck();
    if (this.stmt) this.lastDataVersion = this.stmt.get() as number;
  }

  /**
   * PostgreSQL's listener is up (true) or lost (false). Either way everything cached goes: what
   * happened while it was down was not heard, and until it is back every request checks anew.
   */
  setListening(up: boolean): void {
    this.listening = up;
    this.bump();
  }

  /** Call once per request: notices writes made by other processes. */
  check(): number {
    if (!this.stmt) {
      if (!this.listening) this.bump();
      return this.value;
    }
    const v = this.stmt.get() as number;
    if (v !== this.lastDataVersion) {
      this.lastDataVersion = v;
      this.value++;
      this.unpublishedValue++;
    }
    return this.value;
  }

  /**
   * `check()` at most once per event-loop turn, for the requests the Node server reads from its
   * sockets: the first request of a turn asks SQLite, the others of that turn take its answer
   * (the turn ends at the next setImmediate). No request misses a commit it could have waited
   * for: the requests served in one turn are those whose sockets were readable when libuv
   * polled, before that first check, so each was on its way before the check ran and a commit
   * that the check did not see was not over when the request was sent; the first request of the
   * next turn sees it. (With more than 1024 sockets readable at once, libuv polls again within
   * the turn, and a request read then may see such a commit one turn late.) Not for app.request:
   * an in-process caller writes and asks again within one turn, so it calls `check()`.
   */
  checkInTurn(): number {
    if (this.checkedInTurn) return this.value;
    this.checkedInTurn = true;
    setImmediate(this.endTurn);
    return this.check();
  }

  private checkedInTurn = false;
  private readonly endTurn = () => {
    this.checkedInTurn = false;
  };

  /**
   * Something changed. `published`: a committed write whose changes the invalidation events it
   * publishes right after describe (withWrite), so the feed's caches need not drop the rest.
   */
  bump(published = false): void {
    this.value++;
    if (!published) this.unpublishedValue++;
  }

  get current(): number {
    return this.value;
  }

  /** Moves on the changes no invalidation event describes (see the class). */
  get unpublished(): number {
    return this.unpublishedValue;
  }
}

/** A value recomputed when the generation has moved since it was loaded. */
export class GenerationCache<T> {
  private loadedAt = -1;
  private value: T | undefined;
  constructor(
    private readonly gen: Generation,
    private readonly load: () => T,
  ) {}

  get(): T {
    if (this.loadedAt !== this.gen.current || this.value === undefined) {
      this.value = this.load();
      this.loadedAt = this.gen.current;
    }
    return this.value;
  }
}

/**
 * Row counts of the console's lists (the "N tokens" above a page), kept per filter while the
 * database is unchanged: a `COUNT(*)` over a million rows costs tens of milliseconds, and a list
 * is paged through far more often than it changes. Any write through this connection
 * (`total_changes()`, which no writer can forget to report) or by another process (the
 * generation) drops every count.
 */
export class CountCache {
  private stamp = '';
  private readonly counts = new Map<string, number>();
  private readonly changes: { get(): unknown };

  /**
   * `sqlite`: the store's connection (its `total_changes()` moves on every write). Without
   * (PostgreSQL), the generation alone: every write of this node goes through withWrite, which
   * moves it, and other nodes' writes move it through the invalidation listener.
   */
  constructor(
    sqlite: Database.Database | undefined,
    private readonly gen: Generation,
    private readonly max = 256,
  ) {
    this.changes = sqlite ? sqlite.prepare('SELECT total_changes()').pluck() : { get: () => 0 };
  }

  get(key: string, count: () => number): number {
    // The generation is checked once per request (app.ts); here it is only read.
    const stamp = `${this.gen.current}:${this.changes.get()}`;
    if (stamp !== this.stamp) {
      this.counts.clear();
      this.stamp = stamp;
    }
    let n = this.counts.get(key);
    if (n === undefined) {
      n = count();
      if (this.counts.size >= this.max) this.counts.delete(this.counts.keys().next().value as string);
      this.counts.set(key, n);
    }
    return n;
  }

  /** `get` for a count a repository reads asynchronously; not kept when a write came in meanwhile. */
  async getAsync(key: string, count: () => Promise<number>): Promise<number> {
    const stamp = `${this.gen.current}:${this.changes.get()}`;
    const cached = stamp === this.stamp ? this.counts.get(key) : undefined;
    if (cached !== undefined) return cached;
    const n = await count();
    if (`${this.gen.current}:${this.changes.get()}` !== stamp) return n;
    return this.get(key, () => n);
  }
}
