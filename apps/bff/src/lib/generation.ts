import type Database from 'better-sqlite3';

/**
 * A counter that moves whenever the database may have changed: on this process's own writes
 * (`bump`) and on commits by any other connection (the CLI, another server), which SQLite's
 * `PRAGMA data_version` reveals cheaply. Caches remember the generation they were filled at.
 */
export class Generation {
  private value = 0;
  private lastDataVersion: number;
  private readonly stmt: Database.Statement;

  constructor(sqlite: Database.Database) {
    this.stmt = sqlite.prepare('PRAGMA data_version').pluck();
    this.lastDataVersion = this.stmt.get() as number;
  }

  /** Call once per request: notices writes made by other processes. */
  check(): number {
    const v = this.stmt.get() as number;
    if (v !== this.lastDataVersion) {
      this.lastDataVersion = v;
      this.value++;
    }
    return this.value;
  }

  bump(): void {
    this.value++;
  }

  get current(): number {
    return this.value;
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
