import type { Deps } from '../../deps';
import type { SessionRow } from './sessions.repo';

// Sessions that could not be written because the disk (or the database's page limit) is full.
// A login must not depend on free disk space: the session is kept here, in this process, until
// the database takes it again (on the session's next last-seen update, at most once a minute) or
// until it ends. It is known to this node only, and lost at a restart (the user signs in again).

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

/** The held session with this hash (the live object: its last-seen time is updated in place). */
export function heldSession(hash: string): SessionRow | undefined {
  return held.get(hash);
}

/** Forgets a held session the database has taken, unless it was ended or replaced meanwhile. */
export function releaseHeldSession(s: SessionRow): void {
  if (held.get(s.idHash) === s) held.delete(s.idHash);
}

export function dropHeldSession(hash: string): void {
  held.delete(hash);
}

export function dropHeldUserSessions(userId: number, exceptHash?: string): void {
  for (const [hash, s] of held) if (s.userId === userId && hash !== exceptHash) held.delete(hash);
}
