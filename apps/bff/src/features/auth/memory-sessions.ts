import { eq } from 'drizzle-orm';
import { sessions, type UserRow, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { bestEffort } from '../../lib/disk';

// Sessions that could not be written because the disk (or the database's page limit) is full.
// A login must not depend on free disk space: the session is kept here, in this process, until
// the database takes it again (on the session's next last-seen update, at most once a minute) or
// until it ends. It is known to this node only, and lost at a restart (the user signs in again).

type SessionRow = typeof sessions.$inferSelect;

/** At most this many held sessions (each a few hundred bytes); past it a login answers 503. */
const MAX_HELD_SESSIONS = 10_000;

const held = new Map<string, SessionRow>();

function expired(deps: Deps, s: SessionRow, now: number): boolean {
  return (
    now - s.lastSeenAt > deps.env.GATEHOUSE_SESSION_IDLE_MINUTES * 60 ||
    now - s.createdAt > deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600
  );
}

/** Keeps a session whose row the database refused; false when no more can be held. */
export function holdSession(deps: Deps, row: SessionRow): boolean {
  if (held.size >= MAX_HELD_SESSIONS) {
    const now = deps.now();
    for (const [hash, s] of held) if (expired(deps, s, now)) held.delete(hash);
    if (held.size >= MAX_HELD_SESSIONS) return false;
  }
  held.set(row.idHash, { ...row });
  deps.log.warn({ userId: row.userId }, 'Disk full: a session is kept in memory until the database takes it');
  return true;
}

/** A held session with its user, in the shape resolveSession reads from the database. */
export function heldSessionRow(deps: Deps, hash: string): { sessions: SessionRow; users: UserRow } | undefined {
  const s = held.get(hash);
  if (!s) return undefined;
  const u = deps.store.db.select().from(users).where(eq(users.id, s.userId)).get();
  if (!u) {
    held.delete(hash);
    return undefined;
  }
  return { sessions: { ...s }, users: u };
}

/**
 * Writes a session's last-seen time: in the database (skipped when the disk is full), or for a
 * held session in memory, after trying to move it into the database.
 */
export function touchSession(deps: Deps, hash: string, now: number): void {
  const s = held.get(hash);
  if (!s) {
    bestEffort(deps.log, 'a session last-seen update', () =>
      deps.store.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, hash)).run(),
    );
    return;
  }
  s.lastSeenAt = now;
  const stored = bestEffort(deps.log, 'moving a held session into the database', () => {
    deps.store.db.insert(sessions).values(s).onConflictDoNothing().run();
    return true;
  });
  if (stored) held.delete(hash);
}

export function dropHeldSession(hash: string): void {
  held.delete(hash);
}

export function dropHeldUserSessions(userId: number, exceptHash?: string): void {
  for (const [hash, s] of held) if (s.userId === userId && hash !== exceptHash) held.delete(hash);
}
