/**
 * Counts failures per key in a sliding window. Used for failed logins, per username and per IP.
 * In memory: one server process owns the console; a restart forgets, which errs towards letting
 * a legitimate user back in.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    const oldest = list[list.length - this.max] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** Takes back the latest failure (an attempt counted up front that turned out to succeed). */
  undo(key: string): void {
    const list = this.failures.get(key);
    if (!list) return;
    list.pop();
    if (!list.length) this.failures.delete(key);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}
