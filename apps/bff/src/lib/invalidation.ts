/**
 * What a committed write changed, for the caches that hold it. A write publishes one event per
 * thing it touched (`{ kind: 'token', id: hash }`, `{ kind: 'settings' }`, …) after it commits;
 * caches subscribe to the kinds they hold and drop just those entries. Writes by other processes
 * (the CLI, another node) are not seen here: on SQLite, `PRAGMA data_version` stays the
 * catch-all for them (see Generation), and a shared feed takes its place on several nodes.
 */
export type InvalidationKind = 'settings' | 'roles' | 'user' | 'service' | 'token' | 'hub' | 'catalogue' | 'all';

export interface Invalidation {
  kind: InvalidationKind;
  /** The row's key (id, token hash, …); absent means every entry of the kind. */
  id?: string | number;
}

type Listener = (events: readonly Invalidation[]) => void;

export class InvalidationFeed {
  private readonly listeners = new Map<InvalidationKind | '*', Set<Listener>>();

  /** `onError` hears a listener that threw: the write has committed, so publishing never throws. */
  constructor(private readonly onError: (err: unknown) => void = (err) => console.error(err)) {}

  /** Calls `listener` with the events of each publish that touch `kind` ('*': every publish). */
  subscribe(kind: InvalidationKind | '*', listener: Listener): () => void {
    let set = this.listeners.get(kind);
    if (!set) {
      set = new Set();
      this.listeners.set(kind, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Tells the subscribers, once per listener, with the events that concern it. An 'all' event
   * reaches every listener. A listener that throws is reported and does not keep the others
   * from hearing.
   */
  publish(events: readonly Invalidation[]): void {
    if (!events.length) return;
    const everything = events.some((e) => e.kind === 'all');
    for (const [kind, set] of this.listeners) {
      const mine = kind === '*' || everything ? events : events.filter((e) => e.kind === kind);
      if (!mine.length) continue;
      for (const listener of set) {
        try {
          listener(mine);
        } catch (err) {
          this.onError(err);
        }
      }
    }
  }
}
