import type Database from 'better-sqlite3';

interface Pending {
  lastAccess: number;
  calls: number;
  lastError?: { text: string; at: number };
}

/**
 * Per-token usage (last access, call count, last error), gathered in memory and written in one
 * transaction at most once a minute (and at shutdown): no database write per call.
 */
export class UsageRecorder {
  private pending = new Map<number, Pending>();
  private readonly stmt: Database.Statement;

  constructor(private readonly sqlite: Database.Database) {
    this.stmt = sqlite.prepare(
      `UPDATE external_tokens SET
         last_access = MAX(COALESCE(last_access, 0), @lastAccess),
         calls = calls + @calls,
         last_error = COALESCE(@lastError, last_error),
         last_error_at = COALESCE(@lastErrorAt, last_error_at)
       WHERE id = @id`,
    );
  }

  record(tokenId: number, now: number, error?: string): void {
    const p = this.pending.get(tokenId) ?? { lastAccess: now, calls: 0 };
    p.lastAccess = Math.max(p.lastAccess, now);
    p.calls++;
    if (error) p.lastError = { text: error.slice(0, 500), at: now };
    this.pending.set(tokenId, p);
  }

  /** What has not been written yet, for the console to show alongside the stored figures. */
  peek(tokenId: number): Readonly<Pending> | undefined {
    return this.pending.get(tokenId);
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  flush(): number {
    if (!this.pending.size || !this.sqlite.open) return 0;
    const batch = this.pending;
    this.pending = new Map();
    this.sqlite.transaction(() => {
      for (const [id, p] of batch) {
        this.stmt.run({
          id,
          lastAccess: p.lastAccess,
          calls: p.calls,
          lastError: p.lastError?.text ?? null,
          lastErrorAt: p.lastError?.at ?? null,
        });
      }
    })();
    return batch.size;
  }
}
